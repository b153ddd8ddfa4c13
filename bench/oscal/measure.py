#!/usr/bin/env python3
"""Run the demarc vs compliance-trestle jobs and print a Markdown table.

Called by vs-trestle.sh, which builds demarc, installs trestle into a throwaway venv and
prepares the files; see there. Each command runs as a whole process: one warm-up run (so
both read the files from the page cache), then RUNS timed runs, the commands compared with
each other taking turns (so a machine busy with something else slows them alike). The table
shows the median wall time (measured here, around the whole process) and the median peak
resident memory (GNU time's %M when /usr/bin/time exists, else the child's ru_maxrss from
wait4: neither `time` nor `hyperfine` is required).
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


# Peak RSS. The kernel counts, in a child's ru_maxrss, the memory of the process it was forked
# from until it exec'ed: a child of this Python process never shows less than Python's own
# ~15 MiB. GNU time forks from a small process, so its figure (%M) is the command's own; it is
# used when present, else ru_maxrss from wait4 (then small figures are floors, not the
# command's own, and the table says so).
TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
RSS_FLOOR_NOTE = None if TIME else "peak RSS from wait4: includes this Python's ~15 MiB"


def run_once(cmd, cwd, clean):
    for path in clean:
        shutil.rmtree(path, ignore_errors=True)
        if os.path.isfile(path):
            os.remove(path)
    rss_file = None
    if TIME:
        fd, rss_file = tempfile.mkstemp(prefix="bench-rss-")
        os.close(fd)
        cmd = [TIME, "-f", "%M", "-o", rss_file, "--"] + list(cmd)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # Read stderr while waiting so a chatty child cannot block on a full pipe.
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    # ru_maxrss and %M are in KiB on Linux.
    rss_kib = usage.ru_maxrss
    if rss_file:
        with open(rss_file, encoding="utf-8") as f:
            lines = [line for line in f.read().split() if line.isdigit()]
        os.remove(rss_file)
        if lines:
            rss_kib = int(lines[-1])
    return wall, rss_kib / 1024.0, proc.returncode, err.decode("utf-8", "replace")


def spec(label, cmd, cwd=None, clean=(), ok=(0,)):
    return {"label": label, "cmd": cmd, "cwd": cwd, "clean": list(clean), "ok": ok}


def measure_group(specs, runs):
    """Run the commands of a group in turn, `runs` rounds (after one warm-up round), so that
    a busy machine slows all of them alike; for each, the median wall seconds and peak RSS
    MiB, or why it did not run."""
    results = []
    for sp in specs:
        _, _, code, err = run_once(sp["cmd"], sp["cwd"], sp["clean"])
        r = {"label": sp["label"], "cmd": sp["cmd"], "walls": [], "rsss": []}
        if code not in sp["ok"]:
            last = [line for line in err.strip().splitlines() if line.strip()]
            reason = last[-1][:160] if last else f"exit {code}"
            print(f"  {sp['label']}: FAILED (exit {code}): {reason}", file=sys.stderr)
            r["error"] = f"exit {code}: {reason}"
        results.append(r)
    for _ in range(runs):
        for sp, r in zip(specs, results):
            if "error" in r:
                continue
            wall, rss, code, _ = run_once(sp["cmd"], sp["cwd"], sp["clean"])
            if code not in sp["ok"]:
                r["error"] = f"exit {code} on a later run"
                continue
            r["walls"].append(wall)
            r["rsss"].append(rss)
            r["exit"] = code
    for r in results:
        if "error" in r:
            continue
        r["median_s"] = statistics.median(r["walls"])
        r["min_s"] = min(r["walls"])
        r["max_s"] = max(r["walls"])
        r["rss_mib"] = statistics.median(r["rsss"])
        print(
            f"  {r['label']}: median {r['median_s'] * 1000:.1f} ms "
            f"(min {r['min_s'] * 1000:.1f}, max {r['max_s'] * 1000:.1f}), "
            f"{r['rss_mib']:.1f} MiB, exit {r['exit']}",
            file=sys.stderr,
        )
    return results


def ms(r):
    if "error" in r:
        return "n/a"
    s = r["median_s"]
    return f"{s * 1000:.0f} ms" if s >= 0.1 else f"{s * 1000:.1f} ms"


def mib(r):
    return "n/a" if "error" in r else f"{r['rss_mib']:.0f} MiB"


def ratio(a, b):
    if "error" in a or "error" in b or b["median_s"] <= 0:
        return None
    return a["median_s"] / b["median_s"]


def main():
    cfg = json.loads(sys.argv[1])
    runs = int(cfg["runs"])
    demarc, trestle, py = cfg["demarc"], cfg["trestle"], cfg["trestle_python"]
    tw, files, out, parse_only = cfg["trestle_ws"], cfg["files"], cfg["out"], cfg["parse_only"]
    catalog, catalog4, profile, ssp = cfg["catalog"], cfg["catalog4"], cfg["profile"], cfg["ssp"]
    os.makedirs(out, exist_ok=True)

    print(f"Timing {runs} runs of each (after one warm-up run)...", file=sys.stderr)
    jobs = []

    def pair(job, t_label, t_cmd, d_label, d_cmd, t_kw=None, d_kw=None):
        t, d = measure_group([spec(t_label, t_cmd, **(t_kw or {})), spec(d_label, d_cmd, **(d_kw or {}))], runs)
        jobs.append((job, t, d))

    pair(
        "load + schema-validate the SP 800-53 rev5 catalog (3.2 MB)",
        "trestle validate", [trestle, "validate", "-f", "catalogs/nist/catalog.json"],
        "demarc oscal validate", [demarc, "oscal", "validate", catalog],
        t_kw={"cwd": tw},
        d_kw={"ok": (0, 1)},
    )
    pair(
        "resolve the FedRAMP rev5 HIGH profile, write the resolved catalog",
        "trestle author profile-resolve",
        [trestle, "author", "profile-resolve", "-n", "fedramp-high", "-o", "fedramp-high-resolved"],
        "demarc oscal resolve",
        [demarc, "oscal", "resolve", profile, "--catalog", catalog, "-o", os.path.join(out, "resolved.json")],
        t_kw={"cwd": tw, "clean": [os.path.join(tw, "catalogs", "fedramp-high-resolved")]},
        d_kw={"clean": [os.path.join(out, "resolved.json")]},
    )
    # `trestle validate -f` on an SSP also resolves the SSP's import-profile and stops when it
    # cannot (every SSP in the shared data imports a profile by a path or URL that is not
    # there), so trestle's side here is what its validation of a plan is: reading it through
    # its pydantic OSCAL models (the same call `trestle validate` makes first).
    pair(
        "load + schema-validate an SSP (NIST ssp-example.json, 22 KB)",
        "trestle SystemSecurityPlan.oscal_read",
        [py, "-c", "import sys, pathlib\nfrom trestle.oscal.ssp import SystemSecurityPlan\n"
         "SystemSecurityPlan.oscal_read(pathlib.Path(sys.argv[1]))", ssp],
        "demarc oscal validate", [demarc, "oscal", "validate", ssp],
        d_kw={"ok": (0, 1)},
    )
    pair(
        "HIGH profile to a starter for every control (trestle ssp-generate: markdown)",
        "trestle author ssp-generate",
        [trestle, "author", "ssp-generate", "-p", "fedramp-high", "-o", "ssp-md-high"],
        "demarc import oscal",
        [demarc, "import", "oscal", profile, "--search", files, "-o", os.path.join(out, "model-high")],
        t_kw={"cwd": tw, "clean": [os.path.join(tw, "ssp-md-high")]},
        d_kw={"clean": [os.path.join(out, "model-high")]},
    )
    pair(
        "load + schema-validate a 4x synthetic catalog (12.5 MB)",
        "trestle validate", [trestle, "validate", "-f", "catalogs/nist4x/catalog.json"],
        "demarc oscal validate", [demarc, "oscal", "validate", catalog4],
        t_kw={"cwd": tw},
        d_kw={"ok": (0, 1)},
    )
    # demarc against plain parsing, in turn (more rounds: these are short).
    floor = measure_group(
        [
            spec("demarc oscal validate (catalog)", [demarc, "oscal", "validate", catalog], ok=(0, 1)),
            spec("serde_json parse only (catalog)", [parse_only, catalog]),
            spec("demarc oscal validate (4x catalog)", [demarc, "oscal", "validate", catalog4], ok=(0, 1)),
            spec("serde_json parse only (4x catalog)", [parse_only, catalog4]),
            spec("demarc --version", [demarc, "--version"]),
        ],
        max(runs, 15),
    )
    valid1, parse1, valid4, parse4, version = floor

    print()
    print(cfg.get("about", ""))
    print()
    print(f"Whole process, median of {runs} runs after a warm-up; peak RSS (median"
          f"{', ' + RSS_FLOOR_NOTE if RSS_FLOOR_NOTE else ', GNU time %M'}). "
          f"Targets: demarc at least 30x faster and at most 1/4 of trestle's peak memory.")
    print()
    print("| job | trestle | trestle peak RSS | demarc | demarc peak RSS | speed-up | memory |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for job, t, d in jobs:
        speed = ratio(t, d)
        mem = None if "error" in t or "error" in d else d["rss_mib"] / t["rss_mib"]
        speed_s = "n/a" if speed is None else f"{speed:.0f}x" + ("" if speed >= 30 else " (below 30x)")
        mem_s = "n/a" if mem is None else f"{mem * 100:.0f}%" + ("" if mem <= 0.25 else " (above 25%)")
        print(f"| {job} | {ms(t)} | {mib(t)} | {ms(d)} | {mib(d)} | {speed_s} | {mem_s} |")
    print()
    print(f"demarc against its floor (run in turn, median of {max(runs, 15)} runs):")
    print()
    print("| demarc against its floor | time | peak RSS | ratio |")
    print("|---|---:|---:|---:|")
    for label, d, p in [
        ("validate the catalog / parse it with serde_json only", valid1, parse1),
        ("validate the 4x catalog / parse it with serde_json only", valid4, parse4),
    ]:
        r = ratio(d, p)
        r_s = "n/a" if r is None else f"{r:.1f}x" + ("" if r <= 3 else " (above 3x)")
        print(f"| {label} | {ms(d)} / {ms(p)} | {mib(d)} / {mib(p)} | {r_s} |")
    v_ok = "error" not in version and version["median_s"] < 0.020
    print(f"| `demarc --version` (start-up; target under 20 ms) | {ms(version)} | {mib(version)} | "
          f"{'ok' if v_ok else 'n/a' if 'error' in version else 'above 20 ms'} |")
    failed = [r for _, t, d in jobs for r in (t, d)] + floor
    failed = [r for r in failed if "error" in r]
    if failed:
        print()
        print("Not measured (the command failed; see the messages above):")
        for r in failed:
            print(f"- {r['label']}: `{' '.join(os.path.basename(c) if i == 0 else c for i, c in enumerate(r['cmd']))}`"
                  f" — {r['error']}")
    print()
    print("Commands (trestle runs inside a `trestle init` workspace):")
    for job, t, d in jobs:
        for r in (t, d):
            shown = " ".join(os.path.basename(c) if i == 0 else c.replace("\n", "; ") for i, c in enumerate(r["cmd"]))
            print(f"- {r['label']}: `{shown}`")


if __name__ == "__main__":
    main()
