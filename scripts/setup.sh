#!/usr/bin/env bash
# Installs what torchgo needs, idempotently: libtorch (Debian's libtorch-dev
# 1.13, unless LIBTORCH points at another), OpenBLAS (without it Debian's
# libtorch falls back to the reference BLAS and trains about 4x slower), and
# the test peers python3-torch and python3-torchvision.
set -euo pipefail

packages=(g++ libopenblas0-pthread python3-torch python3-torchvision)
[ -n "${LIBTORCH:-}" ] || packages+=(libtorch-dev)

if ! command -v go >/dev/null 2>&1; then
  echo "setup.sh: Go 1.24 or newer is required (https://go.dev/doc/install)" >&2
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
