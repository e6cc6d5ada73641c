# SPDX-License-Identifier: GPL-2.0-or-later
"""process.scheduler, process.ioPriority and linux.personality: applied to the
container's process and to `exec`'s, read back from the host (sched_getscheduler,
getpriority, ioprio_get on the host pid) or inside (uname -m); bad values fail
with exit 1 and one line naming the JSON path, leaving nothing behind (the
leak check in conftest.py looks for processes, mounts and cgroups)."""
import contextlib
import ctypes
import json
import os
import platform
import signal

import pytest

from helpers import cid_of, make_config, unique_sleep, write_bundle

_libc = ctypes.CDLL(None, use_errno=True)
SYS_IOPRIO_GET = {"x86_64": 252, "aarch64": 31}.get(platform.machine())
IOPRIO_WHO_PROCESS = 1
IOPRIO_CLASS = {"IOPRIO_CLASS_RT": 1, "IOPRIO_CLASS_BE": 2, "IOPRIO_CLASS_IDLE": 3}
# cpu.rt_runtime_us: real-time group scheduling, where a new cgroup has no
# real-time runtime (0) until it is given some.
RT_GROUP_SCHED = os.path.exists("/sys/fs/cgroup/cpu/cpu.rt_runtime_us")


def ioprio(pid):
    """(class, level) of a process, by ioprio_get(IOPRIO_WHO_PROCESS, pid)."""
    if SYS_IOPRIO_GET is None:
        pytest.skip(f"no ioprio_get number for {platform.machine()}")
    r = _libc.syscall(SYS_IOPRIO_GET, IOPRIO_WHO_PROCESS, pid)
    if r < 0:
        raise OSError(ctypes.get_errno(), "ioprio_get")
    return r >> 13, r & 0x7


def one_error_line(r, *needles, code=1):
    assert r.returncode == code, (r.returncode, r.stderr)
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("cella: "), r.stderr
    for n in needles:
        assert n in lines[0], lines[0]
    return lines[0]


def config(args=None, process=None, linux=None):
    c = make_config(args=args or ["/probe", "sleep", unique_sleep()])
    c["process"].update(process or {})
    c["linux"].update(linux or {})
    return c


@contextlib.contextmanager
def detached(cella, tmp, cid, cfg, *global_flags):
    """A running container (`run --detach`); yields its init's host pid."""
    b = write_bundle(os.path.join(tmp, cid), cfg)
    cella.ok(*global_flags, "run", "--bundle", b, "--detach", cid)
    try:
        yield cella.state(cid)["pid"]
    finally:
        cella.run("delete", "--force", cid)


@contextlib.contextmanager
def exec_detached(cella, tmp, cid, process):
    """An `exec --detach --process FILE` process; yields its host pid, and
    kills and reaps it after (we are its subreaper)."""
    path = os.path.join(tmp, "process.json")
    pidfile = os.path.join(tmp, "exec.pid")
    proc = {"args": ["/probe", "sleep", unique_sleep()], "cwd": "/",
            "user": {"uid": 0, "gid": 0}}
    proc.update(process)
    with open(path, "w") as f:
        json.dump(proc, f)
    cella.ok("exec", "--detach", "--pid-file", pidfile, "--process", path, cid)
    with open(pidfile) as f:
        pid = int(f.read())
    try:
        yield pid
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


# ---- linux.personality ----

@pytest.mark.skipif(platform.machine() != "x86_64", reason="uname -m values for x86_64")
@pytest.mark.parametrize("domain,machine", [("LINUX32", "i686"), ("LINUX", "x86_64")])
def test_personality_uname(cella, tmp, domain, machine):
    cid = cid_of("h4-pers")
    c = config(args=["uname", "-m"], linux={"personality": {"domain": domain}})
    r = cella.run("run", "--bundle", write_bundle(os.path.join(tmp, "b"), c), cid)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == machine


@pytest.mark.skipif(platform.machine() != "x86_64", reason="uname -m values for x86_64")
def test_personality_exec(cella, tmp):
    """exec's process runs in the container's execution domain too (as runc)."""
    cid = cid_of("h4-pers-exec")
    c = config(linux={"personality": {"domain": "LINUX32", "flags": []}})
    with detached(cella, tmp, cid, c):
        r = cella.run("exec", cid, "uname", "-m")
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == "i686"


# ---- process.ioPriority ----

@pytest.mark.parametrize("klass,level", [("IOPRIO_CLASS_BE", 6), ("IOPRIO_CLASS_IDLE", 0),
                                         ("IOPRIO_CLASS_RT", 2)])
def test_io_priority(cella, tmp, klass, level):
    cid = cid_of("h4-ioprio")
    c = config(process={"ioPriority": {"class": klass, "priority": level}})
    with detached(cella, tmp, cid, c) as pid:
        assert ioprio(pid) == (IOPRIO_CLASS[klass], level)


def test_io_priority_exec(cella, tmp):
    cid = cid_of("h4-ioprio-exec")
    with detached(cella, tmp, cid, config()) as init:
        before = ioprio(init)
        with exec_detached(cella, tmp, cid,
                           {"ioPriority": {"class": "IOPRIO_CLASS_BE", "priority": 1}}) as pid:
            assert ioprio(pid) == (IOPRIO_CLASS["IOPRIO_CLASS_BE"], 1)
        assert ioprio(init) == before


# ---- process.scheduler ----

def test_scheduler_batch_nice(cella, tmp):
    cid = cid_of("h4-sched")
    c = config(process={"scheduler": {"policy": "SCHED_BATCH", "nice": 5}})
    with detached(cella, tmp, cid, c) as pid:
        assert os.sched_getscheduler(pid) == os.SCHED_BATCH
        assert os.getpriority(os.PRIO_PROCESS, pid) == 5
        with open(f"/proc/{pid}/sched") as f:
            sched = {k.strip(): v.strip() for k, v in
                     (line.split(":", 1) for line in f if line.count(":") == 1)}
        assert int(sched["policy"]) == os.SCHED_BATCH
        assert int(sched["prio"]) == 120 + 5


def test_scheduler_idle_reset_on_fork(cella, tmp):
    cid = cid_of("h4-sched-idle")
    c = config(process={"scheduler": {"policy": "SCHED_IDLE",
                                      "flags": ["SCHED_FLAG_RESET_ON_FORK"]}})
    with detached(cella, tmp, cid, c) as pid:
        assert os.sched_getscheduler(pid) == os.SCHED_IDLE | os.SCHED_RESET_ON_FORK


def test_scheduler_fifo(cella, tmp):
    """Real-time: in the runtime's own cgroup (--cgroup-manager disabled), which
    has real-time runtime where group scheduling would give a new one none."""
    cid = cid_of("h4-fifo")
    c = config(process={"scheduler": {"policy": "SCHED_FIFO", "priority": 1}})
    with detached(cella, tmp, cid, c, "--cgroup-manager", "disabled") as pid:
        assert os.sched_getscheduler(pid) == os.SCHED_FIFO
        assert os.sched_getparam(pid).sched_priority == 1


@pytest.mark.skipif(not RT_GROUP_SCHED, reason="no real-time group scheduling")
@pytest.mark.parametrize("door", ["create", "run"])
def test_scheduler_fifo_without_rt_runtime(cella, tmp, door):
    """A container cgroup without real-time runtime: the kernel refuses, the
    message says why, and create leaves nothing behind."""
    cid = cid_of("h4-rr")
    c = config(process={"scheduler": {"policy": "SCHED_RR", "priority": 3}})
    r = cella.run(door, "--bundle", write_bundle(os.path.join(tmp, "b"), c), cid)
    one_error_line(r, "process.scheduler: set SCHED_RR priority 3", "real-time runtime",
                   "Operation not permitted")
    assert cella.entries() == []


def test_scheduler_iso_refused_by_kernel(cella, tmp):
    cid = cid_of("h4-iso")
    c = config(process={"scheduler": {"policy": "SCHED_ISO"}})
    r = cella.run("run", "--bundle", write_bundle(os.path.join(tmp, "b"), c), cid)
    one_error_line(r, "process.scheduler: set SCHED_ISO", "Linux does not implement it")
    assert cella.entries() == []


def test_scheduler_exec(cella, tmp):
    cid = cid_of("h4-sched-exec")
    with detached(cella, tmp, cid, config()) as init:
        with exec_detached(cella, tmp, cid,
                           {"scheduler": {"policy": "SCHED_BATCH", "nice": 7}}) as pid:
            assert os.sched_getscheduler(pid) == os.SCHED_BATCH
            assert os.getpriority(os.PRIO_PROCESS, pid) == 7
        assert os.sched_getscheduler(init) == os.SCHED_OTHER
        assert os.getpriority(os.PRIO_PROCESS, init) == 0


def test_scheduler_exec_reset_on_fork(cella, tmp):
    """The exec process is forked by a joiner that has given up its
    privileges (issue 9): a reset-on-fork scheduler set there would be lost
    in the fork; the runtime sets it on the process itself."""
    cid = cid_of("h4-sched-rof")
    with detached(cella, tmp, cid, config()):
        with exec_detached(cella, tmp, cid,
                           {"scheduler": {"policy": "SCHED_IDLE",
                                          "flags": ["SCHED_FLAG_RESET_ON_FORK"]}}) as pid:
            assert os.sched_getscheduler(pid) == os.SCHED_IDLE | os.SCHED_RESET_ON_FORK


def cpus_allowed(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("Cpus_allowed_list:"):
                return line.split()[1]
    return None


@pytest.mark.skipif(os.cpu_count() < 2, reason="needs two CPUs")
def test_exec_cpu_affinity(cella, tmp):
    """process.execCPUAffinity: exec processes only (not the init); final
    holds once the process is in the container's cgroup."""
    cid = cid_of("h4-aff")
    cfg = config(process={"execCPUAffinity": {"final": "1"}})
    with detached(cella, tmp, cid, cfg) as init:
        assert cpus_allowed(init) == cpus_allowed(os.getpid())
        with exec_detached(cella, tmp, cid, {"execCPUAffinity": {"final": "1"}}) as pid:
            assert cpus_allowed(pid) == "1"
        with exec_detached(cella, tmp, cid,
                           {"execCPUAffinity": {"initial": "1", "final": "0"}}) as pid:
            assert cpus_allowed(pid) == "0"
        # Without --process, exec takes the config's process, affinity too.
        r = cella.run("exec", cid, "grep", "Cpus_allowed_list", "/proc/self/status")
        assert r.returncode == 0 and r.stdout.split()[-1] == "1", r.stdout


@pytest.mark.skipif(os.cpu_count() < 2, reason="needs two CPUs")
def test_exec_cpu_affinity_initial(cella, tmp):
    """The initial CPUs hold until the move into the container's cgroup
    (where a cpuset resets them): without a cgroup, they are the ones the
    process keeps."""
    cid = cid_of("h4-aff-init")
    with detached(cella, tmp, cid, config(), "--cgroup-manager", "disabled"):
        with exec_detached(cella, tmp, cid,
                           {"execCPUAffinity": {"initial": "1"}}) as pid:
            assert cpus_allowed(pid) == "1"


def test_exec_bad_cpu_affinity(cella, tmp):
    cid = cid_of("h4-aff-bad")
    path = os.path.join(tmp, "process.json")
    with open(path, "w") as f:
        f.write('{"args": ["/probe"], "cwd": "/", "user": {"uid": 0, "gid": 0},\n'
                ' "execCPUAffinity": {"initial": "2-1"}}\n')
    with detached(cella, tmp, cid, config()):
        r = cella.run("exec", "--process", path, cid)
        one_error_line(r, "process.json:2:", "execCPUAffinity.initial: `2-1`", code=255)
        assert cella.status(cid) == "running"


def test_exec_bad_scheduler(cella, tmp):
    cid = cid_of("h4-sched-bad")
    path = os.path.join(tmp, "process.json")
    with open(path, "w") as f:
        f.write('{"args": ["/probe"], "cwd": "/", "user": {"uid": 0, "gid": 0},\n'
                ' "scheduler": {"policy": "SCHED_RR", "priority": 0}}\n')
    with detached(cella, tmp, cid, config()):
        r = cella.run("exec", "--process", path, cid)
        one_error_line(r, "process.json:2:", "scheduler.priority: SCHED_RR needs a priority",
                       code=255)
        assert cella.status(cid) == "running"


# ---- bad input ----

BAD = {
    "policy-unknown": ("process", "scheduler", {"policy": "SCHED_FAST"},
                       "process.scheduler.policy: unknown policy `SCHED_FAST`"),
    "policy-missing": ("process", "scheduler", {"nice": 1},
                       "process.scheduler.policy: required field is missing"),
    "nice-range": ("process", "scheduler", {"policy": "SCHED_BATCH", "nice": 25},
                   "process.scheduler.nice: 25 is out of range (-20 to 19)"),
    "nice-rt": ("process", "scheduler", {"policy": "SCHED_RR", "priority": 1, "nice": 2},
                "process.scheduler.nice: only SCHED_OTHER and SCHED_BATCH"),
    "fifo-no-priority": ("process", "scheduler", {"policy": "SCHED_FIFO"},
                         "process.scheduler.priority: SCHED_FIFO needs a priority from 1 to 99"),
    "priority-other": ("process", "scheduler", {"policy": "SCHED_OTHER", "priority": 5},
                       "process.scheduler.priority: only SCHED_FIFO and SCHED_RR"),
    "flag-unknown": ("process", "scheduler", {"policy": "SCHED_OTHER", "flags": ["X"]},
                     "process.scheduler.flags[0]: unknown flag `X`"),
    "runtime-not-deadline": ("process", "scheduler", {"policy": "SCHED_OTHER", "runtime": 5},
                             "process.scheduler.runtime: only SCHED_DEADLINE"),
    "deadline-runtime": ("process", "scheduler", {"policy": "SCHED_DEADLINE", "runtime": 1},
                         "process.scheduler.runtime: SCHED_DEADLINE needs a runtime"),
    "ioprio-class": ("process", "ioPriority", {"class": "IOPRIO_CLASS_X", "priority": 1},
                     "process.ioPriority.class: unknown class `IOPRIO_CLASS_X`"),
    "ioprio-level": ("process", "ioPriority", {"class": "IOPRIO_CLASS_BE", "priority": 8},
                     "process.ioPriority.priority: 8 is out of range (0 to 7)"),
    "ioprio-no-level": ("process", "ioPriority", {"class": "IOPRIO_CLASS_BE"},
                        "process.ioPriority.priority: required field is missing"),
    "ioprio-not-object": ("process", "ioPriority", "IOPRIO_CLASS_BE",
                          "process.ioPriority: expected an object"),
    "domain-unknown": ("linux", "personality", {"domain": "PER_BSD"},
                       "linux.personality.domain: unknown domain `PER_BSD`"),
    "domain-missing": ("linux", "personality", {},
                       "linux.personality.domain: required field is missing"),
    "personality-flag": ("linux", "personality", {"domain": "LINUX", "flags": ["MMAP_PAGE_ZERO"]},
                         "linux.personality.flags[0]: unsupported flag `MMAP_PAGE_ZERO`"),
}


@pytest.mark.parametrize("door", ["create", "run"])
@pytest.mark.parametrize("case", list(BAD))
def test_bad_input(cella, tmp, case, door):
    cid = cid_of("h4-bad")
    section, key, value, needle = BAD[case]
    c = config()
    c[section][key] = value
    r = cella.run(door, "--bundle", write_bundle(os.path.join(tmp, "b"), c), cid)
    one_error_line(r, "config.json:", needle)
    assert cella.entries() == []
