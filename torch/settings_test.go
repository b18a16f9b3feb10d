package torch

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
)

func TestThreadsAndDeterminism(t *testing.T) {
	n := NumThreads()
	require.Greater(t, n, 0)
	SetNumThreads(1)
	require.Equal(t, 1, NumThreads())
	SetNumThreads(n)
	require.Equal(t, n, NumThreads())
	requireTorchError(t, "SetNumThreads", "positive", func() { SetNumThreads(0) })
	require.Greater(t, NumInteropThreads(), 0)
	require.Error(t, SetNumInteropThreads(-1))

	require.False(t, DeterministicAlgorithmsEnabled())
	UseDeterministicAlgorithms(true, false)
	require.True(t, DeterministicAlgorithmsEnabled())
	UseDeterministicAlgorithms(false, false)
	require.False(t, DeterministicAlgorithmsEnabled())

	d, b := CuDNNFlags()
	SetCuDNN(true, true)
	d2, b2 := CuDNNFlags()
	require.True(t, d2)
	require.True(t, b2)
	SetCuDNN(d, b)
}

func TestDevices(t *testing.T) {
	require.Equal(t, "cpu", CPU.String())
	require.Equal(t, "cuda:1", CUDA(1).String())
	d, err := ParseDevice("cuda:2")
	require.NoError(t, err)
	require.Equal(t, CUDA(2), d)
	_, err = ParseDevice("tpu")
	require.Error(t, err)
	_, err = ParseDevice("cuda:x")
	require.Error(t, err)
	if !CUDAIsAvailable() {
		require.Equal(t, 0, CUDADeviceCount())
		t.Log("CUDA not available: CUDA device tests run on the GPU machine (scripts/gpu-check.sh)")
	}
	var info map[string]any
	pyref.Run(t, `out({"cuda": torch.cuda.is_available(), "version": torch.__version__})`, nil, &info)
	if !CUDAIsAvailable() {
		require.Equal(t, false, info["cuda"], "Go and Python agree on CUDA availability on this machine")
	}
	require.Contains(t, info["version"], Version()[:4], "the Python peer runs the same libtorch")
}

func TestStringMatchesPyTorchRepr(t *testing.T) {
	var want map[string]string
	pyref.Run(t, `
g = torch.Generator().manual_seed(5)
x = torch.randn(3, 4, generator=g, dtype=torch.float64).requires_grad_()
out({
 "f32": repr(torch.arange(6.).view(2, 3)),
 "f64grad": repr(x),
 "gradfn": repr(x * 2),
 "int": repr(torch.arange(5)),
 "i32": repr(torch.arange(3, dtype=torch.int32)),
 "bool": repr(torch.tensor([True, False])),
 "scalar": repr(torch.tensor(3.25)),
 "empty": repr(torch.zeros(0, 3)),
 "half": repr(torch.linspace(0, 1, 5).half()),
 "big": repr(torch.arange(2000.).view(40, 50)),
 "sci": repr(torch.tensor([1e-8, 1.0, 1e8])),
})
`, nil, &want)
	x := Randn([]int64{3, 4}, NewGenerator(5), Float64).SetRequiresGrad(true)
	got := map[string]string{
		"f32":     Arange(0.0, 6.0, 1.0).View(2, 3).String(),
		"f64grad": x.String(),
		"gradfn":  x.MulScalar(2).String(),
		"int":     Arange(0, 5, 1).String(),
		"i32":     Arange(0, 3, 1, Int32).String(),
		"bool":    FromSlice([]bool{true, false}, nil).String(),
		"scalar":  Scalar(3.25).String(),
		"empty":   Zeros([]int64{0, 3}).String(),
		"half":    Linspace(0, 1, 5).To(Float16).String(),
		"big":     Arange(0.0, 2000.0, 1.0).View(40, 50).String(),
		"sci":     FromSlice([]float32{1e-8, 1, 1e8}, nil).String(),
	}
	for k, w := range want {
		require.Equal(t, w, got[k], k)
	}
}

// Every OS thread sees the same intra-op thread count, and it is PyTorch's.
func TestThreadCountIsPinnedAndPyTorchs(t *testing.T) {
	var py int
	pyref.Run(t, `out(torch.get_num_threads())`, nil, &py)
	require.Equal(t, py, NumThreads())
	counts := make(chan int, 8)
	for i := 0; i < 8; i++ {
		go func() {
			runtime.LockOSThread() // a fresh thread each: a locked goroutine's thread exits with it
			counts <- NumThreads()
		}()
	}
	for i := 0; i < 8; i++ {
		require.Equal(t, py, <-counts)
	}
}
