package nn

import (
	"github.com/torchgo/torchgo/torch"
	F "github.com/torchgo/torchgo/torch/nn/functional"
)

// BatchNormConfig holds batch normalisation options; zero values are
// PyTorch's defaults (eps 1e-5, momentum 0.1, affine, tracking running
// stats). Eps and Momentum of exactly 0 cannot be asked for: 0 means the
// default.
type BatchNormConfig struct {
	Eps      float64 // 0 means 1e-5
	Momentum float64 // 0 means 0.1
	// CumulativeAverage uses a cumulative moving average (momentum=None).
	CumulativeAverage   bool
	NoAffine            bool // no learnable weight and bias (affine=False)
	NoTrackRunningStats bool // always use batch statistics (track_running_stats=False)
	// Factory holds a torch.DType and/or torch.Device for the parameters
	// and buffers (dtype=, device=; num_batches_tracked stays Int64).
	Factory []torch.Option
}

// BatchNorm normalises each channel C of (N, C, …) with the batch's
// statistics in training (updating the running ones) and the running
// statistics in evaluation: BatchNorm1d, BatchNorm2d and BatchNorm3d. Its
// state dict holds weight, bias, running_mean, running_var and
// num_batches_tracked.
type BatchNorm struct {
	Module
	// Weight (NumFeatures) starts at 1, Bias (NumFeatures) at 0; nil without affine.
	Weight, Bias *torch.Tensor
	// RunningMean (NumFeatures) starts at 0, RunningVar (NumFeatures) at
	// 1, NumBatchesTracked (a 0-dim Int64) at 0; nil without tracking.
	RunningMean, RunningVar, NumBatchesTracked *torch.Tensor
	NumFeatures                                int64
	Eps, Momentum                              float64
	// CumulativeAverage updates the running statistics with a cumulative
	// moving average (momentum=None), ignoring Momentum.
	CumulativeAverage bool
	TrackRunningStats bool
	wantDim           []int64
}

func newBatchNorm(name string, features int64, c BatchNormConfig, wantDim ...int64) *BatchNorm {
	l := &BatchNorm{NumFeatures: features, Eps: c.Eps, Momentum: c.Momentum, CumulativeAverage: c.CumulativeAverage,
		TrackRunningStats: !c.NoTrackRunningStats, wantDim: wantDim}
	l.typeName = name
	if l.Eps == 0 {
		l.Eps = 1e-5
	}
	if l.Momentum == 0 {
		l.Momentum = 0.1
	}
	l.Weight, l.Bias, l.RunningMean, l.RunningVar, l.NumBatchesTracked =
		normState(&l.Module, features, !c.NoAffine, !c.NoTrackRunningStats, c.Factory)
	return l
}

// normState registers _NormBase's parameters and buffers, initialised as
// its reset_parameters.
func normState(m *Module, features int64, affine, track bool, factory []torch.Option) (w, b, mean, v, n *torch.Tensor) {
	shape := []int64{features}
	if affine {
		w = m.RegisterParameter("weight", torch.Ones(shape, factory...))
		b = m.RegisterParameter("bias", torch.Zeros(shape, factory...))
	}
	if track {
		mean = m.RegisterBuffer("running_mean", torch.Zeros(shape, factory...), true)
		v = m.RegisterBuffer("running_var", torch.Ones(shape, factory...), true)
		n = m.RegisterBuffer("num_batches_tracked", torch.Scalar(int64(0), append([]torch.Option{torch.Int64}, deviceOnly(factory)...)...), true)
	}
	return w, b, mean, v, n
}

// NewBatchNorm1d normalises (N, C) or (N, C, L) inputs over C = features (nn.BatchNorm1d).
func NewBatchNorm1d(features int64, c BatchNormConfig) *BatchNorm {
	return newBatchNorm("BatchNorm1d", features, c, 2, 3)
}

// NewBatchNorm2d normalises (N, C, H, W) inputs over C = features (nn.BatchNorm2d).
func NewBatchNorm2d(features int64, c BatchNormConfig) *BatchNorm {
	return newBatchNorm("BatchNorm2d", features, c, 4)
}

// NewBatchNorm3d normalises (N, C, D, H, W) inputs over C = features (nn.BatchNorm3d).
func NewBatchNorm3d(features int64, c BatchNormConfig) *BatchNorm {
	return newBatchNorm("BatchNorm3d", features, c, 5)
}

// checkDim is _check_input_dim.
func checkDim(op string, x *torch.Tensor, want []int64) {
	dim := x.Dim()
	for _, d := range want {
		if d == dim {
			return
		}
	}
	if len(want) == 1 {
		layerPanic(op, "expected %dD input (got %dD input)", want[0], dim)
	}
	layerPanic(op, "expected %dD or %dD input (got %dD input)", want[0], want[1], dim)
}

// Forward normalises x, updating the running statistics in training mode.
func (l *BatchNorm) Forward(x *torch.Tensor) *torch.Tensor {
	checkDim(l.TypeName(), x, l.wantDim)
	factor := 0.0
	if !l.CumulativeAverage {
		factor = l.Momentum
	}
	training := l.IsTraining()
	if training && l.TrackRunningStats && l.NumBatchesTracked != nil {
		torch.NoGrad(func() { l.NumBatchesTracked.AddScalar_(int64(1)) })
		if l.CumulativeAverage {
			factor = 1 / float64(l.NumBatchesTracked.ItemInt())
		}
	}
	bnTraining := training || (l.RunningMean == nil && l.RunningVar == nil)
	mean, v := l.RunningMean, l.RunningVar
	if training && !l.TrackRunningStats {
		mean, v = nil, nil
	}
	return F.BatchNorm(x, mean, v, F.BatchNormOpts{Weight: l.Weight, Bias: l.Bias, Training: bnTraining,
		Momentum: &factor, Eps: &l.Eps})
}

// InstanceNormConfig holds instance normalisation options; the zero value
// is PyTorch's defaults (eps 1e-5, momentum 0.1, no affine, no running
// statistics).
type InstanceNormConfig struct {
	Eps      *float64 // nil: 1e-5
	Momentum *float64 // nil: 0.1
	// Affine adds a learnable per-channel weight and bias.
	Affine bool
	// TrackRunningStats keeps running statistics, updated in training and
	// used in evaluation.
	TrackRunningStats bool
	Factory           []torch.Option // dtype=, device=
}

// InstanceNorm normalises each channel of each sample of (N, C, …) or (C,
// …) over its spatial dims: InstanceNorm1d, InstanceNorm2d and
// InstanceNorm3d. With TrackRunningStats its state dict holds
// running_mean, running_var and num_batches_tracked (never incremented, as
// in PyTorch).
type InstanceNorm struct {
	Module
	// Weight (NumFeatures) starts at 1, Bias (NumFeatures) at 0; nil without affine.
	Weight, Bias *torch.Tensor
	// RunningMean, RunningVar and NumBatchesTracked are nil without tracking.
	RunningMean, RunningVar, NumBatchesTracked *torch.Tensor
	NumFeatures                                int64
	Eps, Momentum                              float64
	TrackRunningStats                          bool
	noBatchDim                                 int64
}

func newInstanceNorm(name string, features int64, c InstanceNormConfig, noBatchDim int64) *InstanceNorm {
	l := &InstanceNorm{NumFeatures: features, Eps: ptrOr(c.Eps, 1e-5), Momentum: ptrOr(c.Momentum, 0.1),
		TrackRunningStats: c.TrackRunningStats, noBatchDim: noBatchDim}
	l.typeName = name
	l.Weight, l.Bias, l.RunningMean, l.RunningVar, l.NumBatchesTracked =
		normState(&l.Module, features, c.Affine, c.TrackRunningStats, c.Factory)
	return l
}

// NewInstanceNorm1d normalises (N, C, L) or (C, L) inputs (nn.InstanceNorm1d).
func NewInstanceNorm1d(features int64, c ...InstanceNormConfig) *InstanceNorm {
	return newInstanceNorm("InstanceNorm1d", features, firstCfg(c), 2)
}

// NewInstanceNorm2d normalises (N, C, H, W) or (C, H, W) inputs (nn.InstanceNorm2d).
func NewInstanceNorm2d(features int64, c ...InstanceNormConfig) *InstanceNorm {
	return newInstanceNorm("InstanceNorm2d", features, firstCfg(c), 3)
}

// NewInstanceNorm3d normalises (N, C, D, H, W) or (C, D, H, W) inputs (nn.InstanceNorm3d).
func NewInstanceNorm3d(features int64, c ...InstanceNormConfig) *InstanceNorm {
	return newInstanceNorm("InstanceNorm3d", features, firstCfg(c), 4)
}

// Forward normalises x: with the input's statistics in training or without
// running statistics, else with the running ones.
func (l *InstanceNorm) Forward(x *torch.Tensor) *torch.Tensor {
	checkDim(l.TypeName(), x, []int64{l.noBatchDim, l.noBatchDim + 1})
	apply := func(x *torch.Tensor) *torch.Tensor {
		return F.InstanceNorm(x, F.InstanceNormOpts{RunningMean: l.RunningMean, RunningVar: l.RunningVar,
			Weight: l.Weight, Bias: l.Bias, UseRunningStats: !(l.IsTraining() || !l.TrackRunningStats),
			Momentum: &l.Momentum, Eps: &l.Eps})
	}
	if x.Dim() != l.noBatchDim {
		return apply(x)
	}
	var out *torch.Tensor
	torch.WithScope(func(s *torch.Scope) {
		out = apply(x.Unsqueeze(0)).SqueezeDim(0)
		s.Keep(out)
	})
	return out
}

// LayerNormConfig holds nn.LayerNorm's optional arguments; the zero value
// is PyTorch's defaults.
type LayerNormConfig struct {
	Eps *float64 // nil: 1e-5
	// NoElementwiseAffine leaves out the weight and bias
	// (elementwise_affine=False).
	NoElementwiseAffine bool
	Factory             []torch.Option // dtype=, device=
}

// LayerNorm normalises over the trailing dims given by Shape (nn.LayerNorm).
type LayerNorm struct {
	Module
	// Weight (Shape) starts at 1 and Bias (Shape) at 0; nil without
	// elementwise affine.
	Weight, Bias *torch.Tensor
	Shape        []int64 // normalized_shape
	Eps          float64
}

// NewLayerNorm makes a LayerNorm over trailing dims shape.
func NewLayerNorm(shape []int64, c ...LayerNormConfig) *LayerNorm {
	cfg := firstCfg(c)
	l := &LayerNorm{Shape: append([]int64(nil), shape...), Eps: ptrOr(cfg.Eps, 1e-5)}
	l.typeName = "LayerNorm"
	if !cfg.NoElementwiseAffine {
		l.Weight = l.RegisterParameter("weight", torch.Ones(shape, cfg.Factory...))
		l.Bias = l.RegisterParameter("bias", torch.Zeros(shape, cfg.Factory...))
	}
	return l
}

// Forward normalises x (…, Shape…).
func (l *LayerNorm) Forward(x *torch.Tensor) *torch.Tensor {
	return F.LayerNorm(x, l.Shape, F.NormOpts{Weight: l.Weight, Bias: l.Bias, Eps: &l.Eps})
}

// GroupNormConfig holds nn.GroupNorm's optional arguments; the zero value
// is PyTorch's defaults.
type GroupNormConfig struct {
	Eps      *float64       // nil: 1e-5
	NoAffine bool           // leave out the weight and bias (affine=False)
	Factory  []torch.Option // dtype=, device=
}

// GroupNorm normalises (N, C, …) over Groups groups of C/Groups channels
// (nn.GroupNorm).
type GroupNorm struct {
	Module
	// Weight (Channels) starts at 1 and Bias (Channels) at 0; nil without affine.
	Weight, Bias     *torch.Tensor
	Groups, Channels int64
	Eps              float64
}

// NewGroupNorm makes a GroupNorm of groups over channels.
func NewGroupNorm(groups, channels int64, c ...GroupNormConfig) *GroupNorm {
	cfg := firstCfg(c)
	if groups <= 0 || channels%groups != 0 {
		layerPanic("NewGroupNorm", "num_channels must be divisible by num_groups")
	}
	l := &GroupNorm{Groups: groups, Channels: channels, Eps: ptrOr(cfg.Eps, 1e-5)}
	l.typeName = "GroupNorm"
	if !cfg.NoAffine {
		l.Weight = l.RegisterParameter("weight", torch.Ones([]int64{channels}, cfg.Factory...))
		l.Bias = l.RegisterParameter("bias", torch.Zeros([]int64{channels}, cfg.Factory...))
	}
	return l
}

// Forward normalises x (N, C, …).
func (l *GroupNorm) Forward(x *torch.Tensor) *torch.Tensor {
	return F.GroupNorm(x, l.Groups, F.NormOpts{Weight: l.Weight, Bias: l.Bias, Eps: &l.Eps})
}

// LocalResponseNormConfig holds nn.LocalResponseNorm's optional arguments.
type LocalResponseNormConfig struct {
	Alpha *float64 // nil: 1e-4
	Beta  *float64 // nil: 0.75
	K     *float64 // nil: 1
}

// LocalResponseNorm divides each element of (N, C, …) by (K + Alpha/Size·Σ
// x²)^Beta, the sum over Size neighbouring channels (nn.LocalResponseNorm).
type LocalResponseNorm struct {
	Module
	Size           int64
	Alpha, Beta, K float64
}

// NewLocalResponseNorm makes a LocalResponseNorm over size channels.
func NewLocalResponseNorm(size int64, c ...LocalResponseNormConfig) *LocalResponseNorm {
	cfg := firstCfg(c)
	l := &LocalResponseNorm{Size: size, Alpha: ptrOr(cfg.Alpha, 1e-4), Beta: ptrOr(cfg.Beta, 0.75), K: ptrOr(cfg.K, 1.0)}
	l.typeName = "LocalResponseNorm"
	return l
}

// Forward normalises x (N, C, …), of at least 3 dims.
func (l *LocalResponseNorm) Forward(x *torch.Tensor) *torch.Tensor {
	return F.LocalResponseNorm(x, l.Size, F.LocalResponseNormOpts{Alpha: &l.Alpha, Beta: &l.Beta, K: &l.K})
}
