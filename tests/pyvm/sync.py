# threading's synchronisation objects in one thread, sys and logging
# (whole programs with threads: tests/program.rs).
import threading
import sys
import logging

r = threading.RLock()
with r:
    with r:
        print("RLock taken twice by its owner")
print(r.acquire(), r.acquire(blocking=False))
r.release()
r.release()
try:
    r.release()
except RuntimeError as e:
    print("RuntimeError:", e)

lock = threading.Lock()
with lock:
    print(lock.locked(), lock.acquire(False))
print(lock.locked())

cv = threading.Condition()
with cv:
    print("wait:", cv.wait(0.01))
    print("wait_for:", cv.wait_for(lambda: 42, timeout=0.01))
    print("wait_for false:", cv.wait_for(lambda: 0, timeout=0.01))
    cv.notify()
    cv.notify_all()
    cv.notify(3)
for name in ("wait", "notify"):
    try:
        getter = {"wait": cv.wait, "notify": cv.notify}[name]
        getter()
    except RuntimeError as e:
        print(name, "RuntimeError:", e)
cv2 = threading.Condition(threading.Lock())
print(cv2.acquire(), cv2.acquire(False))
cv2.release()

b = threading.Barrier(1, action=lambda: print("action runs"))
print(b.wait(), b.parties, b.n_waiting, b.broken)
b.abort()
print(b.broken)
try:
    b.wait()
except threading.BrokenBarrierError as e:
    print("BrokenBarrierError", isinstance(e, RuntimeError), repr(e))
b.reset()
print(b.broken, b.wait())

data = threading.local()
data.x = 1
data.x = data.x + 1
print(data.x)
try:
    print(data.y)
except AttributeError as e:
    print("AttributeError:", e)

t = threading.Timer(5, print, args=("never",))
print(t.interval, t.is_alive(), t.daemon)
t.cancel()

print(sys.version_info >= (3, 8), sys.version_info[0], len(sys.argv), sys.maxsize)
print(sys.version.startswith("3."), type(sys.platform).__name__)
n = sys.stdout.write("written\n")
print(n)
sys.stdout.flush()
print("to stdout", file=sys.stdout)
interval = sys.getswitchinterval()
print(interval)
try:
    sys.setswitchinterval(0)
except ValueError as e:
    print("ValueError:", e)
for code in (None, 0, 2, "bye"):
    try:
        if code is None:
            sys.exit()
        sys.exit(code)
    except SystemExit as e:
        print("SystemExit", repr(e.args))
try:
    sys.exit(1)
except Exception:
    print("not an Exception")
except BaseException:
    print("a BaseException")

logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(levelname)s|%(name)s|%(threadName)s|%(processName)s|%(message)s")
logging.debug("hidden")
logging.info("info %s and %d", "args", 3)
logging.warning("a %(key)s", {"key": "mapping"})
log = logging.getLogger("app.db")
log.info("from %s", log.name)
log.setLevel(logging.WARNING)
log.info("hidden too")
log.error("error")
print(log.getEffectiveLevel(), log.isEnabledFor(logging.INFO), logging.getLogger().getEffectiveLevel())
logging.log(logging.CRITICAL, "log(level)")
logging.basicConfig(level=logging.DEBUG)
logging.debug("still hidden: configured once")
logging.basicConfig(stream=sys.stdout, level=logging.DEBUG, format="%(message)s", force=True)
logging.debug("shown after force=True")
print("%(a)s-%(b)05.1f" % {"a": "x", "b": 2.25})
try:
    print("%(missing)s" % {"a": 1})
except KeyError as e:
    print("KeyError", e)
logging.getLogger("app").setLevel(logging.DEBUG)
logging.getLogger("app.db").setLevel(logging.NOTSET)
logging.getLogger("app.db.x").debug("a logger takes its dotted parent's level")
print(logging.getLogger("app.db.x").getEffectiveLevel(), logging.getLogger("other").getEffectiveLevel())
