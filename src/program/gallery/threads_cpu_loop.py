import threading

def task():
    print("Thread starting")
    total = 0
    for i in range(10**7):
        total += i
    print("Thread finished")

t1 = threading.Thread(target=task)
t2 = threading.Thread(target=task)

t1.start()
t2.start()

t1.join()
t2.join()

print("Done")
