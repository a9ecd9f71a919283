import threading, logging
logging.basicConfig(level=logging.DEBUG, format="%(funcName)s:%(lineno)d %(threadName)s %(message)s")
def work():
    me = threading.current_thread()
    logging.info("ident matches: %s %s", me.ident == threading.get_ident(), me.native_id == threading.get_native_id())
t = threading.Thread(target=work, name="W")
print(t.ident, t.native_id)
t.start(); t.join()
print(t.ident is not None, threading.main_thread().ident == threading.get_ident())
logging.warning("top")
