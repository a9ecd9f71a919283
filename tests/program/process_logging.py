import logging, multiprocessing, sys

def work(n):
    logging.info("child %d in %s", n, multiprocessing.current_process().name)
    print(sys.getswitchinterval(), file=sys.stderr)
    return n

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(processName)s %(levelname)s %(message)s")
    sys.setswitchinterval(0.002)
    ps = [multiprocessing.Process(target=work, args=(i,)) for i in range(2)]
    for p in ps:
        p.start()
    for p in ps:
        p.join()
    logging.info("parent done")
