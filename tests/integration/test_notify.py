# SPDX-License-Identifier: GPL-2.0-or-later
"""NOTIFY_SOCKET pass-through (sd_notify), as runc and crun do it: the
container gets a socket of its own at /run/notify, and what it sends there
reaches the caller's socket (a unix datagram socket here, as systemd's), with
MAINPID set to the process's host pid once READY=1 came. `start`, `run -d` and
`exec -d` return only once the process is ready."""
import os
import random
import re
import signal
import socket
import subprocess

import pytest

from helpers import TIMEOUT, Cella, cid_of, make_config, read, reap, wait_for, write_bundle


def cid(prefix):
    return cid_of(f"{prefix}{random.randrange(10**6):06d}")


@pytest.fixture
def host(tmp):
    """The caller's NOTIFY_SOCKET: (path, socket)."""
    path = os.path.join(tmp, "host.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(TIMEOUT)
    yield path, s
    s.close()


def notifying(cella, host):
    """The same cella, with NOTIFY_SOCKET in its environment."""
    c = Cella(cella.root, env={"NOTIFY_SOCKET": host[0]})
    return c


def messages(s, until=b"READY=1"):
    """Datagrams received, up to the one containing `until`."""
    got = []
    while True:
        m = s.recv(4096)
        got.append(m)
        if until in m.split(b"\n"):
            return got


def gated(tmp, script):
    """A bundle whose process waits for /shared/go, then runs script."""
    d = os.path.join(tmp, "shared")
    os.makedirs(d, exist_ok=True)
    args = ["/bin/sh", "-c", "while [ ! -e /shared/go ]; do sleep 0.05; done; " + script]
    b = write_bundle(os.path.join(tmp, "bundle"),
                     make_config(args=args, binds=[(d, "/shared", False)]))
    return b, os.path.join(d, "go")


def test_run_forwards_the_messages_with_the_host_pid(cella, host, tmp):
    pidfile = os.path.join(tmp, "pid")
    c = notifying(cella, host)
    b = write_bundle(os.path.join(tmp, "bundle"), make_config(args=[
        "/bin/sh", "-c",
        'echo "$NOTIFY_SOCKET"; /probe notify "STATUS=starting\\nMAINPID=1"; '
        '/probe notify "READY=1\\nSTATUS=up"']))
    name = cid("nt")
    r = c.ok("run", "--bundle", b, "--pid-file", pidfile, name)
    assert r.stdout.splitlines()[0] == "/run/notify/notify.sock"
    got = messages(host[1])
    pid = int(read(pidfile))
    # The container's own MAINPID is dropped, the host's added with READY.
    assert got == [b"STATUS=starting\n", f"READY=1\nSTATUS=up\nMAINPID={pid}\n".encode()]


def test_start_returns_once_ready(cella, host, tmp):
    c = notifying(cella, host)
    b, go = gated(tmp, '/probe notify "READY=1"; exec sleep 100')
    name = cid("nt")
    c.ok("create", "--bundle", b, name)
    # The container's socket directory is there, the socket not yet.
    assert os.listdir(os.path.join(cella.root, name, "notify")) == []
    start = c.popen("start", name)
    try:
        wait_for(lambda: cella.status(name) == "running", what="the container to run")
        wait_for(lambda: os.listdir(os.path.join(cella.root, name, "notify")) != [],
                 what="the notify socket")
        assert start.poll() is None, "start returned before READY=1"
        open(go, "w").close()
        assert start.wait(TIMEOUT) == 0, start.stderr.read()
        pid = cella.state(name)["pid"]
        assert messages(host[1]) == [f"READY=1\nMAINPID={pid}\n".encode()]
        # The listener is gone, and its socket with it.
        assert os.listdir(os.path.join(cella.root, name, "notify")) == []
    finally:
        start.kill()
        start.wait()
        r = cella.run("delete", "--force", name)
        assert r.returncode == 0, r.stderr


def test_run_detached_returns_once_ready(cella, host, tmp):
    c = notifying(cella, host)
    b, go = gated(tmp, '/probe notify "READY=1"; exec sleep 100')
    name = cid("nt")
    run = c.popen("run", "--detach", "--bundle", b, name,
                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: cella.status(name) == "running", what="the container to run")
        assert run.poll() is None, "run -d returned before READY=1"
        open(go, "w").close()
        assert run.wait(TIMEOUT) == 0
        assert messages(host[1]) == [f"READY=1\nMAINPID={cella.state(name)['pid']}\n".encode()]
    finally:
        run.kill()
        run.wait()
        r = cella.run("delete", "--force", name)
        assert r.returncode == 0, r.stderr
        reap()


def test_start_of_a_container_that_exits_unready(cella, host, tmp):
    """As runc and crun: the wait ends with the process, without an error."""
    c = notifying(cella, host)
    b = write_bundle(os.path.join(tmp, "bundle"), make_config(args=["/bin/true"]))
    name = cid("nt")
    c.ok("create", "--bundle", b, name)
    c.ok("start", name)
    cella.wait_status(name, "stopped")
    cella.ok("delete", name)


def test_exec_gets_a_socket_of_its_own(cella, host, tmp):
    c = notifying(cella, host)
    b = write_bundle(os.path.join(tmp, "bundle"), make_config(args=["/bin/sleep", "100"]))
    name = cid("nt")
    pidfile = os.path.join(tmp, "exec.pid")
    c.ok("create", "--bundle", b, name)
    try:
        # Started without NOTIFY_SOCKET: nothing waits for the init.
        cella.ok("start", name)
        c.ok("exec", "--detach", "--pid-file", pidfile, name, "/bin/sh", "-c",
             '/probe notify "READY=1\\nSTATUS=$NOTIFY_SOCKET"; exec sleep 100')
        pid = int(read(pidfile))
        (got,) = messages(host[1])
        lines = got.decode().splitlines()
        assert lines[0] == "READY=1" and lines[2] == f"MAINPID={pid}", lines
        assert re.fullmatch(r"STATUS=/run/notify/exec-\d+\.sock", lines[1]), lines
        # In the foreground, every message passes.
        r = c.ok("exec", name, "/probe", "notify", "STATUS=one")
        assert r.stdout.strip() == "sent"
        assert host[1].recv(4096) == b"STATUS=one\n"
        # Left to the caller (a subreaper): us. Reaped before delete, or
        # the init's exit would wait for it.
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    finally:
        r = cella.run("delete", "--force", name)
        assert r.returncode == 0, r.stderr


def test_refused_where_there_is_no_socket_to_pass_on(cella, host, tmp):
    """A container created without NOTIFY_SOCKET has no notify directory:
    start and exec with it set cannot honour it."""
    c = notifying(cella, host)
    b = write_bundle(os.path.join(tmp, "bundle"), make_config(args=["/bin/sleep", "100"]))
    name = cid("nt")
    cella.ok("create", "--bundle", b, name)
    try:
        r = c.run("start", name)
        assert r.returncode != 0
        assert "NOTIFY_SOCKET" in r.stderr and "created without it" in r.stderr
        assert cella.status(name) == "created"
        cella.ok("start", name)
        r = c.run("exec", name, "/bin/true")
        assert r.returncode != 0 and "NOTIFY_SOCKET" in r.stderr
    finally:
        r = cella.run("delete", "--force", name)
        assert r.returncode == 0, r.stderr


def test_bad_notify_socket_refused_before_anything_exists(cella, tmp):
    c = Cella(cella.root, env={"NOTIFY_SOCKET": "relative/notify"})
    b = write_bundle(os.path.join(tmp, "bundle"), make_config())
    r = c.run("create", "--bundle", b, cid("nt"))
    assert r.returncode != 0
    assert "NOTIFY_SOCKET `relative/notify`" in r.stderr
    assert cella.entries() == []


def test_quick_door_run(cella, host, tmp):
    """The quick door's ephemeral root (a tmpfs over the scratch directory)
    does not hide the notify directory."""
    c = notifying(cella, host)
    # --userns host: the probe is bound from the repository, which in the
    # systemd VM is a 9p share that the kernel cannot idmap (the default
    # refuses such a bind by name, test_mounts.py).
    r = c.quick("--userns", "host", cmd=["/probe", "notify", "READY=1"])
    assert r.returncode == 0, r.stderr
    (got,) = messages(host[1])
    assert got.startswith(b"READY=1\nMAINPID=")
