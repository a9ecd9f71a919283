s = "  Hello, World  "
print(s.strip(), s.lower(), s.upper(), s.split(","), "a,b,,c".split(","), " a  b ".split())
print("-".join(["x", "y", "z"]), "abc".replace("b", "BB"), "hello".startswith("he"), "hello".endswith(("lo", "x")))
print("hello".find("l"), "hello".rfind("l"), "hello".count("l"), "abc"[1], "abcdef"[1:4], "abcdef"[::-1], "abcdef"[-2:])
name = "Ada"
n = 3
print(f"{name} has {n} items", f"{name!r}", f"{n * 2 = }", f"{{literal}}", len("héllo"))
print(repr("it's"), repr('say "hi"'), repr("a\nb\\c"), "x" * 3, "ab" < "b", "42".isdigit(), "title case words".title())
print("{} and {}".format(1, "two"), "{0}{1}{0}".format("a", "b"), "7".zfill(3), "ab".center(6, "*"), "x".ljust(3) + "|")
print(str(12), str(None), str([1, "a"]), repr((1,)), ord("A"), chr(66), "a b c".split(" ", 1))
