package nn

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/torch"
)

func TestConvLayersMatchPyTorch(t *testing.T) {
	x1 := func(shape string) []string { return []string{"~torch.randn(" + shape + ", generator=g)"} }
	runPyCases(t, []pyCase{
		{name: "Conv1d", py: "nn.Conv1d(4, 6, 3, stride=2, padding=1)", in: x1("2, 4, 9"),
			build: func() Layer { return NewConv1d(4, 6, 3, ConvConfig{Stride: 2, Padding: 1}) }},
		{name: "Conv1dUnbatchedSameDilated", py: "nn.Conv1d(2, 4, 3, padding='same', dilation=2, groups=2, bias=False)", in: x1("2, 10"),
			build: func() Layer {
				return NewConv1d(2, 4, 3, ConvConfig{PaddingSame: true, Dilation: 2, Groups: 2, NoBias: true})
			}},
		{name: "Conv1dReflect", py: "nn.Conv1d(3, 2, 4, padding=2, padding_mode='reflect')", in: x1("2, 3, 7"),
			build: func() Layer { return NewConv1d(3, 2, 4, ConvConfig{Padding: 2, PaddingMode: "reflect"}) }},
		{name: "Conv2dTuples", py: "nn.Conv2d(3, 4, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2))", in: x1("2, 3, 8, 7"),
			build: func() Layer {
				return NewConv2d(3, 4, 0, ConvConfig{KernelSize: []int64{3, 2}, Strides: []int64{2, 1}, Paddings: []int64{1, 0}, Dilations: []int64{1, 2}})
			}},
		{name: "Conv2dCircular", py: "nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode='circular')", in: x1("1, 2, 5, 6"),
			build: func() Layer { return NewConv2d(2, 3, 3, ConvConfig{Paddings: []int64{1, 2}, PaddingMode: "circular"}) }},
		{name: "Conv2dReplicateSame", py: "nn.Conv2d(2, 2, (2, 4), padding='same', padding_mode='replicate')", in: x1("1, 2, 5, 6"),
			build: func() Layer {
				return NewConv2d(2, 2, 0, ConvConfig{KernelSize: []int64{2, 4}, PaddingSame: true, PaddingMode: "replicate"})
			}},
		{name: "Conv2dFloat64", py: "nn.Conv2d(2, 4, 3, groups=2).double()", in: x1("2, 2, 5, 5, dtype=torch.float64"),
			build: func() Layer { return NewConv2d(2, 4, 3, ConvConfig{Groups: 2}) }, double: true},
		{name: "Conv1dFactoryFloat64", py: "nn.Conv1d(2, 3, 2, dtype=torch.float64)", in: x1("1, 2, 5, dtype=torch.float64"),
			build: func() Layer { return NewConv1d(2, 3, 2, ConvConfig{Factory: []torch.Option{torch.Float64}}) }},
		{name: "Conv3d", py: "nn.Conv3d(2, 3, 3, stride=(1, 2, 1), padding=1)", in: x1("2, 2, 4, 5, 6"),
			build: func() Layer { return NewConv3d(2, 3, 3, ConvConfig{Strides: []int64{1, 2, 1}, Padding: 1}) }},
		{name: "Conv3dUnbatchedSame", py: "nn.Conv3d(2, 2, (1, 2, 3), padding='same', bias=False)", in: x1("2, 3, 4, 5"),
			build: func() Layer {
				return NewConv3d(2, 2, 0, ConvConfig{KernelSize: []int64{1, 2, 3}, PaddingSame: true, NoBias: true})
			}},
		{name: "Conv3dReflect", py: "nn.Conv3d(1, 2, 2, padding=1, padding_mode='reflect')", in: x1("1, 1, 3, 4, 3"),
			build: func() Layer { return NewConv3d(1, 2, 2, ConvConfig{Padding: 1, PaddingMode: "reflect"}) }},
		{name: "ConvTranspose1d", py: "nn.ConvTranspose1d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2, dilation=2)", in: x1("2, 4, 5"),
			build: func() Layer {
				return NewConvTranspose1d(4, 6, 3, ConvTransposeConfig{Stride: 2, Padding: 1, OutputPadding: 1, Groups: 2, Dilation: 2})
			}},
		{name: "ConvTranspose1dUnbatched", py: "nn.ConvTranspose1d(3, 2, 2, bias=False)", in: x1("3, 4"),
			build: func() Layer { return NewConvTranspose1d(3, 2, 2, ConvTransposeConfig{NoBias: true}) }},
		{name: "ConvTranspose2d", py: "nn.ConvTranspose2d(3, 2, (3, 2), stride=(2, 1), padding=(1, 0))", in: x1("2, 3, 4, 5"),
			build: func() Layer {
				return NewConvTranspose2d(3, 2, 0, ConvTransposeConfig{KernelSize: []int64{3, 2}, Strides: []int64{2, 1}, Paddings: []int64{1, 0}})
			}},
		{name: "ConvTranspose2dOutputSize", py: "nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)", in: x1("1, 2, 4, 4"),
			pyFwd: "layer(xs[0], output_size=[8, 7])",
			build: func() Layer { return NewConvTranspose2d(2, 3, 3, ConvTransposeConfig{Stride: 2, Padding: 1}) },
			forward: func(l Layer, xs []*torch.Tensor) []*torch.Tensor {
				return []*torch.Tensor{l.(*ConvTranspose2d).ForwardOutputSize(xs[0], []int64{8, 7})}
			}},
		{name: "ConvTranspose3d", py: "nn.ConvTranspose3d(2, 4, 2, stride=2, groups=2)", in: x1("2, 2, 2, 3, 2"),
			build: func() Layer { return NewConvTranspose3d(2, 4, 2, ConvTransposeConfig{Stride: 2, Groups: 2}) }},
		{name: "ConvTranspose3dOutputSize", py: "nn.ConvTranspose3d(2, 1, 3, stride=(2, 2, 1), padding=1)", in: x1("2, 3, 3, 4"),
			pyFwd: "layer(xs[0], output_size=[1, 6, 5, 4])",
			build: func() Layer {
				return NewConvTranspose3d(2, 1, 3, ConvTransposeConfig{Strides: []int64{2, 2, 1}, Padding: 1})
			},
			forward: func(l Layer, xs []*torch.Tensor) []*torch.Tensor {
				return []*torch.Tensor{l.(*ConvTranspose3d).ForwardOutputSize(xs[0], []int64{1, 6, 5, 4})}
			}},
	})
}

// The constructors refuse what PyTorch's refuse, with its messages.
func TestConvArgumentErrors(t *testing.T) {
	for _, c := range []struct {
		f   func()
		msg string
	}{
		{func() { NewConv2d(3, 4, 3, ConvConfig{Groups: 2}) }, "in_channels must be divisible by groups"},
		{func() { NewConv2d(4, 3, 3, ConvConfig{Groups: 2}) }, "out_channels must be divisible by groups"},
		{func() { NewConv1d(4, 4, 3, ConvConfig{Groups: -1}) }, "groups must be a positive integer"},
		{func() { NewConv2d(2, 2, 3, ConvConfig{PaddingSame: true, Stride: 2}) }, "padding='same' is not supported for strided convolutions"},
		{func() { NewConv3d(2, 2, 3, ConvConfig{PaddingMode: "mirror"}) }, "padding_mode must be one of"},
		{func() { NewConvTranspose2d(2, 3, 3, ConvTransposeConfig{Groups: 2}) }, "out_channels must be divisible by groups"},
	} {
		err := torch.Catch(func() error { c.f(); return nil })
		require.ErrorContains(t, err, c.msg)
	}
	l := NewConvTranspose2d(2, 3, 3, ConvTransposeConfig{Stride: 2, Padding: 1})
	err := torch.Catch(func() error { l.ForwardOutputSize(torch.Zeros([]int64{1, 2, 4, 4}), []int64{9, 7}); return nil })
	require.ErrorContains(t, err, "requested an output size of [9, 7], but valid sizes range from [7, 7] to [8, 8] (for an input of torch.Size([4, 4]))")
}
