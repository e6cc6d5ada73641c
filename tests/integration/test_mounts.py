# SPDX-License-Identifier: GPL-2.0-or-later
"""Mounts and namespaces without loopholes (issue 11): refusals of what
would weaken isolation, features applied for real or refused by name."""
import json
import os
import shutil
import subprocess

import pytest

from helpers import ROOTFS, make_config, mountinfo, write_bundle


def copy_rootfs(tmp, name="rootfs"):
    d = os.path.join(tmp, name)
    subprocess.run(["cp", "-a", ROOTFS, d], check=True)
    return d


def bundle(tmp, config, name="bundle"):
    return write_bundle(os.path.join(tmp, name), config)


def one_error(r):
    assert r.returncode != 0, r.stdout
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("cella: "), r.stderr
    return lines[0]


# ---- /proc and /sys are never symlinks ----

@pytest.mark.parametrize("which", ["proc", "sys"])
def test_symlinked_proc_sys_refused(cella, tmp, which):
    rootfs = copy_rootfs(tmp)
    os.makedirs(os.path.join(rootfs, "elsewhere"))
    os.rmdir(os.path.join(rootfs, which))
    os.symlink("elsewhere", os.path.join(rootfs, which))
    before = set(mountinfo())
    b = bundle(tmp, make_config(rootfs=rootfs))
    r = cella.run("run", "--bundle", b, "c1")
    line = one_error(r)
    assert f"`/{which}`" in line and "symlink" in line, line
    assert cella.entries() == []
    assert set(mountinfo()) - before == set()
    # Nothing was mounted through the link either.
    assert os.listdir(os.path.join(rootfs, "elsewhere")) == []


# ---- linux.memoryPolicy ----

def policy_of(text):
    """The task policy numa_maps shows on the [stack] line (no VMA policy)."""
    for line in text.splitlines():
        if "stack" in line:
            return line.split()[1]
    raise AssertionError(text)


@pytest.mark.parametrize("policy,shown", [
    ({"mode": "MPOL_INTERLEAVE", "nodes": "0"}, "interleave:0"),
    ({"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_STATIC_NODES"]}, "bind=static:0"),
    ({"mode": "MPOL_PREFERRED", "nodes": "0"}, "prefer:0"),
])
def test_memory_policy_applied(cella, tmp, policy, shown):
    if not os.path.exists("/proc/self/numa_maps"):
        pytest.skip("no NUMA support in this kernel")
    cfg = make_config(args=["/probe", "read", "/proc/self/numa_maps"])
    cfg["linux"]["memoryPolicy"] = policy
    b = bundle(tmp, cfg)
    r = cella.ok("run", "--bundle", b, "mp1")
    assert policy_of(r.stdout) == shown
    # exec processes get it too.
    cfg["process"]["args"] = ["/probe", "sleep", "300"]
    b = bundle(tmp, cfg, "bundle2")
    cella.ok("run", "--bundle", b, "--detach", "mp2")
    try:
        r = cella.ok("exec", "mp2", "/probe", "read", "/proc/self/numa_maps")
        assert policy_of(r.stdout) == shown
    finally:
        cella.run("delete", "--force", "mp2")


@pytest.mark.parametrize("policy,field", [
    ({"mode": "MPOL_BIND"}, "linux.memoryPolicy.nodes"),
    ({"mode": "MPOL_LOCAL", "nodes": "0"}, "linux.memoryPolicy.nodes"),
    ({"mode": "MPOL_NOPE"}, "linux.memoryPolicy.mode"),
    ({"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_X"]}, "linux.memoryPolicy.flags"),
    ({"mode": "MPOL_BIND", "nodes": "3-1"}, "linux.memoryPolicy.nodes"),
    # Valid, but no such node on this host: the kernel's refusal names the field.
    ({"mode": "MPOL_BIND", "nodes": "1000"}, "linux.memoryPolicy"),
])
def test_memory_policy_refused(cella, tmp, policy, field):
    cfg = make_config()
    cfg["linux"]["memoryPolicy"] = policy
    b = bundle(tmp, cfg)
    line = one_error(cella.run("run", "--bundle", b, "mp3"))
    assert field in line, line
    assert cella.entries() == []
