#!/usr/bin/env bash
# The main job: set-up if needed, then the seed's MNIST walkthrough
# (examples/mnist): train, test, save out/mnist.pt, reload it, predict
# train[0] and write out/sample.png. Extra arguments go to the example
# (e.g. --epochs 5).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh
exec go run ./examples/mnist --data data --out out --metrics-json out/metrics.json "$@"
