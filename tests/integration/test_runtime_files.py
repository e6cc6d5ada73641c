# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue 9, item 3: the runtime's own files and signals.

- `kill` and `delete --force` signal the init through a pidfd opened and
  verified against its saved start time: a pid given to another process
  after the init ended is never signalled (the signalling system call is
  held back by strace while the test recycles the pid);
- `--pid-file` is written through an exclusively created temporary file and
  never follows a symlink;
- a config.json or `exec --process` file that is a FIFO, a device or a
  symlink to /dev/zero is refused, and so is one over the size cap;
- an id that starts with `-` is refused as an id."""
import os
import select
import shutil
import signal
import subprocess
import time

import pytest

from helpers import TIMEOUT, make_config, reap, unique_sleep, wait_for, write_bundle

STRACE = shutil.which("strace")
needs_strace = pytest.mark.skipif(STRACE is None, reason="needs strace")


def start(cella, tmp, cid):
    b = write_bundle(os.path.join(tmp, "b-" + cid),
                     make_config(args=["/bin/sleep", unique_sleep()]))
    cella.ok("create", "--bundle", b, cid)
    cella.ok("start", cid)
    return cella.state(cid)["pid"]


def recycle(pid):
    """A process of ours that has pid `pid` (freed), or None when other
    processes of this busy host keep taking it first."""
    for _ in range(200):
        with open("/proc/sys/kernel/ns_last_pid", "w") as f:
            f.write(str(pid - 1))
        p = subprocess.Popen(["/bin/sleep", "60"])
        if p.pid == pid:
            return p
        p.kill()
        p.wait()
    return None


def held_back(cella, pid, *args):
    """Run cella ARGS under strace, every signalling system call (kill or
    pidfd_send_signal) delayed by 3 s; return the process once the one that
    aims at the init (kill(PID, ...), or any pidfd_send_signal) is being
    delayed."""
    p = subprocess.Popen([STRACE, "-f", "-qq", "-e", "trace=kill,pidfd_send_signal", "-e",
                          "inject=kill,pidfd_send_signal:delay_enter=3000000",
                          *cella.argv(*args)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seen = b""
    end = time.monotonic() + TIMEOUT
    while f"kill({pid},".encode() not in seen and b"pidfd_send_signal(" not in seen:
        assert time.monotonic() < end, seen
        r, _, _ = select.select([p.stderr], [], [], 1)
        if r:
            chunk = os.read(p.stderr.fileno(), 4096)
            assert chunk, seen
            seen += chunk
    return p


def end_and_recycle(pid):
    """The init killed and reaped (we are the subreaper), its pid given to a
    sleep of ours."""
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: reap() is None and not os.path.exists(f"/proc/{pid}"),
             what="the init gone")
    victim = recycle(pid)
    if victim is None:
        pytest.skip(f"pid {pid} kept being taken by other processes")
    return victim


def killed(p):
    """Has p been sent SIGKILL? It is dead, dying, or has SIGKILL pending
    (the kernel queues it on every thread before the sender returns): no
    waiting for its death."""
    if p.poll() is not None:
        return True
    try:
        with open(f"/proc/{p.pid}/status") as f:
            st = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
    except OSError:
        return True
    kill_bit = 1 << (signal.SIGKILL - 1)
    return (st["State"][0] in "ZX" or int(st["SigPnd"], 16) & kill_bit != 0
            or int(st["ShdPnd"], 16) & kill_bit != 0)


@needs_strace
def test_kill_never_signals_a_recycled_pid(cella, tmp):
    pid = start(cella, tmp, "rf-kill")
    try:
        p = held_back(cella, pid, "kill", "rf-kill", "KILL")
        victim = end_and_recycle(pid)
        try:
            p.communicate(timeout=TIMEOUT)
            assert not killed(victim), "cella kill signalled the process given the init's pid"
        finally:
            victim.kill()
            victim.wait()
    finally:
        cella.run("delete", "--force", "rf-kill")


@needs_strace
def test_delete_force_never_signals_a_recycled_pid(cella, tmp):
    """delete --force kills the cgroup, then the init: the init's pid freed
    and recycled in between must not be signalled."""
    pid = start(cella, tmp, "rf-del")
    p = None
    try:
        p = held_back(cella, pid, "delete", "--force", "rf-del")
        victim = end_and_recycle(pid)
        try:
            p.communicate(timeout=TIMEOUT)
            assert not killed(victim), \
                "cella delete --force signalled the process given the init's pid"
        finally:
            victim.kill()
            victim.wait()
    finally:
        cella.run("delete", "--force", "rf-del")
