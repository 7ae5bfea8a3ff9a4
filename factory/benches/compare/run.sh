#!/usr/bin/env bash
# Side by side on the same real events: bridgecraft's AwsFactory, botocraft's EventFactory
# (PyPI botocraft) and powertools' parser (PyPI aws-lambda-powertools), in events per second.
#
#   factory/benches/compare/run.sh [--seconds N]
#
# The Python packages go into a virtualenv outside the repository, $BRIDGECRAFT_VENV or
# ~/.cache/bridgecraft/venv, pinned by requirements.txt. The events are the dispatch bench's
# mix, read from the shared corpus beside the workspace.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
corpus=$(cd "$root/.." && pwd)/shared/corpus
seconds=3
if [[ "${1:-}" == "--seconds" ]]; then seconds=$2; fi

if [[ ! -d "$corpus" ]]; then
    echo "the shared corpus is missing at $corpus: nothing to compare" >&2
    exit 1
fi

files=(
    events/lambda-rust-runtime/example-eventbridge-schedule.json
    events/awsdocs-eventbridge-guide/eb-events__block000.json
    events/powertools-typescript/eventbridge-object-created.json
    events/aws-lambda-go/codedeploy-deployment-event.json
    events/aws-lambda-dotnet/cloudwatchevents-transcribejobstatechangecompleted.json
    events/lambda-rust-runtime/example-ecr-image-scan-event.json
    events/aws-lambda-go/ecs-container-instance-state-change.json
)
paths=("${files[@]/#/$corpus/}")

venv=${BRIDGECRAFT_VENV:-$HOME/.cache/bridgecraft/venv}
if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"

cd "$root"
cargo build --quiet --release -p bridgecraft-factory --example throughput
ours=$(cargo run --quiet --release -p bridgecraft-factory --example throughput -- --seconds "$seconds" "${paths[@]}")
"$venv/bin/python" "$here/compare.py" --seconds "$seconds" --ours "$ours" "${paths[@]}"
