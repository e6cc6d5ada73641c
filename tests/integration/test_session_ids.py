# SPDX-License-Identifier: GPL-2.0-or-later
"""The tests' container ids are their session's own (helpers.cid_of): a cella
container of anyone else on the host named as a test names its own has the
same default cgroup, /cella/ID in every hierarchy, and used to fail that
test ("create cgroup `/cella/l1`: File exists"). Root only."""
import os

from helpers import CG, ID_RE, SESSION, cid_of, make_config, read, unique_sleep, write_bundle

# test_oci.py's test_list named its containers "l1" and "l2" before cid_of.
OLD_ID = "l1"


def hierarchies():
    """The mounted cgroup hierarchies: each v1 one and the unified one (on a
    pure v2 host, CG itself); a v1 hierarchy once, whatever its names."""
    out, seen = [], set()
    for d in [CG] + sorted(os.path.join(CG, e) for e in os.listdir(CG)):
        real = os.path.realpath(d)
        if real not in seen and os.path.exists(os.path.join(real, "cgroup.procs")):
            seen.add(real)
            out.append(real)
    return out


def test_a_foreign_container_named_as_ours_does_not_collide(cella, tmp):
    """A foreign container's cgroup /cella/l1 in every hierarchy (made here,
    as its runtime would, and removed after; one that was there already is
    someone else's and left alone): the literal id collides with it, the
    test's id for that name does not, and its container's cgroups are its
    own, the foreign ones untouched."""
    cid = cid_of(OLD_ID)
    assert cid != OLD_ID and cid.startswith(OLD_ID + "-") and SESSION in cid
    assert ID_RE.fullmatch(cid) and len(cid) <= len(OLD_ID) + 7
    made = []  # the directories this test made, parents first
    try:
        for h in hierarchies():
            for d in (os.path.join(h, "cella"), os.path.join(h, "cella", OLD_ID)):
                try:
                    os.mkdir(d)
                    made.append(d)
                except FileExistsError:
                    pass
        foreign = [os.path.join(h, "cella", OLD_ID) for h in hierarchies()]
        b = write_bundle(os.path.join(tmp, "bundle"),
                         make_config(args=["/bin/sleep", unique_sleep()]))

        # What a test with the literal id met.
        r = cella.run("create", "--bundle", b, OLD_ID)
        assert r.returncode != 0, "the literal id did not collide: the test proves nothing"
        assert f"create cgroup `/cella/{OLD_ID}`: File exists" in r.stderr, r.stderr
        assert cella.entries() == []

        # The session's id for the same name.
        cella.ok("create", "--bundle", b, cid)
        try:
            st = cella.state(cid)
            assert st["id"] == cid
            paths = {line.split(":", 2)[2] for line in
                     read(f"/proc/{st['pid']}/cgroup").splitlines()}
            assert paths == {f"/cella/{cid}"}, paths
            for d in foreign:
                assert str(st["pid"]) not in read(os.path.join(d, "cgroup.procs")).split(), d
        finally:
            cella.ok("delete", "--force", cid)
        assert all(not os.path.exists(os.path.join(h, "cella", cid)) for h in hierarchies())
        assert all(os.path.isdir(d) for d in foreign), "a foreign cgroup was removed"
    finally:
        for d in reversed(made):
            try:
                os.rmdir(d)
            except OSError:
                pass  # a parent someone else put a cgroup in meanwhile
