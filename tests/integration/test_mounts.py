# SPDX-License-Identifier: GPL-2.0-or-later
"""Mounts and namespaces without loopholes (issue 11): refusals of what
would weaken isolation, features applied for real or refused by name."""
import json
import os
import shutil
import subprocess

import pytest

from helpers import ROOTFS, cid_of, make_config, mountinfo, write_bundle


def copy_rootfs(tmp, name="rootfs"):
    d = os.path.join(tmp, name)
    subprocess.run(["cp", "-a", ROOTFS, d], check=True)
    return d


def bundle(tmp, config, name="bundle"):
    return write_bundle(os.path.join(tmp, name), config)


def new_mounts(before, tmp):
    """Mounts of the host's namespace made since `before` on the paths this
    test uses (other sessions mount elsewhere at the same time)."""
    from helpers import PROBE
    watched = (tmp, ROOTFS, os.path.dirname(PROBE), "/proc", "/sys", "/dev")
    return sorted(mp for mid, mp in mountinfo().items() if mid not in before and any(
        mp == w or mp.startswith(w + "/") for w in watched))


def one_error(r):
    assert r.returncode != 0, r.stdout
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("cella: "), r.stderr
    return lines[0]


# ---- /proc and /sys are never symlinks ----

@pytest.mark.parametrize("which", ["proc", "sys"])
def test_symlinked_proc_sys_refused(cella, tmp, which):
    cid = cid_of("c1")
    rootfs = copy_rootfs(tmp)
    os.makedirs(os.path.join(rootfs, "elsewhere"))
    os.rmdir(os.path.join(rootfs, which))
    os.symlink("elsewhere", os.path.join(rootfs, which))
    before = mountinfo()
    b = bundle(tmp, make_config(rootfs=rootfs))
    r = cella.run("run", "--bundle", b, cid)
    line = one_error(r)
    assert f"`/{which}`" in line and "symlink" in line, line
    assert cella.entries() == []
    assert new_mounts(before, tmp) == []
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
    cid1 = cid_of("mp1")
    cid2 = cid_of("mp2")
    if not os.path.exists("/proc/self/numa_maps"):
        pytest.skip("no NUMA support in this kernel")
    cfg = make_config(args=["/probe", "read", "/proc/self/numa_maps"])
    cfg["linux"]["memoryPolicy"] = policy
    b = bundle(tmp, cfg)
    r = cella.ok("run", "--bundle", b, cid1)
    assert policy_of(r.stdout) == shown
    # exec processes get it too.
    cfg["process"]["args"] = ["/probe", "sleep", "300"]
    b = bundle(tmp, cfg, "bundle2")
    cella.ok("run", "--bundle", b, "--detach", cid2)
    try:
        r = cella.ok("exec", cid2, "/probe", "read", "/proc/self/numa_maps")
        assert policy_of(r.stdout) == shown
    finally:
        cella.run("delete", "--force", cid2)


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
    cid = cid_of("mp3")
    cfg = make_config()
    cfg["linux"]["memoryPolicy"] = policy
    b = bundle(tmp, cfg)
    line = one_error(cella.run("run", "--bundle", b, cid))
    assert field in line, line
    assert cella.entries() == []


# ---- idmapped mounts ----

def userns_config(args, base=100000, **kw):
    cfg = make_config(args=args, **kw)
    cfg["linux"]["namespaces"].append({"type": "user"})
    cfg["linux"]["uidMappings"] = [{"containerID": 0, "hostID": base, "size": 65536}]
    cfg["linux"]["gidMappings"] = [{"containerID": 0, "hostID": base, "size": 65536}]
    # sysfs needs a network namespace owned by the user namespace: it is.
    return cfg


def owned_dir(tmp, uid=1000, gid=1000, dir_owner=None):
    d = os.path.join(tmp, "data")
    os.mkdir(d)
    os.chmod(d, 0o755)
    with open(os.path.join(d, "f"), "w") as f:
        f.write("hello\n")
    os.chown(os.path.join(d, "f"), uid, gid)
    os.chown(d, *(dir_owner or (uid, gid)))
    return d


def stat_in(out):
    return out.split()


@pytest.mark.parametrize("opts,maps,shown", [
    # The container's own mappings: the file shows its owner on disk.
    (["rbind", "idmap"], None, ["1000", "1000"]),
    (["bind", "ridmap"], None, ["1000", "1000"]),
    # Explicit mappings: on-disk 1000 becomes host 100500, container 500.
    (["rbind"], [{"containerID": 1000, "hostID": 100500, "size": 1}], ["500", "500"]),
])
def test_idmapped_bind(cella, tmp, opts, maps, shown):
    cid = cid_of("id1")
    d = owned_dir(tmp)
    cfg = userns_config(["/bin/sh", "-c",
                         "stat -c '%u %g' /mnt/f; grep ' /mnt ' /proc/self/mountinfo"])
    m = {"destination": "/mnt", "type": "bind", "source": d, "options": opts}
    if maps:
        m["uidMappings"] = maps
        m["gidMappings"] = maps
    cfg["mounts"].append(m)
    b = bundle(tmp, cfg)
    r = cella.ok("run", "--bundle", b, cid)
    lines = r.stdout.splitlines()
    assert lines[0].split() == shown, r.stdout
    assert "idmapped" in lines[1], r.stdout
    # On the host: the file and its owner unchanged, nothing left mounted.
    st = os.stat(os.path.join(d, "f"))
    assert (st.st_uid, st.st_gid) == (1000, 1000)


def test_idmapped_binds_with_different_maps(cella, tmp):
    """Binds of one container idmapped with the container's mappings and
    with their own each show the owner through their own mapping (the
    runtime reuses the user namespace it made for one set of maps only for
    the same maps)."""
    cid = cid_of("idmix")
    d = owned_dir(tmp)
    cfg = userns_config(["/bin/sh", "-c", "stat -c '%u %g' /mnt/f /home/f /var/f /root/f"])
    maps = [{"containerID": 1000, "hostID": 100500, "size": 1}]
    own = cfg["linux"]["uidMappings"]
    cfg["mounts"] += [
        {"destination": "/mnt", "type": "bind", "source": d, "options": ["rbind", "idmap"]},
        {"destination": "/home", "type": "bind", "source": d, "options": ["rbind"],
         "uidMappings": maps, "gidMappings": maps},
        {"destination": "/var", "type": "bind", "source": d, "options": ["rbind", "idmap"]},
        # the container's uid maps, gid maps of its own
        {"destination": "/root", "type": "bind", "source": d, "options": ["rbind"],
         "uidMappings": own, "gidMappings": maps},
    ]
    r = cella.ok("run", "--bundle", bundle(tmp, cfg), cid)
    assert r.stdout.split() == ["1000", "1000", "500", "500", "1000", "1000", "1000", "500"], \
        r.stdout


def test_created_init_holds_no_idmapping_namespace(cella, tmp):
    """The user namespace the runtime made for idmapping is closed before
    the init is forked, and the init closes the detached mounts it moved
    into place: the init of a created container holds no fd of either."""
    cid = cid_of("idfd")
    d = owned_dir(tmp)
    cfg = userns_config(["/bin/true"])
    cfg["mounts"].append({"destination": "/mnt", "type": "bind", "source": d,
                          "options": ["rbind", "idmap"]})
    cella.ok("create", "--bundle", bundle(tmp, cfg), cid)
    try:
        pid = cella.state(cid)["pid"]
        fds = [os.readlink(f"/proc/{pid}/fd/{n}") for n in os.listdir(f"/proc/{pid}/fd")]
        assert not [f for f in fds if f.startswith("user:")], fds
        # nor the detached idmapped mount, now in place
        assert "/mnt" not in fds, fds
    finally:
        cella.run("delete", "--force", cid)


def test_idmapped_bind_without_it_shows_nobody(cella, tmp):
    """The control: without idmap the unmapped owner shows as the overflow id."""
    cid = cid_of("id2")
    d = owned_dir(tmp)
    cfg = userns_config(["/bin/sh", "-c", "stat -c '%u %g' /mnt/f"])
    cfg["mounts"].append({"destination": "/mnt", "type": "bind", "source": d,
                          "options": ["rbind"]})
    r = cella.ok("run", "--bundle", bundle(tmp, cfg), cid)
    assert r.stdout.split() == ["65534", "65534"]


def test_idmapped_write_through(cella, tmp):
    """Container root owns (on disk) root's directory and writes through
    the mapping as the on-disk root (without idmap: EACCES)."""
    cid = cid_of("id3")
    d = owned_dir(tmp, dir_owner=(0, 0))
    cfg = userns_config(["/probe", "write", "/mnt/new"])
    cfg["root"]["readonly"] = True
    cfg["mounts"].append({"destination": "/mnt", "type": "bind", "source": d,
                          "options": ["rbind", "rw", "idmap"]})
    r = cella.ok("run", "--bundle", bundle(tmp, cfg), cid)
    assert "OK" in r.stdout
    st = os.stat(os.path.join(d, "new"))
    assert (st.st_uid, st.st_gid) == (0, 0)


@pytest.mark.parametrize("case,words", [
    ("tmpfs", ["mounts[", "bind mounts only"]),
    ("nouserns", ["mounts[", "idmap", "no"]),
    ("onlyuid", ["mounts[", "uidMappings and gidMappings"]),
])
def test_idmapped_refused(cella, tmp, case, words):
    cid = cid_of("id4")
    d = owned_dir(tmp)
    if case == "nouserns":
        cfg = make_config()
        m = {"destination": "/mnt", "type": "bind", "source": d, "options": ["rbind", "idmap"]}
    else:
        cfg = userns_config(["/probe"])
        if case == "tmpfs":
            m = {"destination": "/mnt", "type": "tmpfs", "source": "tmpfs",
                 "options": ["idmap"]}
        else:
            m = {"destination": "/mnt", "type": "bind", "source": d, "options": ["rbind"],
                 "uidMappings": [{"containerID": 0, "hostID": 1, "size": 1}]}
    cfg["mounts"].append(m)
    line = one_error(cella.run("run", "--bundle", bundle(tmp, cfg), cid))
    for w in words:
        assert w in line, line
    assert cella.entries() == []


# ---- linux.netDevices ----

def wait_exec(pid):
    """Until the unshare(1) holder has made its namespace and exec'd sleep."""
    from helpers import cmdline, wait_for
    wait_for(lambda: (cmdline(pid) or [""])[0] == "sleep", what="the namespace holder")


def ip(*args, check=True):
    return subprocess.run(["ip"] + list(args), capture_output=True, text=True, check=check)


@pytest.fixture
def dummy():
    name = "cd%d" % (os.getpid() % 100000)
    ip("link", "del", name, check=False)
    # veth: every kernel has it (dummy is a module); the peer stays here.
    ip("link", "add", name, "type", "veth", "peer", "name", name + "p")
    ip("addr", "add", "169.254.77.13/32", "dev", name)
    ip("link", "set", name, "up")
    yield name
    ip("link", "del", name, check=False)


def test_net_device_moved_in_and_back(cella, tmp, dummy):
    cid = cid_of("nd1")
    cfg = make_config(args=["/probe", "sleep", "300"])
    cfg["linux"]["netDevices"] = {dummy: {"name": "ctr0"}}
    b = bundle(tmp, cfg)
    cella.ok("run", "--bundle", b, "--detach", cid)
    try:
        # Gone from the host, there in the container, renamed, up, with its address.
        assert ip("link", "show", dummy, check=False).returncode != 0
        r = cella.ok("exec", cid, "/sbin/ip", "addr", "show", "ctr0")
        assert "169.254.77.13/32" in r.stdout and "UP" in r.stdout, r.stdout
    finally:
        cella.ok("delete", "--force", cid)
    # Back on the host under its own name, with its address.
    out = ip("addr", "show", dummy).stdout
    assert "169.254.77.13/32" in out and "UP" in out, out


def test_net_device_keeps_every_permanent_address(cella, tmp, dummy):
    """The address dump (rtnetlink, kernel/netlink.c) brings every permanent
    address along, several IPv4 and an IPv6 one."""
    cid = cid_of("nd3")
    ip("addr", "add", "169.254.77.14/32", "dev", dummy)
    have_v6 = os.path.exists("/proc/sys/net/ipv6") and \
        ip("-6", "addr", "add", "fd00:77::13/128", "dev", dummy, "nodad",
           check=False).returncode == 0
    cfg = make_config(args=["/probe", "sleep", "300"])
    cfg["linux"]["netDevices"] = {dummy: {"name": "ctr2"}}
    b = bundle(tmp, cfg)
    cella.ok("run", "--bundle", b, "--detach", cid)
    try:
        out = cella.ok("exec", cid, "/sbin/ip", "addr", "show", "ctr2").stdout
        for want in ["169.254.77.13/32", "169.254.77.14/32"] + \
                (["fd00:77::13/128"] if have_v6 else []):
            assert want in out, out
    finally:
        cella.ok("delete", "--force", cid)
    out = ip("addr", "show", dummy).stdout
    for want in ["169.254.77.13/32", "169.254.77.14/32"] + (["fd00:77::13/128"] if have_v6 else []):
        assert want in out, out


def test_net_device_back_from_joined_namespace(cella, tmp, dummy):
    """A stopped container's joined namespace outlives it: delete brings the
    device back from there."""
    cid = cid_of("nd2")
    holder = subprocess.Popen(["unshare", "--net", "sleep", "300"])
    try:
        ns = f"/proc/{holder.pid}/ns/net"
        wait_exec(holder.pid)
        cfg = make_config(args=["/sbin/ip", "link", "show", "ctr1"])
        cfg["linux"]["namespaces"] = [n if n["type"] != "network" else
                                      {"type": "network", "path": ns}
                                      for n in cfg["linux"]["namespaces"]]
        cfg["linux"]["netDevices"] = {dummy: {"name": "ctr1"}}
        b = bundle(tmp, cfg)
        cella.ok("create", "--bundle", b, cid)
        cella.ok("start", cid)
        cella.wait_status(cid, "stopped")
        assert ip("link", "show", dummy, check=False).returncode != 0
        cella.ok("delete", cid)
        assert "169.254.77.13/32" in ip("addr", "show", dummy).stdout
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize("case,words", [
    ("nonet", ["linux.netDevices", "network namespace"]),
    ("missing", ["linux.netDevices", "no interface `nosuchif0`"]),
    ("badname", ["linux.netDevices", "not a valid interface name"]),
])
def test_net_device_refused(cella, tmp, case, words):
    cid = cid_of("nd3")
    cfg = make_config()
    if case == "nonet":
        cfg["linux"]["namespaces"] = [n for n in cfg["linux"]["namespaces"]
                                      if n["type"] != "network"]
        cfg["linux"]["netDevices"] = {"lo": {}}
    elif case == "missing":
        cfg["linux"]["netDevices"] = {"nosuchif0": {}}
    else:
        cfg["linux"]["netDevices"] = {"lo": {"name": "a/b"}}
    line = one_error(cella.run("run", "--bundle", bundle(tmp, cfg), cid))
    for w in words:
        assert w in line, line
    assert cella.entries() == []


# ---- readonlyPaths are read-only with their submounts ----

def test_readonly_paths_recursive(cella, tmp):
    cid = cid_of("ro1")
    d = os.path.join(tmp, "data")
    os.makedirs(os.path.join(d, "sub"))
    cfg = make_config(args=["/bin/sh", "-c",
                            "/probe write /mnt/sub/x; /probe write /mnt/y; "
                            "grep ' /mnt/sub ' /proc/self/mountinfo"])
    cfg["mounts"].append({"destination": "/mnt", "type": "bind", "source": d,
                          "options": ["rbind", "rw"]})
    cfg["mounts"].append({"destination": "/mnt/sub", "type": "tmpfs", "source": "tmpfs",
                          "options": ["rw"]})
    cfg["linux"]["readonlyPaths"].append("/mnt")
    r = cella.ok("run", "--bundle", bundle(tmp, cfg), cid)
    lines = r.stdout.splitlines()
    assert lines[0] == "EROFS" and lines[1] == "EROFS", r.stdout
    # The visible one (the last: the path's self-bind stacks a copy).
    assert lines[-1].split()[5].startswith("ro"), r.stdout
    assert os.listdir(d) == ["sub"]


# ---- a read-only /dev with its submounts ----

def test_readonly_dev_with_submounts(cella, tmp):
    cid = cid_of("rd1")
    cfg = make_config(args=["/bin/sh", "-c",
                            "/probe write /dev/x; /probe write /dev/shm/y; "
                            "grep -E ' /dev(/pts|/shm|/mqueue)? ' /proc/self/mountinfo; "
                            "ls /dev/null /dev/pts/ptmx"])
    for m in cfg["mounts"]:
        if m["destination"] == "/dev":
            m["options"].append("ro")
    r = cella.ok("run", "--bundle", bundle(tmp, cfg), cid)
    lines = r.stdout.splitlines()
    assert lines[0] == "EROFS" and lines[1] == "OK", r.stdout
    opts = {l.split()[4]: l.split()[5] for l in lines[2:6]}
    assert opts["/dev"].startswith("ro,"), r.stdout
    for sub in ("/dev/pts", "/dev/shm", "/dev/mqueue"):
        assert opts[sub].startswith("rw,"), r.stdout
    assert "/dev/null" in lines[6:][0], r.stdout


# ---- the mount namespace: absent (inherited) or joined by path ----

def no_mountns_config(rootfs, args):
    cfg = make_config(args=args, rootfs=rootfs)
    cfg["mounts"] = []
    cfg["linux"]["maskedPaths"] = []
    cfg["linux"]["readonlyPaths"] = []
    cfg["root"]["readonly"] = False
    cfg["linux"]["namespaces"] = [n for n in cfg["linux"]["namespaces"]
                                  if n["type"] != "mount"]
    return cfg


def test_mount_namespace_inherited(cella, tmp):
    """No mount namespace in the config: the runtime's is inherited, the
    process is chrooted into root.path (as runc), and no mount is made."""
    cid = cid_of("mn1")
    from helpers import PROBE
    rootfs = copy_rootfs(tmp)
    shutil.copy(PROBE, os.path.join(rootfs, "probe"))
    open(os.path.join(rootfs, "marker"), "w").close()
    before = mountinfo()
    cfg = no_mountns_config(rootfs, ["/probe", "sleep", "300"])
    cella.ok("run", "--bundle", bundle(tmp, cfg), "--detach", cid)
    try:
        pid = cella.state(cid)["pid"]
        assert os.readlink(f"/proc/{pid}/ns/mnt") == os.readlink("/proc/self/ns/mnt")
        assert os.path.realpath(f"/proc/{pid}/root") == os.path.realpath(rootfs)
        r = cella.ok("exec", cid, "/probe", "ls", "/")
        assert "marker" in r.stdout.split()
        assert new_mounts(before, tmp) == []
    finally:
        cella.run("delete", "--force", cid)
    assert new_mounts(before, tmp) == []


@pytest.mark.parametrize("field", ["mounts", "linux.maskedPaths", "root.readonly"])
def test_mount_namespace_inherited_refusals(cella, tmp, field):
    cid = cid_of("mn2")
    cfg = no_mountns_config(ROOTFS, ["/probe"])
    if field == "mounts":
        cfg["mounts"] = [{"destination": "/proc", "type": "proc", "source": "proc"}]
    elif field == "linux.maskedPaths":
        cfg["linux"]["maskedPaths"] = ["/proc/kcore"]
    else:
        cfg["root"]["readonly"] = True
    line = one_error(cella.run("run", "--bundle", bundle(tmp, cfg), cid))
    assert field in line and "mount namespace" in line, line
    assert cella.entries() == []


def test_mount_namespace_joined_by_path(cella, tmp):
    """A mount namespace joined by path still gets root.path and the mounts."""
    cid = cid_of("mn3")
    holder = subprocess.Popen(["unshare", "--mount", "--propagation", "private",
                               "sleep", "300"])
    try:
        ns = f"/proc/{holder.pid}/ns/mnt"
        wait_exec(holder.pid)
        before = mountinfo()
        cfg = make_config()
        cfg["linux"]["namespaces"] = [n if n["type"] != "mount" else
                                      {"type": "mount", "path": ns}
                                      for n in cfg["linux"]["namespaces"]]
        r = cella.ok("run", "--bundle", bundle(tmp, cfg), cid)
        rep = json.loads(r.stdout)
        assert rep["ns"]["mnt"] == os.stat(ns).st_ino
        assert rep["hostname"] == "cella-test"
        assert new_mounts(before, tmp) == []
    finally:
        holder.kill()
        holder.wait()


# ---- the container's v1 cgroup view on a v1 or hybrid host ----

CGROUP_MOUNT = {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
                "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}


@pytest.mark.parametrize("extra_ns", [[], ["cgroup"], ["cgroup", "user"]])
def test_cgroup_v1_view(cella, tmp, extra_ns):
    cid = cid_of("cg1")
    from helpers import V1
    if not V1:
        pytest.skip("the host has no cgroup v1 hierarchies")
    script = ("cat /sys/fs/cgroup/memory/memory.limit_in_bytes; "
              "ls /sys/fs/cgroup/memory/ | grep -c '^cella' ; "
              "/probe write /sys/fs/cgroup/x; "
              "grep ' /sys/fs/cgroup' /proc/self/mountinfo")
    cfg = (userns_config if "user" in extra_ns else make_config)(["/bin/sh", "-c", script])
    for t in extra_ns:
        if t != "user":
            cfg["linux"]["namespaces"].append({"type": t})
    cfg["mounts"].append(dict(CGROUP_MOUNT))
    cfg["linux"]["resources"] = {"memory": {"limit": 64 * 1024 * 1024}}
    r = cella.run("run", "--bundle", bundle(tmp, cfg), cid)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == str(64 * 1024 * 1024), r.stdout
    # Its own cgroup, not the host's tree with every container's.
    assert lines[1] == "0", r.stdout
    assert lines[2] == "EROFS", r.stdout
    mounts = {l.split()[4]: l.split() for l in lines[3:]}
    assert mounts["/sys/fs/cgroup"][8] == "tmpfs", r.stdout
    for ctl in ("memory", "pids", "cpuset"):
        m = mounts[f"/sys/fs/cgroup/{ctl}"]
        assert m[8] == "cgroup" and m[5].startswith("ro,"), r.stdout


# ---- bind sources are opened from the host's side ----

def test_bind_source_under_root_only_dir(cella, tmp):
    cid1 = cid_of("bs1")
    cid2 = cid_of("bs2")
    locked = os.path.join(tmp, "locked")
    inner = os.path.join(locked, "inner")
    os.makedirs(inner)
    os.chmod(locked, 0o700)
    os.chmod(inner, 0o755)
    with open(os.path.join(inner, "file"), "w") as f:
        f.write("reached\n")
    os.chmod(os.path.join(inner, "file"), 0o644)
    cfg = userns_config(["/probe", "read", "/mnt/file"])
    cfg["mounts"].append({"destination": "/mnt", "type": "bind", "source": inner,
                          "options": ["rbind", "ro"]})
    r = cella.run("run", "--bundle", bundle(tmp, cfg), cid1)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "reached\n"
    # The locked directory itself binds, and its permissions still hold
    # for the container's root (an unprivileged id on the host).
    cfg["process"]["args"] = ["/probe", "ls", "/mnt"]
    cfg["mounts"][-1]["source"] = locked
    r = cella.run("run", "--bundle", bundle(tmp, cfg, "b2"), cid2)
    assert (r.returncode, r.stdout, r.stderr) == (1, "EACCES\n", "")


# ---- devices the host has no node for, in a user namespace ----

def test_device_without_host_node_in_userns(cella, tmp):
    cid = cid_of("dv1")
    name = "/dev/cella-test-%d" % os.getpid()
    assert not os.path.exists(name)
    cfg = userns_config(["/bin/sh", "-c",
                         f"stat -c '%F %t:%T %a %u %g' {name}; /probe write {name}"])
    cfg["linux"]["devices"] = [{"path": name, "type": "c", "major": 1, "minor": 3,
                                "fileMode": 0o620, "uid": 0, "gid": 0}]
    r = cella.run("run", "--bundle", bundle(tmp, cfg), cid)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "character special file 1:3 620 0 0", r.stdout
    assert lines[1] == "OK", r.stdout
    # Nothing made on the host's side.
    assert not os.path.exists(name)


# ---- --no-pivot, without a bare procfs for nested user namespaces ----

@pytest.mark.parametrize("pivot,userns", [(False, False), (False, True), (True, False)])
def test_no_pivot_hides_host_proc(cella, tmp, pivot, userns):
    """In a user namespace the host's procfs is locked: covered, not detached."""
    cid = cid_of("np1")
    args = ["/bin/sh", "-c", "/probe nestproc /tmp; /probe ls /"]
    cfg = userns_config(args) if userns else make_config(args=args)
    cfg["root"]["readonly"] = False
    rootfs = copy_rootfs(tmp)
    cfg["root"]["path"] = rootfs
    flags = [] if pivot else ["--no-pivot"]
    r = cella.run("run", *flags, "--bundle", bundle(tmp, cfg), cid)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    # The kernel refuses: no procfs is fully visible in the namespace.
    assert lines[0] == "EPERM", r.stdout
    assert "probe" in lines[1:], r.stdout


# ---- the new mount API: built detached, the kernel's reason reported ----

def test_mount_api_reports_the_kernels_reason(cella, tmp):
    cid = cid_of("api1")
    cfg = make_config()
    cfg["mounts"].append({"destination": "/mnt", "type": "tmpfs", "source": "tmpfs",
                          "options": ["mode=zzz"]})
    line = one_error(cella.run("run", "--bundle", bundle(tmp, cfg), cid))
    assert "`/mnt`" in line and "Bad value for 'mode'" in line, line
    assert cella.entries() == []


def test_mount_api_options_applied(cella, tmp):
    """Per-mount attributes, superblock flags and filesystem data all land."""
    cid = cid_of("api2")
    cfg = make_config(args=["/bin/sh", "-c", "grep ' /mnt ' /proc/self/mountinfo"])
    cfg["mounts"].append({"destination": "/mnt", "type": "tmpfs", "source": "scratch",
                          "options": ["nosuid", "nodev", "noexec", "noatime", "ro",
                                      "mode=0710", "size=1m"]})
    r = cella.ok("run", "--bundle", bundle(tmp, cfg), cid)
    f = r.stdout.split()
    assert set(f[5].split(",")) >= {"ro", "nosuid", "nodev", "noexec", "noatime"}, r.stdout
    assert f[7] == "tmpfs" and f[8] == "scratch", r.stdout
    assert set(f[9].split(",")) >= {"ro", "size=1024k", "mode=710"}, r.stdout


# ---- the quick door as root: a user namespace whose root is not the host's ----

def test_quick_door_root_is_not_host_root(cella, tmp):
    """A --bind'ed file keeps its owner inside (idmapped), the container's
    processes are an unprivileged host id, and two containers get two
    ranges."""
    import time
    from helpers import PROBE
    d = owned_dir(tmp, dir_owner=(0, 0))
    os.chmod(os.path.join(d, "f"), 0o600)
    args = ["run", "--rootfs", ROOTFS, "--bind", f"{PROBE}:/probe:ro", "--bind", f"{d}:/mnt",
            "--"]
    r = cella.ok(*args, "/bin/sh", "-c",
                 "stat -c '%u %g' /mnt/f /bin/busybox; /probe write /mnt/new")
    lines = r.stdout.splitlines()
    assert lines[0] == "1000 1000" and lines[1] == "0 0" and lines[2] == "OK", r.stdout
    st = os.stat(os.path.join(d, "new"))
    assert (st.st_uid, st.st_gid) == (0, 0)
    # Two at once: distinct, unprivileged ranges, held while they run.
    import signal
    from helpers import find_process, unique_sleep
    sleeps = [unique_sleep(), unique_sleep()]
    procs = [cella.popen(*args, "/probe", "sleep", t) for t in sleeps]
    pids = []
    try:
        pids += [find_process(["/probe", "sleep", t]) for t in sleeps]
        uids = []
        for pid in pids:
            with open(f"/proc/{pid}/uid_map") as f:
                uids.append(int(f.read().split()[1]))
        assert uids[0] != uids[1] and min(uids) > 65535, uids
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        for p in procs:
            p.communicate(timeout=30)


def test_quick_door_rootfs_the_kernel_cannot_idmap(cella, tmp):
    """A rootfs on a filesystem without idmapped mounts (ramfs) still gets
    the container's own ids: its files show as nobody and /tmp is a tmpfs,
    as rootless; a --bind from there is refused, naming it."""
    ram = os.path.join(tmp, "ram")
    os.mkdir(ram)
    subprocess.run(["mount", "-t", "ramfs", "ramfs", ram], check=True)
    try:
        rootfs = os.path.join(ram, "r")
        subprocess.run(["cp", "-a", ROOTFS, rootfs], check=True)
        r = cella.ok("run", "--rootfs", rootfs, "--", "/bin/sh", "-c",
                     "cut -c1-30 /proc/self/uid_map; stat -c %u /bin/busybox; "
                     "echo hi > /tmp/x && cat /tmp/x")
        lines = r.stdout.split("\n")
        assert lines[0].split()[1] != "0" and lines[1:3] == ["65534", "hi"], r.stdout
        r = cella.run("run", "--bind", f"{rootfs}:/mnt", "--", "/bin/true")
        line = one_error(r)
        assert "--bind" in line and "idmap" in line and "--userns host" in line, line
    finally:
        subprocess.run(["umount", ram], check=True)


# An ipc or net namespace owns its objects as whoever made it: made before
# the user namespace's maps (or by the host's root), the mqueue root and the
# loopback's sysfs files are nobody's in the container, and its root cannot
# chmod /dev/mqueue (runc#1562).
def test_user_namespace_owns_its_ipc_and_net_objects(cella, tmp):
    cfg = make_config(args=["/bin/sh", "-c",
                            "stat -c %u /dev/mqueue; stat -c %u /sys/class/net/lo/tx_queue_len;"
                            "chmod 1770 /dev/mqueue && echo chmod-ok"])
    cfg["linux"]["namespaces"].append({"type": "user"})
    cfg["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    cfg["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    for s in ("bounding", "effective", "permitted"):
        cfg["process"]["capabilities"][s] = ["CAP_CHOWN", "CAP_FOWNER", "CAP_DAC_OVERRIDE",
                                             "CAP_NET_ADMIN"]
    cfg["mounts"] = [m for m in cfg["mounts"] if m["destination"] != "/probe"]
    for m in cfg["mounts"]:
        if m["type"] == "sysfs":
            m["options"] = ["nosuid", "noexec", "nodev", "rw"]
    b = write_bundle(os.path.join(tmp, "b"), cfg)
    r = cella.run("run", "--bundle", b, cid_of("zown"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["0", "0", "chmod-ok"], r.stdout + r.stderr

