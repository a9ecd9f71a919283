import threading

print(threading.current_thread() is threading.main_thread())
print(threading.current_thread() == threading.main_thread())
main = threading.main_thread()
seen = {}

def work(n):
    me = threading.current_thread()
    seen[me.name] = me is threads[n]
    seen[me.name + "=="] = me == threads[n]
    seen[me.name + " in"] = me in threads
    seen[me.name + " main"] = me is main

class Worker(threading.Thread):
    def run(self):
        seen["sub"] = threading.current_thread() is self

threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
w = Worker()
w.start()
w.join()
for k in sorted(seen):
    print(k, seen[k])
d = {t: i for i, t in enumerate(threads)}
print(d[threads[1]], threads[0] is threads[0], threads[0] is threads[1], threads[0] == threads[1])
d[threading.main_thread()] = "main"
print(d[threading.current_thread()])
print(threading.main_thread() in threading.enumerate())
print(len({threading.current_thread(), threading.main_thread()}))
