# SPDX-License-Identifier: GPL-2.0-or-later
"""Real clients drive cella: Debian's podman (through conmon), Debian's
containerd (through containerd-shim-runc-v2) and Debian's Docker (dockerd
with its own containerd), each on an image made from the built-in rootfs
plus the probe.

Everything they keep lives in private temporary directories; the tests start
and stop every daemon themselves and undo what the clients do to the host
(cgroups they create, the few fixed paths they insist on). Networking is
always off (`--network none`; ctr's default private network namespace).
Skipped when the client is not installed (scripts/setup.sh --deps-only
installs them).
"""
import glob
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time
import uuid

import pytest

from helpers import (CELLA, PROBE, ROOTFS, TIMEOUT, children, cid_of, cmdline, mountinfo, reap,
                     wait_for)

CGROUP = "/sys/fs/cgroup"
# Host paths the clients create whatever their configuration says; removed
# after the test when (and only when) the test created them.
FIXED_PATHS = ["/var/lib/containers", "/run/containers", "/run/libpod", "/run/containerd",
               "/var/lib/cni", "/etc/containers/networks", "/run/docker"]


def _need(*tools):
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)} (scripts/setup.sh --deps-only)")


def _run(argv, env=None, input=None, timeout=TIMEOUT):
    """Run a client to completion; output through files, since detached
    containers may keep a copy of our stdio."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.run(argv, env=env, stdout=out, stderr=err, timeout=timeout,
                           stdin=subprocess.DEVNULL if input is None else None,
                           input=input.encode() if input is not None else None)
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(argv, p.returncode,
                                           out.read().decode(errors="replace"),
                                           err.read().decode(errors="replace"))


def _ok(r):
    assert r.returncode == 0, f"{r.args} -> {r.returncode}\n{r.stdout}\n{r.stderr}"
    return r


def _cgroup_dirs(name):
    return set(glob.glob(os.path.join(CGROUP, "*", name)) +
               glob.glob(os.path.join(CGROUP, name)))


def _rmdir_tree(top):
    """Remove an (empty of processes) cgroup directory and its children."""
    for d, _, _ in sorted(os.walk(top), key=lambda w: len(w[0]), reverse=True):
        try:
            os.rmdir(d)
        except OSError:
            pass


def _umount_under(prefix):
    mps = sorted({mp for mp in mountinfo().values()
                  if mp == prefix or mp.startswith(prefix + "/")}, key=len, reverse=True)
    for mp in mps:
        subprocess.run(["umount", "-l", mp], capture_output=True)


class HostUndo:
    """Remember which fixed paths and cgroup parents exist, and remove the
    ones that appear."""

    def __init__(self, cgroup_names):
        self.paths = {p for p in FIXED_PATHS if os.path.lexists(p)}
        self.cgroup_names = cgroup_names
        self.cgroups = set()
        for n in cgroup_names:
            self.cgroups |= _cgroup_dirs(n)

    def undo(self):
        for n in self.cgroup_names:
            for d in _cgroup_dirs(n) - self.cgroups:
                _rmdir_tree(d)
        for p in FIXED_PATHS:
            if p not in self.paths and os.path.lexists(p):
                _umount_under(p)
                shutil.rmtree(p, ignore_errors=True)


def _wait_children_gone(pattern, timeout=5):
    """Wait for our (subreaped) children whose command line has `pattern`
    to exit, then kill what is left."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reap()
        left = [p for p, s in children().items() if s != "Z" and pattern in cmdline(p)]
        if not left:
            return
        time.sleep(0.05)
    for p in left:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    reap()


def _rootfs_layer():
    """The built-in rootfs with the probe at /probe, as an uncompressed tar."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        # Other tests bind the probe onto /probe of this rootfs, which leaves
        # an empty mount point there: leave it out, the real probe goes in.
        t.add(ROOTFS, arcname=".", filter=lambda m: None if m.name == "./probe" else m)
        t.add(PROBE, arcname="probe")
    return buf.getvalue()


def _docker_archive(path, tag):
    """A docker-archive (docker save) tar of one layer, as ctr imports it."""
    layer = _rootfs_layer()
    diff = hashlib.sha256(layer).hexdigest()
    config = json.dumps({
        "architecture": "amd64", "os": "linux",
        "config": {"Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["/probe"]},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + diff]},
    }).encode()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    manifest = json.dumps([{"Config": config_name, "RepoTags": [tag],
                            "Layers": [diff + "/layer.tar"]}]).encode()
    with tarfile.open(path, "w") as t:
        for name, data in ((diff + "/layer.tar", layer), (config_name, config),
                           ("manifest.json", manifest)):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mode = 0o644
            t.addfile(ti, io.BytesIO(data))


# ---- podman ----

PODMAN_CONF = """\
[containers]
apparmor_profile = ""
default_ulimits = []
log_driver = "k8s-file"
netns = "none"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "none"
runtime = "cella"
runtime_supports_json = ["cella"]
runtime_supports_nocgroup = ["cella"]
static_dir = "{d}/root/libpod"
tmp_dir = "{d}/tmp"
volume_path = "{d}/root/volumes"

[engine.runtimes]
cella = ["{cella}"]
"""


class Podman:
    def __init__(self, d):
        self.dir = d
        self.env = dict(os.environ, CONTAINERS_CONF=os.path.join(d, "containers.conf"),
                        TMPDIR=os.path.join(d, "tmp"))
        self.base = ["podman", "--root", os.path.join(d, "root"), "--runroot",
                     os.path.join(d, "runroot"), "--storage-driver", "vfs",
                     "--runtime", CELLA]

    def run(self, *args, **kw):
        return _run(self.base + [str(a) for a in args], env=self.env, **kw)

    def ok(self, *args, **kw):
        return _ok(self.run(*args, **kw))

    def status(self, name):
        return self.ok("inspect", "-f", "{{.State.Status}}", name).stdout.strip()


@pytest.fixture
def podman():
    _need("podman", "conmon")
    undo = HostUndo(["libpod_parent"])
    d = tempfile.mkdtemp(prefix="cl-pm.", dir="/tmp")
    os.mkdir(os.path.join(d, "tmp"))
    with open(os.path.join(d, "containers.conf"), "w") as f:
        f.write(PODMAN_CONF.format(d=d, cella=CELLA))
    pm = Podman(d)
    try:
        img = os.path.join(d, "img.tar")
        with open(img, "wb") as f:
            f.write(_rootfs_layer())
        pm.ok("import", img, "localhost/cella-it:latest")
        yield pm
    finally:
        pm.run("rm", "-a", "-f", "-t", "0")
        pm.run("system", "reset", "-f")
        _wait_children_gone("conmon")
        _umount_under(d)
        shutil.rmtree(d, ignore_errors=True)
        undo.undo()


IMG = "localhost/cella-it"
LOOP = 'echo started; trap "echo bye; exit 3" TERM; while true; do sleep 0.1; done'


def test_podman_run_rm_echo_and_network_none(podman):
    r = podman.ok("run", "--rm", IMG, "echo", "hello from cella")
    assert r.stdout == "hello from cella\n"
    r = podman.ok("run", "--rm", "--network", "none", IMG, "cat", "/proc/net/dev")
    ifaces = [ln.split(":")[0].strip() for ln in r.stdout.splitlines() if ":" in ln]
    assert ifaces == ["lo"]
    r = podman.run("run", "--rm", IMG, "sh", "-c", "exit 7")
    assert r.returncode == 7
    assert podman.ok("ps", "-a", "-q").stdout == ""


def test_podman_detached_logs_exec_top_pause_stop(podman):
    name = cid_of("c1")
    podman.ok("run", "-d", "--name", name, IMG, "sh", "-c", LOOP)
    wait_for(lambda: "started" in podman.run("logs", name).stdout, what="logs")
    assert podman.status(name) == "running"

    r = podman.ok("exec", name, "sh", "-c", "echo in exec; exit 0")
    assert r.stdout == "in exec\n"
    assert podman.run("exec", name, "sh", "-c", "exit 4").returncode == 4
    r = podman.ok("exec", "-t", name, "tty")
    assert r.stdout.strip().startswith("/dev/pts/")

    r = podman.ok("top", name)
    assert "sleep" in r.stdout or "while true" in r.stdout, r.stdout

    podman.ok("pause", name)
    assert podman.status(name) == "paused"
    podman.ok("unpause", name)
    assert podman.status(name) == "running"

    podman.ok("stop", "-t", "10", name)
    assert podman.status(name) == "exited"
    assert podman.ok("inspect", "-f", "{{.State.ExitCode}}", name).stdout.strip() == "3"
    assert "bye" in podman.ok("logs", name).stdout
    podman.ok("rm", name)


def test_podman_kill_and_rm_force(podman):
    k1 = cid_of("k1")
    k2 = cid_of("k2")
    k3 = cid_of("k3")
    podman.ok("run", "-d", "--name", k1, IMG, "sleep", "1000")
    podman.ok("kill", k1)
    wait_for(lambda: podman.status(k1) == "exited", what="k1 to exit")
    assert podman.ok("inspect", "-f", "{{.State.ExitCode}}", k1).stdout.strip() == "137"

    podman.ok("run", "-d", "--name", k2, IMG, "sh", "-c", LOOP)
    podman.ok("kill", "-s", "TERM", k2)
    wait_for(lambda: podman.status(k2) == "exited", what="k2 to exit")
    assert podman.ok("inspect", "-f", "{{.State.ExitCode}}", k2).stdout.strip() == "3"

    podman.ok("run", "-d", "--name", k3, IMG, "sleep", "1000")
    podman.ok("rm", "-f", "-t", "0", k1, k2, k3)
    assert podman.ok("ps", "-a", "-q").stdout == ""


@pytest.mark.parametrize("cmd,code,text", [
    ("/nonexistent", 127, "executable file not found"),
    ("nonexistent", 127, "executable file not found"),
    ("/etc/passwd", 126, "permission denied"),
])
def test_podman_failing_command(podman, cmd, code, text):
    name = cid_of("e1")
    r = podman.run("run", "--rm", IMG, cmd)
    assert r.returncode == code, r.stderr
    assert text in r.stderr and cmd in r.stderr, r.stderr
    # The clean-up after the failed create is quiet (delete --force of a
    # container that is gone succeeds, as runc's).
    assert "does not exist" not in r.stderr, r.stderr

    podman.ok("run", "-d", "--name", name, IMG, "sleep", "1000")
    r = podman.run("exec", name, cmd)
    assert r.returncode == code, r.stderr
    assert text in r.stderr and cmd in r.stderr, r.stderr
    podman.ok("rm", "-f", "-t", "0", name)


def test_podman_device_with_the_host_nodes_st_mode(podman):
    """podman writes linux.devices[].fileMode as the host node's whole
    st_mode (S_IFCHR | perms): the permission bits are kept."""
    if not os.path.exists("/dev/fuse"):
        pytest.skip("no /dev/fuse on this host")
    want = "c" + "".join("rwx"[i % 3] if os.stat("/dev/fuse").st_mode & (0o400 >> i) else "-"
                         for i in range(9))
    r = podman.ok("run", "--rm", "--device", "/dev/fuse", IMG, "ls", "-l", "/dev/fuse")
    assert r.stdout.startswith(want) and "10, 229" in r.stdout, r.stdout


class RootlessPodman(Podman):
    """podman as an unprivileged user (nobody): it runs cella as root of its
    own user namespace (one uid mapped, setgroups denied), with its rootless
    cgroupfs configuration."""

    def __init__(self, d, uid, gid):
        super().__init__(d)
        self.env = dict(os.environ, HOME=os.path.join(d, "home"),
                        XDG_RUNTIME_DIR=os.path.join(d, "run"),
                        CONTAINERS_CONF=os.path.join(d, "containers.conf"),
                        TMPDIR=os.path.join(d, "tmp"))
        self.env.pop("USER", None)
        self.base = ["setpriv", "--reuid", str(uid), "--regid", str(gid), "--clear-groups",
                     "podman", "--root", os.path.join(d, "home", "root"), "--runroot",
                     os.path.join(d, "run", "rr"), "--storage-driver", "vfs",
                     "--runtime", CELLA]


@pytest.fixture
def rootless_podman():
    _need("podman", "conmon", "setpriv")
    uid, gid = 65534, 65534
    d = tempfile.mkdtemp(prefix="cl-rpm.", dir="/tmp")
    os.chmod(d, 0o755)
    for sub in ("home", "run", "tmp"):
        os.mkdir(os.path.join(d, sub), 0o700)
        os.chown(os.path.join(d, sub), uid, gid)
    with open(os.path.join(d, "containers.conf"), "w") as f:
        f.write(PODMAN_CONF.format(d=os.path.join(d, "home"), cella=CELLA)
                .replace('tmp_dir = "' + os.path.join(d, "home", "tmp"),
                         'tmp_dir = "' + os.path.join(d, "tmp")))
    pm = RootlessPodman(d, uid, gid)
    try:
        img = os.path.join(d, "img.tar")
        with open(img, "wb") as f:
            f.write(_rootfs_layer())
        os.chmod(img, 0o644)
        pm.ok("import", img, "localhost/cella-it:latest")
        yield pm
    finally:
        pm.run("rm", "-a", "-f", "-t", "0")
        pm.run("system", "reset", "-f")
        _wait_children_gone("conmon")
        _umount_under(d)
        shutil.rmtree(d, ignore_errors=True)


def test_rootless_podman_with_its_cgroupfs_configuration(rootless_podman):
    """On a v1 or hybrid host rootless podman sends no cgroupsPath and
    drops the limits ("not supported ... on cgroups V1 rootless"); cella,
    root of podman's user namespace there, runs the container without a
    cgroup, as runc does (it used to try /cella/ID and fail)."""
    name = cid_of("r1")
    pm = rootless_podman
    r = pm.ok("run", "--rm", IMG, "echo", "hello rootless")
    assert r.stdout == "hello rootless\n", r.stdout
    pm.ok("run", "-d", "--name", name, IMG, "sh", "-c", LOOP)
    wait_for(lambda: "started" in pm.run("logs", name).stdout, what="logs")
    assert pm.ok("exec", name, "echo", "in exec").stdout == "in exec\n"
    cid = pm.ok("inspect", "-f", "{{.Id}}", name).stdout.strip()
    if os.path.isdir(os.path.join(CGROUP, "memory")):
        assert _cgroup_dirs(os.path.join("cella", cid)) == set()
    pm.ok("stop", "-t", "10", name)
    assert pm.ok("inspect", "-f", "{{.State.ExitCode}}", name).stdout.strip() == "3"
    pm.ok("rm", name)


# ---- containerd ----

CONTAINERD_CONF = """\
version = 2
root = "{d}/root"
state = "{d}/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "{d}/containerd.sock"

[ttrpc]
  address = "{d}/containerd.sock.ttrpc"

# What a CRI user (Kubernetes) writes; ctr passes the same option itself
# (--runc-binary), since the CRI plugin is not loaded here.
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.cella]
  runtime_type = "io.containerd.runc.v2"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.cella.options]
  BinaryName = "{cella}"
"""


class Ctr:
    def __init__(self, d, ns):
        self.dir = d
        self.ns = ns
        self.base = ["ctr", "--address", os.path.join(d, "containerd.sock"), "-n", ns]
        self.fifo = os.path.join(d, "fifo")
        # A state root whose parents do not exist yet, as the shim's
        # default /run/containerd/runc/NS on a fresh host.
        self.runc = ["--runc-binary", CELLA, "--runc-root", os.path.join(d, "runc", ns)]

    def run(self, *args, **kw):
        return _run(self.base + [str(a) for a in args], **kw)

    def ok(self, *args, **kw):
        return _ok(self.run(*args, **kw))

    def task_status(self, name):
        for line in self.ok("task", "ls").stdout.splitlines()[1:]:
            f = line.split()
            if f and f[0] == name:
                return f[2]
        return None


@pytest.fixture
def containerd():
    _need("containerd", "ctr", "containerd-shim-runc-v2")
    ns = "cella-it-" + uuid.uuid4().hex[:8]
    undo = HostUndo([ns])
    d = tempfile.mkdtemp(prefix="cl-ctd.", dir="/tmp")
    conf = os.path.join(d, "config.toml")
    with open(conf, "w") as f:
        f.write(CONTAINERD_CONF.format(d=d, cella=CELLA))
    log = open(os.path.join(d, "containerd.log"), "wb")
    daemon = subprocess.Popen(["containerd", "--config", conf], stdin=subprocess.DEVNULL,
                              stdout=log, stderr=log)
    ctr = Ctr(d, ns)
    try:
        wait_for(lambda: daemon.poll() is not None or ctr.run("version").returncode == 0,
                 what="containerd to serve")
        assert daemon.poll() is None, open(os.path.join(d, "containerd.log")).read()
        img = os.path.join(d, "img.tar")
        _docker_archive(img, "localhost/cella-it:latest")
        ctr.ok("image", "import", img)
        yield ctr
    finally:
        if daemon.poll() is None:
            for line in ctr.run("task", "ls", "-q").stdout.split():
                ctr.run("task", "kill", "-s", "KILL", line)
                ctr.run("task", "delete", "-f", line)
            for line in ctr.run("container", "ls", "-q").stdout.split():
                ctr.run("container", "delete", line)
            ctr.run("image", "rm", "localhost/cella-it:latest")
            daemon.terminate()
            try:
                daemon.wait(10)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
        log.close()
        _wait_children_gone("containerd-shim")
        _umount_under(d)
        shutil.rmtree(d, ignore_errors=True)
        undo.undo()


CIMG = "localhost/cella-it:latest"


def test_containerd_run_exec_ps_kill(containerd):
    t1 = cid_of("t1")
    t2 = cid_of("t2")
    c = containerd
    r = c.ok("run", "--rm", "--fifo-dir", c.fifo, *c.runc, CIMG, t1, "echo", "hi")
    assert r.stdout.strip() == "hi"

    c.ok("run", "-d", "--fifo-dir", c.fifo, *c.runc, CIMG, t2, "sh", "-c",
         "trap 'exit 5' TERM; while true; do sleep 0.1; done")
    wait_for(lambda: c.task_status(t2) == "RUNNING", what="t2 to run")

    r = c.run("task", "exec", "--fifo-dir", c.fifo, "--exec-id", "e1", t2,
              "sh", "-c", "echo from exec; exit 3")
    assert r.returncode == 3 and r.stdout.strip() == "from exec", r.stderr
    r = c.run("task", "exec", "--fifo-dir", c.fifo, "--exec-id", "e2", t2, "/nonexistent")
    assert r.returncode != 0 and "executable file not found" in r.stderr, r.stderr

    init = int(c.ok("task", "ls").stdout.split(t2, 1)[1].split()[0])
    r = c.ok("task", "ps", t2)
    pids = [int(ln.split()[0]) for ln in r.stdout.splitlines()[1:] if ln.strip()]
    assert init in pids and len(pids) >= 1, r.stdout

    c.ok("task", "pause", t2)
    assert c.task_status(t2) == "PAUSED"
    c.ok("task", "resume", t2)
    assert c.task_status(t2) == "RUNNING"

    c.ok("task", "kill", t2)
    wait_for(lambda: c.task_status(t2) == "STOPPED", what="t2 to stop")
    r = c.ok("task", "delete", t2)
    c.ok("container", "delete", t2)
    assert c.ok("task", "ls", "-q").stdout.strip() == ""


# ---- Docker ----

class Docker:
    def __init__(self, d):
        self.dir = d
        self.base = ["docker", "-H", "unix://" + os.path.join(d, "docker.sock")]

    def run(self, *args, **kw):
        return _run(self.base + [str(a) for a in args], **kw)

    def ok(self, *args, **kw):
        return _ok(self.run(*args, **kw))

    def cgroup_file(self, name, ctl, file):
        """A file of the container's cgroup (v1: ctl's hierarchy)."""
        cid = self.ok("inspect", "-f", "{{.Id}}", name).stdout.strip()
        v1 = [h for h in glob.glob(os.path.join(CGROUP, "*")) if ctl in
              os.path.basename(h).split(",")]
        top = v1[0] if v1 else (os.path.join(CGROUP, "unified")
                                if os.path.isdir(os.path.join(CGROUP, "unified")) else CGROUP)
        with open(os.path.join(top, self.parent, cid, file)) as f:
            return f.read().strip()


@pytest.fixture
def docker():
    """dockerd of our own: data root, exec root (its containerd's too),
    pidfile, socket, config and trust key under a temporary directory; no bridge, no
    iptables, no userland proxy; cella added as the default runtime;
    container cgroups under a parent named for this test."""
    _need("dockerd", "docker", "containerd-shim-runc-v2")
    parent = "cella-it-dk-" + uuid.uuid4().hex[:8]
    undo = HostUndo([parent])
    d = tempfile.mkdtemp(prefix="cl-dk.", dir="/tmp")
    with open(os.path.join(d, "daemon.json"), "w") as f:
        # The trust key too (else /etc/docker/key.json).
        json.dump({"deprecated-key-path": os.path.join(d, "key.json")}, f)
    log = open(os.path.join(d, "dockerd.log"), "wb")
    daemon = subprocess.Popen(
        ["dockerd", "--config-file", os.path.join(d, "daemon.json"),
         "--data-root", os.path.join(d, "data"), "--exec-root", os.path.join(d, "exec"),
         "--pidfile", os.path.join(d, "docker.pid"),
         "-H", "unix://" + os.path.join(d, "docker.sock"),
         "--bridge", "none", "--iptables=false", "--ip6tables=false", "--ip-masq=false",
         "--userland-proxy=false", "--storage-driver", "vfs", "--live-restore=false",
         "--exec-opt", "native.cgroupdriver=cgroupfs", "--cgroup-parent", parent,
         "--add-runtime", "cella=" + CELLA, "--default-runtime", "cella"],
        stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    dk = Docker(d)
    dk.parent = parent
    try:
        wait_for(lambda: daemon.poll() is not None or dk.run("version").returncode == 0,
                 what="dockerd to serve")
        assert daemon.poll() is None, open(os.path.join(d, "dockerd.log")).read()
        img = os.path.join(d, "img.tar")
        _docker_archive(img, "localhost/cella-it:latest")
        dk.ok("load", "-i", img)
        yield dk
    finally:
        if daemon.poll() is None:
            ids = dk.run("ps", "-a", "-q").stdout.split()
            if ids:
                dk.run("rm", "-f", *ids)
            daemon.terminate()
            try:
                daemon.wait(20)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
        log.close()
        _wait_children_gone("containerd")
        _umount_under(d)
        shutil.rmtree(d, ignore_errors=True)
        undo.undo()


def test_docker_run_without_flags_has_the_default_cpu_shares(docker):
    """Docker writes cpu.shares 0 (and zero limits) unless asked: unset,
    so the kernel's 1024, not the 2 a written 0 becomes."""
    name = cid_of("d1")
    r = docker.ok("run", "--rm", IMG, "echo", "hello from cella")
    assert r.stdout == "hello from cella\n"
    docker.ok("run", "-d", "--name", name, IMG, "sleep", "1000")
    assert docker.cgroup_file(name, "cpu", "cpu.shares" if _v1("cpu") else "cpu.weight") in \
        ("1024", "100")
    assert docker.cgroup_file(name, "pids", "pids.max") == "max"
    docker.ok("rm", "-f", name)


def test_docker_update_applies_exactly_what_was_asked(docker):
    """docker update sends every field, zero for the ones not changed."""
    name = cid_of("u1")
    docker.ok("run", "-d", "--name", name, IMG, "sleep", "1000")
    docker.ok("update", "--memory", "64m", "--memory-swap", "128m", "--pids-limit", "50",
              "--cpus", "0.5", name)
    v1 = _v1("memory")
    mib = 1024 * 1024
    if v1:
        assert int(docker.cgroup_file(name, "memory", "memory.limit_in_bytes")) == 64 * mib
        memsw = "memory.memsw.limit_in_bytes"
        if os.path.exists(os.path.join(CGROUP, "memory", memsw)):
            assert int(docker.cgroup_file(name, "memory", memsw)) == 128 * mib
        assert docker.cgroup_file(name, "cpu", "cpu.cfs_quota_us") == "50000"
        assert docker.cgroup_file(name, "cpu", "cpu.cfs_period_us") == "100000"
        assert docker.cgroup_file(name, "cpu", "cpu.shares") == "1024"
    else:
        assert int(docker.cgroup_file(name, "memory", "memory.max")) == 64 * mib
        assert docker.cgroup_file(name, "cpu", "cpu.max") == "50000 100000"
        assert docker.cgroup_file(name, "cpu", "cpu.weight") == "100"
    assert docker.cgroup_file(name, "pids", "pids.max") == "50"
    # One field alone: the others stay.
    docker.ok("update", "--memory", "32m", name)
    assert int(docker.cgroup_file(name, "memory", "memory.limit_in_bytes" if v1
                                  else "memory.max")) == 32 * mib
    assert docker.cgroup_file(name, "pids", "pids.max") == "50"
    docker.ok("rm", "-f", name)


def _v1(ctl):
    return any(ctl in os.path.basename(h).split(",")
               for h in glob.glob(os.path.join(CGROUP, "*")))
