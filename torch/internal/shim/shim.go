// Package shim compiles torchgo's C API over libtorch (shim.h). Go code calls
// it from package torch; this package only carries the C++ objects and the
// link flags, so that edits to Go code never recompile the C++.
//
// The default flags fit Debian's libtorch-dev. Another libtorch (the official
// zip, a pip-installed torch, a CUDA build) is selected with LIBTORCH=/path
// through scripts/env.sh, which exports CGO_CXXFLAGS and CGO_LDFLAGS; those
// come before these in the compiler's search order.
package shim

/*
#cgo CXXFLAGS: -std=c++17 -O2 -I/usr/include/torch/csrc/api/include -Wno-deprecated-declarations
#cgo LDFLAGS: -Wl,--no-as-needed -ltorch -ltorch_cpu -lc10 -Wl,--as-needed -lstdc++
#include "shim.h"
*/
import "C"
