# SPDX-License-Identifier: GPL-2.0-or-later
"""`cella events` (stats in runc's JSON shape, OOM events) and the v2-only
linux.resources.unified. Root only; runs on the hybrid host and in the v2 VM
(make check-v2)."""
import json
import os
import select
import time

import pytest

from helpers import (CG, MIB, UNIFIED, V1, cid_of, make_config, read, unique_sleep, v1_hier,
                     wait_for, write_bundle)


def cg_dir(cid, ctl):
    if V1:
        return os.path.join(v1_hier(ctl), "cella", cid)
    return os.path.join(UNIFIED, "cella", cid)


def cgroup_dirs(cid):
    roots = [os.path.join(CG, d) for d in os.listdir(CG)] + [CG]
    return [os.path.join(r, "cella", cid) for r in roots
            if os.path.isdir(os.path.join(r, "cella", cid))]


@pytest.fixture
def bundle(tmp):
    def make(args, resources=None, name="bundle"):
        c = make_config(args=args)
        c["root"]["readonly"] = False
        if resources:
            c["linux"]["resources"] = resources
        return write_bundle(os.path.join(tmp, name), c)
    return make


def test_stats_shape_and_numbers(cella, bundle):
    cid = cid_of("evs")
    token = unique_sleep()
    b = bundle(["/bin/sh", "-c", f"sleep {token} & sleep {token} & wait"],
               {"memory": {"limit": 64 * MIB}, "pids": {"limit": 50}})
    cella.ok("create", "--bundle", b, cid)
    try:
        cella.ok("start", cid)

        def procs():
            return len(read(os.path.join(cg_dir(cid, "pids"), "cgroup.procs")).split())
        wait_for(lambda: procs() >= 3, 10, "the sleeps to start")
        r = cella.ok("events", "--stats", cid)
        lines = r.stdout.splitlines()
        assert len(lines) == 1, r.stdout
        ev = json.loads(lines[0])
        assert ev["type"] == "stats" and ev["id"] == cid
        d = ev["data"]
        for k in ("cpu", "memory", "pids", "blkio", "hugetlb"):
            assert k in d, d.keys()
        assert set(d["cpu"]["usage"]) >= {"total", "percpu", "kernel", "user"}
        assert set(d["cpu"]["throttling"]) >= {"periods", "throttledPeriods",
                                               "throttledTime"}
        assert d["cpu"]["usage"]["total"] > 0
        mem = d["memory"]["usage"]
        assert mem["limit"] == 64 * MIB
        assert 0 < mem["usage"] <= 64 * MIB
        assert mem["max"] >= mem["usage"] or mem["max"] == 0
        assert "failcnt" in mem and "swap" in d["memory"] and d["memory"]["raw"]
        assert d["pids"] == {"current": 3, "limit": 50}
        if V1:
            md = cg_dir(cid, "memory")
            assert int(read(os.path.join(md, "memory.limit_in_bytes"))) == mem["limit"]
            raw = dict(line.split() for line in read(os.path.join(md, "memory.stat"))
                       .splitlines())
            assert set(d["memory"]["raw"]) == set(raw)
            percpu = [int(x) for x in read(os.path.join(cg_dir(cid, "cpuacct"),
                                                        "cpuacct.usage_percpu")).split()]
            assert len(d["cpu"]["usage"]["percpu"]) == len(percpu)
        else:
            assert int(read(os.path.join(cg_dir(cid, "memory"), "memory.max"))) == \
                mem["limit"]
        assert int(read(os.path.join(cg_dir(cid, "pids"), "pids.current"))) == 3
    finally:
        cella.ok("delete", "--force", cid)
    assert cgroup_dirs(cid) == []


def test_stats_unlimited_is_uint64_max(cella, bundle):
    cid = cid_of("evu")
    token = unique_sleep()
    b = bundle(["/bin/sleep", token])
    cella.ok("create", "--bundle", b, cid)
    try:
        d = json.loads(cella.ok("events", "--stats", cid).stdout)["data"]
        assert d["memory"]["usage"]["limit"] == 2**64 - 1
        assert d["pids"]["limit"] == 2**64 - 1
    finally:
        cella.ok("delete", "--force", cid)


def read_events(p, want, timeout=20):
    """Lines of a streaming `cella events` until want(events) or timeout."""
    events, buf, end = [], "", time.monotonic() + timeout
    fd = p.stdout.fileno()
    while time.monotonic() < end and not want(events):
        r, _, _ = select.select([fd], [], [], 0.2)
        if not r:
            if p.poll() is not None:
                break
            continue
        chunk = os.read(fd, 65536).decode()
        if not chunk:
            break
        buf += chunk
        while "\n" in buf:
            line, buf = buf.split("\n", 1)
            events.append(json.loads(line))
    return events


def test_events_stream_reports_oom_and_ends_with_the_container(cella, bundle):
    # The allocation is OOM-killed (the shell too, maybe: every process of
    # the script is the preferred victim, never cella's).
    cid = cid_of("evo")
    script = ("sleep 1; echo 1000 > /proc/self/oom_score_adj; head -c 200000000 /dev/zero | tail > /dev/null; echo rc=$?; "
              "sleep 2")
    b = bundle(["/bin/sh", "-c", script], {"memory": {"limit": 32 * MIB, "swap": 32 * MIB}})
    cella.ok("create", "--bundle", b, cid)
    p = cella.popen("events", "--interval", "500ms", cid, stdout=__import__("subprocess").PIPE,
                    text=False)
    try:
        time.sleep(0.3)
        cella.ok("start", cid)
        events = read_events(p, lambda ev: any(e["type"] == "oom" for e in ev))
        assert any(e == {"type": "oom", "id": cid} for e in events), events
        assert any(e["type"] == "stats" for e in events), events
        # It ends by itself once the container stops (read on: a full pipe
        # would block it).
        read_events(p, lambda ev: False, timeout=30)
        p.wait(timeout=5)
        assert p.returncode == 0, p.stderr.read()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        cella.run("delete", "--force", cid)
    assert cgroup_dirs(cid) == []


def test_events_refuses_bad_input(cella, bundle):
    r = cella.run("events", "--stats", "nosuch")
    assert r.returncode != 0 and "nosuch" in r.stderr
    r = cella.run("events", "--interval", "0", "nosuch")
    assert r.returncode != 0 and "--interval" in r.stderr


def test_unified_keys_applied_on_v2(cella, bundle):
    cid = cid_of("uni")
    if V1:
        pytest.skip("cgroup v2 only (make check-v2)")
    token = unique_sleep()
    b = bundle(["/bin/sleep", token], {"memory": {"limit": 64 * MIB},
                                       "unified": {"memory.oom.group": "1",
                                                   "memory.high": str(48 * MIB),
                                                   "pids.max": "21"}})
    cella.ok("create", "--bundle", b, cid)
    try:
        d = os.path.join(UNIFIED, "cella", cid)
        assert read(os.path.join(d, "memory.oom.group")) == "1"
        assert int(read(os.path.join(d, "memory.high"))) == 48 * MIB
        assert read(os.path.join(d, "pids.max")) == "21"
        # update takes unified keys too
        r = cella.run("update", "--resources", "-", cid,
                      input=json.dumps({"unified": {"pids.max": "22"}}))
        assert r.returncode == 0, r.stderr
        assert read(os.path.join(d, "pids.max")) == "22"
    finally:
        cella.ok("delete", "--force", cid)
    assert cgroup_dirs(cid) == []


def test_unified_unknown_key_is_refused_on_v2(cella, bundle):
    cid = cid_of("unibad")
    if V1:
        pytest.skip("cgroup v2 only (make check-v2)")
    b = bundle(["/bin/true"], {"unified": {"memory.nosuchfile": "1"}})
    r = cella.run("run", "--bundle", b, cid)
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "linux.resources.unified.memory.nosuchfile" in lines[0], \
        r.stderr
    assert cgroup_dirs(cid) == []
    assert cella.entries() == []


def test_unified_refused_on_a_v1_host(cella, bundle):
    cid = cid_of("univ1")
    if not V1:
        pytest.skip("v1 and hybrid hosts only")
    b = bundle(["/bin/true"], {"unified": {"memory.oom.group": "1"}})
    r = cella.run("run", "--bundle", b, cid)
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "linux.resources.unified.memory.oom.group" in lines[0], r.stderr
    assert cgroup_dirs(cid) == []
    assert cella.entries() == []


@pytest.mark.parametrize("key", ["../x", "cgroup.procs", "cgroup.subtree_control",
                                 "memory/../../x", "..", "nodot", ""])
def test_unified_bad_keys_refused(cella, bundle, key):
    cid = cid_of("unikey")
    b = bundle(["/bin/true"], {"unified": {key: "1"}})
    r = cella.run("run", "--bundle", b, cid)
    assert r.returncode != 0
    assert "linux.resources.unified." in r.stderr, r.stderr
    assert cgroup_dirs(cid) == []
    assert cella.entries() == []


def test_cpu_burst(cella, bundle):
    cid = cid_of("burst")
    token = unique_sleep()
    b = bundle(["/bin/sleep", token], {"cpu": {"quota": 50000, "period": 100000,
                                               "burst": 20000}})
    r = cella.run("create", "--bundle", b, cid)
    if r.returncode != 0 and "the kernel has no" in r.stderr:
        assert "linux.resources.cpu.burst" in r.stderr
        assert cgroup_dirs(cid) == []
        pytest.skip(r.stderr)
    assert r.returncode == 0, r.stderr
    try:
        if V1:
            assert read(os.path.join(cg_dir(cid, "cpu"), "cpu.cfs_burst_us")) == "20000"
        else:
            assert read(os.path.join(cg_dir(cid, "cpu"), "cpu.max.burst")) == "20000"
    finally:
        cella.ok("delete", "--force", cid)
    assert cgroup_dirs(cid) == []


def block_device():
    """major, minor of a disk (a real one first, else a loop or ram disk), or
    None."""
    names = sorted(os.listdir("/sys/block"),
                   key=lambda n: (n.startswith(("loop", "ram", "zram", "dm-", "sr")), n))
    for name in names:
        try:
            maj, mnr = read(f"/sys/block/{name}/dev").split(":")
            return int(maj), int(mnr)
        except OSError:
            continue
    return None


def test_blkio_throttle_devices(cella, bundle):
    cid = cid_of("thr")
    dev = block_device()
    if dev is None:
        pytest.skip("no block device")
    maj, mnr = dev
    token = unique_sleep()
    b = bundle(["/bin/sleep", token], {"blockIO": {
        "throttleReadBpsDevice": [{"major": maj, "minor": mnr, "rate": 1048576}],
        "throttleWriteIOPSDevice": [{"major": maj, "minor": mnr, "rate": 100}]}})
    r = cella.run("create", "--bundle", b, cid)
    if r.returncode != 0 and "controller is not available" in r.stderr:
        pytest.skip(r.stderr)
    assert r.returncode == 0, r.stderr
    try:
        if V1:
            d = cg_dir(cid, "blkio")
            assert read(os.path.join(d, "blkio.throttle.read_bps_device")) == \
                f"{maj}:{mnr} 1048576"
            assert read(os.path.join(d, "blkio.throttle.write_iops_device")) == \
                f"{maj}:{mnr} 100"
        else:
            line = read(os.path.join(UNIFIED, "cella", cid, "io.max"))
            assert f"{maj}:{mnr}" in line and "rbps=1048576" in line and "wiops=100" in line
    finally:
        cella.ok("delete", "--force", cid)
    assert cgroup_dirs(cid) == []


def test_hugetlb_limit_or_a_clear_error(cella, bundle):
    cid = cid_of("huge")
    token = unique_sleep()
    sizes = [d[len("hugepages-"):-2] for d in os.listdir("/sys/kernel/mm/hugepages")] \
        if os.path.isdir("/sys/kernel/mm/hugepages") else []
    if not sizes:
        pytest.skip("no hugepages")
    kb = int(sorted(sizes, key=int)[0])
    size = f"{kb // 1024}MB" if kb < 1024 * 1024 else f"{kb // (1024 * 1024)}GB"
    b = bundle(["/bin/sleep", token], {"hugepageLimits": [{"pageSize": size,
                                                           "limit": 4 * kb * 1024}]})
    r = cella.run("create", "--bundle", b, cid)
    try:
        has_v1 = any("hugetlb" in d.split(",") for d in os.listdir(CG))
        if V1 and not has_v1:
            assert r.returncode != 0
            lines = r.stderr.strip().splitlines()
            assert len(lines) == 1 and "linux.resources.hugepageLimits" in lines[0] and \
                "hugetlb" in lines[0], r.stderr
            assert cella.entries() == []
        else:
            assert r.returncode == 0, r.stderr
            f = f"hugetlb.{size}.limit_in_bytes" if V1 else f"hugetlb.{size}.max"
            assert int(read(os.path.join(cg_dir(cid, "hugetlb"), f))) == 4 * kb * 1024
    finally:
        cella.run("delete", "--force", cid)
    assert cgroup_dirs(cid) == []


def test_update_device_throttle_flags(cella, bundle):
    cid = cid_of("thrf")
    dev = block_device()
    if dev is None:
        pytest.skip("no block device")
    path = next((os.path.join("/dev", n) for n in sorted(os.listdir("/sys/block"))
                 if read(f"/sys/block/{n}/dev") == f"{dev[0]}:{dev[1]}"), None)
    if path is None or not os.path.exists(path):
        pytest.skip("no device node")
    token = unique_sleep()
    b = bundle(["/bin/sleep", token])
    cella.ok("create", "--bundle", b, cid)
    try:
        r = cella.run("update", "--device-read-bps", f"{path}:2m", "--device-write-iops",
                      f"{path}:50", cid)
        if r.returncode != 0 and "controller is not available" in r.stderr:
            pytest.skip(r.stderr)
        assert r.returncode == 0, r.stderr
        maj, mnr = dev
        if V1:
            d = cg_dir(cid, "blkio")
            assert read(os.path.join(d, "blkio.throttle.read_bps_device")) == \
                f"{maj}:{mnr} {2 * MIB}"
            assert read(os.path.join(d, "blkio.throttle.write_iops_device")) == \
                f"{maj}:{mnr} 50"
        else:
            line = read(os.path.join(UNIFIED, "cella", cid, "io.max"))
            assert f"rbps={2 * MIB}" in line and "wiops=50" in line, line
        r = cella.run("update", "--device-read-bps", "/dev/null:1m", cid)
        assert r.returncode != 0 and "--device-read-bps" in r.stderr and \
            "not a block device" in r.stderr, r.stderr
    finally:
        cella.ok("delete", "--force", cid)
    assert cgroup_dirs(cid) == []
