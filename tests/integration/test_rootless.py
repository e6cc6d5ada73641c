# SPDX-License-Identifier: GPL-2.0-or-later
"""cella run by an unprivileged user (rootless): the `rootless` fixture runs
cella through setpriv as CELLA_TEST_UID (default nobody) with its own
XDG_RUNTIME_DIR."""
import fcntl
import json
import os
import shutil
import signal

import pytest

from helpers import (CELLA, CELLA_RUNTIME, NAMESPACES, PROBE, ROOTFS, TIMEOUT, Cella, cid_of,
                     find_process, host_ns, make_config, read_subid, unique_sleep,
                     write_bundle)

pytestmark = pytest.mark.rootless


def test_quick_door_runs(rootless, test_user):
    # The built-in rootfs (owned by root, world-readable), no bind mounts.
    r = rootless.run("run", "--rootfs", ROOTFS, "--", "/bin/sh", "-c", "id -u; id -g")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["0", "0"]


def test_quick_door_default_rootfs(rootless):
    r = rootless.run("run", "--", "cat", "/etc/hostname")
    assert (r.returncode, r.stdout) == (0, "cella\n"), r.stderr


def test_probe_ids(rootless, user_rootfs, test_user):
    info = rootless.probe(rootfs=user_rootfs)
    assert (info["uid"], info["gid"], info["euid"], info["egid"]) == (0, 0, 0, 0)
    assert info["setgroups"].strip() == "deny"
    first = tuple(int(x) for x in info["uid_map"].split()[:3])
    assert first[:2] == (0, test_user[0]) or read_subid("/etc/subuid", test_user[0])
    host = host_ns()
    for n in NAMESPACES:
        assert info["ns"][n] != host[n], f"{n} is shared with the host"
    assert [i["name"] for i in info["interfaces"]] == ["lo"]
    assert info["pid"] == 1


def test_uid_map_seen_from_outside(rootless, user_rootfs, test_user):
    token = unique_sleep()
    p = rootless.popen("run", "--rootfs", user_rootfs, "--bind", f"{PROBE}:/probe:ro", "--",
                       "/probe", "sleep", token)
    try:
        pid = find_process(["/probe", "sleep", token])
        with open(f"/proc/{pid}/uid_map") as f:
            uid_map = [tuple(int(x) for x in line.split()) for line in f]
        with open(f"/proc/{pid}/setgroups") as f:
            assert f.read().strip() == "deny"
        with open(f"/proc/{pid}/gid_map") as f:
            gid_map = [tuple(int(x) for x in line.split()) for line in f]
        if not read_subid("/etc/subuid", test_user[0]):
            assert uid_map == [(0, test_user[0], 1)]
            assert gid_map == [(0, test_user[1], 1)]
        else:
            assert (0, test_user[0], 1) == uid_map[0]
        st = os.stat(f"/proc/{pid}")
        assert st.st_uid == test_user[0]
        os.kill(pid, signal.SIGKILL)
    finally:
        if p.poll() is None:
            try:
                p.wait(timeout=TIMEOUT)
            except Exception:
                p.kill()
        p.communicate()
    assert p.returncode == 128 + 9


def test_setgroups_denied(rootless, user_rootfs):
    r = rootless.quick(cmd=["/probe", "read", "/proc/self/setgroups"], rootfs=user_rootfs)
    assert (r.returncode, r.stdout.strip()) == (0, "deny"), r.stderr


def test_bind_rw(rootless, user_rootfs, utmp):
    d = os.path.join(utmp, "data")
    os.mkdir(d)
    os.chown(d, *rootless.user)
    r = rootless.quick("--bind", f"{d}:/data", cmd=["/probe", "write", "/data/f"],
                       rootfs=user_rootfs)
    assert (r.returncode, r.stdout.strip()) == (0, "OK"), r.stderr
    assert os.stat(os.path.join(d, "f")).st_uid == rootless.user[0]


def test_exit_codes(rootless):
    assert rootless.run("run", "--rootfs", ROOTFS, "--", "/bin/sh", "-c",
                        "exit 3").returncode == 3
    r = rootless.run("run", "--rootfs", ROOTFS, "--", "/no/such/exe")
    assert r.returncode == 127
    assert len(r.stderr.splitlines()) == 1 and "/no/such/exe" in r.stderr


def test_print_spec_rootless(rootless, test_user):
    r = rootless.run("run", "--print-spec", "--", "/bin/true")
    assert r.returncode == 0, r.stderr
    spec = json.loads(r.stdout)
    assert "user" in {n["type"] for n in spec["linux"]["namespaces"]}
    assert spec["linux"]["uidMappings"][0]["containerID"] == 0
    assert spec["linux"]["uidMappings"][0]["hostID"] == test_user[0] or \
        read_subid("/etc/subuid", test_user[0])


def test_default_state_root(rootless, user_rootfs, utmp, test_user):
    """Without --root, state goes to $XDG_RUNTIME_DIR/cella."""
    cid = cid_of("rl1")
    b = write_bundle(os.path.join(utmp, "bundle"),
                     make_config(args=["/probe", "sleep", "300"], rootfs=user_rootfs,
                                 rootless=test_user), owner=test_user)
    r = rootless.run("create", "--bundle", b, cid, root=False)
    assert r.returncode == 0, r.stderr
    try:
        state_root = os.path.join(rootless.xdg, "cella")
        assert cid in os.listdir(state_root)
        st = json.loads(rootless.run("state", cid, root=False).stdout)
        assert st["status"] == "created"
        with open(f"/proc/{st['pid']}/uid_map") as f:
            assert f.read().split()[:3] == ["0", str(test_user[0]), "1"]
    finally:
        rootless.run("delete", "--force", cid, root=False)
    assert [e for e in os.listdir(state_root) if not e.startswith(".")] == []


def test_spec_rootless_then_run(rootless, user_rootfs, utmp, test_user):
    cid = cid_of("rl2")
    b = os.path.join(utmp, "specb")
    os.mkdir(b)
    os.chown(b, *test_user)
    r = rootless.run("spec", "--rootless", "--bundle", b)
    assert r.returncode == 0, r.stderr
    with open(os.path.join(b, "config.json")) as f:
        spec = json.load(f)
    assert "user" in {n["type"] for n in spec["linux"]["namespaces"]}
    assert spec["linux"]["uidMappings"] == [{"containerID": 0, "hostID": test_user[0],
                                             "size": 1}]
    spec["root"]["path"] = user_rootfs
    spec["process"]["terminal"] = False
    spec["process"]["args"] = ["/probe"]
    spec["mounts"].append({"destination": "/probe", "type": "bind", "source": PROBE,
                           "options": ["rbind", "ro"]})
    write_bundle(b, spec, owner=test_user)
    r = rootless.run("run", "--bundle", b, cid)
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["uid"] == 0 and info["setgroups"].strip() == "deny"


def test_rootless_error_is_one_line(rootless):
    r = rootless.run("run", "--rootfs", "/no/such/rootfs", "--", "/bin/true")
    assert r.returncode != 0
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("cella: ") and "/no/such/rootfs" in lines[0]


@pytest.fixture
def subids(test_user):
    """Give the test user subordinate ranges for newuidmap/newgidmap, and
    take them back after. Skipped without the uidmap package."""
    if shutil.which("newuidmap") is None or shutil.which("newgidmap") is None:
        pytest.skip("newuidmap/newgidmap (uidmap) are not installed")
    if read_subid("/etc/subuid", test_user[0]) or read_subid("/etc/subgid", test_user[0]):
        pytest.skip("the test user already has subordinate ranges")
    saved = {}
    for path in ("/etc/subuid", "/etc/subgid"):
        try:
            with open(path) as f:
                saved[path] = f.read()
        except FileNotFoundError:
            saved[path] = None
        with open(path, "a") as f:
            f.write(f"{test_user[0]}:400000:65536\n")
    try:
        yield (400000, 65536)
    finally:
        for path, text in saved.items():
            if text is None:
                os.unlink(path)
            else:
                with open(path, "w") as f:
                    f.write(text)


def test_subordinate_ranges_via_newuidmap(rootless, subids, test_user):
    start, count = subids
    r = rootless.run("run", "--", "sh", "-c",
                     "cat /proc/self/uid_map /proc/self/setgroups; "
                     "touch /tmp/f && chown 1000:1000 /tmp/f && stat -c %u:%g /tmp/f")
    assert r.returncode == 0, r.stderr
    lines = [line.split() for line in r.stdout.splitlines()]
    assert [int(x) for x in lines[0]] == [0, test_user[0], 1]
    assert [int(x) for x in lines[1]] == [1, start, count]
    # Mapped by the privileged helper: setgroups stays allowed.
    assert lines[2] == ["allow"]
    assert lines[3] == ["1000:1000"]


# ---- the runtime's binary (CVE-2019-5736), rootless ----

def rootless_bundle(rootless, user_rootfs, utmp, test_user, name, args):
    b = os.path.join(utmp, name)
    os.mkdir(b)
    os.chown(b, *test_user)
    rootless.ok("spec", "--rootless", "--bundle", b)
    with open(os.path.join(b, "config.json")) as f:
        spec = json.load(f)
    spec["root"]["path"] = user_rootfs
    spec["process"]["terminal"] = False
    spec["process"]["args"] = args
    spec["mounts"].append({"destination": "/probe", "type": "bind", "source": PROBE,
                           "options": ["rbind", "ro"]})
    return write_bundle(b, spec, owner=test_user)


def test_root_owned_binary_is_not_copied_rootless(rootless, user_rootfs, utmp, test_user):
    """Rootless, with the binary root's and writable by nobody else (the
    usual install), the runtime makes no sealed copy of itself: the init runs
    the binary itself, which no process the user starts can write, not even
    root of the container's user namespace (root's ids are not mapped
    there), as this container shows through a bind mount of the binary."""
    st = os.stat(CELLA_RUNTIME)
    if st.st_uid != 0 or st.st_mode & 0o022:
        pytest.skip(f"{CELLA_RUNTIME} is not root's alone")
    b = rootless_bundle(rootless, user_rootfs, utmp, test_user, "nocopy", ["/probe", "exit", "0"])
    cid = cid_of("rl-nocopy")
    rootless.ok("create", "--bundle", b, cid)
    try:
        pid = rootless.state(cid)["pid"]
        exe = os.stat(f"/proc/{pid}/exe")
        assert (exe.st_dev, exe.st_ino) == (st.st_dev, st.st_ino), os.readlink(
            f"/proc/{pid}/exe")
    finally:
        rootless.run("delete", "--force", cid)
    r = rootless.run("run", "--rootfs", user_rootfs, "--bind", f"{CELLA_RUNTIME}:/runtime", "--",
                     "/bin/sh", "-c", "echo evil >> /runtime; echo $?")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] != "0", r.stdout
    assert os.stat(CELLA_RUNTIME).st_mtime == st.st_mtime


@pytest.mark.parametrize("why", ["owned", "group-writable"])
def test_reachable_binary_is_sealed_rootless(rootless, user_rootfs, utmp, test_user, why):
    """A binary the user could write (its own copy), or root's but writable
    by a group, is still run from a sealed copy rootless."""
    d = os.path.join(utmp, "bin")
    os.mkdir(d)
    os.chown(d, *test_user)
    copy = os.path.join(d, "cella")
    shutil.copy2(CELLA_RUNTIME, copy)
    if why == "owned":
        os.chown(copy, *test_user)
    else:
        os.chmod(copy, 0o775)
    argv = rootless.argv
    rootless.argv = lambda *a, root=True: [copy if w == CELLA else w for w in argv(*a, root=root)]
    b = rootless_bundle(rootless, user_rootfs, utmp, test_user, "copy", ["/probe", "exit", "0"])
    cid = cid_of(f"rl-copy-{why}")
    rootless.ok("create", "--bundle", b, cid)
    try:
        pid = rootless.state(cid)["pid"]
        assert os.readlink(f"/proc/{pid}/exe").startswith("/memfd:")
        fd = os.open(f"/proc/{pid}/exe", os.O_RDONLY | os.O_CLOEXEC)
        try:
            assert fcntl.fcntl(fd, 1034) & 0x0008  # F_GET_SEALS, F_SEAL_WRITE
        finally:
            os.close(fd)
    finally:
        rootless.run("delete", "--force", cid)


def test_state_root_of_another_user_is_refused(rootless, tmp, test_user):
    """A state root another user owns (the fallback /tmp/cella-UID made
    first by someone else, say) could hold a container, and its hooks.json,
    of theirs: refused, naming its owner, even where its mode lets us in."""
    root = os.path.join(tmp, "theirs")
    os.mkdir(root, 0o755)  # root's: not the test user's
    other = Cella(root, user=test_user, env=rootless.env)
    for args in (["list"], ["state", cid_of("x")], ["run", "--rootfs", ROOTFS, "--", "/bin/true"]):
        r = other.run(*args)
        assert r.returncode != 0, (args, r.stdout)
        assert f"state root `{root}` is not this user's alone (owner uid 0" in r.stderr, r.stderr
    assert os.listdir(root) == []
