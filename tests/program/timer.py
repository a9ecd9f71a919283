import threading
def hello():
    print("hello, world")
t = threading.Timer(0.3, hello)
t.start()
t.join()
print("after")
