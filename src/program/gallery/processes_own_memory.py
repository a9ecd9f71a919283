from multiprocessing import Process

counter = 0

def increment():
    global counter
    counter += 1
    print("in the child process, counter =", counter)

p = Process(target=increment)
p.start()
p.join()

print("in the parent process, counter =", counter)
