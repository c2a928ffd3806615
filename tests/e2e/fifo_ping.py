"""fifo_ping.py FIFO TRIES: writes "ping" to FIFO once a reader has it open.

Tries every 50 ms, TRIES times (a non-blocking open for writing fails with ENXIO while
no process has the fifo open for reading); prints "a reader got ping" or "no reader".
"""
import errno
import os
import sys
import time


def main():
    path, tries = sys.argv[1], int(sys.argv[2])
    for _ in range(tries):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as e:
            if e.errno != errno.ENXIO:
                raise
            time.sleep(0.05)
            continue
        os.write(fd, b"ping\n")
        os.close(fd)
        print("a reader got ping")
        return
    print("no reader")


main()
