d = {"b": 1, "a": 2}
d["c"] = 3
d["b"] = 10
print(d, list(d), list(d.values()), list(d.items()), d.get("z", 0), "a" in d, len(d))
del d["a"]
print(d, d.pop("b"), d, {1: "x", True: "y", 1.0: "z"})
xs = [5, 3, 8, 1]
xs.append(7)
xs.sort()
print(xs, sorted(xs, reverse=True), xs[1:3], xs[::-2], min(xs), max(xs), sum(xs), len(xs), xs.index(7))
print([x * x for x in range(6) if x % 2 == 0], {x: x * x for x in range(4)}, sorted({x % 3 for x in range(10)}))
print([(i, j) for i in range(3) for j in range(i)], sum(x for x in range(10)), list(zip("abc", [1, 2, 3])))
print(list(enumerate("ab", 1)), sorted(["bb", "a", "ccc"], key=len), list(map(lambda x: x + 1, [1, 2])), list(reversed([1, 2, 3])))
t = (1, 2, 3)
a, b, c = t
first, *rest = [1, 2, 3, 4]
print(a + b + c, first, rest, t * 2, t + (4,), (1, 2) < (1, 3), [1, [2, [3]]], any([0, 1]), all([]))
s = {3, 1, 2}
s.add(4)
print(sorted(s), 2 in s, sorted(s | {9}), sorted(s & {1, 2, 7}), sorted(s - {1}), len(s))
m = [[0] * 3 for _ in range(2)]
m[0][1] = 5
print(m, list(range(10, 0, -3)), range(5)[2], isinstance(3, int), isinstance("x", (int, str)), isinstance(True, int))
