# SPDX-License-Identifier: GPL-2.0-or-later
"""Bad input: every case fails with exit status != 0 (or the documented
status), exactly one line on stderr naming the field or path, and leaves
nothing behind (no state entry, no process, no mount: the leak check in
conftest.py verifies the last two after each test)."""
import json
import os

import pytest

from helpers import PROBE, ROOTFS, cid_of, make_config, write_bundle


def check_error(r, needles, rc=None):
    if rc is None:
        assert r.returncode != 0, f"succeeded: {r.stdout}"
    else:
        assert r.returncode == rc, r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got: {r.stderr!r}"
    line = lines[0]
    assert line.startswith("cella: "), line
    if isinstance(needles, str):
        needles = [needles]
    assert any(n.lower() in line.lower() for n in needles), \
        f"{line!r} names none of {needles}"
    return line


# ---- config.json problems, through `create` and through `run ID` ----

def cfg(**changes):
    """A valid config edited by `changes`: {"a.b.c": value} sets, None deletes."""
    def build(tmp):
        c = make_config()
        for path, value in changes.items():
            keys = path.split(".")
            obj = c
            for k in keys[:-1]:
                obj = obj[int(k)] if isinstance(obj, list) else obj.setdefault(k, {})
            if value is None:
                obj.pop(keys[-1], None)
            else:
                obj[keys[-1]] = value(tmp) if callable(value) else value
        return c
    return build


USERNS = [{"type": t} for t in ("user", "mount", "pid", "ipc", "uts", "network")]


def linked_rootfs(through_dir):
    """root.path through a symlink made in tmp: to the rootfs itself, or to
    its parent directory."""
    def build(tmp):
        link = os.path.join(tmp, "link")
        if through_dir:
            os.symlink(os.path.dirname(ROOTFS), link)
            return os.path.join(link, os.path.basename(ROOTFS))
        os.symlink(ROOTFS, link)
        return link
    return build


CONFIG_CASES = {
    # name: (config builder or raw text, substrings the message may name, rc of `run`)
    "malformed-json": ('{"ociVersion": "1.0.2", "process": {"args": [', ["config.json"], None),
    "not-an-object": ("[1, 2]", ["config.json"], None),
    "empty-file": ("", ["config.json"], None),
    "args-wrong-type": (cfg(**{"process.args": [5]}), ["process.args"], None),
    "args-not-array": (cfg(**{"process.args": "/probe"}), ["process.args"], None),
    "args-empty": (cfg(**{"process.args": []}), ["process.args"], None),
    "root-path-wrong-type": (cfg(**{"root.path": 7}), ["root.path"], None),
    "root-missing": (cfg(**{"root": None}), ["root"], None),
    "hostname-wrong-type": (cfg(hostname=["x"]), ["hostname"], None),
    "uid-wrong-type": (cfg(**{"process.user.uid": "0"}), ["process.user.uid"], None),
    "uid-negative": (cfg(**{"process.user.uid": -1}), ["process.user.uid"], None),
    "cwd-relative": (cfg(**{"process.cwd": "tmp"}), ["process.cwd"], None),
    "missing-rootfs": (cfg(**{"root.path": lambda tmp: os.path.join(tmp, "no-rootfs")}),
                       ["no-rootfs"], None),
    "rootfs-is-file": (cfg(**{"root.path": lambda tmp: PROBE}), [PROBE, "root.path"], None),
    # runc: "invalid rootfs: not an absolute path, or a symlink"
    "rootfs-symlink": (cfg(**{"root.path": linked_rootfs(False)}), ["root.path"], None),
    "rootfs-through-symlink": (cfg(**{"root.path": linked_rootfs(True)}), ["root.path"], None),
    "unknown-namespace": (cfg(**{"linux.namespaces": [{"type": "bogus"}, {"type": "mount"}]}),
                          ["bogus"], None),
    "duplicate-namespace": (cfg(**{"linux.namespaces": [{"type": "pid"}, {"type": "pid"},
                                                         {"type": "mount"}]}),
                            ["pid", "linux.namespaces"], None),
    "namespace-path-missing": (cfg(**{"linux.namespaces": [
        {"type": "network", "path": "/proc/self/ns/no-such"}, {"type": "mount"},
        {"type": "pid"}, {"type": "ipc"}, {"type": "uts"}]}),
        ["/proc/self/ns/no-such"], None),
    "mapping-overlap": (cfg(**{"linux.namespaces": USERNS,
                               "linux.uidMappings": [
                                   {"containerID": 0, "hostID": 100000, "size": 100},
                                   {"containerID": 50, "hostID": 300000, "size": 100}],
                               "linux.gidMappings": [
                                   {"containerID": 0, "hostID": 100000, "size": 65536}]}),
                        ["uidMappings"], None),
    "mapping-size-zero": (cfg(**{"linux.namespaces": USERNS,
                                 "linux.uidMappings": [
                                     {"containerID": 0, "hostID": 100000, "size": 0}],
                                 "linux.gidMappings": [
                                     {"containerID": 0, "hostID": 100000, "size": 65536}]}),
                          ["uidMappings"], None),
    "mapping-wrong-type": (cfg(**{"linux.namespaces": USERNS,
                                  "linux.uidMappings": [
                                      {"containerID": 0, "hostID": "x", "size": 1}],
                                  "linux.gidMappings": [
                                      {"containerID": 0, "hostID": 100000, "size": 65536}]}),
                           ["uidMappings", "hostID"], None),
    "mount-relative-destination": (cfg(mounts=[{"destination": "relative", "type": "tmpfs",
                                                "source": "tmpfs"}]),
                                   ["mounts", "relative"], None),
    "mount-missing-source": (cfg(mounts=[{"destination": "/x", "type": "bind",
                                          "source": "/no/such/source", "options": ["rbind"]}]),
                             ["/no/such/source"], None),
    # (an unknown capability name is a warning, not an error: the runtime
    # spec says so; test_proc_setup.py checks it)
    "unknown-rlimit": (cfg(**{"process.rlimits": [{"type": "RLIMIT_BOGUS", "soft": 1,
                                                   "hard": 1}]}),
                       ["RLIMIT_BOGUS"], None),
    "rlimit-soft-above-hard": (cfg(**{"process.rlimits": [{"type": "RLIMIT_NOFILE",
                                                           "soft": 100, "hard": 10}]}),
                               ["RLIMIT_NOFILE", "rlimits"], None),
    "no-such-executable": (cfg(**{"process.args": ["/no/such/exe"]}), ["/no/such/exe"], 127),
    "not-executable": (cfg(**{"process.args": ["/etc/passwd"]}), ["/etc/passwd"], 126),
}


@pytest.mark.parametrize("door", ["create", "run"])
@pytest.mark.parametrize("case", list(CONFIG_CASES))
def test_bad_config(cella, tmp, case, door):
    cid = cid_of("bad")
    build, needles, run_rc = CONFIG_CASES[case]
    config = build if isinstance(build, str) else build(tmp)
    b = write_bundle(os.path.join(tmp, "bundle"), config)
    r = cella.run(door, "--bundle", b, cid)
    check_error(r, needles, rc=run_rc if door == "run" else None)
    assert cella.entries() == []


def test_missing_config(cella, tmp):
    cid = cid_of("nocfg")
    b = os.path.join(tmp, "empty-bundle")
    os.mkdir(b)
    check_error(cella.run("create", "--bundle", b, cid), ["config.json"])
    check_error(cella.run("create", "--bundle", os.path.join(tmp, "nodir"), cid),
                ["nodir"])
    assert cella.entries() == []


def test_error_names_line_and_column(cella, tmp):
    cid = cid_of("lc")
    config = make_config()
    config["process"]["args"] = [5]
    text = json.dumps(config, indent=2)
    lineno = [n for n, line in enumerate(text.splitlines(), 1) if line.strip() == "5"]
    assert len(lineno) == 1
    b = write_bundle(os.path.join(tmp, "bundle"), text)
    line = check_error(cella.run("create", "--bundle", b, cid), ["process.args"])
    assert f"config.json:{lineno[0]}:" in line, line


# ---- ids ----

@pytest.mark.parametrize("cid", ["../x", "a/b", "", ".", "..", "/abs", "x\ny"],
                         ids=["dotdot", "slash", "empty", "dot", "dotdot-only", "abs",
                              "newline"])
def test_unsafe_id(cella, tmp, cid):
    b = write_bundle(os.path.join(tmp, "bundle"), make_config(args=["/probe", "exit", "0"]))
    before = sorted(os.listdir(tmp))
    r = cella.run("create", "--bundle", b, cid)
    check_error(r, ["id", cid] if cid else ["id"])
    assert cella.entries() == []
    assert sorted(os.listdir(tmp)) == before, "something was created outside --root"


def test_duplicate_id(cella, tmp):
    cid = cid_of("dup")
    b = write_bundle(os.path.join(tmp, "bundle"), make_config(args=["/probe", "sleep", "300"]))
    cella.ok("create", "--bundle", b, cid)
    try:
        pid = cella.state(cid)["pid"]
        check_error(cella.run("create", "--bundle", b, cid), [cid])
        check_error(cella.run("run", "--bundle", b, cid), [cid])
        st = cella.state(cid)
        assert (st["status"], st["pid"]) == ("created", pid)
        assert cella.entries() == [cid]
    finally:
        cella.run("delete", "--force", cid)


def test_quick_door_duplicate_name(cella, tmp):
    cid = cid_of("taken")
    b = write_bundle(os.path.join(tmp, "bundle"), make_config(args=["/probe", "sleep", "300"]))
    cella.ok("create", "--bundle", b, cid)
    try:
        r = cella.quick("--name", cid, cmd=["/probe", "exit", "0"])
        check_error(r, [cid])
        assert cella.status(cid) == "created"
    finally:
        cella.run("delete", "--force", cid)


@pytest.mark.parametrize("cmd", ["state", "start", "kill", "delete"])
def test_unknown_id(cella, cmd):
    check_error(cella.run(cmd, "nosuch"), ["nosuch"])
    assert cella.entries() == []


# ---- command line ----

CLI_CASES = {
    "unknown-command": (["frobnicate"], ["frobnicate"]),
    "unknown-global-flag": (["--bogus-global", "list"], ["--bogus-global"]),
    "unknown-run-flag": (["run", "--bogus-flag", "--", "/probe"], ["--bogus-flag"]),
    "unknown-create-flag": (["create", "--bogus-flag", "x"], ["--bogus-flag"]),
    "missing-flag-value": (["run", "--hostname"], ["--hostname"]),
    "create-no-id": (["create"], ["id"]),
    "bad-log-format": (["--log-format", "xml", "list"], ["xml", "--log-format"]),
    "bad-list-format": (["list", "--format", "xml"], ["xml", "--format"]),
    "quick-no-command": (["run", "--rootfs", ROOTFS, "--"], ["command", "--"]),
    "unknown-ns": (["run", "--ns", "mount,bogus", "--", "/bin/true"], ["bogus"]),
    "unknown-share": (["run", "--share", "bogus", "--", "/bin/true"], ["bogus"]),
    "uidmap-size-zero": (["run", "--uidmap", "0:100000:0", "--", "/bin/true"], ["uidmap"]),
    "uidmap-overlap": (["run", "--uidmap", "0:100000:100", "--uidmap", "50:300000:100",
                        "--", "/bin/true"], ["uidmap"]),
    "uidmap-garbage": (["run", "--uidmap", "zero:one", "--", "/bin/true"], ["uidmap"]),
    "gidmap-size-zero": (["run", "--gidmap", "0:100000:0", "--", "/bin/true"], ["gidmap"]),
    "bad-user": (["run", "--user", "x:y", "--", "/bin/true"], ["user", "x:y"]),
    "bad-cap": (["run", "--cap-add", "CAP_BOGUS", "--", "/bin/true"], ["BOGUS"]),
    "bad-bind": (["run", "--bind", "/no/such/src:/x", "--", "/bin/true"], ["/no/such/src"]),
    "bad-bind-syntax": (["run", "--bind", "nocolon", "--", "/bin/true"], ["nocolon", "--bind"]),
    "bad-bind-relative-dst": (["run", "--bind", "/tmp:rel", "--", "/bin/true"], ["rel"]),
    "bad-env": (["run", "--env", "NOEQUALS", "--", "/bin/true"], ["NOEQUALS", "--env"]),
    "missing-rootfs": (["run", "--rootfs", "/no/such/rootfs", "--", "/bin/true"],
                       ["/no/such/rootfs"]),
    "cwd-relative": (["run", "--cwd", "rel", "--", "/bin/true"], ["rel", "--cwd"]),
    "quick-no-such-exe": (["run", "--", "/no/such/exe"], ["/no/such/exe"]),
}


@pytest.mark.parametrize("case", list(CLI_CASES))
def test_bad_command_line(cella, case):
    args, needles = CLI_CASES[case]
    r = cella.run(*args)
    check_error(r, needles, rc=127 if case == "quick-no-such-exe" else None)
    assert cella.entries() == []


def test_print_spec_bad_flag_is_error(cella):
    r = cella.run("run", "--print-spec", "--ns", "bogus", "--", "/bin/true")
    check_error(r, ["bogus"])
    assert r.stdout == ""


def test_errors_with_json_log(cella, tmp):
    log = os.path.join(tmp, "log.json")
    r = cella.run("--log", log, "--log-format", "json", "state", "nosuch")
    assert r.returncode == 1
    with open(log) as f:
        records = [json.loads(line) for line in f if line.strip()]
    assert any("nosuch" in json.dumps(rec) for rec in records)


# ---- a state root another user can write ----

@pytest.mark.parametrize("args", [
    ["run", "--rootfs", ROOTFS, "--", "/bin/true"],
    ["create", "--bundle", "{b}", "{id}"],
    ["run", "--bundle", "{b}", "{id}"],
    ["list"],
    ["state", "{id}"],
    ["kill", "{id}"],
    ["exec", "{id}", "/bin/true"],
    ["delete", "--force", "{id}"],
], ids=lambda a: "-".join(x for x in a[:2] if not x.startswith("{")))
def test_state_root_writable_by_others_is_refused(cella, tmp, args):
    """A state root someone else can write (mode 0777 here) could hold a
    container, and its hooks.json, planted by them: every command refuses
    it, naming it, and makes nothing in it."""
    os.makedirs(cella.root, exist_ok=True)
    os.chmod(cella.root, 0o777)
    b = write_bundle(os.path.join(tmp, "b"), make_config(args=["/probe", "exit", "0"]))
    r = cella.run(*[a.format(b=b, id=cid_of("planted")) for a in args])
    line = check_error(r, [cella.root])
    assert "not this user's alone" in line and "0777" in line, line
    assert os.listdir(cella.root) == []
