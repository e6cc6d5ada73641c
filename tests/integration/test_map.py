# SPDX-License-Identifier: GPL-2.0-or-later
"""cella map: every field of `map --json` against ground truth read here,
independently (/proc/PID/ns inodes, /proc/PID/status, mountinfo, limits, the
cgroup's files, the container's config), for containers with different
namespace sets, a user namespace, dropped capabilities, limits and a seccomp
profile; the SVG; --diff; run --map; bad input."""
import json
import os
import platform
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from helpers import (PROBE, ROOTFS, cid_of, make_config, unique_sleep, validate_map, wait_for,
                     write_bundle)

MIB = 1024 * 1024
NS_TYPES = ["uts", "user", "mnt", "pid", "ipc", "net", "cgroup", "time"]
CAP_NAMES = None


def cap_names():
    """Capability names by number, from the kernel's own list in the
    capsh-independent form libcap uses (CAP_ + upper case)."""
    global CAP_NAMES
    if CAP_NAMES is None:
        names = ["CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL",
                 "SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE",
                 "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
                 "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
                 "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME",
                 "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL",
                 "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
                 "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE"]
        CAP_NAMES = ["CAP_" + n for n in names]
    return CAP_NAMES


def status_field(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return line.split(":", 1)[1].strip()
    return None


def caps_of(pid, key):
    mask = int(status_field(pid, key), 16)
    return [n for i, n in enumerate(cap_names()) if mask & (1 << i)]


def ns_ino(pid, t):
    return os.stat(f"/proc/{pid}/ns/{t}").st_ino


@pytest.fixture
def started(cella, tmp):
    """create + start a bundle container running a sleep; deleted after."""
    ids = []

    def make(cid, config=None, **over):
        c = config or make_config(args=["/bin/sleep", unique_sleep()], **over)
        b = write_bundle(os.path.join(tmp, "bundle-" + cid), c)
        cella.ok("create", "--bundle", b, cid)
        ids.append(cid)
        cella.ok("start", cid)
        return cella.state(cid)["pid"], c

    yield make
    for cid in ids:
        cella.run("delete", "--force", cid)


def the_map(cella, *args):
    r = cella.ok("map", "--json", *args)
    m = json.loads(r.stdout)
    validate_map(m)
    return m


def by_type(m):
    return {ns["type"]: ns for ns in m["namespaces"]}


def test_map_json_matches_the_kernel(cella, started):
    cid = cid_of("map-a")
    cfg = make_config(args=["/bin/sleep", unique_sleep()])
    cfg["hostname"] = "mapped"
    cfg["linux"]["resources"] = {"memory": {"limit": 96 * MIB}, "pids": {"limit": 33}}
    pid, cfg = started(cid, cfg)
    m = the_map(cella, cid)
    me = os.getpid()

    assert m["schema"] == "cella-map/1"
    assert m["target"] == {**m["target"], "kind": "container", "id": cid, "pid": pid,
                           "status": "running"}
    # Namespaces: inodes and verdicts against /proc, for all eight types.
    ns = by_type(m)
    assert [n["type"] for n in m["namespaces"]] == NS_TYPES
    wanted = {n["type"] for n in cfg["linux"]["namespaces"]}
    oci = {"uts": "uts", "user": "user", "mnt": "mount", "pid": "pid", "ipc": "ipc",
           "net": "network", "cgroup": "cgroup", "time": "time"}
    for t in NS_TYPES:
        assert ns[t]["inode"] == ns_ino(pid, t), t
        assert ns[t]["host_inode"] == ns_ino(me, t), t
        assert ns[t]["verdict"] == ("isolated" if oci[t] in wanted else "shared"), t
    assert ns["uts"]["hostname"] == "mapped"
    assert ns["uts"]["host_hostname"] == os.uname().nodename
    assert ns["pid"]["pid_inside"] == 1
    assert ns["pid"]["processes"] == 1
    lo = [i for i in ns["net"]["interfaces"] if i["name"] == "lo"]
    assert lo and lo[0]["up"] and "127.0.0.1/8" in lo[0]["addresses"]
    assert [i["name"] for i in ns["net"]["interfaces"]] == ["lo"]

    # Filesystem: counted in mountinfo, checked paths, devices in /dev.
    fs = m["filesystem"]
    with open(f"/proc/{pid}/mountinfo") as f:
        assert fs["mounts"] == len(f.read().splitlines())
    assert fs["root"]["read_only"] == cfg["root"].get("readonly", False)
    assert [p["path"] for p in fs["masked_paths"]] == cfg["linux"]["maskedPaths"]
    assert all(p["masked"] for p in fs["masked_paths"]), fs["masked_paths"]
    assert [p["path"] for p in fs["readonly_paths"]] == cfg["linux"]["readonlyPaths"]
    assert all(p["read_only"] for p in fs["readonly_paths"]), fs["readonly_paths"]
    devs = {d["name"]: (d["type"], d["major"], d["minor"]) for d in fs["devices"]}
    assert devs["null"] == ("c", 1, 3) and devs["zero"] == ("c", 1, 5)
    assert sorted(devs) == sorted(e for e in os.listdir(f"/proc/{pid}/root/dev")
                                  if os.path.exists(f"/proc/{pid}/root/dev/{e}")
                                  and not os.path.islink(f"/proc/{pid}/root/dev/{e}")
                                  and os.stat(f"/proc/{pid}/root/dev/{e}").st_rdev != 0)

    # Privileges: the five sets, from /proc/PID/status.
    pr = m["privileges"]
    for name, key in [("effective", "CapEff"), ("permitted", "CapPrm"),
                      ("bounding", "CapBnd"), ("inheritable", "CapInh"),
                      ("ambient", "CapAmb")]:
        assert pr["sets"][name]["caps"] == caps_of(pid, key), name
        assert pr["sets"][name]["count"] == len(caps_of(pid, key))
    assert sorted(pr["sets"]["bounding"]["caps"]) == sorted(
        cfg["process"]["capabilities"]["bounding"])
    assert pr["no_new_privs"] == (status_field(pid, "NoNewPrivs") == "1")
    assert pr["known_caps"] == int(open("/proc/sys/kernel/cap_last_cap").read()) + 1
    assert pr["user_namespace"] is False

    # Seccomp mode from status.
    assert m["seccomp"]["mode"] == ["disabled", "strict", "filter"][
        int(status_field(pid, "Seccomp"))]

    # Cgroup: the limits in the cgroup's own files.
    cg = m["cgroup"]
    assert cg["path"].endswith(f"/{cid}")
    assert cg["memory"]["limit"] == 96 * MIB
    assert cg["pids"]["limit"] == 33
    assert cg["pids"]["current"] == 1
    mem_file = None
    for cand in (f"/sys/fs/cgroup/memory{cg['path']}/memory.limit_in_bytes",
                 f"/sys/fs/cgroup{cg['path']}/memory.max"):
        if os.path.exists(cand):
            mem_file = cand
    assert mem_file and int(open(mem_file).read()) == 96 * MIB
    assert cg["verdict"] == "isolated"

    # Rlimits, from /proc/PID/limits.
    with open(f"/proc/{pid}/limits") as f:
        lines = f.read().splitlines()[1:]
    nofile = [l for l in lines if l.startswith("Max open files")][0].split()
    got = {r["name"]: r for r in m["rlimits"]["limits"]}
    assert got["Max open files"]["soft"] == int(nofile[3])
    assert got["Max open files"]["hard"] == int(nofile[4])
    assert len(got) == len(lines)
    assert set(m["verdicts"]) == {"namespaces", "filesystem", "privileges", "seccomp",
                                  "cgroup", "rlimits"}


def test_map_user_namespace_and_shared_net(cella, started):
    cid = cid_of("map-u")
    cfg = make_config(args=["/bin/sleep", unique_sleep()], rootless=(100000, 100000))
    cfg["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    cfg["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    cfg["linux"]["namespaces"] = [n for n in cfg["linux"]["namespaces"]
                                  if n["type"] != "network"]
    pid, _ = started(cid, cfg)
    m = the_map(cella, cid)
    ns = by_type(m)
    assert ns["user"]["verdict"] == "isolated"
    assert ns["user"]["uid_map"] == [{"inside": 0, "outside": 100000, "length": 65536}]
    assert ns["user"]["root_host_uid"] == 100000 and ns["user"]["root_host_gid"] == 100000
    with open(f"/proc/{pid}/setgroups") as f:
        assert ns["user"]["setgroups"] == f.read().strip()
    assert ns["net"]["verdict"] == "shared"
    assert ns["net"]["inode"] == ns["net"]["host_inode"] == ns_ino(os.getpid(), "net")
    assert m["privileges"]["user_namespace"] is True
    assert "namespace owns" in m["privileges"]["note"]
    assert m["privileges"]["verdict"] == "isolated"


def test_map_dropped_caps_and_joined_namespace(cella, started):
    cid1 = cid_of("map-j1")
    cid2 = cid_of("map-j2")
    pid_a, _ = started(cid1)
    cfg = make_config(args=["/bin/sleep", unique_sleep()])
    for s in ("bounding", "effective", "permitted"):
        cfg["process"]["capabilities"][s] = ["CAP_KILL"]
    for n in cfg["linux"]["namespaces"]:
        if n["type"] == "network":
            n["path"] = f"/proc/{pid_a}/ns/net"
    started(cid2, cfg)
    m = the_map(cella, cid2)
    assert m["privileges"]["sets"]["effective"]["caps"] == ["CAP_KILL"]
    assert "CAP_CHOWN" in m["privileges"]["sets"]["bounding"]["dropped"]
    net = by_type(m)["net"]
    assert net["verdict"] == "joined"
    assert net["joined_path"] == f"/proc/{pid_a}/ns/net"
    assert net["shared_with"] == [cid1]
    assert net["inode"] == ns_ino(pid_a, "net")
    # And map-j1 names map-j2 too.
    assert by_type(the_map(cella, cid1))["net"]["shared_with"] == [cid2]


def test_map_seccomp_filter_is_read_and_evaluated(cella, started):
    cid = cid_of("map-s")
    cfg = make_config(args=["/bin/sleep", unique_sleep()])
    cfg["linux"]["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [
            {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
            {"names": ["reboot"], "action": "SCMP_ACT_KILL_PROCESS"},
            {"names": ["personality"], "action": "SCMP_ACT_ERRNO",
             "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
        ]}
    pid, _ = started(cid, cfg)
    sc = the_map(cella, cid)["seccomp"]
    assert sc["mode"] == "filter" and sc["filters"] == int(status_field(pid, "Seccomp_filters"))
    calls = {c["name"]: c for c in sc["syscalls"]}
    assert calls["mkdir"]["action"] == "errno" and calls["mkdir"]["errno"] == 13
    assert calls["mkdirat"]["action"] == "errno"
    assert calls["reboot"]["action"] == "kill_process"
    assert calls["read"]["action"] == "allow"
    assert calls["personality"]["depends_on_args"] is True
    assert calls["read"]["depends_on_args"] is False
    assert sc["summary"]["errno"] >= 2 and sc["summary"]["kill_process"] >= 1
    assert sc["verdict"] == "partial"  # a denylist: unknown syscalls are allowed
    # A profile for the native architecture alone: every syscall of the
    # compat ones (x86-64: i386, x32) is killed.
    if platform.machine() == "x86_64":
        compat = {c["arch"]: c for c in sc["compat"]}
        x86 = compat["SCMP_ARCH_X86"]
        assert x86["summary"] == {"kill_thread": x86["syscalls_total"]}
    # The process is left untraced and running.
    assert status_field(pid, "TracerPid") == "0"
    assert status_field(pid, "State").split()[0] in ("S", "R")


def test_map_scheduler_io_priority_personality(cella, started):
    cid = cid_of("map-p")
    cfg = make_config(args=["/bin/sleep", unique_sleep()])
    cfg["process"]["scheduler"] = {"policy": "SCHED_BATCH", "nice": 5}
    cfg["process"]["ioPriority"] = {"class": "IOPRIO_CLASS_BE", "priority": 3}
    cfg["process"]["oomScoreAdj"] = 123
    cfg["linux"]["personality"] = {"domain": "LINUX32"}
    pid, _ = started(cid, cfg)
    pr = the_map(cella, cid)["rlimits"]["process"]
    assert os.sched_getscheduler(pid) == os.SCHED_BATCH
    assert pr["scheduler"] == {"policy": "SCHED_BATCH", "nice": os.getpriority(os.PRIO_PROCESS, pid),
                               "priority": 0}
    assert pr["scheduler"]["nice"] == 5
    assert pr["io_priority"] == {"class": "IOPRIO_CLASS_BE", "level": 3}
    with open(f"/proc/{pid}/personality") as f:
        assert int(f.read(), 16) & 0xff == 0x08  # PER_LINUX32
    assert pr["personality"]["domain"] == "LINUX32"
    with open(f"/proc/{pid}/oom_score_adj") as f:
        assert pr["oom_score_adj"] == int(f.read()) == 123


def test_map_pid_of_a_host_process_is_all_shared(cella):
    p = subprocess.Popen(["sleep", "30"])
    try:
        m = the_map(cella, "--pid", str(p.pid))
        assert m["target"]["kind"] == "process" and m["target"]["pid"] == p.pid
        assert all(ns["verdict"] == "shared" for ns in m["namespaces"])
        assert m["filesystem"]["verdict"] == "shared"
        assert m["verdicts"]["namespaces"] == "shared"
    finally:
        p.kill()
        p.wait()


def test_map_text_svg_and_diff(cella, started, tmp):
    cid = cid_of("map-v")
    started(cid)
    r = cella.run("map", cid)
    assert r.returncode == 0, r.stderr
    for section in ("Namespaces", "Filesystem", "Privileges", "Seccomp", "Cgroup",
                    "Resources"):
        assert section in r.stdout
    assert "\033[" not in r.stdout  # not a terminal
    r = cella.ok("map", "--color", cid)
    assert "\033[32misolated\033[0m" in r.stdout
    env = dict(os.environ, NO_COLOR="1")
    r = subprocess.run(cella.argv("map", cid), capture_output=True, text=True, env=env)
    assert "\033[" not in r.stdout

    svg = os.path.join(tmp, "map.svg")
    cella.ok("map", "--svg", svg, cid)
    root = ET.parse(svg).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    for t in NS_TYPES + ["filesystem", "privileges", "seccomp", "cgroup", "rlimits"]:
        assert t in texts
    rsvg = shutil.which("rsvg-convert")
    assert rsvg, "rsvg-convert (librsvg2-bin) is installed by scripts/setup.sh"
    png = os.path.join(tmp, "map.png")
    subprocess.run([rsvg, "-o", png, svg], check=True)
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"

    r = cella.ok("map", "--diff", "host", cid)
    assert "namespaces[pid].verdict" in r.stdout and '"isolated"' in r.stdout
    assert "namespaces[user].verdict" not in r.stdout  # shared in both
    r = cella.ok("map", "--diff", cid, cid)
    assert r.stdout.strip().endswith("0 differences")


def test_run_map_prints_the_map_before_the_command(cella):
    cid = cid_of("map-q")
    r = cella.quick("--map", "--memory", "64m", "--name", cid,
                    cmd=("echo", "command-output"))
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.index(f"container {cid}") < out.index("command-output")
    assert "created" in out.splitlines()[0]
    assert "limit 64.0 MiB" in out
    # The seccomp filter is loaded at start: the map shows the one it will be.
    assert "not started yet" in out and "errno EPERM" in out


def test_map_bad_input(cella, started):
    cid = cid_of("map-st")
    r = cella.run("map", "nosuch")
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1
    assert "nosuch" in r.stderr
    p = subprocess.Popen(["true"])
    p.wait()
    r = cella.run("map", "--pid", str(p.pid))
    assert r.returncode == 1 and "does not exist" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r = cella.run("map", "--pid", "abc")
    assert r.returncode == 1 and "--pid" in r.stderr
    r = cella.run("map", "--json", "--svg", "x.svg", "map-x")
    assert r.returncode == 1
    # A stopped container.
    cfg = make_config(args=["/bin/true"])
    pid, _ = started(cid, cfg)
    cella.wait_status(cid, "stopped")
    r = cella.run("map", cid)
    assert r.returncode == 1 and "stopped" in r.stderr


def test_map_is_no_way_out_of_a_container(cella, tmp):
    """The map reads the hostname, interfaces and cgroup root from a child in
    the container's namespaces, which keeps the host's mount namespace. A
    container that sees the host's processes (shared pid namespace) with
    every capability in its own user namespace hunts for such a process and
    tries to read a host file through /proc/N/root while it is mapped: the
    child must be out of its reach (not dumpable, not in its user
    namespace)."""
    cid = cid_of("map-esc")
    secret = os.path.join(tmp, "host-only-secret")
    with open(secret, "w") as f:
        f.write("HOST-ONLY\n")
    p = cella.popen("run", "--rootfs", ROOTFS, "--bind", f"{PROBE}:/probe:ro", "--name",
                    cid, "--share", "pid", "--cap-add", "ALL", "--seccomp", "unconfined",
                    "--", "/probe", "hunt", secret, "6")
    try:
        wait_for(lambda: cella.status(cid) == "running", what="the hunter")
        for _ in range(25):
            cella.run("map", "--json", cid)
        out, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    assert "done" in out, (out, err)
    assert "ESCAPE" not in out, out


def test_map_of_a_paused_container_does_not_hang(cella, started):
    cid = cid_of("map-pz")
    cfg = make_config(args=["/bin/sleep", unique_sleep()])
    cfg["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW",
                               "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]}
    pid, _ = started(cid, cfg)
    cella.ok("pause", cid)
    try:
        r = cella.run("map", "--json", cid, timeout=20)
        assert r.returncode == 0, r.stderr
        full = json.loads(r.stdout)
        validate_map(full)
        sc = full["seccomp"]
        # The filter cannot be seized: the one create compiled from the
        # config (saved in the state directory) stands in, and says so.
        assert "paused" in sc["process_error"] and sc["source"] == "config"
        assert {c["name"]: c for c in sc["syscalls"]}["mkdir"]["action"] == "errno"
        assert sc["verdict"] == "partial"  # a denylist
        assert status_field(pid, "TracerPid") == "0"
    finally:
        cella.ok("resume", cid)
    assert the_map(cella, cid)["seccomp"]["mode"] == "filter"


def test_map_uses_the_config_applied_at_create(cella, started, tmp):
    """Editing the bundle after create changes nothing the map checks."""
    cid = cid_of("map-ed")
    started(cid)
    path = os.path.join(tmp, "bundle-" + cid, "config.json")
    with open(path) as f:
        cfg = json.load(f)
    cfg["linux"]["maskedPaths"] = ["/etc"]
    cfg["linux"]["readonlyPaths"] = []
    with open(path, "w") as f:
        json.dump(cfg, f)
    fs = the_map(cella, cid)["filesystem"]
    assert "/etc" not in [p["path"] for p in fs["masked_paths"]]
    assert all(p["masked"] for p in fs["masked_paths"]) and fs["readonly_paths"]


def test_map_refuses_a_zombie_and_compares_caps_with_the_host(cella):
    z = subprocess.Popen(["true"])
    wait_for(lambda: status_field(z.pid, "State").startswith("Z"), what="a zombie")
    try:
        r = cella.run("map", "--pid", str(z.pid))
        assert r.returncode == 1 and "exited" in r.stderr, r.stderr
    finally:
        z.wait()
    p = subprocess.Popen(["sleep", "30"])
    try:
        # A host process has every capability the host has: shared, even
        # where the host itself lacks some of the kernel's.
        assert the_map(cella, "--pid", str(p.pid))["privileges"]["verdict"] == "shared"
    finally:
        p.kill()
        p.wait()
