package nn

import "github.com/torchgo/torchgo/torch"

// MaxPool2d takes maxima over Kernel×Kernel windows of (N, C, H, W).
type MaxPool2d struct {
	Module
	opts torch.PoolOptions
}

// PoolConfig holds pooling options; zero values are PyTorch's defaults
// (stride = kernel, padding 0, dilation 1, floor mode, padding counted in averages).
type PoolConfig struct {
	Stride, Padding, Dilation int64
	CeilMode                  bool
	CountExcludePad           bool // AvgPool2d only: count_include_pad=False
}

func (c PoolConfig) options(kernel int64) torch.PoolOptions {
	return torch.PoolOptions{Kernel: []int64{kernel}, Stride: one(c.Stride), Padding: one(c.Padding),
		Dilation: one(c.Dilation), CeilMode: c.CeilMode, CountExcludePad: c.CountExcludePad}
}

// NewMaxPool2d makes a MaxPool2d with a square kernel.
func NewMaxPool2d(kernel int64, c PoolConfig) *MaxPool2d {
	l := &MaxPool2d{opts: c.options(kernel)}
	l.typeName = "MaxPool2d"
	return l
}

// Forward pools x (N, C, H, W).
func (l *MaxPool2d) Forward(x *torch.Tensor) *torch.Tensor { return torch.MaxPool2d(x, l.opts) }

// AvgPool2d averages over Kernel×Kernel windows of (N, C, H, W).
type AvgPool2d struct {
	Module
	opts torch.PoolOptions
}

// NewAvgPool2d makes an AvgPool2d with a square kernel.
func NewAvgPool2d(kernel int64, c PoolConfig) *AvgPool2d {
	l := &AvgPool2d{opts: c.options(kernel)}
	l.typeName = "AvgPool2d"
	return l
}

// Forward pools x (N, C, H, W).
func (l *AvgPool2d) Forward(x *torch.Tensor) *torch.Tensor { return torch.AvgPool2d(x, l.opts) }

// AdaptiveAvgPool2d averages (N, C, H, W) down to (N, C, OutH, OutW).
type AdaptiveAvgPool2d struct {
	Module
	OutH, OutW int64
}

// NewAdaptiveAvgPool2d makes an AdaptiveAvgPool2d with output size (h, w).
func NewAdaptiveAvgPool2d(h, w int64) *AdaptiveAvgPool2d {
	l := &AdaptiveAvgPool2d{OutH: h, OutW: w}
	l.typeName = "AdaptiveAvgPool2d"
	return l
}

// Forward pools x (N, C, H, W).
func (l *AdaptiveAvgPool2d) Forward(x *torch.Tensor) *torch.Tensor {
	return torch.AdaptiveAvgPool2d(x, l.OutH, l.OutW)
}
