package torch

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
)

// Under CPU autocast to bfloat16, linear and conv2d compute in bfloat16,
// mse_loss in float32, and gradients reach the float32 weights as float32:
// every value equals torch.autocast("cpu", dtype=torch.bfloat16)'s.
func TestAutocastMatchesPyTorch(t *testing.T) {
	pyref.Python(t)
	g := NewGenerator(0)
	x := Randn([]int64{2, 1, 6, 6}, g)
	cw := Randn([]int64{3, 1, 3, 3}, g).SetRequiresGrad(true)
	w := Randn([]int64{4, 48}, g).SetRequiresGrad(true)
	var y, loss *Tensor
	Autocast(CPU, BFloat16, func() {
		h := Conv2d(x, cw, nil, ConvOptions{})
		y = Linear(h.View(2, 48), w, nil)
		loss = MSELoss(y, ZerosLike(y), ReduceMean)
	})
	loss.Backward()
	require.Equal(t, BFloat16, y.DType())
	require.Equal(t, Float32, loss.DType())
	after := Linear(x.View(2, 36), Randn([]int64{4, 36}, g), nil)
	require.Equal(t, Float32, after.DType(), "autocast ends with Autocast")

	var want struct{ Y, Loss, GW, GCW pyref.Tensor }
	pyref.Run(t, `
import torch.nn.functional as F
x, cw, w = dec(IN["x"]), dec(IN["cw"]).requires_grad_(), dec(IN["w"]).requires_grad_()
with torch.autocast("cpu", dtype=torch.bfloat16):
    y = F.linear(F.conv2d(x, cw).view(2, 48), w)
    loss = F.mse_loss(y, torch.zeros_like(y))
loss.backward()
out({"Y": enc(y), "Loss": enc(loss), "GW": enc(w.grad), "GCW": enc(cw.grad)})
`, map[string]pyref.Tensor{"x": enc(x), "cw": enc(cw), "w": enc(w)}, &want)
	requireSameTensor(t, want.Y, y)
	requireSameTensor(t, want.Loss, loss)
	requireSameTensor(t, want.GW, w.Grad())
	requireSameTensor(t, want.GCW, cw.Grad())

	err := Catch(func() error { Autocast(CPU, Float16, func() {}); return nil })
	require.ErrorContains(t, err, "in CPU autocast, only BFloat16 is supported")
}
