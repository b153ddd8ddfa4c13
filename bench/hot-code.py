#!/usr/bin/env python3
"""Write crates/demarc-cli/link/hot.ld: the functions the `demarc` binary's short commands run,
gathered at the front of its code when it is linked.

Why. The binary carries the server, the PDF typesetter and the OSCAL tools: 37 MB of code. A
short command runs about 1.2 MB of it, but spread over the whole file; the kernel maps code a
64 KB block at a time around each page a process touches, so `demarc oscal validate` of a
small SSP held 5.4 MB of code pages. With the code it runs side by side it holds under 2 MB.

How. Each command below runs once under `valgrind --tool=callgrind --dump-instr=yes`; the
addresses it executed are matched to the binary's function symbols (`nm`), and every function
is written as a linker-script pattern for its section (rustc gives each function its own).
The commands' functions come in the order of the commands, shortest first: `--version`'s,
then those of validating an SSP that `--version` did not run, and so on, each in the order
they have in the binary now; so each short command runs code that sits together. Names are
Rust's v0 mangling (`.cargo/config.toml`), which names generic instances by their types; the
crate disambiguators in them (`Cs<hash>_`) become globs, so the file still matches after a
dependency or compiler update changes them. A function the file does not name is only placed
with the rest of the code: a stale file costs memory, never correctness.

    bench/hot-code.py               # builds in release first
    SKIP_BUILD=1 bench/hot-code.py  # use target/release/demarc as it is

Needs valgrind, nm (binutils) and the shared data directory (../shared/data beside the
repository, or DEMARC_SHARED_DATA) for the OSCAL files the benchmark uses.
"""

import bisect
import collections
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("DEMARC_SHARED_DATA", os.path.join(ROOT, "..", "shared", "data"))
OUT = os.path.join(ROOT, "crates", "demarc-cli", "link", "hot.ld")


def commands(work):
    catalog = f"{DATA}/nist-oscal-content/catalog/NIST_SP-800-53_rev5.0.1_catalog.json"
    profile = f"{DATA}/gsa-fedramp-automation/baselines/FedRAMP_rev5_HIGH-baseline_profile.json"
    ssp = f"{DATA}/nist-oscal-content/examples/ssp/ssp-example.json"
    for f in (catalog, profile, ssp):
        if not os.path.isfile(f):
            sys.exit(f"missing {f} (set DEMARC_SHARED_DATA to the shared data directory)")
    # The profile imports the catalog by this name, as the benchmark lays it out.
    os.symlink(catalog, f"{work}/NIST_SP-800-53_rev5_catalog.json")
    with open(profile, "rb") as src, open(f"{work}/profile.json", "wb") as dst:
        dst.write(src.read())
    return [
        ["--version"],
        ["oscal", "validate", ssp],
        ["oscal", "validate", catalog],
        ["oscal", "resolve", f"{work}/profile.json", "--catalog", catalog, "-o", f"{work}/resolved.json"],
        ["import", "oscal", f"{work}/profile.json", "--search", work, "-o", f"{work}/imported"],
        ["check", os.path.join(ROOT, "examples", "riverside")],
    ]


def executed(binary, args, work):
    """The addresses of `binary` one run of it executed."""
    out = f"{work}/callgrind.out"
    run = subprocess.run(
        ["valgrind", "--tool=callgrind", "--dump-instr=yes", f"--callgrind-out-file={out}",
         binary, *args],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    if run.returncode != 0:
        sys.exit(f"demarc {' '.join(args)} failed under valgrind:\n{run.stderr[-2000:]}")
    names, current, addr, addrs = {}, None, 0, set()
    position = re.compile(r"^(0x[0-9a-f]+|[+-]\d+|\*)\s")
    with open(out) as f:
        for line in f:
            m = re.match(r"^(ob|cob)=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
            if m:
                if m.group(3):
                    names[m.group(2)] = m.group(3)
                if m.group(1) == "ob":
                    current = names.get(m.group(2))
                continue
            m = position.match(line)
            if not m:
                continue
            token = m.group(1)
            addr = int(token, 16) if token.startswith("0x") else addr if token == "*" else addr + int(token)
            if current == binary:
                addrs.add(addr)
    os.remove(out)
    return addrs


def functions(binary):
    """(address, size, name) of every function symbol, sorted by address."""
    out = subprocess.run(["nm", "-S", "--defined-only", binary], capture_output=True, text=True,
                         check=True).stdout
    syms = []
    for line in out.splitlines():
        parts = line.split(" ", 3)
        if len(parts) == 4 and parts[2] in "tTwW":
            syms.append((int(parts[0], 16), int(parts[1], 16), parts[3]))
    syms.sort()
    return syms


def pattern(name):
    name = re.sub(r"\.llvm\.\d+$", "", name)
    if name.startswith("_R"):
        name = re.sub(r"Cs[0-9A-Za-z]+_", "Cs*_", name)
    return name


def main():
    binary = os.path.join(ROOT, "target", "release", "demarc")
    if os.environ.get("SKIP_BUILD") != "1":
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "demarc-cli"], cwd=ROOT, check=True)
    syms = functions(binary)
    starts = [s[0] for s in syms]
    at = collections.defaultdict(list)
    for a, _, n in syms:
        at[a].append(n)
    order, placed = [], set()
    with tempfile.TemporaryDirectory() as work:
        cmds = commands(work)
        for args in cmds:
            hit = set()
            for a in executed(binary, args, work):
                i = bisect.bisect_right(starts, a) - 1
                if i >= 0 and a < syms[i][0] + max(syms[i][1], 1):
                    hit.add(syms[i][0])
            print(f"demarc {' '.join(os.path.basename(x) for x in args)}: {len(hit)} functions",
                  file=sys.stderr)
            if len(hit) < 50:
                sys.exit(f"demarc {' '.join(args)} ran only {len(hit)} functions under valgrind: "
                         "is the binary the one built?")
            order += sorted(hit - placed)
            placed |= hit
    if not order:
        sys.exit("no function of the binary ran: is valgrind working?")
    size = {s[0]: s[1] for s in syms}
    patterns, seen = [], set()
    for a in order:
        for n in at[a]:
            p = pattern(n)
            if p not in seen:
                seen.add(p)
                patterns.append(p)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    tmp = OUT + ".tmp"
    with open(tmp, "w") as f:
        f.write("/* Written by bench/hot-code.py: do not edit. The functions the demarc binary's short\n")
        f.write("   commands run, placed first in its code (crates/demarc-cli/build.rs links with it).\n")
        f.write(f"   {len(order)} functions, {sum(size[a] for a in order)} bytes, from:\n")
        for args in cmds:
            shown = " ".join(os.path.basename(x) if "/" in x else "." if x == work else x for x in args)
            f.write(f"     demarc {shown}\n")
        f.write("*/\nSECTIONS {\n  .text.hot : {\n")
        for p in patterns:
            # `P*`: also the `.llvm.<n>` copies LLVM makes of local functions; and cold ones.
            f.write(f"    *(.text.{p}* .text.unlikely.{p}*)\n")
        f.write("  }\n} INSERT BEFORE .text;\n")
    os.replace(tmp, OUT)
    print(f"wrote {os.path.relpath(OUT, ROOT)}: {len(patterns)} patterns for {len(order)} functions",
          file=sys.stderr)


if __name__ == "__main__":
    main()
