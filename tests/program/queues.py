import queue
import threading
import time

q = queue.Queue()


def producer():
    for i in range(5):
        q.put(i)
    q.put(None)


def consumer():
    while (item := q.get()) is not None:
        print("consumed", item)


threading.Thread(target=producer).start()
c = threading.Thread(target=consumer)
c.start()
c.join()

lq = queue.LifoQueue()
pq = queue.PriorityQueue()
for i in (3, 1, 2):
    lq.put(i)
    pq.put(i)
print(lq.get(), pq.get())
print([lq.get() for _ in range(2)], [pq.get() for _ in range(2)])

tasks = queue.PriorityQueue()
for job in [(2, "write"), (1, "read"), (3, "sleep"), (1, "alpha"), (2.5, "x")]:
    tasks.put(job)
while not tasks.empty():
    print(tasks.get_nowait())
try:
    tasks.put((1, "a"))
    tasks.put((1, None))
except TypeError as e:
    print("TypeError", e)

sq = queue.SimpleQueue()
sq.put("a")
sq.put_nowait("b")
print(sq.qsize(), sq.get(), sq.get_nowait(), sq.empty())
try:
    sq.get(timeout=0.01)
except queue.Empty:
    print("empty")
print(hasattr(sq, "task_done"))

bounded = queue.Queue(maxsize=2)
bounded.put(1)
bounded.put(2)
print(bounded.full(), bounded.qsize())
try:
    bounded.put(3, block=False)
except queue.Full:
    print("full")
try:
    bounded.put_nowait(3)
except queue.Full:
    print("full again")
try:
    bounded.put(3, timeout=0.05)
except queue.Full:
    print("full after waiting")


def drain():
    time.sleep(0.1)
    print("draining")
    bounded.get()


t = threading.Thread(target=drain)
t.start()
bounded.put(3)
print("put 3 after the drain")
t.join()
print(bounded.get(), bounded.get(), bounded.empty(), bounded.full())

work = queue.Queue(3)
results = []


def worker():
    while True:
        item = work.get()
        if item is None:
            work.task_done()
            break
        results.append(item * 10)
        work.task_done()


ws = [threading.Thread(target=worker) for _ in range(2)]
for w in ws:
    w.start()
for i in range(10):
    work.put(i)
for _ in ws:
    work.put(None)
work.join()
print(sorted(results))
