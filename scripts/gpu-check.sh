#!/usr/bin/env bash
# The GPU check, for a machine with an NVIDIA GPU. Given LIBTORCH (a CUDA
# libtorch: the official zip's folder, or a pip-installed CUDA torch's
# package folder), it builds the project against it, runs the CUDA tests
# (which fail here rather than skip), then times training steps on the GPU
# in Go (internal/cmd/gpubench) and in Python eager PyTorch
# (scripts/bench/gpu_python.py) side by side: the seed's Net (batch 256) and
# ResNet-18 on CIFAR-10-shaped batches (128), float32 and bf16-mixed, and
# prints steps per second and Go/Python ratios.
#
#   LIBTORCH=$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))') scripts/gpu-check.sh
#
# TORCHGO_PYTHON names the Python with that CUDA torch (default python3);
# STEPS (default 100) the timed steps of each run. Needs no network.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${LIBTORCH:-}" ] || { echo "gpu-check.sh: set LIBTORCH to a CUDA libtorch (see the header)" >&2; exit 2; }
export TORCHGO_PYTHON=${TORCHGO_PYTHON:-python3}
. scripts/env.sh
[ -f "$LIBTORCH/lib/libtorch_cuda.so" ] || { echo "gpu-check.sh: $LIBTORCH has no lib/libtorch_cuda.so: not a CUDA build" >&2; exit 2; }
steps=${STEPS:-100}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -n 1 || true)
echo "gpu-check: ${gpu:-unknown GPU}; libtorch $LIBTORCH; $("$TORCHGO_PYTHON" -c 'import torch; print("python torch", torch.__version__, "cuda", torch.version.cuda)')"

echo "== build"
go build ./...
go build -o "$work/gpubench" ./internal/cmd/gpubench

echo "== CUDA tests"
TORCHGO_REQUIRE_CUDA=1 go test -count=1 -run 'CUDA' ./torch ./lightning ./serve

echo "== training steps on the GPU (synthetic batches on the device, SGD momentum 0.9)"
export PYTHONPATH="$PWD/scripts${PYTHONPATH:+:$PYTHONPATH}"
printf '%-10s %-11s %6s %12s %12s %8s\n' model precision batch "Go steps/s" "Py steps/s" "Go/Py"
for run in "seed 256 32-true" "seed 256 bf16-mixed" "resnet18 128 32-true" "resnet18 128 bf16-mixed"; do
  read -r model batch precision <<<"$run"
  gosps=$("$work/gpubench" --model "$model" --batch "$batch" --steps "$steps" --precision "$precision" |
    "$TORCHGO_PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["steps_per_s"])')
  pysps=$("$TORCHGO_PYTHON" scripts/bench/gpu_python.py "$model" "$batch" "$steps" "$precision" |
    "$TORCHGO_PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["steps_per_s"])')
  "$TORCHGO_PYTHON" -c "import sys; g, p = float(sys.argv[1]), float(sys.argv[2]); print('%-10s %-11s %6s %12.1f %12.1f %7.2fx' % ('$model', '$precision', '$batch', g, p, g / p))" "$gosps" "$pysps"
done
echo "gpu-check: done"
