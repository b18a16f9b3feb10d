package torch

/*
#include "shim.h"
*/
import "C"

import "runtime"

// Neural-network functions, the counterparts of torch.nn.functional. Inputs
// are batched, channels first: (N, C, L) for 1-D, (N, C, H, W) for 2-D.

// Linear is x·wᵀ + b for x (…, in), w (out, in), b (out) or nil.
func Linear(x, w, b *Tensor) *Tensor {
	var out C.tg_tensor
	check("Linear", C.tg_linear(x.handle("Linear"), w.handle("Linear"), b.optHandle("Linear"), &out))
	runtime.KeepAlive(x)
	runtime.KeepAlive(w)
	runtime.KeepAlive(b)
	return newTensor(out)
}

// ConvOptions configure a convolution; zero values mean PyTorch's defaults
// (stride 1, padding 0, dilation 1, groups 1). Each per-dim field holds one
// value for all dims or one per spatial dim.
type ConvOptions struct {
	Stride   []int64
	Padding  []int64
	Dilation []int64
	Groups   int64
	// SamePadding pads so that the output has the input's size (padding="same"; stride must be 1).
	SamePadding bool
}

// perDim expands a per-dim option to nd values, defaulting to def.
func perDim(op, name string, v []int64, nd int, def int64) []int64 {
	switch len(v) {
	case 0:
		out := make([]int64, nd)
		for i := range out {
			out[i] = def
		}
		return out
	case 1:
		out := make([]int64, nd)
		for i := range out {
			out[i] = v[0]
		}
		return out
	case nd:
		return v
	}
	panic(errorf(op, "%s has %d values; want 1 or %d", name, len(v), nd))
}

func conv(op string, nd int, x, w, b *Tensor, o ConvOptions) *Tensor {
	stride := perDim(op, "stride", o.Stride, nd, 1)
	padding := perDim(op, "padding", o.Padding, nd, 0)
	dilation := perDim(op, "dilation", o.Dilation, nd, 1)
	groups := o.Groups
	if groups == 0 {
		groups = 1
	}
	var out C.tg_tensor
	check(op, C.tg_conv(x.handle(op), w.handle(op), b.optHandle(op), int64s(stride), int64s(padding),
		int64s(dilation), C.int64_t(nd), C.int64_t(groups), cbool(o.SamePadding), &out))
	runtime.KeepAlive(x)
	runtime.KeepAlive(w)
	runtime.KeepAlive(b)
	return newTensor(out)
}

// Conv1d convolves x (N, Cin, L) with w (Cout, Cin/groups, K), plus b (Cout) or nil.
func Conv1d(x, w, b *Tensor, o ConvOptions) *Tensor { return conv("Conv1d", 1, x, w, b, o) }

// Conv2d convolves x (N, Cin, H, W) with w (Cout, Cin/groups, KH, KW), plus b (Cout) or nil.
func Conv2d(x, w, b *Tensor, o ConvOptions) *Tensor { return conv("Conv2d", 2, x, w, b, o) }

// ConvTranspose2dOptions configure ConvTranspose2d; zero values mean
// stride 1, padding 0, output padding 0, dilation 1, groups 1.
type ConvTranspose2dOptions struct {
	Stride, Padding, OutputPadding, Dilation []int64
	Groups                                   int64
}

// ConvTranspose2d is the transposed 2-D convolution of x (N, Cin, H, W) with
// w (Cin, Cout/groups, KH, KW), plus b (Cout) or nil.
func ConvTranspose2d(x, w, b *Tensor, o ConvTranspose2dOptions) *Tensor {
	const op = "ConvTranspose2d"
	groups := o.Groups
	if groups == 0 {
		groups = 1
	}
	var out C.tg_tensor
	check(op, C.tg_conv_transpose2d(x.handle(op), w.handle(op), b.optHandle(op),
		int64s(perDim(op, "stride", o.Stride, 2, 1)), int64s(perDim(op, "padding", o.Padding, 2, 0)),
		int64s(perDim(op, "output padding", o.OutputPadding, 2, 0)), int64s(perDim(op, "dilation", o.Dilation, 2, 1)),
		C.int64_t(groups), &out))
	runtime.KeepAlive(x)
	runtime.KeepAlive(w)
	runtime.KeepAlive(b)
	return newTensor(out)
}

// PoolOptions configure pooling; Kernel is required, a nil Stride means the
// kernel size (PyTorch's default), Padding defaults to 0 and Dilation to 1.
type PoolOptions struct {
	Kernel, Stride, Padding, Dilation []int64
	CeilMode                          bool
	// CountExcludePad leaves padding zeros out of averages (AvgPool2d's
	// count_include_pad=False; PyTorch's default counts them).
	CountExcludePad bool
}

func maxPool(op string, nd int, x *Tensor, o PoolOptions) *Tensor {
	if len(o.Kernel) == 0 {
		panic(errorf(op, "kernel size is required"))
	}
	kernel := perDim(op, "kernel", o.Kernel, nd, 1)
	stride := kernel
	if len(o.Stride) > 0 {
		stride = perDim(op, "stride", o.Stride, nd, 1)
	}
	var out C.tg_tensor
	check(op, C.tg_max_pool(x.handle(op), int64s(kernel), int64s(stride), int64s(perDim(op, "padding", o.Padding, nd, 0)),
		int64s(perDim(op, "dilation", o.Dilation, nd, 1)), C.int64_t(nd), cbool(o.CeilMode), &out))
	runtime.KeepAlive(x)
	return newTensor(out)
}

// MaxPool1d takes the maximum over windows of x (N, C, L).
func MaxPool1d(x *Tensor, o PoolOptions) *Tensor { return maxPool("MaxPool1d", 1, x, o) }

// MaxPool2d takes the maximum over windows of x (N, C, H, W), like F.max_pool2d.
func MaxPool2d(x *Tensor, o PoolOptions) *Tensor { return maxPool("MaxPool2d", 2, x, o) }

// AvgPool2d averages over windows of x (N, C, H, W).
func AvgPool2d(x *Tensor, o PoolOptions) *Tensor {
	const op = "AvgPool2d"
	if len(o.Kernel) == 0 {
		panic(errorf(op, "kernel size is required"))
	}
	kernel := perDim(op, "kernel", o.Kernel, 2, 1)
	stride := kernel
	if len(o.Stride) > 0 {
		stride = perDim(op, "stride", o.Stride, 2, 1)
	}
	var out C.tg_tensor
	check(op, C.tg_avg_pool2d(x.handle(op), int64s(kernel), int64s(stride), int64s(perDim(op, "padding", o.Padding, 2, 0)),
		cbool(o.CeilMode), cbool(!o.CountExcludePad), &out))
	runtime.KeepAlive(x)
	return newTensor(out)
}

// AdaptiveAvgPool2d averages x (N, C, H, W) down to (N, C, h, w).
func AdaptiveAvgPool2d(x *Tensor, h, w int64) *Tensor {
	var out C.tg_tensor
	check("AdaptiveAvgPool2d", C.tg_adaptive_avg_pool2d(x.handle("AdaptiveAvgPool2d"), C.int64_t(h), C.int64_t(w), &out))
	runtime.KeepAlive(x)
	return newTensor(out)
}

func softmax(op string, x *Tensor, dim int64, log bool) *Tensor {
	var out C.tg_tensor
	check(op, C.tg_softmax(x.handle(op), C.int64_t(dim), cbool(log), &out))
	runtime.KeepAlive(x)
	return newTensor(out)
}

// Softmax normalises exp(x) to sum to 1 along dim.
func Softmax(x *Tensor, dim int64) *Tensor { return softmax("Softmax", x, dim, false) }

// LogSoftmax is log(Softmax(x, dim)), computed stably.
func LogSoftmax(x *Tensor, dim int64) *Tensor { return softmax("LogSoftmax", x, dim, true) }

// LeakyReLU is x for x >= 0 and slope*x below (PyTorch's default slope is 0.01).
func LeakyReLU(x *Tensor, slope float64) *Tensor {
	var out C.tg_tensor
	check("LeakyReLU", C.tg_leaky_relu(x.handle("LeakyReLU"), C.double(slope), &out))
	runtime.KeepAlive(x)
	return newTensor(out)
}

// GELU is x·Φ(x); tanhApprox selects the tanh approximation.
func GELU(x *Tensor, tanhApprox bool) *Tensor {
	var out C.tg_tensor
	check("GELU", C.tg_gelu(x.handle("GELU"), cbool(tanhApprox), &out))
	runtime.KeepAlive(x)
	return newTensor(out)
}

// Dropout zeroes elements with probability p and scales the rest by
// 1/(1-p) when train is true; otherwise it returns x's values unchanged.
func Dropout(x *Tensor, p float64, train bool) *Tensor {
	if p < 0 || p > 1 {
		panic(errorf("Dropout", "probability must be in [0, 1], got %g", p))
	}
	var out C.tg_tensor
	check("Dropout", C.tg_dropout(x.handle("Dropout"), C.double(p), cbool(train), &out))
	runtime.KeepAlive(x)
	return newTensor(out)
}

// Reduction says how a loss combines its per-element values.
type Reduction int

// Reductions, with libtorch's codes. The zero value is Mean, PyTorch's default.
const (
	ReduceMean Reduction = iota
	ReduceSum
	ReduceNone
)

func (r Reduction) c() C.int64_t {
	switch r {
	case ReduceNone:
		return 0
	case ReduceSum:
		return 2
	}
	return 1
}

// CrossEntropyOptions configure CrossEntropy; the zero value is PyTorch's
// default (no weight, ignore_index -100, no smoothing, mean).
type CrossEntropyOptions struct {
	Weight *Tensor // per-class weight (C) or nil
	// IgnoreIndex is the target class that contributes nothing; nil means
	// PyTorch's -100 (DefaultIgnoreIndex).
	IgnoreIndex    *int64
	LabelSmoothing float64 // in [0, 1]
	Reduction      Reduction
}

// DefaultIgnoreIndex is PyTorch's ignore_index default.
const DefaultIgnoreIndex = -100

// CrossEntropy is F.cross_entropy of logits x (N, C) or (N, C, d…) and class
// indices target (N) / (N, d…) or class probabilities shaped like x.
func CrossEntropy(x, target *Tensor, o CrossEntropyOptions) *Tensor {
	ignore := int64(DefaultIgnoreIndex)
	if o.IgnoreIndex != nil {
		ignore = *o.IgnoreIndex
	}
	var out C.tg_tensor
	check("CrossEntropy", C.tg_cross_entropy(x.handle("CrossEntropy"), target.handle("CrossEntropy"),
		o.Weight.optHandle("CrossEntropy"), o.Reduction.c(), C.int64_t(ignore), C.double(o.LabelSmoothing), &out))
	runtime.KeepAlive(x)
	runtime.KeepAlive(target)
	runtime.KeepAlive(o.Weight)
	return newTensor(out)
}

// NLLLoss is the negative log-likelihood of log-probabilities x (N, C) at
// class indices target (N).
func NLLLoss(x, target, weight *Tensor, ignoreIndex int64, r Reduction) *Tensor {
	var out C.tg_tensor
	check("NLLLoss", C.tg_nll_loss(x.handle("NLLLoss"), target.handle("NLLLoss"), weight.optHandle("NLLLoss"),
		r.c(), C.int64_t(ignoreIndex), &out))
	runtime.KeepAlive(x)
	runtime.KeepAlive(target)
	runtime.KeepAlive(weight)
	return newTensor(out)
}

func loss(op string, kind int, x, y, weight, extra *Tensor, r Reduction, arg float64) *Tensor {
	var out C.tg_tensor
	check(op, C.tg_loss(C.int(kind), x.handle(op), y.handle(op), weight.optHandle(op), extra.optHandle(op), r.c(), C.double(arg), &out))
	runtime.KeepAlive(x)
	runtime.KeepAlive(y)
	runtime.KeepAlive(weight)
	runtime.KeepAlive(extra)
	return newTensor(out)
}

// MSELoss is the mean (or sum) of squared differences.
func MSELoss(x, y *Tensor, r Reduction) *Tensor { return loss("MSELoss", 0, x, y, nil, nil, r, 0) }

// L1Loss is the mean (or sum) of absolute differences.
func L1Loss(x, y *Tensor, r Reduction) *Tensor { return loss("L1Loss", 1, x, y, nil, nil, r, 0) }

// SmoothL1Loss is the Huber-like loss with threshold beta (PyTorch's default 1).
func SmoothL1Loss(x, y *Tensor, r Reduction, beta float64) *Tensor {
	return loss("SmoothL1Loss", 2, x, y, nil, nil, r, beta)
}

// BinaryCrossEntropy of probabilities x and targets y, with optional weight.
func BinaryCrossEntropy(x, y, weight *Tensor, r Reduction) *Tensor {
	return loss("BinaryCrossEntropy", 3, x, y, weight, nil, r, 0)
}

// BinaryCrossEntropyWithLogits of logits x and targets y, with optional
// weight and positive-class weight.
func BinaryCrossEntropyWithLogits(x, y, weight, posWeight *Tensor, r Reduction) *Tensor {
	return loss("BinaryCrossEntropyWithLogits", 4, x, y, weight, posWeight, r, 0)
}

// KLDiv is F.kl_div of log-probabilities x and targets y (log-probabilities
// when logTarget). For reduction="batchmean" use ReduceSum and divide by the
// batch size, as PyTorch does.
func KLDiv(x, y *Tensor, r Reduction, logTarget bool) *Tensor {
	arg := 0.0
	if logTarget {
		arg = 1
	}
	return loss("KLDiv", 5, x, y, nil, nil, r, arg)
}

// PadMode selects how Pad fills the border.
type PadMode int

// Padding modes, as F.pad's mode strings.
const (
	PadConstant PadMode = iota
	PadReflect
	PadReplicate
	PadCircular
)

// Pad pads x's last dims by pad = (left, right, top, bottom, …) as F.pad does;
// value fills the border in PadConstant mode.
func Pad(x *Tensor, pad []int64, mode PadMode, value float64) *Tensor {
	var out C.tg_tensor
	check("Pad", C.tg_pad(x.handle("Pad"), int64s(pad), C.int64_t(len(pad)), C.int(mode), C.double(value), &out))
	runtime.KeepAlive(x)
	return newTensor(out)
}

// Interpolate resizes x (N, C, H, W) to size (h, w), nearest or bilinear.
func Interpolate(x *Tensor, size []int64, bilinear, alignCorners bool) *Tensor {
	var out C.tg_tensor
	check("Interpolate", C.tg_interpolate(x.handle("Interpolate"), int64s(size), C.int64_t(len(size)), cbool(bilinear), cbool(alignCorners), &out))
	runtime.KeepAlive(x)
	return newTensor(out)
}

// OneHot turns Int64 class indices into one-hot Int64 rows of numClasses
// (-1: one more than the largest index).
func OneHot(x *Tensor, numClasses int64) *Tensor {
	var out C.tg_tensor
	check("OneHot", C.tg_one_hot(x.handle("OneHot"), C.int64_t(numClasses), &out))
	runtime.KeepAlive(x)
	return newTensor(out)
}

// BatchNorm normalises x (N, C, …) per channel. In training it uses the
// batch's statistics and updates runningMean/runningVar (if given) with
// momentum; otherwise it uses the running statistics.
func BatchNorm(x, weight, bias, runningMean, runningVar *Tensor, training bool, momentum, eps float64) *Tensor {
	const op = "BatchNorm"
	var out C.tg_tensor
	check(op, C.tg_batch_norm(x.handle(op), weight.optHandle(op), bias.optHandle(op), runningMean.optHandle(op),
		runningVar.optHandle(op), cbool(training), C.double(momentum), C.double(eps), &out))
	runtime.KeepAlive(x)
	runtime.KeepAlive(weight)
	runtime.KeepAlive(bias)
	runtime.KeepAlive(runningMean)
	runtime.KeepAlive(runningVar)
	return newTensor(out)
}

// LayerNorm normalises over x's trailing dims given by shape.
func LayerNorm(x *Tensor, shape []int64, weight, bias *Tensor, eps float64) *Tensor {
	const op = "LayerNorm"
	var out C.tg_tensor
	check(op, C.tg_layer_norm(x.handle(op), int64s(shape), C.int64_t(len(shape)), weight.optHandle(op), bias.optHandle(op), C.double(eps), &out))
	runtime.KeepAlive(x)
	runtime.KeepAlive(weight)
	runtime.KeepAlive(bias)
	return newTensor(out)
}

// GroupNorm normalises x (N, C, …) over groups of channels.
func GroupNorm(x *Tensor, groups int64, weight, bias *Tensor, eps float64) *Tensor {
	const op = "GroupNorm"
	var out C.tg_tensor
	check(op, C.tg_group_norm(x.handle(op), C.int64_t(groups), weight.optHandle(op), bias.optHandle(op), C.double(eps), &out))
	runtime.KeepAlive(x)
	runtime.KeepAlive(weight)
	runtime.KeepAlive(bias)
	return newTensor(out)
}

// Embedding looks up rows of weight (num, dim) at Int64 indices; paddingIdx
// (-1 for none) marks a row whose gradient stays zero.
func Embedding(weight, indices *Tensor, paddingIdx int64) *Tensor {
	var out C.tg_tensor
	check("Embedding", C.tg_embedding(weight.handle("Embedding"), indices.handle("Embedding"), C.int64_t(paddingIdx), &out))
	runtime.KeepAlive(weight)
	runtime.KeepAlive(indices)
	return newTensor(out)
}

// ClipGradNorm scales the gradients of params so that their joint
// normType-norm is at most maxNorm (normType may be math.Inf(1)), exactly as
// torch.nn.utils.clip_grad_norm_; returns the norm before clipping.
func ClipGradNorm(params []*Tensor, maxNorm, normType float64) float64 {
	hs := handles("ClipGradNorm", params)
	var total C.double
	check("ClipGradNorm", C.tg_clip_grad_norm(handlesPtr(hs), C.int64_t(len(hs)), C.double(maxNorm), C.double(normType), &total))
	runtime.KeepAlive(params)
	return float64(total)
}

// AmpUnscale_ multiplies every gradient in grads by invScale (a float32
// scalar tensor) and sets foundInf (a float32 scalar) to 1 when any value
// is infinite or NaN: torch._amp_foreach_non_finite_check_and_unscale_,
// the gradient scaler's kernel. libtorch 1.13 has it for CUDA only; 2.3+
// for the CPU too.
func AmpUnscale_(grads []*Tensor, foundInf, invScale *Tensor) {
	hs := handles("AmpUnscale_", grads)
	check("AmpUnscale_", C.tg_amp_unscale(handlesPtr(hs), C.int64_t(len(hs)), foundInf.handle("AmpUnscale_"), invScale.handle("AmpUnscale_")))
	runtime.KeepAlive(grads)
	runtime.KeepAlive(foundInf)
	runtime.KeepAlive(invScale)
}

// AmpUpdateScale_ updates a gradient scaler's scale and growth tracker
// (an int32 scalar) in place, as torch._amp_update_scale_: after an
// overflow (foundInf > 0) the scale is multiplied by backoff and the
// tracker reset; otherwise the tracker counts up and, at interval, the
// scale grows by growth.
func AmpUpdateScale_(scale, growthTracker, foundInf *Tensor, growth, backoff float64, interval int64) {
	check("AmpUpdateScale_", C.tg_amp_update_scale(scale.handle("AmpUpdateScale_"), growthTracker.handle("AmpUpdateScale_"),
		foundInf.handle("AmpUpdateScale_"), C.double(growth), C.double(backoff), C.int64_t(interval)))
	runtime.KeepAlive(scale)
	runtime.KeepAlive(growthTracker)
	runtime.KeepAlive(foundInf)
}
