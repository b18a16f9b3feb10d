#!/usr/bin/env bash
# The benchmark, in one invocation on one machine: the seed's pipeline in
# Python PyTorch (torchvision MNIST + DataLoader), a plain libtorch C++ loop
# with the data pre-loaded (the floor for any binding of the same kernels),
# and the Go example. Prints seconds per epoch (median of the epochs after
# each run's first), single-sample predict latency, peak RSS, and Go's
# ratios. EPOCHS (default 3) sets the epochs of each run, ROUNDS (default 2)
# the alternating runs of the C++ floor and Go.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh
epochs=${EPOCHS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cxxflags=(-O2 -std=c++17 -I/usr/include/torch/csrc/api/include)
ldflags=(-ltorch -ltorch_cpu -lc10)
if [ -n "${LIBTORCH:-}" ]; then
  read -r -a cxxflags <<<"-O2 -std=c++17 $CGO_CXXFLAGS"
  read -r -a ldflags <<<"$CGO_LDFLAGS -ltorch -ltorch_cpu -lc10"
fi
g++ "${cxxflags[@]}" scripts/bench/floor.cc -o "$work/floor" "${ldflags[@]}"
go build -o "$work/mnist" ./examples/mnist

# Each runtime uses PyTorch's default thread count unless TORCHGO_NUM_THREADS
# sets one for all three; each reports what it used.
if [ -n "${TORCHGO_NUM_THREADS:-}" ]; then
  export OMP_NUM_THREADS=$TORCHGO_NUM_THREADS
fi
"$TORCHGO_PYTHON" scripts/bench/seed_python.py data "$epochs" >"$work/python.json"
# The floor and Go alternate, ROUNDS (default 2) runs each, so that a noisy
# neighbour or a clock change lands on both.
for r in $(seq "${ROUNDS:-2}"); do
  "$work/floor" data "$epochs" >"$work/cpp$r.json"
  "$work/mnist" --data data --epochs "$epochs" --out "$work" --no-progress --metrics-json "$work/go$r.json" >/dev/null
done

"$TORCHGO_PYTHON" - "$work" "$epochs" <<'PY'
import json, os, platform, sys
work, epochs = sys.argv[1], int(sys.argv[2])
import glob, statistics
py = json.load(open(os.path.join(work, "python.json")))
def rounds(prefix):
    runs = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(work, prefix + "[0-9]*.json")))]
    for r in runs:
        if "epochs" in r:
            r["epoch_s"] = [e["train_s"] for e in r["epochs"]]
    # Epochs after the first of every run, and the median predict latency.
    out = dict(runs[-1])
    out["epoch_s"] = [s for r in runs for s in (r["epoch_s"][1:] or r["epoch_s"])]
    out["predict_us"] = statistics.median(r["predict_us"] for r in runs)
    out["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
    return out
cpp, go = rounds("cpp"), rounds("go")
py["epoch_s"] = py["epoch_s"][1:] or py["epoch_s"]
def epoch(r):
    return statistics.median(r["epoch_s"])
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
print(f"machine: {cpu}, {os.cpu_count()} CPUs; {epochs} epochs a run, {os.environ.get('ROUNDS', '2')} runs of C++ and Go alternating (median of epochs 2..)")
print(f"{'':28}{'epoch s':>10}{'predict µs':>12}{'peak RSS MB':>13}{'threads':>9}")
for name, r in [("Python seed pipeline", py), ("C++ libtorch floor", cpp), ("Go (examples/mnist)", go)]:
    print(f"{name:28}{epoch(r):>10.3f}{r['predict_us']:>12.1f}{r['peak_rss_mb']:>13.0f}{r['threads']:>9}")
print(f"Go/C++ epoch {epoch(go)/epoch(cpp):.2f}x, Go/Python epoch {epoch(go)/epoch(py):.2f}x, "
      f"Go/C++ predict {go['predict_us']/cpp['predict_us']:.2f}x, Go/Python predict {go['predict_us']/py['predict_us']:.2f}x")
rss = [e["rss_mb"] for e in go["epochs"]]
print(f"Go RSS after epoch 1: {rss[0]:.0f} MB, after epoch {len(rss)}: {rss[-1]:.0f} MB ({100*(rss[-1]/rss[0]-1):+.1f}%)")
PY
