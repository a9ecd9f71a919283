def risky(x):
    return 10 // x

for v in [2, 0]:
    try:
        print(risky(v))
    except ZeroDivisionError as e:
        print("caught", type(e).__name__, e)
    finally:
        print("finally", v)

try:
    [1, 2][5]
except (KeyError, IndexError) as e:
    print("lookup", e)

try:
    {}["missing"]
except LookupError as e:
    print("KeyError", e, repr(e))

def check(n):
    if n < 0:
        raise ValueError(f"negative: {n}")
    return n

try:
    check(-1)
except Exception as e:
    print(e.args, str(e))

try:
    try:
        int("abc")
    except ValueError:
        print("inner")
        raise
except ValueError as e:
    print("outer", e)

def f():
    try:
        return "from try"
    finally:
        print("cleanup")
print(f())

for i in range(3):
    try:
        if i == 1:
            continue
        print("body", i)
    finally:
        print("fin", i)

try:
    undefined_name
except NameError as e:
    print(e)
try:
    1 + "a"
except TypeError as e:
    print(e)
try:
    assert 1 > 2, "math"
except AssertionError as e:
    print("assert", e)
