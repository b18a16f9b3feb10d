#!/usr/bin/env bash
# Runs every test: set-up, go vet, the Go tests (which compare against
# Debian's python3-torch), then the same suite against libtorch 2.6 in a
# Debian trixie chroot (skip that part with TORCHGO_SKIP_LIBTORCH2=1).
# serve's memory soak runs its full 5 minutes here (TORCHGO_SOAK=0 for 3 s)
# and in the 1.13 suite only.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. scripts/env.sh
go vet ./...
TORCHGO_SOAK=${TORCHGO_SOAK:-1} go test -count=1 -timeout 45m ./...
if [ "${TORCHGO_SKIP_LIBTORCH2:-0}" != 1 ] && [ -x scripts/check-libtorch2.sh ]; then
  scripts/check-libtorch2.sh
fi
