# SPDX-License-Identifier: GPL-2.0-or-later
"""Issue 9: no process a container can see (its pid namespace or a nested
one) or trace ever holds more than the container's own capabilities,
bounding set, no_new_privs, seccomp filter, cgroup and user namespace, none
is dumpable and none carries the caller's environment.

1. the attack on `probe caps`: a process of the container, of the uid of the
   probe's throwaway process, seizes it and makes it execve a setuid-root
   binary that container root made;
2. every process cella creates in a container's pid namespace, sampled while
   it exists (during `probe caps` and `exec`), has at most the container's
   capability sets, its seccomp mode, its no_new_privs and its cgroup."""
import fcntl
import json
import os
import subprocess
import threading

import pytest

from helpers import ROOTFS, TIMEOUT, cid_of, make_config, unique_sleep, write_bundle

# runc's default set (`runc spec`).
RUNC_CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
NS_GET_PARENT = 0xB702  # _IO(0xb7, 0x2)


@pytest.fixture
def rootfs(tmp):
    """A private copy of the rootfs that the container may alter."""
    d = os.path.join(tmp, "rootfs")
    subprocess.run(["cp", "-a", ROOTFS, d], check=True)
    return d


def docker_like_seccomp(cella):
    """cella's default profile with ptrace allowed, as Docker's allows it on
    kernels >= 4.8."""
    r = cella.quick("--print-spec")
    assert r.returncode == 0, r.stderr
    prof = json.loads(r.stdout)["linux"]["seccomp"]
    for rule in prof["syscalls"]:
        rule["names"] = [n for n in rule["names"] if n != "ptrace"]
    prof["syscalls"] = [rule for rule in prof["syscalls"] if rule["names"]]
    prof["syscalls"].append({"names": ["ptrace"], "action": "SCMP_ACT_ALLOW"})
    return prof


def start(cella, tmp, cid, rootfs, nnp=False):
    """Container root with runc's three default capabilities and a seccomp
    filter that allows ptrace, no no_new_privs."""
    c = make_config(args=["/bin/sleep", unique_sleep()], rootfs=rootfs)
    c["root"]["readonly"] = False
    c["process"]["noNewPrivileges"] = nnp
    c["process"]["capabilities"] = {k: list(RUNC_CAPS) for k in
                                    ("bounding", "effective", "permitted")}
    c["linux"]["seccomp"] = docker_like_seccomp(cella)
    b = write_bundle(os.path.join(tmp, "bundle-" + cid), c)
    cella.ok("create", "--bundle", b, cid)
    cella.ok("start", cid)
    return cella.state(cid)["pid"]


def status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def test_probe_caps_throwaway_cannot_be_seized(cella, tmp, rootfs):
    """The attack of issue 9, as reported: container root makes a setuid-root
    binary; a process run by `exec --user 65534:65534` waits for the probe's
    throwaway process (uid 65534), reads its environment, seizes it and makes
    it execve the binary, which writes its own capability sets, seccomp mode
    and cgroup into the container's /out. It must get nowhere: the throwaway
    is not dumpable, and had it been seized it holds no more than the
    container."""
    cid = cid_of("ct-seize")
    init = start(cella, tmp, cid, rootfs)
    try:
        cella.ok("exec", cid, "/bin/sh", "-c",
                 "cp /probe /suid && chmod 4755 /suid && mkdir -m 0777 /out")
        seizer = cella.popen("exec", "--user", "65534:65534", cid, "/probe", "seize-exec",
                             "/suid", "/out/report", str(TIMEOUT))
        env = dict(os.environ, CELLA_SECRET="the-admins-token")
        r = subprocess.run(cella.argv("probe", "caps", cid), env=env, capture_output=True,
                           text=True, timeout=TIMEOUT)
        out, err = seizer.communicate(timeout=TIMEOUT)
        assert seizer.returncode == 0, err
        # The attack was tried: the throwaway existed and was found.
        assert out.startswith("found "), (out, r.stdout, r.stderr)
        lines = out.splitlines()
        report = os.path.join(rootfs, "out", "report")
        assert "injected" not in lines and not os.path.exists(report), \
            "seized: " + (open(report).read() if os.path.exists(report) else out)
        environ = next(line for line in lines if line.startswith("environ "))
        assert environ.startswith("environ errno") or environ.endswith(" 0"), \
            f"the caller's environment reached the container: {environ}"
        assert lines[-1] == "seize errno 1", out  # EPERM: not dumpable
        assert r.returncode == 0, r.stderr
        init_status = status(init)
        assert init_status["CapBnd"] != "000001ffffffffff"
    finally:
        cella.run("delete", "--force", cid)


def pidns_chain(pid):
    """Inodes of the pid namespace of pid and of each one above it."""
    chain = []
    fd = os.open(f"/proc/{pid}/ns/pid", os.O_RDONLY)
    try:
        while True:
            chain.append(os.fstat(fd).st_ino)
            try:
                parent = fcntl.ioctl(fd, NS_GET_PARENT)
            except OSError:
                return chain
            os.close(fd)
            fd = parent
    finally:
        os.close(fd)


PF_EXITING = 0x4


def pf_exiting(pid):
    """The task is exiting (PF_EXITING in /proc/PID/stat's flags)."""
    with open(f"/proc/{pid}/stat") as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return int(rest[6]) & PF_EXITING != 0


def same_cgroup(text, ref):
    """/proc/PID/cgroup of a process is ref's. The kernel shows "/" for
    every v1 hierarchy of a task that is exiting: then the unified line
    (cella places its processes there too) decides."""
    lines, ref_lines = text.split(), ref.split()
    v1 = [line for line in lines if not line.startswith("0::")]
    if v1 and all(line.endswith(":/") for line in v1) and any(
            line.startswith("0::") for line in ref_lines):
        return [line for line in lines if line.startswith("0::")] == \
            [line for line in ref_lines if line.startswith("0::")]
    return lines == ref_lines


class Watcher(threading.Thread):
    """Sample, until stopped, every process in the pid namespace of `init`
    or one nested in it, and note each one holding more than init: a
    capability outside one of its sets, a weaker seccomp mode or
    no_new_privs, another cgroup or user namespace."""

    def __init__(self, init):
        super().__init__(daemon=True)
        self.init = init
        self.ns = os.stat(f"/proc/{init}/ns/pid").st_ino
        self.ref = status(init)
        with open(f"/proc/{init}/cgroup") as f:
            self.cgroup = f.read()
        self.userns = os.stat(f"/proc/{init}/ns/user").st_ino
        self.stop = threading.Event()
        self.seen = set()
        self.bad = []

    def check(self, pid):
        try:
            if self.ns not in pidns_chain(pid):
                return
            st = status(pid)
            with open(f"/proc/{pid}/cgroup") as f:
                cgroup = f.read()
            userns = os.stat(f"/proc/{pid}/ns/user").st_ino
            exiting = pf_exiting(pid)
        except (OSError, KeyError, ValueError):
            return  # gone
        if exiting:
            # The kernel shows "/" for the v1 hierarchies of a task that
            # is exiting (proc_cgroup_show): not a place it runs in.
            cgroup = self.cgroup
        self.seen.add(pid)
        why = []
        for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
            if int(st[k], 16) & ~int(self.ref[k], 16):
                why.append(f"{k} {st[k]} > {self.ref[k]}")
        if int(st["Seccomp"]) < int(self.ref["Seccomp"]):
            why.append(f"Seccomp {st['Seccomp']} < {self.ref['Seccomp']}")
        if int(st["NoNewPrivs"]) < int(self.ref["NoNewPrivs"]):
            why.append("no no_new_privs")
        if not same_cgroup(cgroup, self.cgroup):
            why.append("another cgroup: " + cgroup.replace("\n", " "))
        if userns != self.userns:
            why.append("another user namespace")
        if why:
            self.bad.append((pid, st.get("Name"), st.get("NSpid"), st.get("Uid"), st.get("PPid"), why))

    def run(self):
        while not self.stop.is_set():
            for e in os.listdir("/proc"):
                if e.isdigit() and int(e) != self.init:
                    self.check(int(e))

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.join()


@pytest.mark.parametrize("nnp", [False, True])
def test_processes_in_the_container_never_hold_more(cella, tmp, rootfs, nnp):
    cid = cid_of(f"ct-watch-{int(nnp)}")
    init = start(cella, tmp, cid, rootfs, nnp=nnp)
    try:
        with Watcher(init) as w:
            r = cella.run("probe", "caps", cid)
            assert r.returncode == 0, r.stderr
            for _ in range(5):
                cella.ok("exec", cid, "/bin/true")
                cella.ok("exec", "--user", "65534:65534", cid, "/bin/true")
                cella.ok("exec", "--tty", cid, "/bin/true")
        # The probe's children and throwaway process were seen.
        assert len(w.seen) >= 1, w.seen
        assert w.bad == [], w.bad
    finally:
        cella.run("delete", "--force", cid)


def test_start_container_hook_runs_under_the_container_filter(cella, tmp):
    """A startContainer hook runs in the container's pid namespace: with no
    more than the container, its seccomp filter included (with
    no_new_privs, cella loaded the filter only right before execve)."""
    cid = cid_of("ct-hook")
    c = make_config(args=["/bin/sleep", unique_sleep()])
    c["process"]["noNewPrivileges"] = True
    c["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW",
                             "syscalls": [{"names": ["kexec_load"], "action": "SCMP_ACT_ERRNO"}]}
    c["hooks"] = {"startContainer": [{
        "path": "/bin/sh",
        "args": ["sh", "-c", "grep -E '^(Seccomp|NoNewPrivs|CapBnd):' /proc/self/status "
                             "> /dev/shm/hook"]}]}
    b = write_bundle(os.path.join(tmp, "b"), c)
    cella.ok("create", "--bundle", b, cid)
    try:
        cella.ok("start", cid)
        init = status(cella.state(cid)["pid"])
        hook = dict(line.split(":\t") for line in
                    cella.ok("exec", cid, "cat", "/dev/shm/hook").stdout.splitlines())
        assert hook == {"Seccomp": init["Seccomp"], "NoNewPrivs": init["NoNewPrivs"],
                        "CapBnd": init["CapBnd"]}, hook
    finally:
        cella.run("delete", "--force", cid)


def test_init_reaper_runs_under_the_container_filter(cella):
    """--init's PID 1 is cella's own code, in the container's sight: it
    holds the container's seccomp filter, as the process it runs."""
    r = cella.run("run", "--init", "--rootfs", ROOTFS, "--", "sh", "-c",
                  "grep -h Seccomp: /proc/1/status /proc/self/status")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["Seccomp:", "2", "Seccomp:", "2"], r.stdout
