# SPDX-License-Identifier: GPL-2.0-or-later
"""Hardening (issue 5): one honest attack per known runtime escape class,
from inside a container or racing it from the host, and the check that
cella defeats it. Plus: each dropped capability makes its operation fail.

1. /proc/PID/exe of the runtime overwritten while `exec` enters
   (CVE-2019-5736)
2. leaked fds, a cwd outside the root (CVE-2024-21626)
3. ptrace and /proc of the runtime while it is privileged (CVE-2016-9962)
4. symlink swaps on mount destinations (CVE-2021-30465, CVE-2024-45310)
5. maskedPaths redirected through /dev/null or the target, and /dev/console
   redirected by a symlink (CVE-2025-31133, CVE-2025-52565)
6. /proc writes redirected through a fake procfs (CVE-2019-16884,
   CVE-2025-52881)
7. inheritable capabilities surviving execve (CVE-2022-29162)
8. a setuid binary under no_new_privs
"""
import ctypes
import errno
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import threading

import pytest

from helpers import CELLA, CELLA_RUNTIME, PROBE, Cella, ROOTFS, TIMEOUT, cid_of, make_config, \
    mountinfo, env_without_leak_check, refusing_syscall, unique_sleep, write_bundle

MAPS = {"uidMappings": [{"containerID": 0, "hostID": 0, "size": 65536}],
        "gidMappings": [{"containerID": 0, "hostID": 0, "size": 65536}]}
ALL_CAPS = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
            "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
            "CAP_NET_BIND_SERVICE", "CAP_NET_RAW", "CAP_NET_ADMIN", "CAP_SYS_CHROOT",
            "CAP_SYS_PTRACE", "CAP_SYS_ADMIN", "CAP_MKNOD", "CAP_AUDIT_WRITE", "CAP_SETFCAP"]


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


@pytest.fixture
def rootfs(tmp):
    """A private copy of the rootfs that an attack may alter."""
    d = os.path.join(tmp, "rootfs")
    subprocess.run(["cp", "-a", ROOTFS, d], check=True)
    return d


def userns_config(args, rootfs, caps=None):
    """A container with its own user namespace (0-65535 onto the same host
    ids): its root is root only there."""
    c = make_config(args=args, rootfs=rootfs)
    c["root"]["readonly"] = False
    c["linux"]["namespaces"].append({"type": "user"})
    c["linux"].update(MAPS)
    if caps is not None:
        c["process"]["capabilities"] = {k: list(caps) for k in
                                        ("bounding", "effective", "permitted")}
    return c


def last_json(text):
    return json.loads(text.strip().splitlines()[-1])


# ---- 1. CVE-2019-5736 ----

def with_runtime_libraries(rootfs):
    """Put the dynamic loader and the libraries the runtime's binary needs
    into rootfs, at their host paths, so that `#!/proc/self/exe` really runs
    the runtime inside the container (a static busybox image has none)."""
    out = subprocess.run(["ldd", CELLA_RUNTIME], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        for word in line.split():
            if word.startswith("/") and os.path.exists(word):
                dst = os.path.join(rootfs, word.lstrip("/"))
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                shutil.copy2(os.path.realpath(word), dst)


@pytest.mark.parametrize("how", ["overlay", "memfd", "launcher"])
def test_runtime_binary_not_writable_through_proc_exe(cella, tmp, rootfs, how):
    """The container's entry point for exec is `#!/proc/self/exe`, so exec
    would run the runtime's own binary inside (the image has the loader and
    libraries it needs); an attacker in the container stops every new
    process, keeps a handle on any exe that is not one of the container's
    files, lets it die and overwrites it once it is no longer busy. The
    runtime used for exec is a copy beside the state root (so that the
    read-only overlay can be had), so that a failure here damages only the
    copy; each way of keeping the binary out of reach is tried, the
    launcher's (a copy of the launcher and the runtime) too."""
    cid = cid_of("esc1")
    if how == "launcher" and CELLA_RUNTIME == CELLA:
        pytest.skip("built without the launcher (LAUNCHER=0)")
    d = os.path.join(tmp, "bin")
    os.mkdir(d)
    copy = os.path.join(d, "cella")
    files = [copy]
    if how == "launcher":
        shutil.copy2(CELLA, copy)
        os.makedirs(os.path.join(tmp, "libexec", "cella"))
        files.append(os.path.join(tmp, "libexec", "cella", "cella"))
        shutil.copy2(CELLA_RUNTIME, files[1])
        how = "overlay"
    else:
        shutil.copy2(CELLA_RUNTIME, copy)
    before = [sha(f) for f in files]
    with_runtime_libraries(rootfs)
    with open(os.path.join(rootfs, "evil"), "w") as f:
        f.write("#!/proc/self/exe\n")
    os.chmod(os.path.join(rootfs, "evil"), 0o755)
    c = userns_config(["/probe", "attack-runtime", "5", "write"], rootfs)
    b = write_bundle(os.path.join(tmp, "b"), c)
    p = cella.popen("run", "--bundle", b, cid)  # (makes the state root)
    try:
        assert p.stdout.readline().strip() == "ready"
        env = dict(os.environ, CELLA_SELF_COPY=how)
        for _ in range(6):
            subprocess.run([copy, "--root", cella.root, "exec", cid, "/evil"], env=env,
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT)
        out, errs = p.communicate(timeout=TIMEOUT)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    assert p.returncode == 0, errs
    res = json.loads(out.strip().splitlines()[-1])
    # The attack had its chance: it saw the runtime or a foreign binary.
    assert res["runtime_seen"] + res["foreign_exe"] > 0, res
    assert res["written"] == 0, res
    assert [sha(f) for f in files] == before, "a binary was overwritten from the container"


F_GET_SEALS = 1034
F_SEAL_WRITE = 0x0008


def assert_unwritable_runtime(pid, binary=CELLA_RUNTIME):
    """/proc/PID/exe of a runtime process is not the host's binary and
    nobody can write it: a memfd with every seal, or the binary seen through
    a read-only overlayfs mount (EROFS for a write, whoever asks)."""
    exe = os.stat(f"/proc/{pid}/exe")
    host = os.stat(binary)
    assert (exe.st_dev, exe.st_ino) != (host.st_dev, host.st_ino), os.readlink(
        f"/proc/{pid}/exe")
    if os.readlink(f"/proc/{pid}/exe").startswith("/memfd:"):
        fd = os.open(f"/proc/{pid}/exe", os.O_RDONLY | os.O_CLOEXEC)
        try:
            assert fcntl.fcntl(fd, F_GET_SEALS) & F_SEAL_WRITE
        finally:
            os.close(fd)
        return
    with pytest.raises(OSError) as e:
        os.close(os.open(f"/proc/{pid}/exe", os.O_WRONLY | os.O_CLOEXEC))
    assert e.value.errno == errno.EROFS, e.value
    # (nor through the mapping of its text)
    for m in os.listdir(f"/proc/{pid}/map_files"):
        if os.path.samestat(os.stat(f"/proc/{pid}/map_files/{m}"), exe):
            with pytest.raises(OSError) as e:
                os.close(os.open(f"/proc/{pid}/map_files/{m}", os.O_WRONLY | os.O_CLOEXEC))
            assert e.value.errno == errno.EROFS, e.value


@pytest.mark.parametrize("userns", [False, True])
def test_created_init_runs_from_the_sealed_copy(cella, tmp, rootfs, userns):
    """The init of a new container is the other way in (the image variant of
    CVE-2019-5736): its entry point `/proc/self/exe` (a symlink or `#!`)
    would have the kernel run the runtime's own binary as the container's
    PID 1, with libraries from the image. So the init runs from a binary
    nobody can write too, from the fork to its execve, also for a container
    that joins no namespace."""
    if userns:
        c = userns_config(["/probe", "exit", "0"], rootfs)
    else:
        c = make_config(args=["/probe", "exit", "0"], rootfs=rootfs)
    b = write_bundle(os.path.join(tmp, "b"), c)
    cid = cid_of("sealed-userns" if userns else "sealed")
    cella.ok("create", "--bundle", b, cid)
    try:
        assert_unwritable_runtime(cella.state(cid)["pid"])
    finally:
        cella.run("delete", "--force", cid)


@pytest.mark.parametrize("why", ["nested", "asked"])
def test_sealed_copy_without_an_overlay(cella, tmp, rootfs, why):
    """Where the read-only overlay cannot be had (nested: the state root,
    overlayfs' second lower layer, lies inside the binary's directory, which
    overlayfs refuses) or is not wanted (asked: CELLA_SELF_COPY=memfd), the
    runtime runs from a sealed memfd copy."""
    d = os.path.join(tmp, "bin")
    os.mkdir(d)
    copy = os.path.join(d, "cella")
    shutil.copy2(CELLA_RUNTIME, copy)
    if why == "nested":
        other = Cella(os.path.join(d, "state"))
    else:
        other = Cella(os.path.join(tmp, "state"), env={"CELLA_SELF_COPY": "memfd"})
    other.argv = lambda *args, root=True: [copy, "--root", other.root] + [str(a) for a in args]
    cid = cid_of(f"memfd-{why}")
    cella.ids.add(cid)  # (the leak check looks at the cgroups of these names)
    b = write_bundle(os.path.join(tmp, "b"), make_config(args=["/probe", "exit", "0"],
                                                         rootfs=rootfs))
    other.ok("create", "--bundle", b, cid)
    try:
        pid = other.state(cid)["pid"]
        assert os.readlink(f"/proc/{pid}/exe").startswith("/memfd:")
        assert_unwritable_runtime(pid, copy)
    finally:
        other.run("delete", "--force", cid)


def test_self_copy_refuses_an_unknown_way(cella, tmp):
    other = Cella(cella.root, env={"CELLA_SELF_COPY": "tmpfile"})
    r = other.run("run", "--bundle", tmp, "nothing")
    assert r.returncode != 0
    assert r.stderr.strip().splitlines() == [
        "cella: CELLA_SELF_COPY `tmpfile`: expected `overlay` (the default) or `memfd`"], r.stderr


def overlay_mountable():
    """Whether this kernel lets us start an overlayfs (fsopen: 430 on every
    architecture)."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.syscall(430, b"overlay", 1)  # FSOPEN_CLOEXEC
    if fd < 0:
        return False
    os.close(fd)
    return True


def test_runtime_runs_from_a_read_only_overlay_where_it_can(cella, tmp, rootfs):
    """As root, with the state root beside the binary's directory, the
    runtime re-executes itself from its own file seen through a read-only
    overlayfs mount attached nowhere, not from a copy (runc 1.2 does the
    same): nothing to copy, and still nothing to write."""
    cid = cid_of("ro-overlay")
    if not overlay_mountable():
        pytest.skip("no overlayfs here: the memfd copy is all there is")
    d = os.path.join(tmp, "bin")
    os.mkdir(d)
    copy = os.path.join(d, "cella")
    shutil.copy2(CELLA_RUNTIME, copy)
    other = Cella(cella.root)
    other.argv = lambda *args, root=True: [copy, "--root", other.root] + [str(a) for a in args]
    # (made now: before the first container, the overlay's second layer
    # would be the root's parent, which holds the copy: memfd then)
    os.makedirs(cella.root, mode=0o711, exist_ok=True)
    b = write_bundle(os.path.join(tmp, "b"), make_config(args=["/probe", "exit", "0"],
                                                         rootfs=rootfs))
    other.ok("create", "--bundle", b, cid)
    try:
        pid = other.state(cid)["pid"]
        assert os.readlink(f"/proc/{pid}/exe") == "/cella"
        # attached nowhere: neither the host's mount namespace nor the
        # container's has a mount of its filesystem
        dev = os.stat(f"/proc/{pid}/exe").st_dev
        majmin = f"{os.major(dev)}:{os.minor(dev)}"
        for ns in ("self", str(pid)):
            with open(f"/proc/{ns}/mountinfo") as f:
                assert all(line.split()[2] != majmin for line in f), ns
        assert_unwritable_runtime(pid, copy)
    finally:
        other.run("delete", "--force", cid)


def refusing_statmount(errnum):
    """A preexec_fn: statmount(2) fails with errnum (None: no filter)."""
    return None if errnum is None else refusing_syscall(457, errnum)


def create_refusing_statmount(c, bundle, cid, tmp, refused):
    """`create` through c's argv under refusing_statmount(refused)."""
    with open(os.path.join(tmp, "err"), "w+") as err:
        r = subprocess.run(c.argv("create", "--bundle", bundle, cid), env=c.env,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                           preexec_fn=refusing_statmount(refused), timeout=TIMEOUT)
        err.seek(0)
        assert r.returncode == 0, err.read()


needs_x86_64 = pytest.mark.skipif(os.uname().machine != "x86_64",
                                  reason="the filter's system call number is x86_64's")


@needs_x86_64
@pytest.mark.parametrize("refused", [None, errno.ENOENT, errno.ENOSYS],
                         ids=["statmount", "statmount-enoent", "statmount-enosys"])
def test_runtime_in_an_attached_overlay_seals_itself_again(cella, tmp, rootfs, refused):
    """A read-only overlay attached somewhere could be one with an upper
    layer, remounted writable: the runtime started from one, even with the
    mark of its own re-exec, does not take itself for sealed and runs from
    a sealed copy instead. Also where statmount is refused: with ENOSYS (a
    kernel before 6.8: mountinfo says), and with ENOENT from a filter, which
    must not pass for "not in this mount namespace"."""
    cid = cid_of("attached-overlay")
    if not overlay_mountable():
        pytest.skip("no overlayfs here")
    lower, empty, mnt = (os.path.join(tmp, d) for d in ("lower", "empty", "mnt"))
    for d in (lower, empty, mnt):
        os.mkdir(d)
    shutil.copy2(CELLA_RUNTIME, os.path.join(lower, "cella"))
    subprocess.run(["mount", "-t", "overlay", "-o", f"ro,lowerdir={lower}:{empty}", "overlay",
                    mnt], check=True)
    try:
        other = Cella(cella.root)
        other.argv = lambda *args, root=True: [os.path.join(mnt, "cella"), "--root",
                                               other.root] + [str(a) for a in args]
        other.env = dict(os.environ, _CELLA_EXE="o" + os.path.join(lower, "cella"))
        b = write_bundle(os.path.join(tmp, "b"), make_config(args=["/probe", "exit", "0"],
                                                             rootfs=rootfs))
        create_refusing_statmount(other, b, cid, tmp, refused)
        try:
            pid = other.state(cid)["pid"]
            assert os.readlink(f"/proc/{pid}/exe").startswith("/memfd:cella")
        finally:
            other.run("delete", "--force", cid)
    finally:
        subprocess.run(["umount", mnt], check=True)


@needs_x86_64
@pytest.mark.parametrize("refused", [errno.ENOSYS, errno.ENOENT], ids=["enosys", "enoent"])
def test_runtime_overlay_found_detached_without_statmount(cella, tmp, rootfs, refused):
    """Where statmount cannot answer (ENOSYS: a kernel before 6.8; ENOENT
    from a filter), the runtime's own read-only overlay, attached nowhere,
    is still taken for sealed through /proc/self/mountinfo: the init runs
    from it (/cella), not from a copy."""
    if not overlay_mountable():
        pytest.skip("no overlayfs here")
    cid = cid_of("no-statmount")
    os.makedirs(cella.root, mode=0o711, exist_ok=True)
    b = write_bundle(os.path.join(tmp, "b"), make_config(args=["/probe", "exit", "0"],
                                                         rootfs=rootfs))
    create_refusing_statmount(cella, b, cid, tmp, refused)
    try:
        pid = cella.state(cid)["pid"]
        assert os.readlink(f"/proc/{pid}/exe") == "/cella"
        assert_unwritable_runtime(pid)
    finally:
        cella.run("delete", "--force", cid)


needs_launcher = pytest.mark.skipif(CELLA_RUNTIME == CELLA,
                                    reason="built without the launcher (LAUNCHER=0)")
needs_strace = pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace")


def traced_execs(argv, env=None):
    """The execve and execveat calls of argv's own process (not of its
    children: the init of a created container outlives the command), under
    strace, with their results; and the command's exit status."""
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "trace")
        # (files, not pipes: a created init holds the command's stdio)
        with open(os.path.join(d, "stderr"), "w+") as err:
            r = subprocess.run(["strace", "-qq", "-o", out, "-e",
                                "trace=execve,execveat,fsopen"] + argv, env=env_without_leak_check(env),
                               stdout=subprocess.DEVNULL, stderr=err, timeout=TIMEOUT,
                               stdin=subprocess.DEVNULL)
            err.seek(0)
            r.stderr = err.read()
        with open(out) as f:
            return r, [line.split("(")[0] + (" failed" if line.split("=")[-1].strip()[0] == "-"
                                             else "")
                       # (a system call this strace does not know is
                       # shown whatever -e says: statmount)
                       for line in f if line[0] != "+" and not line.startswith("syscall_")]


@needs_launcher
@needs_strace
def test_launcher_starts_the_runtime_once_from_its_overlay(cella, tmp, rootfs):
    """The launcher (bin/cella) makes the runtime's read-only overlay
    itself, so that `create` starts the runtime once, from there, instead of
    the runtime starting and then re-executing itself: one execveat after
    the launcher's own execve, and the init runs from the overlay, which
    nobody can write."""
    cid = cid_of("launched")
    b = write_bundle(os.path.join(tmp, "b"), make_config(args=["/probe", "exit", "0"],
                                                         rootfs=rootfs))
    r, calls = traced_execs(cella.argv("create", "--bundle", b, cid))
    try:
        assert r.returncode == 0, r.stderr
        assert calls == ["execve", "fsopen", "execveat"], calls
        pid = cella.state(cid)["pid"]
        assert os.readlink(f"/proc/{pid}/exe") == "/cella"
        assert_unwritable_runtime(pid)
    finally:
        cella.run("delete", "--force", cid)


@needs_launcher
@needs_strace
def test_launcher_runs_the_runtime_by_its_path_otherwise(cella, tmp):
    """For a command that enters no container the launcher executes the
    runtime by its path, and leaves the way of sealing to the runtime where
    CELLA_SELF_COPY asks for one."""
    r, calls = traced_execs(cella.argv("list"))
    assert r.returncode == 0, r.stderr
    assert calls == ["execve", "execve"], calls
    r, calls = traced_execs(cella.argv("--root", "run", "state", "run"))
    assert r.returncode != 0 and "container `run` does not exist" in r.stderr, r.stderr
    assert calls == ["execve", "execve"], calls
    env = dict(os.environ, CELLA_SELF_COPY="memfd")
    r, calls = traced_execs(cella.argv("run", "--bundle", tmp, "nothing"), env=env)
    # (the runtime re-executes itself from its memfd before it finds no bundle)
    assert calls == ["execve", "execve", "execveat"], calls
    assert r.returncode != 0


@needs_launcher
@pytest.mark.parametrize("command", ["--version", "run"])
def test_launcher_without_its_runtime(tmp, command):
    """A launcher whose runtime is not beside it says where it looked, also
    for a command that enters a container where the runtime's directory is
    there but empty: the overlay would show the launcher's own file of the
    same name there, which it must not start."""
    d = os.path.join(tmp, "bin")
    os.mkdir(d)
    shutil.copy2(CELLA, os.path.join(d, "cella"))
    if command == "run":
        os.makedirs(os.path.join(tmp, "libexec", "cella"))
    r = subprocess.run([os.path.join(d, "cella"), command], capture_output=True, text=True,
                       timeout=TIMEOUT)
    assert r.returncode == 127
    assert r.stderr == (f"cella: cannot start the runtime `{tmp}/libexec/cella/cella`: "
                        "No such file or directory\n"), r.stderr


@needs_launcher
@pytest.mark.skipif(os.environ.get("CELLA_SANITIZE") == "1",
                    reason="a sanitizer build's runtime cannot start without /proc")
@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare")
@pytest.mark.parametrize("how", ["path", "symlink"])
def test_launcher_without_proc(tmp, how):
    """Without /proc, the launcher finds the runtime from the path it was
    started as, through a symlink to it too (`--version` needs nothing of
    /proc)."""
    launcher = CELLA
    if how == "symlink":
        launcher = os.path.join(tmp, "cella")
        os.symlink(CELLA, launcher)
    r = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                        'umount -l /proc && exec "$0" --version', launcher],
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("cella version "), r.stdout


# ---- 2. CVE-2024-21626 ----

def test_no_runtime_fd_leaks_into_container(cella, tmp):
    """An fd the caller of cella left open (a host directory) is not
    inherited by the container: only stdio is open, in run and exec."""
    host_dir = os.open(tmp, os.O_RDONLY | os.O_DIRECTORY)
    try:
        argv = cella.argv("run", "--rootfs", ROOTFS, "--bind", f"{PROBE}:/probe:ro", "--",
                          "/probe")
        r = subprocess.run(argv, pass_fds=(host_dir,), capture_output=True, text=True,
                           timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    finally:
        os.close(host_dir)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["fds"] == [0, 1, 2]


def test_exec_leaks_no_fd(cella, tmp):
    cid = cid_of("esc2")
    c = make_config(args=["/probe", "sleep", unique_sleep()])
    b = write_bundle(os.path.join(tmp, "b"), c)
    cella.ok("create", "--bundle", b, cid)
    try:
        cella.ok("start", cid)
        host_dir = os.open(tmp, os.O_RDONLY | os.O_DIRECTORY)
        try:
            r = subprocess.run(cella.argv("exec", cid, "/probe"), pass_fds=(host_dir,),
                               capture_output=True, text=True, timeout=TIMEOUT,
                               stdin=subprocess.DEVNULL)
        finally:
            os.close(host_dir)
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["fds"] == [0, 1, 2]
    finally:
        cella.run("delete", "--force", cid)


def test_cwd_through_proc_self_fd_stays_inside(cella, tmp):
    """process.cwd /proc/self/fd/N, for each fd the runtime may hold while it
    sets up: the process never starts with a cwd outside the root."""
    for n in range(3, 12):
        c = make_config(args=["/probe"])
        c["process"]["cwd"] = f"/proc/self/fd/{n}"
        b = write_bundle(os.path.join(tmp, f"b{n}"), c)
        r = cella.run("run", "--bundle", b, cid_of(f"cwd{n}"))
        if r.returncode == 0:
            cwd = json.loads(r.stdout)["cwd"]
            assert cwd is not None and cwd.startswith("/") and "unreachable" not in cwd, cwd
            assert not cwd.startswith(tmp), cwd
        else:
            assert "process.cwd" in r.stderr, r.stderr


# ---- 3. CVE-2016-9962 ----

def test_runtime_not_reachable_while_privileged(cella, tmp, rootfs):
    """A process of the container with every capability there (in its user
    namespace) goes for the runtime's processes still inside it: the init
    of a created container waiting for start, and exec's process before
    its execve. No ptrace, no /proc/PID/{mem,environ,fd}."""
    cid = cid_of("esc3")
    c = userns_config(["/probe", "sleep", unique_sleep()], rootfs, caps=ALL_CAPS)
    b = write_bundle(os.path.join(tmp, "b"), c)
    cella.ok("create", "--bundle", b, cid)
    try:
        p = cella.popen("exec", cid, "/probe", "attack-runtime", "3")
        try:
            assert p.stdout.readline().strip() == "ready"
            for _ in range(4):
                cella.run("exec", cid, "/probe", "exit", "0")
            out, errs = p.communicate(timeout=TIMEOUT)
        finally:
            if p.poll() is None:
                p.kill()
                p.communicate()
        assert p.returncode == 0, errs
        res = last_json(out)
        assert res["runtime_seen"] > 0, res  # at least the waiting init
        for k in ("mem", "environ", "fd_dir", "ptrace"):
            assert res[k] == 0, res
    finally:
        cella.run("delete", "--force", cid)


# ---- 4. CVE-2021-30465, CVE-2024-45310 ----

def _new_host_mounts(before, under):
    return [mp for mid, mp in mountinfo().items()
            if mid not in before and (mp == under or mp.startswith(under + "/"))]


def test_mount_destination_symlink_stays_in_rootfs(cella, tmp, rootfs):
    """Destinations that are symlinks out of the rootfs (absolute and ../)
    are resolved inside it."""
    cid = cid_of("esc4")
    host = os.path.join(tmp, "hostside")
    os.mkdir(host)
    src = os.path.join(tmp, "src")
    os.mkdir(src)
    os.symlink(host, os.path.join(rootfs, "abs"))
    os.symlink("../../../../../../../../" + host.lstrip("/"), os.path.join(rootfs, "rel"))
    c = make_config(args=["/bin/true"], rootfs=rootfs)
    c["root"]["readonly"] = False
    c["mounts"] += [
        {"destination": "/abs/t", "type": "tmpfs", "source": "tmpfs"},
        {"destination": "/rel/b", "type": "bind", "source": src, "options": ["rbind"]},
        {"destination": "/abs/f", "type": "bind", "source": PROBE, "options": ["rbind"]},
    ]
    b = write_bundle(os.path.join(tmp, "b"), c)
    before = mountinfo()
    r = cella.run("run", "--bundle", b, cid)
    assert r.returncode == 0, r.stderr
    assert os.listdir(host) == [], "the runtime created files on the host"
    assert _new_host_mounts(before, host) == []
    # They went inside the rootfs, where the symlinks lead from its root.
    assert os.path.isdir(os.path.join(rootfs, host.lstrip("/"), "t"))


def test_mount_destination_swap_race(cella, tmp, rootfs):
    """A host thread swaps a directory of the rootfs with a symlink to a
    host directory, over and over, while containers are created with mounts
    under it: nothing is ever created or mounted on the host side."""
    host = os.path.join(tmp, "hostside")
    os.mkdir(host)
    flip = os.path.join(rootfs, "flip")
    stop = threading.Event()

    def swapper():
        while not stop.is_set():
            try:
                os.mkdir(flip)
            except FileExistsError:
                pass
            try:
                shutil.rmtree(flip) if os.path.isdir(flip) and not os.path.islink(flip) \
                    else None
                os.symlink(host, flip)
            except OSError:
                pass
            try:
                os.unlink(flip)
            except OSError:
                pass

    c = make_config(args=["/bin/true"], rootfs=rootfs)
    c["root"]["readonly"] = False
    c["mounts"] += [
        {"destination": "/flip/a/t", "type": "tmpfs", "source": "tmpfs"},
        {"destination": "/flip/b", "type": "bind", "source": PROBE, "options": ["rbind"]},
    ]
    b = write_bundle(os.path.join(tmp, "b"), c)
    before = mountinfo()
    t = threading.Thread(target=swapper, daemon=True)
    t.start()
    try:
        for i in range(15):
            cella.run("run", "--bundle", b, cid_of(f"race{i}"))
            cella.run("delete", "--force", cid_of(f"race{i}"))
    finally:
        stop.set()
        t.join()
    assert os.listdir(host) == [], "the runtime created files on the host"
    assert _new_host_mounts(before, host) == []



def test_mount_destination_create_race(cella, tmp, rootfs):
    """A host thread makes and removes a directory `a` of the rootfs while
    the runtime creates a mount destination through a symlink `l ->
    a/../..`: `a/..` (the root) may be walked while `a` is there and
    `a/../..` be missing the next moment. Each lookup of a component to
    create starts from the root again, so nothing is ever made beside the
    rootfs (an `openat(root, "..")` would reach the host's directory)."""
    outside = os.path.dirname(rootfs)
    target = os.path.join(rootfs, "a")
    stop = threading.Event()
    os.symlink("a/../..", os.path.join(rootfs, "l"))

    def racer():
        while not stop.is_set():
            try:
                os.mkdir(target)
                os.rmdir(target)
            except OSError:
                pass

    c = make_config(args=["/bin/true"], rootfs=rootfs)
    c["root"]["readonly"] = False
    c["mounts"].append({"destination": "/l/escaped", "type": "tmpfs", "source": "tmpfs"})
    b = write_bundle(os.path.join(tmp, "b"), c)
    t = threading.Thread(target=racer, daemon=True)
    ran = 0
    t.start()
    try:
        for i in range(40):
            ran += cella.run("run", "--bundle", b, cid_of(f"crace{i}")).returncode == 0
            cella.run("delete", "--force", cid_of(f"crace{i}"))
    finally:
        stop.set()
        t.join()
    assert ran > 0, "no run got through the race: nothing was tested"
    assert not os.path.exists(os.path.join(outside, "escaped")), \
        "the runtime created `escaped` beside the rootfs, outside it"
    # Where it belongs: in the rootfs, whose root `a/../..` stays at.
    assert os.path.isdir(os.path.join(rootfs, "escaped"))


# ---- 5. CVE-2025-31133, CVE-2025-52565 ----

def _no_dev_mount(c):
    c["mounts"] = [m for m in c["mounts"] if not m["destination"].startswith("/dev")]


def test_masked_path_with_dev_null_replaced(cella, tmp, rootfs):
    """The image's /dev/null is a symlink to the very file to be masked: the
    mask must still hide it (or the container must not start)."""
    cid = cid_of("esc5")
    os.makedirs(os.path.join(rootfs, "dev"), exist_ok=True)
    for e in os.listdir(os.path.join(rootfs, "dev")):
        os.unlink(os.path.join(rootfs, "dev", e))
    with open(os.path.join(rootfs, "secret"), "w") as f:
        f.write("SECRET\n")
    os.symlink("/secret", os.path.join(rootfs, "dev", "null"))
    c = make_config(args=["/bin/cat", "/secret"], rootfs=rootfs)
    c["root"]["readonly"] = False
    _no_dev_mount(c)
    c["linux"]["maskedPaths"] = ["/secret"]
    b = write_bundle(os.path.join(tmp, "b"), c)
    r = cella.run("run", "--bundle", b, cid)
    assert "SECRET" not in r.stdout
    if r.returncode != 0:
        assert "null" in r.stderr, r.stderr


def test_masked_path_target_symlink_stays_inside(cella, tmp, rootfs):
    """A masked path that is a symlink out of the root masks the file inside
    the root it resolves to, never the host's."""
    cid = cid_of("esc5b")
    host_file = os.path.join(tmp, "host-file")
    with open(host_file, "w") as f:
        f.write("HOST\n")
    os.symlink(host_file, os.path.join(rootfs, "etc", "masked-link"))
    c = make_config(args=["/bin/true"], rootfs=rootfs)
    c["linux"]["maskedPaths"] = ["/etc/masked-link"]
    b = write_bundle(os.path.join(tmp, "b"), c)
    before = mountinfo()
    r = cella.run("run", "--bundle", b, cid)
    assert r.returncode == 0, r.stderr
    with open(host_file) as f:
        assert f.read() == "HOST\n"
    assert _new_host_mounts(before, host_file) == []


def test_dev_console_symlink_not_followed(cella, tmp, rootfs):
    """CVE-2025-52565: the image's /dev/console is a symlink to a file the
    container should not be able to redirect the console bind onto (here a
    host file bound read-write into the container): the console bind must
    not land there; the container refuses to start, naming /dev/console."""
    cid = cid_of("esc5c")
    target = os.path.join(tmp, "target")
    with open(target, "w") as f:
        f.write("UNTOUCHED\n")
    os.makedirs(os.path.join(rootfs, "dev"), exist_ok=True)
    for e in os.listdir(os.path.join(rootfs, "dev")):
        os.unlink(os.path.join(rootfs, "dev", e))
    os.symlink("/victim", os.path.join(rootfs, "dev", "console"))
    c = make_config(args=["/bin/true"], rootfs=rootfs, binds=[(target, "/victim", False)])
    c["root"]["readonly"] = False
    c["process"]["terminal"] = True
    # /dev is the image's own (no tmpfs over it); /dev/pts stays.
    c["mounts"] = [m for m in c["mounts"] if m["destination"] != "/dev"]
    b = write_bundle(os.path.join(tmp, "b"), c)
    before = mountinfo()
    r = cella.run("run", "--bundle", b, cid, input="")
    assert r.returncode != 0
    assert "/dev/console" in r.stderr and "symlink" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    with open(target) as f:
        assert f.read() == "UNTOUCHED\n"
    assert _new_host_mounts(before, target) == []
    assert cella.entries() == []


# ---- 6. CVE-2019-16884, CVE-2025-52881 ----

@pytest.mark.parametrize("how", ["symlink", "bind"])
def test_proc_writes_not_redirected_by_fake_procfs(cella, tmp, rootfs, how):
    """A fake procfs at /proc (the image's /proc a symlink into a volume that
    a later mount covers, or a bind over /proc): sysctl and oomScoreAdj
    writes must not land in the files its symlinks point to."""
    cid = cid_of("esc6")
    vol = os.path.join(tmp, "vol")
    fake = os.path.join(vol, "fake")
    os.makedirs(os.path.join(fake, "sys", "kernel"))
    os.makedirs(os.path.join(fake, "self"))
    os.makedirs(os.path.join(fake, "self", "fd"))
    os.symlink("/canary", os.path.join(fake, "sys", "kernel", "shm_rmid_forced"))
    os.symlink("/canary", os.path.join(fake, "self", "oom_score_adj"))
    canary = os.path.join(rootfs, "canary")
    with open(canary, "w") as f:
        f.write("untouched\n")
    c = make_config(args=["/bin/true"], rootfs=rootfs)
    c["root"]["readonly"] = False
    c["linux"]["sysctl"] = {"kernel.shm_rmid_forced": "1"}
    c["process"]["oomScoreAdj"] = 7
    if how == "symlink":
        os.rmdir(os.path.join(rootfs, "proc"))
        os.symlink("vol/fake", os.path.join(rootfs, "proc"))
        c["mounts"].append({"destination": "/vol", "type": "bind", "source": vol,
                            "options": ["rbind", "rw"]})
    else:
        c["mounts"].append({"destination": "/proc", "type": "bind", "source": fake,
                            "options": ["rbind", "rw"]})
    b = write_bundle(os.path.join(tmp, "b"), c)
    r = cella.run("run", "--bundle", b, cid)
    with open(canary) as f:
        assert f.read() == "untouched\n", "a /proc write went through the fake procfs"
    # A symlinked /proc is refused before anything is mounted (issue 11).
    assert r.returncode != 0, (r.returncode, r.stderr)
    assert ("procfs" in r.stderr if how == "bind" else "is a symlink" in r.stderr), r.stderr


# ---- 7. CVE-2022-29162 ----

def test_no_inheritable_caps_quick_door(cella):
    for flags in ([], ["--cap-add", "NET_RAW"], ["--user", "1000:1000"]):
        caps = cella.probe(*flags)["caps"]
        assert int(caps["inh"], 16) == 0, (flags, caps)
        assert int(caps["amb"], 16) == 0, (flags, caps)


def test_no_inheritable_caps_oci_and_exec(cella, tmp):
    cid = cid_of("esc7")
    c = make_config(args=["/probe", "sleep", unique_sleep()])
    b = write_bundle(os.path.join(tmp, "b"), c)
    cella.ok("create", "--bundle", b, cid)
    try:
        cella.ok("start", cid)
        for flags in ([], ["--cap", "CAP_NET_RAW"], ["--user", "1000:1000"]):
            r = cella.run("exec", *flags, cid, "/probe")
            assert r.returncode == 0, r.stderr
            caps = json.loads(r.stdout)["caps"]
            assert int(caps["inh"], 16) == 0 and int(caps["amb"], 16) == 0, (flags, caps)
    finally:
        cella.run("delete", "--force", cid)


# ---- 8. setuid under no_new_privs ----

@pytest.mark.parametrize("nnp", [True, False])
def test_setuid_binary_with_no_new_privs(cella, tmp, rootfs, nnp):
    """A setuid-root binary run by uid 1000: with no_new_privs it gains
    nothing; without, it does (so the setuid bit works and the test means
    something)."""
    cid = cid_of("esc8")
    suid = os.path.join(rootfs, "suid-probe")
    shutil.copy(PROBE, suid)
    os.chown(suid, 0, 0)
    os.chmod(suid, 0o4755)
    c = make_config(args=["/suid-probe"], rootfs=rootfs)
    c["process"]["user"] = {"uid": 1000, "gid": 1000}
    c["process"]["noNewPrivileges"] = nnp
    b = write_bundle(os.path.join(tmp, "b"), c)
    r = cella.run("run", "--bundle", b, cid)
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert rep["uid"] == 1000
    if nnp:
        assert rep["euid"] == 1000, rep
        assert int(rep["caps"]["eff"], 16) == 0, rep
    else:
        assert rep["euid"] == 0, rep


# ---- capabilities: each dropped one makes its operation fail ----

@pytest.mark.parametrize("op,caps,errno_", [
    ("mount", ["SYS_ADMIN"], 1),
    ("rawsock", ["NET_RAW"], 1),
    ("chown", ["CHOWN"], 1),
    ("bind80", ["NET_BIND_SERVICE"], 13),
    ("kill", ["KILL", "SETUID"], 1),
])
def test_dropped_capability_denies_operation(cella, op, caps, errno_):
    base = ["--seccomp", "unconfined", "--cap-drop", "ALL"]
    # The capabilities the operation's setup needs besides the one tested.
    setup = [x for c in caps[1:] for x in ("--cap-add", c)]
    r = cella.quick(*base, *setup, cmd=("/probe", "try", op))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"errno {errno_}", (op, r.stdout)
    # With it, the same operation works: the capability made the difference.
    r = cella.quick(*base, *setup, "--cap-add", caps[0], cmd=("/probe", "try", op))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ok", (op, r.stdout)


def test_default_device_replaces_what_the_image_left(cella, tmp, rootfs):
    """Without a /dev mount the nodes go into the image's own /dev: a
    regular file where /dev/zero belongs (and a symlink where /dev/full
    does, pointing at a host file) is replaced by the device, never
    written through. (runc 1.1 keeps an image's file there instead: it
    ignores EEXIST; cella's spec-wins rule predates this test.)"""
    dev = os.path.join(rootfs, "dev")
    os.makedirs(dev, exist_ok=True)
    for e in os.listdir(dev):
        os.unlink(os.path.join(dev, e))
    with open(os.path.join(dev, "zero"), "w") as f:
        f.write("a file\n")
    target = os.path.join(tmp, "host-file")
    with open(target, "w") as f:
        f.write("host\n")
    os.symlink(target, os.path.join(dev, "full"))
    c = make_config(args=["/bin/stat", "-c", "%n %F %t:%T", "/dev/zero", "/dev/full"],
                    rootfs=rootfs)
    c["root"]["readonly"] = False
    _no_dev_mount(c)
    b = write_bundle(os.path.join(tmp, "b"), c)
    r = cella.run("run", "--bundle", b, cid_of("devleft"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["/dev/zero character special file 1:5",
                                     "/dev/full character special file 1:7"], r.stdout
    with open(target) as f:
        assert f.read() == "host\n"
