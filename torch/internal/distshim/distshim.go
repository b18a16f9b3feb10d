// Package distshim compiles torchgo's C API over c10d (dist.h): Gloo
// process groups and DDP's gradient buckets. Package torch/distributed
// calls it; it is separate from the main shim so that programs that do not
// train on several processes neither compile nor need Gloo's headers
// (Debian's libgloo-dev, which scripts/setup.sh installs).
package distshim

/*
#cgo CFLAGS: -I${SRCDIR}/../shim
#cgo CXXFLAGS: -std=c++17 -O2 -DUSE_C10D_GLOO -I${SRCDIR}/../shim -I/usr/include/torch/csrc/api/include -Wno-deprecated-declarations
#cgo LDFLAGS: -Wl,--no-as-needed -ltorch -ltorch_cpu -lc10 -Wl,--as-needed -lstdc++
#include "dist.h"
*/
import "C"

import _ "github.com/torchgo/torchgo/torch/internal/shim" // tg::T and tg::wrap
