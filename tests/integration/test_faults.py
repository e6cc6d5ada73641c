# SPDX-License-Identifier: GPL-2.0-or-later
"""Fault injection (util/fault.h): cella, or one of its children, SIGKILLs
itself or fails a step at each numbered sync point and named step of create,
start, run, exec and delete. After each: no hang, `delete --force` leaves
nothing (state, cgroups in every hierarchy, mounts, processes), and the same
id can be created again."""
import fcntl
import json
import os
import random
import shutil
import signal
import subprocess
import time

import pytest

from helpers import (ROOTFS, children, cid_of, make_config, mountinfo, pid_exists, reap,
                     wait_for, write_bundle)

# create (and run, which creates the same way): in order.
CREATE_POINTS = ["create:state", "create:cgroup", "create:3", "init:cgroup", "init:4", "create:4",
                 "init:6", "create:6", "create:statewritten", "init:7", "create:7"]
# On a host with v1 hierarchies the runtime makes the cgroup there after it
# cloned the init, while the init makes its mounts (#4e).
if any(os.path.exists(os.path.join("/sys/fs/cgroup", d, "tasks"))
       for d in os.listdir("/sys/fs/cgroup")):
    CREATE_POINTS.insert(CREATE_POINTS.index("create:3") + 1, "create:cgroup-rest")
# A new user namespace without a stage 1: the runtime clones the init into
# it and writes its maps (#2).
USERNS_POINTS = ["create:2", "init:2"]
# Only with a stage 1, which time offsets need (and a namespace joined by
# path); without one the runtime clones the init straight into its
# namespaces. With a user namespace, #1 and #2 are stage 1's.
# (init:started, in the init that create left, is walked by test_run, where
# the runtime that set CELLA_FAULT is the one that starts it.)
STAGE1_POINTS = ["stage1:start", "create:1", "stage1:2", "stage1:forked"]
START_POINTS = ["start:byte", "init:started", "start:exec"]
EXEC_POINTS = ["exec:forked", "exec:3"]
DELETE_POINTS = ["delete:killed", "delete:cgroup"]
ACTIONS = ["kill", "fail"]
HANG = 60  # seconds: far above any step; a hang fails the test


def cgroup_dirs(cid):
    """Every directory named cid in any cgroup hierarchy, under /cella."""
    base = "/sys/fs/cgroup"
    roots = [base] + [os.path.join(base, d) for d in os.listdir(base)]
    return [os.path.join(r, "cella", cid) for r in roots
            if os.path.isdir(os.path.join(r, "cella", cid))]


def no_children():
    reap()
    return not {p for p, s in children().items() if s != "Z"}


def check_clean(cella, cid, mounts_before, tmp):
    """delete --force leaves nothing, and the id can be created again."""
    # We are the subreaper of what a killed cella left: reap it while the
    # delete runs, as the host's init would (a pid namespace's init waits
    # for its processes that were moved out to be reaped before it dies).
    p = cella.popen("delete", "--force", cid)
    deadline = time.monotonic() + HANG
    while p.poll() is None and time.monotonic() < deadline:
        reap(exclude=(p.pid,))
        time.sleep(0.02)
    out, err = p.communicate(timeout=HANG)
    assert p.returncode == 0, err
    assert cid not in cella.entries()
    assert cgroup_dirs(cid) == []
    wait_for(no_children, 10, "the processes of a killed cella to die")
    # Ours only: other users of the host mount things too.
    new = [mp for mid, mp in mountinfo().items() if mid not in mounts_before and (
        mp.startswith(tmp) or mp.startswith(ROOTFS) or cid in mp)]
    assert new == []
    b = write_bundle(os.path.join(tmp, "again"), make_config(args=["/bin/true"]))
    cella.ok("create", "--bundle", b, cid, timeout=HANG)
    cella.ok("delete", "--force", cid, timeout=HANG)
    assert cgroup_dirs(cid) == []


def faulty(cella, point, action, *args):
    saved = dict(cella.env)
    cella.env["CELLA_FAULT"] = f"{point}:{action}"
    try:
        r = cella.run(*args, timeout=HANG)
    except subprocess.TimeoutExpired:
        pytest.fail(f"cella {args[0]} hangs after a fault at {point} ({action})")
    finally:
        cella.env = saved
    assert f"cella: fault {point}" in r.stderr, f"the fault at {point} never fired: {r.stderr}"
    return r


def popen_faulty(cella, fault, *args, **kw):
    """cella ARGS started with CELLA_FAULT=fault (POINT:ACTION[,...])."""
    saved = dict(cella.env)
    cella.env["CELLA_FAULT"] = fault
    try:
        return cella.popen(*args, **kw)
    finally:
        cella.env = saved


def state_pid(cella, cid):
    """The init's pid in cid's state, 0 before the state names it."""
    try:
        with open(os.path.join(cella.root, cid, "state.json")) as f:
            return json.load(f).get("pid", 0)
    except (OSError, ValueError):
        return 0


def new_id():
    return cid_of(f"flt{random.randrange(10**6):06d}")


def stage1_config(args):
    """A user namespace and time offsets: the runtime forks a stage 1."""
    c = make_config(args=args, rootless=(0, 0))
    c["linux"]["namespaces"].append({"type": "time"})
    c["linux"]["timeOffsets"] = {"monotonic": {"secs": 5, "nanosecs": 0}}
    return c


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("point", CREATE_POINTS + USERNS_POINTS + STAGE1_POINTS)
def test_create(cella, tmp, point, action):
    args = ["/bin/sleep", "100"]
    if point in STAGE1_POINTS:
        config = stage1_config(args)
    else:
        config = make_config(args=args, rootless=(0, 0) if point in USERNS_POINTS else None)
    b = write_bundle(os.path.join(tmp, "b"), config)
    cid = new_id()
    before = mountinfo()
    r = faulty(cella, point, action, "create", "--bundle", b, cid)
    if action == "fail" and not point.startswith("create:7"):
        assert r.returncode != 0
        assert "injected fault at " + point in r.stderr
        # A failed create removes everything itself.
        assert cid not in cella.entries()
        assert cgroup_dirs(cid) == []
    check_clean(cella, cid, before, tmp)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("point", CREATE_POINTS + START_POINTS)
def test_run(cella, tmp, point, action):
    b = write_bundle(os.path.join(tmp, "b"), make_config(args=["/bin/true"]))
    cid = new_id()
    before = mountinfo()
    faulty(cella, point, action, "run", "--bundle", b, cid)
    check_clean(cella, cid, before, tmp)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("point", [p for p in START_POINTS if p.startswith("start:")])
def test_start(cella, tmp, point, action):
    b = write_bundle(os.path.join(tmp, "b"), make_config(args=["/bin/sleep", "100"]))
    cid = new_id()
    before = mountinfo()
    cella.ok("create", "--bundle", b, cid)
    faulty(cella, point, action, "start", cid)
    check_clean(cella, cid, before, tmp)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("point", EXEC_POINTS)
def test_exec(cella, tmp, point, action):
    b = write_bundle(os.path.join(tmp, "b"), make_config(args=["/bin/sleep", "100"]))
    cid = new_id()
    before = mountinfo()
    cella.ok("run", "--detach", "--bundle", b, cid)
    r = faulty(cella, point, action, "exec", cid, "/bin/sleep", "100")
    assert r.returncode != 0
    # The container itself is untouched.
    assert cella.status(cid) == "running"
    check_clean(cella, cid, before, tmp)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("point", DELETE_POINTS)
def test_delete(cella, tmp, point, action):
    b = write_bundle(os.path.join(tmp, "b"), make_config(args=["/bin/sleep", "100"]))
    cid = new_id()
    before = mountinfo()
    cella.ok("run", "--detach", "--bundle", b, cid)
    faulty(cella, point, action, "delete", "--force", cid)
    check_clean(cella, cid, before, tmp)


@pytest.mark.parametrize("point", ["create:state", "create:cgroup", "create:3",
                                   "create:6"])
def test_create_again_after_crash(cella, tmp, point):
    """A create killed before the state named its init leaves a state that
    says so (pid 0, its creator gone): the next create of the id removes
    those leftovers and goes on (`create cgroup ...: File exists` before)."""
    b = write_bundle(os.path.join(tmp, "b"), make_config(args=["/bin/true"]))
    cid = new_id()
    faulty(cella, point, "kill", "create", "--bundle", b, cid)
    reap()
    assert cella.status(cid) == "stopped"
    cella.ok("create", "--bundle", b, cid, timeout=HANG)
    assert cella.status(cid) == "created"
    cella.ok("delete", "--force", cid, timeout=HANG)
    assert cgroup_dirs(cid) == []


def test_deadlock_first_child_dies_before_3(cella, tmp):
    """The deadlock of issue 13: stage 1 dies between forking the init and
    sending #3. The init waited for #4 and the runtime for #3, forever."""
    b = write_bundle(os.path.join(tmp, "b"), stage1_config(["/bin/true"]))
    cid = new_id()
    r = faulty(cella, "stage1:forked", "kill", "create", "--bundle", b, cid)
    assert r.returncode != 0
    assert ("sync #3 (the container init's pid, or its namespaces made): the setup process "
            "(stage 1) exited") in r.stderr
    assert cid not in cella.entries()
    assert cgroup_dirs(cid) == []


def test_emfile_is_not_a_dead_container(cella, tmp):
    """EMFILE on /proc/PID/stat is an error, not a stopped container (which
    `start` then refused as `stopped, not created`)."""
    strace = shutil.which("strace")
    if strace is None:
        pytest.skip("strace is missing")
    b = write_bundle(os.path.join(tmp, "b"), make_config(args=["/bin/true"]))
    cid = new_id()
    cella.ok("create", "--bundle", b, cid)
    pid = cella.state(cid)["pid"]
    argv = [strace, "-f", "-qq", "-o", "/dev/null", "-P", f"/proc/{pid}/stat",
            "-e", "trace=openat", "-e", "inject=openat:error=EMFILE"]
    for cmd in (["state", cid], ["start", cid]):
        r = subprocess.run(argv + cella.argv(*cmd), capture_output=True, text=True,
                           timeout=HANG)
        assert r.returncode != 0, r.stdout
        assert f"open `/proc/{pid}/stat`: Too many open files" in r.stderr
    assert cella.status(cid) == "created"
    cella.ok("delete", "--force", cid)


def test_deleted_while_waiting_for_the_lock(cella, tmp):
    """A command that waited for the lock of a container deleted meanwhile
    says that it does not exist (not `has no cgroup (it runs rootless)`,
    from a state directory taken for one being created)."""
    b = write_bundle(os.path.join(tmp, "b"), make_config(args=["/bin/true"]))
    cid = new_id()
    cella.ok("create", "--bundle", b, cid)
    d = os.path.join(cella.root, cid)
    saved = os.path.join(tmp, "saved")
    os.mkdir(saved)
    fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        waiter = cella.popen("ps", cid)

        def holds_dir():
            fds = f"/proc/{waiter.pid}/fd"
            try:
                return any(os.readlink(os.path.join(fds, f)) == d for f in os.listdir(fds))
            except OSError:
                return False
        wait_for(holds_dir, 10, "ps to open the state directory")
        # What delete does under the lock (the files kept, to clean up).
        for f in os.listdir(d):
            os.rename(os.path.join(d, f), os.path.join(saved, f))
        os.rmdir(d)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    out, err = waiter.communicate(timeout=HANG)
    assert waiter.returncode != 0
    assert f"container `{cid}` does not exist" in err
    os.mkdir(d, 0o700)
    for f in os.listdir(saved):
        os.rename(os.path.join(saved, f), os.path.join(d, f))
    cella.ok("delete", "--force", cid)


def test_oom_during_setup_is_reported(cella, tmp):
    """A memory limit too small to set the container up in: the OOM killer
    is named, not `the container's init exited unexpectedly`."""
    c = make_config(args=["/bin/true"])
    c["linux"]["resources"] = {"memory": {"limit": 4096}}
    b = write_bundle(os.path.join(tmp, "b"), c)
    cid = new_id()
    r = cella.run("create", "--bundle", b, cid, timeout=HANG)
    assert r.returncode != 0
    assert "killed by the OOM killer during setup" in r.stderr, r.stderr
    assert "linux.resources.memory.limit 4096" in r.stderr
    assert cid not in cella.entries()
    assert cgroup_dirs(cid) == []


def test_start_of_a_short_lived_process(cella, tmp):
    """`start` saw its byte unread, then the process dead: it had taken the
    byte, run and exited in between (`container died before it started: No
    such process`, one cycle in a thousand). Here the init waits 0.5 s
    before it reads the byte, and `run`'s start 3 s after it saw it unread:
    the process runs and exits in that window. (A hook keeps `run` on the
    exec fifo, whose wait this is, instead of its start pipe.)"""
    config = make_config(args=["/bin/true"])
    config["hooks"] = {"poststop": [{"path": "/bin/true"}]}
    b = write_bundle(os.path.join(tmp, "b"), config)
    fired = False
    for _ in range(5):
        cid = new_id()
        cella.env["CELLA_FAULT"] = "init:7:stall500,start:waiting:stall3000"
        try:
            r = cella.run("run", "--bundle", b, cid, timeout=HANG)
        finally:
            del cella.env["CELLA_FAULT"]
        assert r.returncode == 0, r.stderr
        fired = "cella: fault start:waiting" in r.stderr
        if fired:
            break
    assert fired


def test_init_stuck_in_its_setup_dies_with_a_killed_runtime(cella, tmp):
    """The runtime killed while the init it cloned is still making its
    mounts (stopped here, as by a mount that hangs; on a host with v1
    hierarchies before they are made, #4e): the init dies with it, and
    delete --force leaves nothing."""
    b = write_bundle(os.path.join(tmp, "b"), make_config(args=["/bin/sleep", "100"]))
    cid = new_id()
    before = mountinfo()
    p = popen_faulty(cella, "create:3:stall3000", "create", "--bundle", b, cid,
                     stderr=subprocess.DEVNULL)
    init = []
    wait_for(lambda: init.extend(children(p.pid)) or init, 10, "the init to be cloned")
    time.sleep(0.3)
    os.kill(init[0], signal.SIGSTOP)
    p.kill()
    p.wait()
    wait_for(lambda: reap() or not pid_exists(init[0]), 10, "the stopped init to die")
    check_clean(cella, cid, before, tmp)


def test_stuck_peer_times_out_naming_the_step(cella, tmp):
    """A party alive but stuck: the wait ends at the step's deadline
    (CELLA_SYNC_TIMEOUT seconds), with an error naming the step, and
    nothing is left."""
    b = write_bundle(os.path.join(tmp, "b"), make_config(args=["/bin/true"]))
    cid = new_id()
    cella.env["CELLA_SYNC_TIMEOUT"] = "2"
    try:
        r = faulty(cella, "init:6", "stall10000", "create", "--bundle", b, cid)
    finally:
        del cella.env["CELLA_SYNC_TIMEOUT"]
    assert r.returncode != 0
    assert ("sync #6 (created, waiting for start): nothing from the container's init "
            "in 2 s") in r.stderr, r.stderr
    assert cid not in cella.entries()
    assert cgroup_dirs(cid) == []


def test_run_starts_through_a_pipe_unless_something_may_ask(cella, tmp):
    """`run` starts what it created itself: without hooks the start byte
    goes through a pipe, and no exec.fifo is made (an inode less, as
    crun's `run`); with a hook, which may ask for the status and expect
    `created`, the fifo is there while the init waits. Seen while the
    runtime stalls after #7 (the state names the init, which waits).
    `state` waits for run's lock, held until the start is done; `list`
    does not wait, and sees the container running from #7 on without the
    fifo."""
    def seen_while_waiting(config):
        b = write_bundle(os.path.join(tmp, f"b{random.randrange(10**6)}"), config)
        cid = new_id()
        p = popen_faulty(cella, "create:7:stall1500", "run", "--bundle", b, cid,
                         stdout=subprocess.DEVNULL)
        wait_for(lambda: state_pid(cella, cid), 10, "the state to name the init")
        files = sorted(os.listdir(os.path.join(cella.root, cid)))
        # list reads without the lock that run holds until start is done
        listed = json.loads(cella.ok("list", "--format", "json").stdout)
        status = next(c["status"] for c in listed if c["id"] == cid)
        _, err = p.communicate(timeout=HANG)
        assert p.returncode == 0, err
        assert "cella: fault create:7" in err, err
        assert cid not in cella.entries()
        return files, status

    files, status = seen_while_waiting(make_config(args=["/bin/true"]))
    assert "exec.fifo" not in files, files
    assert "state.json" in files
    assert status == "running"
    hooked = make_config(args=["/bin/true"])
    hooked["hooks"] = {"poststop": [{"path": "/bin/true"}]}
    files, status = seen_while_waiting(hooked)
    assert "exec.fifo" in files, files
    assert status == "created"


def test_detached_run_killed_before_its_start_leaves_it_stopped(cella, tmp):
    """`run --detach` killed after #7 (the init would outlive it) but before
    it sent the start byte: through the start pipe, whose write end only the
    runtime held, the init sees no start can come and exits. The container
    is stopped, not left waiting for ever while said to be running, and a
    plain delete removes it."""
    b = write_bundle(os.path.join(tmp, "b"), make_config(args=["/bin/sleep", "100"]))
    cid = new_id()
    before = mountinfo()
    p = popen_faulty(cella, "create:7:stall3000", "run", "--detach", "--bundle", b, cid,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: state_pid(cella, cid), 10, "the state to name the init")
    time.sleep(0.5)  # past #7b: the runtime stalls, the init outlives it
    p.kill()
    p.wait()
    cella.wait_status(cid, "stopped", timeout=10)
    cella.ok("delete", cid)
    check_clean(cella, cid, before, tmp)


def test_run_waits_for_a_slow_exec_without_a_deadline(cella, tmp):
    """Between the start byte and execve the init may take its time (a
    seccomp agent answering execve, a cgroup frozen from outside): `run`
    waits for the exec as `start` does, with no deadline, through its start
    pipe too (the sync steps' deadline is 1 s here, the init 2.5 s late)."""
    b = write_bundle(os.path.join(tmp, "b"), make_config(args=["/bin/true"]))
    cid = new_id()
    saved = dict(cella.env)
    cella.env["CELLA_SYNC_TIMEOUT"] = "1"
    cella.env["CELLA_FAULT"] = "init:started:stall2500"
    try:
        r = cella.run("run", "--bundle", b, cid, timeout=HANG)
    finally:
        cella.env = saved
    assert r.returncode == 0, r.stderr
    assert "cella: fault init:started" in r.stderr
    assert cid not in cella.entries()


def test_run_whose_init_died_before_its_start_says_so(cella, tmp):
    """The init killed after #7, before `run` sent the start byte: run fails,
    saying the container died before it started (the byte still in the
    start pipe), and leaves nothing."""
    b = write_bundle(os.path.join(tmp, "b"), make_config(args=["/bin/true"]))
    cid = new_id()
    before = mountinfo()
    p = popen_faulty(cella, "create:7:stall1500", "run", "--bundle", b, cid,
                     stdout=subprocess.DEVNULL)
    os.kill(wait_for(lambda: state_pid(cella, cid), 10, "the state to name the init"),
            signal.SIGKILL)
    _, err = p.communicate(timeout=HANG)
    assert p.returncode != 0
    assert "died before it started" in err, err
    check_clean(cella, cid, before, tmp)
