package torch

/*
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"os"
	"strconv"
)

// SetNumThreads sets the number of threads libtorch uses inside one op
// (torch.set_num_threads). n must be positive.
func SetNumThreads(n int) {
	if n <= 0 {
		panic(errorf("SetNumThreads", "thread count must be positive, got %d", n))
	}
	check("SetNumThreads", C.tg_set_num_threads(C.int(n)))
}

// NumThreads is the number of threads libtorch uses inside one op.
func NumThreads() int { return int(C.tg_get_num_threads()) }

// SetNumInteropThreads sets the size of libtorch's inter-op pool. As in
// PyTorch it can be set once, before any parallel work; later calls fail.
func SetNumInteropThreads(n int) error {
	if n <= 0 {
		return fmt.Errorf("torch: SetNumInteropThreads: thread count must be positive, got %d", n)
	}
	return Catch(func() error {
		check("SetNumInteropThreads", C.tg_set_num_interop_threads(C.int(n)))
		return nil
	})
}

// NumInteropThreads is the size of libtorch's inter-op pool.
func NumInteropThreads() int { return int(C.tg_get_num_interop_threads()) }

// UseDeterministicAlgorithms makes ops use deterministic implementations
// and fail (or, with warnOnly, warn) where none exists, like
// torch.use_deterministic_algorithms.
func UseDeterministicAlgorithms(on, warnOnly bool) {
	check("UseDeterministicAlgorithms", C.tg_set_deterministic(cbool(on), cbool(warnOnly)))
}

// DeterministicAlgorithmsEnabled reports the setting of UseDeterministicAlgorithms.
func DeterministicAlgorithmsEnabled() bool { return C.tg_get_deterministic() != 0 }

// SetCuDNN sets torch.backends.cudnn.deterministic and .benchmark.
func SetCuDNN(deterministic, benchmark bool) {
	C.tg_set_cudnn(cbool(deterministic), cbool(benchmark))
}

// CuDNNFlags returns torch.backends.cudnn.deterministic and .benchmark.
func CuDNNFlags() (deterministic, benchmark bool) {
	var d, b C.int
	C.tg_get_cudnn(&d, &b)
	return d != 0, b != 0
}

// Version is the version of the libtorch linked in, e.g. "1.13.0".
func Version() string { return C.GoString(C.tg_version()) }

// init pins libtorch's intra-op thread count once, process-wide, to what
// PyTorch would use: libtorch's default as seen from the main thread (where
// package initialisation runs), or TORCHGO_NUM_THREADS. Unpinned, libtorch
// reads the count from the OpenMP state of whichever OS thread runs an op,
// and the threads Go starts see OpenMP's own default instead of PyTorch's:
// on a 2-core machine 2 threads instead of 1, which made training 2x slower
// (OpenBLAS runs its own threads too) and changed the rounding of some
// kernels (conv weight gradients) relative to Python. It also tunes glibc's
// malloc (tuneMalloc).
func init() {
	n := int(C.tg_get_num_threads())
	if s := os.Getenv("TORCHGO_NUM_THREADS"); s != "" {
		if v, err := strconv.Atoi(s); err == nil && v > 0 {
			n = v
		}
	}
	C.tg_set_num_threads(C.int(n))
	tuneMalloc()
}

// tuneMalloc keeps a training step's freed buffers for the next step.
// glibc's defaults return the top of the heap to the system once 128 KiB
// (growing with the largest freed mapping) are free there, so every step
// of the seed's model gave its activations back and page-faulted them in
// again: 2.8 million page faults and 1.95 s per epoch without validation,
// 0.85 s with these settings (examples/mnist, 3 epochs). Allocations up to
// 32 MiB come from the heap, and up to 256 MiB of free heap is kept.
// Setting any of glibc's MALLOC_*_ variables, or TORCHGO_MALLOC=default,
// leaves malloc as it is.
func tuneMalloc() {
	if os.Getenv("TORCHGO_MALLOC") == "default" {
		return
	}
	for _, v := range []string{"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_", "GLIBC_TUNABLES"} {
		if _, ok := os.LookupEnv(v); ok {
			return
		}
	}
	C.tg_tune_malloc(32<<20, 256<<20)
}
