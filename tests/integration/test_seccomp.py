# SPDX-License-Identifier: GPL-2.0-or-later
"""Seccomp: each action acts as written, argument conditions, the quick
door's default profile, exec under the container's filter, bad profiles."""
import json
import os
import signal

import pytest

from helpers import ROOTFS, cid_of, make_config, write_bundle

ALLOW = "SCMP_ACT_ALLOW"


def _bundle_run(cella, tmp, seccomp, args, name="s", no_new_privs=True):
    c = make_config(args=["/probe"] + list(args))
    c["process"]["noNewPrivileges"] = no_new_privs
    c["linux"]["seccomp"] = seccomp
    bundle = write_bundle(os.path.join(tmp, "bundle"), c)
    return cella.run("run", "--bundle", bundle, cid_of(name))


def _rule(names, action, errno_ret=None, args=None):
    r = {"names": names, "action": action}
    if errno_ret is not None:
        r["errnoRet"] = errno_ret
    if args:
        r["args"] = args
    return r


@pytest.mark.parametrize("nnp", [True, False])
def test_errno_value(cella, tmp, nnp):
    prof = {"defaultAction": ALLOW,
            "syscalls": [_rule(["getppid"], "SCMP_ACT_ERRNO", errno_ret=42)]}
    r = _bundle_run(cella, tmp, prof, ["syscall", "getppid"], no_new_privs=nnp)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "errno 42"


def test_default_errno_ret(cella, tmp):
    prof = {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 77,
            "syscalls": [_rule(["execve", "execveat", "brk", "mmap", "munmap", "mprotect",
                                "arch_prctl", "set_tid_address", "set_robust_list",
                                "rseq", "prlimit64", "write", "exit_group", "exit",
                                "readlinkat", "getrandom", "rt_sigprocmask",
                                "rt_sigaction", "uname", "ioctl", "fstat",
                                "newfstatat", "close"], ALLOW)]}
    r = _bundle_run(cella, tmp, prof, ["syscall", "getpid"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "errno 77"


@pytest.mark.parametrize("action,sig", [("SCMP_ACT_KILL", signal.SIGSYS),
                                        ("SCMP_ACT_KILL_PROCESS", signal.SIGSYS),
                                        ("SCMP_ACT_TRAP", signal.SIGSYS)])
def test_kill_actions(cella, tmp, action, sig):
    prof = {"defaultAction": ALLOW, "syscalls": [_rule(["getppid"], action)]}
    r = _bundle_run(cella, tmp, prof, ["syscall", "getppid"])
    assert r.returncode == 128 + sig, (r.returncode, r.stderr)
    assert "errno" not in r.stdout and "ok" not in r.stdout


def test_log_and_allow_act_as_allow(cella, tmp):
    prof = {"defaultAction": "SCMP_ACT_LOG",
            "syscalls": [_rule(["getppid"], "SCMP_ACT_ERRNO", errno_ret=5)]}
    r = _bundle_run(cella, tmp, prof, ["syscall", "getpid"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ok 1"


def test_trace_without_tracer_is_enosys(cella, tmp):
    prof = {"defaultAction": ALLOW, "syscalls": [_rule(["getppid"], "SCMP_ACT_TRACE")]}
    r = _bundle_run(cella, tmp, prof, ["syscall", "getppid"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "errno 38"


@pytest.mark.parametrize("op,value,value_two,arg,hit", [
    ("SCMP_CMP_EQ", 7, 0, 7, True), ("SCMP_CMP_EQ", 7, 0, 8, False),
    ("SCMP_CMP_NE", 7, 0, 8, True), ("SCMP_CMP_NE", 7, 0, 7, False),
    ("SCMP_CMP_LT", 7, 0, 6, True), ("SCMP_CMP_LT", 7, 0, 7, False),
    ("SCMP_CMP_LE", 7, 0, 7, True), ("SCMP_CMP_LE", 7, 0, 8, False),
    ("SCMP_CMP_GT", 7, 0, 8, True), ("SCMP_CMP_GT", 7, 0, 7, False),
    ("SCMP_CMP_GE", 7, 0, 7, True), ("SCMP_CMP_GE", 7, 0, 6, False),
    ("SCMP_CMP_MASKED_EQ", 0xF0, 0x20, 0x2F, True),
    ("SCMP_CMP_MASKED_EQ", 0xF0, 0x20, 0x3F, False),
])
def test_argument_conditions(cella, tmp, op, value, value_two, arg, hit):
    cond = {"index": 0, "value": value, "valueTwo": value_two, "op": op}
    prof = {"defaultAction": ALLOW,
            "syscalls": [_rule(["umask"], "SCMP_ACT_ERRNO", errno_ret=33, args=[cond])]}
    r = _bundle_run(cella, tmp, prof, ["syscall", "umask", str(arg)])
    assert r.returncode == 0, r.stderr
    assert (r.stdout.strip() == "errno 33") == hit, r.stdout


def test_unknown_syscall_name_is_skipped(cella, tmp):
    prof = {"defaultAction": ALLOW,
            "syscalls": [_rule(["no_such_syscall_xyz", "getppid"], "SCMP_ACT_ERRNO",
                               errno_ret=9)]}
    r = _bundle_run(cella, tmp, prof, ["syscall", "getppid"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "errno 9"
    # ... and said, naming the rule and the name (cella_seccomp_dropped,
    # which only the prebuilt default profile may skip).
    assert "linux.seccomp.syscalls[0].names[0]: syscall `no_such_syscall_xyz` unknown to " \
        "libseccomp" in r.stderr, r.stderr


def test_exec_gets_the_filter(cella, tmp):
    cid = cid_of("x")
    prof = {"defaultAction": ALLOW,
            "syscalls": [_rule(["getppid"], "SCMP_ACT_ERRNO", errno_ret=61)]}
    c = make_config(args=["/probe", "sleep", "30"])
    c["linux"]["seccomp"] = prof
    bundle = write_bundle(os.path.join(tmp, "bundle"), c)
    cella.ok("run", "--bundle", bundle, "--detach", cid)
    try:
        r = cella.run("exec", cid, "/probe", "syscall", "getppid")
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == "errno 61"
    finally:
        cella.run("delete", "--force", cid)


# ---- the default profile (quick door) ----

@pytest.mark.parametrize("call", [["unshare", "0x20000"], ["mount", "0", "0", "0"],
                                  ["keyctl", "0"], ["bpf", "0", "0", "0"],
                                  ["ptrace", "16", "1"], ["setns", "0", "0"]])
def test_default_profile_blocks(cella, call):
    r = cella.quick(cmd=["/probe", "syscall"] + call)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "errno 1"


def test_default_profile_clone3_enosys_and_unconfined(cella):
    r = cella.quick(cmd=["/probe", "syscall", "clone3", "0", "0"])
    assert r.stdout.strip() == "errno 38"
    r = cella.quick("--seccomp", "unconfined", cmd=["/probe", "syscall", "keyctl", "0"])
    assert r.stdout.strip() != "errno 1"


def test_default_profile_cap_sys_admin_allows_mount(cella):
    r = cella.quick("--cap-add", "SYS_ADMIN",
                    cmd=["/probe", "syscall", "unshare", "0x20000"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ok 0"


def test_default_profile_shell_session(cella):
    script = "echo hello; ls / >/dev/null; ps >/dev/null; cat /proc/self/status >/dev/null; " \
             "mkdir /tmp/d && touch /tmp/d/f && ls /tmp/d; sh -c 'exit 3'; echo rc=$?; " \
             "sleep 0.1 & wait; id -u"
    r = cella.quick(cmd=["sh", "-c", script])
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["hello", "f", "rc=3", "0"]


def test_print_spec_has_the_profile(cella):
    r = cella.quick("--print-spec")
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)["linux"]["seccomp"]
    assert s["defaultAction"] == "SCMP_ACT_ERRNO" and s["defaultErrnoRet"] == 38
    r = cella.quick("--print-spec", "--seccomp", "unconfined")
    assert "seccomp" not in json.loads(r.stdout)["linux"]


def test_seccomp_file(cella, tmp):
    path = os.path.join(tmp, "prof.json")
    with open(path, "w") as f:
        json.dump({"defaultAction": ALLOW,
                   "syscalls": [_rule(["getppid"], "SCMP_ACT_ERRNO", errno_ret=4)]}, f)
    r = cella.quick("--seccomp", path, cmd=["/probe", "syscall", "getppid"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "errno 4"


# ---- bad input: one line naming the JSON path, nothing left behind ----

@pytest.mark.parametrize("prof,needle", [
    ({"defaultAction": "SCMP_ACT_NOPE"}, "linux.seccomp.defaultAction: unknown action"),
    ({"defaultAction": ALLOW, "architectures": ["SCMP_ARCH_VAX"]},
     "linux.seccomp.architectures[0]: unknown architecture"),
    ({"defaultAction": ALLOW, "syscalls": [_rule(["read"], "SCMP_ACT_ERRNO", args=[
        {"index": 0, "value": 1, "op": "SCMP_CMP_LIKE"}])]},
     "linux.seccomp.syscalls[0].args[0].op: unknown operator"),
    ({"defaultAction": ALLOW, "syscalls": [_rule(["read"], "SCMP_ACT_BAD")]},
     "linux.seccomp.syscalls[0].action: unknown action"),
    ({"defaultAction": ALLOW, "listenerPath": "/run/x.sock",
      "syscalls": [_rule(["read"], "SCMP_ACT_NOTIFY")]}, "linux.seccomp.listenerPath"),
])
def test_bad_profile(cella, tmp, prof, needle):
    r = _bundle_run(cella, tmp, prof, ["syscall", "getpid"])
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], r.stderr
    assert not os.path.exists(os.path.join(cella.root, "s"))


def test_bad_profile_file(cella, tmp):
    cid = cid_of("bf")
    path = os.path.join(tmp, "prof.json")
    with open(path, "w") as f:
        f.write('{"defaultAction": "SCMP_ACT_ALLOW",\n "syscalls": [{"names": ["read"], '
                '"action": "SCMP_ACT_WHAT"}]}')
    r = cella.quick("--seccomp", path, "--name", cid, cmd=["/probe"])
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "prof.json:2:" in lines[0] \
        and "syscalls[0].action: unknown action" in lines[0], r.stderr
    assert not os.path.exists(os.path.join(cella.root, cid))


def test_default_profile_is_compiled_at_build_time(cella):
    """The quick door's default profile comes compiled into the binary: a
    first run on a fresh --root compiles nothing and caches nothing."""
    r = cella.run("--debug", "run", "--rootfs", ROOTFS, "--", "unshare", "-U", "true")
    assert r.returncode != 0
    assert "compiled when cella was built" in r.stderr, r.stderr
    assert not os.path.exists(os.path.join(cella.root, ".seccomp-cache"))


def test_compiled_profile_is_cached_and_checked(cella):
    """Any other profile (here the default one for a set with CAP_SYS_PTRACE,
    which allows more) is compiled once per (profile, libseccomp, kernel)
    and kept under ROOT/.seccomp-cache; a damaged entry is rebuilt, never
    loaded."""
    def run_blocked():
        r = cella.run("--debug", "run", "--rootfs", ROOTFS, "--cap-add", "SYS_PTRACE", "--",
                      "unshare", "-U", "true")
        assert r.returncode != 0
        assert "compiled when cella was built" not in r.stderr
    run_blocked()
    cache = os.path.join(cella.root, ".seccomp-cache")
    bpfs = [f for f in os.listdir(cache) if f.endswith(".bpf")]
    assert len(bpfs) == 1
    with open(os.path.join(cache, bpfs[0]), "r+b") as f:
        f.write(b"garbage!")
    run_blocked()
    with open(os.path.join(cache, bpfs[0].replace(".bpf", ".key")), "a") as f:
        f.write("tampered\n")
    run_blocked()
    r = cella.run("run", "--rootfs", ROOTFS, "--", "true")
    assert r.returncode == 0, r.stderr
