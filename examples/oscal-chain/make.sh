#!/usr/bin/env bash
# Write the OSCAL files of this example from its source model: each tier's system security
# plan and the end customer's responsibility matrix slice. A test checks they are up to date
# (crates/demarc-cli/tests/cli.rs, `oscal_chain_example_is_up_to_date`).
#
#   examples/oscal-chain/make.sh [DEMARC]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ $# -ge 1 ]]; then
    demarc=("$(realpath "$1")")
else
    demarc=(cargo run --quiet --release --locked -p demarc-cli --)
fi
export DEMARC_TODAY=2026-11-23
cd "$here"
mkdir -p plans
for party in nimbus ledgerly riverside; do
    "${demarc[@]}" export source --format oscal-ssp --party "$party" -o "plans/$party-ssp.json"
done
