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
import stat
import subprocess
import time

import pytest

from helpers import TIMEOUT, cid_of, make_config, reap, unique_sleep, wait_for, write_bundle

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
    cid = cid_of("rf-kill")
    pid = start(cella, tmp, cid)
    try:
        p = held_back(cella, pid, "kill", cid, "KILL")
        victim = end_and_recycle(pid)
        try:
            p.communicate(timeout=TIMEOUT)
            assert not killed(victim), "cella kill signalled the process given the init's pid"
        finally:
            victim.kill()
            victim.wait()
    finally:
        cella.run("delete", "--force", cid)


@needs_strace
def test_delete_force_never_signals_a_recycled_pid(cella, tmp):
    """delete --force kills the cgroup, then the init: the init's pid freed
    and recycled in between must not be signalled."""
    cid = cid_of("rf-del")
    pid = start(cella, tmp, cid)
    p = None
    try:
        p = held_back(cella, pid, "delete", "--force", cid)
        victim = end_and_recycle(pid)
        try:
            p.communicate(timeout=TIMEOUT)
            assert not killed(victim), \
                "cella delete --force signalled the process given the init's pid"
        finally:
            victim.kill()
            victim.wait()
    finally:
        cella.run("delete", "--force", cid)


def run_with_pid(pid, argv):
    """Run argv as process `pid` when the host lets us have it, else None:
    a shell that waits for a line before it execs argv is started until
    one gets that pid."""
    for _ in range(200):
        with open("/proc/sys/kernel/ns_last_pid", "w") as f:
            f.write(str(pid - 1))
        # Not pipes for its output: the container's init would hold them.
        p = subprocess.Popen(["/bin/sh", "-c", 'read go && exec "$@"', "sh", *argv],
                             stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        if p.pid == pid:
            p.stdin.write(b"go\n")
            p.stdin.close()
            return p
        p.kill()
        p.wait()
    return None


def pid_ahead(n):
    """A pid `n` past the last one handed out, wrapped the way the kernel
    wraps (back to 300 past pid_max), so that ns_last_pid accepts pid - 1."""
    with open("/proc/sys/kernel/ns_last_pid") as f:
        last = int(f.read())
    with open("/proc/sys/kernel/pid_max") as f:
        pid_max = int(f.read())
    pid = last + n
    if pid >= pid_max:
        pid = 301 + (pid - pid_max) % (pid_max - 301)
    return pid


def test_pid_file_never_follows_a_planted_symlink(cella, tmp):
    """In a world-writable directory another user plants symlinks at the
    temporary names the pid file could be written through (PATH.tmp.PID
    was predictable) and at the pid file itself: the files they point to
    are never written."""
    cid = cid_of("rf-pid")
    shared = os.path.join(tmp, "shared")
    os.mkdir(shared)
    os.chmod(shared, 0o1777)
    target = os.path.join(tmp, "precious")
    with open(target, "w") as f:
        f.write("precious\n")
    pidfile = os.path.join(shared, "c.pid")
    b = write_bundle(os.path.join(tmp, "b"), make_config(args=["/bin/sleep", unique_sleep()]))
    pid = pid_ahead(1000)
    os.symlink(target, f"{pidfile}.tmp.{pid}")
    p = run_with_pid(pid, cella.argv("create", "--bundle", b, "--pid-file", pidfile, cid))
    if p is None:
        pytest.skip(f"pid {pid} kept being taken by other processes")
    try:
        assert p.wait(timeout=TIMEOUT) == 0
        with open(target) as f:
            assert f.read() == "precious\n", "the pid file was written through a symlink"
        with open(pidfile) as f:
            assert int(f.read()) == cella.state(cid)["pid"]
        # The pid file itself a symlink: replaced, not followed.
        os.unlink(pidfile)
        os.symlink(target, pidfile)
        e = cella.run("exec", "--pid-file", pidfile, cid, "/bin/true")
        assert e.returncode == 0, e.stderr
        assert not os.path.islink(pidfile)
        with open(target) as f:
            assert f.read() == "precious\n"
        assert sorted(os.listdir(shared)) == sorted(["c.pid", f"c.pid.tmp.{pid}"])
    finally:
        cella.run("delete", "--force", cid)


def test_id_with_a_leading_dash_is_refused(cella, tmp):
    b = write_bundle(os.path.join(tmp, "b"), make_config(args=["/bin/true"]))
    try:
        for argv in (("create", "--bundle", b, "--", "-rf-dash"), ("state", "--", "-rf-dash")):
            r = cella.run(*argv)
            assert r.returncode != 0
            assert r.stderr.splitlines() == [
                "cella: invalid container id `-rf-dash`: a leading `-` would be taken for a "
                "flag"], r.stderr
        assert cella.run("list", "-q").stdout.split() == []
    finally:
        cella.run("delete", "--force", "--", "-rf-dash")


def config_like(cella, tmp, kind):
    """A config.json (in a bundle) that is `kind`: a fifo, /dev/zero itself
    through a symlink, a character device node, or a regular file of 5 MiB."""
    d = os.path.join(tmp, "b-" + kind)
    os.makedirs(d)
    path = os.path.join(d, "config.json")
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "zero-link":
        os.symlink("/dev/zero", path)
    elif kind == "device":
        os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 5))
    else:
        with open(path, "w") as f:
            f.write('{"ociVersion": "1.0.2", "x": "' + "a" * (5 << 20) + '"}')
    return d, path


@pytest.mark.parametrize("kind,says", [
    ("fifo", "is a fifo, not a regular file"),
    ("zero-link", "is a character device, not a regular file"),
    ("device", "is a character device, not a regular file"),
    ("big", "is larger than the 4 MiB cella reads"),
])
def test_config_that_is_not_a_small_regular_file_is_refused(cella, tmp, kind, says):
    """A FIFO would block create forever, /dev/zero eat memory without bound:
    refused at once, naming the file and why; `exec --process` too."""
    cfg_id = cid_of("rf-cfg")
    cid = cid_of("rf-proc")
    d, path = config_like(cella, tmp, kind)
    r = cella.run("create", "--bundle", d, cfg_id, timeout=TIMEOUT)
    assert r.returncode != 0
    assert len(r.stderr.splitlines()) == 1 and path in r.stderr and says in r.stderr, r.stderr
    assert cella.run("list", "-q").stdout.split() == []
    start(cella, tmp, cid)
    try:
        r = cella.run("exec", "--process", path, cid, timeout=TIMEOUT)
        assert r.returncode != 0
        assert len(r.stderr.splitlines()) == 1 and says in r.stderr, r.stderr
        # The applied config.json in the state directory, which exec
        # without --process starts from, is read the same way.
        applied = os.path.join(cella.root, cid, "config.json")
        os.unlink(applied)
        os.rename(path, applied)
        r = cella.run("exec", cid, "/bin/true", timeout=TIMEOUT)
        assert r.returncode != 0
        assert len(r.stderr.splitlines()) == 1 and says in r.stderr, r.stderr
    finally:
        cella.run("delete", "--force", cid)
