import threading
items = []
cond = threading.Condition()
def consumer():
    with cond:
        while not items:
            cond.wait()
        print("got", items.pop())
def producer():
    with cond:
        items.append(1)
        cond.notify()
c = threading.Thread(target=consumer); c.start()
p = threading.Thread(target=producer); p.start()
c.join(); p.join()
