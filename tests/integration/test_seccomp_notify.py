# SPDX-License-Identifier: GPL-2.0-or-later
"""Seccomp user notification (SCMP_ACT_NOTIFY): the runtime sends the
container process state and the filter's listener to the agent at
linux.seccomp.listenerPath (for the init at create, for each exec process),
and the agent, a small one here on a thread, answers the container's
notified syscalls. Bad profiles and an agent that cannot be reached fail with
exit 1 and one line naming the JSON path, leaving nothing behind."""
import array
import contextlib
import errno
import fcntl
import json
import os
import platform
import select
import socket
import struct
import threading

import pytest

from helpers import TIMEOUT, cid_of, make_config, unique_sleep, wait_for, write_bundle

# _IOWR('!', 0, struct seccomp_notif), _IOWR('!', 1, struct seccomp_notif_resp)
SECCOMP_IOCTL_NOTIF_RECV = 0xC0502100
SECCOMP_IOCTL_NOTIF_SEND = 0xC0182101
NOTIF = struct.Struct("=QII iIQ6Q")  # id, pid, flags, data {nr, arch, ip, args[6]}
RESP = struct.Struct("=QqiI")  # id, val, error, flags
MKDIR_NRS = {"x86_64": {83, 258}, "aarch64": {34}}.get(platform.machine(), set())

ALLOW = "SCMP_ACT_ALLOW"
NOTIFY = "SCMP_ACT_NOTIFY"


class Agent:
    """A seccomp agent listening at `path`. It keeps each container process
    state it is sent (with the listener), and answers every notification
    with answer = (val, error): error 0 makes the syscall return val without
    running it, a negative errno makes it fail."""

    def __init__(self, path, answer=(0, 0)):
        self.path = path
        self.answer = answer
        self.states = []  # container process states, in arrival order
        self.notifs = []  # (listener index, pid, nr)
        self.errors = []
        self.listeners = []
        self._stop = threading.Event()
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(8)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _receive(self):
        conn, _ = self.sock.accept()
        with conn:
            fds = array.array("i")
            data, anc, _, _ = conn.recvmsg(1 << 16, socket.CMSG_SPACE(4 * fds.itemsize))
            for level, kind, payload in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    fds.frombytes(payload[:len(payload) - len(payload) % fds.itemsize])
            while True:
                more = conn.recv(1 << 16)
                if not more:
                    break
                data += more
        state = json.loads(data)
        self.states.append((state, len(fds)))
        self.listeners.extend(fds)

    def _serve(self, index, fd):
        buf = bytearray(NOTIF.size)
        try:
            fcntl.ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, buf, True)
        except OSError as e:
            if e.errno != errno.ENOENT:  # the process went away meanwhile
                self.errors.append(f"NOTIF_RECV: {e}")
            return
        nid, pid, _, nr = NOTIF.unpack(bytes(buf))[:4]
        self.notifs.append((index, pid, nr))
        val, error = self.answer
        try:
            fcntl.ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, bytearray(RESP.pack(nid, val, error, 0)))
        except OSError as e:
            if e.errno != errno.ENOENT:
                self.errors.append(f"NOTIF_SEND: {e}")

    def _run(self):
        poller = select.poll()
        poller.register(self.sock, select.POLLIN)
        registered = set()
        while not self._stop.is_set():
            for fd in self.listeners:
                if fd not in registered:
                    poller.register(fd, select.POLLIN)
                    registered.add(fd)
            for fd, ev in poller.poll(100):
                if fd == self.sock.fileno():
                    self._receive()
                elif ev & select.POLLIN:
                    self._serve(self.listeners.index(fd), fd)
                elif ev & (select.POLLHUP | select.POLLERR):
                    poller.unregister(fd)  # every process of the filter is gone

    def close(self):
        self._stop.set()
        self.thread.join(5)
        self.sock.close()
        for fd in self.listeners:
            os.close(fd)
        self.listeners = []
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


@contextlib.contextmanager
def agent(tmp, answer=(0, 0), name="agent.sock"):
    a = Agent(os.path.join(tmp, name), answer)
    try:
        yield a
    finally:
        a.close()
    assert not a.errors, a.errors


def profile(listener_path=None, metadata=None, names=("mkdir", "mkdirat")):
    p = {"defaultAction": ALLOW, "syscalls": [{"names": list(names), "action": NOTIFY}]}
    if listener_path is not None:
        p["listenerPath"] = listener_path
    if metadata is not None:
        p["listenerMetadata"] = metadata
    return p


def bundle(tmp, seccomp, args, nnp=True):
    c = make_config(args=args)
    c["process"]["noNewPrivileges"] = nnp
    c["linux"]["seccomp"] = seccomp
    return write_bundle(os.path.join(tmp, "bundle"), c)


MKDIR_SH = ["sh", "-c", "mkdir /dev/shm/d; echo rc=$?; test -d /dev/shm/d && echo made "
            "|| echo absent"]


def check_state(state, cid, pid, status, metadata):
    assert state["ociVersion"].startswith("1.")
    assert state["fds"] == ["seccompFd"]
    assert state["pid"] == pid
    assert state.get("metadata") == metadata
    assert state["state"]["id"] == cid
    assert state["state"]["status"] == status
    assert os.path.isabs(state["state"]["bundle"])


# ---- the agent answers ----

@pytest.mark.parametrize("nnp", [True, False], ids=["nnp", "no-nnp"])
def test_agent_answers_success_without_acting(cella, tmp, nnp):
    cid = cid_of("h4-notify")
    with agent(tmp) as a:
        b = bundle(tmp, profile(a.path, "h4 metadata"), MKDIR_SH, nnp=nnp)
        r = cella.run("run", "--bundle", b, cid)
        assert r.returncode == 0, r.stderr
        # mkdir "succeeded", and nothing was made: the agent answered it.
        assert r.stdout.split() == ["rc=0", "absent"]
        assert len(a.states) == 1
        state, nfds = a.states[0]
        assert nfds == 1
        check_state(state, cid, state["state"]["pid"], "creating", "h4 metadata")
        # From the listener of the first (only) state; sh runs mkdir in a child.
        assert [n[0] for n in a.notifs] == [0]
        if MKDIR_NRS:
            assert a.notifs[0][2] in MKDIR_NRS


def test_agent_answers_errno(cella, tmp):
    cid = cid_of("h4-notify")
    with agent(tmp, answer=(0, -errno.EXDEV)) as a:
        r = cella.run("run", "--bundle", bundle(tmp, profile(a.path), MKDIR_SH), cid)
        assert r.returncode == 0, r.stderr
        assert r.stdout.split() == ["rc=1", "absent"]
        assert os.strerror(errno.EXDEV) in r.stderr
        assert a.states[0][0].get("metadata") is None
        assert len(a.notifs) == 1


@pytest.mark.skipif(tuple(int(x) for x in platform.release().split(".")[:2]) < (5, 19),
                    reason="SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV is Linux 5.19")
def test_wait_killable_recv(cella, tmp):
    """The flag that only applies to a listener is taken, not warned about."""
    cid = cid_of("h4-notify")
    with agent(tmp) as a:
        prof = profile(a.path)
        prof["flags"] = ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]
        r = cella.run("run", "--bundle", bundle(tmp, prof, MKDIR_SH), cid)
        assert r.returncode == 0, r.stderr
        assert r.stderr == ""
        assert r.stdout.split() == ["rc=0", "absent"]
        assert len(a.notifs) == 1


def test_create_start_exec(cella, tmp):
    """create sends the init's listener; the agent serves the process after
    start (the runtime is gone by then); each exec sends its own listener, with
    its own pid; an exec whose agent is gone fails and leaves the container."""
    cid = cid_of("h4-nx")
    args = ["sh", "-c", f"mkdir /dev/shm/d; exec /probe sleep {unique_sleep()}"]
    with agent(tmp) as a:
        b = bundle(tmp, profile(a.path, "m"), args)
        cella.ok("create", "--bundle", b, cid)
        try:
            init = cella.state(cid)["pid"]
            assert len(a.states) == 1
            check_state(a.states[0][0], cid, init, "creating", "m")
            assert a.notifs == []
            cella.ok("start", cid)
            wait_for(lambda: a.notifs, what="the init's mkdir at the agent")
            assert a.notifs[0][0] == 0

            r = cella.run("exec", cid, *MKDIR_SH)
            assert r.returncode == 0, r.stderr
            assert r.stdout.split() == ["rc=0", "absent"]
            assert len(a.states) == 2
            state = a.states[1][0]
            assert state["pid"] != init and state["state"]["pid"] == init
            check_state(state, cid, state["pid"], "running", "m")
            # On exec's own listener.
            assert [n[0] for n in a.notifs] == [0, 1]
        except BaseException:
            cella.run("delete", "--force", cid)
            raise
    # The agent is gone: exec cannot hand its listener over.
    try:
        r = cella.run("exec", cid, "/probe", "exit", "0")
        assert r.returncode == 255  # exec's own failure (runc)
        lines = r.stderr.splitlines()
        assert len(lines) == 1 and "linux.seccomp.listenerPath: connect to the seccomp " \
            f"agent at `{a.path}`" in lines[0], r.stderr
        assert cella.status(cid) == "running"
    finally:
        cella.run("delete", "--force", cid, timeout=TIMEOUT)


# ---- bad input and unreachable agents: nothing left behind ----

def one_error_line(r, needle):
    assert r.returncode == 1, (r.returncode, r.stderr)
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("cella: "), r.stderr
    assert needle in lines[0], lines[0]


BAD = {
    "no-listener-path": (profile(), "linux.seccomp.listenerPath: required with "
                         "SCMP_ACT_NOTIFY (syscalls[0])"),
    "notify-default": ({"defaultAction": NOTIFY, "listenerPath": "/run/h4.sock"},
                       "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default"),
    "metadata-alone": ({"defaultAction": ALLOW, "listenerMetadata": "x"},
                       "linux.seccomp.listenerMetadata: must not be set without listenerPath"),
    "notify-sendmsg": (profile("/run/h4.sock", names=("mkdir", "sendmsg")),
                       "linux.seccomp.syscalls[0].names[1]: SCMP_ACT_NOTIFY cannot be used for "
                       "sendmsg"),
    "notify-write": (profile("/run/h4.sock", names=("write",)),
                     "linux.seccomp.syscalls[0].names[0]: SCMP_ACT_NOTIFY cannot be used for "
                     "write"),
    "notify-close": (profile("/run/h4.sock", names=("mkdir", "close")),
                     "linux.seccomp.syscalls[0].names[1]: SCMP_ACT_NOTIFY cannot be used for "
                     "close"),
    "notify-errno": ({"defaultAction": ALLOW, "listenerPath": "/run/h4.sock", "syscalls": [
        {"names": ["mkdir"], "action": NOTIFY, "errnoRet": 1}]},
        "linux.seccomp.syscalls[0].errnoRet: only valid with SCMP_ACT_ERRNO"),
}


@pytest.mark.parametrize("door", ["create", "run"])
@pytest.mark.parametrize("case", list(BAD))
def test_bad_profile(cella, tmp, case, door):
    cid = cid_of("h4-bad")
    prof, needle = BAD[case]
    r = cella.run(door, "--bundle", bundle(tmp, prof, ["/probe"]), cid)
    one_error_line(r, needle)
    assert cella.entries() == []


def _no_socket(tmp, stack):
    return os.path.join(tmp, "nobody.sock"), "No such file or directory"


def _not_listening(tmp, stack):
    path = os.path.join(tmp, "bound.sock")
    s = stack.enter_context(socket.socket(socket.AF_UNIX, socket.SOCK_STREAM))
    s.bind(path)  # bound, never listening: refused
    return path, "Connection refused"


def _regular_file(tmp, stack):
    path = os.path.join(tmp, "file")
    open(path, "w").close()
    return path, "Connection refused"


@pytest.mark.parametrize("door", ["create", "run"])
@pytest.mark.parametrize("where", [_no_socket, _not_listening, _regular_file],
                         ids=["missing", "not-listening", "regular-file"])
@pytest.mark.parametrize("nnp", [True, False], ids=["nnp", "no-nnp"])
def test_agent_unreachable(cella, tmp, where, door, nnp):
    cid = cid_of("h4-gone")
    with contextlib.ExitStack() as stack:
        path, why = where(tmp, stack)
        r = cella.run(door, "--bundle", bundle(tmp, profile(path), MKDIR_SH, nnp=nnp), cid)
    one_error_line(r, f"linux.seccomp.listenerPath: connect to the seccomp agent at `{path}`: "
                      f"{why}")
    # No state; the leak check finds no process and no cgroup.
    assert cella.entries() == []


def test_features_list_notify(cella):
    f = json.loads(cella.ok("features", root=False).stdout)
    assert {NOTIFY, ALLOW, "SCMP_ACT_KILL_PROCESS"} <= set(f["linux"]["seccomp"]["actions"])
    assert "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" in f["linux"]["seccomp"]["knownFlags"]
