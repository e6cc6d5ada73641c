# SPDX-License-Identifier: GPL-2.0-or-later
"""Rootless cgroups on a pure cgroup v2 host: a subtree delegated to the
unprivileged user (the directory, cgroup.procs, cgroup.subtree_control and
cgroup.threads chowned to it, as systemd delegates user@.service) holds the
containers' cgroups; without one, no cgroup and a warning. Root sets the
delegation up, cella runs as the test user (setpriv). Needs a pure v2 host:
`make check-v2` runs it in one."""
import json
import os
import random
import signal
import subprocess
import tempfile

import pytest

from helpers import (CG, MIB, cid_of, find_process, make_config, read, reap, unique_sleep,
                     wait_for, write_bundle)

PURE_V2 = os.path.exists(os.path.join(CG, "cgroup.controllers"))
DELEGATE = ("cgroup.procs", "cgroup.subtree_control", "cgroup.threads")

pytestmark = [
    pytest.mark.rootless,
    pytest.mark.skipif(not PURE_V2, reason="needs a pure cgroup v2 host (make check-v2 runs "
                       "these tests in one)"),
]


def write(path, value):
    with open(path, "w") as f:
        f.write(value)


def chown_cgroup(d, user):
    os.chown(d, *user)
    for f in DELEGATE:
        os.chown(os.path.join(d, f), *user)


def remove_tree(top):
    """Remove a cgroup tree of ours, deepest first, killing what is left."""
    dirs = [dp for dp, _, _ in os.walk(top)]
    for d in sorted(dirs, key=len, reverse=True):
        if not os.path.isdir(d):
            continue
        if read(os.path.join(d, "cgroup.procs")):
            write(os.path.join(d, "cgroup.kill"), "1")
            wait_for(lambda: not read(os.path.join(d, "cgroup.procs")), 10, f"{d} to empty")
        os.rmdir(d)


class Delegation:
    """/sys/fs/cgroup/cella-rootless-N (root's, memory and pids enabled for
    its children) and in it `deleg`, delegated to the user."""

    def __init__(self, user):
        self.user = user
        self.top = os.path.join(CG, f"cella-rootless-{os.getpid()}-{random.randrange(10**6)}")
        os.mkdir(self.top)
        write(os.path.join(self.top, "cgroup.subtree_control"), "+memory +pids")
        self.dir = os.path.join(self.top, "deleg")
        os.mkdir(self.dir)
        chown_cgroup(self.dir, user)
        # A cgroup path as /proc/PID/cgroup writes it.
        self.path = self.dir[len(CG):]

    def leaf(self, name="leaf"):
        """A child of the delegated cgroup, the user's too (where systemd
        would put a scope of user@.service)."""
        d = os.path.join(self.dir, name)
        os.mkdir(d)
        chown_cgroup(d, self.user)
        return d


@pytest.fixture
def deleg(test_user):
    d = Delegation(test_user)
    yield d
    remove_tree(d.top)


def in_cgroup(cg_dir, argv):
    """argv run by a shell that first moves itself into cg_dir (as root)."""
    return ["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', cg_dir] + list(argv)


def run_bg(rootless, cg_dir, *args):
    return subprocess.Popen(in_cgroup(cg_dir, rootless.argv(*args)),
                            env=rootless.env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run_in(rootless, cg_dir, *args):
    """cella run to completion from cg_dir; output through files, as
    Cella.run does (create leaves a process holding them)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.run(in_cgroup(cg_dir, rootless.argv(*args)), env=rootless.env,
                           stdin=subprocess.DEVNULL, stdout=out, stderr=err, timeout=30)
        out.seek(0)
        err.seek(0)
        return p.returncode, out.read().decode(), err.read().decode()


def cgroup_of(pid):
    for line in read(f"/proc/{pid}/cgroup").splitlines():
        if line.startswith("0::"):
            return line[3:]
    return None


def stop(rootless, cid, p):
    rootless.run("kill", cid, "KILL")
    out, err = p.communicate(timeout=30)
    reap()
    return out, err


def test_delegated_parent_takes_the_container_with_its_limit(rootless, deleg):
    """cella runs in a child of the delegated cgroup (as under systemd's
    user@.service): the container's cgroup is made beside it, with the
    memory controller enabled and the limit written, the container runs in
    it, and it is removed after."""
    cid = cid_of("rlmem")
    leaf = deleg.leaf()
    sleep = unique_sleep()
    p = run_bg(rootless, leaf, "run", "--name", cid, "--memory", "64m", "--pids-limit", "20",
               "--", "sleep", sleep)
    cg = os.path.join(deleg.dir, "cella", cid)
    try:
        pid = find_process(["sleep", sleep])
        wait_for(lambda: os.path.isdir(cg) and str(pid) in read(os.path.join(cg, "cgroup.procs")),
                 what="the container in its cgroup")
        assert cgroup_of(pid) == deleg.path + f"/cella/{cid}"
        assert int(read(os.path.join(cg, "memory.max"))) == 64 * MIB
        assert read(os.path.join(cg, "pids.max")) == "20"
        assert os.stat(cg).st_uid == rootless.user[0]
        # cella itself stays where it was started.
        assert cgroup_of(p.pid) == leaf[len(CG):]
    finally:
        out, err = stop(rootless, cid, p)
    assert "rootless" not in err and "not applied" not in err, err
    # The container's cgroup goes; its `cella` parent stays, as /cella does
    # for root.
    assert not os.path.exists(cg)


def test_own_cgroup_delegated_but_busy(rootless, deleg):
    """cella runs in the delegated cgroup itself: the container's cgroup goes
    under it, but cgroup v2 gives no controller to the children of a cgroup
    with processes (cella is one), so the limit is named in one warning and
    not applied; the container still has its cgroup, removed after."""
    cid = cid_of("rlbusy")
    sleep = unique_sleep()
    p = run_bg(rootless, deleg.dir, "run", "--name", cid, "--memory", "64m", "--",
               "sleep", sleep)
    cg = os.path.join(deleg.dir, "cella", cid)
    try:
        pid = find_process(["sleep", sleep])
        wait_for(lambda: os.path.isdir(cg) and str(pid) in read(os.path.join(cg, "cgroup.procs")),
                 what="the container in its cgroup")
        assert not os.path.exists(os.path.join(cg, "memory.max"))
    finally:
        out, err = stop(rootless, cid, p)
    lines = [ln for ln in err.splitlines() if "rootless" in ln]
    assert len(lines) == 1, err
    assert "no memory (linux.resources.memory" in lines[0] and "has processes" in lines[0], err
    assert not os.path.exists(cg)


def test_relative_cgroups_path_under_the_delegation(rootless, deleg, user_rootfs, utmp,
                                                    test_user):
    """An OCI bundle's relative linux.cgroupsPath is taken under the delegated
    subtree; create, state, delete as the user (delete removes the
    container's cgroup, not the `box` parent, as for root)."""
    cid = cid_of("rlrel")
    leaf = deleg.leaf()
    c = make_config(args=["/probe", "sleep", "300"], rootfs=user_rootfs, rootless=test_user)
    c["linux"]["cgroupsPath"] = f"box/{cid}"
    c["linux"]["resources"] = {"pids": {"limit": 33}}
    b = write_bundle(os.path.join(utmp, "bundle"), c, owner=test_user)
    rc, _, err = run_in(rootless, leaf, "create", "--bundle", b, cid)
    assert rc == 0, err
    cg = os.path.join(deleg.dir, "box", cid)
    try:
        st = json.loads(rootless.ok("state", cid).stdout)
        assert cgroup_of(st["pid"]) == deleg.path + f"/box/{cid}"
        assert read(os.path.join(cg, "pids.max")) == "33"
    finally:
        rootless.ok("delete", "--force", cid)
    assert not os.path.exists(cg)


def test_no_delegation_runs_without_a_cgroup(rootless, test_user):
    """The user's cgroup (here root's) is not delegated: no cgroup, and one
    warning because limits were asked for."""
    r = rootless.run("run", "--memory", "64m", "--", "cat", "/proc/self/cgroup")
    assert r.returncode == 0, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, r.stderr
    assert "running rootless without a cgroup" in lines[0], r.stderr
    assert f"uid {test_user[0]} " in lines[0], r.stderr
    assert "no delegated cgroup v2 subtree" in lines[0], r.stderr
    # Without limits asked for, nothing is said.
    r = rootless.run("run", "--", "true")
    assert r.returncode == 0 and r.stderr.strip() == "", r.stderr


def test_no_delegation_and_a_cgroups_path_is_an_error(rootless, user_rootfs, utmp, test_user):
    """As crun: a cgroup the spec names is required."""
    cid = cid_of("rlpath")
    c = make_config(args=["/probe"], rootfs=user_rootfs, rootless=test_user)
    top = cid_of("mine")
    c["linux"]["cgroupsPath"] = f"/{top}/{cid}"
    b = write_bundle(os.path.join(utmp, "bundle"), c, owner=test_user)
    r = rootless.run("run", "--bundle", b, cid)
    assert r.returncode != 0
    assert f"linux.cgroupsPath `/{top}/{cid}`: running rootless" in r.stderr, r.stderr
    assert "drop cgroupsPath" in r.stderr, r.stderr
    assert not os.path.exists(os.path.join(CG, top))


def test_delete_kills_through_the_delegated_cgroup(rootless, deleg):
    """kill --all and delete --force reach the container's processes through
    its cgroup, as the user."""
    cid = cid_of("rlkill")
    leaf = deleg.leaf()
    sleep = unique_sleep()
    p = run_bg(rootless, leaf, "run", "--name", cid, "--", "sh", "-c",
               f"sleep {sleep} & sleep {sleep}")
    cg = os.path.join(deleg.dir, "cella", cid)
    find_process(["sleep", sleep])
    wait_for(lambda: len(set(read(os.path.join(cg, "cgroup.procs")).split())) >= 2,
             what="the container's processes")
    r = rootless.run("kill", "--all", cid, "KILL")
    assert r.returncode == 0, r.stderr
    p.communicate(timeout=30)
    reap()
    assert p.returncode == 128 + signal.SIGKILL, p.returncode
    assert not os.path.exists(cg)
