# SPDX-License-Identifier: GPL-2.0-or-later
"""Engine behaviour beyond the two doors' basics: the container dies with a
foreground runtime, time namespace offsets, rlimits, sysctl, no_new_privs."""
import json
import os
import resource
import signal
import time

from helpers import (PROBE, ROOTFS, find_process, make_config, pid_exists, reap,
                     unique_sleep, wait_for, write_bundle)


def test_container_dies_with_runtime(cella):
    marker = unique_sleep()
    p = cella.popen("run", "--rootfs", ROOTFS, "--", "sleep", marker)
    try:
        pid = find_process(["sleep", marker])
        os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=10)

        def gone():
            reap()
            return not pid_exists(pid)
        wait_for(gone, 10, "the container to die with its runtime")
    finally:
        if p.poll() is None:
            p.kill()
        p.communicate()
    # The killed runtime could not remove its state: delete cleans it up.
    for cid in cella.entries():
        cella.ok("delete", "--force", cid)


def _run_bundle(cella, tmp, config, cid="b"):
    bundle = write_bundle(os.path.join(tmp, "bundle"), config)
    return cella.run("run", "--bundle", bundle, cid)


def test_time_namespace_offsets(cella, tmp):
    offset = 10 * 24 * 3600
    c = make_config(args=["/bin/cat", "/proc/uptime"])
    c["linux"]["namespaces"].append({"type": "time"})
    c["linux"]["timeOffsets"] = {"boottime": {"secs": offset, "nanosecs": 0}}
    r = _run_bundle(cella, tmp, c)
    assert r.returncode == 0, r.stderr
    inside = float(r.stdout.split()[0])
    with open("/proc/uptime") as f:
        host = float(f.read().split()[0])
    assert inside - host > offset - 60


def test_time_offsets_need_time_namespace(cella, tmp):
    c = make_config()
    c["linux"]["timeOffsets"] = {"monotonic": {"secs": 5}}
    r = _run_bundle(cella, tmp, c)
    assert r.returncode != 0
    assert "linux.timeOffsets" in r.stderr
    assert cella.entries() == []


def test_rlimits_applied(cella, tmp):
    c = make_config()
    c["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 123, "hard": 456}]
    r = _run_bundle(cella, tmp, c)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["rlimits"]["NOFILE"] == [123, 456]


def test_rlimit_above_hard_limit_is_clear_error(cella, tmp):
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        return
    c = make_config()
    c["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": hard + 1, "hard": hard + 1}]
    r = _run_bundle(cella, tmp, c)
    # root without CAP_SYS_RESOURCE (our machines) cannot raise it; where
    # root can, the container simply runs.
    if r.returncode == 0:
        return
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "RLIMIT_NOFILE" in lines[0]
    assert cella.entries() == []


def test_sysctl_in_container(cella, tmp):
    c = make_config(args=["/bin/cat", "/proc/sys/net/ipv4/ip_unprivileged_port_start"])
    # /proc/sys is read-only for the process, but sysctls are applied first.
    c["linux"]["sysctl"] = {"net.ipv4.ip_unprivileged_port_start": "42"}
    r = _run_bundle(cella, tmp, c)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "42"
    with open("/proc/sys/net/ipv4/ip_unprivileged_port_start") as f:
        assert f.read().strip() != "42"  # the host's own value is untouched


def test_no_new_privs(cella, tmp):
    c = make_config()
    r = _run_bundle(cella, tmp, c)
    assert json.loads(r.stdout)["no_new_privs"] in (1, True)
    c["process"]["noNewPrivileges"] = False
    r = _run_bundle(cella, tmp, c, cid="b2")
    assert json.loads(r.stdout)["no_new_privs"] in (0, False)


def test_umask_and_groups(cella, tmp):
    c = make_config()
    c["process"]["user"] = {"uid": 1000, "gid": 1000, "umask": 0o027,
                            "additionalGids": [10, 20]}
    r = _run_bundle(cella, tmp, c)
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["uid"] == 1000 and info["gid"] == 1000
    assert sorted(info["groups"]) == [10, 20]
    assert info["umask"] in (0o027, "0027", "027")


def test_rootfs_propagation_does_not_leak_mounts(cella, tmp):
    before = open("/proc/self/mountinfo").read().count("\n")
    r = cella.quick("--tmpfs", "/scratch", cmd=["/probe", "exit", "0"])
    assert r.returncode == 0, r.stderr
    time.sleep(0.05)
    assert open("/proc/self/mountinfo").read().count("\n") == before
