# Classes: instances, methods, class attributes, inheritance, super(),
# isinstance, __str__/__repr__, static and class methods, properties,
# decorators, user exceptions.


class Counter:
    """A counter."""
    created = 0
    step = 1

    def __init__(self, start=0):
        self.value = start
        Counter.created += 1

    def inc(self, n=None):
        self.value += self.step if n is None else n
        return self

    def __str__(self):
        return f"Counter({self.value})"

    def __repr__(self):
        return f"<Counter {self.value}>"

    @staticmethod
    def twice(x):
        return x * 2

    @classmethod
    def starting_at(cls, v):
        return cls(v)

    @property
    def double(self):
        return self.value * 2


class StepCounter(Counter):
    step = 10

    def __init__(self, start, label):
        super().__init__(start)
        self.label = label

    def inc(self, n=None):
        super().inc(n)
        return self

    def __str__(self):
        return f"{self.label}:{super().__str__()}"


class Loud(StepCounter):
    def inc(self, n=None):
        StepCounter.inc(self, n)
        print("inc ->", self.value)
        return self


c = Counter()
c.inc().inc(5)
print(c, c.value, Counter.created, repr(c), [c, c], (c,), {"k": c})
print(f"{c} {c!r} {c.double} {c.value:>5}")
print(str(c), format(c), "%d" % c.value)
s = StepCounter(1, "s")
s.inc().inc(2)
print(s, s.value, s.step, Counter.step, Counter.created)
print(isinstance(s, Counter), isinstance(c, StepCounter), isinstance(s, (int, StepCounter)), isinstance(3, Counter))
print(type(s).__name__, type(s) is StepCounter, s.__class__.__name__, Counter.__name__)
print(Counter.twice(4), s.twice(5), Counter.starting_at(7), StepCounter.starting_at.__name__)
loud = Loud(0, "loud")
loud.inc().inc(3)
print(loud)

# Class and instance attributes.
c.step = 100
c.inc()
print(c.value, Counter.step, c.step)
Counter.step = 2
d = Counter(1)
d.inc()
print(d.value, s.step)

# Bound methods as values.
f = c.inc
f(1)
print(c.value, f.__name__, callable(f), callable(Counter), callable(c))
print(list(map(Counter.twice, [1, 2, 3])), sorted([Counter(3), Counter(1), Counter(2)], key=lambda x: x.value))
adders = [Counter(i).inc for i in range(3)]
print([a(10).value for a in adders])

# Objects as dict keys and set members (by identity); equality by identity.
a, b = Counter(1), Counter(1)
seen = {a: "a", b: "b"}
print(seen[a], seen[b], a == b, a is a, a != b, len({a, b, a}))


# A plain object with attributes set from outside; AttributeError.
class Box:
    pass


box = Box()
box.items = []
box.items.append(1)
box.n = 0
box.n += 5
print(box.items, box.n)
try:
    box.missing
except AttributeError as e:
    print("AttributeError:", e)
try:
    Box.nothing
except AttributeError as e:
    print("AttributeError:", e)
try:
    c.double = 3
except AttributeError as e:
    print("AttributeError")


# Deep recursion through methods (frames on the heap).
class Tree:
    def __init__(self, depth):
        self.child = Tree(depth - 1) if depth > 0 else None

    def depth(self):
        return 0 if self.child is None else 1 + self.child.depth()


print(Tree(300).depth())


class Fib:
    def __init__(self):
        self.memo = {}

    def fib(self, n):
        if n < 2:
            return n
        if n not in self.memo:
            self.memo[n] = self.fib(n - 1) + self.fib(n - 2)
        return self.memo[n]


print(Fib().fib(90))


# A class made inside a function sees its variables.
def make_class(greeting):
    class Greeter:
        def greet(self, name):
            return f"{greeting}, {name}"
    return Greeter


G = make_class("hello")
print(G().greet("world"), G.__name__)


# Class body statements.
class Table:
    size = 3
    cells = [i * i for i in range(size)]
    if size > 2:
        big = True
    del size


print(Table.cells, Table.big, hasattr if False else "ok")


# Decorators on functions.
def logged(fn):
    def wrapper(*args):
        print("calling", fn.__name__, args)
        return fn(*args)
    return wrapper


@logged
def add(x, y):
    return x + y


print(add(2, 3))


# User exceptions.
class AppError(Exception):
    pass


class CodeError(AppError):
    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


class Quiet(ValueError):
    def __str__(self):
        return "quiet!"


try:
    raise AppError("boom")
except AppError as e:
    print("caught", e, repr(e), type(e).__name__, e.args)
try:
    raise CodeError("bad input", 42)
except AppError as e:
    print("caught", e, e.code, e.args, isinstance(e, CodeError), isinstance(e, Exception), isinstance(e, ValueError))
try:
    raise AppError
except Exception as e:
    print("caught", repr(e), str(e) == "")
try:
    raise Quiet("x")
except ValueError as e:
    print("caught", e, repr(e), e.args)
try:
    try:
        raise CodeError("inner", 1)
    except ValueError:
        print("not here")
except (KeyError, CodeError) as e:
    print("outer", e.code)


def check(n):
    if n < 0:
        raise CodeError(f"negative: {n}", n)
    return n


results = []
for n in [1, -2, 3]:
    try:
        results.append(check(n))
    except CodeError as e:
        results.append(str(e))
print(results)


# A context manager written as a class.
class Section:
    depth = 0

    def __init__(self, label):
        self.label = label

    def __enter__(self):
        Section.depth += 1
        print("enter", self.label, Section.depth)
        return self

    def __exit__(self, exc_type, exc, tb):
        Section.depth -= 1
        print("exit", self.label)


with Section("outer") as outer:
    with Section("inner"):
        print("inside", outer.label)
try:
    with Section("failing"):
        raise AppError("inside with")
except AppError as e:
    print("after with:", e, Section.depth)


# getattr, setattr, hasattr.
box2 = Box()
setattr(box2, "size", 3)
print(getattr(box2, "size"), getattr(box2, "color", "none"), hasattr(box2, "size"), hasattr(box2, "color"), hasattr(Counter, "twice"))
try:
    getattr(box2, "color")
except AttributeError as e:
    print("AttributeError:", e)
print("%s and %s" % (Counter(4), "x"), "%s" % Counter(5), "%d items" % 3)
