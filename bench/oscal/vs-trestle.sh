#!/usr/bin/env bash
# demarc against compliance-trestle (Python, the one open-source OSCAL tool that handles
# inheritance) on the same OSCAL files, whole process, median of several runs: see
# docs/performance.md for what each row means and the figures of the last run.
#
#   bench/oscal/vs-trestle.sh            # RUNS=5 by default
#   RUNS=9 bench/oscal/vs-trestle.sh
#   SKIP_BUILD=1 bench/oscal/vs-trestle.sh   # measure the binaries already built
#
# Needs: cargo, python3 with venv (Debian: apt-get install python3-venv), PyPI reachable the
# first time, and the shared data directory (../shared/data beside the repository, or
# DEMARC_SHARED_DATA). Everything it makes goes under target/bench-oscal (BENCH_DIR to move
# it): the venv with compliance-trestle 5.x (kept between runs; FRESH_VENV=1 to rebuild it),
# trestle's workspace, the synthetic catalog and the outputs. Nothing is vendored.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
data=${DEMARC_SHARED_DATA:-$root/../shared/data}
work=${BENCH_DIR:-$root/target/bench-oscal}
runs=${RUNS:-5}

catalog_src=$data/nist-oscal-content/catalog/NIST_SP-800-53_rev5.0.1_catalog.json
profile_src=$data/gsa-fedramp-automation/baselines/FedRAMP_rev5_HIGH-baseline_profile.json
ssp_src=$data/nist-oscal-content/examples/ssp/ssp-example.json
for f in "$catalog_src" "$profile_src" "$ssp_src"; do
    [ -f "$f" ] || { echo "missing $f (set DEMARC_SHARED_DATA to the shared data directory)" >&2; exit 2; }
done
mkdir -p "$work"
work=$(cd "$work" && pwd)

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    echo "== building demarc (release)" >&2
    (cd "$root" && cargo build --release -q -p demarc-cli && cargo build --release -q -p demarc-oscal --example parse_only)
fi
target=$(cd "$root" && cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
demarc=$target/release/demarc
parse_only=$target/release/examples/parse_only

venv=$work/venv
if [ "${FRESH_VENV:-0}" = 1 ] || ! "$venv/bin/trestle" version >/dev/null 2>&1; then
    echo "== installing compliance-trestle 5.x into a throwaway venv ($venv)" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check 'compliance-trestle>=5,<6'
fi
trestle=$venv/bin/trestle
echo "== $("$trestle" version 2>&1 | tail -1)" >&2

# The files both tools read. The FedRAMP profile imports the catalog through a back-matter
# resource whose rlink is "NIST_SP-800-53_rev5_catalog.json": a link of that name beside a
# copy of the profile lets demarc follow it as written (the bytes are those of the shared
# data; the only full rev5 catalog there is 5.0.1).
files=$work/files
rm -rf "$files" && mkdir -p "$files"
cp "$profile_src" "$files/FedRAMP_rev5_HIGH-baseline_profile.json"
ln -s "$catalog_src" "$files/NIST_SP-800-53_rev5_catalog.json"
echo "== writing the 4x synthetic catalog" >&2
python3 "$here/synth_catalog.py" "$catalog_src" 4 "$files/catalog-4x.json"

# trestle's workspace: models live at <type>s/<name>/<type>.json; `trestle href` points the
# profile's import at the catalog in the workspace (trestle resolves nothing else).
tw=$work/trestle-ws
rm -rf "$tw" && mkdir -p "$tw"
(
    cd "$tw"
    "$trestle" init >/dev/null
    mkdir -p catalogs/nist catalogs/nist4x profiles/fedramp-high
    cp "$catalog_src" catalogs/nist/catalog.json
    cp "$files/catalog-4x.json" catalogs/nist4x/catalog.json
    cp "$profile_src" profiles/fedramp-high/profile.json
    "$trestle" href -n fedramp-high -hr trestle://catalogs/nist/catalog.json >/dev/null
)

about="$("$demarc" --version 2>&1 | head -1) ($(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo '?')) against \
compliance-trestle $("$venv/bin/pip" show compliance-trestle 2>/dev/null | sed -n 's/^Version: //p') \
($("$venv/bin/python" --version 2>&1)); $(nproc) cores, $(uname -sr); $(date -u +%Y-%m-%d)."
cfg=$(python3 - "$demarc" "$trestle" "$venv/bin/python" "$tw" "$files" "$work/out" "$parse_only" \
    "$catalog_src" "$files/catalog-4x.json" "$files/FedRAMP_rev5_HIGH-baseline_profile.json" "$ssp_src" "$runs" \
    "$about" <<'EOF'
import json, sys
keys = ["demarc", "trestle", "trestle_python", "trestle_ws", "files", "out", "parse_only",
        "catalog", "catalog4", "profile", "ssp", "runs", "about"]
print(json.dumps(dict(zip(keys, sys.argv[1:]))))
EOF
)
echo "== measuring" >&2
python3 "$here/measure.py" "$cfg" | tee "$work/results.md"
echo >&2
echo "(table also in $work/results.md)" >&2
