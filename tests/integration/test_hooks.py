# SPDX-License-Identifier: GPL-2.0-or-later
"""OCI hooks: each kind runs at its point, in its namespace, with the state
on stdin; timeouts kill; a failing hook fails the step the spec says and
leaves nothing behind."""
import json
import os
import time

import pytest

from helpers import ROOTFS, cid_of, make_config, pid_exists, wait_for, write_bundle

KINDS = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart",
         "poststop"]
# Where each kind runs: in the runtime's namespaces (host paths), or in the
# container's (startContainer after pivot_root: container paths).
IN_CONTAINER_ROOT = {"startContainer"}
ENV = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOOK_VAR=from-env"]


def recorder(kind, hostdir, fail=None, sleep=None, timeout=None):
    """A hook that saves its stdin to KIND.json, appends KIND to `order`
    and the values of HOOK_VAR, $0 and $1 to KIND.args."""
    d = "/shared" if kind in IN_CONTAINER_ROOT else hostdir
    script = (f'cat > {d}/{kind}.json; echo {kind} >> {d}/order; '
              f'echo "$HOOK_VAR $0 $1" > {d}/{kind}.args; ')
    if sleep:
        script += f"sleep {sleep}; "
    if fail is not None:
        script += f"echo {kind} says no >&2; exit {fail}"
    h = {"path": "/bin/sh", "args": ["sh", "-c", script, "arg0", "arg1"], "env": ENV}
    if timeout:
        h["timeout"] = timeout
    return h


def hook_bundle(tmp, args, hooks):
    d = os.path.join(tmp, "shared")
    os.makedirs(d, exist_ok=True)
    c = make_config(args=args, binds=[(d, "/shared", False)])
    c["hooks"] = hooks
    return write_bundle(os.path.join(tmp, "bundle"), c), d


def all_hooks(d, **over):
    hooks = {k: [recorder(k, d)] for k in KINDS}
    hooks.update(over)
    return hooks


def order(d):
    try:
        with open(os.path.join(d, "order")) as f:
            return f.read().split()
    except FileNotFoundError:
        return []


def hook_state(d, kind):
    with open(os.path.join(d, f"{kind}.json")) as f:
        return json.load(f)


def error_line(r):
    lines = r.stderr.strip().splitlines()
    assert lines and lines[-1].startswith("cella: "), r.stderr
    return lines[-1]


def test_features_lists_every_hook(cella):
    f = json.loads(cella.ok("features").stdout)
    assert f["hooks"] == KINDS


def test_every_hook_runs_at_its_point(cella, tmp):
    d = os.path.join(tmp, "shared")
    b, d = hook_bundle(tmp, ["/bin/sh", "-c", "echo process >> /shared/order; exec sleep 300"],
                       all_hooks(d))
    name = cid_of("hk")
    r = cella.run("create", "--bundle", b, name)
    assert r.returncode == 0, r.stderr
    st = cella.state(name)
    assert st["status"] == "created"
    pid = st["pid"]
    # create: prestart, createRuntime, createContainer, in that order.
    assert order(d) == ["prestart", "createRuntime", "createContainer"]
    for kind in ("prestart", "createRuntime", "createContainer"):
        s = hook_state(d, kind)
        assert s["id"] == name and s["status"] == "creating", (kind, s)
        assert s["pid"] == pid, (kind, s)
        assert s["bundle"] == b
        with open(os.path.join(d, f"{kind}.args")) as f:
            assert f.read().split() == ["from-env", "arg0", "arg1"]

    r = cella.run("start", name)
    assert r.returncode == 0, r.stderr
    # start returns after the exec and poststart.
    o = order(d)
    assert o[:4] == ["prestart", "createRuntime", "createContainer", "startContainer"], o
    assert "poststart" in o
    wait_for(lambda: "process" in order(d), what="the process to run")
    assert order(d).index("process") > order(d).index("startContainer")
    s = hook_state(d, "startContainer")
    assert s["status"] == "created" and s["pid"] == pid and s["id"] == name
    s = hook_state(d, "poststart")
    assert s["status"] == "running" and s["pid"] == pid and s["id"] == name
    assert "poststop" not in order(d)

    cella.ok("delete", "--force", name)
    assert order(d)[-1] == "poststop"
    s = hook_state(d, "poststop")
    assert s["status"] == "stopped" and s["id"] == name
    assert not pid_exists(pid)


def test_createContainer_runs_in_the_container_namespaces(cella, tmp):
    d = os.path.join(tmp, "shared")
    def script(out):
        return f"readlink /proc/self/ns/mnt /proc/self/ns/uts > {out}; hostname >> {out}"
    hooks = {"createContainer": [{"path": "/bin/sh", "args": ["sh", "-c", script(f"{d}/ns")],
                                  "env": ENV}],
             "createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", script(f"{d}/rt")],
                                "env": ENV}]}
    b, d = hook_bundle(tmp, ["/bin/true"], hooks)
    r = cella.run("run", "--bundle", b, cid_of("hn"))
    assert r.returncode == 0, r.stderr
    with open(os.path.join(d, "ns")) as f:
        mnt, uts, hostname = f.read().split()
    with open(os.path.join(d, "rt")) as f:
        rt_mnt, rt_uts, rt_hostname = f.read().split()
    assert rt_mnt == os.readlink("/proc/self/ns/mnt")
    assert mnt != rt_mnt and uts != rt_uts
    assert hostname == "cella-test"


def test_run_runs_every_hook(cella, tmp):
    d = os.path.join(tmp, "shared")
    b, d = hook_bundle(tmp, ["/bin/sh", "-c", "echo process >> /shared/order"], all_hooks(d))
    r = cella.run("run", "--bundle", b, cid_of("hr"))
    assert r.returncode == 0, r.stderr
    o = [k for k in order(d) if k != "process"]
    assert o == KINDS
    assert cella.entries() == []


@pytest.mark.parametrize("kind", ["prestart", "createRuntime", "createContainer"])
def test_failing_create_hook_fails_create(cella, tmp, kind):
    d = os.path.join(tmp, "shared")
    b, d = hook_bundle(tmp, ["/bin/true"], all_hooks(d, **{kind: [recorder(kind, d, fail=3)]}))
    r = cella.run("create", "--bundle", b, cid_of("hf"))
    assert r.returncode != 0
    line = error_line(r)
    assert f"hooks.{kind}[0]" in line and "/bin/sh" in line, line
    assert "exited with status 3" in line and f"{kind} says no" in line, line
    assert cella.entries() == []
    o = order(d)
    assert o[o.index(kind) + 1:] == ["poststop"], o  # nothing after it but poststop
    assert "startContainer" not in o


def test_second_hook_of_a_kind_is_not_run_after_a_failure(cella, tmp):
    d = os.path.join(tmp, "shared")
    hooks = {"createRuntime": [recorder("createRuntime", d, fail=1), recorder("prestart", d)]}
    b, d = hook_bundle(tmp, ["/bin/true"], hooks)
    r = cella.run("create", "--bundle", b, cid_of("h2"))
    assert r.returncode != 0
    assert "hooks.createRuntime[0]" in error_line(r)
    assert order(d) == ["createRuntime"]
    assert cella.entries() == []


@pytest.mark.parametrize("kind", ["createRuntime", "createContainer"])
def test_create_hook_timeout_kills_and_fails(cella, tmp, kind):
    d = os.path.join(tmp, "shared")
    b, d = hook_bundle(tmp, ["/bin/true"], {kind: [recorder(kind, d, sleep=60, timeout=1)]})
    t = time.monotonic()
    r = cella.run("create", "--bundle", b, cid_of("ht"))
    assert time.monotonic() - t < 10
    assert r.returncode != 0
    line = error_line(r)
    assert f"hooks.{kind}[0]" in line and "timed out after 1 s" in line, line
    assert cella.entries() == []
    # The leak check: the hook's `sleep` was killed with it.


def test_failing_startContainer_fails_start(cella, tmp):
    d = os.path.join(tmp, "shared")
    b, d = hook_bundle(tmp, ["/bin/sh", "-c", "echo process >> /shared/order"],
                       all_hooks(d, startContainer=[recorder("startContainer", d, fail=4)]))
    name = cid_of("hs")
    cella.ok("create", "--bundle", b, name)
    r = cella.run("start", name)
    assert r.returncode != 0
    line = error_line(r)
    assert "hooks.startContainer[0]" in line and "exited with status 4" in line, line
    wait_for(lambda: cella.status(name) == "stopped", what="the container to stop")
    assert "process" not in order(d) and "poststart" not in order(d)
    cella.ok("delete", name)
    assert order(d)[-1] == "poststop"


def test_startContainer_timeout_fails_start(cella, tmp):
    d = os.path.join(tmp, "shared")
    hooks = {"startContainer": [recorder("startContainer", d, sleep=60, timeout=1)]}
    b, d = hook_bundle(tmp, ["/bin/sh", "-c", "echo process >> /shared/order"], hooks)
    name = cid_of("hu")
    cella.ok("create", "--bundle", b, name)
    r = cella.run("start", name)
    assert r.returncode != 0
    assert "timed out after 1 s" in error_line(r)
    wait_for(lambda: cella.status(name) == "stopped", what="the container to stop")
    assert "process" not in order(d)
    cella.ok("delete", name)


def test_failing_poststart_is_a_warning(cella, tmp):
    """runtime-spec: a failing poststart hook is logged as a warning; the
    remaining hooks and the life cycle go on."""
    d = os.path.join(tmp, "shared")
    b, d = hook_bundle(tmp, ["/bin/sh", "-c", "exec sleep 300"],
                       all_hooks(d, poststart=[recorder("poststart", d, fail=5), {
                           "path": "/bin/sh", "args": ["sh", "-c", f"echo second >> {d}/order"]}]))
    name = cid_of("hp")
    cella.ok("create", "--bundle", b, name)
    pid = cella.state(name)["pid"]
    r = cella.run("start", name)
    assert r.returncode == 0, r.stderr
    assert "hooks.poststart[0]" in r.stderr and "exited with status 5" in r.stderr, r.stderr
    assert order(d)[-2:] == ["poststart", "second"]
    assert cella.status(name) == "running"
    assert pid_exists(pid)
    cella.ok("delete", "--force", name)
    assert order(d)[-1] == "poststop"
    assert cella.entries() == []


def test_create_container_hook_cwd_is_the_root(cella, tmp):
    """runc runs createContainer hooks in the container's root."""
    d = os.path.join(tmp, "shared")
    b, d = hook_bundle(tmp, ["/bin/true"], {"createContainer": [
        {"path": "/bin/sh", "args": ["sh", "-c", f"pwd > {d}/cwd"]}]})
    r = cella.run("run", "--bundle", b, cid_of("hc"))
    assert r.returncode == 0, r.stderr
    with open(os.path.join(d, "cwd")) as f:
        assert f.read().strip() == os.path.realpath(ROOTFS)


@pytest.mark.parametrize("stage1", [False, True])
def test_refused_limit_runs_poststop_only(cella, tmp, stage1):
    """A limit the kernel refuses fails create; the container existed, so
    poststop runs (as runc 1.1 does), and no hook before it: the same on
    every cgroup layout, whether the limit is refused before the clone (a
    stage 1, which time offsets need, gets the whole cgroup first) or after
    it (v1 hierarchies made late, #4e)."""
    d = os.path.join(tmp, "shared")
    b, d = hook_bundle(tmp, ["/bin/true"], all_hooks(d))
    with open(os.path.join(b, "config.json")) as f:
        c = json.load(f)
    c["linux"]["resources"] = {"cpu": {"cpus": "4095"}}
    if stage1:
        c["linux"]["namespaces"].append({"type": "time"})
        c["linux"]["timeOffsets"] = {"monotonic": {"secs": 5, "nanosecs": 0}}
    b = write_bundle(b, c)
    cid = cid_of("hlim")
    r = cella.run("create", "--bundle", b, cid)
    assert r.returncode != 0 and "linux.resources.cpu.cpus" in r.stderr, r.stderr
    assert order(d) == ["poststop"]
    assert hook_state(d, "poststop")["status"] == "stopped"
    assert cella.entries() == []


def test_failing_poststop_is_a_warning(cella, tmp):
    d = os.path.join(tmp, "shared")
    hooks = {"poststop": [recorder("poststop", d, fail=6), {"path": "/bin/sh", "args": [
        "sh", "-c", f"echo second >> {d}/order"]}]}
    b, d = hook_bundle(tmp, ["/bin/true"], hooks)
    r = cella.run("run", "--bundle", b, cid_of("hq"))
    assert r.returncode == 0, r.stderr
    assert "hooks.poststop[0]" in r.stderr and "warning" in r.stderr
    assert order(d) == ["poststop", "second"]
    assert cella.entries() == []


def test_missing_hook_executable_fails_with_its_path(cella, tmp):
    b, d = hook_bundle(tmp, ["/bin/true"], {"prestart": [{"path": "/nonexistent/hook"}]})
    r = cella.run("create", "--bundle", b, cid_of("hm"))
    assert r.returncode != 0
    line = error_line(r)
    assert "hooks.prestart[0] `/nonexistent/hook`" in line and "cannot execute" in line, line
    assert cella.entries() == []


def test_hooks_without_env_never_see_the_runtimes_marks(cella, tmp):
    """A hook without `env` gets the runtime's environment (as runc's do),
    but not what cella's re-exec passed itself (_CELLA_EXE): a process
    started by the runtime must not carry what would make another cella
    take its binary for a sealed one."""
    d = os.path.join(tmp, "shared")
    os.makedirs(d, exist_ok=True)
    hooks = {}
    for kind in ("createRuntime", "poststart", "poststop"):
        hooks[kind] = [{"path": "/bin/sh", "args": ["sh", "-c", f"env > {d}/{kind}.env"]}]
    c = make_config(args=["/bin/true"])
    c["hooks"] = hooks
    b = write_bundle(os.path.join(tmp, "bundle"), c)
    r = cella.run("run", "--bundle", b, cid_of("envh"))
    assert r.returncode == 0, r.stderr
    for kind in hooks:
        with open(os.path.join(d, f"{kind}.env")) as f:
            env = f.read()
        assert "PATH=" in env, (kind, env)
        assert "_CELLA_EXE" not in env, (kind, env)
