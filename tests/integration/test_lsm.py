# SPDX-License-Identifier: GPL-2.0-or-later
"""Linux security modules: process.apparmorProfile applied where the host
has AppArmor (the v2 VM's Debian kernel, `make check-v2`), and every LSM
field refused, with one error line and nothing left behind, where the host
has not the LSM it names."""
import json
import os
import shutil
import subprocess

import pytest

from helpers import cid_of, make_config, unique_sleep, write_bundle

PROFILE = "cella-lsm-test"
SECRET = "cella lsm secret\n"
# Everything allowed but writing under /tmp and reading /secret.
PROFILE_TEXT = f"""
profile {PROFILE} flags=(attach_disconnected,mediate_deleted) {{
  file,
  capability,
  network,
  signal,
  ptrace,
  mount,
  umount,
  pivot_root,
  unix,
  deny /tmp/** w,
  deny /secret r,
}}
"""
# What the checks below print, one line each (the probe prints the errno's
# name when an operation fails, and exits 1: the shell exits 0 regardless).
REPORT = ("/probe read /proc/self/attr/current; echo; "
          "/probe read /proc/self/attr/apparmor/current; echo; "
          "/probe write /tmp/x; /probe read /secret; true")


def apparmor_enabled():
    try:
        with open("/sys/module/apparmor/parameters/enabled") as f:
            if f.read().strip() != "Y":
                return False
    except OSError:
        return False
    return os.path.exists("/proc/self/attr/apparmor/exec") or \
        os.path.exists("/proc/self/attr/exec")


def selinux_enabled():
    if os.path.exists("/sys/fs/selinux/enforce"):
        return True
    with open("/proc/filesystems") as f:
        return any(line.split()[-1] == "selinuxfs" for line in f if line.strip())


needs_apparmor = pytest.mark.skipif(
    not apparmor_enabled(),
    reason="AppArmor is not enabled on this host's kernel (make check-v2 runs these in a "
           "VM that has it)")
without_apparmor = pytest.mark.skipif(apparmor_enabled(), reason="this host has AppArmor")
without_selinux = pytest.mark.skipif(selinux_enabled(), reason="this host has SELinux")


def one_error_line(r):
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("cella: "), r.stderr
    return lines[0]


@pytest.fixture(scope="module")
def profile(basetemp):
    """PROFILE loaded into the kernel (apparmor_parser -r), removed after."""
    if not os.path.isdir("/sys/kernel/security/apparmor"):
        pytest.skip("securityfs is not mounted on /sys/kernel/security: apparmor_parser "
                    "cannot load a profile")
    if shutil.which("apparmor_parser") is None:
        pytest.skip("apparmor_parser is missing (apt-get install apparmor)")
    path = os.path.join(basetemp, "lsm-profile")
    with open(path, "w") as f:
        f.write(PROFILE_TEXT)
    r = subprocess.run(["apparmor_parser", "-r", "-K", path], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    yield PROFILE
    subprocess.run(["apparmor_parser", "-R", "-K", path], capture_output=True)


def config(tmp, args, profile=None):
    """A config running args, /tmp a writable tmpfs, /secret a host file."""
    secret = os.path.join(tmp, "secret")
    with open(secret, "w") as f:
        f.write(SECRET)
    c = make_config(args=args, binds=[(secret, "/secret", True)])
    c["mounts"].append({"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
                        "options": ["nosuid", "nodev", "mode=1777"]})
    if profile is not None:
        c["process"]["apparmorProfile"] = profile
    return c


def run_bundle(cella, tmp, c, name):
    b = write_bundle(os.path.join(tmp, name), c)
    return cella.run("run", "--bundle", b, cid_of(name))


def report_lines(out):
    return [line for line in out.splitlines() if line != ""]


# ---- where the host has AppArmor ----

@needs_apparmor
def test_unconfined_without_a_profile(cella, tmp, profile):
    r = run_bundle(cella, tmp, config(tmp, ["/bin/sh", "-c", REPORT]), "lsm-free")
    assert r.returncode == 0, r.stderr
    assert report_lines(r.stdout) == ["unconfined", "unconfined", "OK", SECRET.strip()]


@needs_apparmor
def test_profile_confines_the_process(cella, tmp, profile):
    r = run_bundle(cella, tmp, config(tmp, ["/bin/sh", "-c", REPORT], profile=profile),
                   "lsm-conf")
    assert r.returncode == 0, r.stderr
    lines = report_lines(r.stdout)
    assert lines[0] == f"{PROFILE} (enforce)", r.stdout
    assert lines[1] == f"{PROFILE} (enforce)", r.stdout
    # The profile's deny rules: writing under /tmp, reading /secret.
    assert lines[2] in ("EACCES", "EPERM"), r.stdout
    assert lines[3] in ("EACCES", "EPERM"), r.stdout


@needs_apparmor
def test_profile_as_another_user(cella, tmp, profile):
    """Set before the uid switch and no_new_privs: kept across both."""
    c = config(tmp, ["/probe", "read", "/proc/self/attr/current"], profile=profile)
    c["process"]["user"] = {"uid": 1000, "gid": 1000}
    r = run_bundle(cella, tmp, c, "lsm-user")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"{PROFILE} (enforce)"


@needs_apparmor
def test_exec_takes_the_profile(cella, tmp, profile):
    cid = cid_of("lsm-exec")
    c = config(tmp, ["/probe", "sleep", unique_sleep()])
    b = write_bundle(os.path.join(tmp, "lsm-exec"), c)
    cella.ok("create", "--bundle", b, cid)
    try:
        cella.ok("start", cid)
        # The config's process (no profile): unconfined.
        r = cella.ok("exec", cid, "/bin/sh", "-c", REPORT)
        assert report_lines(r.stdout) == ["unconfined", "unconfined", "OK", SECRET.strip()]
        # A process with the profile.
        proc = dict(c["process"], args=["/bin/sh", "-c", REPORT], apparmorProfile=profile)
        path = os.path.join(tmp, "process.json")
        with open(path, "w") as f:
            json.dump(proc, f)
        r = cella.ok("exec", "--process", path, cid)
        lines = report_lines(r.stdout)
        assert lines[:2] == [f"{PROFILE} (enforce)"] * 2, r.stdout
        assert lines[2] in ("EACCES", "EPERM") and lines[3] in ("EACCES", "EPERM"), r.stdout
    finally:
        cella.run("delete", "--force", cid)


@needs_apparmor
def test_exec_in_a_confined_container(cella, tmp, profile):
    """exec without --process takes the config's process, profile included."""
    cid = cid_of("lsm-cexec")
    c = config(tmp, ["/probe", "sleep", unique_sleep()], profile=profile)
    b = write_bundle(os.path.join(tmp, "lsm-cexec"), c)
    cella.ok("create", "--bundle", b, cid)
    try:
        cella.ok("start", cid)
        r = cella.ok("exec", cid, "/probe", "read", "/proc/self/attr/current")
        assert r.stdout.strip() == f"{PROFILE} (enforce)"
        pid = cella.state(cid)["pid"]
        with open(f"/proc/{pid}/attr/current") as f:
            assert f.read().strip() == f"{PROFILE} (enforce)"
    finally:
        cella.run("delete", "--force", cid)


@needs_apparmor
def test_profile_needs_a_real_procfs(cella, tmp, profile):
    """Without a procfs at the container's /proc the profile cannot be set
    through the verified handle: an error, never an unconfined process."""
    c = config(tmp, ["/probe", "exit", "0"], profile=profile)
    c["mounts"] = [m for m in c["mounts"] if m["type"] != "proc"]
    c["linux"]["maskedPaths"] = []
    c["linux"]["readonlyPaths"] = []
    r = run_bundle(cella, tmp, c, "lsm-noproc")
    assert r.returncode == 1, r.stderr
    line = one_error_line(r)
    assert "process.apparmorProfile" in line and "not a procfs" in line
    assert cella.entries() == []


# ---- on any host ----

def test_profile_not_applicable_is_one_error(cella, tmp):
    """Without AppArmor: refused before anything is created. With it, a
    profile the kernel does not have: refused by the init, cleaned up."""
    c = config(tmp, ["/probe", "exit", "0"], profile="cella-lsm-not-loaded")
    r = run_bundle(cella, tmp, c, "lsm-missing")
    assert r.returncode == 1, r.stderr
    line = one_error_line(r)
    assert "process.apparmorProfile `cella-lsm-not-loaded`" in line
    if not apparmor_enabled():
        assert "AppArmor is not enabled" in line
    assert cella.entries() == []


def test_exec_profile_not_applicable_is_one_error(cella, tmp):
    cid = cid_of("lsm-xmiss")
    c = config(tmp, ["/probe", "sleep", unique_sleep()])
    b = write_bundle(os.path.join(tmp, "lsm-xmiss"), c)
    cella.ok("create", "--bundle", b, cid)
    try:
        cella.ok("start", cid)
        proc = dict(c["process"], args=["/probe", "exit", "0"],
                    apparmorProfile="cella-lsm-not-loaded")
        path = os.path.join(tmp, "process.json")
        with open(path, "w") as f:
            json.dump(proc, f)
        r = cella.run("exec", "--process", path, cid)
        assert r.returncode == 255, r.stderr  # exec's own failure (runc)
        assert "process.apparmorProfile `cella-lsm-not-loaded`" in one_error_line(r)
        assert cella.status(cid) == "running"
    finally:
        cella.run("delete", "--force", cid)
    assert cella.entries() == []


def test_empty_profile_and_labels_are_none(cella, tmp):
    c = config(tmp, ["/probe", "exit", "0"], profile="")
    c["process"]["selinuxLabel"] = ""
    c["linux"]["mountLabel"] = ""
    r = run_bundle(cella, tmp, c, "lsm-empty")
    assert r.returncode == 0, r.stderr


@without_apparmor
def test_create_refused_without_apparmor(cella, tmp):
    """`create` fails in the parent: no state, no process, no cgroup."""
    cid = cid_of("lsm-create")
    c = config(tmp, ["/probe", "exit", "0"], profile=PROFILE)
    b = write_bundle(os.path.join(tmp, "lsm-create"), c)
    r = cella.run("create", "--bundle", b, cid)
    assert r.returncode == 1
    line = one_error_line(r)
    assert f"process.apparmorProfile `{PROFILE}`: AppArmor is not enabled" in line
    assert cella.entries() == []


@without_selinux
@pytest.mark.parametrize("where,key,value", [
    ("process", "selinuxLabel", "system_u:system_r:container_t:s0"),
    ("linux", "mountLabel", "system_u:object_r:container_file_t:s0"),
])
def test_selinux_fields_refused_without_selinux(cella, tmp, where, key, value):
    c = config(tmp, ["/probe", "exit", "0"])
    c[where][key] = value
    r = run_bundle(cella, tmp, c, "lsm-selinux")
    assert r.returncode == 1
    line = one_error_line(r)
    assert f"{where}.{key} `{value}`: SELinux is not enabled" in line
    assert cella.entries() == []


def test_features_claim_both(cella):
    f = json.loads(cella.ok("features", root=False).stdout)
    assert f["linux"]["apparmor"]["enabled"] is True
    assert f["linux"]["selinux"]["enabled"] is True
