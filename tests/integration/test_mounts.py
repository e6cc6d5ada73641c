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
