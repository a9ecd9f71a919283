# random: MT19937 seeded as CPython seeds it, drawn as CPython draws.
import random

random.seed(0)
print(random.random(), random.random())
random.seed(42)
print([random.randint(1, 6) for _ in range(10)])
print(random.randrange(10), random.randrange(5, 50), random.randrange(0, 100, 7), random.randrange(10, 0, -3))
random.seed(2**70 + 12345)
print(random.random())
random.seed(-7)
print(random.random())
random.seed(123)
xs = list(range(20))
random.shuffle(xs)
print(xs)
print(random.choice('abcdefg'), random.choice([10, 20, 30]), random.choice((1.5, 2.5)))
print(random.uniform(1, 2), random.uniform(-5.0, 5.0))
print(random.randint(0, 2**40), random.randint(-2**62, 2**62))
print(random.randrange(1))
random.seed(7)
counts = [0] * 6
for _ in range(6000):
    counts[random.randint(1, 6) - 1] += 1
print(counts, sum(counts))
for bad in [lambda: random.choice([]), lambda: random.randrange(0), lambda: random.randint(5, 1), lambda: random.randrange(1, 10, 0)]:
    try:
        bad()
    except (IndexError, ValueError) as e:
        print(type(e).__name__, e)
