import threading, time

r = threading.RLock()
with r:
    with r:
        print("reentrant ok")
r.acquire(); r.acquire(); r.release(); r.release()
try:
    r.release()
except RuntimeError as e:
    print("RuntimeError:", e)

fired = []
t = threading.Timer(0.2, lambda: fired.append(1))
t.start()
t.cancel()
t.join()
print("cancelled timer fired:", fired)
t2 = threading.Timer(0.05, print, args=("timer says", "hi"))
print(t2.name.startswith("Thread-"))
t2.start(); t2.join()

cv = threading.Condition(threading.Lock())
with cv:
    print("wait timed out:", cv.wait(0.05))
try:
    cv.notify()
except RuntimeError as e:
    print("RuntimeError:", e)

local = threading.local()
local.name = "main"
def show():
    try:
        print(local.name)
    except AttributeError:
        print("no name in", threading.current_thread().name)
    local.name = "worker"
    print(local.name)
th = threading.Thread(target=show, name="T")
th.start(); th.join()
print(local.name)

ev = threading.Event()
def sleeper():
    ev.wait()
ts = [threading.Thread(target=sleeper, name=f"s{i}") for i in range(2)]
for x in ts:
    x.start()
print(sorted(x.name for x in threading.enumerate()))
ev.set()
for x in ts:
    x.join()
print(len(threading.enumerate()), isinstance(threading.get_native_id(), int), threading.get_ident() > 0)
