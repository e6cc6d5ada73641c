# SPDX-License-Identifier: GPL-2.0-or-later
"""The quick door's resource flags (--memory, --cpus, --pids-limit... as
podman spells them) and `cella update`: limits visible in the host's cgroup
files and enforced. Root only; runs on the hybrid host and in the v2 VM
(make check-v2)."""
import json
import os
import time

import pytest

from helpers import (CG, MIB, UNIFIED, V1, cid_of, make_config, read, reap, unique_sleep,
                     v1_hier, wait_for, write_bundle)


def cg_file(cid, ctl, v1name, v2name):
    """Path of a container's limit file: v1 controller ctl's v1name, or v2name
    in the unified hierarchy."""
    if V1:
        return os.path.join(v1_hier(ctl), "cella", cid, v1name)
    return os.path.join(UNIFIED, "cella", cid, v2name)


def cpu_usage_s(cid):
    """CPU time the container's cgroup used, in seconds."""
    if V1:
        return int(read(os.path.join(v1_hier("cpuacct"), "cella", cid, "cpuacct.usage"))) / 1e9
    for line in read(os.path.join(UNIFIED, "cella", cid, "cpu.stat")).splitlines():
        k, v = line.split()
        if k == "usage_usec":
            return int(v) / 1e6
    raise AssertionError("no usage_usec in cpu.stat")


def procs_file(cid):
    """cgroup.procs of the container's last hierarchy to get its init: a v1
    one where the host has them (the runtime makes those after the clone,
    with the limits, and the init joins them then: #4e), else the unified
    one."""
    return os.path.join(v1_hier("memory") if V1 else UNIFIED, "cella", cid, "cgroup.procs")


def cgroup_dirs(cid):
    roots = [os.path.join(CG, d) for d in os.listdir(CG)] + [CG]
    return [os.path.join(r, "cella", cid) for r in roots
            if os.path.isdir(os.path.join(r, "cella", cid))]


@pytest.fixture
def quick_bg(cella):
    """Start a quick-door container in the background; at the end, kill it
    with SIGKILL through `cella kill` and wait for `cella run` to exit."""
    started = []

    def start(cid, *flags, cmd):
        p = cella.popen("run", "--name", cid, *flags, "--", *cmd)
        started.append((cid, p))
        wait_for(lambda: os.path.exists(procs_file(cid)) and read(procs_file(cid)), 30,
                 f"{cid}'s cgroup to have a process")
        return p

    yield start
    for cid, p in started:
        if p.poll() is None:
            cella.run("kill", cid, "KILL")
        p.communicate(timeout=30)
        reap()


def test_quick_memory_limit_in_host_file_and_oom(cella, quick_bg):
    cid = cid_of("qmem")
    quick_bg(cid, "--memory", "48m", "--memory-reservation", "16m",
             cmd=["sleep", unique_sleep()])
    assert int(read(cg_file(cid, "memory", "memory.limit_in_bytes", "memory.max"))) == 48 * MIB
    assert int(read(cg_file(cid, "memory", "memory.soft_limit_in_bytes",
                            "memory.low"))) == 16 * MIB
    # Over the limit, the allocation is OOM-killed.
    r = cella.run("run", "--memory", "32m", "--",
                  "sh", "-c", "echo 1000 > /proc/self/oom_score_adj; head -c 200000000 /dev/zero | tail > /dev/null; echo rc=$?")
    assert r.returncode == 137 or "rc=137" in r.stdout, (r.returncode, r.stdout, r.stderr)
    # Under it, it is not.
    r = cella.run("run", "--memory", "64m", "--",
                  "sh", "-c", "echo 1000 > /proc/self/oom_score_adj; head -c 8000000 /dev/zero | tail > /dev/null; echo rc=$?")
    assert r.returncode == 0 and "rc=0" in r.stdout, (r.returncode, r.stdout, r.stderr)


def test_quick_pids_limit(cella):
    script = "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 5 & done; echo started"
    r = cella.run("run", "--pids-limit", "6", "--", "sh", "-c", script)
    assert "can't fork" in r.stderr or "Resource temporarily unavailable" in r.stderr, r.stderr


def test_quick_cpus_keeps_a_busy_loop_near_the_quota(cella, quick_bg):
    cid = cid_of("qcpu")
    quick_bg(cid, "--cpus", "0.2", "--cpu-shares", "512",
             cmd=["sh", "-c", "while :; do :; done"])
    if V1:
        assert read(cg_file(cid, "cpu", "cpu.cfs_quota_us", None)) == "20000"
        assert read(cg_file(cid, "cpu", "cpu.cfs_period_us", None)) == "100000"
        assert read(cg_file(cid, "cpu", "cpu.shares", None)) == "512"
    else:
        assert read(cg_file(cid, "cpu", None, "cpu.max")) == "20000 100000"
        # runc's conversion: 512 shares -> weight 59
        assert read(cg_file(cid, "cpu", None, "cpu.weight")) == "59"
    time.sleep(0.3)
    u0, t0 = cpu_usage_s(cid), time.monotonic()
    time.sleep(1.0)
    u1, t1 = cpu_usage_s(cid), time.monotonic()
    ratio = (u1 - u0) / (t1 - t0)
    # 0.2 CPU; a loose bound (a busy loop alone would use 1.0).
    assert 0.05 < ratio < 0.4, ratio


def test_quick_cpuset_and_blkio(cella):
    flags = ["--cpuset-cpus", "0", "--cpuset-mems", "0"]
    r = cella.run("run", *flags, "--", "cat", "/proc/self/status")
    assert r.returncode == 0, r.stderr
    line = [x for x in r.stdout.splitlines() if x.startswith("Cpus_allowed_list:")][0]
    assert line.split()[1] == "0", line


def test_quick_bad_flag_value_is_one_line(cella):
    for flags, msg in ((["--memory", "12q"], "--memory `12q`"),
                       (["--cpus", "x"], "--cpus `x`"),
                       (["--pids-limit", "many"], "--pids-limit `many`"),
                       (["--io-weight", "5"], "--io-weight `5`")):
        r = cella.run("run", *flags, "--", "true")
        assert r.returncode != 0
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and msg in lines[0], r.stderr
    assert [e for e in cella.entries() if not e.startswith(".")] == []


def test_print_spec_has_the_resources(cella):
    r = cella.ok("run", "--memory", "1g", "--cpus", "1.5", "--pids-limit", "100",
                 "--blkio-weight", "300", "--print-spec", "--", "true")
    res = json.loads(r.stdout)["linux"]["resources"]
    assert res["memory"] == {"limit": 1 << 30}
    assert res["cpu"] == {"quota": 150000, "period": 100000}
    assert res["pids"] == {"limit": 100}
    assert res["blockIO"] == {"weight": 300}
    assert res["devices"] == [{"allow": False, "access": "rwm"}]


# ---- cella update ----

@pytest.fixture
def created(cella, tmp):
    """A created and started bundle container running a sleep; deleted (with
    --force) at the end."""
    ids = []

    def make(cid, resources=None):
        c = make_config(args=["/bin/sleep", unique_sleep()])
        c["root"]["readonly"] = False
        if resources:
            c["linux"]["resources"] = resources
        b = write_bundle(os.path.join(tmp, "bundle-" + cid), c)
        cella.ok("create", "--bundle", b, cid)
        ids.append(cid)
        cella.ok("start", cid)
        return b

    yield make
    for cid in ids:
        cella.run("delete", "--force", cid)
        assert cgroup_dirs(cid) == []


def test_exec_joiner_never_counts_in_pids_max(cella, created):
    """exec's joiner forks the process inside the container's cgroup and
    exits: the user's command starts only once the joiner is reaped, so it
    has the whole pids.max the container left it, as with runc (whose
    intermediate processes never enter the cgroup). The joiner is held 1 s
    after the fork to open the window."""
    cid = cid_of("pidsx")
    created(cid, {"pids": {"limit": 4}})
    cella.env["CELLA_FAULT"] = "exec:forked:stall1000"
    try:
        # The init, sh and its two children: 4.
        r = cella.run("exec", cid, "sh", "-c", "sleep 0.2 & sleep 0.2 & wait; echo ok")
    finally:
        del cella.env["CELLA_FAULT"]
    assert "cella: fault exec:forked" in r.stderr, r.stderr
    assert r.returncode == 0 and r.stdout.strip() == "ok", (r.returncode, r.stdout, r.stderr)


def test_update_changes_live_limits(cella, created):
    cid = cid_of("upd")
    created(cid, {"memory": {"limit": 256 * MIB}})
    mem = cg_file(cid, "memory", "memory.limit_in_bytes", "memory.max")
    assert int(read(mem)) == 256 * MIB
    # pids was not asked for at create: on v2 update enables the controller.
    cella.ok("update", "--memory", "32m", "--pids-limit", "4", cid)
    assert int(read(mem)) == 32 * MIB
    assert read(cg_file(cid, "pids", "pids.max", "pids.max")) == "4"
    # Enforced: a process joining the cgroup cannot allocate 200 MB, nor
    # fork more than the limit.
    r = cella.run("exec", cid, "sh", "-c",
                  "echo 1000 > /proc/self/oom_score_adj; head -c 200000000 /dev/zero | tail > /dev/null; echo rc=$?")
    assert r.returncode == 137 or "rc=137" in r.stdout, (r.returncode, r.stdout, r.stderr)
    r = cella.run("exec", cid, "sh", "-c",
                  "for i in 1 2 3 4 5 6; do sleep 5 & done; echo started")
    assert "can't fork" in r.stderr or "Resource temporarily unavailable" in r.stderr, r.stderr


def test_update_resources_file_and_stdin(cella, created, tmp):
    cid = cid_of("updr")
    created(cid)
    f = os.path.join(tmp, "res.json")
    with open(f, "w") as fh:
        json.dump({"pids": {"limit": 7}, "cpu": {"quota": 30000, "period": 100000}}, fh)
    # Flags win over the file, as runc.
    cella.ok("update", "--resources", f, "--pids-limit", "9", cid)
    assert read(cg_file(cid, "pids", "pids.max", "pids.max")) == "9"
    if V1:
        assert read(cg_file(cid, "cpu", "cpu.cfs_quota_us", None)) == "30000"
    else:
        assert read(cg_file(cid, "cpu", None, "cpu.max")) == "30000 100000"
    cella.ok("update", "-r", "-", cid, input='{"pids": {"limit": 11}}')
    assert read(cg_file(cid, "pids", "pids.max", "pids.max")) == "11"


def test_update_errors(cella, created, tmp):
    cid = cid_of("upde")
    created(cid)
    for args, msg in ((["--memory", "lots"], "--memory `lots`"),
                      (["--pids-limit", "x"], "--pids-limit `x`"),
                      ([], "nothing to change"),
                      (["--memory", "64m", "nosuch"], "nosuch")):
        r = cella.run("update", *args, *([cid] if args[-1:] != ["nosuch"] else []))
        assert r.returncode != 0
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and msg in lines[0], r.stderr
    # A limit the kernel refuses names the resource.
    r = cella.run("update", "--cpuset-cpus", "4095", cid)
    assert r.returncode != 0 and "linux.resources.cpu.cpus" in r.stderr, r.stderr
    f = os.path.join(tmp, "bad.json")
    with open(f, "w") as fh:
        fh.write('{"memory": {"limit": "x"}}')
    r = cella.run("update", "--resources", f, cid)
    assert r.returncode != 0 and "linux.resources.memory.limit" in r.stderr, r.stderr


# ---- devices (v1: devices.allow / devices.deny; v2: an eBPF filter) ----

V1_DEVICES = os.path.join(CG, "devices")
PURE_V2 = os.path.exists(os.path.join(CG, "cgroup.controllers"))
needs_devices = pytest.mark.skipif(
    not os.path.isdir(V1_DEVICES) and not PURE_V2,
    reason="the devices rules need the v1 devices controller or a pure cgroup v2 host")

DENY_ALL = {"allow": False, "access": "rwm"}
MKNOD_CAPS = ["CAP_MKNOD", "CAP_KILL", "CAP_AUDIT_WRITE", "CAP_NET_BIND_SERVICE"]


def devices_bundle(tmp, name, rules, script):
    c = make_config(args=["/bin/sh", "-c", script])
    c["process"]["capabilities"] = {k: list(MKNOD_CAPS)
                                    for k in ("bounding", "effective", "permitted")}
    if rules is not None:
        c["linux"]["resources"] = {"devices": rules}
    return write_bundle(os.path.join(tmp, name), c)


@needs_devices
def test_devices_deny_all_keeps_the_default_devices(cella, tmp):
    """The default spec's deny-all rule: the default devices still work (the
    runtime allows them), any other device is refused."""
    deny_id = cid_of("devdeny")
    none_id = cid_of("devnone")
    script = ("echo x > /dev/null && echo null-ok; head -c 4 /dev/urandom | wc -c; "
              "head -c 2 /dev/zero | wc -c; mknod /dev/xblk b 7 200 && echo mknod-ok; "
              "head -c 1 /dev/xblk; echo rc=$?")
    b = devices_bundle(tmp, "deny", [DENY_ALL], script)
    r = cella.run("run", "--bundle", b, deny_id)
    assert r.returncode == 0, r.stderr
    out = r.stdout.split()
    assert out[:4] == ["null-ok", "4", "2", "mknod-ok"], r.stdout
    assert "Operation not permitted" in r.stderr and "rc=1" in r.stdout, (r.stdout, r.stderr)
    # Without device rules the same open reaches the driver (no such loop
    # device: not EPERM).
    b = devices_bundle(tmp, "none", None, script)
    r = cella.run("run", "--bundle", b, none_id)
    assert "Operation not permitted" not in r.stderr, r.stderr


@needs_devices
def test_devices_deny_dev_null_write_when_asked(cella, tmp):
    cid = cid_of("devnull")
    cid2 = cid_of("devnull2")
    rules = [DENY_ALL, {"allow": False, "type": "c", "major": 1, "minor": 3, "access": "w"}]
    script = ("cat /dev/null && echo read-ok; (echo x > /dev/null) 2>/dev/null "
              "&& echo write-ok || echo write-denied; sleep " + unique_sleep())
    b = devices_bundle(tmp, "nullw", rules, script)
    if os.path.isdir(V1_DEVICES):
        cella.ok("create", "--bundle", b, cid)
        try:
            lst = read(os.path.join(V1_DEVICES, "cella", cid, "devices.list")).splitlines()
            assert "c 1:3 rm" in lst and "c 1:5 rwm" in lst and "a *:* rwm" not in lst, lst
        finally:
            cella.ok("delete", "--force", cid)
    script = ("cat /dev/null && echo read-ok; (echo x > /dev/null) 2>/dev/null "
              "&& echo write-ok || echo write-denied")
    b = devices_bundle(tmp, "nullw2", rules, script)
    r = cella.run("run", "--bundle", b, cid2)
    assert r.stdout.split() == ["read-ok", "write-denied"], (r.stdout, r.stderr)
    assert cgroup_dirs(cid) == [] and cgroup_dirs(cid2) == []


# /dev/kmsg (c 1:11) is in no default rule, and its driver lets anyone open
# it write-only: an EPERM on that open is the device filter's doing. The
# redirection opens it without writing anything.
KMSG = "mknod /dev/xkmsg c 1 11 && echo mknod-ok; (: > /dev/xkmsg) && echo open-ok"
ALLOW_KMSG = {"allow": True, "type": "c", "major": 1, "minor": 11, "access": "w"}


@needs_devices
def test_devices_char_device_outside_the_list(cella, tmp):
    """With the default rules, a char device node outside the list can be
    made (CAP_MKNOD, and `c *:* m`) but not opened; a rule allowing it makes
    the open work, and the standard devices stay usable."""
    cid = cid_of("devkmsg")
    cid2 = cid_of("devkmsg2")
    std = "head -c 2 /dev/zero | wc -c; cat /dev/null && echo null-ok; "
    b = devices_bundle(tmp, "kmsg", [DENY_ALL], std + KMSG)
    r = cella.run("run", "--bundle", b, cid)
    assert r.stdout.split() == ["2", "null-ok", "mknod-ok"], (r.stdout, r.stderr)
    assert "Operation not permitted" in r.stderr, r.stderr
    b = devices_bundle(tmp, "kmsg2", [DENY_ALL, ALLOW_KMSG], std + KMSG)
    r = cella.run("run", "--bundle", b, cid2)
    assert r.stdout.split() == ["2", "null-ok", "mknod-ok", "open-ok"], (r.stdout, r.stderr)
    assert "Operation not permitted" not in r.stderr, r.stderr
    assert cgroup_dirs(cid) == [] and cgroup_dirs(cid2) == []


@needs_devices
def test_devices_deny_all_denies_linux_devices_nodes(cella, tmp):
    """A node of linux.devices is created, but the cgroup rules alone decide
    whether it opens (as runc): after a deny-all with no rule for it,
    /dev/kmsg does not open for writing; with a rule, it does."""
    script = "test -c /dev/kmsg && echo node-ok; (: > /dev/kmsg) && echo open-ok"
    kmsg = {"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11, "fileMode": 0o620,
            "uid": 0, "gid": 0}
    for name, rules, want in (("kdeny", [DENY_ALL], ["node-ok"]),
                              ("kallow", [DENY_ALL, ALLOW_KMSG], ["node-ok", "open-ok"])):
        b = devices_bundle(tmp, name, rules, script)
        c = json.load(open(os.path.join(b, "config.json")))
        c["linux"]["devices"] = [kmsg]
        write_bundle(b, c)
        r = cella.run("run", "--bundle", b, cid_of(name))
        assert r.stdout.split() == want, (name, r.stdout, r.stderr)
        assert cgroup_dirs(cid_of(name)) == []


@needs_devices
def test_devices_update_changes_the_rules_live(cella, tmp):
    """`cella update` with device rules: the new rules replace the old ones
    while the container runs (v2: the new filter is attached before the old
    one is detached)."""
    cid = cid_of("devupd")
    b = devices_bundle(tmp, "upd", [DENY_ALL],
                       "mknod /dev/xkmsg c 1 11; sleep " + unique_sleep())
    probe = ["sh", "-c", "(: > /dev/xkmsg) && echo open-ok; cat /dev/null && echo null-ok"]
    cella.ok("create", "--bundle", b, cid)
    try:
        cella.ok("start", cid)
        wait_for(lambda: cella.run("exec", cid, "test", "-c", "/dev/xkmsg").returncode == 0,
                 what="the device node")
        r = cella.run("exec", cid, *probe)
        assert r.stdout.split() == ["null-ok"], (r.stdout, r.stderr)
        assert "Operation not permitted" in r.stderr, r.stderr
        r = cella.run("update", "-r", "-", cid,
                      input=json.dumps({"devices": [DENY_ALL, ALLOW_KMSG]}))
        assert r.returncode == 0, r.stderr
        r = cella.run("exec", cid, *probe)
        assert r.stdout.split() == ["open-ok", "null-ok"], (r.stdout, r.stderr)
        # And back: only the standard devices.
        cella.ok("update", "-r", "-", cid, input=json.dumps({"devices": [DENY_ALL]}))
        r = cella.run("exec", cid, *probe)
        assert r.stdout.split() == ["null-ok"], (r.stdout, r.stderr)
        assert "Operation not permitted" in r.stderr, r.stderr
    finally:
        cella.run("delete", "--force", cid)
    assert cgroup_dirs(cid) == []


def test_devices_bad_rule_names_the_field(cella, tmp):
    cid = cid_of("devbad")
    b = devices_bundle(tmp, "bad", [{"allow": False, "access": "rwx"}], "true")
    r = cella.run("run", "--bundle", b, cid)
    assert r.returncode != 0
    assert "linux.resources.devices[0].access" in r.stderr, r.stderr
    assert cgroup_dirs(cid) == []


# ---- cpu realtime and idle, disableOOMKiller ----

def test_realtime_runtime_lets_a_fifo_process_run(cella, created, tmp):
    """v1 real-time group scheduling: with cpu.realtimeRuntime the container
    may run SCHED_FIFO (without it, sched_setattr fails in a cgroup whose
    rt_runtime_us is 0). v2 has no real-time groups: a clear error."""
    cid_v2 = cid_of("rt-v2")
    cid = cid_of("rt")
    res = {"cpu": {"realtimeRuntime": 20000, "realtimePeriod": 1000000}}
    if not V1:
        c = make_config(args=["/bin/true"])
        c["linux"]["resources"] = res
        b = write_bundle(os.path.join(tmp, "rt"), c)
        r = cella.run("run", "--bundle", b, cid_v2)
        assert r.returncode == 1 and "realtimeRuntime" in r.stderr and "v2" in r.stderr, r.stderr
        assert cella.entries() == []
        return
    if not os.path.exists(os.path.join(v1_hier("cpu"), "cpu.rt_runtime_us")):
        pytest.skip("no real-time group scheduling (CONFIG_RT_GROUP_SCHED) in this kernel")
    c = make_config(args=["/bin/sleep", unique_sleep()])
    c["linux"]["resources"] = res
    c["process"]["scheduler"] = {"policy": "SCHED_FIFO", "priority": 1}
    b = write_bundle(os.path.join(tmp, "rtb"), c)
    cella.ok("create", "--bundle", b, cid)
    try:
        cella.ok("start", cid)
        pid = cella.state(cid)["pid"]
        assert os.sched_getscheduler(pid) == os.SCHED_FIFO
        d = os.path.join(v1_hier("cpu"), "cella", cid)
        assert read(os.path.join(d, "cpu.rt_runtime_us")) == "20000"
        assert read(os.path.join(d, "cpu.rt_period_us")) == "1000000"
    finally:
        cella.run("delete", "--force", cid)


def test_cpu_idle_and_disable_oom_killer(cella, created):
    cid = cid_of("idle")
    created(cid, {"cpu": {"idle": 1},
                     "memory": {"limit": 64 * MIB, "disableOOMKiller": True}})
    assert read(cg_file(cid, "cpu", "cpu.idle", "cpu.idle")) == "1"
    if V1:
        oom = read(os.path.join(v1_hier("memory"), "cella", cid, "memory.oom_control"))
        assert "oom_kill_disable 1" in oom.splitlines()
    r = cella.run("update", "-r", "-", cid, input=json.dumps({"cpu": {"idle": 0}}))
    assert r.returncode == 0, r.stderr
    assert read(cg_file(cid, "cpu", "cpu.idle", "cpu.idle")) == "0"


def test_cpu_idle_out_of_range_names_the_field(cella, tmp):
    cid = cid_of("idlebad")
    c = make_config(args=["/bin/true"])
    c["linux"]["resources"] = {"cpu": {"idle": 2}}
    b = write_bundle(os.path.join(tmp, "bad"), c)
    r = cella.run("run", "--bundle", b, cid)
    assert r.returncode == 1 and "linux.resources.cpu.idle" in r.stderr, r.stderr
    assert cella.entries() == []
