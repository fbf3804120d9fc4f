#!/usr/bin/env python3
"""The scheduler baseline: how a Python daemon would run the same fleet.

N jobs on one-minute schedules, each with a fixed jitter offset in [0, 60 s) (like Intake's
`jitter: 60s`), run by the standard library's heap scheduler (`sched`) on a thread pool; each job
does what a no-op poll does for the store: it records a run in SQLite (one transaction). Prints the
fire delay percentiles (ms) over fires after the warm-up, and the CPU used while no job is due.
"""
import argparse, hashlib, os, resource, sched, sqlite3, threading, time
from concurrent.futures import ThreadPoolExecutor

p = argparse.ArgumentParser()
p.add_argument("--assets", type=int, default=10000)
p.add_argument("--seconds", type=float, default=150)
p.add_argument("--warmup", type=float, default=30)
p.add_argument("--idle", type=float, default=20)
p.add_argument("--db", required=True)
p.add_argument("--workers", type=int, default=32)
a = p.parse_args()

if os.path.exists(a.db):
    os.remove(a.db)
setup = sqlite3.connect(a.db)
setup.execute("PRAGMA journal_mode=WAL")
setup.execute("CREATE TABLE runs (asset TEXT, fire REAL, started REAL)")
setup.commit()
local = threading.local()

def db():
    if not hasattr(local, "c"):
        local.c = sqlite3.connect(a.db, timeout=30)
        local.c.execute("PRAGMA synchronous=NORMAL")
    return local.c

delays = []
lock = threading.Lock()
start = time.time()
measure_from = start + a.warmup

def poll(name, fire):
    now = time.time()
    c = db()
    c.execute("INSERT INTO runs VALUES (?, ?, ?)", (name, fire, now))
    c.commit()
    if fire >= measure_from:
        with lock:
            delays.append((now - fire) * 1000)

s = sched.scheduler(time.time, time.sleep)
pool = ThreadPoolExecutor(a.workers)

def fire(name, at):
    pool.submit(poll, name, at)
    nxt = at + 60
    if nxt < start + a.seconds:
        s.enterabs(nxt, 0, fire, (name, nxt))

for i in range(a.assets):
    name = f"a{i:05d}"
    offset = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") % 60_000_000 / 1e6
    first = (int(start) // 60) * 60 + offset
    while first <= start:
        first += 60
    s.enterabs(first, 0, fire, (name, first))
s.run()
pool.shutdown(wait=True)

# Idle: one job an hour away; CPU used by the process while nothing is due.
s.enterabs(time.time() + 3600, 0, lambda: None)
t = threading.Thread(target=s.run, daemon=True)
r0 = resource.getrusage(resource.RUSAGE_SELF)
t.start()
time.sleep(a.idle)
r1 = resource.getrusage(resource.RUSAGE_SELF)
cpu = (r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) / a.idle * 100
delays.sort()
def pct(q):
    return delays[min(len(delays) - 1, int(q * len(delays)))] if delays else float("nan")
print(f"fires={len(delays)} p50_ms={pct(0.5):.1f} p99_ms={pct(0.99):.1f} max_ms={delays[-1] if delays else float('nan'):.1f} idle_cpu_pct={cpu:.2f}")
