import logging
logging.info("not shown")
logging.warning("shown with the default format")
logging.basicConfig(level=logging.DEBUG)
logging.debug("still not shown: basicConfig came too late")
logging.getLogger("x").error("named logger error")
