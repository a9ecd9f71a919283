# The interpreter's fast paths (fused instructions, cached global lookups,
# the direct call) must behave exactly like the plain instructions.

# total += n on ints, overflowing into big ints, and on other types.
def sums():
    t = 0
    for n in range(10):
        t += n
    big = 2 ** 62
    for _ in range(3):
        big += big
    f = 0.5
    for n in range(3):
        g = float(n)
        f += g
    s = ""
    for ch in "abc":
        s += ch
    a = [1]
    alias = a
    x = [2, 3]
    a += x
    return t, big, f, s, alias
print(sums())

# n - 1, n * 3 and n + 1 with ints, big ints, floats and strings.
def arith(n):
    return n - 1, n * 3, n + 1
print(arith(5))
print(arith(2 ** 63 - 1))
print(arith(-2 ** 63))
print(arith(1.5))
try:
    arith("s")
except TypeError as e:
    print("TypeError:", e)

# if n < 2 with ints, floats, big ints, bools, and a TypeError.
def small(n):
    if n < 2:
        return "small"
    if n == 7:
        return "seven"
    return "big"
print([small(v) for v in [0, 1, 2, 1.5, 2.5, 7, 7.0, True, 2 ** 70, -2 ** 70]])
try:
    small(None)
except TypeError as e:
    print("TypeError:", e)
try:
    small("x")
except TypeError as e:
    print("TypeError:", e)

# Compare then jump, on strings, lists and mixed numbers.
def order(a, b, step):
    n = 0
    while a < b:
        n += 1
        a = a + step
    return n
print(order("a", "aaaa", "a"), order([1], [1, 1, 1], [1]), order(1, 100, 7), order(0.5, 3, 0.75))

# for stores straight into its variable, for every kind of iterable.
def loops():
    out = []
    for i in range(10, 0, -3):
        out.append(i)
    for c in "xy":
        out.append(c)
    for v in [None, 1.5, "s"]:
        out.append(v)
    for k in {"a": 1, "b": 2}:
        out.append(k)
    last = "unset"
    for last in range(0):
        pass
    out.append(last)
    for last in range(3):
        pass
    else:
        out.append(("else", last))
    return out
print(loops())

# Reading an unbound local where a fused instruction starts.
def unbound(flag):
    if flag:
        y = 1
    return y + 1
print(unbound(True))
try:
    unbound(False)
except UnboundLocalError as e:
    print("UnboundLocalError:", e)

def unbound2(flag):
    if flag:
        y = 1
    z = 0
    z = y + z
    return z
try:
    unbound2(False)
except UnboundLocalError as e:
    print("UnboundLocalError:", e)

# A global function rebound while calls to it are cached.
def one():
    return 1
def two():
    return 2
def pick():
    return one()
r = []
for i in range(4):
    r.append(pick())
    if i == 1:
        one = two
print(r)

# A built-in shadowed by a global, then visible again after del.
def size(x):
    return len(x)
print(size([1, 2]))
def len(x):
    return 42
print(size([1, 2]))
del len
print(size([1, 2]))
try:
    pick2()
except NameError as e:
    print("NameError:", e)
def pick2():
    return "now defined"
print(pick2())

# Calls: exact arity, defaults, closures, wrong counts, deep recursion.
def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)
print(fib(20))
def dflt(a, b=10):
    return a + b
print(dflt(1), dflt(1, 2))
def outer():
    k = 5
    def inner(x):
        return x + k
    return inner(1)
print(outer())
try:
    fib(1, 2)
except TypeError as e:
    print("TypeError:", e)
try:
    fib()
except TypeError as e:
    print("TypeError:", e)
def depth(n):
    if n == 0:
        return 0
    return depth(n - 1) + 1
print(depth(900))

# return of a local, and of an unbound one.
def rf(flag):
    if flag:
        y = [1]
    return y
print(rf(True))
try:
    rf(False)
except UnboundLocalError as e:
    print("UnboundLocalError:", e)

# Mutual recursion, and a function that rebinds its own name mid-recursion.
def is_even(n):
    if n == 0:
        return True
    return is_odd(n - 1)
def is_odd(n):
    if n == 0:
        return False
    return is_even(n - 1)
print(is_even(10), is_odd(7), is_even(7))
def countdown(n):
    global countdown
    if n == 0:
        return "done"
    if n == 3:
        countdown = lambda k: "replaced at " + str(k)
    return countdown(n - 1)
saved = countdown
print(saved(5), countdown(9))
