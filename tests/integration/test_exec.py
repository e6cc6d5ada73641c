# SPDX-License-Identifier: GPL-2.0-or-later
"""cella exec, --console-socket and cella features."""
import contextlib
import json
import os
import signal
import socket

import threading

import pytest

from helpers import (NAMESPACES, TIMEOUT, cid_of, cmdline, make_config, pid_exists,
                     unique_sleep, write_bundle)


def one_error_line(r):
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("cella: "), r.stderr
    return lines[0]


ALL_NS = [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount", "user", "cgroup",
                                "time")]
MAPS = {"uidMappings": [{"containerID": 0, "hostID": 0, "size": 65536}],
        "gidMappings": [{"containerID": 0, "hostID": 0, "size": 65536}]}


def sleeper_config(rootfs=None, rootless=None, all_ns=False, **over):
    c = make_config(args=["/probe", "sleep", unique_sleep()], rootfs=rootfs,
                    rootless=rootless, **over)
    if all_ns:
        c["linux"]["namespaces"] = list(ALL_NS)
        c["linux"].update(MAPS)
    return c


@contextlib.contextmanager
def running(cella, tmp, name="ex", config=None, owner=None):
    """A started container running `probe sleep`, of id cid_of(name) (EX by
    default); deleted on the way out."""
    cid = cid_of(name)
    b = write_bundle(os.path.join(tmp, name), config or sleeper_config(), owner=owner)
    r = cella.run("create", "--bundle", b, cid)
    assert r.returncode == 0, r.stderr
    try:
        cella.ok("start", cid)
        yield cella.state(cid)["pid"]
    finally:
        cella.run("delete", "--force", cid)


EX = cid_of("ex")


def ns_of(pid):
    return {n: os.stat(f"/proc/{pid}/ns/{n}").st_ino for n in NAMESPACES}


def probe_exec(cella, cid, *flags, cmd=("/probe",)):
    r = cella.run("exec", *flags, cid, *cmd)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


# ---- namespaces ----

@pytest.mark.parametrize("all_ns", [False, True], ids=["default-ns", "all-ns"])
def test_exec_joins_every_namespace(cella, tmp, all_ns):
    with running(cella, tmp, config=sleeper_config(all_ns=all_ns)) as init:
        info = probe_exec(cella, EX)
        assert info["ns"] == ns_of(init)
        # A child of the pid namespace's init (its parent is outside), not it.
        assert info["pid"] != 1 and info["ppid"] == 0
        assert info["hostname"] == "cella-test"
        # The container's root: the probe is bound at /probe in there only.
        mounts = {m["mountpoint"] for m in info["mounts"]}
        assert "/probe" in mounts


def test_exec_rootless(rootless, user_rootfs, utmp, test_user):
    config = sleeper_config(rootfs=user_rootfs, rootless=test_user)
    with running(rootless, utmp, "rlx", config, owner=test_user) as init:
        info = probe_exec(rootless, cid_of("rlx"))
        assert info["ns"] == ns_of(init)
        assert info["uid"] == 0 and info["uid_map"].split()[:3] == ["0", str(test_user[0]), "1"]


# ---- the process ----

def test_exec_process_from_config(cella, tmp):
    with running(cella, tmp):
        info = probe_exec(cella, EX)
        assert info["uid"] == 0 and info["cwd"] == "/"
        assert "PATH=/usr/sbin:/usr/bin:/sbin:/bin" in info["environ"]
        assert info["no_new_privs"] == 1
        # CAP_AUDIT_WRITE (29), CAP_KILL (5), CAP_NET_BIND_SERVICE (10).
        assert int(info["caps"]["eff"], 16) == (1 << 29) | (1 << 5) | (1 << 10)
        assert info["rlimits"]["NOFILE"] == [1024, 1024]
        assert info["isatty"] == [False, False, False]


def test_exec_flags_override(cella, tmp):
    config = sleeper_config()
    config["process"]["noNewPrivileges"] = False
    with running(cella, tmp, config=config):
        info = probe_exec(cella, EX, "--env", "FOO=bar", "-e", "TERM=dumb", "--cwd", "/dev",
                          "--user", "1000:1001", "--additional-gids", "5,6",
                          "--no-new-privs")
        assert "FOO=bar" in info["environ"] and "TERM=dumb" in info["environ"]
        assert "TERM=xterm" not in info["environ"]
        assert info["cwd"] == "/dev"
        assert (info["uid"], info["gid"]) == (1000, 1001)
        assert sorted(info["groups"]) == [5, 6]
        assert info["no_new_privs"] == 1
        # --cap: effective for root (a non-root user's execve clears it).
        info = probe_exec(cella, EX, "--cap", "CAP_SYS_ADMIN", "-c", "net_raw")
        assert int(info["caps"]["eff"], 16) & (1 << 21)  # CAP_SYS_ADMIN
        assert int(info["caps"]["bnd"], 16) & (1 << 13)  # CAP_NET_RAW
        assert info["no_new_privs"] == 0


def test_exec_args_after_id_keep_their_flags(cella, tmp):
    with running(cella, tmp):
        r = cella.run("exec", EX, "/bin/sh", "-c", "echo -n hi; exit 3")
        assert r.returncode == 3 and r.stdout == "hi", r.stderr


def test_exec_process_file(cella, tmp):
    proc = {"args": ["/probe"], "env": ["A=1"], "cwd": "/proc", "terminal": False,
            "user": {"uid": 2, "gid": 3, "additionalGids": [7]},
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 512, "soft": 256}]}
    path = os.path.join(tmp, "process.json")
    with open(path, "w") as f:
        json.dump(proc, f)
    with running(cella, tmp):
        info = probe_exec(cella, EX, "--process", path, cmd=())
        assert info["environ"] == ["A=1", "HOME=/"]  # uid 2: not in /etc/passwd (runc)
        assert info["cwd"] == "/proc"
        assert (info["uid"], info["gid"], info["groups"]) == (2, 3, [7])
        assert int(info["caps"]["eff"], 16) == 0
        assert info["no_new_privs"] == 0
        assert info["rlimits"]["NOFILE"] == [256, 512]


def test_exec_process_with_rlimit_nproc_of_one(cella, tmp):
    """RLIMIT_NPROC 1 for a user with no process yet: the process is forked
    by a joiner that already took the user's ids (issue 9), which must not
    count against the soft limit asked for; the process gets it."""
    proc = {"args": ["/probe"], "cwd": "/", "terminal": False,
            "user": {"uid": 4242, "gid": 4242},
            "rlimits": [{"type": "RLIMIT_NPROC", "hard": 64, "soft": 1}]}
    path = os.path.join(tmp, "process.json")
    with open(path, "w") as f:
        json.dump(proc, f)
    with running(cella, tmp):
        info = probe_exec(cella, EX, "--process", path, cmd=())
        assert info["uid"] == 4242
        assert info["rlimits"]["NPROC"] == [1, 64]


def test_exec_bad_process_file(cella, tmp):
    path = os.path.join(tmp, "process.json")
    with open(path, "w") as f:
        f.write('{\n  "args": ["/probe", 3],\n  "cwd": "/", "user": {"uid": 0, "gid": 0}\n}\n')
    with running(cella, tmp):
        r = cella.run("exec", "--process", path, EX)
        assert r.returncode == 255  # runc: exec's own failures
        line = one_error_line(r)
        assert "process.json:2:" in line and "args[1]" in line, line
        r = cella.run("exec", "--process", os.path.join(tmp, "missing.json"), EX)
        assert r.returncode == 255 and "missing.json" in one_error_line(r)
        r = cella.run("exec", "--process", path, EX, "/probe")
        assert r.returncode == 1 and "not both" in one_error_line(r)


# ---- exit status and errors ----

def test_exec_exit_status(cella, tmp):
    with running(cella, tmp):
        assert cella.run("exec", EX, "/probe", "exit", "7").returncode == 7
        assert cella.run("exec", EX, "/probe", "exit", "0").returncode == 0
        r = cella.run("exec", EX, "/bin/sh", "-c", "kill -TERM $$")
        assert r.returncode == 128 + signal.SIGTERM, r.stderr


def test_exec_not_found_not_executable(cella, tmp):
    with running(cella, tmp):
        # runc: every failure of exec itself is 255, told apart from the
        # process's own status; the message says which (podman maps it).
        r = cella.run("exec", EX, "no-such-command")
        assert r.returncode == 255
        assert "not found" in one_error_line(r)
        r = cella.run("exec", EX, "/etc")
        assert r.returncode == 255
        assert "is a directory" in one_error_line(r)
        r = cella.run("exec", EX, "/etc/passwd")
        assert r.returncode == 255, r.stderr
        assert "permission denied" in one_error_line(r)
        # The container goes on.
        assert cella.status(EX) == "running"


def test_exec_stopped_container(cella, tmp):
    cid = cid_of("st")
    b = write_bundle(os.path.join(tmp, "stopped"), make_config(args=["/probe", "exit", "0"]))
    cella.ok("create", "--bundle", b, cid)
    try:
        cella.ok("start", cid)
        cella.wait_status(cid, "stopped")
        r = cella.run("exec", cid, "/probe")
        assert r.returncode != 0
        assert "stopped" in one_error_line(r)
    finally:
        cella.run("delete", "--force", cid)


def test_exec_bad_usage(cella, tmp):
    r = cella.run("exec", "nonexistent", "/probe")
    assert r.returncode != 0 and "does not exist" in one_error_line(r)
    with running(cella, tmp):
        for args in ([EX], [], ["--user", "x", EX, "/probe"], ["--bogus", EX, "/probe"],
                     ["--cwd", "rel", EX, "/probe"]):
            r = cella.run("exec", *args)
            assert r.returncode != 0, args
            one_error_line(r)
        r = cella.run("exec", "--detach", "--tty", EX, "/probe")
        assert r.returncode != 0 and "console" in one_error_line(r)


# ---- detach, pid file, signals ----

def test_exec_detach_pid_file(cella, tmp):
    pidfile = os.path.join(tmp, "exec.pid")
    arg = unique_sleep()
    with running(cella, tmp) as init:
        r = cella.run("exec", "--detach", "--pid-file", pidfile, EX, "/probe", "sleep", arg,
                      timeout=10)
        assert r.returncode == 0, r.stderr
        with open(pidfile) as f:
            pid = int(f.read())
        assert pid_exists(pid)
        assert ns_of(pid) == ns_of(init)
        assert cmdline(pid) == ["/probe", "sleep", arg]
        # Left to the caller (a subreaper, like conmon or the shim): us.
        # Reap it before delete, or the init's exit would wait for it.
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def test_exec_forwards_signals(cella, tmp):
    with running(cella, tmp):
        p = cella.popen("exec", EX, "/probe", "signals")
        try:
            assert p.stdout.readline() == "ready\n"
            p.send_signal(signal.SIGUSR1)
            assert p.stdout.readline() == "SIGUSR1\n"
            p.send_signal(signal.SIGTERM)
            assert p.stdout.readline() == "SIGTERM\n"
            assert p.wait(timeout=TIMEOUT) == 0
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()


# ---- terminals ----

def test_exec_tty_proxied(cella, tmp):
    with running(cella, tmp):
        r = cella.run("exec", "-t", EX, "/probe", "isatty", input="")
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout.strip()) == {"stdin": True, "stdout": True, "stderr": True}


class ConsoleServer:
    """A unix socket that receives one pty master with SCM_RIGHTS, as conmon
    and the containerd shim do, and reads it until the process is gone."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(1)
        self.sock.settimeout(TIMEOUT)
        self.output = b""
        self.name = None
        self.error = None
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            conn, _ = self.sock.accept()
            with conn:
                msg, fds, _, _ = socket.recv_fds(conn, 1024, 1)
            assert len(fds) == 1, "no fd received"
            self.name = msg.decode()
            with os.fdopen(fds[0], "rb", buffering=0) as master:
                while True:
                    try:
                        chunk = master.read(4096)
                    except OSError:  # EIO: the slave side is closed
                        break
                    if not chunk:
                        break
                    self.output += chunk
        except Exception as e:  # reported by wait()
            self.error = e

    def wait(self):
        self.thread.join(TIMEOUT)
        self.sock.close()
        assert not self.thread.is_alive(), "the console socket server hangs"
        if self.error:
            raise self.error
        return self.output.decode(errors="replace")


def test_exec_console_socket(cella, tmp):
    path = os.path.join(tmp, "console.sock")
    with running(cella, tmp):
        server = ConsoleServer(path)
        r = cella.run("exec", "--tty", "--console-socket", path, EX, "/probe", "isatty")
        assert r.returncode == 0, r.stderr
        out = server.wait()
        assert server.name.startswith("/dev/pts/")
        assert json.loads(out.strip()) == {"stdin": True, "stdout": True, "stderr": True}
        assert r.stdout == ""


def test_exec_console_socket_missing(cella, tmp):
    with running(cella, tmp):
        r = cella.run("exec", "-t", "--console-socket", os.path.join(tmp, "nope.sock"), EX,
                      "/probe")
        assert r.returncode != 0
        assert "nope.sock" in one_error_line(r)
        assert cella.status(EX) == "running"


def _create_has_console_socket(cella):
    return "console-socket" in cella.run("create", "--help").stdout


def test_create_console_socket(cella, tmp):
    cid = cid_of("cs")
    if not _create_has_console_socket(cella):
        pytest.skip("create --console-socket is not wired yet")
    path = os.path.join(tmp, "console.sock")
    config = make_config(args=["/probe", "isatty"])
    config["process"]["terminal"] = True
    b = write_bundle(os.path.join(tmp, "tb"), config)
    server = ConsoleServer(path)
    cella.ok("create", "--console-socket", path, "--bundle", b, cid)
    try:
        cella.ok("start", cid)
        out = server.wait()
        assert json.loads(out.strip()) == {"stdin": True, "stdout": True, "stderr": True}
    finally:
        cella.run("delete", "--force", cid)


# ---- features ----

def test_features(cella):
    r = cella.ok("features", root=False)
    f = json.loads(r.stdout)
    assert f["ociVersionMin"].startswith("1.") and f["ociVersionMax"].startswith("1.")
    assert sorted(f["linux"]["namespaces"]) == sorted(
        ["user", "mount", "pid", "network", "ipc", "uts", "cgroup", "time"])
    assert {"ro", "rbind", "nosuid", "rprivate", "rro"} <= set(f["mountOptions"])
    # Recognised but not implemented: not claimed; idmapped mounts are.
    assert "tmpcopyup" not in f["mountOptions"]
    assert {"idmap", "ridmap"} <= set(f["mountOptions"])
    assert f["linux"]["mountExtensions"]["idmap"]["enabled"] is True
    assert {"CAP_CHOWN", "CAP_SYS_ADMIN", "CAP_NET_RAW"} <= set(f["linux"]["capabilities"])
    assert f["linux"]["seccomp"]["enabled"] is True
    assert f["linux"]["apparmor"]["enabled"] is True
    assert f["linux"]["selinux"]["enabled"] is True
    assert isinstance(f["hooks"], list)
    assert set(f["linux"]["cgroup"]) >= {"v1", "v2", "systemd"}
    r = cella.run("features", "extra", root=False)
    assert r.returncode != 0
    one_error_line(r)


