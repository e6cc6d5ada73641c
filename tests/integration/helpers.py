# SPDX-License-Identifier: GPL-2.0-or-later
"""Shared helpers for cella's integration tests.

The tests drive the real `cella` binary (env CELLA); inside containers the
static `cella-probe` (env CELLA_PROBE) answers questions; the default rootfs
(env CELLA_ROOTFS) is the busybox tree from scripts/mkrootfs.sh.
"""
import copy
import ctypes
import json
import itertools
import os
import re
import random
import secrets
import signal
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def _env_path(name, default):
    return os.path.abspath(os.environ.get(name) or os.path.join(REPO, default))


CELLA = _env_path("CELLA", "build/bin/cella")
# The runtime itself: behind the launcher (the Makefile's LAUNCHER), in
# libexec/cella beside bin/; else cella is the runtime.
# (the Makefile says which; guessed from the files when run by hand)
_BEHIND = os.path.join(os.path.dirname(os.path.dirname(CELLA)), "libexec", "cella", "cella")
CELLA_RUNTIME = os.path.abspath(os.environ.get("CELLA_RUNTIME") or (
    _BEHIND if os.path.exists(_BEHIND) else CELLA))
PROBE = _env_path("CELLA_PROBE", "build/bin/cella-probe")
ROOTFS = _env_path("CELLA_ROOTFS", "build/share/cella/rootfs")

NAMESPACES = ["user", "mnt", "pid", "net", "ipc", "uts", "cgroup", "time"]
# cella's --ns/--share names for the probe's /proc/self/ns names.
NS_FLAG = {"user": "user", "mnt": "mount", "pid": "pid", "net": "net",
           "ipc": "ipc", "uts": "uts", "cgroup": "cgroup", "time": "time"}
# OCI linux.namespaces types for the same.
NS_OCI = {"user": "user", "mnt": "mount", "pid": "pid", "net": "network",
          "ipc": "ipc", "uts": "uts", "cgroup": "cgroup", "time": "time"}

TIMEOUT = float(os.environ.get("CELLA_TEST_TIMEOUT", "30"))

PR_SET_CHILD_SUBREAPER = 36
_libc = ctypes.CDLL(None, use_errno=True)


def set_subreaper():
    """Make this process the reaper of every orphan below it, so that a
    container process left behind shows up as our child."""
    if _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def host_ns():
    return {n: os.stat(f"/proc/self/ns/{n}").st_ino for n in NAMESPACES}


# ---- processes ----

def proc_stat(pid):
    """(state, ppid) of a process, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    rest = s[s.rindex(")") + 2:].split()
    return rest[0], int(rest[1])


def pid_exists(pid):
    st = proc_stat(pid)
    return st is not None and st[0] != "Z"


def children(of=None):
    """{pid: state} of the direct children of `of` (default: us)."""
    of = of or os.getpid()
    out = {}
    for e in os.listdir("/proc"):
        if not e.isdigit():
            continue
        st = proc_stat(int(e))
        if st and st[1] == of:
            out[int(e)] = st[0]
    return out


def end_killed_runtime(cella, p):
    """After a test that killed the runtime p: p killed if it still runs
    and reaped, and the state it could not remove deleted (a delete that
    fails is left to the leak check, not raised over the test's own
    failure). A process that still holds p's pipes (a container the kill
    should have taken down) does not hold this up."""
    if p.poll() is None:
        p.kill()
    try:
        p.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        for f in (p.stdout, p.stderr):
            if f is not None:
                f.close()
        p.wait(timeout=TIMEOUT)
    for cid in cella.entries():
        cella.run("delete", "--force", cid)


def reap(exclude=()):
    """Reap our zombie children, except the pids in `exclude` (processes a
    test still waits for with subprocess)."""
    for pid, state in children().items():
        if state == "Z" and pid not in exclude:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return [a.decode(errors="replace") for a in f.read().split(b"\0")[:-1]]
    except (FileNotFoundError, ProcessLookupError):
        return None


def find_process(argv, timeout=TIMEOUT):
    """The pid of the (single) process whose argv is exactly `argv`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for e in os.listdir("/proc"):
            if e.isdigit() and cmdline(int(e)) == argv:
                return int(e)
        time.sleep(0.02)
    raise AssertionError(f"no process runs {argv!r}")


def unique_sleep():
    """A sleep argument no other process uses, to find our probe by argv."""
    return f"300.{random.randrange(10**8):08d}"


def wait_for(pred, timeout=TIMEOUT, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


# ---- mounts ----

def mountinfo():
    """{mount id: mountpoint} of the host (our) mount namespace."""
    out = {}
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            mp = fields[4].encode().decode("unicode_escape")
            out[fields[0]] = mp
    return out


# ---- container ids ----

# cella's default cgroup is /cella/<id> in every hierarchy, whatever the
# --root: a container of anyone else on the host (another user's, an
# engine's, a second test session's) with an id a test picks would make that
# test's create fail ("create cgroup '/cella/c1': File exists"), or the test
# read or remove a cgroup that is not its own. So a test never picks an id
# itself: it names its container readably and takes the id from cid_of,
#     cid = cid_of("c1")        # "c1-" and this session's SESSION
# and writes the id (and the default cgroup path, f"/cella/{cid}") from that.
# A cgroupsPath a test sets itself is built from cid_of too. SESSION is
# random, drawn once when pytest imports this module, the same for every
# test of the run: six hex digits, so that ids stay short (they appear in
# paths, in hostnames of the quick door) and valid (cella_validate_id in
# src/engine/state.c: letters, digits and `_ - . +`). Ids a test gives
# deliberately invalid or special (empty, "..", too long, with a slash) are
# that and nothing else: they never go through cid_of. Ids an engine
# (podman, containerd, docker) generates are its own.
SESSION = secrets.token_hex(3)


def cid_of(name):
    """The container id, unique to this test session, of a test's readable
    container name."""
    return f"{name}-{SESSION}"


# ---- running cella ----

ID_RE = re.compile(r"[A-Za-z0-9_+-][A-Za-z0-9_.+-]*")
_QUICK_SEQ = itertools.count()


def env_without_leak_check(env=None):
    """The environment for cella run under ptrace (strace) or without
    /proc: a sanitizer build leaves its leak check out, which needs neither."""
    env = dict(os.environ if env is None else env)
    env["ASAN_OPTIONS"] = ":".join(o for o in (env.get("ASAN_OPTIONS"), "detect_leaks=0") if o)
    return env


class Cella:
    """cella with one --root, run as root or as an unprivileged user."""

    def __init__(self, root, user=None, env=None):
        self.root = root
        self.user = user  # (uid, gid) or None
        self.env = dict(os.environ)
        self.env.update(env or {})
        # Every word this test passed that could be a container id: the
        # leak check looks only at cgroups of these names.
        self.ids = set()

    def argv(self, *args, root=True):
        self.ids.update(a for a in map(str, args) if ID_RE.fullmatch(a))
        argv = [CELLA]
        if root and self.root:
            argv += ["--root", self.root]
        argv += [str(a) for a in args]
        if self.user:
            uid, gid = self.user
            argv = ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups",
                    "--"] + argv
        return argv

    def run(self, *args, root=True, input=None, timeout=TIMEOUT, cwd=None):
        """Run cella and wait for it (not for the container: `create` and
        `run --detach` leave a process holding our stdio, so the output goes
        to files rather than pipes that would never see EOF)."""
        argv = self.argv(*args, root=root)
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            p = subprocess.run(argv, input=input.encode() if input is not None else None,
                               stdin=subprocess.DEVNULL if input is None else None,
                               stdout=out, stderr=err, timeout=timeout, env=self.env, cwd=cwd)
            out.seek(0)
            err.seek(0)
            return subprocess.CompletedProcess(argv, p.returncode,
                                               out.read().decode(errors="replace"),
                                               err.read().decode(errors="replace"))

    def ok(self, *args, **kw):
        r = self.run(*args, **kw)
        assert r.returncode == 0, f"{self.argv(*args)} -> {r.returncode}\n{r.stderr}"
        return r

    def popen(self, *args, root=True, **kw):
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        kw.setdefault("text", True)
        return subprocess.Popen(self.argv(*args, root=root), env=self.env, **kw)

    # Quick door with the probe bound in.
    def quick(self, *flags, cmd=("/probe",), rootfs=None, **kw):
        args = ["run", "--rootfs", rootfs or ROOTFS, "--bind", f"{PROBE}:/probe:ro"]
        if "--name" not in flags:
            # A known id, not a generated one: the leak check needs it.
            args += ["--name", cid_of(f"q{next(_QUICK_SEQ)}")]
        args += list(flags) + ["--"] + list(cmd)
        return self.run(*args, **kw)

    def probe(self, *flags, rootfs=None):
        r = self.quick(*flags, rootfs=rootfs)
        assert r.returncode == 0, f"cella run {flags} -> {r.returncode}\n{r.stderr}"
        return json.loads(r.stdout)

    def state(self, cid):
        r = self.ok("state", cid)
        return json.loads(r.stdout)

    def status(self, cid):
        r = self.run("state", cid)
        if r.returncode != 0:
            return None
        return json.loads(r.stdout)["status"]

    def wait_status(self, cid, status, timeout=TIMEOUT):
        def check():
            reap()
            return self.status(cid) == status
        wait_for(check, timeout, f"{cid} to be {status}")

    def entries(self):
        try:
            # cella's own files (.seccomp-cache) are not containers.
            return sorted(e for e in os.listdir(self.root) if not e.startswith("."))
        except FileNotFoundError:
            return []


# ---- OCI bundles ----

CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]

DEFAULT_CONFIG = {
    "ociVersion": "1.0.2",
    "process": {
        "terminal": False,
        "user": {"uid": 0, "gid": 0},
        "args": ["/probe"],
        "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
        "cwd": "/",
        "capabilities": {k: list(CAPS) for k in
                         ("bounding", "effective", "permitted")},
        "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
        "noNewPrivileges": True,
    },
    "root": {"path": "rootfs", "readonly": True},
    "hostname": "cella-test",
    "mounts": [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
         "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
        {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
         "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
        {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
         "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/sys", "type": "sysfs", "source": "sysfs",
         "options": ["nosuid", "noexec", "nodev", "ro"]},
    ],
    "linux": {
        "namespaces": [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount")],
        "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                        "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                        "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
        "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                          "/proc/sysrq-trigger"],
    },
}


def make_config(args=("/probe",), rootfs=None, rootless=None, binds=(), **over):
    """An OCI config.json (dict) running `args`, with the probe bound in and
    `binds` [(src, dst, ro)] added. `rootless` = (uid, gid) adds a user
    namespace mapping that id to 0."""
    c = copy.deepcopy(DEFAULT_CONFIG)
    c["process"]["args"] = list(args)
    c["root"]["path"] = rootfs or ROOTFS
    mounts = [(PROBE, "/probe", True)] + list(binds)
    for src, dst, ro in mounts:
        c["mounts"].append({"destination": dst, "type": "bind", "source": src,
                            "options": ["rbind", "ro" if ro else "rw"]})
    if rootless:
        uid, gid = rootless
        c["linux"]["namespaces"].append({"type": "user"})
        c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": uid, "size": 1}]
        c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": gid, "size": 1}]
        c["mounts"] = [m for m in c["mounts"] if m["type"] != "mqueue"]
        for m in c["mounts"]:
            if m["type"] == "sysfs":
                m.update(type="none", source="/sys",
                         options=["rbind", "nosuid", "noexec", "nodev", "ro"])
    for k, v in over.items():
        c[k] = v
    return c


def write_bundle(path, config, owner=None):
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "config.json"), "w") as f:
        if isinstance(config, str):
            f.write(config)
        else:
            json.dump(config, f, indent=2)
    if owner:
        os.chown(path, *owner)
        os.chown(os.path.join(path, "config.json"), *owner)
    return path


def kill_tree_leftovers():
    """Kill and reap every child we still have; return what was there."""
    left = {}
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        reap()
        alive = {p: s for p, s in children().items() if s != "Z"}
        if not alive and not children():
            break
        for pid in alive:
            left.setdefault(pid, cmdline(pid))
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.02)
    return left


def read_subid(path, uid):
    """The subordinate ranges /etc/subuid (or subgid) grants `uid`."""
    import pwd
    try:
        name = pwd.getpwuid(uid).pw_name
    except KeyError:
        name = None
    out = []
    try:
        with open(path) as f:
            for line in f:
                parts = line.strip().split(":")
                if len(parts) == 3 and parts[0] in (str(uid), name):
                    out.append((int(parts[1]), int(parts[2])))
    except FileNotFoundError:
        pass
    return out


# ---- cgroups, for the cgroup tests ----

CG = "/sys/fs/cgroup"
V1 = os.path.isdir(os.path.join(CG, "memory"))  # v1 controllers (a hybrid host)
UNIFIED = os.path.join(CG, "unified") if os.path.isdir(os.path.join(CG, "unified")) else CG
MIB = 1024 * 1024


def v1_hier(ctl):
    """The v1 hierarchy carrying controller ctl ("cpu,cpuacct" for cpuacct)."""
    for d in sorted(os.listdir(CG)):
        if ctl in d.split(","):
            return os.path.join(CG, d)
    raise AssertionError(f"no v1 hierarchy has {ctl}")


def read(path):
    """A small file's content, stripped."""
    with open(path) as f:
        return f.read().strip()


_MAP_SCHEMA = None


def validate_map(m):
    """Validate a `cella map --json` document against docs/map-schema.json
    (python3-jsonschema, from scripts/setup.sh's test packages)."""
    global _MAP_SCHEMA
    import jsonschema
    if _MAP_SCHEMA is None:
        with open(os.path.join(REPO, "docs", "map-schema.json")) as f:
            _MAP_SCHEMA = json.load(f)
        jsonschema.Draft202012Validator.check_schema(_MAP_SCHEMA)
    jsonschema.Draft202012Validator(_MAP_SCHEMA).validate(m)


def refusing_syscall(nr, errnum, arg4=None):
    """A preexec_fn: a seccomp filter under which system call nr (x86_64's
    numbers) fails with errnum, for the command and all it starts; only
    when its fifth argument's low 32 bits are arg4, if given (renameat2's
    flags)."""
    if arg4 is None:
        ins = [(0x20, 0, 0, 0),                    # ld [nr]
               (0x15, 0, 1, nr),                   # jeq nr
               (0x06, 0, 0, 0x00050000 | errnum),  # ret ERRNO(errnum)
               (0x06, 0, 0, 0x7fff0000)]           # ret ALLOW
    else:
        ins = [(0x20, 0, 0, 0),                    # ld [nr]
               (0x15, 0, 3, nr),                   # jeq nr, else allow
               (0x20, 0, 0, 16 + 4 * 8),           # ld [args[4], low half]
               (0x15, 0, 1, arg4),                 # jeq arg4
               (0x06, 0, 0, 0x00050000 | errnum),  # ret ERRNO(errnum)
               (0x06, 0, 0, 0x7fff0000)]           # ret ALLOW

    class SockFilter(ctypes.Structure):
        _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                    ("k", ctypes.c_uint)]

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(SockFilter))]

    insns = (SockFilter * len(ins))(*[SockFilter(*i) for i in ins])
    prog = SockFprog(len(ins), insns)
    libc = ctypes.CDLL(None, use_errno=True)

    def install():
        if libc.prctl(22, 2, ctypes.byref(prog), 0, 0) != 0:  # PR_SET_SECCOMP, FILTER
            os._exit(99)
    return install
