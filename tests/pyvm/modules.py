# The modules time, threading and math as a task uses them (random: random.py).
import math
import threading
import time

print(math.sqrt(2), math.sqrt(16), math.floor(-2.5), math.ceil(2.1), math.trunc(-3.7))
print(math.isqrt(10**20 + 1), math.gcd(84, 36), math.gcd(0, 5), math.factorial(25))
print(math.fabs(-3), math.hypot(3, 4), math.pow(2, 10), math.log2(1024), math.log(8, 2))
print(round(math.sin(1), 12), round(math.cos(1), 12), round(math.tan(0.5), 12), round(math.atan2(1, -1), 12))
print(round(math.exp(1), 12), round(math.log(10), 12), round(math.log10(2), 12), round(math.atan(1) * 4, 12))
print(math.pi, math.e, math.tau, math.inf, -math.inf, math.isclose(0.1 + 0.2, 0.3))
print(type(math.floor(2.5)).__name__, type(math.sqrt(4)).__name__, math.floor(10**20 + 0.0))
for bad in [lambda: math.sqrt(-1), lambda: math.log(0), lambda: math.factorial(-1), lambda: math.isqrt(-4)]:
    try:
        bad()
    except ValueError as e:
        print('ValueError:', e)

t0 = time.perf_counter()
s = 0
for i in range(10000):
    s += i
t1 = time.perf_counter()
print(t1 >= t0, type(t0).__name__, t1 - t0 < 5, time.time() > 1.6e9, type(time.perf_counter_ns()).__name__)
time.sleep(0.001)
print(time.perf_counter() >= t1)

lock = threading.Lock()
print(lock.acquire(), lock.locked(), lock.acquire(False))
lock.release()
print(lock.locked())
counter = 0
def add(n):
    global counter
    for _ in range(n):
        with lock:
            counter += 1
    return counter
print(add(1000), lock.locked())
print(threading.current_thread().name)
