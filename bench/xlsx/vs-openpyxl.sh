#!/usr/bin/env bash
# Reading workbooks: demarc's reader (Workbook::from_xlsx, which every `demarc import` of a
# workbook uses) against Python's openpyxl (read_only=True, every cell visited), whole process,
# on the same files; and `demarc export --format xlsx` / `demarc import xlsx --dry-run` of a
# matrix of 2,000 services; and `demarc import crm` of the real FedRAMP workbooks. Wall time
# and peak resident memory (GNU time's %M), median of RUNS runs after one warm-up. See docs/xlsx.md ("Performance")
# for the figures of the last run.
#
#   bench/xlsx/vs-openpyxl.sh             # RUNS=5 by default
#   RUNS=9 SERVICES=2000 RESPONSIBILITIES=20 bench/xlsx/vs-openpyxl.sh
#   SKIP_BUILD=1 bench/xlsx/vs-openpyxl.sh  # measure the binaries already built
#
# Needs: cargo, GNU time (/usr/bin/time), python3 with venv, PyPI reachable the first time,
# and, for the FedRAMP workbook, the shared data directory (../shared/data beside the
# repository, or DEMARC_SHARED_DATA; skipped when absent). Everything it makes goes under
# target/bench-xlsx (BENCH_DIR to move it): the venv with openpyxl (kept between runs;
# FRESH_VENV=1 to rebuild it), the generated model and the workbooks. Nothing is vendored.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
data=${DEMARC_SHARED_DATA:-$root/../shared/data}
work=${BENCH_DIR:-$root/target/bench-xlsx}
runs=${RUNS:-5}
services=${SERVICES:-2000}
responsibilities=${RESPONSIBILITIES:-20}
suppliers=${SUPPLIERS:-200}
export DEMARC_TODAY=2026-11-23

[ -x /usr/bin/time ] || { echo "GNU time is needed: apt-get install -y time" >&2; exit 2; }
mkdir -p "$work"
work=$(cd "$work" && pwd)

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    echo "== building (release)" >&2
    (cd "$root" &&
        cargo build --release -q --locked -p demarc-cli --no-default-features &&
        cargo build --release -q --locked -p demarc-office --example read_xlsx &&
        cargo build --release -q --locked -p demarc-formats --example synth)
fi
target=${CARGO_TARGET_DIR:-$root/target}
demarc=$target/release/demarc
read_xlsx=$target/release/examples/read_xlsx
synth=$target/release/examples/synth

venv=$work/venv
if [ "${FRESH_VENV:-0}" = 1 ] || ! "$venv/bin/python" -c 'import openpyxl' 2>/dev/null; then
    echo "== installing openpyxl into a throwaway venv ($venv)" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check openpyxl
fi
py=$venv/bin/python
cat >"$work/read_openpyxl.py" <<'PY'
import sys
import openpyxl

book = openpyxl.load_workbook(sys.argv[1], read_only=True, data_only=True)
rows = cells = 0
for ws in book.worksheets:
    for row in ws.iter_rows(values_only=True):
        rows += 1
        cells += sum(1 for v in row if v is not None and v != "")
print(f"{len(book.worksheets)} sheets, {rows} rows, {cells} cells")
PY

echo "== generating a model of $services services x $responsibilities responsibilities" >&2
model=$work/model-$services
"$synth" --services "$services" --responsibilities "$responsibilities" --suppliers "$suppliers" "$model" >/dev/null
big=$work/matrix-$services.xlsx
"$demarc" export "$model" --format xlsx -o "$big" 2>/dev/null

# median of the numbers on stdin
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# measure LABEL CMD...: one warm-up, then RUNS runs; prints a Markdown row.
measure() {
    local label=$1 i out
    shift
    "$@" >/dev/null 2>&1 || true
    : >"$work/times"
    for ((i = 0; i < runs; i++)); do
        out=$(/usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -1)
        echo "$out" >>"$work/times"
    done
    local wall rss
    wall=$(cut -d' ' -f1 "$work/times" | median)
    rss=$(cut -d' ' -f2 "$work/times" | median)
    printf '| %s | %.2f s | %.0f MiB |\n' "$label" "$wall" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')"
}

fedramp=$data/gsa-fedramp-gov-crm-template/SSP-Appendix-J-CSO-CIS-and-CRM-Workbook.xlsx
echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); load $(cut -d' ' -f1 /proc/loadavg); median of $runs runs"
echo
echo "| what | wall | peak RSS |"
echo "|---|---|---|"
if [ -f "$fedramp" ]; then
    echo "FedRAMP workbook: $(du -k "$fedramp" | cut -f1) KiB; $("$read_xlsx" "$fedramp" | tail -1)" >&2
    measure "FedRAMP CIS/CRM workbook, demarc read_xlsx" "$read_xlsx" "$fedramp"
    measure "FedRAMP CIS/CRM workbook, openpyxl read_only" "$py" "$work/read_openpyxl.py" "$fedramp"
else
    echo "(no $fedramp: the FedRAMP rows are skipped)" >&2
fi
# `demarc import crm` of the real FedRAMP workbooks: read, map every control, check that what
# it would write reads back (--dry-run: nothing is written, all the work is done).
crm_import() {
    local label=$1 file=$2
    shift 2
    if [ -f "$file" ]; then
        measure "$label" "$demarc" import crm "$file" -o "$work/crm-out" --dry-run "$@"
    else
        echo "(no $file: skipped)" >&2
    fi
}
crm_import "demarc import crm, cloud.gov PaaS workbook (rev4)" "$data/cloud-gov-crm/cloud.gov-CIS-Worksheet.xlsx"
crm_import "demarc import crm, cloud.gov Pages workbook (rev5, Moderate)" "$data/cloud-gov-crm/cloud.gov-Pages-CIS-and-CRM-Workbook.xlsx"
crm_import "demarc import crm, FedRAMP template (--baseline high)" "$fedramp" --baseline high
echo "matrix workbook: $(du -k "$big" | cut -f1) KiB; $("$read_xlsx" "$big" | tail -1)" >&2
measure "matrix of $services services, demarc read_xlsx" "$read_xlsx" "$big"
measure "matrix of $services services, openpyxl read_only" "$py" "$work/read_openpyxl.py" "$big"
measure "demarc export --format xlsx ($services services)" "$demarc" export "$model" --format xlsx -o "$work/again.xlsx"
measure "demarc import xlsx --into --dry-run ($services services)" "$demarc" import xlsx "$big" --into "$model" --dry-run
