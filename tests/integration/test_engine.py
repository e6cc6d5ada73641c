# SPDX-License-Identifier: GPL-2.0-or-later
"""Engine behaviour beyond the two doors' basics: the container dies with a
foreground runtime, time namespace offsets, rlimits, sysctl, no_new_privs."""
import ctypes
import json
import os
import resource
import shutil
import signal
import subprocess
import time

import pytest

from helpers import (ROOTFS, cid_of, end_killed_runtime, env_without_leak_check, find_process,
                     make_config, pid_exists, reap, unique_sleep, wait_for, write_bundle)


@pytest.mark.parametrize("user", [[], ["--user", "1000:1000"]], ids=["root", "user"])
def test_container_dies_with_runtime(cella, user):
    """Also as another user: the uid switch clears the parent-death signal."""
    marker = unique_sleep()
    p = cella.popen("run", *user, "--rootfs", ROOTFS, "--", "sleep", marker)
    try:
        pid = find_process(["sleep", marker])
        os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=10)

        def gone():
            reap()
            return not pid_exists(pid)
        wait_for(gone, 10, "the container to die with its runtime")
    finally:
        # The killed runtime could not remove its state: delete cleans it up.
        end_killed_runtime(cella, p)


# Where clone3 answers ENOSYS (Docker's seccomp profile, or cella's own
# default profile, around a nested cella), the init is made without it: by
# stage 1's unshare and fork, with a user namespace as without one.
@pytest.mark.parametrize("kind", ["plain", "userns", "quick"])
def test_without_clone3(cella, tmp, kind):
    strace = shutil.which("strace")
    if strace is None:
        pytest.skip("strace is missing")
    inject = [strace, "-f", "-qq", "-o", "/dev/null", "-e", "trace=clone3",
              "-e", "inject=clone3:error=ENOSYS"]
    cmd = ["/bin/sh", "-c", "cat /proc/self/uid_map; hostname"]
    if kind == "quick":
        argv = cella.argv("run", "--rootfs", ROOTFS, "--name", cid_of("zq3"),
                          "--hostname", "nc3", "--", *cmd)
    else:
        c = make_config(args=cmd, rootless=(0, 0) if kind == "userns" else None)
        c["hostname"] = "nc3"
        b = write_bundle(os.path.join(tmp, "b"), c)
        argv = cella.argv("run", "--bundle", b, cid_of("zc3"))
    r = subprocess.run(inject + argv, capture_output=True, text=True, timeout=60,
                       env=env_without_leak_check(cella.env))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.split("\n")
    assert lines[-2] == "nc3", r.stdout
    # the host's ids; the config's one id; the quick door's own 65536
    want = {"plain": "4294967295", "userns": "1", "quick": "65536"}[kind]
    assert lines[0].split()[2] == want, r.stdout
    assert cella.entries() == []


def _run_bundle(cella, tmp, config, name="b"):
    bundle = write_bundle(os.path.join(tmp, "bundle"), config)
    return cella.run("run", "--bundle", bundle, cid_of(name))


def test_time_namespace_offsets(cella, tmp):
    offset = 10 * 24 * 3600
    c = make_config(args=["/bin/cat", "/proc/uptime"])
    c["linux"]["namespaces"].append({"type": "time"})
    c["linux"]["timeOffsets"] = {"boottime": {"secs": offset, "nanosecs": 0}}
    r = _run_bundle(cella, tmp, c)
    assert r.returncode == 0, r.stderr
    inside = float(r.stdout.split()[0])
    with open("/proc/uptime") as f:
        host = float(f.read().split()[0])
    assert inside - host > offset - 60


def test_time_offsets_need_time_namespace(cella, tmp):
    c = make_config()
    c["linux"]["timeOffsets"] = {"monotonic": {"secs": 5}}
    r = _run_bundle(cella, tmp, c)
    assert r.returncode != 0
    assert "linux.timeOffsets" in r.stderr
    assert cella.entries() == []


def test_rlimits_applied(cella, tmp):
    c = make_config()
    c["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 123, "hard": 456}]
    r = _run_bundle(cella, tmp, c)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["rlimits"]["NOFILE"] == [123, 456]


def test_rlimit_above_hard_limit_is_clear_error(cella, tmp):
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        return
    c = make_config()
    c["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": hard + 1, "hard": hard + 1}]
    r = _run_bundle(cella, tmp, c)
    # root without CAP_SYS_RESOURCE (our machines) cannot raise it; where
    # root can, the container simply runs.
    if r.returncode == 0:
        return
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "RLIMIT_NOFILE" in lines[0]
    assert cella.entries() == []


def test_sysctl_in_container(cella, tmp):
    c = make_config(args=["/bin/cat", "/proc/sys/net/ipv4/ip_unprivileged_port_start"])
    # /proc/sys is read-only for the process, but sysctls are applied first.
    c["linux"]["sysctl"] = {"net.ipv4.ip_unprivileged_port_start": "42"}
    r = _run_bundle(cella, tmp, c)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "42"
    with open("/proc/sys/net/ipv4/ip_unprivileged_port_start") as f:
        assert f.read().strip() != "42"  # the host's own value is untouched


def test_no_new_privs(cella, tmp):
    c = make_config()
    r = _run_bundle(cella, tmp, c)
    assert json.loads(r.stdout)["no_new_privs"] in (1, True)
    c["process"]["noNewPrivileges"] = False
    r = _run_bundle(cella, tmp, c, name="b2")
    assert json.loads(r.stdout)["no_new_privs"] in (0, False)


def test_umask_and_groups(cella, tmp):
    c = make_config()
    c["process"]["user"] = {"uid": 1000, "gid": 1000, "umask": 0o027,
                            "additionalGids": [10, 20]}
    r = _run_bundle(cella, tmp, c)
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["uid"] == 1000 and info["gid"] == 1000
    assert sorted(info["groups"]) == [10, 20]
    assert info["umask"] in (0o027, "0027", "027")


def test_rootfs_propagation_does_not_leak_mounts(cella, tmp):
    before = open("/proc/self/mountinfo").read().count("\n")
    r = cella.quick("--tmpfs", "/scratch", cmd=["/probe", "exit", "0"])
    assert r.returncode == 0, r.stderr
    time.sleep(0.05)
    assert open("/proc/self/mountinfo").read().count("\n") == before


def test_init_keeps_nothing_of_the_runtime(cella, tmp):
    """--init's PID 1 is cella's own code: it must hold no runtime fd and not
    be inspectable from inside (CVE-2019-5736 class)."""
    extra = os.open(tmp, os.O_RDONLY | os.O_DIRECTORY)
    try:
        # --userns host: with its own ids (the default as root) the
        # container's root cannot even list /proc/1/fd; with the host's it
        # can, and sees only 0 1 2.
        p = cella.popen("run", "--init", "--userns", "host", "--rootfs", ROOTFS, "--", "sh", "-c",
                        "echo fds: $(ls /proc/1/fd); ls -l /proc/1/exe /proc/1/fd/0 2>&1; "
                        "echo done",
                        pass_fds=(extra,))
        out, err = p.communicate(timeout=30)
    finally:
        os.close(extra)
    assert p.returncode == 0, err
    assert "done" in out
    assert "fds: 0 1 2\n" in out, out
    assert out.count("Permission denied") == 2, out
    assert "cella" not in out, out


def test_init_with_terminal_reads_input(cella):
    p = cella.popen("run", "-t", "--init", "--rootfs", ROOTFS, "--", "sh", "-c",
                    "read x; echo got $x", stdin=subprocess.PIPE)
    out, err = p.communicate("hello\n", timeout=30)
    assert p.returncode == 0, err
    assert "got hello" in out


def test_terminal_sees_end_of_input(cella):
    p = cella.popen("run", "-t", "--rootfs", ROOTFS, "--", "cat", stdin=subprocess.PIPE)
    out, err = p.communicate("hi\n", timeout=30)
    assert p.returncode == 0, err
    assert "hi" in out


@pytest.mark.parametrize("field,value,needle", [
    ("process.apparmorProfile", "cella-test", "process.apparmorProfile"),
    ("process.selinuxLabel", "system_u:system_r:container_t:s0", "process.selinuxLabel"),
])
def test_unsupported_confinement_is_refused(cella, tmp, field, value, needle):
    c = make_config()
    parts = field.split(".")
    target = c
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value
    r = _run_bundle(cella, tmp, c)
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], r.stderr
    assert cella.entries() == []


def test_relative_masked_path_is_refused(cella, tmp):
    c = make_config()
    c["linux"]["maskedPaths"] = ["/proc/kcore", "proc/keys"]
    r = _run_bundle(cella, tmp, c)
    assert r.returncode != 0
    assert "linux.maskedPaths[1]" in r.stderr
    assert cella.entries() == []


def test_relative_bind_source_is_bundle_relative(cella, tmp):
    bundle = os.path.join(tmp, "bundle")
    os.makedirs(os.path.join(bundle, "data"))
    with open(os.path.join(bundle, "data", "hello"), "w") as f:
        f.write("from the bundle\n")
    c = make_config(args=["/bin/cat", "/mnt/hello"])
    c["mounts"].append({"destination": "/mnt", "type": "bind", "source": "data",
                        "options": ["rbind", "ro"]})
    write_bundle(bundle, c)
    r = cella.run("run", "--bundle", bundle, cid_of("rel"), cwd="/")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "from the bundle\n"


def test_builtin_rootfs_found_next_to_the_binary(cella):
    """Without --rootfs or $CELLA_ROOTFS, the rootfs next to the binary, also
    when the runtime runs from its sealed in-memory copy."""
    env = {k: v for k, v in os.environ.items() if k != "CELLA_ROOTFS"}
    argv = cella.argv("run", "--", "sh", "-c", "echo in-container")
    p = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    assert p.stdout == "in-container\n"


def test_version_names_the_libraries(cella):
    r = cella.run("--version", root=False)
    assert r.returncode == 0
    assert r.stdout.startswith("cella version ")
    assert "spec: 1." in r.stdout and "libseccomp: " in r.stdout


def test_new_session_keyring_unless_asked(cella, tmp):
    c = make_config(args=["/bin/cat", "/proc/self/stat"])
    c["linux"]["maskedPaths"] = []  # /proc/keys is masked by default
    bundle = write_bundle(os.path.join(tmp, "kr"), c)
    # (a keyring outlives its container until the kernel collects it: one
    # id per run)
    for name, flags, want in (("keyring1", [], True), ("keyring2", ["--no-new-keyring"], False)):
        cid = cid_of(name)
        c["process"]["args"] = ["/bin/sh", "-c", "cat /proc/keys"]
        write_bundle(bundle, c)
        r = cella.run("run", *flags, "--bundle", bundle, cid)
        assert r.returncode == 0, r.stderr
        assert (f" {cid}: " in r.stdout) == want, r.stdout


def test_socket_activation_fds_passed(cella, tmp):
    c = make_config(args=["/bin/sh", "-c", "echo $LISTEN_FDS $LISTEN_PID; ls /proc/self/fd"])
    bundle = write_bundle(os.path.join(tmp, "sa"), c)
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.dup2(fd, 3, inheritable=True) if fd != 3 else None
        env = dict(os.environ, LISTEN_FDS="1")
        p = subprocess.run(cella.argv("run", "--bundle", bundle, cid_of("sa1")), env=env,
                           stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=30, pass_fds=(3,))
    finally:
        os.close(fd)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.split()
    assert lines[:2] == ["1", "1"]
    assert "3" in lines[2:]


def test_systemd_cgroups_path_mapped_with_a_warning(cella, tmp):
    c = make_config(args=["/bin/cat", "/proc/self/cgroup"])
    cid = cid_of("sd1")
    c["linux"]["cgroupsPath"] = f"system.slice:cellatest:{cid}"
    bundle = write_bundle(os.path.join(tmp, "sd"), c)
    r = cella.run("run", "--bundle", bundle, cid)
    assert r.returncode == 0, r.stderr
    assert f"/system.slice/cellatest-{cid}.scope" in r.stderr  # the warning
    assert f"/system.slice/cellatest-{cid}.scope" in r.stdout
    for d in os.listdir("/sys/fs/cgroup"):
        assert not os.path.exists(f"/sys/fs/cgroup/{d}/system.slice/cellatest-{cid}.scope")


def test_cgroup_manager_disabled(cella, tmp):
    cid = cid_of("nocg1")
    cid2 = cid_of("nocg2")
    c = make_config(args=["/bin/cat", "/proc/self/cgroup"])
    bundle = write_bundle(os.path.join(tmp, "nocg"), c)
    r = cella.run("--cgroup-manager", "disabled", "run", "--bundle", bundle, cid, root=True)
    assert r.returncode == 0, r.stderr
    assert cid not in r.stdout
    r = cella.run("--cgroup-manager", "bogus", "run", "--bundle", bundle, cid2)
    assert r.returncode != 0 and "--cgroup-manager" in r.stderr


@pytest.mark.parametrize("key,value,needle", [
    ("vm.swappiness", "10", "not a namespaced key"),
    ("kernel.panic", "1", "not a namespaced key"),
    ("kernel.shmmax", "4096", "ipc namespace"),
])
def test_sysctl_outside_the_containers_namespaces_is_refused(cella, tmp, key, value, needle):
    c = make_config()
    c["linux"]["sysctl"] = {key: value}
    if "ipc" in needle:
        c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "ipc"]
    r = _run_bundle(cella, tmp, c)
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and f"linux.sysctl `{key}`" in lines[0] and needle in lines[0], \
        r.stderr
    assert cella.entries() == []


@pytest.mark.parametrize("door", ["oci", "quick"])
def test_run_with_sigchld_ignored(cella, tmp, door):
    """A caller that ignores SIGCHLD (a disposition execve keeps) would
    have the kernel reap the init before `run` waits for it: run still
    returns the process's exit status, and leaves nothing behind."""
    cid = cid_of("ign")
    if door == "oci":
        b = write_bundle(os.path.join(tmp, "b"),
                         make_config(args=["/bin/sh", "-c", "echo out; exit 3"]))
        argv = cella.argv("run", "--bundle", b, cid)
    else:
        argv = cella.argv("run", "--name", cid, "--rootfs", ROOTFS, "--",
                          "/bin/sh", "-c", "echo out; exit 3")
    p = subprocess.run(argv, env=cella.env, capture_output=True, text=True, timeout=60,
                       stdin=subprocess.DEVNULL,
                       preexec_fn=lambda: signal.signal(signal.SIGCHLD, signal.SIG_IGN))
    assert p.returncode == 3 and p.stdout == "out\n", p.stderr
    assert cid not in cella.ok("list", "-q").stdout.split()


def _ignoring(*sigs, raw=()):
    """A preexec_fn ignoring sigs, and the raw signal numbers (32, 33: the
    ones glibc keeps for itself, which a caller may ignore all the same)
    through rt_sigaction(2) itself (x86_64: 13; the kernel's sigaction:
    handler, flags, restorer, mask)."""
    def f():
        for s in sigs:
            signal.signal(s, signal.SIG_IGN)
        libc = ctypes.CDLL(None, use_errno=True)
        ksa = (ctypes.c_ulong * 4)(1, 0, 0, 0)  # SIG_IGN
        for s in raw:
            if libc.syscall(13, s, ctypes.byref(ksa), None, 8) != 0:
                raise OSError(ctypes.get_errno(), f"rt_sigaction {s}")
    return f


def test_process_starts_with_no_ignored_signal(cella, tmp):
    """Signals the runtime's caller ignored (a systemd service's SIGPIPE)
    are not the container's: execve keeps SIG_IGN, and runc and crun start
    the process with every signal at its default. For the init and for
    `exec` alike."""
    cid = cid_of("sigign")
    show = ["/bin/grep", "^SigIgn", "/proc/self/status"]  # (a shell ignores SIGQUIT)
    ignore = _ignoring(signal.SIGPIPE, signal.SIGHUP, signal.SIGUSR1, raw=(32, 33))
    b = write_bundle(os.path.join(tmp, "b"), make_config(args=show))
    p = subprocess.run(cella.argv("run", "--bundle", b, cid), env=cella.env, text=True,
                       capture_output=True, timeout=60, stdin=subprocess.DEVNULL,
                       preexec_fn=ignore)
    assert p.returncode == 0 and p.stdout == "SigIgn:\t0000000000000000\n", (p.stdout, p.stderr)
    b = write_bundle(os.path.join(tmp, "s"), make_config(args=["/bin/sleep", "1000"]))
    cella.ok("run", "-d", "--bundle", b, cid)
    try:
        p = subprocess.run(cella.argv("exec", cid, *show), env=cella.env, text=True,
                           capture_output=True, timeout=60, stdin=subprocess.DEVNULL,
                           preexec_fn=ignore)
        assert p.returncode == 0 and p.stdout == "SigIgn:\t0000000000000000\n", \
            (p.stdout, p.stderr)
    finally:
        cella.run("delete", "--force", cid)
