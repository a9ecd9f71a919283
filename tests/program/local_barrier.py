import threading
data = threading.local()
b = threading.Barrier(3)
def f(i):
    data.x = i
    b.wait()
    print(i, data.x)
ts = [threading.Thread(target=f, args=(i,)) for i in range(3)]
[t.start() for t in ts]
[t.join() for t in ts]
