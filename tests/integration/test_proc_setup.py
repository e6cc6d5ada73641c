# SPDX-License-Identifier: GPL-2.0-or-later
"""The process-setup pipeline shared by the init and `exec`
(engine/proc_setup.c): the working directory first (made when missing), the
executable looked up relative to it, HOME from the container's /etc/passwd;
and the pipeline under a seccomp profile that refuses everything the runtime
does not strictly need after loading it."""
import json
import os
import stat

import pytest

from helpers import make_config, unique_sleep, write_bundle


def bundle(tmp, name, args, process=None, binds=(), mounts=(), linux=None):
    c = make_config(args=args, binds=binds)
    c["process"].update(process or {})
    c["mounts"] += list(mounts)
    c["linux"].update(linux or {})
    return write_bundle(os.path.join(tmp, name), c)


def app_dir(tmp):
    """A directory with an executable ./run.sh, for binding at /app."""
    d = os.path.join(tmp, "app")
    os.makedirs(d, exist_ok=True)
    script = os.path.join(d, "run.sh")
    with open(script, "w") as f:
        f.write("#!/bin/sh\necho ran in $(pwd)\n")
    os.chmod(script, 0o755)
    return d


TMPFS = {"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["mode=755"]}


# ---- working directory and executable ----

def test_relative_args0_from_cwd(cella, tmp):
    """WORKDIR /app + CMD ./run.sh: the executable is found relative to cwd."""
    b = bundle(tmp, "b", ["./run.sh"], {"cwd": "/app"}, binds=[(app_dir(tmp), "/app", True)])
    r = cella.run("run", "--bundle", b, "rel")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ran in /app"


def test_relative_args0_exec(cella, tmp):
    b = bundle(tmp, "b", ["/probe", "sleep", unique_sleep()],
               binds=[(app_dir(tmp), "/app", True)])
    cella.ok("run", "--bundle", b, "--detach", "relx")
    try:
        r = cella.run("exec", "--cwd", "/app", "relx", "./run.sh")
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == "ran in /app"
    finally:
        cella.run("delete", "--force", "relx")


def test_missing_cwd_is_created(cella, tmp):
    """runc and crun create process.cwd (0755) when it is missing; here in a
    tmpfs under a read-only root."""
    b = bundle(tmp, "b", ["sh", "-c", "pwd; stat -c %a ."], {"cwd": "/scratch/a/b"},
               mounts=[TMPFS])
    r = cella.run("run", "--bundle", b, "mkcwd")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["/scratch/a/b", "755"]


def test_cwd_is_a_file(cella, tmp):
    b = bundle(tmp, "b", ["true"], {"cwd": "/etc/passwd"})
    r = cella.run("run", "--bundle", b, "cwdfile")
    assert r.returncode != 0
    assert "process.cwd" in r.stderr and "/etc/passwd" in r.stderr, r.stderr
    assert cella.entries() == []


# ---- HOME ----

@pytest.mark.parametrize("uid,env,home", [
    (0, [], "/root"),
    (65534, [], "/nonexistent"),
    (4321, [], "/"),
    (0, ["HOME=/elsewhere"], "/elsewhere"),
])
def test_home_from_passwd(cella, tmp, uid, env, home):
    b = bundle(tmp, "b", ["sh", "-c", 'echo "$HOME"'],
               {"user": {"uid": uid, "gid": uid}, "env": ["PATH=/bin:/sbin"] + env})
    r = cella.run("run", "--bundle", b, "home")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == home


def test_home_exec(cella, tmp):
    b = bundle(tmp, "b", ["/probe", "sleep", unique_sleep()])
    cella.ok("run", "--bundle", b, "--detach", "homex")
    try:
        r = cella.run("exec", "--user", "65534", "homex", "sh", "-c", 'echo "$HOME"')
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == "/nonexistent"
        r = cella.run("exec", "--env", "HOME=/h", "homex", "sh", "-c", 'echo "$HOME"')
        assert r.stdout.strip() == "/h"
    finally:
        cella.run("delete", "--force", "homex")
