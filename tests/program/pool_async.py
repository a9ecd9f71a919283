from multiprocessing import Pool, cpu_count
import time


def f(x):
    return x * x


def slow(x):
    time.sleep(0.05 * (3 - x))
    return x


def add(a, b):
    return a + b


def boom(x):
    if x == 2:
        raise ValueError(f"bad {x}")
    return x


if __name__ == '__main__':
    print("cores:", cpu_count() >= 1)
    with Pool(5) as p:
        print(p.map(f, [1, 2, 3]))
        for r in p.imap(f, range(3)):
            print(r)
        print(sorted(p.imap_unordered(f, range(3))))
        print(list(p.imap_unordered(slow, range(3))))
        print(list(p.imap(slow, range(3), 1)))
        res = p.map_async(f, range(4))
        res.wait()
        print(res.ready(), res.successful(), res.get(timeout=1))
        print(p.starmap_async(add, [(1, 2), (3, 4)]).get())
        print(p.map_async(f, []).get())
        print(p.starmap(add, [(5, 6)]))
        try:
            p.map_async(boom, range(4)).get(timeout=5)
        except ValueError as e:
            print("ValueError", e)
        try:
            for v in p.imap(boom, range(4)):
                print("got", v)
        except ValueError as e:
            print("ValueError", e)
        late = p.map_async(slow, [0])
        try:
            late.get(timeout=0.01)
        except Exception as e:
            print(type(e).__name__)
        print(late.get())
