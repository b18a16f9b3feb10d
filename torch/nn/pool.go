package nn

import (
	"github.com/torchgo/torchgo/torch"
	F "github.com/torchgo/torchgo/torch/nn/functional"
)

// one is a per-dim option of one value, nil for 0 (the default).
func one(v int64) []int64 {
	if v == 0 {
		return nil
	}
	return []int64{v}
}

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
	CountExcludePad           bool // AvgPool1d and AvgPool2d only: count_include_pad=False
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

// Forward pools x (N, C, H, W) or (C, H, W).
func (l *MaxPool2d) Forward(x *torch.Tensor) *torch.Tensor { return torch.MaxPool2d(x, l.opts) }

// ForwardWithIndices pools x and also returns the flat index in each
// input plane of every maximum (return_indices=True).
func (l *MaxPool2d) ForwardWithIndices(x *torch.Tensor) (out, indices *torch.Tensor) {
	k := l.opts.Kernel
	s := l.opts.Stride
	if s == nil {
		s = k
	}
	r := torch.MustFindOp("aten::max_pool2d_with_indices", "").Call(x, pool2Dims(k, 0), pool2Dims(s, 0), pool2Dims(l.opts.Padding, 0),
		pool2Dims(l.opts.Dilation, 1), l.opts.CeilMode)
	return r[0].(*torch.Tensor), r[1].(*torch.Tensor)
}

// pool2Dims expands a per-dim option to 2 values (dflt for nil).
func pool2Dims(v []int64, dflt int64) []int64 {
	switch len(v) {
	case 0:
		return []int64{dflt, dflt}
	case 1:
		return []int64{v[0], v[0]}
	}
	return v
}

// AvgPool1d averages over windows of Kernel elements of (N, C, L) or (C,
// L) (nn.AvgPool1d).
type AvgPool1d struct {
	Module
	Kernel, Stride, Padding int64
	CeilMode                bool
	CountExcludePad         bool // count_include_pad=False
}

// NewAvgPool1d makes an AvgPool1d of kernel elements (PoolConfig's
// Dilation does not apply).
func NewAvgPool1d(kernel int64, c PoolConfig) *AvgPool1d {
	l := &AvgPool1d{Kernel: kernel, Stride: c.Stride, Padding: c.Padding, CeilMode: c.CeilMode, CountExcludePad: c.CountExcludePad}
	if l.Stride == 0 {
		l.Stride = kernel
	}
	l.typeName = "AvgPool1d"
	return l
}

// Forward pools x (N, C, L) or (C, L).
func (l *AvgPool1d) Forward(x *torch.Tensor) *torch.Tensor {
	return F.AvgPool1d(x, []int64{l.Kernel}, F.AvgPoolOpts{Stride: []int64{l.Stride}, Padding: []int64{l.Padding},
		CeilMode: l.CeilMode, CountExcludePad: l.CountExcludePad})
}

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
