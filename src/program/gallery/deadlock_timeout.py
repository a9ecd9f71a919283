import threading
import time

lock_a = threading.Lock()
lock_b = threading.Lock()

def one():
    with lock_a:
        time.sleep(0.2)
        if not lock_b.acquire(timeout=1):
            print("one: holds lock_a, gave up waiting for lock_b after 1 s")
            return
        lock_b.release()

def two():
    with lock_b:
        time.sleep(0.2)
        if lock_a.acquire(timeout=3):
            print("two: got lock_a once one gave it up")
            lock_a.release()

t1 = threading.Thread(target=one)
t2 = threading.Thread(target=two)
t1.start()
t2.start()
t1.join()
t2.join()
print("Each held the lock the other wanted: a deadlock, until a timeout broke it")
