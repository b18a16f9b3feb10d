package torch

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
)

// Shape mismatches in MatMul, convolution, Linear, Backward and an optimizer
// step reach Go as errors with libtorch's message (exactly what Python shows,
// without the C++ backtrace), and the process goes on.
func TestShapeErrorsCarryLibtorchMessage(t *testing.T) {
	var want map[string]string
	pyref.Run(t, `
import torch.nn.functional as F
def msg(f):
    try:
        f()
    except RuntimeError as e:
        return str(e)
    return "no error"
p = torch.zeros(3, requires_grad=True)
out({
 "MatMul": msg(lambda: torch.ones(2, 3) @ torch.ones(4, 5)),
 "Conv2d": msg(lambda: F.conv2d(torch.ones(1, 2, 8, 8), torch.ones(4, 1, 3, 3))),
 "Linear": msg(lambda: F.linear(torch.ones(5, 784), torch.ones(100, 783))),
 "Backward": msg(lambda: (p * 2).backward()),
 "AddScaled_": msg(lambda: p.detach().add_(torch.ones(4), alpha=-0.1)),
 "MaxPool2d": msg(lambda: F.max_pool2d(torch.ones(1, 1, 1, 1), 2)),
})
`, nil, &want)
	p := Zeros([]int64{3}).SetRequiresGrad(true)
	cases := map[string]func(){
		"MatMul":     func() { Ones([]int64{2, 3}).MatMul(Ones([]int64{4, 5})) },
		"Conv2d":     func() { Conv2d(Ones([]int64{1, 2, 8, 8}), Ones([]int64{4, 1, 3, 3}), nil, ConvOptions{}) },
		"Linear":     func() { Linear(Ones([]int64{5, 784}), Ones([]int64{100, 783}), nil) },
		"Backward":   func() { p.MulScalar(2).Backward() },
		"AddScaled_": func() { p.Detach().AddScaled_(Ones([]int64{4}), -0.1) },
		"MaxPool2d":  func() { MaxPool2d(Ones([]int64{1, 1, 1, 1}), PoolOptions{Kernel: []int64{2}}) },
	}
	for op, f := range cases {
		require.NotEqual(t, "no error", want[op])
		e := requireTorchError(t, op, "", f)
		require.Equal(t, want[op], e.Msg, op)
	}
	// The process goes on and libtorch still works.
	require.Equal(t, 4.0, Ones([]int64{2, 2}).Sum().Item())
}

func TestBadInputIsAnErrorNamingTheOp(t *testing.T) {
	var nilT *Tensor
	closed := Ones([]int64{2})
	closed.Close()
	closed.Close() // idempotent
	var freed *Tensor
	WithScope(func(s *Scope) { freed = Ones([]int64{2}) })

	requireTorchError(t, "Add", "nil", func() { Ones([]int64{2}).Add(nilT) })
	requireTorchError(t, "Exp", "nil", func() { nilT.Exp() })
	requireTorchError(t, "Sum", "closed", func() { closed.Sum() })
	requireTorchError(t, "Mul", "freed", func() { freed.Mul(freed) })
	requireTorchError(t, "Zeros", "negative dimension", func() { Zeros([]int64{2, -1}) })
	requireTorchError(t, "Randperm", "negative dimension", func() { Randperm(-3) })
	requireTorchError(t, "Select", "out of range", func() { Ones([]int64{2, 3}).Select(0, 5) })
	requireTorchError(t, "IndexSelect", "out of DATA bounds", func() { Ones([]int64{2, 3}).IndexSelect(1, FromSlice([]int64{7}, nil)) })
	requireTorchError(t, "Index", "out of bounds", func() { Ones([]int64{2, 3}).Index(FromSlice([]int64{9}, nil)) })
	requireTorchError(t, "View", "invalid for input of size", func() { Ones([]int64{2, 3}).View(4, 2) })
	requireTorchError(t, "Linear", "expected", func() { Linear(Ones([]int64{2, 3}, Float64), Ones([]int64{4, 3}), nil) })
	requireTorchError(t, "SetRequiresGrad", "floating point", func() { Ones([]int64{2}, Int64).SetRequiresGrad(true) })
	requireTorchError(t, "AddScalar", "unsupported scalar type string", func() { Ones([]int64{2}).AddScalar("1") })
	requireTorchError(t, "Dropout", "probability", func() { Dropout(Ones([]int64{2}), 1.5, true) })
	if !CUDAIsAvailable() {
		requireTorchError(t, "To", "", func() { Ones([]int64{2}).To(CUDA(0)) })
	}
	require.Equal(t, "tensor(<nil>)", nilT.String())
	require.Equal(t, "tensor(<closed>)", closed.String())
	require.Contains(t, freed.String(), "freed")

	err := Catch(func() error { Ones([]int64{2}).MatMul(Ones([]int64{3})); return nil })
	require.EqualError(t, err, "torch: MatMul: inconsistent tensor size, expected tensor [2] and src [3] to have the same number of elements, but got 2 and 3 elements respectively")
	require.Panics(t, func() { _ = Catch(func() error { panic("not a torch error") }) }, "other panics propagate")
}
