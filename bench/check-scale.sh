#!/usr/bin/env bash
# Scale benchmark for `demarc check`: load + resolve + check of generated models of growing
# size, timed (median of several runs) and with peak memory. See docs/performance.md.
#
#   bench/check-scale.sh              # 250, 500, 1000, 2000 services x 1000 responsibilities
#   RUNS=10 SIZES="500 1000" bench/check-scale.sh
#
# Settings (environment): SIZES (services per model), RESPONSIBILITIES, SUPPLIERS,
# CHAIN_DEPTH, EXPLICIT (fraction of cells written explicitly, default 0.25), SEED, RUNS
# (timed runs per model, at least 5), FULL=0 to skip the fully explicit and preset-only
# models, KEEP=1 to keep the generated models. Models are written to a temporary directory,
# never into the repository.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
SIZES=${SIZES:-"250 500 1000 2000"}
RESPONSIBILITIES=${RESPONSIBILITIES:-1000}
SUPPLIERS=${SUPPLIERS:-200}
CHAIN_DEPTH=${CHAIN_DEPTH:-4}
EXPLICIT=${EXPLICIT:-0.25}
SEED=${SEED:-1}
RUNS=${RUNS:-5}
FULL=${FULL:-1}
# A fixed date, so the planted findings (and nothing else) are reported whatever the day.
export DEMARC_TODAY=2026-11-23

if ((RUNS < 5)); then RUNS=5; fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/demarc-bench.XXXXXX")
if [[ ${KEEP:-0} == 1 ]]; then
    echo "models kept in $WORK" >&2
else
    trap 'rm -rf "$WORK"' EXIT
fi

load() { cut -d' ' -f1 /proc/loadavg; }
start_load=$(load)

echo "== building (release)" >&2
(cd "$ROOT" && cargo build --release --quiet -p demarc-cli && cargo build --release --quiet -p demarc-formats --example synth)
DEMARC=$TARGET/release/demarc
SYNTH=$TARGET/release/examples/synth

if [[ ! -x /usr/bin/time ]]; then
    echo "GNU time is needed for peak memory: apt-get install -y time" >&2
    exit 2
fi
HYPERFINE=$(command -v hyperfine || true)

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
echo "machine: $(nproc) cores, $cpu, $mem; load average at start $start_load" >&2
if awk -v l="$start_load" 'BEGIN { exit !(l > 1.0) }'; then
    echo "warning: the load average is above 1; other work on this machine will skew the figures" >&2
fi

# Run `demarc check` once; exit code 1 (the model has errors) is expected, anything else is not.
check_once() {
    local rc=0
    "$DEMARC" check "$1" --format json > "$2" || rc=$?
    if ((rc > 1)); then
        echo "demarc check $1 failed with exit code $rc" >&2
        exit 1
    fi
}

# Median wall time in seconds of RUNS runs.
wall_median() {
    local dir=$1
    if [[ -n $HYPERFINE ]]; then
        "$HYPERFINE" --style none --warmup 1 --runs "$RUNS" --ignore-failure \
            --export-json "$WORK/hyperfine.json" \
            "'$DEMARC' check '$dir' --format json > /dev/null" > /dev/null 2>&1
        grep -o '"median": *[0-9.e+-]*' "$WORK/hyperfine.json" | head -1 | sed 's/.*: *//' |
            awk '{ printf "%.2f", $1 }'
    else
        check_once "$dir" /dev/null # warm-up
        local times=() i t0 t1
        for ((i = 0; i < RUNS; i++)); do
            t0=$(date +%s.%N)
            check_once "$dir" /dev/null
            t1=$(date +%s.%N)
            times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')")
        done
        printf '%s\n' "${times[@]}" | sort -g | awk '{ v[NR] = $1 } END {
            m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f", m }'
    fi
}

# Peak resident memory in MiB (the largest of three runs).
peak_rss() {
    local dir=$1 best=0 kb i rc
    for i in 1 2 3; do
        rc=0
        /usr/bin/time -f '%M' -o "$WORK/time.txt" "$DEMARC" check "$dir" --format json > /dev/null || rc=$?
        if ((rc > 1)); then
            echo "demarc check $dir failed with exit code $rc" >&2
            exit 1
        fi
        kb=$(tail -1 "$WORK/time.txt")
        if ((kb > best)); then best=$kb; fi
    done
    awk -v k="$best" 'BEGIN { printf "%.0f", k / 1024 }'
}

rows=()
prev_cells="" prev_wall=""
bench_one() {
    local label=$1 services=$2 explicit=$3 growth=$4
    local dir="$WORK/model-$services-$explicit"
    local summary
    summary=$("$SYNTH" --suppliers "$SUPPLIERS" --services "$services" --responsibilities "$RESPONSIBILITIES" \
        --chain-depth "$CHAIN_DEPTH" --explicit "$explicit" --seed "$SEED" "$dir")
    echo "$summary" >&2
    local cells explicit_cells bytes
    cells=$(sed -E 's/.* ([0-9]+) cells,.*/\1/' <<< "$summary")
    explicit_cells=$(sed -E 's/.* ([0-9]+) explicit cells,.*/\1/' <<< "$summary")
    bytes=$(sed -E 's/.* ([0-9]+) bytes .*/\1/' <<< "$summary")
    check_once "$dir" "$WORK/out.json"
    local errors warnings
    errors=$(grep -o '"errors": *[0-9]*' "$WORK/out.json" | sed 's/.*: *//')
    warnings=$(grep -o '"warnings": *[0-9]*' "$WORK/out.json" | sed 's/.*: *//')
    local wall rss
    wall=$(wall_median "$dir")
    rss=$(peak_rss "$dir")
    local grow="–"
    if [[ $growth == 1 && -n $prev_cells ]]; then
        grow=$(awk -v c="$cells" -v pc="$prev_cells" -v w="$wall" -v pw="$prev_wall" \
            'BEGIN { printf "%.1f× cells, %.2f× time", c / pc, w / pw }')
    fi
    if [[ $growth == 1 ]]; then prev_cells=$cells prev_wall=$wall; fi
    echo "   -> ${wall} s, ${rss} MiB, ${errors} errors, ${warnings} warnings (load $(load))" >&2
    rows+=("| $label | $services | $cells | $explicit_cells | $(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }') | $wall | $rss | $errors / $warnings | $grow |")
    if [[ ${KEEP:-0} != 1 ]]; then rm -rf "$dir"; fi
}

for s in $SIZES; do
    bench_one "explicit $EXPLICIT" "$s" "$EXPLICIT" 1
done
if [[ $FULL == 1 ]]; then
    largest=$(tr ' ' '\n' <<< "$SIZES" | sort -n | tail -1)
    bench_one "explicit 1.0" "$largest" 1.0 0
    bench_one "presets only" "$largest" 0 0
fi

echo
timer=${HYPERFINE:+hyperfine, 1 warm-up run}
echo "\`demarc check DIR --format json\`, median of $RUNS runs (${timer:-date loop, 1 warm-up run}); $(nproc) cores, $cpu, $mem; load average $start_load at start, $(load) at end"
echo
echo "| model | services | cells | explicit cells | YAML MB | wall median (s) | peak RSS (MiB) | errors / warnings | growth vs previous |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"
printf '%s\n' "${rows[@]}"
