#!/usr/bin/env bash
# examples/wordlm against its Python peer (scripts/wordlm_reference.py), in
# one invocation on one machine: the example's default model sizes (emsize
# and nhid 200, 2 layers, batch 20, bptt 35, dropout 0.2) on the licence
# corpus, STEPS (default 40) training steps per run, Go and Python
# alternating ROUNDS (default 3) times for each MODELS entry (default
# "LSTM Transformer"). Prints the median seconds per training step of each
# side (the first 3 steps of every run left out) and Go/Python.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
. scripts/env.sh
steps=${STEPS:-40}
py=${TORCHGO_PYTHON:-/usr/bin/python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/wordlm" ./examples/wordlm
data=$work/licenses
"$work/wordlm" --data "$data" --steps 1 --epochs 1 --log-interval 0 >/dev/null  # makes the corpus
for model in ${MODELS:-LSTM Transformer}; do
  for r in $(seq "${ROUNDS:-3}"); do
    "$work/wordlm" --data "$data" --model "$model" --steps "$steps" --epochs 1 --log-interval 0 --json "$work/go-$model-$r.json" >/dev/null
    "$py" scripts/wordlm_reference.py --data "$data" --model "$model" --steps "$steps" --epochs 1 >"$work/py-$model-$r.json"
  done
done
"$py" - "$work" "${MODELS:-LSTM Transformer}" <<'PY'
import json, glob, statistics, sys
work, models = sys.argv[1], sys.argv[2].split()
print("| model | Python s/step | Go s/step | Go/Python |")
print("| --- | ---: | ---: | ---: |")
for m in models:
    med = {}
    for side in ("py", "go"):
        times = []
        for f in sorted(glob.glob(f"{work}/{side}-{m}-*.json")):
            times += json.load(open(f))["step_seconds"][3:]
        med[side] = statistics.median(times)
    print(f"| {m} | {med['py']:.4f} | {med['go']:.4f} | {med['go'] / med['py']:.2f}x |")
PY
