import threading
import time

def worker():
    time.sleep(1)
    print("worker finished")

t = threading.Thread(target=worker)
t.start()
# No t.join(): the main thread's code ends here, but the program does not:
# Python waits for every non-daemon thread before it exits.
print("main thread done")
