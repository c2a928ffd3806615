"""What a program under a pty writes to its terminal, for the tests that drive one
(signal_count.py, job_control.py, pty_job.py)."""
import os
import select
import time


class Terminal:
    """The controlling side of a pty (`fd`, from pty.fork()); `out` holds all it read."""

    def __init__(self, fd):
        self.fd = fd
        self.out = b""
        self.open = True

    def read(self, seconds, until=None):
        """Reads for up to `seconds`, stopping early once `until` (bytes) has shown or the
        other side is gone. Returns whether `until` showed; without `until`, whether the
        other side is still open."""
        end = time.monotonic() + seconds
        while self.open and (until is None or until not in self.out) and time.monotonic() < end:
            r, _, _ = select.select([self.fd], [], [], 0.05)
            if not r:
                continue
            try:
                chunk = os.read(self.fd, 4096)
            except OSError:  # EIO: the other side is gone
                chunk = b""
            self.open = bool(chunk)
            self.out += chunk
        return self.open if until is None else until in self.out

    def text(self):
        return self.out.decode(errors="replace")
