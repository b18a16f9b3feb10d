package torch

import (
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
)

func TestAutogradMatchesPyTorch(t *testing.T) {
	var want map[string]pyref.Tensor
	pyref.Run(t, `
g = torch.Generator().manual_seed(3)
x = torch.randn(3, 4, generator=g).requires_grad_()
w = torch.randn(4, 2, generator=g).requires_grad_()
h = (x @ w).tanh()
h.retain_grad()
y = (h * 2).sum()
y.backward(retain_graph=True)
res = {"x": enc(x.grad), "w": enc(w.grad), "h": enc(h.grad), "y": enc(y)}
y.backward()  # accumulates
res["x2"] = enc(x.grad)
# backward with an explicit gradient of a non-scalar
v = torch.randn(3, generator=g).requires_grad_()
(v * v).backward(torch.tensor([1.0, 0.5, -1.0]))
res["v"] = enc(v.grad)
# second derivative through create_graph
z = torch.tensor(1.5, requires_grad=True)
dz, = torch.autograd.grad(z ** 3, z, create_graph=True)
dz.backward()
res["z"] = enc(z.grad)
out(res)
`, nil, &want)

	g := NewGenerator(3)
	x := Randn([]int64{3, 4}, g).SetRequiresGrad(true)
	w := Randn([]int64{4, 2}, g).SetRequiresGrad(true)
	h := x.MatMul(w).Tanh()
	h.RetainGrad()
	y := h.MulScalar(2).Sum()
	require.Equal(t, "SumBackward0", y.GradFn())
	require.False(t, y.IsLeaf())
	require.Equal(t, "", x.GradFn())
	y.BackwardWith(BackwardOptions{RetainGraph: true})
	requireSameTensor(t, want["y"], y)
	requireSameTensor(t, want["x"], x.Grad())
	requireSameTensor(t, want["w"], w.Grad())
	requireSameTensor(t, want["h"], h.Grad())
	y.Backward()
	requireSameTensor(t, want["x2"], x.Grad())

	v := Randn([]int64{3}, g).SetRequiresGrad(true)
	v.Mul(v).BackwardWith(BackwardOptions{Grad: FromSlice([]float32{1, 0.5, -1}, nil)})
	requireSameTensor(t, want["v"], v.Grad())

	// d²(z³)/dz² = 6z, by differentiating the gradient's own graph: the
	// first backward (create_graph) leaves z.grad = 3z² with a graph, which
	// is taken, cleared, and differentiated again.
	z := Scalar(1.5).SetRequiresGrad(true)
	z.PowScalar(3).BackwardWith(BackwardOptions{CreateGraph: true})
	dz := z.Grad()
	z.SetGrad(nil)
	dz.Backward()
	requireSameTensor(t, want["z"], z.Grad())

	// In-place zeroing through Grad, and clearing.
	x.Grad().Zero_()
	require.Equal(t, 0.0, x.Grad().Abs().Sum().Item())
	x.SetGrad(nil)
	require.Nil(t, x.Grad())
	require.Nil(t, Zeros([]int64{2}).Grad(), "no gradient yet")
	require.False(t, x.Detach().RequiresGrad())
}

func TestGradModeScopes(t *testing.T) {
	x := Ones([]int64{2}).SetRequiresGrad(true)
	require.True(t, IsGradEnabled())
	NoGrad(func() {
		require.False(t, IsGradEnabled())
		require.False(t, x.MulScalar(2).RequiresGrad())
		EnableGrad(func() {
			require.True(t, IsGradEnabled())
			require.True(t, x.MulScalar(2).RequiresGrad())
		})
		require.False(t, IsGradEnabled(), "EnableGrad restores the previous mode, not a fixed one")
	})
	require.True(t, IsGradEnabled())
	require.Panics(t, func() { NoGrad(func() { panic("boom") }) })
	require.True(t, IsGradEnabled(), "restored after a panic")
}

// Goroutines hop between OS threads and libtorch's grad mode is per thread:
// NoGrad must hold for its own goroutine only and leave no thread disabled.
func TestGradModeAcrossGoroutines(t *testing.T) {
	x := Ones([]int64{4}).SetRequiresGrad(true)
	var wg sync.WaitGroup
	errs := make(chan string, 1000)
	for i := 0; i < 64; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				if i%2 == 0 {
					NoGrad(func() {
						runtime.Gosched()
						if IsGradEnabled() || x.MulScalar(2).RequiresGrad() {
							errs <- "grad enabled inside NoGrad"
						}
					})
				} else {
					runtime.Gosched()
					if !IsGradEnabled() || !x.MulScalar(2).RequiresGrad() {
						errs <- "grad disabled outside NoGrad"
					}
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}
