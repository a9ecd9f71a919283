import logging, threading, time

logging.basicConfig(level=logging.DEBUG, format="%(levelname)-8s [%(threadName)s] %(message)s")

def worker(n):
    logging.debug("starting %d", n)
    time.sleep(0.05 * n)
    logging.info("worker %s finished after %.2f s", n, 0.05 * n)

threads = [threading.Thread(target=worker, args=(i,), name=f"Worker-{i}") for i in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
log = logging.getLogger("app")
log.warning("all %d workers done", len(threads))
log.setLevel(logging.ERROR)
log.warning("hidden")
log.error("shown: %s", {"a": 1})
logging.critical("critical from %(who)s", {"who": "root"})
try:
    1 / 0
except ZeroDivisionError:
    logging.exception("it failed")
print("stdout line")
