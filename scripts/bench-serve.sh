#!/usr/bin/env bash
# cmd/serve against its Python peer (scripts/bench/serve_fastapi.py:
# FastAPI + uvicorn with torch 1.13), serving the same model from the same
# state dict file, on loopback, loaded by internal/cmd/loadgen (a Go
# closed-loop client with keep-alive connections). Models: the seed's Net
# on 28×28 PNG digits (MNIST's test set when scripts/setup.sh fetched it,
# else made up) and ResNet-18 (torchvision's layout, seeded initial
# weights) on 224×224 JPEGs. Concurrency 1, 8 and 64, each run DURATION
# (default 10s) after WARMUP (default 2s), every server started afresh for
# each run so that its peak RSS (VmHWM) is that run's. Also ResNet-18 on Go
# with --max-batch 1 (no batching) and the Net with --inexact batching.
#
# Go runs with exact batching (the default) and settings a user tunes for
# throughput, each on the command line below: for the Net one libtorch
# thread (--threads 1: the intra-op threads would otherwise take the cores
# that HTTP and decoding need; 2.1x the req/s at concurrency 64 on 2 cores),
# for ResNet-18 one single-threaded worker per core, --max-batch 16 and
# --channels-last (PyTorch's advice for CNNs on CPUs). The FastAPI peer
# runs the model as loaded, with torch's default threads, the way FastAPI's
# documentation does. For ResNet-18 both sides run with
# OPENBLAS_CORETYPE=Haswell, which lets exact batching use batch sizes above
# 1 on AVX-512 CPUs (see package serve's documentation); for the Net both
# run with OpenBLAS's own choice. The script also measures ResNet-18's
# forward alone in PyTorch: the most any server can answer on these cores.
# The client, the server and anything else on the machine share its cores:
# on a loaded machine the numbers are noisy. Prints a Markdown table and
# Go's throughput ratio at concurrency 64; the raw JSON lines go to
# $BENCH_OUT (default: a temporary file, printed at the end), and the
# latency plot (scripts/bench/plot_serve.py) to $BENCH_PLOT when it is set:
#
#   BENCH_PLOT=docs/serve-latency.svg scripts/bench-serve.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
py=${TORCHGO_PYTHON:-/usr/bin/python3}
dur=${DURATION:-10s}
warm=${WARMUP:-2s}
concs=${CONCURRENCY:-1 8 64}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
out=${BENCH_OUT:-$work/results.jsonl}
: >"$out"

"$py" -c 'import fastapi, uvicorn' 2>/dev/null || {
  echo "bench-serve.sh: python3-fastapi and python3-uvicorn are missing: run scripts/setup.sh" >&2
  exit 1
}
go build -o "$work/serve" ./cmd/serve
go build -o "$work/loadgen" ./internal/cmd/loadgen

# Weights and request bodies.
PYTHONPATH=scripts "$py" - "$work" <<'PY'
import os, sys, torch, torchvision
from PIL import Image
from seednet import Net
work = sys.argv[1]
torch.manual_seed(0)
torch.save(Net().state_dict(), f"{work}/seed-net.pt")
torch.manual_seed(0)
torch.save(torchvision.models.resnet18().state_dict(), f"{work}/resnet18.pt")
os.makedirs(f"{work}/digits"); os.makedirs(f"{work}/photos")
try:
    digits = torchvision.datasets.MNIST("data", train=False, download=False).data[:64]
except Exception:
    digits = (torch.rand(64, 28, 28) * 255).to(torch.uint8)
for i, d in enumerate(digits):
    Image.fromarray(d.numpy(), "L").save(f"{work}/digits/{i}.png")
g = torch.Generator().manual_seed(0)
for i in range(32):
    small = (torch.rand(3, 14, 14, generator=g) * 255).to(torch.uint8)
    img = torch.nn.functional.interpolate(small[None].float(), size=(224, 224), mode="bilinear", align_corners=False)[0]
    Image.fromarray(img.clamp(0, 255).to(torch.uint8).permute(1, 2, 0).numpy(), "RGB").save(f"{work}/photos/{i}.jpg", quality=90)
PY

port=18480
wait_healthy() { # port pid
  for _ in $(seq 600); do
    curl -sf "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || { echo "bench-serve.sh: server exited" >&2; return 1; }
    sleep 0.1
  done
  echo "bench-serve.sh: server on port $1 never became healthy" >&2
  return 1
}

# run LABEL MODEL FILES CTYPE CORETYPE SIDE [ARGS...]: one server per concurrency.
run() {
  local label=$1 model=$2 files=$3 ctype=$4 coretype=$5 side=$6
  shift 6
  for c in $concs; do
    port=$((port + 1))
    if [ "$side" = go ]; then
      OPENBLAS_CORETYPE=$coretype "$work/serve" --model "$work/$model.pt" --arch "$model" --addr "127.0.0.1:$port" \
        --log-level warn "$@" 2>>"$work/server.log" &
    else
      OPENBLAS_CORETYPE=$coretype "$py" scripts/bench/serve_fastapi.py --arch "$model" --weights "$work/$model.pt" \
        --port "$port" 2>>"$work/server.log" &
    fi
    local pid=$!
    pids+=("$pid")
    wait_healthy "$port" "$pid"
    "$work/loadgen" --url "http://127.0.0.1:$port/predict" --files "$files" --content-type "$ctype" \
      --concurrency "$c" --duration "$dur" --warmup "$warm" --pid "$pid" --label "$label" >>"$out"
    kill -TERM "$pid"
    wait "$pid" || true
  done
}

# OPENBLAS_CORETYPE empty means OpenBLAS's own choice.
cores=$(nproc)
run "seed-net go" seed-net "$work/digits/*.png" image/png "" go --threads 1
run "seed-net fastapi" seed-net "$work/digits/*.png" image/png "" python
run "seed-net go --inexact" seed-net "$work/digits/*.png" image/png "" go --threads 1 --inexact
run "resnet18 go" resnet18 "$work/photos/*.jpg" image/jpeg Haswell go --workers "$cores" --threads 1 --max-batch 16 --channels-last
run "resnet18 fastapi" resnet18 "$work/photos/*.jpg" image/jpeg Haswell python
run "resnet18 go --max-batch 1" resnet18 "$work/photos/*.jpg" image/jpeg Haswell go --workers "$cores" --threads 1 --max-batch 1 --channels-last

# The ceiling: ResNet-18's forward alone in PyTorch, channels-last, on
# this machine's cores and OPENBLAS_CORETYPE, at batch size 1 and 8 (the
# largest size Go's exact batching runs here), as one forward at a time on
# every core or as one single-threaded forward per core at once. With the
# cores to itself and no HTTP or decoding, nothing serving this model on
# them answers faster than the best of these.
OPENBLAS_CORETYPE=Haswell "$py" - "$work/ceiling.json" <<'PY'
import json, os, sys, threading, time, torch, torchvision
cores = os.cpu_count()
m = torchvision.models.resnet18().eval().to(memory_format=torch.channels_last)
res = {}
def rate(b, parallel):
    x = torch.rand(b, 3, 224, 224).contiguous(memory_format=torch.channels_last)
    counts = [0] * parallel
    def loop(i):
        with torch.no_grad():
            m(x)
            start = time.perf_counter()
            while time.perf_counter() - start < 3:
                m(x)
                counts[i] += b
    ts = [threading.Thread(target=loop, args=(i,)) for i in range(parallel)]
    for t in ts: t.start()
    for t in ts: t.join()
    return sum(counts) / 3
for b in [1, 8]:
    torch.set_num_threads(cores)
    res[f"batch {b}, 1 forward x {cores} threads"] = rate(b, 1)
    torch.set_num_threads(1)
    res[f"batch {b}, {cores} forwards x 1 thread"] = rate(b, cores)
json.dump(res, open(sys.argv[1], "w"))
PY

"$py" - "$out" "$work/ceiling.json" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| server | concurrency | req/s | p50 ms | p99 ms | errors | peak RSS MiB |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for r in rows:
    print(f"| {r['label']} | {r['concurrency']} | {r['throughput']:.1f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
          f"{r['errors']} of {r['requests']} | {r['peak_rss_mib']:.0f} |")
by = {(r["label"], r["concurrency"]): r["throughput"] for r in rows}
print()
for model in ["seed-net", "resnet18"]:
    go, pyr = by.get((f"{model} go", 64)), by.get((f"{model} fastapi", 64))
    if go and pyr:
        print(f"{model}: Go / FastAPI throughput at concurrency 64: {go / pyr:.2f}x")
go, one = by.get(("resnet18 go", 64)), by.get(("resnet18 go --max-batch 1", 64))
if go and one:
    print(f"resnet18: Go dynamic batching / max batch 1 at concurrency 64: {go / one:.2f}x")
ceiling = json.load(open(sys.argv[2]))
print()
print("resnet18 forward alone in PyTorch, channels-last (img/s): " + "; ".join(f"{k}: {v:.1f}" for k, v in ceiling.items()))
PY
if [ -n "${BENCH_PLOT:-}" ]; then
  "$py" scripts/bench/plot_serve.py "$out" "$BENCH_PLOT"
  echo "latency plot: $BENCH_PLOT" >&2
fi
echo "raw results: $out (server logs: $work/server.log, removed on exit)" >&2
if [ -z "${BENCH_OUT:-}" ]; then cat "$out" >&2; fi
