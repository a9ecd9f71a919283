import sys
from concurrent.futures import ProcessPoolExecutor
def mul(a, b):
    return a * b
if __name__ == "__main__":
    with ProcessPoolExecutor(max_workers=2) as ex:
        print(list(ex.map(mul, [1, 2, 3], [4, 5, 6])))
    print(sys.version_info >= (3,), file=sys.stderr)
