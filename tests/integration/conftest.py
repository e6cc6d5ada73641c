# SPDX-License-Identifier: GPL-2.0-or-later
"""Fixtures for cella's integration tests.

Every test gets its own --root directory and a leak check that runs after
it: the root directory must be empty, no process may be left (pytest is a
child subreaper, so anything a container leaves behind becomes our child),
and no new mount may appear under the paths the tests use. A test's
container ids come from helpers.cid_of, unique to the session: cella's
default cgroup, /cella/ID, is shared with every other cella on the host.

Run as root. Tests marked `rootless` run cella as an unprivileged user
(default nobody, 65534; CELLA_TEST_UID/CELLA_TEST_GID override) through
setpriv, with XDG_RUNTIME_DIR set to a directory that user owns.
"""
import os
import shutil
import subprocess
import tempfile

import pytest

from helpers import (CELLA, PROBE, ROOTFS, Cella, kill_tree_leftovers, mountinfo,
                     set_subreaper)


def pytest_configure(config):
    config.addinivalue_line("markers", "rootless: runs cella as an unprivileged user")
    set_subreaper()


def pytest_collection_modifyitems(config, items):
    missing = [p for p in (CELLA, PROBE, ROOTFS) if not os.path.exists(p)]
    reason = None
    if os.geteuid() != 0:
        reason = "the integration tests run as root"
    elif missing:
        reason = f"not built: {', '.join(missing)} (run make)"
    if reason:
        for item in items:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def basetemp():
    # The mount point of the probe that every config binds (make_config):
    # root makes it when it binds, but root of a user namespace cannot,
    # so a test with one would depend on one before it having run.
    probe = os.path.join(ROOTFS, "probe")
    if os.geteuid() == 0 and os.path.isdir(ROOTFS) and not os.path.lexists(probe):
        open(probe, "w").close()
    d = tempfile.mkdtemp(prefix="cella-it-", dir="/tmp")
    os.chmod(d, 0o755)
    yield d
    _umount_under(d)
    shutil.rmtree(d, ignore_errors=True)


def _umount_under(prefix):
    """Lazily unmount what a broken run left below our own temp dirs, deepest
    first, so that rmtree never walks into a bind-mounted host directory."""
    mps = sorted({mp for mp in mountinfo().values()
                  if mp == prefix or mp.startswith(prefix + "/")}, key=len, reverse=True)
    for mp in mps:
        subprocess.run(["umount", "-l", mp], capture_output=True)
    return mps


@pytest.fixture
def tmp(basetemp, request):
    d = tempfile.mkdtemp(prefix=request.node.name[:40].replace("/", "_") + ".", dir=basetemp)
    os.chmod(d, 0o755)
    return d


def _cella_cgroups():
    """cella's default cgroup parents (`/cella` in each hierarchy) and the
    container cgroups in them."""
    parents, leaves = [], []
    base = "/sys/fs/cgroup"
    roots = [base] + [os.path.join(base, d) for d in sorted(os.listdir(base))
                      if os.path.isdir(os.path.join(base, d))]
    for r in roots:
        p = os.path.join(r, "cella")
        if os.path.isdir(p):
            parents.append(p)
            leaves += [os.path.join(p, d) for d in os.listdir(p)
                       if os.path.isdir(os.path.join(p, d))]
    return parents, leaves


def _cgroup_empty(path):
    try:
        with open(os.path.join(path, "cgroup.procs")) as f:
            return f.read().strip() == ""
    except OSError:
        return False


@pytest.fixture(scope="session", autouse=True)
def cgroup_parents():
    """Remove, at the end, the `/cella` cgroup parents the suite created."""
    before, _ = _cella_cgroups()
    yield
    after, _ = _cella_cgroups()
    for p in sorted(set(after) - set(before), key=len, reverse=True):
        try:
            os.rmdir(p)
        except OSError:
            pass


@pytest.fixture(autouse=True)
def leakcheck(basetemp, request):
    """Fail the test (in teardown) if it left a process, mount, cgroup or
    state entry."""
    roots = []
    request.node.cella_roots = roots
    before = mountinfo()
    cgroups_before = set(_cella_cgroups()[1])
    yield
    problems = []
    # State first, so that a forced delete can still find the containers.
    for c in roots:
        left = [e for e in c.entries() if not e.startswith(".")]
        staging = os.path.join(c.root, ".new")
        staged = os.listdir(staging) if os.path.isdir(staging) else []
        if staged:
            problems.append(f"staged state left in {staging}: {staged}")
        if left:
            problems.append(f"state left in {c.root}: {left}")
            for cid in left:
                try:
                    c.run("delete", "--force", cid, timeout=10)
                except subprocess.TimeoutExpired:
                    problems.append(f"delete --force {cid} hangs")
    procs = kill_tree_leftovers()
    if procs:
        problems.append(f"processes left: {procs}")
    ids = set().union(*(c.ids for c in roots)) if roots else set()
    watched = (basetemp, ROOTFS, os.path.dirname(PROBE)) + tuple(
        f"/run/cella/{i}" for i in ids)
    new = sorted(mp for mid, mp in mountinfo().items() if mid not in before and any(
        mp == w or mp.startswith(w + "/") for w in watched))
    if new:
        problems.append(f"mounts left: {new}")
        for w in (basetemp, ROOTFS):
            _umount_under(w)
    # Only cgroups named by this test's own ids count, in every hierarchy,
    # and none is removed here: other users of the host (a second test
    # session, an engine) have cella cgroups of their own.
    cgroups = sorted(cg for cg in set(_cella_cgroups()[1]) - cgroups_before
                     if os.path.basename(cg) in ids)
    if cgroups:
        problems.append(f"cgroups left: {cgroups}")
    if problems:
        pytest.fail("; ".join(problems), pytrace=False)


@pytest.fixture
def cella(tmp, request):
    c = Cella(os.path.join(tmp, "root"))
    request.node.cella_roots.append(c)
    return c


# ---- rootless ----

def _test_user():
    return (int(os.environ.get("CELLA_TEST_UID", "65534")),
            int(os.environ.get("CELLA_TEST_GID", os.environ.get("CELLA_TEST_UID", "65534"))))


@pytest.fixture(scope="session")
def test_user():
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is missing")
    return _test_user()


@pytest.fixture(scope="session")
def user_rootfs(basetemp, test_user):
    """A copy of the default rootfs owned by the test user, so that cella can
    create bind mount points in it."""
    d = os.path.join(basetemp, "rootless-rootfs")
    subprocess.run(["cp", "-a", ROOTFS, d], check=True)
    subprocess.run(["chown", "-R", "-h", f"{test_user[0]}:{test_user[1]}", d], check=True)
    return d


@pytest.fixture
def utmp(tmp, test_user):
    """A per-test directory owned by the test user."""
    os.chown(tmp, *test_user)
    return tmp


@pytest.fixture
def rootless(utmp, test_user, request):
    xdg = os.path.join(utmp, "xdg")
    os.mkdir(xdg, 0o700)
    os.chown(xdg, *test_user)
    c = Cella(os.path.join(utmp, "root"), user=test_user,
              env={"XDG_RUNTIME_DIR": xdg, "HOME": utmp, "USER": "nobody", "LOGNAME": "nobody"})
    c.xdg = xdg
    request.node.cella_roots.append(c)
    # The default root, for tests that omit --root.
    d = Cella(os.path.join(xdg, "cella"), user=test_user, env=c.env)
    request.node.cella_roots.append(d)
    return c
