package nn

import "github.com/torchgo/torchgo/torch"

// ConvConfig holds a convolution's options; zero values are PyTorch's
// defaults (stride 1, padding 0, dilation 1, groups 1, with bias).
type ConvConfig struct {
	Stride, Padding, Dilation int64
	// PaddingSame pads so the output keeps the input's size (padding="same").
	PaddingSame bool
	Groups      int64
	NoBias      bool
}

func (c ConvConfig) options() torch.ConvOptions {
	o := torch.ConvOptions{Groups: c.Groups, SamePadding: c.PaddingSame}
	if c.Stride != 0 {
		o.Stride = []int64{c.Stride}
	}
	if c.Padding != 0 {
		o.Padding = []int64{c.Padding}
	}
	if c.Dilation != 0 {
		o.Dilation = []int64{c.Dilation}
	}
	return o
}

func (c ConvConfig) groups() int64 {
	if c.Groups == 0 {
		return 1
	}
	return c.Groups
}

// Conv2d is a 2-D convolution over (N, In, H, W): weight (Out, In/groups,
// K, K), bias (Out).
type Conv2d struct {
	weighted
	opts torch.ConvOptions
}

// NewConv2d makes a Conv2d with a square kernel, initialised as nn.Conv2d.
func NewConv2d(in, out, kernel int64, c ConvConfig) *Conv2d {
	l := &Conv2d{opts: c.options()}
	l.init("Conv2d", []int64{out, in / c.groups(), kernel, kernel}, out, !c.NoBias)
	return l
}

// Forward convolves x (N, In, H, W).
func (l *Conv2d) Forward(x *torch.Tensor) *torch.Tensor {
	return torch.Conv2d(x, l.Weight, l.Bias, l.opts)
}

// Conv1d is a 1-D convolution over (N, In, L): weight (Out, In/groups, K), bias (Out).
type Conv1d struct {
	weighted
	opts torch.ConvOptions
}

// NewConv1d makes a Conv1d, initialised as nn.Conv1d.
func NewConv1d(in, out, kernel int64, c ConvConfig) *Conv1d {
	l := &Conv1d{opts: c.options()}
	l.init("Conv1d", []int64{out, in / c.groups(), kernel}, out, !c.NoBias)
	return l
}

// Forward convolves x (N, In, L).
func (l *Conv1d) Forward(x *torch.Tensor) *torch.Tensor {
	return torch.Conv1d(x, l.Weight, l.Bias, l.opts)
}

// ConvTranspose2dConfig holds ConvTranspose2d's options; zero values are
// PyTorch's defaults.
type ConvTranspose2dConfig struct {
	Stride, Padding, OutputPadding, Dilation, Groups int64
	NoBias                                           bool
}

// ConvTranspose2d is the transposed 2-D convolution: weight (In,
// Out/groups, K, K), bias (Out).
type ConvTranspose2d struct {
	weighted
	opts torch.ConvTranspose2dOptions
}

func one(v int64) []int64 {
	if v == 0 {
		return nil
	}
	return []int64{v}
}

// NewConvTranspose2d makes a ConvTranspose2d, initialised as nn.ConvTranspose2d.
func NewConvTranspose2d(in, out, kernel int64, c ConvTranspose2dConfig) *ConvTranspose2d {
	groups := c.Groups
	if groups == 0 {
		groups = 1
	}
	l := &ConvTranspose2d{opts: torch.ConvTranspose2dOptions{
		Stride: one(c.Stride), Padding: one(c.Padding), OutputPadding: one(c.OutputPadding),
		Dilation: one(c.Dilation), Groups: groups,
	}}
	l.init("ConvTranspose2d", []int64{in, out / groups, kernel, kernel}, out, !c.NoBias)
	return l
}

// Forward applies the transposed convolution to x (N, In, H, W).
func (l *ConvTranspose2d) Forward(x *torch.Tensor) *torch.Tensor {
	return torch.ConvTranspose2d(x, l.Weight, l.Bias, l.opts)
}
