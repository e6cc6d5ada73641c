# SPDX-License-Identifier: GPL-2.0-or-later
"""Cgroups: limits really enforced, the cgroup namespace view, kill --all,
and no cgroup left behind. Root only (rootless runs without a cgroup)."""
import os
import time

import pytest

from helpers import cid_of, make_config, reap, unique_sleep, wait_for, write_bundle

V1_MEMORY = "/sys/fs/cgroup/memory"
UNIFIED = "/sys/fs/cgroup/unified" if os.path.isdir("/sys/fs/cgroup/unified") \
    else "/sys/fs/cgroup"


def cgroup_dirs(cid):
    """Every directory named like the container's default cgroup."""
    roots = [os.path.join("/sys/fs/cgroup", d) for d in os.listdir("/sys/fs/cgroup")]
    roots.append("/sys/fs/cgroup")
    return [os.path.join(r, "cella", cid) for r in roots
            if os.path.isdir(os.path.join(r, "cella", cid))]


@pytest.fixture
def bundle(tmp):
    def make(args, resources=None, **over):
        c = make_config(args=args, **over)
        c["root"]["readonly"] = False
        if resources:
            c["linux"]["resources"] = resources
        return write_bundle(os.path.join(tmp, "bundle"), c)
    return make


def test_memory_limit_kills_the_allocation(cella, bundle):
    b = bundle(["/bin/sh", "-c", "echo 1000 > /proc/self/oom_score_adj; head -c 200000000 /dev/zero | tail > /dev/null; echo rc=$?"],
               {"memory": {"limit": 32 * 1024 * 1024}})
    cid = cid_of("mem")
    r = cella.run("run", "--bundle", b, cid)
    assert r.returncode == 137 or "rc=137" in r.stdout, (r.returncode, r.stdout, r.stderr)
    assert cgroup_dirs(cid) == []


def test_pids_limit_makes_fork_fail(cella, bundle):
    script = "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 5 & done; echo started"
    b = bundle(["/bin/sh", "-c", script], {"pids": {"limit": 6}})
    r = cella.run("run", "--bundle", b, cid_of("pids"))
    assert "can't fork" in r.stderr or "Resource temporarily unavailable" in r.stderr, r.stderr


def test_limits_in_the_hosts_cgroup_files_and_removed_after(cella, bundle):
    token = unique_sleep()
    b = bundle(["/bin/sleep", token], {"memory": {"limit": 64 * 1024 * 1024},
                                       "pids": {"limit": 33}})
    cid = cid_of("lim")
    cella.ok("create", "--bundle", b, cid)
    try:
        if os.path.isdir(V1_MEMORY):
            with open(os.path.join(V1_MEMORY, "cella", cid, "memory.limit_in_bytes")) as f:
                assert int(f.read()) == 64 * 1024 * 1024
            with open(f"/sys/fs/cgroup/pids/cella/{cid}/pids.max") as f:
                assert f.read().strip() == "33"
        else:
            with open(os.path.join(UNIFIED, "cella", cid, "memory.max")) as f:
                assert int(f.read()) == 64 * 1024 * 1024
        pid = cella.state(cid)["pid"]
        with open(os.path.join(UNIFIED, "cella", cid, "cgroup.procs")) as f:
            assert str(pid) in f.read().split()
        assert cgroup_dirs(cid)
    finally:
        cella.ok("delete", "--force", cid)
    assert cgroup_dirs(cid) == []


def test_cgroup_namespace_root(cella, tmp):
    """Entered after the cgroup is joined: the container sees its cgroup as
    "/"; without a cgroup namespace it sees the host's path."""
    cid = cid_of("cgns")
    for ns, want in ((True, {"/"}), (False, {f"/cella/{cid}"})):
        c = make_config(args=["/bin/cat", "/proc/self/cgroup"])
        if ns:
            c["linux"]["namespaces"].append({"type": "cgroup"})
        b = write_bundle(os.path.join(tmp, f"bundle-{ns}"), c)
        r = cella.run("run", "--bundle", b, cid)
        assert r.returncode == 0, r.stderr
        assert {line.split(":", 2)[2] for line in r.stdout.splitlines()} == want, r.stdout


def test_kill_all_reaches_every_process(cella, bundle):
    token = unique_sleep()
    b = bundle(["/bin/sh", "-c", f"sleep {token} & sleep {token} & wait"])
    cid = cid_of("ka")
    cella.ok("create", "--bundle", b, cid)
    cella.ok("start", cid)
    procs = os.path.join(UNIFIED, "cella", cid, "cgroup.procs")

    def count():
        with open(procs) as f:
            return len(f.read().split())
    wait_for(lambda: count() >= 3, 10, "the sleeps to start")
    # Without --all, TERM goes to PID 1 only, which ignores it.
    cella.ok("kill", cid, "TERM")
    time.sleep(0.2)
    assert count() == 3
    # With --all, every process of the cgroup gets it: the sleeps die, and
    # the shell with them.
    cella.ok("kill", "--all", cid, "TERM")

    def empty():
        reap()
        return not os.path.exists(procs) or count() == 0
    wait_for(empty, 10, "the cgroup to empty")
    cella.wait_status(cid, "stopped")
    cella.ok("delete", cid)
    assert cgroup_dirs(cid) == []


def move_into_child_cgroups(cid, name="sub"):
    """Every process of the container, in every hierarchy, moved into a child
    cgroup of its own (as a systemd or a runtime inside would): the
    container's cgroup.procs then lists none of them."""
    for d in cgroup_dirs(cid):
        sub = os.path.join(d, name)
        os.mkdir(sub)
        for f in ("cpuset.cpus", "cpuset.mems"):  # (v1 cpuset: empty at first)
            if os.path.exists(os.path.join(sub, f)):
                with open(os.path.join(d, f)) as src, open(os.path.join(sub, f), "w") as dst:
                    dst.write(src.read().strip())
        with open(os.path.join(d, "cgroup.procs")) as f:
            pids = f.read().split()
        for pid in pids:
            try:
                with open(os.path.join(sub, "cgroup.procs"), "w") as f:
                    f.write(pid)
            except ProcessLookupError:
                pass


@pytest.mark.parametrize("how", ["kill", "delete"])
def test_processes_in_child_cgroups_are_killed(cella, tmp, how):
    """kill --all and delete --force reach processes in the container's child
    cgroups too, though its own cgroup.procs is empty (runc walks them as
    well); nothing is left behind. The host's pid namespace: the init's
    death does not take the others with it."""
    token = unique_sleep()
    cid = cid_of(f"kc-{how}")
    c = make_config(args=["/bin/sh", "-c", f"sleep {token} & exec sleep {token}"])
    c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "pid"]
    b = write_bundle(os.path.join(tmp, "bundle"), c)
    cella.ok("run", "--detach", "--bundle", b, cid)
    procs = os.path.join(UNIFIED, "cella", cid, "cgroup.procs")
    wait_for(lambda: len(open(procs).read().split()) >= 2, 10, "the sleeps to start")
    move_into_child_cgroups(cid)
    assert open(procs).read().split() == []
    if how == "kill":
        cella.ok("kill", "--all", cid, "KILL")
        cella.wait_status(cid, "stopped")
        cella.ok("delete", cid)
    else:
        cella.ok("delete", "--force", cid)
    reap()
    assert alive_with_arg(token) == []
    assert cgroup_dirs(cid) == []


def alive_with_arg(arg):
    """The live (not zombie) processes with arg in their command line."""
    found = []
    for p in os.listdir("/proc"):
        try:
            with open(f"/proc/{p}/cmdline", "rb") as f:
                if arg.encode() in f.read().split(b"\0"):
                    found.append(int(p))
        except (OSError, ValueError):
            pass
    return found


def test_init_is_in_every_cgroup_for_the_hooks_and_the_cgroup_mount(cella, tmp):
    """When the createRuntime hooks run, the init is in the container's
    cgroup in every hierarchy, and the container's cgroup mount shows its
    own cgroup: also on a host with v1 hierarchies, where the runtime makes
    those while the init makes its first mounts (#4e)."""
    out = os.path.join(tmp, "out")
    os.makedirs(out)
    cid = cid_of("late")
    c = make_config(args=["/bin/sh", "-c",
                          "cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/pids.max 2>/dev/null; exit 0"])
    c["mounts"].append({"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
                        "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]})
    # Its own cgroup namespace: a cgroup2 mount shows the container's cgroup
    # as its root (without one, the hierarchy's, on v2 as with runc).
    c["linux"]["namespaces"].append({"type": "cgroup"})
    c["linux"]["resources"] = {"pids": {"limit": 77}}
    hook = ("python3 -c 'import json, sys; print(json.load(sys.stdin)[\"pid\"])' > out/pid && "
            "cat /proc/$(cat out/pid)/cgroup > out/cgroup").replace("out/", out + "/")
    c["hooks"] = {"createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", hook],
                                     "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]}]}
    b = write_bundle(os.path.join(tmp, "bundle"), c)
    r = cella.run("run", "--bundle", b, cid)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["77"]
    with open(os.path.join(out, "cgroup")) as f:
        lines = f.read().split()
    if not os.path.exists(os.path.join(UNIFIED, "cgroup.controllers")):
        lines = [ln for ln in lines if ln != "0::/"]  # no cgroup2 mounted
    assert lines and all(ln.split(":", 2)[2] == f"/cella/{cid}" for ln in lines), lines
    assert cgroup_dirs(cid) == []


def test_refused_limit_is_a_clear_error_and_leaves_nothing(cella, bundle):
    b = bundle(["/bin/true"], {"cpu": {"cpus": "4095"}})
    cid = cid_of("badcpu")
    r = cella.run("run", "--bundle", b, cid)
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "linux.resources.cpu.cpus" in lines[0], r.stderr
    assert cgroup_dirs(cid) == []
    assert cella.entries() == []


def test_bad_resources_type_names_the_field(cella, bundle):
    b = bundle(["/bin/true"], {"memory": {"limit": "lots"}})
    cid = cid_of("badtype")
    r = cella.run("run", "--bundle", b, cid)
    assert r.returncode != 0
    assert "linux.resources.memory.limit" in r.stderr
    assert cgroup_dirs(cid) == []
    assert cella.entries() == []


def test_map_swap_is_memory_plus_swap_on_both_drivers(cella, bundle):
    """cella map's swap_limit and swap_usage mean memory + swap, as OCI's
    memory.swap does, on v1 (memsw) and v2 (memory.max + memory.swap.max)."""
    import json
    mib = 1024 * 1024
    b = bundle(["/bin/sleep", unique_sleep()],
               {"memory": {"limit": 64 * mib, "swap": 96 * mib}})
    cid = cid_of("swp")
    cella.ok("create", "--bundle", b, cid)
    try:
        mem = json.loads(cella.ok("map", "--json", cid).stdout)["cgroup"]["memory"]
        if "swap_limit" not in mem or (not os.path.isdir(V1_MEMORY) and not os.path.exists(
                os.path.join(UNIFIED, "cella", cid, "memory.swap.max"))):
            pytest.skip("no swap accounting")
        assert mem["limit"] == 64 * mib
        assert mem["swap_limit"] == 96 * mib
        assert mem["swap_usage"] >= mem["usage"] > 0
    finally:
        cella.ok("delete", "--force", cid)


@pytest.mark.skipif(not os.path.isdir("/sys/fs/cgroup/freezer"), reason="no v1 freezer")
def test_pause_status_read_from_the_freezer(cella, bundle):
    """state, pause and resume read the freezer itself: a container whose
    init someone moved out of its freezer cgroup is still paused once
    paused, and can be resumed (only list may take the init's state for
    the freezer's)."""
    token = unique_sleep()
    cid = cid_of("pz-side")
    b = bundle(["/bin/sleep", token])
    cella.ok("run", "--detach", "--bundle", b, cid)
    side = f"/sys/fs/cgroup/freezer/cella/{cid}-elsewhere"
    os.mkdir(side)
    try:
        with open(os.path.join(side, "cgroup.procs"), "w") as f:
            f.write(str(cella.state(cid)["pid"]))
        cella.ok("pause", cid)
        assert cella.state(cid)["status"] == "paused"
        cella.ok("resume", cid)
        assert cella.state(cid)["status"] == "running"
    finally:
        cella.run("delete", "--force", cid)
        reap()
        os.rmdir(side)
    assert cgroup_dirs(cid) == []
