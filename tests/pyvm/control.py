def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)

def make_counter(start=0):
    count = start
    def inc(step=1):
        nonlocal count
        count += step
        return count
    return inc

total = 0
def add(n):
    global total
    total += n

for i in range(5):
    if i == 3:
        continue
    add(i)
else:
    print("loop done", total)

n = 0
while True:
    n += 1
    if n > 4:
        break
print(n, fib(15), [fib(i) for i in range(10)])
c = make_counter(10)
c()
c(5)
print(c(), (lambda x, y=2: x * y)(4))

def varargs(a, *rest):
    return a, rest
print(varargs(1), varargs(1, 2, 3), varargs(*[4, 5]), max(3, 9, key=lambda v: -v))
x = 5
print("big" if x > 3 else "small", 1 < x < 10, 1 < x > 10, not x, x and 0, x or 0)
