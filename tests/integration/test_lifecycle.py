# SPDX-License-Identifier: GPL-2.0-or-later
"""pause, resume, ps, and delete --force of a paused container."""
import errno
import json
import os
import random
import subprocess
import time

import pytest

from helpers import (TIMEOUT, cid_of, make_config, pid_exists, refusing_syscall, unique_sleep,
                     wait_for, write_bundle)

# A counter the test can watch: one line per tick in /shared/count.
COUNTER = ["/bin/sh", "-c",
           "i=0; while true; do i=$((i+1)); echo $i > /shared/count.new; "
           "mv /shared/count.new /shared/count; sleep 0.05; done"]


def cid(prefix):
    return cid_of(f"{prefix}{random.randrange(10**6):06d}")


def counting(cella, tmp, args=COUNTER, start=True):
    d = os.path.join(tmp, "shared")
    os.makedirs(d, exist_ok=True)
    c = make_config(args=args, binds=[(d, "/shared", False)])
    b = write_bundle(os.path.join(tmp, "bundle"), c)
    name = cid("lc")
    cella.ok("create", "--bundle", b, name)
    if start:
        cella.ok("start", name)
    return name, os.path.join(d, "count")


def count(path):
    try:
        with open(path) as f:
            return int(f.read().strip() or 0)
    except (FileNotFoundError, ValueError):
        return 0


def advancing(path):
    a = count(path)
    time.sleep(0.3)
    return count(path) > a


def test_pause_stops_the_counter_and_resume_restarts_it(cella, tmp):
    name, path = counting(cella, tmp)
    try:
        wait_for(lambda: count(path) > 2, what="the counter to run")
        cella.ok("pause", name)
        st = cella.state(name)
        assert st["status"] == "paused"
        assert pid_exists(st["pid"])
        frozen = count(path)
        time.sleep(0.5)
        assert count(path) == frozen, "the counter ran while paused"
        assert json.loads(cella.ok("list", "--format", "json").stdout)[0]["status"] == "paused"
        r = cella.run("exec", name, "/bin/true", timeout=10)
        assert r.returncode != 0 and "paused" in r.stderr

        cella.ok("resume", name)
        assert cella.state(name)["status"] == "running"
        wait_for(lambda: count(path) > frozen, what="the counter to run again")
    finally:
        cella.run("delete", "--force", name)


def is_in_cgroup(pid, init):
    """Is pid (or was it, if gone) in the same cgroup as the container's init?"""
    try:
        with open(f"/proc/{pid}/cgroup") as a, open(f"/proc/{init}/cgroup") as b:
            return a.read() == b.read()
    except FileNotFoundError:
        return True


def test_ps_lists_the_container_processes(cella, tmp):
    name, path = counting(cella, tmp)
    try:
        wait_for(lambda: count(path) > 0, what="the counter to run")
        pid = cella.state(name)["pid"]
        pids = json.loads(cella.ok("ps", "--format", "json", name).stdout)
        assert isinstance(pids, list) and pid in pids
        assert all(isinstance(p, int) and p > 0 for p in pids)
        # runc: the host's `ps -ef` table, only the container's rows.
        lines = cella.ok("ps", name).stdout.splitlines()
        assert lines[0].split() == ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]
        rows = {int(line.split()[1]): line for line in lines[1:]}
        # (the counter's short-lived children come and go in between)
        assert pid in rows and "/bin/sh -c" in rows[pid]
        assert all(is_in_cgroup(p, pid) for p in rows), rows
        # ps options after the id, as runc passes them on.
        lines = cella.ok("ps", name, "-o", "pid,ppid,comm").stdout.splitlines()
        assert lines[0].split() == ["PID", "PPID", "COMMAND"]
        rows = {int(line.split()[0]) for line in lines[1:]}
        assert pid in rows and all(is_in_cgroup(p, pid) for p in rows), rows
        # The same processes through the global flag form, and while paused.
        cella.ok("pause", name)
        assert pid in json.loads(cella.ok("ps", "--format=json", name).stdout)
    finally:
        cella.run("delete", "--force", name)


def test_delete_force_of_a_paused_container(cella, tmp):
    name, path = counting(cella, tmp)
    wait_for(lambda: count(path) > 0, what="the counter to run")
    pid = cella.state(name)["pid"]
    cella.ok("pause", name)
    r = cella.run("delete", name)
    assert r.returncode != 0 and "paused" in r.stderr and "--force" in r.stderr
    assert cella.status(name) == "paused"
    cella.ok("delete", "--force", name)
    assert not pid_exists(pid)
    assert cella.entries() == []


def test_state_file_replaced_whole_and_alone(cella, tmp):
    """create replaces the staged state.json with the full one (exchanged,
    the old one then removed): no second file stays beside it. One a
    runtime killed between the exchange and the unlink would leave is
    removed with the container by delete."""
    name, path = counting(cella, tmp, start=False)
    d = os.path.join(cella.root, name)
    try:
        assert cella.state(name)["pid"] > 0
        assert not [e for e in os.listdir(d) if e.startswith("state.json.")], os.listdir(d)
        with open(os.path.join(d, "state.json.tmp"), "w") as f:
            f.write("{}")
        assert cella.status(name) == "created"
        cella.ok("start", name)
        assert cella.status(name) == "running"
    finally:
        cella.run("delete", "--force", name)
    assert not os.path.exists(d)


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="x86_64's system call numbers")
@pytest.mark.parametrize("errnum", [errno.EINVAL, errno.EOPNOTSUPP], ids=["einval", "eopnotsupp"])
def test_state_file_renamed_where_it_cannot_be_exchanged(cella, tmp, errnum):
    """Where renameat2's RENAME_EXCHANGE fails (EINVAL: a file system that
    cannot; anything else: a filter, a FUSE daemon), the new state.json is
    renamed over the old one instead, and nothing is left beside it."""
    c = make_config(args=["/bin/sleep", unique_sleep()])
    b = write_bundle(os.path.join(tmp, "bundle"), c)
    name = cid("exch")
    with open(os.path.join(tmp, "err"), "w+") as err:
        r = subprocess.run(cella.argv("create", "--bundle", b, name), env=cella.env,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                           preexec_fn=refusing_syscall(316, errnum, arg4=2), timeout=TIMEOUT)
        err.seek(0)
        assert r.returncode == 0, err.read()
    try:
        assert cella.status(name) == "created" and cella.state(name)["pid"] > 0
        d = os.path.join(cella.root, name)
        assert not [e for e in os.listdir(d) if e.startswith("state.json.")], os.listdir(d)
    finally:
        cella.run("delete", "--force", name)


def test_delete_force_of_a_torn_state(cella, tmp):
    """state.json is not fsynced (a host crash ends what it names): a state
    such a crash left empty or cut is refused by delete, removed by delete
    --force with a warning."""
    for name, text in ((cid("torn"), ""), (cid("torn"), '{"id": "x", "pid": 12')):
        os.makedirs(os.path.join(cella.root, name))
        with open(os.path.join(cella.root, name, "state.json"), "w") as f:
            f.write(text)
        r = cella.run("delete", name)
        assert r.returncode != 0 and "corrupt" in r.stderr, r.stderr
        r = cella.run("delete", "--force", name)
        assert r.returncode == 0, r.stderr
        assert "corrupt" in r.stderr and "removing it" in r.stderr, r.stderr
    assert cella.entries() == []


def test_signal_to_a_paused_container_keeps_it_paused(cella, tmp):
    name, path = counting(cella, tmp)
    try:
        wait_for(lambda: count(path) > 0, what="the counter to run")
        cella.ok("pause", name)
        cella.ok("kill", "--all", name, "CONT")
        assert cella.status(name) == "paused"
        assert not advancing(path)
    finally:
        cella.run("delete", "--force", name)


def test_pause_resume_wrong_states(cella, tmp):
    name, path = counting(cella, tmp, start=False)
    try:
        r = cella.run("pause", name)
        assert r.returncode != 0
        assert "created" in r.stderr and len(r.stderr.strip().splitlines()) == 1
        assert cella.status(name) == "created"
        cella.ok("start", name)
        r = cella.run("resume", name)
        assert r.returncode != 0 and "not paused" in r.stderr
        cella.ok("kill", name, "KILL")
        wait_for(lambda: cella.status(name) == "stopped", what="the container to stop")
        r = cella.run("pause", name)
        assert r.returncode != 0 and "stopped" in r.stderr
        # runc: a stopped container's table is empty; its JSON an error.
        r = cella.run("ps", name)
        assert r.returncode == 0, r.stderr
        assert len(r.stdout.splitlines()) == 1 and "PID" in r.stdout.split()
        r = cella.run("ps", "--format", "json", name)
        assert r.returncode != 0 and "stopped" in r.stderr
    finally:
        cella.run("delete", "--force", name)


@pytest.mark.parametrize("cmd", ["pause", "resume", "ps"])
def test_unknown_container_and_bad_usage(cella, cmd):
    r = cella.run(cmd, "nosuch")
    assert r.returncode != 0 and "does not exist" in r.stderr
    r = cella.run(cmd)
    assert r.returncode != 0 and "container id" in r.stderr
    r = cella.run(cmd, "--bogus", "x")
    assert r.returncode != 0 and "--bogus" in r.stderr


def test_ps_bad_format(cella):
    r = cella.run("ps", "--format", "yaml", "x")
    assert r.returncode != 0 and "--format" in r.stderr


@pytest.mark.rootless
def test_rootless_has_no_cgroup_to_pause(rootless, utmp, user_rootfs, test_user):
    c = make_config(args=["/bin/sleep", "300"], rootfs=user_rootfs, rootless=test_user)
    b = write_bundle(os.path.join(utmp, "bundle"), c, owner=test_user)
    name = cid("rl")
    rootless.ok("run", "--detach", "--bundle", b, name)
    try:
        for cmd in ("pause", "ps"):
            r = rootless.run(cmd, name)
            assert r.returncode != 0
            assert "no cgroup" in r.stderr and "rootless" in r.stderr, r.stderr
        assert rootless.status(name) == "running"
    finally:
        rootless.run("delete", "--force", name)
