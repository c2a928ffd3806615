#!/usr/bin/env python3
"""The shim's work per FUSE request from a perf recording (shim_work.sh): per serving thread,
the time from the syscall that handed it a request (read of /dev/fuse returning > 0,
io_uring_enter returning) to the one that replies (writev, io_uring_enter). Requests are
named by fuse:fuse_request_send: /dev/fuse in order; a ring thread's interval by the
first request sent on its CPU since its previous interval began (an interval that served
more than one request is counted under the first, and reported)."""
import re, subprocess, sys, collections, statistics
data = sys.argv[1]
out = subprocess.run(['perf', 'script', '--ns', '-i', data, '-F', 'comm,tid,cpu,time,event,trace'],
                     capture_output=True, text=True).stdout
# An OPEN is named by the request its opener sends next: OPEN(w) before a WRITE, OPEN(r)
# before a READ (cgops sends nothing else in between).
sends = [re.search(r'\((FUSE_\w+)\)', l).group(1) for l in out.splitlines()
         if 'fuse:fuse_request_send' in l]
names = iter([op + {'FUSE_WRITE': '(w)', 'FUSE_READ': '(r)'}.get(nxt, '') if op == 'FUSE_OPEN'
              else op for op, nxt in zip(sends, sends[1:] + [''])])
fifo = collections.deque()          # /dev/fuse: sends in order
percpu = collections.defaultdict(list)  # ring: cpu -> [(time, op)]
start, prev = {}, {}
work = collections.defaultdict(list)
multi = 0
ev = re.compile(r'^\s*(\S.*?)\s+(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+(\S+):\s+(.*)$')
for line in out.splitlines():
    m = ev.match(line)
    if not m: continue
    comm, tid, cpu, t, name, rest = m.groups()
    t = float(t)
    if name == 'fuse:fuse_request_send':
        op = next(names)
        fifo.append(op)
        percpu[cpu].append((t, op))
    elif name == 'raw_syscalls:sys_exit':
        nr, ret = re.match(r'NR (\d+) = (-?\d+)', rest).groups()
        nr, ret = int(nr), int(ret)
        if (nr == 0 and ret > 0) or (nr == 426 and ret >= 0):
            start[tid] = (t, nr, cpu)
    elif name == 'raw_syscalls:sys_enter':
        nr = int(rest.split()[1])
        if nr in (20, 426) and tid in start:
            t0, nr0, c = start.pop(tid)
            if (nr0 == 0) != (nr == 20): continue
            if nr == 20:
                if not fifo: continue
                op = fifo.popleft()
            else:
                lo = prev.get(tid, 0.0)
                prev[tid] = t0
                got = [s for s in percpu[c] if lo < s[0] <= t0]
                percpu[c] = [s for s in percpu[c] if s[0] > t0]
                if not got: continue
                multi += len(got) > 1
                op = got[0][1]
            work[op].append((t - t0) * 1e6)
for op, v in sorted(work.items(), key=lambda kv: -len(kv[1])):
    v.sort()
    q = lambda p: v[min(len(v) - 1, int(p * len(v)))]
    print(f'{op:14s} n={len(v):5d}  median {statistics.median(v):6.2f} us  p25 {q(.25):6.2f}  p75 {q(.75):6.2f}  min {v[0]:6.2f}')
if multi: print(f'(ring intervals serving more than one request: {multi})')
