import threading, time

start = threading.Barrier(4, action=lambda: print("go!"))
results = []
lock = threading.Lock()

def runner(name):
    idx = start.wait()
    with lock:
        results.append(name)
    if idx == 0:
        print("index 0 exists")

threads = [threading.Thread(target=runner, args=(f"r{i}",)) for i in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(sorted(results), start.parties, start.n_waiting, start.broken)

b = threading.Barrier(2, timeout=0.1)
try:
    b.wait()
except threading.BrokenBarrierError:
    print("timed out, broken:", b.broken)
b.reset()
print("after reset broken:", b.broken)

b2 = threading.Barrier(3)
def waiter():
    try:
        b2.wait()
        print("passed")
    except threading.BrokenBarrierError:
        print("waiter saw a broken barrier")
w = threading.Thread(target=waiter)
w.start()
while b2.n_waiting < 1:  # until the waiter is in (no timing to rely on)
    time.sleep(0.001)
print("waiting:", b2.n_waiting)
b2.abort()
w.join()
try:
    b2.wait()
except threading.BrokenBarrierError as e:
    print("broken:", type(e).__name__, isinstance(e, RuntimeError))
