package torch

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
)

// requireCUDA skips without a CUDA device, saying so, unless
// TORCHGO_REQUIRE_CUDA=1 (scripts/gpu-check.sh sets it), which fails; as
// internal/torchtest.RequireCUDA, which package torch cannot import.
func requireCUDA(t *testing.T) {
	t.Helper()
	if CUDAIsAvailable() {
		return
	}
	if os.Getenv("TORCHGO_REQUIRE_CUDA") == "1" {
		t.Fatalf("CUDA is not available (libtorch %s) but TORCHGO_REQUIRE_CUDA=1", Version())
	}
	t.Skipf("CUDA not available (libtorch %s): runs on a GPU machine through scripts/gpu-check.sh", Version())
}

// The seed model's step on the GPU gives the CPU's loss and gradients to
// float32 rounding, and tensors come back to the CPU intact.
func TestCUDAStepMatchesCPU(t *testing.T) {
	requireCUDA(t)
	g := NewGenerator(0)
	x := Randn([]int64{8, 1, 28, 28}, g)
	y := Randint(0, 10, []int64{8}, g)
	w := Randn([]int64{4, 1, 3, 3}, g).MulScalar(0.1)
	fw := Randn([]int64{10, 784}, g).MulScalar(0.01)
	step := func(dev Device) (float64, []float32, []float32) {
		cw := w.To(dev).SetRequiresGrad(true)
		cfw := fw.To(dev).SetRequiresGrad(true)
		h := MaxPool2d(Conv2d(x.To(dev), cw, nil, ConvOptions{Padding: []int64{1}}), PoolOptions{Kernel: []int64{2}})
		loss := CrossEntropy(Linear(h.View(-1, 784), cfw, nil), y.To(dev), CrossEntropyOptions{})
		loss.Backward()
		return loss.Item(), ToSlice[float32](cw.Grad().To(CPU)), ToSlice[float32](cfw.Grad().To(CPU))
	}
	l0, gw0, gf0 := step(CPU)
	l1, gw1, gf1 := step(CUDA(0))
	require.InDelta(t, l0, l1, 1e-5)
	require.InDeltaSlice(t, gw0, gw1, 1e-4)
	require.InDeltaSlice(t, gf0, gf1, 1e-4)
	require.Equal(t, ToSlice[float32](x), ToSlice[float32](x.To(CUDA(0)).To(CPU)), "a round trip is exact")
}

// CUDA autocast runs matmuls in float16 or bfloat16 and losses in float32.
func TestCUDAAutocast(t *testing.T) {
	requireCUDA(t)
	x := Randn([]int64{4, 8}).To(CUDA(0))
	w := Randn([]int64{3, 8}).To(CUDA(0)).SetRequiresGrad(true)
	for _, dt := range []DType{Float16, BFloat16} {
		var y, loss *Tensor
		Autocast(CUDA(0), dt, func() {
			y = Linear(x, w, nil)
			loss = MSELoss(y, ZerosLike(y), ReduceMean)
		})
		require.Equal(t, dt, y.DType())
		require.Equal(t, Float32, loss.DType())
		loss.Backward()
		require.Equal(t, Float32, w.Grad().DType(), "master weights' gradients stay float32")
		w.SetGrad(nil)
	}
}

// Pinned memory: without CUDA, PinMemory fails as Python's pin_memory does
// (same message); with it, pinned tensors copy to the GPU without blocking.
func TestPinMemory(t *testing.T) {
	x := Arange(0, 6, 1, Float32)
	require.False(t, x.IsPinned())
	if !CUDAIsAvailable() {
		var want string
		pyref.Run(t, `
try:
    torch.arange(6.).pin_memory()
    out("")
except RuntimeError as e:
    out(str(e))
`, nil, &want)
		require.NotEmpty(t, want, "Python pinned memory without CUDA")
		err := Catch(func() error { x.PinMemory(); return nil })
		require.Error(t, err)
		require.Equal(t, "torch: PinMemory: "+want, err.Error())
		return
	}
	p := x.PinMemory()
	require.True(t, p.IsPinned())
	g := p.To(CUDA(0), NonBlocking)
	CUDASynchronize(0)
	require.Equal(t, ToSlice[float32](x), ToSlice[float32](g.To(CPU)))
}

// The allocator's statistics follow a tensor's allocation and release;
// without CUDA (or CUDA's headers at build time) they return an error.
func TestCUDAMemoryStats(t *testing.T) {
	if !CUDAIsAvailable() {
		_, err := CUDAMemoryStats(0)
		require.Error(t, err)
		require.Error(t, CUDAEmptyCache())
		requireCUDA(t) // skips, saying why
	}
	require.NoError(t, CUDAEmptyCache())
	before, err := CUDAMemoryStats(0)
	require.NoError(t, err)
	x := Zeros([]int64{1 << 20}).To(CUDA(0)) // 4 MiB
	during, err := CUDAMemoryStats(0)
	require.NoError(t, err)
	require.GreaterOrEqual(t, during.Allocated-before.Allocated, int64(4<<20))
	require.GreaterOrEqual(t, during.PeakAllocated, during.Allocated)
	x.Close()
	require.NoError(t, CUDAEmptyCache())
	after, err := CUDAMemoryStats(0)
	require.NoError(t, err)
	require.Equal(t, before.Allocated, after.Allocated)
	require.LessOrEqual(t, after.Reserved, during.Reserved)
}
