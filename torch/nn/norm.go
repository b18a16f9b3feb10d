package nn

import (
	"fmt"

	"github.com/torchgo/torchgo/torch"
)

// BatchNormConfig holds batch normalisation options; zero values are
// PyTorch's defaults (eps 1e-5, momentum 0.1, affine, tracking running stats).
type BatchNormConfig struct {
	Eps      float64 // 0 means 1e-5
	Momentum float64 // 0 means 0.1
	// CumulativeAverage uses a cumulative moving average (momentum=None).
	CumulativeAverage   bool
	NoAffine            bool // no learnable weight and bias (affine=False)
	NoTrackRunningStats bool // always use batch statistics (track_running_stats=False)
}

// BatchNorm normalises each channel of (N, C, …) with batch statistics in
// training and running statistics in evaluation. Its state dict holds
// weight, bias, running_mean, running_var and num_batches_tracked.
type BatchNorm struct {
	Module
	Weight, Bias                               *torch.Tensor // (C), nil without affine
	RunningMean, RunningVar, NumBatchesTracked *torch.Tensor // nil without tracking
	eps, momentum                              float64
	cumulative                                 bool
	wantDim                                    []int64
	name                                       string
}

func newBatchNorm(name string, features int64, c BatchNormConfig, wantDim ...int64) *BatchNorm {
	l := &BatchNorm{eps: c.Eps, momentum: c.Momentum, cumulative: c.CumulativeAverage, wantDim: wantDim, name: name}
	l.typeName = name
	if l.eps == 0 {
		l.eps = 1e-5
	}
	if l.momentum == 0 {
		l.momentum = 0.1
	}
	if !c.NoAffine {
		l.Weight = l.RegisterParameter("weight", torch.Ones([]int64{features}))
		l.Bias = l.RegisterParameter("bias", torch.Zeros([]int64{features}))
	}
	if !c.NoTrackRunningStats {
		l.RunningMean = l.RegisterBuffer("running_mean", torch.Zeros([]int64{features}), true)
		l.RunningVar = l.RegisterBuffer("running_var", torch.Ones([]int64{features}), true)
		l.NumBatchesTracked = l.RegisterBuffer("num_batches_tracked", torch.Scalar(0), true)
	}
	return l
}

// NewBatchNorm1d normalises (N, C) or (N, C, L) inputs over C = features.
func NewBatchNorm1d(features int64, c BatchNormConfig) *BatchNorm {
	return newBatchNorm("BatchNorm1d", features, c, 2, 3)
}

// NewBatchNorm2d normalises (N, C, H, W) inputs over C = features.
func NewBatchNorm2d(features int64, c BatchNormConfig) *BatchNorm {
	return newBatchNorm("BatchNorm2d", features, c, 4)
}

// Forward normalises x, updating the running statistics in training mode.
func (l *BatchNorm) Forward(x *torch.Tensor) *torch.Tensor {
	dim := x.Dim()
	ok := false
	for _, d := range l.wantDim {
		ok = ok || d == dim
	}
	if !ok {
		panic(&torch.Error{Op: l.name, Msg: fmt.Sprintf("expected %v-D input (got %dD input)", l.wantDim, dim)})
	}
	factor := l.momentum
	training := l.IsTraining()
	if training && l.NumBatchesTracked != nil {
		torch.NoGrad(func() { l.NumBatchesTracked.AddScalar_(1) })
		if l.cumulative {
			factor = 1 / float64(l.NumBatchesTracked.ItemInt())
		}
	} else if l.cumulative {
		factor = 0
	}
	useBatchStats := training || l.RunningMean == nil
	return torch.BatchNorm(x, l.Weight, l.Bias, l.RunningMean, l.RunningVar, useBatchStats, factor, l.eps)
}

// LayerNorm normalises over the trailing dims given by Shape, with a
// learnable elementwise weight and bias (elementwise_affine).
type LayerNorm struct {
	Module
	Weight, Bias *torch.Tensor
	Shape        []int64
	Eps          float64
}

// NewLayerNorm makes a LayerNorm over trailing dims shape, eps 1e-5.
func NewLayerNorm(shape []int64) *LayerNorm {
	l := &LayerNorm{Shape: append([]int64(nil), shape...), Eps: 1e-5}
	l.typeName = "LayerNorm"
	l.Weight = l.RegisterParameter("weight", torch.Ones(shape))
	l.Bias = l.RegisterParameter("bias", torch.Zeros(shape))
	return l
}

// Forward normalises x (…, Shape…).
func (l *LayerNorm) Forward(x *torch.Tensor) *torch.Tensor {
	return torch.LayerNorm(x, l.Shape, l.Weight, l.Bias, l.Eps)
}

// GroupNorm normalises (N, C, …) over Groups groups of channels, with a
// learnable per-channel weight and bias.
type GroupNorm struct {
	Module
	Weight, Bias *torch.Tensor
	Groups       int64
	Eps          float64
}

// NewGroupNorm makes a GroupNorm of groups over channels, eps 1e-5.
func NewGroupNorm(groups, channels int64) *GroupNorm {
	if groups <= 0 || channels%groups != 0 {
		panic(&torch.Error{Op: "NewGroupNorm", Msg: fmt.Sprintf("num_channels (%d) must be divisible by num_groups (%d)", channels, groups)})
	}
	l := &GroupNorm{Groups: groups, Eps: 1e-5}
	l.typeName = "GroupNorm"
	l.Weight = l.RegisterParameter("weight", torch.Ones([]int64{channels}))
	l.Bias = l.RegisterParameter("bias", torch.Zeros([]int64{channels}))
	return l
}

// Forward normalises x (N, C, …).
func (l *GroupNorm) Forward(x *torch.Tensor) *torch.Tensor {
	return torch.GroupNorm(x, l.Groups, l.Weight, l.Bias, l.Eps)
}
