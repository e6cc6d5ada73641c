#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""tests/packaging/check-docs.py CELLA MANDIR: the man pages and completions
against --help.

- every command of `cella --help` has a page (man/cella-CMD.1.scd) and every
  page a command; every flag of `cella CMD --help` (and of the global flags,
  in cella(1)) appears in its page;
- every page renders with `man -l` without a groff warning;
- the completions (which ask `cella __complete`) offer every command and
  every flag of --help: bash and fish run for real, zsh is parsed.
Flags are read from --help by the rule src/cli/complete.c uses: a line
starting with `-` names flags, up to two spaces.
"""
import os
import re
import subprocess
import sys

cella, mandir = sys.argv[1], sys.argv[2]
top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
failures = []


def out(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, check=True, **kw).stdout


def flags_of(help_text):
    names = []
    for line in help_text.splitlines():
        s = line.lstrip(" ")
        if not s.startswith("-"):
            continue
        col = re.split(r"  ", s)[0]
        for tok in re.split(r",? ", col):
            if tok.startswith("-"):
                names.append(tok)
    return names


top_help = out([cella, "--help"])
commands = [l.split()[0] for l in top_help.split("commands:\n")[1].split("\n\n")[0].splitlines()]
global_flags = flags_of(top_help.split("global flags:\n")[1])

pages = {os.path.basename(p)[:-len(".1.scd")] for p in os.listdir(os.path.join(top, "man"))
         if p.endswith(".1.scd")}
want = {"cella"} | {"cella-" + c for c in commands}
for p in sorted(want - pages):
    failures.append(f"no man page man/{p}.1.scd")
for p in sorted(pages - want):
    failures.append(f"man/{p}.1.scd: no such command")


def page_text(name):
    with open(os.path.join(top, "man", name + ".1.scd")) as f:
        return f.read().replace("\\", "")


def check_flags(name, flags):
    text = page_text(name)
    for f in flags:
        if not re.search(r"\*" + re.escape(f) + r"\*", text):
            failures.append(f"man/{name}.1.scd: flag {f} of --help not described (as *{f}*)")


cmd_flags = {}
for c in commands:
    cmd_flags[c] = flags_of(out([cella, c, "--help"]).split("flags:\n", 1)[1])
    if "cella-" + c in pages:
        check_flags("cella-" + c, cmd_flags[c])
if "cella" in pages:
    check_flags("cella", global_flags)
    text = page_text("cella")
    for c in commands:
        if f"*cella-{c}*(1)" not in text:
            failures.append(f"man/cella.1.scd: does not name cella-{c}(1)")

# Rendering: man -l, with groff's warnings on.
env = dict(os.environ, MANWIDTH="80", MAN_KEEP_FORMATTING="0", LC_ALL="C.UTF-8")
for p in sorted(pages):
    path = os.path.join(mandir, p + ".1")
    r = subprocess.run(["man", "--warnings=all", "-l", path], capture_output=True, text=True,
                       env=env)
    if r.returncode != 0 or r.stderr.strip():
        failures.append(f"man -l {path}: rc {r.returncode}: {r.stderr.strip()[:300]}")
    elif p.upper().replace("-", "") not in r.stdout.upper().replace("-", "").replace("\u2010", ""):
        failures.append(f"man -l {path}: the page's title is not in its output")

# Completions. PATH puts this cella first, as the scripts call `cella`.
cenv = dict(os.environ, PATH=os.path.dirname(os.path.abspath(cella)) + ":" + os.environ["PATH"])


def bash_complete(words):
    """words: the command line, the last one being completed."""
    quoted = " ".join(f"'{w}'" for w in words)
    script = (f"source {top}/completions/cella.bash; COMP_WORDS=({quoted}); "
              f"COMP_CWORD={len(words) - 1}; _cella; printf '%s\\n' \"${{COMPREPLY[@]}}\"")
    return set(out(["bash", "-c", script], env=cenv).split())


def fish_complete(line):
    script = f"source {top}/completions/cella.fish; complete -C'{line}'"
    return {l.split("\t")[0] for l in out(["fish", "-c", script], env=cenv).splitlines()}


def check(shell, got, expected, what):
    missing = sorted(set(expected) - got)
    if missing:
        failures.append(f"{shell} completion of {what}: missing {' '.join(missing)}")


longs = lambda fl: [f for f in fl if f.startswith("--")]
check("bash", bash_complete(["cella", ""]), commands, "`cella `")
check("bash", bash_complete(["cella", "--"]) , longs(global_flags), "`cella --`")
have_fish = subprocess.run(["sh", "-c", "command -v fish"], capture_output=True).returncode == 0
for c in commands:
    check("bash", bash_complete(["cella", c, "--"]), longs(cmd_flags[c]), f"`cella {c} --`")
    if have_fish:
        check("fish", fish_complete(f"cella {c} --"), longs(cmd_flags[c]), f"`cella {c} --`")
if have_fish:
    check("fish", fish_complete("cella "), commands, "`cella `")
else:
    failures.append("fish is missing (scripts/setup.sh --deps-only installs it)")
r = subprocess.run(["zsh", "-n", os.path.join(top, "completions", "_cella")], capture_output=True,
                   text=True)
if r.returncode != 0:
    failures.append(f"zsh -n completions/_cella: {r.stderr.strip()}")

for f in failures:
    print("check-docs: FAIL: " + f)
print(f"check-docs: {len(commands)} commands, {len(pages)} pages, "
      f"{sum(len(v) for v in cmd_flags.values()) + len(global_flags)} flags: "
      + ("ok" if not failures else f"{len(failures)} failures"))
sys.exit(1 if failures else 0)
