// Package torchtest holds what the tests of packages built on torch share:
// a tensor in the form Python's peer exchanges (internal/pyref), a byte
// for byte comparison with it, and a settled live-tensor count. Package
// torch's own tests keep their copies: importing this would be a cycle.
package torchtest

import (
	"encoding/hex"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/torch"
)

// Enc turns t into the exchange form Python's dec() reads.
func Enc(t *torch.Tensor) pyref.Tensor {
	return pyref.Tensor{DType: t.DType().String(), Shape: t.Shape(), Hex: hex.EncodeToString(t.Contiguous().Bytes())}
}

// RequireSame fails tb unless got has want's dtype, shape and bytes.
func RequireSame(tb testing.TB, want pyref.Tensor, got *torch.Tensor, msg ...any) {
	tb.Helper()
	require.NotNil(tb, got, msg...)
	g := Enc(got)
	require.Equal(tb, want.DType, g.DType, msg...)
	require.Equal(tb, want.Shape, g.Shape, msg...)
	require.Equal(tb, want.Hex, g.Hex, msg...)
}

// SettledLiveTensors collects garbage until the cleanups of earlier tests'
// unreachable tensors have run, and returns the stable live count, so that
// they cannot change the count while a test measures.
func SettledLiveTensors() int64 {
	n := torch.LiveTensors()
	for i := 0; i < 50; i++ {
		runtime.GC()
		time.Sleep(2 * time.Millisecond)
		m := torch.LiveTensors()
		if m == n && i > 1 {
			break
		}
		n = m
	}
	return n
}

// RequireCUDA skips tb without a CUDA device, saying so, unless
// TORCHGO_REQUIRE_CUDA=1 (scripts/gpu-check.sh sets it), which fails it.
func RequireCUDA(tb testing.TB) {
	tb.Helper()
	if torch.CUDAIsAvailable() {
		return
	}
	if os.Getenv("TORCHGO_REQUIRE_CUDA") == "1" {
		tb.Fatalf("CUDA is not available (libtorch %s) but TORCHGO_REQUIRE_CUDA=1", torch.Version())
	}
	tb.Skipf("CUDA not available (libtorch %s): runs on a GPU machine through scripts/gpu-check.sh", torch.Version())
}
