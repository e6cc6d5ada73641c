# SPDX-License-Identifier: GPL-2.0-or-later
"""cella map, true in every corner (issue 14): the privilege verdict follows
what container root can reach, every syscall of the running kernel, dropped
rules, x32, --pid with v1 hierarchies, the SVG's counts, mounts, argument
conditions, --diff, 100 columns, and every map valid against the schema."""
import json
import os
import platform
import subprocess

import pytest

from helpers import cid_of, make_config, unique_sleep, validate_map as validate, write_bundle

# The kernel's numbers for the calls libseccomp 2.5 does not name (x86-64).
NEW_X86_64 = {"uretprobe": 335, "uprobe": 336, "statmount": 457, "listmount": 458,
              "lsm_get_self_attr": 459, "lsm_set_self_attr": 460, "lsm_list_modules": 461,
              "mseal": 462, "setxattrat": 463, "getxattrat": 464, "listxattrat": 465,
              "removexattrat": 466, "open_tree_attr": 467, "file_getattr": 468,
              "file_setattr": 469}


def kernel_symbols():
    with open("/proc/kallsyms") as f:
        return {line.split()[2] for line in f if " __x64_sys_" in line}


@pytest.fixture
def started(cella, tmp):
    ids = []

    def make(cid, config):
        b = write_bundle(os.path.join(tmp, "bundle-" + cid), config)
        cella.ok("create", "--bundle", b, cid)
        ids.append(cid)
        cella.ok("start", cid)
        return cella.state(cid)["pid"]

    yield make
    for cid in ids:
        cella.run("delete", "--force", cid)


def quick_spec(cella, *flags, cmd=None):
    r = cella.ok("run", "--print-spec", *flags, "--", *(cmd or ["/bin/sleep", unique_sleep()]))
    return json.loads(r.stdout)


def the_map(cella, *args):
    m = json.loads(cella.ok("map", "--json", *args).stdout)
    validate(m)
    return m


@pytest.mark.skipif(platform.machine() != "x86_64", reason="x86-64 numbers")
def test_map_covers_every_syscall_of_the_running_kernel(cella, started):
    cid = cid_of("mt-sys")
    pid = started(cid, quick_spec(cella))
    sc = the_map(cella, cid)["seccomp"]
    calls = {c["name"]: c for c in sc["syscalls"]}
    syms = kernel_symbols()
    have = [n for n in NEW_X86_64 if "__x64_sys_" + n in syms]
    assert have, "a kernel with none of the new calls proves nothing"
    for name in have:
        assert name in calls, name
        assert calls[name]["nr"] == NEW_X86_64[name], name
    # The kernel runs uprobe and uretprobe whatever the filter says: the
    # quick door's allowlist (default errno) does not list them.
    for name in ("uretprobe", "uprobe"):
        if name in have:
            assert calls[name]["action"] == "allow", calls[name]
            assert calls[name]["no_seccomp"] is True
            assert calls[name]["filter_says"].startswith("errno")
    # The others follow the filter: errno (the default action).
    if "statmount" in have:
        assert calls["statmount"]["action"] == "errno"
        assert calls["statmount"]["libseccomp"] is False
    assert sc["syscalls_total"] == len(sc["syscalls"])
    nrs = [c["nr"] for c in sc["syscalls"]]
    assert nrs == sorted(nrs) and len(set(nrs)) == len(nrs)


@pytest.mark.skipif(platform.machine() != "x86_64", reason="x32 is x86-64's")
def test_map_x32_only_where_the_kernel_has_it(cella, started):
    cid = cid_of("mt-x32")
    pid = started(cid, quick_spec(cella))
    compat = {c["arch"]: c for c in the_map(cella, cid)["seccomp"]["compat"]}
    # Ground truth: an x32 getpid from here (ENOSYS without the x32 ABI).
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    r = libc.syscall(ctypes.c_long(0x40000000 | 39))
    has_x32 = not (r == -1 and ctypes.get_errno() == 38)
    assert ("SCMP_ARCH_X32" in compat) == has_x32, compat.keys()
    assert "SCMP_ARCH_X86" in compat


def passwd_ids(path, mapping):
    """Independently: the accounts of path whose id the mapping reaches."""
    out = []
    with open(path) as f:
        for line in f:
            parts = line.strip().split(":")
            if len(parts) < 3 or not parts[2].isdigit() or int(parts[2]) == 65534:
                continue
            i = int(parts[2])
            if any(m["hostID"] <= i < m["hostID"] + m["size"] for m in mapping):
                out.append(i)
    return out


def test_map_privileges_not_isolated_when_root_is_host_root(cella, started, tmp):
    # The identity map (the quick door's before issue 11) and a host
    # directory of uid 1000, mode 600, bound in: container root reads,
    # overwrites and chowns it.
    cid = cid_of("mt-root")
    host_dir = os.path.join(tmp, "owned")
    os.mkdir(host_dir)
    with open(os.path.join(host_dir, "secret"), "w") as f:
        f.write("host\n")
    os.chmod(os.path.join(host_dir, "secret"), 0o600)
    os.chown(os.path.join(host_dir, "secret"), 1000, 1000)
    cfg = quick_spec(cella, "--bind", f"{host_dir}:/owned")
    ident = [{"containerID": 0, "hostID": 0, "size": 65536}]
    cfg["linux"]["uidMappings"] = ident
    cfg["linux"]["gidMappings"] = ident
    started(cid, cfg)
    pr = the_map(cella, cid)["privileges"]
    assert pr["user_namespace"] is True
    assert pr["verdict"] != "isolated"
    reach = pr["host_ids_reached"]
    assert reach["uids"]["root"] is True and reach["uids"]["users_range"] is True
    want = passwd_ids("/etc/passwd", ident)
    assert reach["uids"]["accounts_count"] == len(want)
    assert [a["id"] for a in reach["uids"]["accounts"]] == want[:16]
    assert "namespace owns" not in pr["note"]


def test_map_privileges_isolated_with_a_subordinate_range(cella, started):
    cid = cid_of("mt-sub")
    cfg = make_config(args=["/bin/sleep", unique_sleep()], rootless=(100000, 100000))
    sub = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    cfg["linux"]["uidMappings"] = sub
    cfg["linux"]["gidMappings"] = sub
    started(cid, cfg)
    pr = the_map(cella, cid)["privileges"]
    if passwd_ids("/etc/passwd", sub):
        pytest.skip("this host has accounts in 100000..165535")
    reach = pr["host_ids_reached"]
    assert reach["uids"] == {"root": False, "accounts": [], "accounts_count": 0,
                             "users_range": False}
    assert pr["verdict"] == "isolated"


def test_rules_for_syscalls_libseccomp_does_not_know_are_warned_and_mapped(cella, tmp):
    cid = cid_of("mt-drop")
    cfg = make_config(args=["/bin/sleep", unique_sleep()])
    cfg["linux"]["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [
            {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"},
            {"names": ["no_such_call_x", "reboot"], "action": "SCMP_ACT_KILL_PROCESS"},
            # The same action as the default: nothing is lost.
            {"names": ["no_such_call_y"], "action": "SCMP_ACT_ALLOW"},
        ]}
    b = write_bundle(os.path.join(tmp, "bundle"), cfg)
    r = cella.run("create", "--bundle", b, cid)
    try:
        assert r.returncode == 0, r.stderr
        assert "no_such_call_x" in r.stderr and "syscalls[1]" in r.stderr
        assert "no_such_call_y" not in r.stderr
        for status in ("created", "running"):
            if status == "running":
                cella.ok("start", cid)
            m = the_map(cella, cid)
            assert m["seccomp"]["dropped_rules"] == [
                {"rule": 1, "syscall": "no_such_call_x", "action": "SCMP_ACT_KILL_PROCESS",
                 "kernel_nr": None}]
            text = cella.ok("map", cid).stdout
            assert "left out: syscalls[1] no_such_call_x" in text
    finally:
        cella.run("delete", "--force", cid)


@pytest.mark.skipif(not os.path.isdir("/sys/fs/cgroup/memory"), reason="needs a v1 memory hierarchy")
def test_map_pid_in_v1_hierarchies_at_different_paths(cella, tmp):
    # A process in a memory cgroup of its own, at the root of the other
    # hierarchies (or wherever this test runs): the cgroup section stays.
    cg = "/sys/fs/cgroup/memory/cella-map-test-%d" % os.getpid()
    os.mkdir(cg)
    p = subprocess.Popen(["sleep", "60"])
    try:
        with open(os.path.join(cg, "memory.limit_in_bytes"), "w") as f:
            f.write(str(80 * 1024 * 1024))
        with open(os.path.join(cg, "cgroup.procs"), "w") as f:
            f.write(str(p.pid))
        c = the_map(cella, "--pid", str(p.pid))["cgroup"]
        assert c["path"] == cg[len("/sys/fs/cgroup/memory"):]
        assert "error" not in c, c
        assert c["driver"] == "v1"
        assert c["memory"]["limit"] == 80 * 1024 * 1024
        assert isinstance(c["memory"]["usage"], int)
        assert c["verdict"] == "isolated"
    finally:
        p.kill()
        p.wait()
        os.rmdir(cg)


def mountinfo_of(pid):
    out = []
    with open(f"/proc/{pid}/mountinfo") as f:
        for line in f:
            a = line.split()
            out.append({"mountpoint": a[4], "root": a[3], "ro": "ro" in a[5].split(",")})
    return out


def test_map_mounts_show_host_sources_and_writable_host_paths(cella, started, tmp):
    cid = cid_of("mt-mnt")
    rw = os.path.join(tmp, "rw")
    ro = os.path.join(tmp, "ro")
    os.mkdir(rw)
    os.mkdir(ro)
    cfg = make_config(args=["/bin/sleep", unique_sleep()])
    cfg["mounts"] += [
        {"destination": "/rw", "type": "bind", "source": rw, "options": ["rbind", "rw"]},
        {"destination": "/ro", "type": "bind", "source": ro, "options": ["rbind", "ro"]},
    ]
    pid = started(cid, cfg)
    fs = the_map(cella, cid)["filesystem"]
    got = {m["mountpoint"]: m for m in fs["mount_list"]}
    truth = mountinfo_of(pid)
    assert [m["mountpoint"] for m in fs["mount_list"]] == [m["mountpoint"] for m in truth]
    for t in truth:
        assert got[t["mountpoint"]]["read_only"] == t["ro"], t
    assert got["/rw"]["host_path"] == rw and got["/ro"]["host_path"] == ro
    assert got["/rw"]["read_only"] is False and got["/ro"]["read_only"] is True
    assert got["/rw"]["propagation"] and got["/proc"]["host_path"] is None
    assert {"mountpoint": "/rw", "host_path": rw} in fs["writable_host_paths"]
    assert all(w["mountpoint"] != "/ro" for w in fs["writable_host_paths"])
    assert fs["verdict"] == "partial"
    text = " ".join(cella.ok("map", cid).stdout.split())  # wrapped at 100
    assert f"/rw <- host {rw}, WRITABLE host path" in text
    assert f"/ro <- host {ro}, read-only" in text


def test_rootless_map_reads_seccomp_from_the_saved_config(rootless, user_rootfs):
    cid = cid_of("mt-rl")
    from helpers import TIMEOUT, find_process
    token = unique_sleep()
    p = rootless.popen("run", "--rootfs", user_rootfs, "--name", cid, "--",
                       "/bin/sleep", token)
    try:
        find_process(["/bin/sleep", token])
        r = rootless.run("map", "--json", cid)
        assert r.returncode == 0, r.stderr
        m = json.loads(r.stdout)
        sc = m["seccomp"]
        # The kernel will not show an unprivileged caller the filter.
        assert sc["mode"] == "filter" and sc["source"] == "config"
        assert sc["process_error"]
        calls = {c["name"]: c for c in sc["syscalls"]}
        assert calls["read"]["action"] == "allow"
        assert calls["reboot"]["action"] == "errno"
        assert sc["verdict"] == "isolated"  # the quick door's allowlist
        assert m["privileges"]["securebits"] == 0  # reset in its user namespace
        validate(m)
    finally:
        rootless.run("kill", cid, "KILL")
        try:
            p.wait(timeout=TIMEOUT)
        except Exception:
            p.kill()
        p.communicate()


def test_map_diff_summarises_layers_and_ignores_volatile_fields(cella, started):
    cid1 = cid_of("mt-df1")
    cid2 = cid_of("mt-df2")
    filtered = quick_spec(cella)
    bare = quick_spec(cella, "--seccomp", "unconfined")
    started(cid1, filtered)
    started(cid2, bare)
    out = cella.ok("map", "--diff", cid1, cid2).stdout
    lines = out.splitlines()
    # The seccomp layer in one line, then its table as one line, not a line
    # per syscall and fact.
    head = [l for l in lines if l.startswith("seccomp: ")]
    assert len(head) == 1 and "filter" in head[0] and "disabled, allow" in head[0], head
    assert "(shared)" in head[0] and "(isolated)" in head[0]
    table = [l for l in lines if l.startswith("seccomp.syscalls")]
    assert len(table) == 1 and "entries differ" in table[0], table
    assert len(lines) < 120, len(lines)
    # The same container twice: nothing differs, whatever runs meanwhile.
    for _ in range(3):
        assert cella.ok("map", "--diff", cid1, cid1).stdout.strip().endswith(
            "0 differences")


def test_map_text_fits_100_columns(cella, started):
    cid = cid_of("mt-wide")
    import re
    started(cid, quick_spec(cella, "--cap-add", "ALL"))
    for args in ([cid], ["--color", cid], ["host"]):
        text = cella.ok("map", *args).stdout
        plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
        long = [l for l in plain.splitlines() if len(l) > 100]
        assert long == [], long[:3]
    # Nothing is lost in the wrapping: every capability is still named.
    text = cella.ok("map", cid).stdout
    for cap in ("CAP_CHOWN", "CAP_SYS_ADMIN", "CAP_CHECKPOINT_RESTORE"):
        assert text.count(cap) >= 3  # effective, permitted, bounding


def svg_tiles(cella, tmp, target):
    import xml.etree.ElementTree as ET
    path = os.path.join(tmp, target + ".svg")
    cella.ok("map", "--svg", path, target)
    ns = "{http://www.w3.org/2000/svg}"
    tiles = {}
    for g in ET.parse(path).getroot().iter(ns + "g"):
        t = [x.text for x in g.iter(ns + "text")]
        if t:
            tiles[t[0]] = t[1:]
    return tiles


def test_svg_seccomp_counts_and_the_shared_networks_addresses(cella, started, tmp):
    cid = cid_of("mt-svg")
    cfg = make_config(args=["/bin/sleep", unique_sleep()])
    cfg["linux"]["namespaces"] = [n for n in cfg["linux"]["namespaces"]
                                  if n["type"] != "network"]
    cfg["linux"]["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [
            {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"},
            {"names": ["reboot"], "action": "SCMP_ACT_TRAP"},
            {"names": ["swapon"], "action": "SCMP_ACT_LOG"},
            {"names": ["personality"], "action": "SCMP_ACT_ERRNO",
             "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
        ]}
    started(cid, cfg)
    m = the_map(cella, cid)
    tiles = svg_tiles(cella, tmp, cid)
    sm = m["seccomp"]["summary"]
    text = " ".join(tiles["seccomp"])
    for word, key in (("trap", "trap"), ("log", "log"), ("depends", "depends"),
                      ("errno", "errno"), ("allow", "allow")):
        assert f"{word} {sm[key]}" in text, (word, text)
    # Every syscall is counted somewhere in the tile.
    import re
    assert sum(int(n) for n in re.findall(r"\b(\d+)\b", " ".join(tiles["seccomp"][2:]))) == \
        m["seccomp"]["syscalls_total"]
    # The host's network: the interface that has an address is shown with it.
    net = [n for n in m["namespaces"] if n["type"] == "net"][0]
    withaddr = [i for i in net["interfaces"] if i["addresses"] and not i["loopback"]]
    if not withaddr:
        pytest.skip("no interface with an address on this host")
    assert withaddr[0]["addresses"][0] in tiles["net"], tiles["net"]


@pytest.mark.skipif(platform.machine() != "x86_64", reason="i386 is x86-64's compat")
def test_map_spells_out_argument_conditions_and_compat_outcomes(cella, started):
    cid = cid_of("mt-cond")
    cfg = make_config(args=["/bin/sleep", unique_sleep()])
    cfg["linux"]["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
        "syscalls": [
            {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22,
             "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
            {"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
        ]}
    started(cid, cfg)
    sc = the_map(cella, cid)["seccomp"]
    pers = {c["name"]: c for c in sc["syscalls"]}["personality"]
    assert "errno EINVAL when arg0 == 8" in pers["conditions"], pers
    allow = [c for c in pers["conditions"] if c.startswith("allow when")]
    assert allow and "arg0 != 8" in allow[0], pers
    # i386 multiplexes socket(2) through socketcall(2): refused for
    # SYS_SOCKET (1) only, which the native architecture has no call for.
    x86 = {c["arch"]: c for c in sc["compat"]}["SCMP_ARCH_X86"]
    diff = {c["name"]: c for c in x86["differs_from_native"]}
    assert "socketcall" in diff and diff["socketcall"]["native"] is None
    assert "errno EACCES when arg0 == 1" in diff["socketcall"]["conditions"], diff["socketcall"]
    assert "personality" not in diff  # the same outcome as native
    text = cella.ok("map", cid).stdout
    assert "errno EINVAL when arg0 == 8" in text
    assert "socketcall" in text and "errno EACCES when arg0 == 1" in text


def create_with_securebits(cella, bits, bundle, cid):
    """cella create under setpriv --securebits, its stdio in files (the
    container keeps what it inherits: a pipe would never see EOF)."""
    import tempfile
    from helpers import TIMEOUT
    with tempfile.TemporaryFile() as err:
        p = subprocess.run(["setpriv", "--securebits", bits] +
                           cella.argv("create", "--bundle", bundle, cid),
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                           timeout=TIMEOUT)
        err.seek(0)
        assert p.returncode == 0, err.read().decode(errors="replace")


def test_map_securebits_saved_at_create(cella, tmp):
    # The runtime's securebits pass to a container without a user
    # namespace (cella leaves them alone); a user namespace resets them.
    cid = cid_of("mt-sb")
    cid2 = cid_of("mt-sb2")
    base = make_config(args=["/bin/sleep", unique_sleep()])
    base["linux"]["namespaces"] = [n for n in base["linux"]["namespaces"]
                                   if n["type"] != "user"]
    base["linux"].pop("uidMappings", None)
    base["linux"].pop("gidMappings", None)
    b = write_bundle(os.path.join(tmp, "b1"), base)
    try:
        create_with_securebits(cella, "+noroot_locked", b, cid)
        pr = the_map(cella, cid)["privileges"]
        assert pr["securebits"] == 2 and pr["securebits_names"] == ["SECBIT_NOROOT_LOCKED"]
        assert pr["securebits_source"].startswith("saved at create")
        assert "SECBIT_NOROOT_LOCKED" in cella.ok("map", cid).stdout
    finally:
        cella.run("delete", "--force", cid)
    userns = make_config(args=["/bin/sleep", unique_sleep()], rootless=(100000, 100000))
    b = write_bundle(os.path.join(tmp, "b2"), userns)
    try:
        create_with_securebits(cella, "+noroot_locked", b, cid2)
        assert the_map(cella, cid2)["privileges"]["securebits"] == 0
    finally:
        cella.run("delete", "--force", cid2)
