#!/usr/bin/env bash
# Seed the fuzz corpora from the example models, the built-in catalogues and the starter
# models, in the input shape each target expects (see fuzz/README.md).
#
#   fuzz/seed.sh [DEMARC]
#
# DEMARC is the demarc binary used to write the starter models and the CSV exports; by default
# `cargo run --release -p demarc-cli --`. The corpora (fuzz/corpus/) are not in git; running
# this again adds the seeds back without removing what the fuzzer has found.
set -euo pipefail

fuzz_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$fuzz_dir")
corpus=$fuzz_dir/corpus

if [[ $# -ge 1 ]]; then
    demarc=("$(realpath "$1")")
else
    demarc=(cargo run --quiet --release --locked -p demarc-cli --)
fi
# Fixed date, so the seeds are the same on every run.
export DEMARC_TODAY=2026-06-01 DEMARC_COLOR=never
cd "$root"

mkdir -p "$corpus"/{yaml_model,yaml_catalogue,csv_import,oscal_import,xlsx_import,office_import}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One yaml_model input from a model directory: its files joined by NUL bytes in the order
# demarc.yaml, parties.yaml, services.yaml, catalogue.yaml, allocations/*.yaml.
# $2, if given, is a catalogue file to put in the catalogue.yaml slot.
pack() {
    local dir=$1 catalogue=${2:-} f
    cat "$dir/demarc.yaml"
    printf '\0'
    [[ -f $dir/parties.yaml ]] && cat "$dir/parties.yaml"
    printf '\0'
    [[ -f $dir/services.yaml ]] && cat "$dir/services.yaml"
    printf '\0'
    [[ -n $catalogue ]] && cat "$catalogue"
    for f in "$dir"/allocations/*.yaml; do
        [[ -f $f ]] || continue
        printf '\0'
        cat "$f"
    done
}

# The same model reading the catalogue from its own file instead of the built-in one.
pack_own_catalogue() {
    local dir=$1 name=$2 copy=$work/own-$RANDOM
    cp -r "$dir" "$copy"
    sed -i "s/^\([[:space:]]*-[[:space:]]*\)$name[[:space:]]*\$/\1catalogue.yaml/" "$copy/demarc.yaml"
    pack "$copy" "crates/demarc-formats/catalogues/$name.yaml"
}

n=0
for dir in examples/*/; do
    dir=${dir%/}
    [[ -f $dir/demarc.yaml ]] || continue
    name=$(basename "$dir")
    pack "$dir" >"$corpus/yaml_model/example-$name"
    pack_own_catalogue "$dir" twt >"$corpus/yaml_model/example-$name-own-catalogue"
    n=$((n + 2))
done

for c in crates/demarc-formats/catalogues/*.yaml; do
    name=$(basename "$c" .yaml)
    cp "$c" "$corpus/yaml_catalogue/builtin-$name"
    "${demarc[@]}" init "$work/starter-$name" --preset "$name" >/dev/null
    pack "$work/starter-$name" >"$corpus/yaml_model/starter-$name"
    pack_own_catalogue "$work/starter-$name" "$name" >"$corpus/yaml_model/starter-$name-own-catalogue"
    n=$((n + 3))
done

# CSV: any CSV kept beside the examples, and the matrix export of each example (whole, one
# service, one party).
while IFS= read -r -d '' f; do
    cp "$f" "$corpus/csv_import/example-$(basename "$f")"
    n=$((n + 1))
done < <(find examples -name '*.csv' -print0)
"${demarc[@]}" export examples/riverside --format csv >"$corpus/csv_import/riverside-matrix.csv"
"${demarc[@]}" export examples/riverside --format csv --service office-365 >"$corpus/csv_import/riverside-office-365.csv"
"${demarc[@]}" export examples/riverside --format csv --party acme-it >"$corpus/csv_import/riverside-acme-it.csv"
n=$((n + 3))

# OSCAL: the example chain's plans and catalog, every OSCAL export of the Riverside example,
# and, when the shared data is on this machine, its smaller OSCAL JSON files (the corpus is
# not in git, so nothing of them enters the project).
for f in examples/oscal-chain/plans/*.json examples/broken-oscal/*/*.json; do
    [[ -f $f ]] || continue
    cp "$f" "$corpus/oscal_import/example-$(basename "$(dirname "$f")")-$(basename "$f")"
    n=$((n + 1))
done
for format in oscal-ssp oscal-component oscal-srm; do
    "${demarc[@]}" export examples/riverside --format "$format" >"$corpus/oscal_import/riverside-$format.json"
    n=$((n + 1))
done
"${demarc[@]}" export examples/riverside --format oscal-crm --party riverside >"$corpus/oscal_import/riverside-crm.json"
n=$((n + 1))
if [[ -d $root/../shared/data ]]; then
    while IFS= read -r -d '' f; do
        cp "$f" "$corpus/oscal_import/shared-$(basename "$f")"
        n=$((n + 1))
    done < <(find "$root/../shared/data" -name '*.json' -size -300k \( -path '*oscal*' -o -path '*trestle*' -o -path '*fedramp*' \) -print0)
fi

# Workbooks: the matrix workbook of the example (whole, one party), and for the other importers
# the CRM workbook of each of its suppliers' services, and, when the shared data is on this
# machine, a few Azure baselines (small workbooks; the corpus is not in git).
"${demarc[@]}" export examples/riverside --format xlsx >"$corpus/xlsx_import/riverside-matrix.xlsx"
"${demarc[@]}" export examples/riverside --format xlsx --party acme-it >"$corpus/xlsx_import/riverside-acme-it.xlsx"
n=$((n + 2))
"${demarc[@]}" export examples/riverside --format crm --party acme-it >"$corpus/office_import/riverside-crm-acme-it.xlsx"
"${demarc[@]}" export examples/riverside --format xlsx --service office-365 >"$corpus/office_import/riverside-matrix-office-365.xlsx"
n=$((n + 2))
if [[ -d $root/../shared/data/microsoft-security-benchmark ]]; then
    for f in "$root"/../shared/data/microsoft-security-benchmark/azure-offer-security-baselines-3.0/azure-{bastion,key-vault,sql}-*.xlsx; do
        [[ -f $f ]] || continue
        cp "$f" "$corpus/office_import/shared-$(basename "$f")"
        n=$((n + 1))
    done
fi

echo "seeded $n inputs under ${corpus#"$root"/}/"
