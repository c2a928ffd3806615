"""prctl(PR_GET_SECCOMP) as a program sees it: `seccomp_mode.py probe` prints the mode,
then the mode after it loads a filter of its own (one that allows everything);
`seccomp_mode.py filtered CMD...` loads such a filter, then execs CMD (a caller already
under seccomp, as in a container).
"""
import ctypes
import os
import struct
import sys

libc = ctypes.CDLL(None, use_errno=True)
PR_GET_SECCOMP, PR_SET_SECCOMP, PR_SET_NO_NEW_PRIVS = 21, 22, 38
SECCOMP_MODE_FILTER, SECCOMP_RET_ALLOW = 2, 0x7FFF0000


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def allow_all():
    insn = ctypes.create_string_buffer(struct.pack("HBBI", 0x06, 0, 0, SECCOMP_RET_ALLOW))
    prog = SockFprog(1, ctypes.addressof(insn))
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        sys.exit("PR_SET_NO_NEW_PRIVS: errno %d" % ctypes.get_errno())
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        sys.exit("PR_SET_SECCOMP: errno %d" % ctypes.get_errno())


if sys.argv[1] == "probe":
    before = libc.prctl(PR_GET_SECCOMP, 0, 0, 0, 0)
    allow_all()
    print(before, libc.prctl(PR_GET_SECCOMP, 0, 0, 0, 0))
else:
    allow_all()
    os.execvp(sys.argv[2], sys.argv[2:])
