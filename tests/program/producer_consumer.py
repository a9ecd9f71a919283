import threading, time

buffer = []
CAPACITY = 3
cond = threading.Condition()
done = False
most = 0

def producer():
    global done, most
    for i in range(8):
        with cond:
            cond.wait_for(lambda: len(buffer) < CAPACITY)
            buffer.append(i)
            most = max(most, len(buffer))
            print(f"produced {i}")
            cond.notify_all()
        time.sleep(0.01)
    with cond:
        done = True
        cond.notify_all()

def consumer():
    got = []
    while True:
        with cond:
            while not buffer and not done:
                cond.wait()
            if not buffer and done:
                break
            got.append(buffer.pop(0))
            cond.notify_all()
        time.sleep(0.02)
    print("consumed", got)

c = threading.Thread(target=consumer)
p = threading.Thread(target=producer)
c.start(); p.start()
p.join(); c.join()
print("done", buffer, "never more than", CAPACITY, "waiting:", most <= CAPACITY)
