#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A soak: a hub and two headless kiosks under steady traffic for a bounded
time, with memory and open files sampled all along.

Each kiosk is fed a steady stream of scans (member numbers, card taps,
visitors, garbled codes, repeats) on stdin and syncs every few seconds; a
staff-screen reader asks the hub for the day's report meanwhile. At the end
every welcomed check-in must be at the hub exactly once, and the memory and
open files of every process must be flat: the last quarter's average of
anonymous resident memory (the heap) no more than 10 % (and 2 MB) above the
second quarter's, files no more than 4 above. All resident memory is shown
too; it also counts the program's own pages as they are first used.

    scripts/soak.py --minutes 60 --rate 20    # an hour, 20 scans/s per kiosk
    scripts/soak.py --minutes 5               # a shorter run

Run through scripts/soak.sh, which builds the release binaries first.
"""

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

AGE_BANDS = ["under14", "from14_to17", "from18_to24", "from25_to35", "over35"]
PURPOSES = ["culture_learning", "sports", "leisure", "employment", "venue_use", "public_service"]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release")


def run(*args):
    out = subprocess.run(args, check=True, capture_output=True, text=True)
    return out.stdout.strip()


def sample(pid):
    """Anonymous resident memory (kB: the heap and stacks, where a leak
    would show), all resident memory (kB: also the program's own pages,
    which the kernel maps in as code paths first run), and open file
    descriptors of a process."""
    anon = rss = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                anon = int(line.split()[1])
            elif line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    return anon, rss, fds


class Kiosk:
    def __init__(self, data, hub_url, code, name):
        os.makedirs(data, exist_ok=True)
        with open(os.path.join(data, "kiosk.toml"), "w") as f:
            f.write("sync_interval_seconds = 5\n")
        run(f"{BIN}/kiosk", "--data", data, "enroll", "--hub", hub_url, "--code", code, "--name", name)
        self.data = data
        self.name = name
        env = dict(os.environ, RUST_LOG="warn")
        self.proc = subprocess.Popen(
            [f"{BIN}/kiosk", "--data", data, "headless"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            bufsize=1,
            env=env,
        )
        self.outcomes = {}
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            try:
                kind = json.loads(line).get("outcome", "?")
            except json.JSONDecodeError:
                kind = "unreadable"
            self.outcomes[kind] = self.outcomes.get(kind, 0) + 1

    def send(self, line):
        self.proc.stdin.write(line + "\n")

    def finish(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=120)
        self.reader.join(timeout=10)


def flat(series, what):
    """(ok, text): the last quarter against the second one."""
    n = len(series)
    q = max(1, n // 4)
    early = series[q : 2 * q] or series[:1]
    late = series[-q:]
    a = sum(early) / len(early)
    b = sum(late) / len(late)
    if what in ("heap", "rss"):
        ok = b <= a * 1.10 + 2048
        return ok, f"{a / 1024:.1f} MB → {b / 1024:.1f} MB (max {max(series) / 1024:.1f})"
    ok = b <= a + 4
    return ok, f"{a:.1f} → {b:.1f} (max {max(series)})"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=60.0, help="how long the traffic runs (default 60)")
    ap.add_argument("--rate", type=float, default=20.0, help="scans per second per kiosk (default 20)")
    ap.add_argument("--members", type=int, default=300, help="members on the roster (default 300)")
    ap.add_argument("--every", type=float, default=5.0, help="seconds between samples (default 5)")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="soak-")
    hub_data = os.path.join(tmp, "hub")
    hub = lambda *a: run(f"{BIN}/hub", "--data", hub_data, *a)
    center = hub("center", "add", "--name", "城东街道青年之家")
    print(f"soak in {tmp}: {args.minutes} min, {args.rate} scans/s per kiosk, {args.members} members", flush=True)
    members = []
    for i in range(args.members):
        members.append(hub("member", "add", "--center", center, "--name", f"会员{i:04d}"))
    cards = {}
    for m in members[: len(members) // 3]:
        uid = "04%08X" % random.getrandbits(32)
        hub("member", "bind-card", "--id", m, "--uid", uid)
        cards[m] = uid
    server = subprocess.Popen(
        [f"{BIN}/hub", "--data", hub_data, "serve", "--listen", "127.0.0.1:0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=dict(os.environ, RUST_LOG="warn"),
    )
    url = server.stdout.readline().strip().removeprefix("listening on ")
    kiosks = [
        Kiosk(os.path.join(tmp, f"kiosk{i}"), url, hub("enroll-code", "--center", center), f"soak-{i}")
        for i in (1, 2)
    ]
    procs = {"hub": server.pid, **{k.name: k.proc.pid for k in kiosks}}
    series = {name: ([], [], []) for name in procs}

    stop = threading.Event()
    reports = [0]

    def staff_reader():
        token = None
        # The report is read as a kiosk does, with its credential.
        import sqlite3

        with sqlite3.connect(os.path.join(kiosks[0].data, "kiosk.sqlite3")) as c:
            token = c.execute("SELECT device_token FROM enrollment").fetchone()[0]
        req = urllib.request.Request(
            f"{url}/api/v1/centers/{center}/report?date=today", headers={"Authorization": f"Bearer {token}"}
        )
        while not stop.wait(1.0):
            with urllib.request.urlopen(req, timeout=10) as r:
                json.load(r)
            reports[0] += 1

    threading.Thread(target=staff_reader, daemon=True).start()

    def traffic(k, seed):
        rng = random.Random(seed)
        gap = 1.0 / args.rate
        nxt = time.monotonic()
        while not stop.is_set():
            r = rng.random()
            m = rng.choice(members)
            if r < 0.45:
                line = m
            elif r < 0.65 and m in cards:
                line = "card:" + cards[m]
            elif r < 0.95:
                line = "visitor " + rng.choice(AGE_BANDS) + " " + rng.choice(PURPOSES)
            else:
                line = "%%garbled-" + str(rng.getrandbits(40))
            k.send(line)
            nxt += gap
            time.sleep(max(0.0, nxt - time.monotonic()))

    threads = [threading.Thread(target=traffic, args=(k, i), daemon=True) for i, k in enumerate(kiosks)]
    for t in threads:
        t.start()
    start = time.monotonic()
    end = start + args.minutes * 60
    print("| t (s) | " + " | ".join(f"{n} heap MB | {n} RSS MB | {n} fds" for n in procs) + " |", flush=True)
    last_print = 0.0
    while time.monotonic() < end:
        time.sleep(args.every)
        row = []
        for name, pid in procs.items():
            anon, rss, fds = sample(pid)
            series[name][0].append(anon)
            series[name][1].append(rss)
            series[name][2].append(fds)
            row.append(f"{anon / 1024:.1f} | {rss / 1024:.1f} | {fds}")
        t = time.monotonic() - start
        if t - last_print >= 60 or time.monotonic() >= end:
            print(f"| {t:.0f} | " + " | ".join(row) + " |", flush=True)
            last_print = t
    stop.set()
    for t in threads:
        t.join()
    for k in kiosks:
        k.finish()
    # The last uploads happened at end of input; the hub has had them.
    report = json.loads(hub("report", "--center", center, "--date", "today", "--json"))
    server.terminate()
    server.wait(timeout=30)

    ok = True
    welcomed = sum(k.outcomes.get("welcome", 0) for k in kiosks)
    waiting = 0
    for k in kiosks:
        st = json.loads(run(f"{BIN}/kiosk", "--data", k.data, "status", "--json"))
        waiting += st["events_waiting"]
        print(f"{k.name}: {k.outcomes}; waiting {st['events_waiting']}")
    # A check-in at one kiosk and the same member at the other within the
    # repeat window is one visit at the hub (the later one kept, marked).
    import sqlite3

    with sqlite3.connect(os.path.join(hub_data, "hub.sqlite3")) as c:
        stored, folded = c.execute(
            "SELECT count(*), count(same_visit_as) FROM events WHERE kind IN ('member_check_in', 'visitor')"
        ).fetchone()
    print(f"welcomed {welcomed}; at the hub {stored} ({folded} folded as one visit); report total {report['total']}; {reports[0]} staff reads")
    if waiting or stored != welcomed or report["total"] != stored - folded:
        print("FAIL: the hub does not hold every welcomed check-in exactly once", file=sys.stderr)
        ok = False
    for name, (anon, rss, fds) in series.items():
        for what, s in (("heap", anon), ("fds", fds)):
            good, text = flat(s, what)
            print(f"{name} {what}: {text}{'' if good else '  ← grows'}")
            ok &= good
        _, text = flat(rss, "rss")
        print(f"{name} all resident (not judged: includes the program's pages): {text}")
    if not ok:
        print(f"soak failed; its data is kept in {tmp}", file=sys.stderr)
        sys.exit(1)
    shutil.rmtree(tmp, ignore_errors=True)
    print("soak passed")


if __name__ == "__main__":
    main()
