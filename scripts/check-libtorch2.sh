#!/usr/bin/env bash
# Proves that torchgo builds and passes its Go tests against libtorch 2.6:
# Debian trixie's libtorch-dev and python3-torch, in a debootstrap chroot.
#
# The chroot is made once and kept under $TORCHGO_CACHE/trixie (default
# /var/cache/torchgo); a marker file written only after a complete set-up
# makes later runs reuse it. The host's Go toolchain, module cache and this
# checkout are bind-mounted in (no network is needed for Go modules), and the
# Go build cache inside lives under the cache dir, so a cached run only
# recompiles what changed. Every mount is undone on exit, pass or fail.
#
# Needs root (debootstrap, chroot, mount). Environment:
#   TORCHGO_CACHE        cache dir (default /var/cache/torchgo)
#   TORCHGO_TRIXIE_MIRROR  Debian mirror for debootstrap (default: its own)
#   TORCHGO_TEST_ARGS    extra arguments for go test (e.g. "-run Foo -v")
#   TORCHGO_CHECK_OUTPUT a file to keep go test's whole output in
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${TORCHGO_CACHE:-/var/cache/torchgo}
root=$cache/trixie
marker=$root/.torchgo-setup-complete
# Bump when the package list changes, so that old chroots are rebuilt.
setup_version=3
# python3-setuptools: PyTorch's op_db (torch.testing._internal) imports
# torch.utils.cpp_extension, which needs it.
packages=(libtorch-dev libgloo-dev g++ python3-torch python3-setuptools ca-certificates libopenblas0-pthread)

log() { echo "check-libtorch2: $*" >&2; }
die() { log "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot and mount need it)"
command -v go >/dev/null 2>&1 || die "go not found on PATH"
goroot=$(go env GOROOT)
gomodcache=$(go env GOMODCACHE)
[ -x "$goroot/bin/go" ] || die "GOROOT $goroot has no bin/go"
start=$SECONDS

# One run at a time per cache: a second one (another checkout, or test.sh
# started twice) waits here rather than stacking mounts on the first's.
mkdir -p "$cache"
exec 9>"$cache/.lock"
if ! flock -n 9; then
  log "another run holds $cache/.lock; waiting for it"
  flock 9
fi
start=$SECONDS  # timings below leave out the wait

# ---- mounts: tracked, and always undone ----
mounted=()
cleanup() {
  local rc=$? i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}" 2>/dev/null ||
      log "WARNING: could not unmount ${mounted[i]}"
  done
  mounted=()
  return $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# mount_in TYPE SRC DST [ro]: TYPE bind or proc/sysfs/devpts; DST under $root.
mount_in() {
  local type=$1 src=$2 dst=$root$3 ro=${4:-}
  mkdir -p "$dst"
  if mountpoint -q "$dst"; then
    die "$dst is already a mount point (another run in progress, or a leftover: umount it)"
  fi
  if [ "$type" = bind ]; then
    mount --bind "$src" "$dst"
    mounted+=("$dst")
    if [ "$ro" = ro ]; then mount -o remount,bind,ro "$dst"; fi
  else
    mount -t "$type" "$src" "$dst"
    mounted+=("$dst")
  fi
}

in_chroot() {
  chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    DEBIAN_FRONTEND=noninteractive "$@"
}

# ---- 1. the chroot ----
if [ -f "$marker" ] && [ "$(cat "$marker")" = "$setup_version" ]; then
  log "reusing $root"
elif [ -f "$marker" ]; then
  # A complete chroot of an older set-up: add what the list gained.
  log "updating $root from set-up $(cat "$marker") to $setup_version"
  cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
  mount_in proc proc /proc
  mount_in bind /dev /dev
  in_chroot apt-get update -q
  in_chroot apt-get install -y -q --no-install-recommends "${packages[@]}"
  in_chroot apt-get clean
  rm -rf "$root"/var/lib/apt/lists/*
  cleanup
  echo "$setup_version" >"$marker"
else
  log "setting up Debian trixie in $root (first run: several minutes)"
  if ! command -v debootstrap >/dev/null 2>&1; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap
  fi
  # Anything there without the marker is a half-made chroot: start over,
  # but never rm through a mount left behind by a killed run.
  if [ -e "$root" ]; then
    if grep -q " $root/" /proc/mounts; then die "mounts remain under $root: umount them first"; fi
    rm -rf --one-file-system "$root"
  fi
  mkdir -p "$cache"
  debootstrap --variant=minbase trixie "$root" ${TORCHGO_TRIXIE_MIRROR:+"$TORCHGO_TRIXIE_MIRROR"}
  # Host name resolution for apt; no documentation or man pages.
  cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
  cat >"$root/etc/dpkg/dpkg.cfg.d/01-torchgo-nodoc" <<'EOF'
path-exclude=/usr/share/doc/*
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/doc/*/copyright
EOF
  mount_in proc proc /proc
  mount_in bind /dev /dev
  in_chroot apt-get update -q
  in_chroot apt-get install -y -q --no-install-recommends "${packages[@]}"
  # python3-torchvision is optional: only where trixie has it and it installs.
  if in_chroot apt-cache show python3-torchvision >/dev/null 2>&1; then
    in_chroot apt-get install -y -q --no-install-recommends python3-torchvision ||
      log "python3-torchvision did not install; going on without it"
  else
    log "trixie has no python3-torchvision; going on without it"
  fi
  in_chroot apt-get clean
  rm -rf "$root"/var/lib/apt/lists/*
  cleanup
  echo "$setup_version" >"$marker"
  log "set-up done in $((SECONDS - start)) s ($(du -sh --one-file-system "$root" | cut -f1))"
fi

# ---- 2. mounts and the run ----
# The modules go.sum names, into the host's cache (a no-op once there), so
# that the chroot needs no network for them.
(cd "$repo" && go mod download)
mkdir -p "$cache/go-build-trixie" "$cache/gopath-trixie"
mount_in proc proc /proc
mount_in bind /dev /dev
torch_version=$(in_chroot /usr/bin/python3 -c 'import torch; print(torch.__version__)') ||
  die "python3 -c 'import torch' fails in the chroot"
log "torch $torch_version (python3-torch), libtorch-dev $(in_chroot dpkg-query -W -f='${Version}' libtorch-dev)"
mount_in bind "$goroot" /opt/go ro
mount_in bind "$gomodcache" /opt/gomodcache ro
mount_in bind "$repo" /src
# The recordings of Lightning 2.6.5 that the lightning tests compare with
# live in shared/ beside the checkout, as for the host's run.
if [ -d "$repo/../shared" ]; then
  mount_in bind "$(cd "$repo/../shared" && pwd)" /shared ro
fi
mount_in bind "$cache/go-build-trixie" /root/.cache/go-build
mount_in bind "$cache/gopath-trixie" /root/go

# One intra-op thread unless the caller says otherwise: Debian's libtorch
# 1.13 starts with at::get_num_threads() == 1, trixie's 2.6 with one per core,
# and on a small machine 2.6's spinning OpenMP workers, OpenBLAS's pthreads
# and go test's parallel packages fight over the cores (the seed model's
# training step went from ~8 ms to ~100+ ms on 2 cores).
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
# Pass through the test knobs (TORCHGO_*, e.g. TORCHGO_RSS_TRACE) and the
# thread-count variables, if set; everything else is a clean environment.
passenv=()
while IFS='=' read -r name _; do
  case $name in
    TORCHGO_CACHE | TORCHGO_PYTHON | TORCHGO_TEST_ARGS | TORCHGO_TRIXIE_MIRROR | TORCHGO_CHECK_OUTPUT) ;;
    TORCHGO_* | OMP_NUM_THREADS | OPENBLAS_NUM_THREADS) passenv+=("$name=${!name}") ;;
  esac
done < <(env)

outfile=$(mktemp)
set +e
chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 "${passenv[@]}" \
  PATH=/opt/go/bin:/usr/local/bin:/usr/bin:/bin \
  GOROOT=/opt/go GOPATH=/root/go GOMODCACHE=/opt/gomodcache GOCACHE=/root/.cache/go-build \
  GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GOSUMDB=off CGO_ENABLED=1 \
  TORCHGO_PYTHON=/usr/bin/python3 TEST_ARGS="${TORCHGO_TEST_ARGS:-}" \
  /bin/bash -c 'cd /src && go vet ./... && go test -count=1 -timeout 45m -v $TEST_ARGS ./...' 9>&- >"$outfile" 2>&1
rc=$?
set -e
# Package results and every skipped test with its reason; all output on failure.
if [ "$rc" = 0 ]; then
  grep -E '^(ok|FAIL|--- SKIP)[[:space:]]|^[[:space:]]+[a-z_]+_test\.go:[0-9]+: pyref' "$outfile" || true
else
  grep -vE '^(=== (RUN|PAUSE|CONT)|[[:space:]]*--- PASS)' "$outfile" || true
fi
[ -z "${TORCHGO_CHECK_OUTPUT:-}" ] || cp "$outfile" "$TORCHGO_CHECK_OUTPUT"
npkg=$(grep -cE '^ok[[:space:]]' "$outfile" || true)
nskip=$(grep -cE '^[[:space:]]*--- SKIP' "$outfile" || true)
nfail=$(grep -cE '^(FAIL|[[:space:]]*---[[:space:]]FAIL)' "$outfile" || true)
rm -f "$outfile"
cleanup

elapsed=$((SECONDS - start))
if [ "$rc" = 0 ]; then
  echo "libtorch 2.6 check: PASS (torch $torch_version, $npkg packages tested, $nskip tests skipped as listed above, ${elapsed} s)"
else
  echo "libtorch 2.6 check: FAIL (torch $torch_version, go vet/test exit $rc, $nfail FAIL lines, ${elapsed} s)"
  exit 1
fi
