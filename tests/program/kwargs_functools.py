import functools
import threading
import time
from functools import partial, wraps


def timer(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        result = func(*args, **kwargs)
        print(f"{func.__name__} took {time.perf_counter() - start:.1f} s")
        return result
    return wrapper


def io_task(n, delay=0.2):
    time.sleep(delay)


@timer
def run_threads():
    """Runs four threads."""
    threads = [threading.Thread(target=io_task, args=[i], kwargs=dict(delay=0.2)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(threads)


print(run_threads(), run_threads.__name__, run_threads.__doc__)


def show(a, b=2, *rest, **options):
    return f"a={a} b={b} rest={rest} options={options}"


print(show(1))
print(show(1, 3, 4, 5, x=1, y=2))
print(show(**{"a": 7, "b": 8}))
d = {"b": 9, "z": 0}
print(show(1, **d))
print(show(*[1, 2, 3], key="k", **{"w": 1}))
args = (5,)
print(show(*args, b=6))
for bad in ("show(1, a=2)", "show(1, **{'b': 1}, b=2)", "show(**{1: 2})", "show(**[1])"):
    try:
        eval_me = {"show(1, a=2)": lambda: show(1, a=2), "show(1, **{'b': 1}, b=2)": lambda: show(1, **{"b": 1}, **{"b": 2}), "show(**{1: 2})": lambda: show(**{1: 2}), "show(**[1])": lambda: show(**[1])}[bad]
        eval_me()
    except TypeError as e:
        print("TypeError", e)


def only_kw(**kw):
    return sorted(kw.items())


print(only_kw(), only_kw(a=1, b=2))
lam = lambda *a, **k: (a, k)
print(lam(1, 2, x=3))

add = partial(lambda a, b, c=0: a + b + c, 10)
print(add(5), add(5, c=100), add(1, 2), callable(add))
base2 = partial(int, base=2)
print(base2("101"), base2("11", base=3))


class Worker(threading.Thread):
    def __init__(self, label, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.label = label

    def run(self):
        print(self.label, self.name, self._args, self._kwargs)


w = Worker("hello", name="custom", args=(1, 2), kwargs={"k": 3})
w.start()
w.join()


def logged(func):
    @wraps(func)
    def inner(*a, **k):
        print("calling", func.__name__, a, k)
        return func(*a, **k)
    return inner


@logged
def greet(name, punctuation="!"):
    "Greets."
    return "hi " + name + punctuation


print(greet("bob", punctuation="?"), greet.__name__, greet.__doc__)
