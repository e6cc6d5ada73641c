# SPDX-License-Identifier: GPL-2.0-or-later
"""The kernel features cella requires (kernel/requirements.c) are checked when
a container or an exec process starts: a kernel without one (here: a seccomp
filter around cella answering ENOSYS, as an old kernel does) gets an error
naming the system call and the Linux version, and nothing is left behind."""
import ctypes
import ctypes.util
import os
import re
import shutil
import subprocess

import pytest

from helpers import CELLA, ROOTFS, cid_of

SCMP_ACT_ALLOW = 0x7FFF0000
ENOSYS = 38


def scmp_act_errno(e):
    return 0x00050000 | (e & 0xFFFF)


def hide_syscall(name):
    """A preexec_fn: a seccomp filter answering ENOSYS to `name`."""
    lib = ctypes.CDLL(ctypes.util.find_library("seccomp"))
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int,
                                     ctypes.c_uint]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    nr = lib.seccomp_syscall_resolve_name(name.encode())
    assert nr >= 0, name

    def apply():
        ctx = lib.seccomp_init(SCMP_ACT_ALLOW)
        if not ctx or lib.seccomp_rule_add(ctx, scmp_act_errno(ENOSYS), nr, 0) != 0 \
                or lib.seccomp_load(ctx) != 0:
            os._exit(99)
    return apply


@pytest.mark.parametrize("syscall,version", [("mount_setattr", "5.12"), ("openat2", "5.6"),
                                             ("pidfd_open", "5.3"), ("open_tree", "5.2")])
def test_missing_syscall_named(tmp, syscall, version):
    root = os.path.join(tmp, "state")
    cid = cid_of("kreq")
    p = subprocess.run([CELLA, "--root", root, "run", "--rootfs", ROOTFS, "--name", cid,
                        "--", "true"], capture_output=True, text=True, timeout=60,
                       preexec_fn=hide_syscall(syscall))
    assert p.returncode != 0, p
    assert f"lacks {syscall}(2) (Linux {version})" in p.stderr, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert not os.path.exists(os.path.join(root, cid))


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace")
def test_failed_quick_door_reaps_its_idmap_holder(tmp):
    """The quick door's idmap probe leaves its user namespace's holder
    process exiting, reaped at the next use. A run that fails before that
    (here: open_tree missing) reaps it on its way out too: it left an
    orphan of its caller for a moment, which CI once saw as a process
    left. Seen in strace: the runtime's waitid on the holder's pidfd."""
    trace = os.path.join(tmp, "trace")
    p = subprocess.run(["strace", "-f", "-qq", "-o", trace, "-e",
                        "trace=clone,waitid,exit_group", CELLA, "--root",
                        os.path.join(tmp, "state"), "run", "--rootfs", ROOTFS, "--", "true"],
                       capture_output=True, text=True, timeout=60,
                       preexec_fn=hide_syscall("open_tree"))
    assert p.returncode != 0
    assert "lacks open_tree(2)" in p.stderr, p.stderr
    with open(trace) as f:
        # "PID  call(...)": strace pads the pid to its own width
        lines = [ln.split(None, 1) for ln in f.read().splitlines() if " " in ln.strip()]
    runtime = lines[0][0]
    calls = [call for pid, call in lines if pid == runtime]
    holders = [m.group(1) for call in calls
               for m in [re.search(r"CLONE_VM\|CLONE_PIDFD\|CLONE_NEWUSER.*= (\d+)", call)] if m]
    assert holders, "no idmap holder: the quick door's probe did not run"
    reaped = [call for call in calls
              if call.startswith("waitid(P_PIDFD") and f"si_pid={holders[-1]}," in call]
    assert reaped, "\n".join(calls)


def test_requirements_met_here(tmp):
    p = subprocess.run([CELLA, "--root", os.path.join(tmp, "state"), "run", "--rootfs", ROOTFS,
                        "--", "true"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
