import sys, threading
print(sys.version_info[:2] >= (3, 8), sys.platform in ("linux", "darwin", "win32"), len(sys.argv))
sys.stdout.write("written " + str(42) + "\n")
sys.stdout.flush()
print("to stderr", file=sys.stderr)
old = sys.getswitchinterval()
print(old)
sys.setswitchinterval(0.001)
print(sys.getswitchinterval())
sys.setswitchinterval(old)
def quits():
    sys.exit(5)
t = threading.Thread(target=quits)
t.start(); t.join()
print("thread exited quietly", t.is_alive())
try:
    sys.exit("caught")
except SystemExit as e:
    print("caught SystemExit", e)
sys.exit(3)
print("never")
