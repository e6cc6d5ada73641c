# SPDX-License-Identifier: GPL-2.0-or-later
"""The systemd cgroup driver (--systemd-cgroup) and NOTIFY_SOCKET under a
real systemd.

Where systemd is PID 1 (`make check-systemd` boots one in the VM,
tests/vm/run.sh with CELLA_VM_SYSTEMD=1), a container's cgroup is a transient
scope systemd made, with the limits as unit properties, enforced, changed by
update and gone after delete; and a Type=notify service running a container
becomes active only once the container sends READY=1. Where it is not (this
project's hosts), the flag fails naming the missing bus, and leaves
nothing."""
import os
import random
import shutil
import signal
import subprocess
import tempfile

import pytest

from helpers import (CELLA, PROBE, ROOTFS, TIMEOUT, cid_of, end_killed_runtime, make_config,
                     pid_exists, read, wait_for, write_bundle)

SYSTEMD = os.path.exists("/run/systemd/system") and \
    open("/proc/1/comm").read().strip() == "systemd"
needs_systemd = pytest.mark.skipif(not SYSTEMD, reason="systemd is not PID 1 here "
                                   "(make check-systemd boots it in a VM)")
CG = "/sys/fs/cgroup"


def cid(prefix):
    return cid_of(f"{prefix}{random.randrange(10**6):06d}")


def show(unit, *props):
    r = subprocess.run(["systemctl", "show", unit] + [f"--property={p}" for p in props],
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    return dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line)


@pytest.mark.skipif(SYSTEMD, reason="systemd is PID 1 here")
def test_no_systemd_fails_naming_the_bus(cella, tmp):
    b = write_bundle(os.path.join(tmp, "bundle"), make_config())
    for flag in (["--systemd-cgroup"], ["--cgroup-manager", "systemd"]):
        r = cella.run(*flag, "create", "--bundle", b, cid("sd"))
        assert r.returncode != 0
        assert "no bus to systemd's system manager" in r.stderr, r.stderr
        assert "/run/systemd/private" in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
    assert cella.entries() == []


def test_systemd_form_checked_before_the_bus(cella, tmp):
    """A cgroupsPath the driver cannot take is bad input wherever it runs."""
    b = write_bundle(os.path.join(tmp, "bundle"),
                     make_config(linux={**make_config()["linux"], "cgroupsPath": "/not/systemd"}))
    r = cella.run("--systemd-cgroup", "create", "--bundle", b, cid("sd"))
    assert r.returncode != 0
    assert "linux.cgroupsPath `/not/systemd`: the systemd cgroup manager expects" in r.stderr
    assert cella.entries() == []


def limited(tmp, name, args, resources, slice_="machine-cella.slice"):
    c = make_config(args=args)
    c["linux"]["cgroupsPath"] = f"{slice_}:cella:{name}"
    c["linux"]["resources"] = resources
    return write_bundle(os.path.join(tmp, "bundle"), c)


@needs_systemd
def test_scope_has_the_limits_enforced_updated_and_removed(cella, tmp):
    name = cid("sd")
    unit = f"cella-{name}.scope"
    b = limited(tmp, name, ["/bin/sleep", "300"], {
        "memory": {"limit": 64 << 20},
        "cpu": {"shares": 512, "quota": 50000, "period": 100000},
        "pids": {"limit": 16},
    })
    cella.ok("--systemd-cgroup", "create", "--bundle", b, name)
    try:
        st = cella.state(name)
        cg = "/machine.slice/machine-cella.slice/" + unit
        p = show(unit, "ActiveState", "Delegate", "Slice", "ControlGroup", "MemoryMax",
                 "TasksMax", "CPUQuotaPerSecUSec", "CPUWeight")
        assert p == {"ActiveState": "active", "Delegate": "yes",
                     "Slice": "machine-cella.slice", "ControlGroup": cg,
                     "MemoryMax": str(64 << 20), "TasksMax": "16",
                     "CPUQuotaPerSecUSec": "500ms", "CPUWeight": "59"}, p
        # The init is in the scope.
        assert read(f"/proc/{st['pid']}/cgroup").strip() == f"0::{cg}"
        d = CG + cg
        assert read(f"{d}/memory.max").strip() == str(64 << 20)
        assert read(f"{d}/pids.max").strip() == "16"
        assert read(f"{d}/cpu.max").strip() == "50000 100000"
        cella.ok("start", name)
        # update: the unit's properties and the cgroup's files.
        cella.ok("update", "--memory", "128m", "--pids-limit", "24", name)
        p = show(unit, "MemoryMax", "TasksMax")
        assert p == {"MemoryMax": str(128 << 20), "TasksMax": "24"}, p
        assert read(f"{d}/memory.max").strip() == str(128 << 20)
        assert read(f"{d}/pids.max").strip() == "24"
        # Enforced: 40 more processes do not fit in 24 tasks.
        r = cella.run("exec", name, "/bin/sh", "-c",
                      "i=0; while [ $i -lt 40 ]; do sleep 300 & i=$((i+1)); done")
        assert r.returncode != 0
        assert "max 0" not in read(f"{d}/pids.events")
        assert int(read(f"{d}/pids.current")) <= 24
    finally:
        r = cella.run("delete", "--force", name)
        assert r.returncode == 0, r.stderr
    assert show(unit, "LoadState")["LoadState"] == "not-found"
    assert not os.path.exists(CG + cg)


@needs_systemd
def test_delete_after_the_scope_went_by_itself(cella, tmp):
    """A scope whose last process exited is gone (systemd removes it): delete
    still works."""
    name = cid("sd")
    b = limited(tmp, name, ["/bin/true"], {"pids": {"limit": 8}})
    cella.ok("--systemd-cgroup", "run", "--detach", "--bundle", b, name)
    cella.wait_status(name, "stopped")
    wait_for(lambda: show(f"cella-{name}.scope", "ActiveState")["ActiveState"] != "active",
             what="the scope to go")
    cella.ok("delete", name)
    assert cella.entries() == []


@needs_systemd
def test_scope_failure_leaves_nothing(cella, tmp):
    """A limit the cgroup refuses after systemd made the scope: the scope is
    stopped, the state removed."""
    name = cid("sd")
    b = limited(tmp, name, ["/bin/true"], {"unified": {"memory.nonexistent": "1"}})
    r = cella.run("--systemd-cgroup", "create", "--bundle", b, name)
    assert r.returncode != 0
    assert f"cella-{name}.scope" in r.stderr
    assert cella.entries() == []
    assert show(f"cella-{name}.scope", "LoadState")["LoadState"] == "not-found"


@needs_systemd
def test_type_notify_service_active_on_ready(cella, tmp):
    """systemd-run starts `cella run` as a Type=notify service: it is
    `activating` until the container sends READY=1, then `active`."""
    d = os.path.join(tmp, "shared")
    os.makedirs(d)
    name = cid("sd")
    unit = f"cella-notify-{name}.service"
    c = make_config(args=["/bin/sh", "-c",
                          "while [ ! -e /shared/go ]; do sleep 0.05; done; "
                          "/probe notify READY=1; exec sleep 300"],
                    binds=[(d, "/shared", False)])
    b = write_bundle(os.path.join(tmp, "bundle"), c)
    r = subprocess.run(["systemd-run", "--no-block", f"--unit={unit}", "-p", "Type=notify",
                        "-p", "DefaultDependencies=no",
                        "-p", "TimeoutStartSec=300", "--", cella.argv()[0], "--root",
                        cella.root, "run", "--bundle", b, name],
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    try:
        wait_for(lambda: cella.status(name) == "running", what="the container to run")
        assert show(unit, "ActiveState")["ActiveState"] == "activating"
        open(os.path.join(d, "go"), "w").close()
        wait_for(lambda: show(unit, "ActiveState")["ActiveState"] == "active",
                 what="the service to become active")
        # systemd follows the container's init (MAINPID).
        assert show(unit, "MainPID")["MainPID"] == str(cella.state(name)["pid"])
    finally:
        cella.run("kill", name, "KILL")
        wait_for(lambda: show(unit, "ActiveState")["ActiveState"] in ("inactive", "failed"),
                 what="the service to end")
        subprocess.run(["systemctl", "reset-failed", unit], capture_output=True)
        cella.run("delete", "--force", name)


@needs_systemd
@pytest.mark.skipif(shutil.which("podman") is None, reason="podman is not installed")
def test_podman_systemd_cgroups_and_sdnotify(cella, tmp):
    """podman with cgroup_manager systemd and --sdnotify=container drives
    cella: the container's scope is made by systemd, and the Type=notify
    service running podman becomes active once the container is ready."""
    d = os.path.join(tmp, "shared")
    os.makedirs(d)
    # Short: conmon's sockets live under the run root (sun_path is 108 bytes).
    store = tempfile.mkdtemp(prefix="pm", dir="/tmp")
    log = os.path.join(store, "log")
    name = cid("pm")
    unit = f"cella-podman-{name}.service"
    podman = ["podman", "--runtime", CELLA, "--cgroup-manager", "systemd",
              "--root", f"{store}/root", "--runroot", f"{store}/run",
              "--storage-driver", "vfs", "--events-backend", "file"]
    # Unconfined: under podman's AppArmor profile the probe's exec was
    # refused (EACCES) in the VM; AppArmor has its own tests (test_lsm.py).
    run = podman + ["run", "--name", name, "--network", "none", "--sdnotify=container",
                    "--security-opt", "apparmor=unconfined", "-v", f"{PROBE}:/probe:ro", "-v", f"{d}:/shared", "--rootfs", ROOTFS,
                    "/bin/sh", "-c", "touch /shared/waiting; "
                    "while [ ! -e /shared/go ]; do sleep 0.05; done; "
                    "/probe notify READY=1; exec sleep 300"]
    r = subprocess.run(["systemd-run", "--no-block", f"--unit={unit}", "-p", "Type=notify",
                        "-p", "NotifyAccess=all", "-p", "DefaultDependencies=no",
                        "-p", "TimeoutStartSec=300", "-p", f"StandardOutput=file:{log}",
                        "-p", f"StandardError=file:{log}", "--"] + run,
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr

    def inspect(fmt):
        r = subprocess.run(podman + ["inspect", "--format", fmt, name], capture_output=True,
                           text=True, timeout=TIMEOUT * 4)
        return r.stdout.strip() if r.returncode == 0 else None

    def scopes():
        r = subprocess.run(["systemctl", "list-units", "--type=scope", "--plain", "--no-legend",
                            "libpod-*.scope"], capture_output=True, text=True, timeout=TIMEOUT)
        return [line.split()[0] for line in r.stdout.splitlines() if line.strip()]

    scope = None
    try:
        # `start` waits for READY=1 (as runc's), so podman says "running"
        # only after it; the scope is there from create on.
        try:
            wait_for(lambda: scopes(), TIMEOUT * 4, "the container's scope")
        except AssertionError:
            raise AssertionError(f"no scope; podman said: {read(log)}")
        (scope,) = scopes()
        p = show(scope, "ActiveState", "Delegate", "Description")
        assert p["ActiveState"] == "active" and p["Delegate"] == "yes", p
        assert p["Description"].startswith("cella container"), p
        wait_for(lambda: os.path.exists(os.path.join(d, "waiting")), TIMEOUT * 4,
                 "the container to start")
        assert show(unit, "ActiveState")["ActiveState"] == "activating"
        open(os.path.join(d, "go"), "w").close()
        wait_for(lambda: show(unit, "ActiveState")["ActiveState"] == "active", TIMEOUT * 4,
                 "the service to become active")
        assert inspect("{{.State.Status}}") == "running"
        assert scope == f"libpod-{inspect('{{.Id}}')}.scope"
        pid = int(inspect("{{.State.Pid}}"))
        assert read(f"/proc/{pid}/cgroup").strip().endswith("/" + scope)
    finally:
        subprocess.run(podman + ["rm", "--force", "--time", "0", name], capture_output=True,
                       timeout=TIMEOUT * 4)
        subprocess.run(["systemctl", "stop", unit], capture_output=True, timeout=TIMEOUT * 4)
        subprocess.run(["systemctl", "reset-failed", unit], capture_output=True)
        subprocess.run(["umount", "-R", store], capture_output=True)
        shutil.rmtree(store, ignore_errors=True)
    assert scope is None or show(scope, "LoadState")["LoadState"] == "not-found"


def test_helper_that_cannot_start_is_named(cella, tmp):
    """The driver's bus calls go through cella-systemd (the runtime is linked
    statically and never loads libsystemd): one that cannot be started is
    named, in one line, and nothing is left."""
    b = write_bundle(os.path.join(tmp, "bundle"), make_config())
    missing = os.path.join(tmp, "no-such-helper")
    env = dict(cella.env or os.environ, CELLA_SYSTEMD_HELPER=missing)
    r = subprocess.run(cella.argv("--systemd-cgroup", "create", "--bundle", b, cid("sd")),
                       env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=TIMEOUT)
    assert r.returncode != 0
    assert f"systemd cgroup driver: its helper `{missing}` failed (exit 127)" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert cella.entries() == []
    r = subprocess.run(cella.argv("features"), env=env, capture_output=True, text=True,
                       timeout=TIMEOUT)
    assert r.returncode == 0
    assert '"systemd": false' in r.stdout


@pytest.mark.skipif(SYSTEMD, reason="systemd is PID 1 here")
def test_helper_answer_read_after_what_else_it_printed(cella, tmp):
    """The helper's stdout and stderr come through one pipe: its answer is
    its last line, whatever came before it (here the dynamic loader's
    warning about a preload it cannot find; a static runtime ignores
    LD_PRELOAD, a dynamically linked one, as in the sanitizer build, prints
    the same warning itself first)."""
    b = write_bundle(os.path.join(tmp, "bundle"), make_config())
    env = dict(cella.env or os.environ, LD_PRELOAD=os.path.join(tmp, "no-such.so"))
    r = subprocess.run(cella.argv("--systemd-cgroup", "create", "--bundle", b, cid("sd")),
                       env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=TIMEOUT)
    assert r.returncode != 0
    lines = [line for line in r.stderr.strip().splitlines() if "LD_PRELOAD" not in line]
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("cella: systemd cgroup driver: no bus to systemd's system manager")
    assert lines[0].endswith(": No such file or directory")
    assert cella.entries() == []


def test_helper_dies_with_a_killed_runtime(cella, tmp):
    """A runtime killed while its systemd helper runs leaves no helper
    behind (PR_SET_PDEATHSIG, kernel/process.c)."""
    helper = os.path.join(tmp, "helper")
    pidfile = os.path.join(tmp, "helper.pid")
    with open(helper, "w") as f:
        f.write(f"#!/bin/sh\necho $$ > {pidfile}.tmp\nmv {pidfile}.tmp {pidfile}\nexec sleep 3600\n")
    os.chmod(helper, 0o755)
    b = write_bundle(os.path.join(tmp, "bundle"), make_config())
    name = cid("sd")
    env = dict(cella.env or os.environ, CELLA_SYSTEMD_HELPER=helper)
    p = subprocess.Popen(cella.argv("--systemd-cgroup", "create", "--bundle", b, name), env=env,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    pid = None
    try:
        wait_for(lambda: os.path.exists(pidfile), what="the helper")
        pid = int(read(pidfile))
        p.kill()
        p.wait(timeout=TIMEOUT)
        wait_for(lambda: not pid_exists(pid), 10, "the helper's end")
    finally:
        if pid is not None and pid_exists(pid):
            os.kill(pid, signal.SIGKILL)
        end_killed_runtime(cella, p)
    assert cella.entries() == []


@pytest.mark.skipif(not os.path.exists(f"{CG}/cgroup.controllers"),
                    reason="the systemd driver needs a pure cgroup v2 host")
def test_helper_request_carries_every_property_type(cella, tmp):
    """The request the runtime hands cella-systemd (its argv): a string, a
    bool, a number, the pid, a CPU mask as hex bytes and an I/O limit list,
    each as NAME TYPE VALUE... A fake helper records it and refuses the
    start; the refusal's errno and words come back, and nothing is left."""
    helper = os.path.join(tmp, "helper")
    with open(helper, "w") as f:
        f.write(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > {tmp}/$1.args\n"
                "case $1 in loadable|check) exit 0;; esac\n"
                "echo 'some noise first' >&2\necho '5 fake refusal'\nexit 1\n")
    os.chmod(helper, 0o755)
    name = cid("sd")
    b = limited(tmp, name, ["/bin/true"], {
        "memory": {"limit": 64 << 20},
        "cpu": {"cpus": "0-1"},
        "blockIO": {"throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1048576}]},
    })
    env = dict(cella.env or os.environ, CELLA_SYSTEMD_HELPER=helper)
    r = subprocess.run(cella.argv("--systemd-cgroup", "create", "--bundle", b, name), env=env,
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode != 0
    assert "fake refusal: Input/output error" in r.stderr, r.stderr
    args = read(os.path.join(tmp, "start.args")).splitlines()
    assert args[:3] == ["start", "system", f"cella-{name}.scope"], args

    def prop(pname, n):
        i = args.index(pname)
        return args[i + 1:i + 1 + n]
    assert prop("Slice", 2) == ["s", "machine-cella.slice"]
    assert prop("Delegate", 2) == ["b", "1"]
    assert prop("MemoryMax", 2) == ["t", str(64 << 20)]
    kind, pid = prop("PIDs", 2)
    assert kind == "u" and int(pid) > 1
    assert prop("AllowedCPUs", 2) == ["y", "03"]
    assert prop("IOReadBandwidthMax", 4) == ["io", "1", "/dev/block/8:0", "1048576"]
    assert cella.entries() == []
    wait_for(lambda: not pid_exists(int(pid)), 10, "the init of the refused create to go")
