# SPDX-License-Identifier: GPL-2.0-or-later
"""Cgroups as Docker, podman and containerd drive them (runc 1.1's
semantics): a zero is "leave as is", podman's full st_mode fileMode, update
all or nothing and ordered so the kernel accepts every valid target, an
existing cgroup joined and never removed. Root only."""
import json
import os
import random
import shutil
import subprocess
import time

import pytest

from helpers import (CG, MIB, UNIFIED, V1, cid_of, make_config, read, unique_sleep, v1_hier,
                     write_bundle)

PURE_V2 = os.path.exists(os.path.join(CG, "cgroup.controllers"))
needs_v1 = pytest.mark.skipif(not V1, reason="cgroup v1 controllers needed")
MEMSW = V1 and os.path.exists(os.path.join(CG, "memory", "memory.memsw.limit_in_bytes"))

# What `docker run` without limit flags writes (moby's spec defaults).
DOCKER_ZEROS = {
    "memory": {"limit": 0, "reservation": 0, "swap": 0, "kernel": 0, "kernelTCP": 0},
    "cpu": {"shares": 0, "quota": 0, "period": 0, "realtimeRuntime": 0,
            "realtimePeriod": 0, "cpus": "", "mems": ""},
    "blockIO": {"weight": 0, "leafWeight": 0},
    "pids": {"limit": 0},
}


def read_or(path, default):
    """A cgroup file's value; `default` when the file is not there (v2: the
    controller was not enabled, nothing was asked of it)."""
    return read(path) if os.path.exists(path) else default


def cgfile(path, ctl, v1name, v2name):
    """A file of the cgroup at `path`: v1 in ctl's hierarchy, else unified."""
    if V1:
        return os.path.join(v1_hier(ctl), path.lstrip("/"), v1name)
    return os.path.join(UNIFIED, path.lstrip("/"), v2name)


@pytest.fixture
def ctr(cella, tmp):
    """create + start a sleeping bundle container; deleted at the end."""
    ids = []

    def make(cid, resources=None, cgroups_path=None, devices=None, start=True):
        c = make_config(args=["/bin/sleep", unique_sleep()])
        if resources is not None:
            c["linux"]["resources"] = resources
        if cgroups_path:
            c["linux"]["cgroupsPath"] = cgroups_path
        if devices:
            c["linux"]["devices"] = devices
        b = write_bundle(os.path.join(tmp, "bundle-" + cid), c)
        r = cella.run("create", "--bundle", b, cid)
        if r.returncode == 0:
            ids.append(cid)
            if start:
                cella.ok("start", cid)
        return r

    yield make
    for cid in ids:
        cella.run("delete", "--force", cid)


# ---- zero means "leave as is" ----

def test_docker_zeros_leave_the_kernel_defaults(cella, ctr):
    cid = cid_of("zeros")
    r = ctr(cid, json.loads(json.dumps(DOCKER_ZEROS)))
    assert r.returncode == 0, r.stderr
    # No warning: every zero is unset, none is "not applied".
    assert r.stderr == "", r.stderr
    path = f"/cella/{cid}"
    if V1:
        assert read(cgfile(path, "cpu", "cpu.shares", None)) == "1024"
        assert read(cgfile(path, "cpu", "cpu.cfs_quota_us", None)) == "-1"
        assert read(cgfile(path, "cpu", "cpu.cfs_period_us", None)) == "100000"
        assert int(read(cgfile(path, "memory", "memory.limit_in_bytes", None))) > 1 << 60
    else:
        assert read_or(cgfile(path, "cpu", None, "cpu.weight"), "100") == "100"
        assert read_or(cgfile(path, "cpu", None, "cpu.max"), "max 100000") == "max 100000"
        assert read_or(cgfile(path, "memory", None, "memory.max"), "max") == "max"
    assert read_or(cgfile(path, "pids", "pids.max", "pids.max"), "max") == "max"


def test_update_with_docker_zeros_changes_only_what_is_given(cella, ctr):
    cid = cid_of("zupd")
    assert ctr(cid, {"cpu": {"shares": 512}, "pids": {"limit": 50},
                     "memory": {"limit": 256 * MIB}}).returncode == 0
    res = json.loads(json.dumps(DOCKER_ZEROS))
    res["memory"]["limit"] = 64 * MIB
    r = cella.run("update", "-r", "-", cid, input=json.dumps(res))
    assert r.returncode == 0, r.stderr
    path = f"/cella/{cid}"
    assert int(read(cgfile(path, "memory", "memory.limit_in_bytes", "memory.max"))) == 64 * MIB
    assert read(cgfile(path, "pids", "pids.max", "pids.max")) == "50"
    if V1:
        assert read(cgfile(path, "cpu", "cpu.shares", None)) == "512"
        assert read(cgfile(path, "cpu", "cpu.cfs_period_us", None)) == "100000"
    # Nothing but zeros (docker update --restart): nothing to do, no error.
    r = cella.run("update", "-r", "-", cid, input=json.dumps(DOCKER_ZEROS))
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert int(read(cgfile(path, "memory", "memory.limit_in_bytes", "memory.max"))) == 64 * MIB
    # pids -1 is "max", as runc.
    cella.ok("update", "-r", "-", cid, input='{"pids": {"limit": -1}}')
    assert read(cgfile(path, "pids", "pids.max", "pids.max")) == "max"


@pytest.mark.parametrize("res,field", [
    ({"cpu": {"shares": -1}}, "linux.resources.cpu.shares"),
    ({"cpu": {"quota": -2}}, "linux.resources.cpu.quota"),
    ({"memory": {"limit": -2}}, "linux.resources.memory.limit"),
    ({"memory": {"kernel": -5}}, "linux.resources.memory.kernel"),
    ({"blockIO": {"leafWeight": 5}}, "linux.resources.blockIO.leafWeight"),
])
def test_negative_or_impossible_values_name_the_field(cella, ctr, res, field):
    cid = cid_of("neg")
    r = ctr(cid, res)
    assert r.returncode != 0 and field in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not os.path.isdir(os.path.join(UNIFIED, "cella", cid))


@needs_v1
def test_v1_cpu_shares_the_kernel_would_clamp_are_refused(cella, ctr):
    cid = cid_of("shr")
    r = ctr(cid, {"cpu": {"shares": 1}})
    assert r.returncode != 0, r.stderr
    assert "linux.resources.cpu.shares 1: the minimum allowed is 2" in r.stderr, r.stderr
    assert not os.path.isdir(os.path.join(v1_hier("cpu"), "cella", cid))


# ---- podman's fileMode ----

def test_podman_full_st_mode_file_mode_keeps_the_permission_bits(cella, tmp):
    """podman writes the host node's st_mode: 8630 = S_IFCHR | 0666."""
    c = make_config(args=["/bin/sh", "-c", "ls -l /dev/fuse"])
    c["linux"]["devices"] = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229,
                              "fileMode": 8630, "uid": 0, "gid": 0}]
    b = write_bundle(os.path.join(tmp, "fuse"), c)
    r = cella.run("run", "--bundle", b, cid_of("fuse"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("crw-rw-rw-"), r.stdout
    # Beyond st_mode: still an error naming the field.
    c["linux"]["devices"][0]["fileMode"] = 0o1000000
    b = write_bundle(os.path.join(tmp, "fuse2"), c)
    r = cella.run("run", "--bundle", b, cid_of("fuse2"))
    assert r.returncode != 0 and "fileMode" in r.stderr, r.stderr


# ---- update: ordered, all or nothing ----

@pytest.mark.skipif(not MEMSW, reason="v1 memory with swap accounting needed")
def test_v1_update_memory_unlimited_lifts_memsw_first(cella, ctr):
    cid = cid_of("mswp")
    assert ctr(cid, {"memory": {"limit": 64 * MIB, "swap": 128 * MIB}}).returncode == 0
    mem = cgfile(f"/cella/{cid}", "memory", "memory.limit_in_bytes", None)
    memsw = cgfile(f"/cella/{cid}", "memory", "memory.memsw.limit_in_bytes", None)
    # -1 alone: both unlimited (memsw first, or the kernel refuses).
    cella.ok("update", "-r", "-", cid, input='{"memory": {"limit": -1}}')
    assert int(read(mem)) > 1 << 60 and int(read(memsw)) > 1 << 60
    # Down again, then both raised and both lowered: every order valid.
    for lim, swp in ((32, 48), (256, 512), (16, 24)):
        cella.ok("update", "-r", "-", cid,
                 input=json.dumps({"memory": {"limit": lim * MIB, "swap": swp * MIB}}))
        assert (int(read(mem)), int(read(memsw))) == (lim * MIB, swp * MIB)


def test_failed_update_restores_what_it_wrote(cella, ctr):
    cid = cid_of("undo")
    assert ctr(cid, {"memory": {"limit": 256 * MIB}, "pids": {"limit": 40},
                     "cpu": {"shares": 512}}).returncode == 0
    path = f"/cella/{cid}"
    mem = cgfile(path, "memory", "memory.limit_in_bytes", "memory.max")
    pids = cgfile(path, "pids", "pids.max", "pids.max")
    res = {"memory": {"limit": 32 * MIB}, "pids": {"limit": 7},
           "cpu": {"shares": 300, "cpus": "4095"}}
    r = cella.run("update", "-r", "-", cid, input=json.dumps(res))
    assert r.returncode != 0 and "linux.resources.cpu.cpus" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert int(read(mem)) == 256 * MIB
    assert read(pids) == "40"
    if V1:
        assert read(cgfile(path, "cpu", "cpu.shares", None)) == "512"


@needs_v1
def test_v1_update_cpu_period_refused_first_is_retried_after_the_quota(cella, ctr):
    """Under a parent allowed half a CPU: 50000/100000 to 5000/10000 is
    refused period first (50000/10000 is 5 CPUs), accepted quota first."""
    cid = cid_of("cfs")
    parent = f"/cella-it-cfs-{os.getpid()}-{random.randrange(1 << 30)}"
    cpu = v1_hier("cpu")
    os.mkdir(cpu + parent)
    try:
        with open(os.path.join(cpu + parent, "cpu.cfs_quota_us"), "w") as f:
            f.write("50000")
        r = ctr(cid, {"cpu": {"quota": 50000, "period": 100000}},
                cgroups_path=parent + "/cfs")
        assert r.returncode == 0, r.stderr
        cella.ok("update", "--cpu-quota", "5000", "--cpu-period", "10000", cid)
        assert read(cgfile(parent + "/cfs", "cpu", "cpu.cfs_quota_us", None)) == "5000"
        assert read(cgfile(parent + "/cfs", "cpu", "cpu.cfs_period_us", None)) == "10000"
        # Beyond the parent both ways: refused, and nothing changed.
        r = cella.run("update", "--cpu-quota", "20000", "--cpu-period", "10000", cid)
        assert r.returncode != 0 and "linux.resources.cpu" in r.stderr, r.stderr
        assert read(cgfile(parent + "/cfs", "cpu", "cpu.cfs_quota_us", None)) == "5000"
        assert read(cgfile(parent + "/cfs", "cpu", "cpu.cfs_period_us", None)) == "10000"
        cella.ok("delete", "--force", cid)
    finally:
        cella.run("delete", "--force", cid)
        for h in os.listdir(CG):
            d = os.path.join(CG, h) + parent
            if os.path.isdir(d):
                os.rmdir(d)


# ---- an existing cgroup at cgroupsPath ----

@pytest.fixture
def foreign():
    """A cgroup the test makes (not cella) at /cella-it-join-N/c in one
    hierarchy, with a process of the test's in it; everything under
    /cella-it-join-N removed at the end, in every hierarchy."""
    top = f"/cella-it-join-{os.getpid()}-{random.randrange(1 << 30)}"
    made = {}

    def make(ctl):
        hier = UNIFIED if ctl == "unified" or not V1 else v1_hier(ctl)
        d = hier + top + "/c"
        os.makedirs(d)
        p = subprocess.Popen(["sleep", "1000"])
        made[d] = p
        with open(os.path.join(d, "cgroup.procs"), "w") as f:
            f.write(str(p.pid))
        return top + "/c", d

    yield make
    for d, p in made.items():
        p.kill()
        p.wait()
    for h in os.listdir(CG):
        base = os.path.join(CG, h) + top
        if not os.path.isdir(base):
            continue
        for d, _, _ in sorted(os.walk(base), key=lambda w: len(w[0]), reverse=True):
            try:
                os.rmdir(d)
            except OSError:
                wait_for_rmdir(d)


def wait_for_rmdir(d):
    for _ in range(100):
        try:
            os.rmdir(d)
            return
        except OSError:
            time.sleep(0.02)
    raise AssertionError(f"cannot remove {d}")


def test_existing_cgroup_is_joined_with_a_warning_and_never_removed(cella, foreign, ctr):
    path, d = foreign("memory")
    cid = cid_of("join")
    r = ctr(cid, {"memory": {"limit": 64 * MIB}}, cgroups_path=path)
    assert r.returncode == 0, r.stderr
    assert "exists and has 1 process" in r.stderr and path in r.stderr, r.stderr
    limit = "memory.limit_in_bytes" if V1 else "memory.max"
    assert int(read(os.path.join(d, limit))) == 64 * MIB
    pid = cella.state(cid)["pid"]
    assert str(pid) in read(os.path.join(d, "cgroup.procs")).split()
    cella.ok("delete", "--force", cid)
    # The cgroup cella did not make is there still, with the test's process.
    assert os.path.isdir(d)
    assert read(os.path.join(d, "cgroup.procs")) != ""
    # The ones it made are gone.
    if V1:
        assert not os.path.isdir(v1_hier("pids") + path)


@pytest.mark.skipif(not V1 or UNIFIED == CG, reason="a hybrid host")
def test_existing_cgroup_in_the_unified_tree_only_is_joined(cella, foreign, ctr):
    """A cgroupsPath that exists only in a hybrid host's cgroup2 tree (as a
    systemd unit's does) is joined with one warning; cella makes and removes
    the v1 ones."""
    path, d = foreign("unified")
    cid = cid_of("ujoin")
    r = ctr(cid, {"pids": {"limit": 55}}, cgroups_path=path)
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("exists and has 1 process") == 1, r.stderr
    assert str(cella.state(cid)["pid"]) in read(os.path.join(d, "cgroup.procs")).split()
    assert read(v1_hier("pids") + path + "/pids.max") == "55"
    cella.ok("delete", "--force", cid)
    assert os.path.isdir(d)
    assert not os.path.isdir(v1_hier("pids") + path)


def crashed_create(cella, bundle, cid):
    """create, killed at #3: the init cloned, the v1 cgroups not made yet on
    a hybrid host (#4e)."""
    saved = dict(cella.env)
    cella.env["CELLA_FAULT"] = "create:3:kill"
    try:
        cella.run("create", "--bundle", bundle, cid)
    finally:
        cella.env = saved


@pytest.mark.parametrize("ctl", ["unified", "memory"])
def test_delete_after_a_crashed_create_leaves_a_joined_cgroup(cella, tmp, foreign, ctl):
    """A create killed before its state named the joined cgroup fully (#3,
    before the v1 cgroups are made on a hybrid host): delete --force removes
    the container, and leaves the cgroup that was there, with its process."""
    if ctl == "memory" and not V1 or ctl == "unified" and V1 and UNIFIED == CG:
        pytest.skip(f"no {ctl} hierarchy here")
    path, d = foreign(ctl)
    cid = cid_of("crjoin")
    c = make_config(args=["/bin/sleep", unique_sleep()])
    c["linux"]["cgroupsPath"] = path
    b = write_bundle(os.path.join(tmp, "bundle"), c)
    crashed_create(cella, b, cid)
    r = cella.run("delete", "--force", cid)
    assert r.returncode == 0, r.stderr
    assert cid not in cella.entries()
    assert os.path.isdir(d)
    assert read(os.path.join(d, "cgroup.procs")) != ""


@pytest.mark.skipif(not V1 or UNIFIED == CG, reason="a hybrid host")
def test_delete_kills_what_a_crashed_create_left_in_the_unified_tree(cella, tmp):
    """A create killed before the v1 cgroups were made (#4e) leaves its
    cgroup in the unified tree only; delete --force kills what is there and
    removes it."""
    cid = cid_of("crown")
    b = write_bundle(os.path.join(tmp, "bundle"), make_config(args=["/bin/sleep", "100"]))
    crashed_create(cella, b, cid)
    d = os.path.join(UNIFIED, "cella", cid)
    assert os.path.isdir(d) and not os.path.isdir(v1_hier("pids") + "/cella/" + cid)
    p = subprocess.Popen(["sleep", "1000"])
    try:
        with open(os.path.join(d, "cgroup.procs"), "w") as f:
            f.write(str(p.pid))
        r = cella.run("delete", "--force", cid)
        assert r.returncode == 0, r.stderr
        assert p.wait(timeout=10) == -9
        assert not os.path.isdir(d)
    finally:
        p.kill()
        p.wait()


def test_frozen_existing_cgroup_is_refused(cella, foreign, ctr):
    path, d = foreign("freezer")
    state = "freezer.state" if V1 else "cgroup.freeze"
    with open(os.path.join(d, state), "w") as f:
        f.write("FROZEN" if V1 else "1")
    try:
        r = ctr(cid_of("frz"), cgroups_path=path, start=False)
        assert r.returncode != 0 and "frozen" in r.stderr and path in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert os.path.isdir(d)
        if V1:
            assert not os.path.isdir(v1_hier("pids") + path)
    finally:
        with open(os.path.join(d, state), "w") as f:
            f.write("THAWED" if V1 else "0")


@needs_v1
@pytest.mark.skipif(not shutil.which("mkfs.ext4") or not shutil.which("losetup"),
                    reason="mkfs.ext4 and losetup needed")
def test_devices_rules_cover_every_mount_of_the_setup(cella, tmp):
    """A block device's mount, wherever it is among the mounts (before the
    cgroup mount too, while the runtime makes the v1 cgroups), is made
    under the container's devices cgroup: a rule that denies the device
    refuses it, and nothing is left."""
    img = os.path.join(tmp, "img")
    with open(img, "wb") as f:
        f.truncate(8 * MIB)
    subprocess.run(["mkfs.ext4", "-q", img], check=True)
    loop = subprocess.run(["losetup", "-f", "--show", img], check=True, capture_output=True,
                          text=True).stdout.strip()
    try:
        for first in (True, False):
            c = make_config(args=["/bin/true"])
            disk = {"destination": "/mnt", "type": "ext4", "source": loop, "options": ["ro"]}
            cg = {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
                  "options": ["nosuid", "noexec", "nodev", "ro"]}
            c["mounts"] += [disk, cg] if first else [cg, disk]
            c["linux"]["resources"] = {"devices": [{"allow": False, "access": "rwm"}]}
            b = write_bundle(os.path.join(tmp, f"bundle-{first}"), c)
            cid = cid_of(f"dev{int(first)}")
            r = cella.run("run", "--bundle", b, cid)
            assert r.returncode != 0 and "/mnt" in r.stderr, (first, r.stderr)
            assert len(r.stderr.strip().splitlines()) == 1, r.stderr
            assert "Operation not permitted" in r.stderr, r.stderr
            assert cid not in cella.entries()
            assert not os.path.isdir(v1_hier("devices") + "/cella/" + cid)
        # The same mount, first, with the loop devices allowed: made.
        c["mounts"][-2:] = [disk, cg]
        c["linux"]["resources"]["devices"].append(
            {"allow": True, "type": "b", "major": os.major(os.stat(loop).st_rdev),
             "access": "rwm"})
        r = cella.run("run", "--bundle", write_bundle(os.path.join(tmp, "bundle-ok"), c),
                      cid_of("devok"))
        assert r.returncode == 0, r.stderr
    finally:
        subprocess.run(["losetup", "-d", loop])


# ---- blockIO weightDevice / leafWeight (BFQ), network (net_cls, net_prio) ----

def _scratch_disk():
    """The VM's scratch disk (tests/vm/run.sh: serial cella-scratch)."""
    for dev in sorted(os.listdir("/sys/block")):
        try:
            with open(f"/sys/block/{dev}/serial") as f:
                if f.read().strip() == "cella-scratch":
                    return dev
        except OSError:
            continue
    return None


@pytest.fixture
def bfq_disk(tmp):
    """A disk of the test's own scheduled by BFQ: the VM's scratch disk, or
    a loop device made (and removed) here. (major, minor)."""
    dev = _scratch_disk()
    loop = None
    if dev is None:
        if shutil.which("losetup") is None:
            pytest.skip("no scratch disk and no losetup")
        img = os.path.join(tmp, "loop.img")
        with open(img, "wb") as f:
            f.truncate(16 * MIB)
        r = subprocess.run(["losetup", "-f", "--show", img], capture_output=True, text=True)
        if r.returncode != 0:
            pytest.skip(f"no loop device: {r.stderr.strip()}")
        loop = r.stdout.strip()
        dev = os.path.basename(loop)
    try:
        try:
            with open(f"/sys/block/{dev}/queue/scheduler", "w") as f:
                f.write("bfq")
        except OSError as e:
            pytest.skip(f"no bfq scheduler for {dev}: {e}")
        with open(f"/sys/block/{dev}/dev") as f:
            major, minor = (int(x) for x in f.read().strip().split(":"))
        yield major, minor
    finally:
        if loop is not None:
            subprocess.run(["losetup", "-d", loop], capture_output=True)


def test_weight_device_applied_through_bfq(cella, ctr, bfq_disk):
    major, minor = bfq_disk
    res = {"blockIO": {"weightDevice": [{"major": major, "minor": minor, "weight": 500}]}}
    cid = cid_of("bfqw")
    r = ctr(cid, res)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    f = cgfile(f"/cella/{cid}", "blkio", "blkio.bfq.weight_device", "io.bfq.weight")
    assert f"{major}:{minor} 500" in read(f).splitlines(), read(f)
    # update changes it; a failing update puts it back.
    cella.ok("update", "-r", "-", cid, input=json.dumps(
        {"blockIO": {"weightDevice": [{"major": major, "minor": minor, "weight": 200}]}}))
    assert f"{major}:{minor} 200" in read(f).splitlines(), read(f)
    r = cella.run("update", "-r", "-", cid, input=json.dumps(
        {"blockIO": {"weightDevice": [{"major": major, "minor": minor, "weight": 700}]},
         "cpu": {"cpus": "4095"}}))
    assert r.returncode != 0 and "linux.resources.cpu.cpus" in r.stderr, r.stderr
    assert f"{major}:{minor} 200" in read(f).splitlines(), read(f)


def test_weight_device_without_bfq_is_refused_naming_the_field(cella, ctr):
    # /dev/null's numbers: a character device, never a BFQ-scheduled disk.
    r = ctr(cid_of("nobfq"),
            {"blockIO": {"weightDevice": [{"major": 1, "minor": 3, "weight": 500}]}})
    assert r.returncode != 0, r.stderr
    assert "linux.resources.blockIO.weightDevice[0]" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


@pytest.mark.skipif(V1 and os.path.exists(os.path.join(CG, "blkio", "blkio.leaf_weight")),
                    reason="the kernel has CFQ's leaf weights")
def test_leaf_weight_is_refused_where_no_kernel_file_takes_it(cella, ctr):
    cid = cid_of("leafw")
    r = ctr(cid, {"blockIO": {"leafWeight": 300}})
    assert r.returncode != 0 and "linux.resources.blockIO.leafWeight 300" in r.stderr, r.stderr
    assert not os.path.isdir(os.path.join(UNIFIED, "cella", cid))


@pytest.mark.skipif(V1 and any("net_cls" in h.split(",") for h in os.listdir(CG)),
                    reason="the host has a net_cls hierarchy")
def test_network_without_net_cls_is_refused_naming_the_field(cella, ctr):
    r = ctr(cid_of("netcls"), {"network": {"classID": 0x100001}})
    assert r.returncode != 0 and "linux.resources.network.classID" in r.stderr, r.stderr
    r = ctr(cid_of("netprio"), {"network": {"priorities": [{"name": "lo", "priority": 5}]}})
    assert r.returncode != 0 and "linux.resources.network.priorities" in r.stderr, r.stderr
    # Zero is unset: nothing to refuse.
    r = ctr(cid_of("net0"), {"network": {"classID": 0}})
    assert r.returncode == 0 and r.stderr == "", r.stderr
