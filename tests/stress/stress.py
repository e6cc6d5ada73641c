#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""make stress: cella under load and under SIGKILL, each phase ending with a
leak count that must read zero (state entries, cgroup directories named by
our ids in every hierarchy, live processes left to us, mounts under our
directory).

  cycles      create, start, delete: 1,000 times (2 at a time)
  concurrent  50 ids created, started, deleted at once
  one-id      20 creates of one id at once: exactly one winner; then 20
              commands (state, ps, kill, pause, resume, delete) at once
  live        200 live containers, with list, state, ps, events --stats
  kill-create SIGKILL of `cella create` at a random moment (200)
  kill-run    SIGKILL of `cella run` at a random moment (200)
  kill-child  SIGKILL of a random child of `cella create` (100) / `run` (100)
  kill-exec   SIGKILL of `cella exec` at a random moment (300)

After each kill: `delete --force` must succeed, then nothing may be left.
STRESS_SCALE (default 1) multiplies every count. Exit status 0 when every
phase read zero. Run as root; the environment of the integration tests
(CELLA, CELLA_PROBE, CELLA_ROOTFS).
"""
import concurrent.futures as cf
import ctypes
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from helpers import CELLA, children, make_config, mountinfo, reap, write_bundle  # noqa: E402

SCALE = float(os.environ.get("STRESS_SCALE", "1"))
TIMEOUT = 60
PR_SET_CHILD_SUBREAPER = 36


def n(count):
    return max(1, int(count * SCALE))


class Run:
    def __init__(self, tmp):
        self.tmp = tmp
        self.root = os.path.join(tmp, "root")
        self.ids = set()
        self.seq = 0
        self.true = write_bundle(os.path.join(tmp, "true"), make_config(args=["/bin/true"]))
        self.sleep = write_bundle(os.path.join(tmp, "sleep"),
                                  make_config(args=["/bin/sleep", "1000"]))
        self.hangs = 0

    def new_id(self, prefix):
        self.seq += 1
        cid = f"st{os.getpid()}-{prefix}-{self.seq}"
        self.ids.add(cid)
        return cid

    def argv(self, *args):
        return [CELLA, "--root", self.root] + [str(a) for a in args]

    def cella(self, *args):
        # Files, not pipes: a created container holds our stdio.
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            try:
                p = subprocess.run(self.argv(*args), stdin=subprocess.DEVNULL, stdout=out,
                                   stderr=err, timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                self.hangs += 1
                return subprocess.CompletedProcess(args, -1, "", "timeout")
            out.seek(0)
            err.seek(0)
            return subprocess.CompletedProcess(args, p.returncode,
                                               out.read().decode(errors="replace"),
                                               err.read().decode(errors="replace"))

    def ok(self, *args):
        r = self.cella(*args)
        if r.returncode != 0:
            raise RuntimeError(f"cella {' '.join(map(str, args))}: {r.stderr.strip()}")
        return r


def cgroup_dirs(ids):
    base = "/sys/fs/cgroup"
    roots = [base] + [os.path.join(base, d) for d in os.listdir(base)]
    out = []
    for r in roots:
        p = os.path.join(r, "cella")
        if os.path.isdir(p):
            out += [os.path.join(p, d) for d in os.listdir(p) if d in ids]
    return out


def live_children():
    reap()
    return [p for p, s in children().items() if s != "Z"]


def leaks(run, mounts_before):
    """What is left: {kind: [..]}; waits a little for dying processes."""
    deadline = time.monotonic() + 10
    while live_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    procs = live_children()
    for p in procs:
        os.kill(p, signal.SIGKILL)
    # The root's own files (.new, the staging directory; .seccomp-cache) are
    # not containers; a staged state a killed create left in .new is.
    entries = [e for e in os.listdir(run.root)
               if not e.startswith(".")] if os.path.isdir(run.root) else []
    staging = os.path.join(run.root, ".new")
    if os.path.isdir(staging):
        entries += [".new/" + e for e in os.listdir(staging)]
    cgroups = cgroup_dirs(run.ids)
    mounts = [mp for mid, mp in mountinfo().items()
              if mid not in mounts_before and mp.startswith(run.tmp)]
    return {"state": entries, "cgroups": cgroups, "processes": procs, "mounts": mounts,
            "hangs": run.hangs}


def cycle(run, cid):
    run.ok("create", "--bundle", run.true, cid)
    run.ok("start", cid)
    run.ok("delete", "--force", cid)


def phase_cycles(run):
    with cf.ThreadPoolExecutor(2) as ex:
        list(ex.map(lambda i: cycle(run, run.new_id("cy")), range(n(1000))))


def phase_concurrent(run):
    ids = [run.new_id("cc") for _ in range(n(50))]
    with cf.ThreadPoolExecutor(len(ids)) as ex:
        list(ex.map(lambda cid: cycle(run, cid), ids))


def phase_one_id(run):
    cid = run.new_id("one")
    with cf.ThreadPoolExecutor(20) as ex:
        rs = list(ex.map(lambda i: run.cella("create", "--bundle", run.sleep, cid), range(20)))
    wins = sum(r.returncode == 0 for r in rs)
    if wins != 1:
        raise RuntimeError(f"{wins} of 20 creates of one id succeeded")
    run.ok("start", cid)
    cmds = [("state", cid), ("ps", cid), ("kill", cid, "CONT"), ("pause", cid),
            ("resume", cid), ("list",), ("events", "--stats", cid)] * 3
    cmds = cmds[:19] + [("delete", "--force", cid)]
    random.shuffle(cmds)
    with cf.ThreadPoolExecutor(20) as ex:
        list(ex.map(lambda a: run.cella(*a), cmds))
    run.ok("delete", "--force", cid)


def phase_live(run):
    ids = [run.new_id("live") for _ in range(n(200))]
    with cf.ThreadPoolExecutor(4) as ex:
        list(ex.map(lambda cid: run.ok("run", "--detach", "--bundle", run.sleep, cid), ids))
    listed = json.loads(run.ok("list", "--format", "json").stdout)
    running = {c["id"] for c in listed if c["status"] == "running"}
    if not set(ids) <= running:
        raise RuntimeError(f"list: {len(set(ids) - running)} of {len(ids)} not running")
    with cf.ThreadPoolExecutor(4) as ex:
        for cid in ids:
            ex.submit(run.ok, "state", cid)
            ex.submit(run.ok, "ps", cid)
            ex.submit(run.ok, "events", "--stats", cid)
    with cf.ThreadPoolExecutor(4) as ex:
        list(ex.map(lambda cid: run.ok("delete", "--force", cid), ids))


def descendants(pid):
    out = []
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            kids = [int(k) for k in f.read().split()]
    except OSError:
        return out
    for k in kids:
        out += [k] + descendants(k)
    return out


def killed(run, args, delay, victim="self"):
    p = subprocess.Popen(run.argv(*args), stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    target = p.pid
    if victim == "child":
        kids = descendants(p.pid)
        if kids:
            target = random.choice(kids)
    try:
        os.kill(target, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        p.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        run.hangs += 1
        p.kill()
        p.wait()


def clean(run, cid):
    reap()
    r = run.cella("delete", "--force", cid)
    if r.returncode != 0:
        raise RuntimeError(f"delete --force {cid} after a kill: {r.stderr.strip()}")


def phase_kill(run, what, count, victim="self"):
    for _ in range(n(count)):
        cid = run.new_id("k" + what)
        args = {"create": ("create", "--bundle", run.sleep, cid),
                "run": ("run", "--bundle", run.true, cid)}[what]
        killed(run, args, random.uniform(0, 0.06), victim)
        clean(run, cid)


def phase_kill_exec(run):
    cid = run.new_id("kexec")
    run.ok("run", "--detach", "--bundle", run.sleep, cid)
    for _ in range(n(300)):
        killed(run, ("exec", cid, "/bin/true"), random.uniform(0, 0.03))
        reap()
    st = json.loads(run.ok("state", cid).stdout)
    if st["status"] != "running":
        raise RuntimeError(f"the container of the exec kills is {st['status']}")
    run.ok("delete", "--force", cid)


PHASES = [
    ("cycles", phase_cycles),
    ("concurrent", phase_concurrent),
    ("one-id", phase_one_id),
    ("live", phase_live),
    ("kill-create", lambda r: phase_kill(r, "create", 200)),
    ("kill-run", lambda r: phase_kill(r, "run", 200)),
    ("kill-child-create", lambda r: phase_kill(r, "create", 100, "child")),
    ("kill-child-run", lambda r: phase_kill(r, "run", 100, "child")),
    ("kill-exec", phase_kill_exec),
]


def main():
    if os.geteuid() != 0:
        print("stress: run as root", file=sys.stderr)
        return 2
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    only = set(sys.argv[1:])
    failed = 0
    for name, fn in PHASES:
        if only and name not in only:
            continue
        tmp = tempfile.mkdtemp(prefix=f"cella-stress-{name}.", dir="/tmp")
        run = Run(tmp)
        before = mountinfo()
        t0 = time.monotonic()
        err = None
        try:
            fn(run)
        except Exception as e:  # noqa: BLE001 - reported with the leak count
            err = str(e)
        left = leaks(run, before)
        bad = {k: v for k, v in left.items() if v}
        took = time.monotonic() - t0
        print(f"stress {name:18} {took:6.1f} s  ids {len(run.ids):5}  leaks "
              f"{sum(len(v) if isinstance(v, list) else v for v in left.values())}"
              + (f"  {bad}" if bad else "") + (f"  error: {err}" if err else ""), flush=True)
        if bad or err:
            failed += 1
            for cid in run.ids:
                run.cella("delete", "--force", cid)
            for d in cgroup_dirs(run.ids):
                try:
                    os.rmdir(d)
                except OSError:
                    pass
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
