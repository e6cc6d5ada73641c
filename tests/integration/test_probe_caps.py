# SPDX-License-Identifier: GPL-2.0-or-later
"""`cella probe caps`: what each capability changes for a running container.

The verdicts must follow from the container's capability set (needed / not
held / refused with a user namespace), every capability the kernel knows has
a row, and the probes leave the container as it was: its files, its init's
mounts, the processes of its pid namespace and its hostname."""
import json
import os
import signal
import time

import pytest

from helpers import children, cid_of, make_config, reap, unique_sleep, wait_for, write_bundle

# podman's default capabilities (containers.conf default_capabilities).
PODMAN = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
          "CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID",
          "CAP_SYS_CHROOT"]
# Docker's adds these three.
DOCKER = PODMAN + ["CAP_NET_RAW", "CAP_MKNOD", "CAP_AUDIT_WRITE"]

ALL_NS = [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount", "user", "cgroup",
                                "time")]
# Container root is host uid 100000: the host's root is not mapped in it.
MAPS = {"uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
        "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}]}


def last_cap():
    with open("/proc/sys/kernel/cap_last_cap") as f:
        return int(f.read())


@pytest.fixture
def running(cella, tmp):
    """A created and started bundle container running a sleep with the given
    capability set; deleted (with --force) at the end."""
    ids = []

    def make(cid, caps, userns=False):
        c = make_config(args=["/bin/sleep", unique_sleep()])
        c["root"]["readonly"] = False
        for k in ("bounding", "effective", "permitted"):
            c["process"]["capabilities"][k] = list(caps)
        if userns:
            c["linux"]["namespaces"] = list(ALL_NS)
            c["linux"].update(MAPS)
        b = write_bundle(os.path.join(tmp, "bundle-" + cid), c)
        cella.ok("create", "--bundle", b, cid)
        ids.append(cid)
        cella.ok("start", cid)
        return cella.state(cid)["pid"]

    yield make
    for cid in ids:
        cella.run("delete", "--force", cid)


def probe_json(cella, cid, *flags):
    r = cella.run("probe", "caps", "--json", *flags, cid)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def rows(doc):
    return {row["capability"]: row for row in doc["capabilities"]}


def pidns_processes(pid):
    """Host pids of every process in the pid namespace of pid."""
    ns = os.stat(f"/proc/{pid}/ns/pid").st_ino
    out = set()
    for e in os.listdir("/proc"):
        if not e.isdigit():
            continue
        try:
            if os.stat(f"/proc/{e}/ns/pid").st_ino == ns:
                out.add(int(e))
        except OSError:
            pass  # gone, or a process we may not look at (not a container's)
    return out


def snapshot(cella, cid, pid):
    """What the probes must not change."""
    files = cella.ok("exec", cid, "find", "/", "-xdev").stdout.splitlines()
    with open(f"/proc/{pid}/mountinfo") as f:
        mounts = f.read()
    host = cella.ok("exec", cid, "hostname").stdout
    tmp = cella.ok("exec", cid, "ls", "-la", "/tmp").stdout
    return {"files": sorted(files), "mounts": mounts, "hostname": host, "tmp": tmp,
            "processes": pidns_processes(pid)}


def test_default_set_and_container_unchanged(cella, running):
    cid = cid_of("pc-default")
    pid = running(cid, PODMAN)
    before = snapshot(cella, cid, pid)
    doc = probe_json(cella, cid)
    after = snapshot(cella, cid, pid)
    for k in before:
        assert before[k] == after[k], f"the probe changed the container's {k}"

    assert doc["pid"] == pid
    assert "seccomp" in doc["conditions"]
    r = rows(doc)
    chown = r["CAP_CHOWN"]
    assert (chown["held"], chown["with"], chown["without"], chown["verdict"]) == \
        (True, "ok", "EPERM", "needed"), chown
    for cap in ("CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
                "CAP_SETUID", "CAP_SETPCAP", "CAP_SYS_CHROOT", "CAP_NET_BIND_SERVICE",
                "CAP_SETFCAP"):
        assert r[cap]["verdict"] == "needed", r[cap]
    assert r["CAP_FSETID"]["without"] == "setgid bit cleared"
    # Not in podman's set.
    for cap in ("CAP_NET_RAW", "CAP_SYS_ADMIN", "CAP_MKNOD", "CAP_SYS_PTRACE"):
        assert (r[cap]["held"], r[cap]["verdict"]) == (False, "not held"), r[cap]
        assert r[cap]["with"] == r[cap]["without"] != "ok", r[cap]
    # This host's root lacks it in its bounding set: no container has it.
    assert r["CAP_SYS_RESOURCE"]["verdict"] == "not held"
    # Reading is also what CAP_DAC_OVERRIDE allows, and the table says so.
    drs = r["CAP_DAC_READ_SEARCH"]
    assert drs["verdict"] == "not held" and "CAP_DAC_OVERRIDE" in drs["note"], drs
    # No harmless operation: said, never faked.
    mac = r["CAP_MAC_ADMIN"]
    assert (mac["verdict"], mac["with"], mac["without"], mac["operation"]) == \
        ("not probed", None, None, None), mac
    assert mac["note"]


def test_text_table(cella, running):
    cid = cid_of("pc-table")
    running(cid, PODMAN)
    r = cella.run("probe", "caps", cid)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert "no_new_privs and seccomp filter" in lines[0]
    assert lines[1].split() == ["CAPABILITY", "OPERATION", "WITH", "WITHOUT", "VERDICT"]
    assert len(lines) == 2 + last_cap() + 1
    chown = next(line for line in lines if line.startswith("CAP_CHOWN "))
    assert chown.split()[-3:] == ["ok", "EPERM", "needed"], chown


def test_dropped_capability_is_not_held(cella, running):
    cid = cid_of("pc-drop")
    running(cid, [c for c in DOCKER if c != "CAP_CHOWN"])
    r = rows(probe_json(cella, cid))
    assert (r["CAP_CHOWN"]["held"], r["CAP_CHOWN"]["verdict"]) == (False, "not held")
    assert r["CAP_CHOWN"]["with"] == "EPERM"
    for cap in ("CAP_NET_RAW", "CAP_MKNOD", "CAP_DAC_OVERRIDE"):
        assert r[cap]["verdict"] == "needed", r[cap]


def test_one_capability(cella, running):
    cid = cid_of("pc-one")
    running(cid, PODMAN)
    doc = probe_json(cella, cid, "--cap", "CAP_SETUID")
    assert [row["capability"] for row in doc["capabilities"]] == ["CAP_SETUID"]
    assert doc["capabilities"][0]["verdict"] == "needed"
    # Short and lower-case spellings.
    r = cella.run("probe", "caps", "--cap", "net_raw", cid)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 3 and lines[2].startswith("CAP_NET_RAW "), lines
    assert lines[2].endswith("not held"), lines


def test_json_has_every_capability(cella, running):
    cid = cid_of("pc-json")
    running(cid, PODMAN)
    doc = probe_json(cella, cid)
    caps = doc["capabilities"]
    assert [row["number"] for row in caps] == list(range(last_cap() + 1))
    for row in caps:
        assert set(row) == {"capability", "number", "held", "operation", "with", "without",
                            "verdict", "note"}
        assert row["capability"].startswith("CAP_")
        assert row["verdict"] in ("needed", "no effect here", "not held",
                                  "refused even with it", "inconclusive", "not probed")
        if row["verdict"] == "not probed":
            assert row["note"] and row["with"] is None, row
        else:
            assert row["operation"] and row["with"] and row["without"], row
        assert row["held"] == (row["capability"] in PODMAN)


def test_user_namespace(cella, running):
    cid = cid_of("pc-userns")
    caps = DOCKER + ["CAP_SYS_ADMIN", "CAP_SYS_TIME"]
    pid = running(cid, caps, userns=True)
    before = snapshot(cella, cid, pid)
    r = rows(probe_json(cella, cid))
    after = snapshot(cella, cid, pid)
    for k in before:
        assert before[k] == after[k], f"the probe changed the container's {k}"
    # Checked against the container's user namespace: what it grants.
    for cap in ("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_KILL", "CAP_SETUID", "CAP_NET_RAW",
                "CAP_NET_BIND_SERVICE", "CAP_SYS_ADMIN", "CAP_SETFCAP"):
        assert r[cap]["verdict"] == "needed", r[cap]
    # Checked against the host's: held, and still refused.
    for cap in ("CAP_MKNOD", "CAP_SYS_TIME"):
        assert (r[cap]["held"], r[cap]["verdict"]) == (True, "refused even with it"), r[cap]
        assert "host's user namespace" in r[cap]["note"]
    assert r["CAP_NET_ADMIN"]["verdict"] == "not held"


def test_errors(cella, running, tmp):
    cid = cid_of("pc-err")
    stopped = cid_of("pc-stopped")
    r = cella.run("probe", "caps", "pc-nosuch")
    assert r.returncode == 1
    assert len(r.stderr.splitlines()) == 1 and "pc-nosuch" in r.stderr, r.stderr

    running(cid, PODMAN)
    r = cella.run("probe", "caps", "--cap", "CAP_NOSUCH", cid)
    assert r.returncode == 1 and r.stdout == ""
    assert len(r.stderr.splitlines()) == 1 and "CAP_NOSUCH" in r.stderr, r.stderr

    r = cella.run("probe", cid)
    assert r.returncode == 1 and len(r.stderr.splitlines()) == 1, r.stderr

    # A stopped container.
    c = make_config(args=["/bin/true"])
    b = write_bundle(os.path.join(tmp, "bundle-pc-stopped"), c)
    cella.ok("create", "--bundle", b, stopped)
    try:
        cella.ok("start", stopped)
        cella.wait_status(stopped, "stopped")
        r = cella.run("probe", "caps", stopped)
        assert r.returncode == 1
        assert len(r.stderr.splitlines()) == 1 and "stopped" in r.stderr, r.stderr
    finally:
        cella.run("delete", "--force", stopped)


@pytest.mark.rootless
def test_rootless(rootless, user_rootfs, utmp, test_user):
    """Run by an unprivileged user, the container's user namespace maps one
    uid: what needs a second owner is not probed, and says why."""
    cid = cid_of("pc-rootless")
    c = make_config(args=["/bin/sleep", unique_sleep()], rootfs=user_rootfs, rootless=test_user)
    for k in ("bounding", "effective", "permitted"):
        c["process"]["capabilities"][k] = list(PODMAN)
    b = write_bundle(os.path.join(utmp, "bundle"), c, owner=test_user)
    rootless.ok("create", "--bundle", b, cid)
    try:
        rootless.ok("start", cid)
        r = rows(probe_json(rootless, cid))
    finally:
        rootless.run("delete", "--force", cid)
    for cap in ("CAP_CHOWN", "CAP_KILL", "CAP_SETUID"):
        assert r[cap]["verdict"] == "not probed", r[cap]
        assert "maps no second uid" in r[cap]["note"], r[cap]
    for cap in ("CAP_SYS_CHROOT", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE"):
        assert r[cap]["verdict"] == "needed", r[cap]
    assert r["CAP_SYS_ADMIN"]["verdict"] == "not held"


def test_interrupted_probe_leaves_nothing_in_the_container(cella, running):
    """The runtime killed mid-probe (SIGKILL, at different moments): the
    probe's processes die with it, and none is left for the container's
    init (a sleep, which reaps nothing) to adopt."""
    cid = cid_of("pc-int")
    pid = running(cid, PODMAN)

    def adopted():
        kids = []
        for e in os.listdir("/proc"):
            if not e.isdigit():
                continue
            try:
                with open(f"/proc/{e}/status") as f:
                    for line in f:
                        if line.startswith("PPid:") and int(line.split()[1]) == pid:
                            kids.append(int(e))
            except OSError:
                pass
        return kids

    def settled():
        # The killed runtime's children (the prober, pid 1 of a namespace
        # nested in the container's) come to us, its reaper: reaped here,
        # as the host's init would.
        reap()
        return (set(children()) <= {pid} and pidns_processes(pid) == {pid}
                and adopted() == [])

    for delay in (0.02, 0.08, 0.15, 0.3):
        p = cella.popen("probe", "caps", cid)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.communicate()
    wait_for(settled, what="the probe's processes gone from the container")
