# SPDX-License-Identifier: GPL-2.0-or-later
"""The bench's measuring half (bench/bench.sh installs and builds, then runs
this). Every case of issue 17 against cella, crun, runc, the floor program
and bubblewrap on identical bundles; runtimes alternate (A B C A B C ...) so
that drift in the machine's load hits all of them alike. See bench/README.md.

Standard library only. Run as root."""
import argparse
import datetime
import json
import math
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

NOBODY = (65534, 65534)
OCI = ("cella", "crun", "runc")
CASES = ("run", "life", "exec", "list", "batch", "rootless", "quick")
CASE_HELP = {
    "run": "OCI run /bin/true: wall, cpu (user+sys of the runtime and its children), peak RSS",
    "life": "create, state (created), start, delete of /bin/true, each timed",
    "exec": "exec /bin/true into a running container",
    "list": "list and state with -L live containers per runtime (default 100, then 200)",
    "batch": "--seq sequential runs (100), and --par runs started at once (50)",
    "rootless": "OCI run /bin/true as nobody (runc spec --rootless)",
    "quick": "cella's quick door vs bwrap --unshare-all",
}


class Failed(Exception):
    pass


class Bench:
    def __init__(self, args):
        self.args = args
        self.pid = os.getpid()
        self.seq = 0
        self.tmp = tempfile.mkdtemp(prefix="cella-bench.")
        os.chmod(self.tmp, 0o711)  # the rootless cases traverse it as nobody
        # Where the runtimes keep their state (-s): a filesystem of its own
        # changes what creating and removing state directories costs.
        self.state_parent = self.tmp
        if args.state_dir:
            self.state_parent = tempfile.mkdtemp(prefix="cella-bench-state.", dir=args.state_dir)
            os.chmod(self.state_parent, 0o711)
        self.devnull = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
        self.out = os.open(os.path.join(self.tmp, "out"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        self.err = os.open(os.path.join(self.tmp, "err"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        # launch -m writes each command's peak RSS and CPU time here (fd 3).
        self.rep = os.open(os.path.join(self.tmp, "report"),
                           os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
        self.inflight = set()
        self.roots = {}  # (runtime, rootless) -> state directory we made
        self.results = []  # dicts: case, metric, unit, runtime, samples
        self.notes = []
        self.env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C"}
        self.rootless_env = self.env
        self.hybrid = is_hybrid()
        self.wrap = self.hybrid or args.wrap

    # --- processes -------------------------------------------------------

    def spawn(self, argv, env=None, stdout=None):
        """Start argv in its own process group (a Ctrl-C on the terminal
        reaches only us: we let the runtime finish, then clean up)."""
        fa = [(os.POSIX_SPAWN_DUP2, self.devnull, 0),
              (os.POSIX_SPAWN_DUP2, self.devnull if stdout is None else stdout, 1),
              (os.POSIX_SPAWN_DUP2, self.err, 2),
              (os.POSIX_SPAWN_DUP2, self.rep, 3)]
        pid = os.posix_spawn(argv[0], argv, env or self.env, file_actions=fa, setpgroup=0)
        self.inflight.add(pid)
        return pid

    def reap(self, pid):
        _, status, ru = os.wait4(pid, 0)
        self.inflight.discard(pid)
        return os.waitstatus_to_exitcode(status), ru

    def reset(self):
        os.ftruncate(self.err, 0)
        os.lseek(self.err, 0, os.SEEK_SET)
        os.ftruncate(self.rep, 0)

    def report(self):
        """launch -m's reports since reset(): (sum of CPU s, largest peak
        RSS KiB, how many)."""
        cpu, rss, n = 0.0, 0, 0
        for line in os.pread(self.rep, 1 << 20, 0).decode().splitlines():
            k, u, s = (int(x) for x in line.split())
            cpu += (u + s) / 1e6
            rss = max(rss, k)
            n += 1
        return cpu, rss, n

    def timed(self, argv, env=None, capture=False):
        """One command, started through launch -m: (wall s, cpu s, peak RSS
        KiB, stdout or None). Raises Failed with the command's stderr when it
        fails."""
        self.reset()
        if capture:
            os.ftruncate(self.out, 0)
            os.lseek(self.out, 0, os.SEEK_SET)
        t0 = time.perf_counter()
        pid = self.spawn(argv, env, self.out if capture else None)
        code, ru = self.reap(pid)
        wall = time.perf_counter() - t0
        if code != 0:
            msg = os.pread(self.err, 4096, 0).decode(errors="replace").strip()
            raise Failed(f"{' '.join(argv)}: exit {code}: {msg}")
        out = os.pread(self.out, 1 << 20, 0).decode() if capture else None
        cpu, rss, n = self.report()
        if n != 1:
            raise Failed(f"{' '.join(argv)}: no report from launch -m")
        return wall, cpu, rss, out

    def quiet(self, argv, env=None):
        """Untimed, failures ignored (clean-up)."""
        try:
            return self.timed(argv, env, capture=True)[3]
        except (Failed, OSError):
            return ""

    # --- runtimes --------------------------------------------------------

    def binary(self, rt):
        return {"cella": self.args.cella, "floor": self.args.floor}.get(
            rt) or shutil.which(rt)

    def root(self, rt, rootless=False):
        key = (rt, rootless)
        if key not in self.roots:
            d = os.path.join(self.state_parent, f"root-{rt}{'-rootless' if rootless else ''}")
            # 711: cella's quick door mounts in it from its user namespace.
            os.mkdir(d, 0o711)
            if rootless:
                os.chown(d, *NOBODY)
            self.roots[key] = d
        return self.roots[key]

    def prefix(self, rootless=False, oci=True):
        """launch, measuring; OCI runtimes (and the floor) in the mount
        namespace crun needs on this host, all of them alike."""
        p = [self.args.launch, "-m"]
        if oci and self.wrap:
            p.append("-n")
        if rootless:
            p += ["-u", f"{NOBODY[0]}:{NOBODY[1]}"]
        return p

    def oci(self, rt, *args, rootless=False):
        return self.prefix(rootless) + [self.binary(rt), "--root", self.root(rt, rootless), *args]

    def new_id(self, rt):
        self.seq += 1
        return f"cbench-{self.pid}-{rt}-{self.seq}"

    def cleanup_runtime(self, rt, rootless):
        env = self.rootless_env if rootless else None

        def cmd(*args):
            if rt == "cella-quick":  # the quick door's state: cella, no mount namespace
                return self.prefix(oci=False) + [self.args.cella, "--root", self.root(rt), *args]
            return self.oci(rt, *args, rootless=rootless)

        ids = self.quiet(cmd("list", "-q"), env).split()
        self.parallel([cmd("delete", "-f", i) for i in ids], env)
        return ids

    def parallel(self, argvs, env=None, width=8):
        """Run argvs, `width` at a time, ignoring failures (clean-up)."""
        pending = list(argvs)
        running = set()
        while pending or running:
            while pending and len(running) < width:
                running.add(self.spawn(pending.pop(), env))
            pid, _, _ = os.wait4(-1, 0)
            running.discard(pid)
            self.inflight.discard(pid)

    def cleanup(self):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        # Let whatever runtime was running finish its work (it may be in the
        # middle of making a cgroup), then delete what is left.
        deadline = time.monotonic() + 10
        while self.inflight:
            for pid in list(self.inflight):
                try:
                    done, _ = os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    done = pid
                if done:
                    self.inflight.discard(pid)
                elif time.monotonic() > deadline:
                    os.killpg(pid, signal.SIGKILL)
            time.sleep(0.01)
        for (rt, rootless) in list(self.roots):
            left = self.cleanup_runtime(rt, rootless)
            if left:
                print(f"bench: deleted {len(left)} {rt} container(s) left behind", file=sys.stderr)
        if self.args.keep:
            print(f"bench: kept {self.tmp}"
                  + (f" and {self.state_parent}" if self.state_parent != self.tmp else ""),
                  file=sys.stderr)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
            if self.state_parent != self.tmp:
                shutil.rmtree(self.state_parent, ignore_errors=True)

    # --- setup -----------------------------------------------------------

    def setup(self):
        a = self.args
        xdg = os.path.join(self.tmp, "xdg")
        os.mkdir(xdg, 0o700)
        os.chown(xdg, *NOBODY)
        self.rootless_env = dict(self.env, XDG_RUNTIME_DIR=xdg, HOME=xdg, USER="nobody")
        self.rootfs = os.path.join(self.tmp, "rootfs")
        subprocess.run([os.path.join(a.repo, "scripts/mkrootfs.sh"), self.rootfs], check=True)
        os.chmod(self.rootfs, 0o755)
        # One rootfs, three configs: /bin/true, a long sleep, and rootless.
        self.bundles = {}
        for name, rootless, args in (("true", False, ["/bin/true"]),
                                     ("sleep", False, ["/bin/sleep", "100000"]),
                                     ("rootless", True, ["/bin/true"])):
            b = os.path.join(self.tmp, f"bundle-{name}")
            os.mkdir(b)
            os.chmod(b, 0o755)
            subprocess.run(["runc", "spec"] + (["--rootless"] if rootless else []), cwd=b, check=True)
            path = os.path.join(b, "config.json")
            with open(path) as f:
                c = json.load(f)
            c["process"]["args"] = args
            c["process"]["terminal"] = False
            c["root"]["path"] = self.rootfs
            if rootless:
                for m in c["linux"]["uidMappings"]:
                    m["hostID"] = NOBODY[0]
                for m in c["linux"]["gidMappings"]:
                    m["hostID"] = NOBODY[1]
            with open(path, "w") as f:
                json.dump(c, f, indent=2)
            os.chmod(path, 0o644)
            self.bundles[name] = b

    def facts(self):
        def first(argv):
            try:
                r = subprocess.run(argv, capture_output=True, text=True, timeout=10)
                return (r.stdout or r.stderr).splitlines()[0].strip()
            except (OSError, IndexError, subprocess.TimeoutExpired):
                return "-"
        cpu = "-"
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        cella = first([self.args.cella, "--version"])
        commit = subprocess.run([self.args.cella, "--version"], capture_output=True, text=True).stdout
        commit = next((ln.split()[1] for ln in commit.splitlines() if ln.startswith("commit:")), "")
        return {
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{platform.node()}: {os.cpu_count()} x {cpu}, Linux {platform.release()}",
            "cgroups": "hybrid (v1 + cgroup2 at /sys/fs/cgroup/unified)" if self.hybrid else
                       ("cgroup2" if os.path.exists("/sys/fs/cgroup/cgroup.controllers") else "v1"),
            "wrapped": self.wrap,
            "cella": f"{cella} {commit}".strip(),
            "crun": first(["crun", "--version"]),
            "runc": first(["runc", "--version"]),
            "bwrap": first(["bwrap", "--version"]),
            "state": f"{self.state_parent} ({self.state_fs()})",
            "load_start": os.getloadavg(),
        }

    def state_fs(self):
        """The state directories' file system, as it bears on their cost:
        its type, and for ext4 whether it has a journal (without one, each
        new inode skips those freed in the last minutes: the more containers
        were made just before, the dearer the next) and frees blocks with
        discard (a directory's removal waits for the device)."""
        try:
            r = subprocess.run(["findmnt", "-n", "-T", self.state_parent, "-o",
                                "FSTYPE,SOURCE,OPTIONS"], capture_output=True, text=True, timeout=10)
            fstype, source, options = r.stdout.splitlines()[0].split()
        except (OSError, IndexError, ValueError, subprocess.TimeoutExpired):
            return "-"
        if fstype != "ext4":
            return fstype
        dev = os.path.basename(source)
        notes = ["journal" if os.path.exists(f"/proc/fs/jbd2/{dev}-8") else "no journal"]
        if "discard" in options.split(","):
            notes.append("discard")
        return f"ext4, {', '.join(notes)}"

    # --- measuring -------------------------------------------------------

    def record(self, case, metric, unit, rt, samples):
        self.results.append({"case": case, "metric": metric, "unit": unit, "runtime": rt,
                             "samples": samples})

    def alternate(self, case, contenders, one, rounds, metrics=("wall", "cpu"), warm=None):
        """contenders: {name: argv-making function}. one(name, make) returns
        (wall, cpu, rss); each round runs every contender once, in order.
        Before the rounds, warm(name, make) (default: one) once each, untimed.
        A contender failing its warm-up (or any run) is dropped with its
        error."""
        live = {}
        for name, make in contenders.items():
            try:
                (warm or one)(name, make)
                live[name] = make
            except Failed as e:
                self.note(f"{case}: {name} left out: {e}")
        samples = {n: [] for n in live}
        for _ in range(rounds):
            for name in list(live):
                try:
                    samples[name].append(one(name, live[name]))
                except Failed as e:
                    self.note(f"{case}: {name} left out: {e}")
                    del live[name]
                    del samples[name]
        for name, s in samples.items():
            if "wall" in metrics:
                self.record(case, "wall", "ms", name, [x[0] * 1000 for x in s])
            if "cpu" in metrics:
                self.record(case, "cpu", "ms", name, [x[1] * 1000 for x in s])
            if "rss" in metrics:
                self.record(case, "peak RSS", "KiB", name, [x[2] for x in s])
        return samples

    def note(self, text):
        self.notes.append(text)
        print(f"bench: {text}", file=sys.stderr)

    def oci_runtimes(self):
        return [r for r in self.args.runtimes if r in OCI]

    def check_empty(self, case, rootless=False, expected=False):
        for rt in self.oci_runtimes():
            if (rt, rootless) in self.roots:
                left = self.cleanup_runtime(rt, rootless)
                if left and not expected:
                    self.note(f"{case}: {rt} left {len(left)} container(s) behind (deleted)")

    def case_run(self):
        b = self.bundles["true"]
        contenders = {rt: (lambda rt=rt: self.oci(rt, "run", "--bundle", b, self.new_id(rt)))
                      for rt in self.oci_runtimes()}
        if "floor" in self.args.runtimes:
            contenders["floor"] = lambda: self.prefix() + [self.args.floor, self.rootfs]
        # launch's own cost, in every other row too.
        contenders["(launch)"] = lambda: self.prefix() + ["/bin/true"]
        self.alternate("OCI run /bin/true", contenders, lambda n, make: self.timed(make())[:3],
                       self.args.runs, ("wall", "cpu", "rss"))
        self.check_empty("run")

    def case_life(self):
        b = self.bundles["true"]
        steps = ("create", "state", "start", "delete")

        def one(rt, _):
            cid = self.new_id(rt)
            t = {}
            t["create"] = self.timed(self.oci(rt, "create", "--bundle", b, cid))
            t["state"] = self.timed(self.oci(rt, "state", cid), capture=True)
            pid = json.loads(t["state"][3]).get("pid", 0)
            t["start"] = self.timed(self.oci(rt, "start", cid))
            wait_gone(pid)  # /bin/true has exited: delete a stopped container
            t["delete"] = self.timed(self.oci(rt, "delete", cid))
            return t

        samples = self.alternate("life", {rt: None for rt in self.oci_runtimes()}, one,
                                 self.args.runs, metrics=())
        for step in steps:
            for rt, s in samples.items():
                self.record(f"{step} (/bin/true)", "wall", "ms", rt, [x[step][0] * 1000 for x in s])
                self.record(f"{step} (/bin/true)", "cpu", "ms", rt, [x[step][1] * 1000 for x in s])
        self.check_empty("life")

    def start_sleepers(self, rt, count):
        b = self.bundles["sleep"]
        ids = []
        for _ in range(count):
            cid = self.new_id(rt)
            self.timed(self.oci(rt, "run", "-d", "--bundle", b, cid))
            ids.append(cid)
        return ids

    def case_exec(self):
        ids = {}
        for rt in self.oci_runtimes():
            try:
                ids[rt] = self.start_sleepers(rt, 1)[0]
            except Failed as e:
                self.note(f"exec: {rt} left out: {e}")
        contenders = {rt: (lambda rt=rt: self.oci(rt, "exec", ids[rt], "/bin/true")) for rt in ids}
        self.alternate("exec /bin/true", contenders, lambda n, make: self.timed(make())[:3],
                       self.args.runs)
        self.check_empty("exec", expected=True)

    def case_list(self):
        live = {rt: [] for rt in self.oci_runtimes()}
        for count in self.args.live:
            for rt in list(live):
                try:
                    live[rt] += self.start_sleepers(rt, count - len(live[rt]))
                except Failed as e:
                    self.note(f"list: {rt} left out: {e}")
                    del live[rt]
            print(f"bench: {count} live containers per runtime", file=sys.stderr)
            self.alternate(f"list, {count} live", {rt: (lambda rt=rt: self.oci(rt, "list")) for rt in live},
                           lambda n, make: self.timed(make(), capture=True)[:3], self.args.runs)
            self.alternate(f"state, {count} live",
                           {rt: (lambda rt=rt: self.oci(rt, "state", live[rt][0])) for rt in live},
                           lambda n, make: self.timed(make(), capture=True)[:3], self.args.runs)
        self.check_empty("list", expected=True)

    def case_batch(self):
        b = self.bundles["true"]
        rounds = max(3, self.args.runs // 10)

        def argv(rt):
            # The floor too: what the kernel work alone costs in a batch
            # (no runtime can do a batch in less).
            if rt == "floor":
                return self.prefix() + [self.args.floor, self.rootfs]
            return self.oci(rt, "run", "--bundle", b, self.new_id(rt))

        def seq(rt, _):
            wall = cpu = 0.0
            for _ in range(self.args.seq):
                w, c, _, _ = self.timed(argv(rt))
                wall += w
                cpu += c
            return wall, cpu, 0

        def par(rt, _):
            argvs = [argv(rt) for _ in range(self.args.par)]
            self.reset()
            t0 = time.perf_counter()
            pids = [self.spawn(a) for a in argvs]
            bad = 0
            for pid in pids:
                bad += self.reap(pid)[0] != 0
            wall = time.perf_counter() - t0
            cpu = self.report()[0]
            if bad:
                msg = os.pread(self.err, 4096, 0).decode(errors="replace").strip()
                raise Failed(f"{bad} of {self.args.par} parallel runs failed: {msg}")
            return wall, cpu, 0

        def warm(rt, _):  # one run, not a whole batch
            self.timed(argv(rt))

        contenders = {rt: None for rt in self.oci_runtimes()}
        if "floor" in self.args.runtimes:
            contenders["floor"] = None
        self.alternate(f"{self.args.seq} sequential runs", contenders, seq, rounds, warm=warm)
        self.check_empty("batch")
        self.alternate(f"{self.args.par} runs at once", contenders, par, rounds, warm=warm)
        self.check_empty("batch")

    def case_rootless(self):
        b = self.bundles["rootless"]
        contenders = {rt: (lambda rt=rt: self.oci(rt, "run", "--bundle", b, self.new_id(rt), rootless=True))
                      for rt in self.oci_runtimes()}
        self.alternate("rootless run /bin/true", contenders,
                       lambda n, make: self.timed(make(), self.rootless_env)[:3], self.args.runs)
        self.check_empty("rootless", rootless=True)

    def case_quick(self):
        contenders = {}
        if "cella" in self.args.runtimes:
            door = self.prefix(oci=False) + [self.args.cella, "--root", self.root("cella-quick"), "run",
                                             "--rootfs", self.rootfs]
            contenders["cella"] = lambda: door + ["--", "/bin/true"]
            contenders["cella light"] = lambda: door + ["--seccomp", "unconfined", "--share", "cgroup",
                                                        "--", "/bin/true"]
        if "bwrap" in self.args.runtimes:
            contenders["bwrap"] = lambda: self.prefix(oci=False) + [
                shutil.which("bwrap"), "--unshare-all", "--ro-bind", self.rootfs, "/",
                "--proc", "/proc", "--dev", "/dev", "/bin/true"]
        self.alternate("quick door /bin/true", contenders, lambda n, make: self.timed(make())[:3],
                       self.args.runs, ("wall", "cpu", "rss"))
        left = self.cleanup_runtime("cella-quick", False)
        if left:
            self.note(f"quick: cella left {len(left)} container(s) behind (deleted)")


def wait_gone(pid, timeout=5.0):
    """Until pid has exited and been reaped (by whoever its parent is)."""
    if pid <= 0:
        return
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                    return
        except (FileNotFoundError, ProcessLookupError, IndexError):
            return
        time.sleep(0.0005)


def is_hybrid():
    def fstype(path):
        try:
            return subprocess.run(["stat", "-f", "-c", "%T", path], capture_output=True,
                                  text=True).stdout.strip()
        except OSError:
            return ""
    return fstype("/sys/fs/cgroup") != "cgroup2fs" and fstype("/sys/fs/cgroup/unified") == "cgroup2fs"


# --- reporting -------------------------------------------------------------

def summarise(results):
    """Per (case, metric): rows with median, min, max, ratio of medians to
    the reference, and the median of the per-round ratios (the paired
    ratio: each round's A over the same round's reference)."""
    groups = {}
    for r in results:
        groups.setdefault((r["case"], r["metric"], r["unit"]), []).append(r)
    table = []
    for (case, metric, unit), rows in groups.items():
        names = [r["runtime"] for r in rows]
        ref = "crun" if "crun" in names else "bwrap" if "bwrap" in names else None
        refs = next((r["samples"] for r in rows if r["runtime"] == ref), None)
        for r in rows:
            s = r["samples"]
            if not s:
                continue
            med = statistics.median(s)
            ratio = paired = None
            if refs and statistics.median(refs) > 0:
                ratio = med / statistics.median(refs)
                pairs = [a / b for a, b in zip(s, refs) if b > 0]
                paired = statistics.median(pairs) if pairs else None
            table.append({"case": case, "metric": metric, "unit": unit, "runtime": r["runtime"],
                          "n": len(s), "median": med, "min": min(s), "max": max(s), "ref": ref,
                          "ratio": ratio, "paired": paired})
    return table


def fmt(v, unit):
    if unit == "KiB":
        return f"{v:.0f}"
    return f"{v:.2f}" if v < 100 else f"{v:.1f}" if v < 1000 else f"{v:.0f}"


def print_table(table, out):
    head = (f"{'case':<28}{'metric':<9}{'runtime':<12}{'n':>4}{'median':>10}{'min':>10}{'max':>10}"
            f"  {'unit':<4}{'ratio':>7}{'paired':>8}  vs")
    print(head, file=out)
    last = None
    for t in table:
        case = t["case"] if t["case"] != last else ""
        last = t["case"]
        ratio = f"{t['ratio']:.2f}" if t["ratio"] is not None else "-"
        paired = f"{t['paired']:.2f}" if t["paired"] is not None else "-"
        print(f"{case:<28}{t['metric']:<9}{t['runtime']:<12}{t['n']:>4}{fmt(t['median'], t['unit']):>10}"
              f"{fmt(t['min'], t['unit']):>10}{fmt(t['max'], t['unit']):>10}  {t['unit']:<4}"
              f"{ratio:>7}{paired:>8}  {t['ref'] or ''}", file=out)


def floor_lines(table):
    """The runtimes over the floor, the issue's other yardstick, in each
    case the floor ran in; and the floor over crun: the least any runtime
    doing the same kernel work could reach against crun."""
    lines = []
    cases = list(dict.fromkeys(t["case"] for t in table if t["runtime"] == "floor"))
    for case in cases:
        parts = []
        for metric in ("wall", "cpu"):
            m = {t["runtime"]: t["median"] for t in table
                 if t["case"] == case and t["metric"] == metric}
            if not m.get("floor"):
                continue
            for rt in OCI:
                if rt in m:
                    parts.append(f"{rt}/floor {metric} {m[rt] / m['floor']:.2f}")
            if m.get("crun"):
                parts.append(f"floor/crun {metric} {m['floor'] / m['crun']:.2f}")
        if parts:
            lines.append(f"{case}: " + ", ".join(parts))
    return lines


# Issue 17's targets: (what, case, metric, runtime, the most it may be, of
# what). The ratios are the paired ones, each run over the reference's run
# of the same round.
TARGETS = [
    ("run, cpu", "OCI run /bin/true", "cpu", "cella", 0.5, "crun"),
    ("run, wall", "OCI run /bin/true", "wall", "cella", 0.5, "crun"),
    ("run, wall, over the floor", "OCI run /bin/true", "wall", "cella", 1.3, "floor"),
] + [(f"{step}, wall", f"{step} (/bin/true)", "wall", "cella", 0.6, "crun")
     for step in ("create", "start", "state", "delete")] + [
    ("exec, wall", "exec /bin/true", "wall", "cella", 0.6, "crun"),
    ("quick door, wall", "quick door /bin/true", "wall", "cella", 1.5, "bwrap"),
    ("quick door light, wall", "quick door /bin/true", "wall", "cella light", 1.0, "bwrap"),
    ("peak RSS (KiB)", "OCI run /bin/true", "peak RSS", "cella", 2048, None),
    ("sequential runs, wall", "sequential runs", "wall", "cella", 0.5, "crun"),
    ("runs at once, wall", "runs at once", "wall", "cella", 0.5, "crun"),
    ("list, 200 live, wall", "list, 200 live", "wall", "cella", 0.5, "crun"),
    ("state, 200 live, wall", "state, 200 live", "wall", "cella", 0.5, "crun"),
    ("rootless run, wall", "rootless run /bin/true", "wall", "cella", 0.5, "crun"),
]


def target_lines(results):
    """Each of issue 17's targets this run measured: the value and whether
    it is met."""
    def samples(case, metric, rt):
        return next((r["samples"] for r in results if r["runtime"] == rt and r["metric"] == metric
                     and case in r["case"] and r["samples"]), None)
    lines = []
    for what, case, metric, rt, most, ref in TARGETS:
        s = samples(case, metric, rt)
        if not s:
            continue
        if ref is None:
            v = max(s)
            shown = f"{v:.0f}"
        else:
            r = samples(case, metric, ref)
            if not r:
                continue
            pairs = [a / b for a, b in zip(s, r) if b > 0]
            if not pairs:
                continue
            v = statistics.median(pairs)
            shown = f"{v:.2f} of {ref}"
        lines.append(f"  {what:<28}{shown:>14}  target <= {most:g}  {'met' if v <= most else 'not met'}")
    return lines


COLOURS = {"cella": "#d62728", "cella light": "#ff7f0e", "crun": "#1f77b4", "runc": "#2ca02c",
           "floor": "#7f7f7f", "bwrap": "#9467bd", "(launch)": "#bcbd22"}


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def nice_step(top):
    """A tick step of 1, 2 or 5 times a power of ten, about 5 ticks to top."""
    raw = top / 5
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def svg(results, title):
    """One panel per case and metric; a row per runtime with every sample as
    a dot, its min-max range as a line and its median as a bar."""
    groups = {}
    for r in results:
        if r["samples"]:
            groups.setdefault((r["case"], r["metric"], r["unit"]), []).append(r)
    width, left, right, row, gap = 760, 170, 30, 16, 34
    plot = width - left - right
    parts, y = [], 40
    for (case, metric, unit), rows in groups.items():
        top = max(max(r["samples"]) for r in rows) or 1
        step = nice_step(top)
        ticks = int(top / step) + 1
        scale = plot / (step * ticks)
        parts.append(f'<text x="8" y="{y}" font-weight="bold">{esc(case)}: {esc(metric)} ({unit})</text>')
        y += 8
        for i, r in enumerate(rows):
            cy = y + row * i + row / 2
            colour = COLOURS.get(r["runtime"], "#333")
            s = r["samples"]
            parts.append(f'<text x="{left - 8}" y="{cy + 4:.1f}" text-anchor="end">'
                         f'{esc(r["runtime"])}</text>')
            parts.append(f'<line x1="{left + min(s) * scale:.1f}" x2="{left + max(s) * scale:.1f}" '
                         f'y1="{cy:.1f}" y2="{cy:.1f}" stroke="{colour}" stroke-opacity="0.4"/>')
            for j, v in enumerate(s):
                jitter = ((j * 7) % 11 - 5) * 0.9
                parts.append(f'<circle cx="{left + v * scale:.1f}" cy="{cy + jitter:.1f}" r="2" '
                             f'fill="{colour}" fill-opacity="0.5"/>')
            med = statistics.median(s)
            parts.append(f'<line x1="{left + med * scale:.1f}" x2="{left + med * scale:.1f}" '
                         f'y1="{cy - 7:.1f}" y2="{cy + 7:.1f}" stroke="black" stroke-width="2"/>')
            parts.append(f'<text x="{width - right + 4}" y="{cy + 4:.1f}" font-size="10">'
                         f'{fmt(med, unit)}</text>')
        bottom = y + row * len(rows)
        parts.append(f'<line x1="{left}" x2="{left + plot}" y1="{bottom}" y2="{bottom}" stroke="#999"/>')
        for k in range(ticks + 1):
            v = step * k
            x = left + v * scale
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{bottom}" y2="{bottom + 4}" stroke="#999"/>')
            parts.append(f'<text x="{x:.1f}" y="{bottom + 14}" text-anchor="middle" font-size="10">'
                         f'{v:g}</text>')
        y = bottom + gap
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width + 40}" height="{y}" '
            f'font-family="sans-serif" font-size="12">'
            f'<rect width="100%" height="100%" fill="white"/>'
            f'<text x="8" y="20" font-size="13">{esc(title)} (dots: runs; bar: median)</text>')
    return head + "".join(parts) + "</svg>\n"


def interrupted(signum, frame):
    raise KeyboardInterrupt


def main():
    p = argparse.ArgumentParser(prog="bench.sh", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="cases:\n" + "\n".join(f"  {k:<9} {v}" for k, v in CASE_HELP.items()))
    p.add_argument("-n", dest="runs", type=int, default=20, help="runs per runtime and case (default 20); "
                   "the batch case does max(3, N/10) rounds")
    p.add_argument("-c", dest="cases", default=",".join(CASES), help="cases, comma separated (default all)")
    p.add_argument("-r", dest="runtimes", default="cella,crun,runc,floor,bwrap",
                   help="contenders (default cella,crun,runc,floor,bwrap)")
    p.add_argument("-L", dest="live", default="100,200", help="live container counts of the list case")
    p.add_argument("--seq", type=int, default=100, help="runs of the sequential batch (default 100)")
    p.add_argument("--par", type=int, default=50, help="runs of the parallel batch (default 50)")
    p.add_argument("-w", dest="wrap", action="store_true",
                   help="run the OCI runtimes in launch -n's mount namespace even where the host "
                   "does not need it (on a hybrid host they always do)")
    p.add_argument("-o", dest="outdir", default=None,
                   help="where results.{txt,json,svg} go (default build/bench)")
    p.add_argument("-s", dest="state_dir", default=None,
                   help="make the runtimes' state directories (--root) under DIR, e.g. a tmpfs "
                   "as /run is on most hosts (default: the temporary directory, under $TMPDIR or /tmp)")
    p.add_argument("-k", dest="keep", action="store_true", help="keep the temporary directory")
    p.add_argument("--repo", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    p.add_argument("--cella", default=None)
    p.add_argument("--floor", default=None)
    p.add_argument("--launch", default=None)
    a = p.parse_args()
    if a.runs < 1:
        p.error("-n wants a positive number")
    a.cases = [c for c in a.cases.split(",") if c]
    a.runtimes = [r for r in a.runtimes.split(",") if r]
    a.live = sorted(int(x) for x in a.live.split(",") if x)
    for c in a.cases:
        if c not in CASES:
            p.error(f"unknown case {c} ({', '.join(CASES)})")
    for r in a.runtimes:
        if r not in OCI + ("floor", "bwrap"):
            p.error(f"unknown runtime {r} (cella, crun, runc, floor, bwrap)")
    a.cella = os.path.abspath(a.cella or os.path.join(a.repo, "build/bin/cella"))
    a.floor = os.path.abspath(a.floor or os.path.join(a.repo, "build/bench/floor"))
    a.launch = os.path.abspath(a.launch or os.path.join(a.repo, "build/bench/launch"))
    a.outdir = os.path.abspath(a.outdir or os.path.join(a.repo, "build/bench"))
    if os.geteuid() != 0:
        p.error("run as root (the runtimes are compared rootful; rootless through launch -u)")
    for r in list(a.runtimes):
        b = {"cella": a.cella, "floor": a.floor}.get(r) or shutil.which(r)
        if not b or not os.access(b, os.X_OK):
            print(f"bench: {r}: no binary{' at ' + b if b else ''}; left out", file=sys.stderr)
            a.runtimes.remove(r)

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, interrupted)
    bench = Bench(a)
    try:
        bench.setup()
        facts = bench.facts()
        for c in a.cases:
            print(f"bench: {c}: {CASE_HELP[c]}", file=sys.stderr)
            getattr(bench, f"case_{c}")()
        facts["load_end"] = os.getloadavg()
    except KeyboardInterrupt:
        print("bench: interrupted; cleaning up", file=sys.stderr)
        bench.cleanup()
        return 130
    except (Failed, subprocess.CalledProcessError) as e:
        print(f"bench: {e}", file=sys.stderr)
        bench.cleanup()
        return 1
    bench.cleanup()

    table = summarise(bench.results)
    os.makedirs(a.outdir, exist_ok=True)
    command = os.environ.get("BENCH_COMMAND") or "bench/bench.py " + " ".join(sys.argv[1:])
    title = f"cella bench {facts['date']}, {facts['machine']}"
    with open(os.path.join(a.outdir, "results.txt"), "w") as f:
        for out in (sys.stdout, f):
            for k in ("date", "machine", "cgroups", "cella", "crun", "runc", "bwrap", "state"):
                print(f"{k + ':':<9}{facts[k]}", file=out)
            print(f"load:    {' '.join(f'{x:.2f}' for x in facts['load_start'])} at start, "
                  f"{' '.join(f'{x:.2f}' for x in facts['load_end'])} at end", file=out)
            print(f"command: {command}", file=out)
            if facts["wrapped"]:
                print("OCI runtimes and the floor ran in launch -n (private mount namespace, cgroup2 "
                      "covered); (launch) is launch's own cost, included in every row", file=out)
            print(file=out)
            print_table(table, out)
            lines = floor_lines(table)
            if lines:
                print("\nover the floor (medians):\n" + "\n".join(f"  {ln}" for ln in lines), file=out)
            lines = target_lines(bench.results)
            if lines:
                print("\nissue 17's targets (paired ratios; peak RSS: the largest run):", file=out)
                print("\n".join(lines), file=out)
            for n in bench.notes:
                print(f"note: {n}", file=out)
    with open(os.path.join(a.outdir, "results.json"), "w") as f:
        json.dump({"facts": facts, "command": command, "results": bench.results, "notes": bench.notes},
                  f, indent=1)
    with open(os.path.join(a.outdir, "results.svg"), "w") as f:
        f.write(svg(bench.results, title))
    print(f"\nbench: wrote {a.outdir}/results.txt, results.json, results.svg", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
