# SPDX-License-Identifier: GPL-2.0-or-later
"""Block I/O limits really enforced: a read throttle (blockIO
throttleReadBpsDevice: io.max on v2, blkio.throttle.read_bps_device on v1)
slows O_DIRECT reads of a disk to about the rate asked for.

It needs a disk nobody else uses: the scratch disk tests/vm/run.sh gives its
VM (serial cella-scratch), so it runs in `make check-v2`, and is skipped
where there is none."""
import json
import os

import pytest

from helpers import cid_of, make_config, write_bundle

MIB = 1024 * 1024


def scratch_disk():
    for dev in sorted(os.listdir("/sys/block")):
        try:
            with open(f"/sys/block/{dev}/serial") as f:
                if f.read().strip() != "cella-scratch":
                    continue
            with open(f"/sys/block/{dev}/dev") as f:
                major, minor = (int(x) for x in f.read().strip().split(":"))
            return f"/dev/{dev}", major, minor
        except OSError:
            continue
    return None


@pytest.fixture
def disk():
    d = scratch_disk()
    if d is None:
        pytest.skip("no scratch disk (serial cella-scratch): run in tests/vm (make check-v2)")
    return d


def dread(cella, tmp, disk, name, throttle=None):
    path, major, minor = disk
    c = make_config(args=["/probe", "dread", "/dev/scratch", "3"])
    c["linux"]["devices"] = [{"path": "/dev/scratch", "type": "b", "major": major,
                              "minor": minor, "fileMode": 0o600, "uid": 0, "gid": 0}]
    res = c["linux"].setdefault("resources", {})
    res.setdefault("devices", []).append({"allow": True, "type": "b", "major": major,
                                          "minor": minor, "access": "r"})
    if throttle:
        res["blockIO"] = {"throttleReadBpsDevice": [{"major": major, "minor": minor,
                                                     "rate": throttle}]}
    b = write_bundle(os.path.join(tmp, name), c)
    r = cella.run("run", "--bundle", b, cid_of(name))
    assert r.returncode == 0, (r.stdout, r.stderr)
    out = json.loads(r.stdout)
    assert out["bytes"] == 3 * MIB
    return out["seconds"]


def test_read_throttle_slows_direct_reads(cella, tmp, disk):
    free = dread(cella, tmp, disk, "io-free")
    slow = dread(cella, tmp, disk, "io-slow", throttle=1 * MIB)
    # 3 MiB at 1 MiB/s: about 3 s (the first slice may go through at once).
    # Loose bounds: well over a second, and far slower than unthrottled.
    assert slow > 1.5, (free, slow)
    assert slow > 3 * free, (free, slow)
