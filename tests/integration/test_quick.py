# SPDX-License-Identifier: GPL-2.0-or-later
"""The quick door: `cella run [flags] -- CMD`, as root."""
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess

import pytest

from helpers import (NAMESPACES, NS_FLAG, PROBE, ROOTFS, TIMEOUT, cid_of, find_process, host_ns,
                     env_without_leak_check, unique_sleep)


def one_error_line(r):
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("cella: "), r.stderr
    return lines[0]


# ---- namespaces ----

def test_default_creates_all_namespaces(cella):
    info = cella.probe()
    host = host_ns()
    for n in NAMESPACES:
        assert info["ns"][n] is not None, n
        assert info["ns"][n] != host[n], f"{n} namespace is shared with the host"


def test_own_ids_own_the_ipc_and_net_objects(cella):
    """With its own ids (the default as root), the container's root owns
    its mqueue root and loopback, made after the maps."""
    r = cella.run("run", "--rootfs", ROOTFS, "--", "sh", "-c",
                  "stat -c %u:%g /dev/mqueue /sys/class/net/lo/tx_queue_len; "
                  "cat /proc/self/uid_map")
    assert r.returncode == 0, r.stderr
    out = r.stdout.split()
    assert out[:2] == ["0:0", "0:0"], r.stdout
    # ids of its own: host root would show as 0:0 too
    assert out[2] == "0" and out[3] != "0", r.stdout


@pytest.mark.parametrize("ns", NAMESPACES)
def test_ns_creates_only_listed(cella, ns):
    # The mount namespace comes along: a rootfs needs one.
    listed = {"mnt", ns}
    info = cella.probe("--ns", ",".join(NS_FLAG[n] for n in sorted(listed)))
    host = host_ns()
    for n in NAMESPACES:
        if n in listed:
            assert info["ns"][n] != host[n], f"{n} should be new"
        else:
            assert info["ns"][n] == host[n], f"{n} should be shared with the host"


@pytest.mark.parametrize("ns", [n for n in NAMESPACES if n != "mnt"])
def test_share_keeps_host_namespace(cella, ns):
    info = cella.probe("--share", NS_FLAG[ns])
    host = host_ns()
    for n in NAMESPACES:
        if n == ns:
            assert info["ns"][n] == host[n], f"{n} should be shared with the host"
        else:
            assert info["ns"][n] != host[n], f"{n} should be new"


def test_share_two(cella):
    info = cella.probe("--share", "net,ipc")
    host = host_ns()
    assert info["ns"]["net"] == host["net"]
    assert info["ns"]["ipc"] == host["ipc"]
    assert info["ns"]["uts"] != host["uts"]


def test_pid_one(cella):
    info = cella.probe()
    assert info["pid"] == 1
    assert info["ppid"] == 0


def test_shared_pid_is_not_one(cella):
    info = cella.probe("--share", "pid")
    assert info["pid"] != 1


def test_init_reaps_zombies(cella):
    # Without --init the probe is PID 1 and never waits: its orphans stay.
    r = cella.quick(cmd=["/probe", "zombies", "3"])
    assert r.returncode == 0, r.stderr
    assert int(r.stdout) == 3
    r = cella.quick("--init", cmd=["/probe", "zombies", "3"])
    assert r.returncode == 0, r.stderr
    assert int(r.stdout) == 0


def test_init_is_pid_one(cella):
    info = cella.probe("--init")
    assert info["pid"] != 1
    assert info["ppid"] == 1


# ---- uts ----

def test_hostname_flag(cella):
    assert cella.probe("--hostname", "box1")["hostname"] == "box1"


def test_hostname_is_name(cella):
    cid = cid_of("named-box")
    assert cella.probe("--name", cid)["hostname"] == cid


def test_hostname_default(cella):
    h = cella.probe()["hostname"]
    assert h and h != socket.gethostname()


# ---- filesystem ----

def test_default_rootfs(cella):
    r = cella.run("run", "--", "cat", "/etc/hostname")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "cella\n"


def test_read_only_root(cella):
    r = cella.quick("--read-only", cmd=["/probe", "write", "/newfile"])
    assert r.returncode == 1, r.stderr
    assert r.stdout.strip() == "EROFS"
    assert not os.path.exists(os.path.join(ROOTFS, "newfile"))


def test_tmpfs(cella):
    r = cella.quick("--read-only", "--tmpfs", "/scratch", cmd=[
        "/bin/sh", "-c", "/probe write /scratch/f && grep ' /scratch ' /proc/mounts"])
    assert r.returncode == 0, r.stderr
    assert "tmpfs" in r.stdout
    assert not os.path.exists(os.path.join(ROOTFS, "scratch", "f"))


def test_bind_rw(cella, tmp):
    d = os.path.join(tmp, "data")
    os.mkdir(d)
    r = cella.quick("--bind", f"{d}:/data", cmd=["/probe", "write", "/data/out"])
    assert (r.returncode, r.stdout.strip()) == (0, "OK"), r.stderr
    with open(os.path.join(d, "out")) as f:
        assert f.read() == "cella-probe\n"


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace")
def test_one_user_namespace_for_every_idmap(cella, tmp):
    """With its own ids, the quick door sees the rootfs and each --bind
    through idmapped mounts of the same mapping, and first checks that the
    kernel can idmap them: one user namespace serves all of these (each
    costs a child of its own), not one per use."""
    d = os.path.join(tmp, "data")
    os.mkdir(d)
    trace = os.path.join(tmp, "trace")
    argv = cella.argv("run", "--rootfs", ROOTFS, "--bind", f"{PROBE}:/probe:ro", "--bind",
                      f"{d}:/data", "--name", cid_of("q1ns"), "--", "/probe", "exit", "0")
    r = subprocess.run(["strace", "-f", "-qq", "-o", trace, "-e", "trace=openat"] + argv,
                       capture_output=True, text=True, timeout=TIMEOUT,
                       stdin=subprocess.DEVNULL, env=env_without_leak_check(cella.env))
    assert r.returncode == 0, r.stderr
    with open(trace) as f:
        opened = re.findall(r'"/proc/\d+/ns/user"', f.read())
    assert len(opened) == 1, opened


def test_bind_ro_refuses_writes(cella, tmp):
    d = os.path.join(tmp, "data")
    os.mkdir(d)
    with open(os.path.join(d, "in"), "w") as f:
        f.write("hello\n")
    r = cella.quick("--bind", f"{d}:/data:ro", cmd=[
        "/bin/sh", "-c", "/probe read /data/in; /probe write /data/out"])
    assert r.returncode == 1, r.stderr
    assert r.stdout.splitlines() == ["hello", "EROFS"]
    assert not os.path.exists(os.path.join(d, "out"))


def test_bind_file(cella, tmp):
    f = os.path.join(tmp, "file")
    with open(f, "w") as fp:
        fp.write("content\n")
    r = cella.quick("--bind", f"{f}:/etc/motd:ro", cmd=["/probe", "read", "/etc/motd"])
    assert (r.returncode, r.stdout) == (0, "content\n"), r.stderr


def test_mounts_inside(cella):
    info = cella.probe()
    mps = {m["mountpoint"]: m for m in info["mounts"]}
    assert mps["/"]["fstype"] != "" and "/proc" in mps
    assert mps["/proc"]["fstype"] == "proc"
    assert mps["/probe"]["options"].split(",")[0] == "ro"


# ---- network ----

def test_new_net_has_only_loopback_up(cella):
    ifs = cella.probe()["interfaces"]
    assert [i["name"] for i in ifs] == ["lo"]
    assert ifs[0]["flags_up"]


def test_shared_net_sees_host_interfaces(cella):
    names = {i["name"] for i in cella.probe("--share", "net")["interfaces"]}
    assert names == set(n for _, n in socket.if_nameindex())


# ---- users ----

def read_map(path):
    with open(path) as f:
        return [tuple(int(x) for x in line.split()) for line in f if line.strip()]


def sleeping_probe(cella, *flags):
    token = unique_sleep()
    p = cella.popen("run", "--rootfs", ROOTFS, "--bind", f"{PROBE}:/probe:ro", *flags, "--",
                    "/probe", "sleep", token)
    try:
        pid = find_process(["/probe", "sleep", token])
    except AssertionError:
        p.kill()
        out, err = p.communicate()
        raise AssertionError(f"container did not start: {err}")
    return p, pid


def stop_sleeping_probe(p, pid):
    # PID 1 of a namespace ignores SIGTERM without a handler; SIGKILL from
    # here (an ancestor namespace) always works.
    os.kill(pid, signal.SIGKILL)
    p.communicate(timeout=TIMEOUT)
    return p.returncode


def cella_range(path):
    """cella's reservation in /etc/subuid or /etc/subgid: (start, count)."""
    with open(path) as f:
        for line in f:
            name, start, count = line.strip().split(":")
            if name == "cella":
                return int(start), int(count)
    raise AssertionError(f"no cella range in {path}")


def test_default_uid_map_seen_from_host(cella):
    """As root, the container's ids are 65536 unprivileged host ids of
    cella's reservation (issue 11), not the host's own."""
    p, pid = sleeping_probe(cella)
    try:
        (uin, uout, ulen), = read_map(f"/proc/{pid}/uid_map")
        (gin, gout, glen), = read_map(f"/proc/{pid}/gid_map")
        us, uc = cella_range("/etc/subuid")
        gs, gc = cella_range("/etc/subgid")
        assert (uin, ulen, gin, glen) == (0, 65536, 0, 65536)
        assert us <= uout < us + uc and (uout - us) % 65536 == 0
        assert gs <= gout < gs + gc and (gout - gs) % 65536 == 0
        assert os.stat(f"/proc/{pid}/ns/user").st_ino != os.stat("/proc/self/ns/user").st_ino
        # Its root is that unprivileged id on the host.
        st = os.stat(f"/proc/{pid}")
        assert (st.st_uid, st.st_gid) == (uout, gout)
    finally:
        rc = stop_sleeping_probe(p, pid)
    assert rc == 128 + 9


def test_userns_host_keeps_the_identity_map(cella):
    p, pid = sleeping_probe(cella, "--userns", "host")
    try:
        assert read_map(f"/proc/{pid}/uid_map") == [(0, 0, 65536)]
        assert read_map(f"/proc/{pid}/gid_map") == [(0, 0, 65536)]
    finally:
        rc = stop_sleeping_probe(p, pid)
    assert rc == 128 + 9


def test_uidmap_flags(cella):
    p, pid = sleeping_probe(cella, "--uidmap", "0:100000:65536", "--gidmap", "0:200000:65536")
    try:
        assert read_map(f"/proc/{pid}/uid_map") == [(0, 100000, 65536)]
        assert read_map(f"/proc/{pid}/gid_map") == [(0, 200000, 65536)]
        st = os.stat(f"/proc/{pid}")
        assert (st.st_uid, st.st_gid) == (100000, 200000)
    finally:
        stop_sleeping_probe(p, pid)


def test_user_flag(cella):
    info = cella.probe("--user", "1000:1001")
    assert (info["uid"], info["euid"], info["gid"], info["egid"]) == (1000, 1000, 1001, 1001)
    info = cella.probe("--user", "1234")
    assert info["uid"] == 1234


def test_root_inside(cella):
    info = cella.probe()
    assert (info["uid"], info["gid"]) == (0, 0)
    assert info["setgroups"].strip() == "allow"


# ---- process ----

def test_env_and_cwd(cella):
    info = cella.probe("--env", "FOO=bar baz", "--env", "EMPTY=", "--cwd", "/tmp")
    assert "FOO=bar baz" in info["environ"]
    assert "EMPTY=" in info["environ"]
    assert any(e.startswith("PATH=") for e in info["environ"])
    assert info["cwd"] == "/tmp"


def test_stdio_only_fds(cella):
    info = cella.probe()
    assert sorted(info["fds"]) == [0, 1, 2], "file descriptors leak into the container"


def cap_bits(hexstr):
    return int(hexstr, 16)


def test_cap_drop_all(cella):
    caps = cella.probe("--cap-drop", "ALL")["caps"]
    for s in ("eff", "prm", "bnd", "inh", "amb"):
        assert cap_bits(caps[s]) == 0, s


def test_cap_drop_add(cella):
    caps = cella.probe("--cap-drop", "ALL", "--cap-add", "NET_RAW")["caps"]
    assert cap_bits(caps["eff"]) == 1 << 13
    caps = cella.probe("--cap-drop", "CAP_CHOWN")["caps"]
    assert cap_bits(caps["eff"]) & 1 == 0
    assert cap_bits(caps["eff"]) & (1 << 5)  # CAP_KILL stays


@pytest.mark.parametrize("cmd,rc", [
    (["/probe", "exit", "0"], 0),
    (["/probe", "exit", "3"], 3),
    (["/bin/sh", "-c", "exit 42"], 42),
    (["/no/such/cmd"], 127),
    (["no-such-cmd-on-path"], 127),
    (["/etc/passwd"], 126),
], ids=["0", "3", "42", "enoent", "path-enoent", "eacces"])
def test_exit_codes(cella, cmd, rc):
    r = cella.quick(cmd=cmd)
    assert r.returncode == rc, r.stderr
    if rc >= 126:
        assert cmd[0] in one_error_line(r)


def test_exit_code_signal(cella):
    r = cella.quick("--share", "pid", cmd=["/bin/sh", "-c", "kill -9 $$"])
    assert r.returncode == 128 + 9, r.stderr


def test_stdin_passed(cella):
    r = cella.quick(cmd=["/bin/cat"], input="from stdin\n")
    assert (r.returncode, r.stdout) == (0, "from stdin\n"), r.stderr


def read_line(p, timeout=TIMEOUT):
    ready, _, _ = select.select([p.stdout], [], [], timeout)
    assert ready, "timed out reading the container's output"
    return p.stdout.readline().strip()


def test_signal_forwarding(cella):
    p = cella.popen("run", "--rootfs", ROOTFS, "--bind", f"{PROBE}:/probe:ro", "--",
                    "/probe", "signals", bufsize=0)
    try:
        assert read_line(p) == "ready"
        for sig in (signal.SIGUSR1, signal.SIGHUP, signal.SIGUSR1, signal.SIGTERM):
            p.send_signal(sig)
            assert read_line(p) == sig.name
        p.wait(timeout=TIMEOUT)
        assert p.returncode == 0, p.stderr.read()
    finally:
        if p.poll() is None:
            p.kill()
        p.communicate()


def test_tty(cella):
    r = cella.quick("-t", cmd=["/probe", "isatty"], input="")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip())
    assert out["stdout"] and out["stdin"]


def test_tty_is_dev_console(cella):
    """runtime-spec: /dev/console is the container's pty."""
    r = cella.quick("-t", cmd=["/bin/sh", "-c",
                               "stat -c %F:%t:%T /dev/console; stat -L -c %F:%t:%T /proc/self/fd/0"],
                    input="")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.replace("\r", "").splitlines()
    assert len(lines) == 2 and lines[0] == lines[1], lines
    assert lines[0].startswith("character special file:"), lines


def test_no_tty(cella):
    r = cella.quick(cmd=["/probe", "isatty"])
    out = json.loads(r.stdout)
    assert not out["stdout"] and not out["stdin"]


def test_name_reuse_after_exit(cella):
    cid = cid_of("again")
    assert cella.quick("--name", cid, cmd=["/probe", "exit", "0"]).returncode == 0
    assert cella.quick("--name", cid, cmd=["/probe", "exit", "0"]).returncode == 0


# ---- --print-spec ----

def test_print_spec_reflects_flags(cella, tmp):
    cid = cid_of("ps1")
    r = cella.run("run", "--rootfs", ROOTFS, "--print-spec", "--name", cid, "--hostname", "hh",
                  "--read-only", "--env", "A=B", "--cwd", "/tmp", "--user", "7:8",
                  "--bind", f"{tmp}:/mnt/x:ro", "--tmpfs", "/scratch", "--ns", "mount,pid,uts",
                  "--", "/bin/echo", "hi")
    assert r.returncode == 0, r.stderr
    spec = json.loads(r.stdout)
    assert spec["ociVersion"]
    assert spec["process"]["args"] == ["/bin/echo", "hi"]
    assert "A=B" in spec["process"]["env"]
    assert spec["process"]["cwd"] == "/tmp"
    assert (spec["process"]["user"]["uid"], spec["process"]["user"]["gid"]) == (7, 8)
    assert spec["hostname"] == "hh"
    assert spec["root"]["readonly"] is True
    assert os.path.samefile(spec["root"]["path"], ROOTFS)
    mounts = {m["destination"]: m for m in spec["mounts"]}
    assert mounts["/mnt/x"]["source"] == tmp and "ro" in mounts["/mnt/x"]["options"]
    assert mounts["/scratch"]["type"] == "tmpfs"
    types = {n["type"] for n in spec["linux"]["namespaces"]}
    assert types == {"mount", "pid", "uts"}
    assert cella.entries() == []


def test_print_spec_defaults(cella):
    r = cella.run("run", "--print-spec", "--", "/bin/true")
    assert r.returncode == 0, r.stderr
    spec = json.loads(r.stdout)
    types = {n["type"] for n in spec["linux"]["namespaces"]}
    assert types == {"user", "mount", "pid", "network", "ipc", "uts", "cgroup", "time"}
    (m,) = spec["linux"]["uidMappings"]
    assert m["containerID"] == 0 and m["hostID"] >= cella_range("/etc/subuid")[0]
    assert m["size"] == 65536
    assert spec["process"].get("terminal", False) is False
    r = cella.run("run", "--print-spec", "--userns", "host", "--", "/bin/true")
    spec = json.loads(r.stdout)
    assert spec["linux"]["uidMappings"] == [{"containerID": 0, "hostID": 0, "size": 65536}]


def test_print_spec_caps(cella):
    r = cella.run("run", "--print-spec", "--cap-drop", "ALL", "--cap-add", "NET_RAW", "--",
                  "/bin/true")
    assert r.returncode == 0, r.stderr
    caps = json.loads(r.stdout)["process"]["capabilities"]
    assert caps["bounding"] == ["CAP_NET_RAW"]
    assert caps["effective"] == ["CAP_NET_RAW"]


def test_print_spec_runs_as_bundle(cella, tmp):
    cid = cid_of("ps2")
    r = cella.run("run", "--rootfs", ROOTFS, "--print-spec", "--hostname", "fromspec",
                  "--bind", f"{PROBE}:/probe:ro", "--", "/probe")
    assert r.returncode == 0, r.stderr
    b = os.path.join(tmp, "bundle")
    os.mkdir(b)
    with open(os.path.join(b, "config.json"), "w") as f:
        f.write(r.stdout)
    r = cella.run("run", "--bundle", b, cid)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["hostname"] == "fromspec"


def test_debug_and_log(cella, tmp):
    log = os.path.join(tmp, "log")
    r = cella.run("--log", log, "--log-format", "json", "--debug", "run", "--rootfs", ROOTFS,
                  "--", "/bin/true")
    assert r.returncode == 0, r.stderr
    with open(log) as f:
        lines = [line for line in f if line.strip()]
    assert lines, "--debug --log wrote nothing"
    for line in lines:
        assert isinstance(json.loads(line), dict)


def test_version(cella):
    r = cella.run("--version", root=False)
    assert r.returncode == 0 and r.stdout.strip(), r.stderr


def test_quick_door_leaves_no_state(cella):
    cid = cid_of("gone")
    r = cella.quick("--name", cid, cmd=["/probe", "exit", "0"])
    assert r.returncode == 0, r.stderr
    assert cella.entries() == []
    r = cella.run("list", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout or "[]") in ([], None)


def test_writable_root_in_the_shared_scratch_dir(cella):
    """The writable root's tmpfs is mounted on ROOT/.scratch in the
    container's own mount namespace: two containers write there at once,
    neither sees the other's files, and on the host it stays an empty
    directory with nothing mounted on it."""
    scratch = os.path.join(cella.root, ".scratch")
    a = cella.popen("run", "--rootfs", ROOTFS, "--name", cid_of("qs"), "--",
                    "/bin/sh", "-c",
                    "echo a > /mine; echo ready; read x; cat /mine; ls /theirs 2>&1 || true",
                    stdin=subprocess.PIPE)
    try:
        assert select.select([a.stdout], [], [], TIMEOUT)[0], "the first container hangs"
        assert a.stdout.readline() == "ready\n"
        r = cella.quick(cmd=["/bin/sh", "-c",
                             "echo b > /theirs; cat /theirs; grep -c ' / .*upperdir="
                             + scratch + "/upper' /proc/self/mountinfo"])
        assert (r.returncode, r.stdout) == (0, "b\n1\n"), r.stderr
        out, err = a.communicate("go\n", timeout=TIMEOUT)
    finally:
        a.kill()
        a.wait()
    assert a.returncode == 0, err
    assert out.startswith("a\n") and "No such file" in out, out
    assert os.listdir(scratch) == []
    with open("/proc/self/mountinfo") as f:
        assert not [ln for ln in f if f" {scratch} " in ln]


def test_scratch_dir_must_be_ours(cella, tmp):
    """ROOT/.scratch planted as a link elsewhere is refused, and nothing is
    mounted through it."""
    os.makedirs(cella.root, mode=0o711, exist_ok=True)
    elsewhere = os.path.join(tmp, "elsewhere")
    os.mkdir(elsewhere)
    os.symlink(elsewhere, os.path.join(cella.root, ".scratch"))
    r = cella.quick(cmd=["/bin/true"])
    assert r.returncode != 0
    assert ".scratch` is not a directory of ours" in one_error_line(r)
    assert os.listdir(elsewhere) == [] and cella.entries() == []


def test_run_via_subprocess_pipes(cella):
    # stdout and stderr of the container are the caller's.
    r = cella.quick(cmd=["/bin/sh", "-c", "echo out; echo err >&2"])
    assert (r.returncode, r.stdout, r.stderr) == (0, "out\n", "err\n")


def test_dev_basics(cella):
    r = cella.quick(cmd=["/bin/sh", "-c",
                         "echo x > /dev/null && head -c 4 /dev/zero | wc -c && ls /dev"])
    assert r.returncode == 0, r.stderr
    lines = r.stdout.split()
    assert lines[0] == "4"
    for dev in ("null", "zero", "full", "random", "urandom", "tty"):
        assert dev in lines, dev



def rootfs_snapshot():
    out = {}
    for dirpath, dirnames, filenames in os.walk(ROOTFS):
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            st = os.lstat(p)
            out[os.path.relpath(p, ROOTFS)] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return out


def test_quick_door_leaves_rootfs_untouched(cella, tmp):
    """The built-in rootfs is shared by every quick-door container (and by
    rootless users who cannot write to it): bind and tmpfs mount points must
    not be created in it, nor files written through a writable root."""
    d = os.path.join(tmp, "data")
    os.mkdir(d)
    before = rootfs_snapshot()
    r = cella.run("run", "--rootfs", ROOTFS, "--bind", f"{PROBE}:/probe-untouched:ro",
                  "--bind", f"{d}:/data-untouched", "--tmpfs", "/scratch-untouched", "--",
                  "/bin/sh", "-c", "touch /written-by-container 2>/dev/null; true")
    assert r.returncode == 0, r.stderr
    after = rootfs_snapshot()
    added = sorted(set(after) - set(before))
    changed = sorted(k for k in before if k in after and before[k] != after[k])
    for k in added:
        p = os.path.join(ROOTFS, k)
        if os.path.isdir(p):
            os.rmdir(p)
        else:
            os.unlink(p)
    assert not added and not changed, f"rootfs modified: added {added}, changed {changed}"
