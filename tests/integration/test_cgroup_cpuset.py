# SPDX-License-Identifier: GPL-2.0-or-later
"""cpuset cpus and mems changed in an order the kernel accepts (issue 12):
on v1 a cgroup's nested cgroups must keep CPUs and nodes that are a subset
of it (and those with processes must keep some), so a change the nested
cgroups do not fit is made by widening the container's cgroup to the union,
narrowing the nested ones to what they keep of the target (the target when
nothing), then narrowing it to the target; v2 before Linux 6.x refuses the
same way. All or nothing: a later field that fails puts every value back.
Root only; the cgroups touched are the containers' own and what the tests
make under them."""
import json
import os
import signal
import subprocess
import time

import pytest

from helpers import (CG, UNIFIED, V1, cid_of, make_config, read, unique_sleep, v1_hier,
                     write_bundle)

TWO_CPUS = os.cpu_count() >= 2
needs_two = pytest.mark.skipif(not TWO_CPUS, reason="two CPUs needed")
needs_v1 = pytest.mark.skipif(not V1, reason="cgroup v1 controllers needed")
EFFECTIVE = "cpuset.effective_cpus" if V1 else "cpuset.cpus.effective"
# What a failing field after the CPU ones looks like: a hugetlb page size
# that has no file (or, on a host without a hugetlb hierarchy, no hugetlb).
LATER_FAILS = [{"pageSize": "3MB", "limit": 1 << 20}]


def cpuset_dir(path):
    """The cpuset cgroup at cgroup path `path`."""
    return (v1_hier("cpuset") if V1 else UNIFIED) + path


def write(d, file, val):
    with open(os.path.join(d, file), "w") as f:
        f.write(val)


def cpus_allowed(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("Cpus_allowed_list:"):
                return line.split()[1]
    raise AssertionError("no Cpus_allowed_list")


def nest(top, tree, pid_at, pid):
    """Nested cpuset cgroups under the cgroup directory `top`: tree is
    [(relative path, cpus)], parents first; `pid` moved into pid_at."""
    if V1:
        for rel, cpus in tree:
            d = os.path.join(top, rel)
            os.mkdir(d)
            write(d, "cpuset.cpus", cpus)
            write(d, "cpuset.mems", read(os.path.join(os.path.dirname(d), "cpuset.mems")))
        write(os.path.join(top, pid_at), "cgroup.procs", str(pid))
        return
    # v2: a cgroup with processes cannot enable controllers for its
    # children; the process moves down first.
    for rel, _ in tree:
        os.mkdir(os.path.join(top, rel))
    write(os.path.join(top, pid_at), "cgroup.procs", str(pid))
    parents = {os.path.dirname(os.path.join(top, rel)) for rel, _ in tree}
    for d in sorted(parents, key=len):
        write(d, "cgroup.subtree_control", "+cpuset")
    for rel, cpus in tree:
        write(os.path.join(top, rel), "cpuset.cpus", cpus)


def rmtree_cgroups(top):
    """Remove the cgroups under `top` (not top), deepest first."""
    if not os.path.isdir(top):
        return
    dirs = [w[0] for w in os.walk(top) if w[0] != top]
    for d in sorted(dirs, key=len, reverse=True):
        for _ in range(200):
            try:
                os.rmdir(d)
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.01)


@pytest.fixture
def ctr(cella, tmp):
    """create + start a sleeping container with `resources`; at the end it
    is killed, the cgroups the test nested under it removed, and deleted."""
    made = []

    def make(name, resources, cgroups_path=None):
        cid = cid_of(f"cpuset-{name}")
        c = make_config(args=["/bin/sleep", unique_sleep()])
        c["linux"]["resources"] = resources
        if cgroups_path is not None:
            c["linux"]["cgroupsPath"] = cgroups_path
        b = write_bundle(os.path.join(tmp, "bundle-" + name), c)
        r = cella.run("create", "--bundle", b, cid)
        if r.returncode == 0:
            made.append((cid, cgroups_path or f"/cella/{cid}"))
            cella.ok("start", cid)
        return cid, r

    yield make
    for cid, path in made:
        cella.run("kill", cid, "KILL")
        rmtree_cgroups(cpuset_dir(path))
        cella.run("delete", "--force", cid)


@needs_two
def test_update_cpus_zero_to_one_with_mems(cella, ctr):
    cid, r = ctr("leaf", {"cpu": {"cpus": "0", "mems": "0"}})
    assert r.returncode == 0, r.stderr
    d = cpuset_dir(f"/cella/{cid}")
    pid = cella.state(cid)["pid"]
    assert cpus_allowed(pid) == "0"
    for cpus, want in (("1", "1"), ("0-1", "0-1"), ("0", "0")):
        cella.ok("update", "-r", "-", cid, input=json.dumps({"cpu": {"cpus": cpus, "mems": "0"}}))
        assert read(os.path.join(d, "cpuset.cpus")) == want
        assert read(os.path.join(d, "cpuset.mems")) == "0"
        assert cpus_allowed(pid) == want


@needs_two
def test_update_cpus_outside_a_nested_cgroup_widens_first(cella, ctr):
    """cpus 0 to 1 with the init in a nested cgroup on CPU 0: the kernel
    refuses 1 while the nested cgroup has 0 (v1), and the nested cgroup
    refuses 1 while its parent has only 0."""
    cid, r = ctr("nest", {"cpu": {"cpus": "0", "mems": "0"}})
    assert r.returncode == 0, r.stderr
    top = cpuset_dir(f"/cella/{cid}")
    pid = cella.state(cid)["pid"]
    nest(top, [("sub", "0")], "sub", pid)
    r = cella.run("update", "--cpuset-cpus", "1", "--cpuset-mems", "0", cid)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert read(os.path.join(top, "cpuset.cpus")) == "1"
    assert read(os.path.join(top, "sub", EFFECTIVE)) == "1"
    assert cpus_allowed(pid) == "1"
    # And back, the nested cgroup keeping what it can.
    cella.ok("update", "--cpuset-cpus", "0", cid)
    assert read(os.path.join(top, "cpuset.cpus")) == "0"
    assert read(os.path.join(top, "sub", EFFECTIVE)) == "0"
    assert cpus_allowed(pid) == "0"


@needs_two
def test_update_narrows_nested_cgroups_to_what_they_keep(cella, ctr):
    """0-1 to 1: a nested cgroup on 1 is left alone, one on 0-1 keeps 1,
    and one on 0 under it (no CPU of the target) gets the target."""
    cid, r = ctr("deep", {"cpu": {"cpus": "0-1"}})
    assert r.returncode == 0, r.stderr
    top = cpuset_dir(f"/cella/{cid}")
    pid = cella.state(cid)["pid"]
    nest(top, [("a", "1"), ("b", "0-1"), ("b/c", "0")], "a", pid)
    cella.ok("update", "--cpuset-cpus", "1", cid)
    assert read(os.path.join(top, "cpuset.cpus")) == "1"
    for rel in ("a", "b", "b/c"):
        assert read(os.path.join(top, rel, EFFECTIVE)) == "1", rel
    if V1:
        assert read(os.path.join(top, "a", "cpuset.cpus")) == "1"
        assert read(os.path.join(top, "b", "cpuset.cpus")) == "1"
        assert read(os.path.join(top, "b", "c", "cpuset.cpus")) == "1"
    assert cpus_allowed(pid) == "1"


def test_delete_removes_the_cgroups_nested_in_the_container(cella, ctr):
    """As runc's RemovePath: nested cgroups (a systemd inside made them)
    go first; before, rmdir of the container's cgroup failed (EBUSY) and
    delete with it."""
    cid, r = ctr("rm", {"cpu": {"cpus": "0"}})
    assert r.returncode == 0, r.stderr
    top = cpuset_dir(f"/cella/{cid}")
    nest(top, [("a", "0"), ("a/b", "0")], "a/b", cella.state(cid)["pid"])
    r = cella.run("delete", "--force", cid)
    assert r.returncode == 0, r.stderr
    assert not os.path.isdir(top)


@needs_two
def test_failed_update_restores_the_cpuset_and_the_nested_cgroups(cella, ctr):
    cid, r = ctr("undo", {"cpu": {"cpus": "0", "mems": "0"}, "pids": {"limit": 30}})
    assert r.returncode == 0, r.stderr
    top = cpuset_dir(f"/cella/{cid}")
    pid = cella.state(cid)["pid"]
    nest(top, [("sub", "0")], "sub", pid)
    before = {f: read(os.path.join(d, f)) for d in (top, os.path.join(top, "sub"))
              for f in ("cpuset.cpus", "cpuset.mems")}
    res = {"cpu": {"cpus": "1", "mems": "0"}, "pids": {"limit": 20},
           "hugepageLimits": LATER_FAILS}
    r = cella.run("update", "-r", "-", cid, input=json.dumps(res))
    assert r.returncode != 0 and "linux.resources.hugepageLimits" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    after = {f: read(os.path.join(d, f)) for d in (top, os.path.join(top, "sub"))
             for f in ("cpuset.cpus", "cpuset.mems")}
    assert after == before
    assert read(os.path.join(top, "cpuset.cpus")) == "0"
    assert read(os.path.join(top, "sub", EFFECTIVE)) == "0"
    assert cpus_allowed(pid) == "0"
    pids = (v1_hier("pids") if V1 else UNIFIED) + f"/cella/{cid}/pids.max"
    assert read(pids) == "30"


@pytest.fixture
def parent_cpuset():
    """A v1 cpuset cgroup the test makes, /cid_of("cpuset-parent-NAME") on
    `cpus` (with processes of the test's in nested cgroups when asked); it
    and everything under it, in every hierarchy, removed at the end."""
    root = v1_hier("cpuset")
    tops, procs = [], []

    def make(name, cpus):
        top = "/" + cid_of(f"cpuset-parent-{name}")
        d = root + top
        os.mkdir(d)
        tops.append(top)
        write(d, "cpuset.cpus", cpus)
        write(d, "cpuset.mems", read(os.path.join(root, "cpuset.mems")))
        return top, d

    def proc():
        p = subprocess.Popen(["sleep", "1000"])
        procs.append(p)
        return p

    make.procs = procs
    yield make, proc
    for p in procs:
        p.send_signal(signal.SIGKILL)
        p.wait()
    for top in tops:
        for h in os.listdir(CG):
            base = os.path.join(CG, h) + top
            if os.path.isdir(base):
                rmtree_cgroups(base)
                os.rmdir(base)


def procs_of(fixture):
    """The processes a parent_cpuset fixture started."""
    return fixture[0].procs


@needs_v1
@needs_two
def test_cpus_outside_the_parent_name_the_field_and_change_nothing(cella, parent_cpuset, ctr):
    """The parent is not the container's: widening to a CPU it does not
    have is refused by the kernel, named, and nothing is left changed."""
    make, _ = parent_cpuset
    top, _ = make("par", "0")
    cid, r = ctr("par", {"cpu": {"cpus": "0"}}, cgroups_path=top + "/ctr")
    assert r.returncode == 0, r.stderr
    d = cpuset_dir(top + "/ctr")
    pid = cella.state(cid)["pid"]
    nest(d, [("sub", "0")], "sub", pid)
    r = cella.run("update", "--cpuset-cpus", "1", cid)
    assert r.returncode != 0 and "linux.resources.cpu.cpus 1" in r.stderr, r.stderr
    assert "(the parent cgroup has `0`)" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert read(os.path.join(d, "cpuset.cpus")) == "0"
    assert read(os.path.join(d, "sub", "cpuset.cpus")) == "0"
    assert cpus_allowed(pid) == "0"


@needs_v1
@needs_two
def test_create_joining_a_cgroup_whose_nested_cgroup_does_not_fit(cella, parent_cpuset, ctr):
    """An existing cgroup (the test's) on CPU 0 with a process in a nested
    cgroup: create with cpus 1 joins it and narrows the nested one."""
    make, proc = parent_cpuset
    top, d = make("join", read(os.path.join(v1_hier("cpuset"), "cpuset.cpus")))
    other = proc().pid
    os.mkdir(os.path.join(d, "c"))
    write(os.path.join(d, "c"), "cpuset.cpus", "0")
    write(os.path.join(d, "c"), "cpuset.mems", read(os.path.join(d, "cpuset.mems")))
    nest(os.path.join(d, "c"), [("n", "0")], "n", other)
    cid, r = ctr("join", {"cpu": {"cpus": "1"}}, cgroups_path=top + "/c")
    assert r.returncode == 0, r.stderr
    assert read(os.path.join(d, "c", "cpuset.cpus")) == "1"
    assert read(os.path.join(d, "c", "n", "cpuset.cpus")) == "1"
    assert cpus_allowed(other) == "1"
    assert cpus_allowed(cella.state(cid)["pid"]) == "1"
    for p in procs_of(parent_cpuset):
        p.kill()
        p.wait()
