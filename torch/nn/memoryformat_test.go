package nn

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/torch"
)

// Module.To(torch.ChannelsLast) and Tensor.To(torch.ChannelsLast) lay
// tensors out as module.to(memory_format=torch.channels_last) and
// tensor.to(memory_format=...) do: the same strides, and a forward on them
// gives PyTorch's channels-last answer bit for bit.
func TestChannelsLastMatchesPyTorch(t *testing.T) {
	var want struct {
		Conv, Bias, Linear, X, X3 []int64
		In, Out                   pyref.Tensor
		State                     map[string]pyref.Tensor
	}
	pyref.Run(t, `
torch.manual_seed(0)
m = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.BatchNorm2d(8), torch.nn.ReLU(),
                        torch.nn.Flatten(), torch.nn.Linear(8 * 4 * 4, 5)).eval()
state = {k: enc(v) for k, v in m.state_dict().items()}
m.to(memory_format=torch.channels_last)
x = torch.rand(2, 3, 6, 6)
xc = x.to(memory_format=torch.channels_last)
with torch.no_grad():
    y = m(xc)
out({"Conv": list(m[0].weight.stride()), "Bias": list(m[0].bias.stride()), "Linear": list(m[4].weight.stride()),
     "X": list(xc.stride()), "X3": list(torch.rand(2, 3, 4, 5, 6).to(memory_format=torch.channels_last_3d).stride()),
     "In": enc(x), "Out": enc(y), "State": state})
`, nil, &want)
	conv, bn, lin := NewConv2d(3, 8, 3, ConvConfig{}), NewBatchNorm2d(8, BatchNormConfig{}), NewLinear(8*4*4, 5)
	m := NewSequential(conv, bn, NewReLU(), NewFlatten(), lin)
	m.Eval()
	var sd []Named
	for k, v := range want.State {
		sd = append(sd, Named{k, pcDecode(t, v)})
	}
	_, err := m.LoadStateDict(sd, true)
	require.NoError(t, err)
	m.To(torch.ChannelsLast)
	require.Equal(t, want.Conv, conv.Weight.Strides(), "conv weight")
	require.Equal(t, want.Bias, conv.Bias.Strides(), "conv bias: not 4-D, left alone")
	require.Equal(t, want.Linear, lin.Weight.Strides(), "linear weight: not 4-D, left alone")
	x := pcDecode(t, want.In).To(torch.ChannelsLast)
	require.Equal(t, want.X, x.Strides(), "input")
	require.Equal(t, want.X3, torch.Rand([]int64{2, 3, 4, 5, 6}).To(torch.ChannelsLast3d).Strides(), "5-D input")
	torch.NoGrad(func() {
		requireSame(t, want.Out, m.Forward(x), "channels-last forward")
	})
}
