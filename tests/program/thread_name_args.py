import threading, time, logging
def worker(num, delay=0.1):
    time.sleep(delay)
    print(f"{threading.current_thread().name}: worker {num}")
threads = []
for i in range(5):
    t = threading.Thread(target=worker, args=(i,), kwargs={"delay": 0.1}, name=f"W{i}")
    threads.append(t)
    t.start()
for t in threads:
    t.join()
print(threading.active_count())
print(threading.main_thread().name)
