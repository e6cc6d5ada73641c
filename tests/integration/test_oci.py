# SPDX-License-Identifier: GPL-2.0-or-later
"""The OCI door: spec, create, start, state, kill, delete, list, run ID."""
import json
import os
import re
import signal
import time

import pytest

from helpers import (Cella, PROBE, ROOTFS, TIMEOUT, cid_of, make_config, pid_exists, reap,
                     wait_for, write_bundle)


def one_error_line(r):
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("cella: "), r.stderr
    return lines[0]


def bundle(tmp, args=("/probe",), name="bundle", **kw):
    return write_bundle(os.path.join(tmp, name), make_config(args=args, **kw))


def shared_dir(tmp):
    d = os.path.join(tmp, "shared")
    os.makedirs(d, exist_ok=True)
    return d


# ---- spec ----

def spec_bundle(cella, tmp, args=("/probe",)):
    b = os.path.join(tmp, "specbundle")
    os.mkdir(b)
    cella.ok("spec", "--bundle", b)
    with open(os.path.join(b, "config.json")) as f:
        spec = json.load(f)
    return b, spec


def adapt(b, spec, args=("/probe",)):
    spec["root"]["path"] = ROOTFS
    spec["process"]["terminal"] = False
    spec["process"]["args"] = list(args)
    spec["mounts"].append({"destination": "/probe", "type": "bind", "source": PROBE,
                           "options": ["rbind", "ro"]})
    with open(os.path.join(b, "config.json"), "w") as f:
        json.dump(spec, f)


def test_spec_writes_config(cella, tmp):
    b, spec = spec_bundle(cella, tmp)
    assert re.match(r"^1\.\d+\.\d+", spec["ociVersion"])
    assert spec["process"]["args"]
    assert spec["root"]["path"]
    types = {n["type"] for n in spec["linux"]["namespaces"]}
    assert {"pid", "mount", "network", "ipc", "uts"} <= types
    assert "/proc/kcore" in spec["linux"]["maskedPaths"]
    assert spec["linux"]["readonlyPaths"]


def test_spec_default_bundle_is_cwd(cella, tmp):
    cella.ok("spec", cwd=tmp)
    assert os.path.exists(os.path.join(tmp, "config.json"))


def test_spec_refuses_overwrite(cella, tmp):
    b, _ = spec_bundle(cella, tmp)
    path = os.path.join(b, "config.json")
    with open(path, "w") as f:
        f.write("keep me")
    r = cella.run("spec", "--bundle", b)
    assert r.returncode == 1
    assert "config.json" in one_error_line(r)
    with open(path) as f:
        assert f.read() == "keep me"


def test_spec_then_run(cella, tmp):
    cid = cid_of("fromspec")
    b, spec = spec_bundle(cella, tmp)
    adapt(b, spec)
    r = cella.run("run", "--bundle", b, cid)
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["pid"] == 1
    if spec.get("hostname"):
        assert info["hostname"] == spec["hostname"]
    assert cella.entries() == []


def test_masked_paths_unreadable(cella, tmp):
    cid = cid_of("masked")
    b, spec = spec_bundle(cella, tmp)
    masked = [p for p in spec["linux"]["maskedPaths"] if os.path.exists(p)]
    assert masked, "no masked path exists on this host"
    script = "; ".join(f"echo '== {p}'; /probe {'ls' if os.path.isdir(p) else 'read'} {p}"
                       for p in masked)
    adapt(b, spec, args=["/bin/sh", "-c", script + "; /probe"])
    r = cella.run("run", "--bundle", b, cid)
    assert r.returncode == 0, r.stderr
    parts = r.stdout.split("== ")[1:]
    last = parts[-1]
    info = json.loads(last[last.index("{"):])
    mountpoints = {m["mountpoint"] for m in info["mounts"]}
    for part in parts:
        path, _, out = part.partition("\n")
        if part is last:
            out = out[:out.index("{")]
        assert path in mountpoints, f"{path} is not masked"
        assert out.strip() in ("", "EACCES", "EPERM", "ENOENT"), f"{path} readable: {out[:80]!r}"
    # readonlyPaths are read-only mounts.
    by_mp = {m["mountpoint"]: m for m in info["mounts"]}
    for p in spec["linux"]["readonlyPaths"]:
        if os.path.exists(p):
            assert p in by_mp and by_mp[p]["options"].split(",")[0] == "ro", p


# ---- life cycle ----

def test_create_start_split(cella, tmp):
    cid = cid_of("split")
    d = shared_dir(tmp)
    b = bundle(tmp, ["/bin/sh", "-c", "/probe write /shared/started && exec /probe sleep 300"],
               binds=[(d, "/shared", False)])
    started = os.path.join(d, "started")
    r = cella.run("create", "--bundle", b, cid)
    assert r.returncode == 0, r.stderr
    try:
        st = cella.state(cid)
        assert st["status"] == "created"
        pid = st["pid"]
        assert pid > 0 and pid_exists(pid)
        time.sleep(0.3)
        assert not os.path.exists(started), "the user command ran before start"
        assert cella.status(cid) == "created"

        r = cella.run("start", cid)
        assert r.returncode == 0, r.stderr
        wait_for(lambda: os.path.exists(started), what="the user command to run")
        st = cella.state(cid)
        assert st["status"] == "running" and st["pid"] == pid

        r = cella.run("start", cid)
        assert r.returncode != 0, "a running container started twice"
        one_error_line(r)

        cella.ok("kill", cid, "KILL")
        cella.wait_status(cid, "stopped")
        assert not pid_exists(pid)
        cella.ok("delete", cid)
        assert cella.entries() == []
    finally:
        cella.run("delete", "--force", cid)


def test_state_fields(cella, tmp):
    cid = cid_of("st1")
    b = bundle(tmp, ["/probe", "sleep", "300"])
    with open(os.path.join(b, "config.json")) as f:
        config = json.load(f)
    config["annotations"] = {"org.example.k": "v"}
    write_bundle(b, config)
    cella.ok("create", "--bundle", b, cid)
    try:
        st = cella.state(cid)
        assert st["ociVersion"]
        assert st["id"] == cid
        assert st["status"] == "created"
        assert isinstance(st["pid"], int) and st["pid"] > 0
        assert os.path.samefile(st["bundle"], b) and os.path.isabs(st["bundle"])
        assert st["annotations"] == {"org.example.k": "v"}
        assert os.path.samefile(st["rootfs"], ROOTFS)
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", st["created"])
        assert "owner" in st
    finally:
        cella.run("delete", "--force", cid)


def test_relative_bundle_and_pid_file(cella, tmp):
    cid = cid_of("pf")
    bundle(tmp, ["/probe", "sleep", "300"], name="rel")
    pidfile = os.path.join(tmp, "pid")
    cella.ok("create", "-b", "rel", "--pid-file", pidfile, cid, cwd=tmp)
    try:
        st = cella.state(cid)
        with open(pidfile) as f:
            assert int(f.read().strip()) == st["pid"]
        assert os.path.samefile(st["bundle"], os.path.join(tmp, "rel"))
    finally:
        cella.run("delete", "--force", cid)


def test_delete_created(cella, tmp):
    cid = cid_of("dc")
    b = bundle(tmp, ["/probe", "exit", "0"])
    cella.ok("create", "--bundle", b, cid)
    pid = cella.state(cid)["pid"]
    cella.ok("delete", cid)
    reap()
    assert not pid_exists(pid)
    assert cella.entries() == []
    r = cella.run("state", cid)
    assert r.returncode == 1 and cid in one_error_line(r)


def test_delete_stopped(cella, tmp):
    cid = cid_of("ds")
    b = bundle(tmp, ["/probe", "exit", "0"])
    cella.ok("create", "--bundle", b, cid)
    cella.ok("start", cid)
    cella.wait_status(cid, "stopped")
    cella.ok("delete", cid)
    assert cella.entries() == []


def test_delete_running_needs_force(cella, tmp):
    cid = cid_of("dr")
    b = bundle(tmp, ["/probe", "sleep", "300"])
    cella.ok("run", "--detach", "--bundle", b, cid)
    pid = cella.state(cid)["pid"]
    r = cella.run("delete", cid)
    assert r.returncode == 1
    assert cid in one_error_line(r)
    assert cella.status(cid) == "running"
    cella.ok("delete", "-f", cid)
    wait_for(lambda: (reap(), not pid_exists(pid))[1], what="the container to die")
    assert cella.entries() == []


def test_kill_signals(cella, tmp):
    cid = cid_of("ks")
    d = shared_dir(tmp)
    out = os.path.join(d, "out")
    b = bundle(tmp, ["/bin/sh", "-c", "exec /probe signals > /shared/out"],
               binds=[(d, "/shared", False)])
    cella.ok("run", "--detach", "--bundle", b, cid)
    try:
        def lines():
            try:
                with open(out) as f:
                    return f.read().split()
            except FileNotFoundError:
                return []
        wait_for(lambda: lines() == ["ready"], what="ready")
        cella.ok("kill", cid, "USR1")
        wait_for(lambda: lines()[-1:] == ["SIGUSR1"], what="SIGUSR1")
        cella.ok("kill", cid, "SIGHUP")
        wait_for(lambda: lines()[-1:] == ["SIGHUP"], what="SIGHUP")
        cella.ok("kill", cid, str(int(signal.SIGUSR1)))
        wait_for(lambda: len(lines()) == 4, what="the second SIGUSR1")
        cella.ok("kill", cid)
        wait_for(lambda: lines()[-1:] == ["SIGTERM"], what="SIGTERM")
        cella.wait_status(cid, "stopped")
        assert lines() == ["ready", "SIGUSR1", "SIGHUP", "SIGUSR1", "SIGTERM"]
        cella.ok("delete", cid)
    finally:
        cella.run("delete", "--force", cid)


def test_kill_bad_signal(cella, tmp):
    cid = cid_of("kb")
    b = bundle(tmp, ["/probe", "sleep", "300"])
    cella.ok("create", "--bundle", b, cid)
    try:
        r = cella.run("kill", cid, "SIGBOGUS")
        assert r.returncode == 1
        assert "SIGBOGUS" in one_error_line(r)
        assert cella.status(cid) == "created"
    finally:
        cella.run("delete", "--force", cid)


def test_run_attached_exit_code(cella, tmp):
    cid = cid_of("rx")
    b = bundle(tmp, ["/probe", "exit", "5"])
    r = cella.run("run", "--bundle", b, cid)
    assert r.returncode == 5, r.stderr
    assert cella.entries() == []


def test_state_root_made_with_its_parents(cella, tmp):
    """--root whose parents do not exist yet (the containerd shim passes
    /run/containerd/runc/NAMESPACE): made, each directory 0711; then
    found there by the next command."""
    root = os.path.join(tmp, "a", "b", "root")
    other = Cella(root)
    b = bundle(tmp, ["/probe", "exit", "0"])
    for _ in range(2):
        r = other.run("run", "--bundle", b, cid_of("parents"))
        assert r.returncode == 0, r.stderr
    for d in (os.path.join(tmp, "a"), os.path.join(tmp, "a", "b"), root):
        assert os.stat(d).st_mode & 0o7777 == 0o711, d
    assert other.entries() == []


@pytest.mark.parametrize("spelling", ["{r}/", "{r}/.", "{p}//./{b}", "{p}/../{pb}/{b}"])
def test_rootfs_path_spelled_otherwise(cella, tmp, spelling):
    """root.path with extra slashes, "." or ".." but no symlink is the
    rootfs (runc compares it cleaned with the real path)."""
    cid = cid_of("spelled")
    parent = os.path.dirname(ROOTFS)
    path = spelling.format(r=ROOTFS, p=parent, b=os.path.basename(ROOTFS),
                           pb=os.path.basename(parent))
    b = write_bundle(os.path.join(tmp, "b"), make_config(args=["/probe", "exit", "3"],
                                                         rootfs=path))
    r = cella.run("run", "--bundle", b, cid)
    assert r.returncode == 3, r.stderr


def test_run_attached_output(cella, tmp):
    cid = cid_of("ro")
    b = bundle(tmp)
    r = cella.run("run", "--bundle", b, cid)
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["hostname"] == "cella-test"
    assert info["pid"] == 1
    assert info["no_new_privs"] == 1
    assert info["rlimits"]["NOFILE"] == [1024, 1024]
    caps = int(info["caps"]["eff"], 16)
    assert caps == (1 << 29) | (1 << 5) | (1 << 10)  # AUDIT_WRITE, KILL, NET_BIND_SERVICE
    mps = {m["mountpoint"]: m for m in info["mounts"]}
    assert mps["/"]["options"].split(",")[0] == "ro"
    assert mps["/sys"]["options"].split(",")[0] == "ro"


def test_list(cella, tmp):
    cid1 = cid_of("l1")
    cid2 = cid_of("l2")
    b = bundle(tmp, ["/probe", "sleep", "300"])
    cella.ok("create", "--bundle", b, cid1)
    cella.ok("create", "--bundle", b, cid2)
    try:
        r = cella.ok("list", "-q")
        assert sorted(r.stdout.split()) == [cid1, cid2]
        r = cella.ok("list", "--format", "json")
        entries = {e["id"]: e for e in json.loads(r.stdout)}
        assert set(entries) == {cid1, cid2}
        assert entries[cid1]["status"] == "created"
        assert entries[cid1]["pid"] > 0
        r = cella.ok("list")
        lines = r.stdout.splitlines()
        assert lines[0].split()[0] == "ID"
        assert sorted(line.split()[0] for line in lines[1:]) == [cid1, cid2]
    finally:
        cella.run("delete", "--force", cid1)
        cella.run("delete", "--force", cid2)


def test_list_empty(cella):
    r = cella.ok("list", "--format", "json")
    assert json.loads(r.stdout) in ([], None)
    assert cella.ok("list", "-q").stdout == ""


def test_state_stopped_after_exit(cella, tmp):
    cid = cid_of("sx")
    b = bundle(tmp, ["/probe", "exit", "0"])
    cella.ok("run", "--detach", "--bundle", b, cid)
    cella.wait_status(cid, "stopped")
    st = cella.state(cid)
    assert st["status"] == "stopped"
    r = cella.run("start", cid)
    assert r.returncode == 1
    one_error_line(r)
    cella.ok("delete", cid)


@pytest.mark.parametrize("ns", ["pid", "network", "uts"])
def test_join_namespace_path(cella, tmp, ns):
    """linux.namespaces[].path joins an existing namespace (here, a running
    container's)."""
    host = cid_of("host1")
    guest = cid_of("guest")
    b1 = bundle(tmp, ["/probe", "sleep", "300"], name="b1")
    cella.ok("run", "--detach", "--bundle", b1, host)
    try:
        pid = cella.state(host)["pid"]
        nsfile = {"network": "net"}.get(ns, ns)
        config = make_config()
        config["linux"]["namespaces"] = [
            {"type": t["type"], "path": f"/proc/{pid}/ns/{nsfile}"} if t["type"] == ns else t
            for t in config["linux"]["namespaces"]]
        b2 = write_bundle(os.path.join(tmp, "b2"), config)
        r = cella.run("run", "--bundle", b2, guest)
        assert r.returncode == 0, r.stderr
        info = json.loads(r.stdout)
        assert info["ns"][nsfile] == os.stat(f"/proc/{pid}/ns/{nsfile}").st_ino
    finally:
        cella.run("delete", "--force", host)
        cella.run("delete", "--force", guest)


def test_console_socket_needed_for_terminal(cella, tmp):
    cid = cid_of("term")
    config = make_config()
    config["process"]["terminal"] = True
    b = write_bundle(os.path.join(tmp, "tb"), config)
    r = cella.run("create", "--bundle", b, cid)
    assert r.returncode != 0
    assert "console" in one_error_line(r).lower()
    assert cella.entries() == []


def test_state_dir_after_timeout_is_clean(cella, tmp):
    """A container whose process died unexpectedly is reported stopped."""
    cid = cid_of("dead")
    b = bundle(tmp, ["/probe", "sleep", "300"])
    cella.ok("run", "--detach", "--bundle", b, cid)
    pid = cella.state(cid)["pid"]
    os.kill(pid, signal.SIGKILL)
    cella.wait_status(cid, "stopped", timeout=TIMEOUT)
    cella.ok("delete", cid)
