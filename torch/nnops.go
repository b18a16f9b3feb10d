package torch

/*
#include "shim.h"
#cgo noescape tg_linear
#cgo nocallback tg_linear
#cgo noescape tg_conv2d
#cgo nocallback tg_conv2d
#cgo noescape tg_max_pool2d
#cgo nocallback tg_max_pool2d
#cgo noescape tg_log_softmax
#cgo nocallback tg_log_softmax
#cgo noescape tg_cross_entropy
#cgo nocallback tg_cross_entropy
#cgo noescape tg_nll_loss
#cgo nocallback tg_nll_loss
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

var (
	atenConv1d        = &lazyOp{name: "aten::conv1d"}
	atenConv1dPadding = &lazyOp{name: "aten::conv1d", overload: "padding"}
	atenConv2dPadding = &lazyOp{name: "aten::conv2d", overload: "padding"}
)

func convArgs(op string, nd int, o ConvOptions) (stride, padding, dilation []int64, groups int64) {
	stride = perDim(op, "stride", o.Stride, nd, 1)
	padding = perDim(op, "padding", o.Padding, nd, 0)
	dilation = perDim(op, "dilation", o.Dilation, nd, 1)
	groups = o.Groups
	if groups == 0 {
		groups = 1
	}
	return
}

// Conv1d convolves x (N, Cin, L) with w (Cout, Cin/groups, K), plus b (Cout) or nil.
func Conv1d(x, w, b *Tensor, o ConvOptions) *Tensor {
	const op = "Conv1d"
	stride, padding, dilation, groups := convArgs(op, 1, o)
	if o.SamePadding {
		return atenConv1dPadding.tensorAs(op, x, w, b, stride, "same", dilation, groups)
	}
	return atenConv1d.tensorAs(op, x, w, b, stride, padding, dilation, groups)
}

// Conv2d convolves x (N, Cin, H, W) with w (Cout, Cin/groups, KH, KW), plus b (Cout) or nil.
func Conv2d(x, w, b *Tensor, o ConvOptions) *Tensor {
	const op = "Conv2d"
	stride, padding, dilation, groups := convArgs(op, 2, o)
	if o.SamePadding {
		return atenConv2dPadding.tensorAs(op, x, w, b, stride, "same", dilation, groups)
	}
	var out C.tg_tensor
	check(op, C.tg_conv2d(x.handle(op), w.handle(op), b.optHandle(op), int64s(stride), int64s(padding),
		int64s(dilation), C.int64_t(groups), &out))
	runtime.KeepAlive(x)
	runtime.KeepAlive(w)
	runtime.KeepAlive(b)
	return newTensor(out)
}

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
	return atenConvTranspose2d.tensorAs(op, x, w, b, perDim(op, "stride", o.Stride, 2, 1), perDim(op, "padding", o.Padding, 2, 0),
		perDim(op, "output padding", o.OutputPadding, 2, 0), groups, perDim(op, "dilation", o.Dilation, 2, 1))
}

var atenConvTranspose2d = &lazyOp{name: "aten::conv_transpose2d", overload: "input"}

// PoolOptions configure pooling; Kernel is required, a nil Stride means the
// kernel size (PyTorch's default), Padding defaults to 0 and Dilation to 1.
type PoolOptions struct {
	Kernel, Stride, Padding, Dilation []int64
	CeilMode                          bool
	// CountExcludePad leaves padding zeros out of averages (AvgPool2d's
	// count_include_pad=False; PyTorch's default counts them).
	CountExcludePad bool
}

// poolArgs expands the kernel, stride, padding and dilation to nd values.
func poolArgs(op string, nd int, o PoolOptions) (kernel, stride, padding, dilation []int64) {
	if len(o.Kernel) == 0 {
		panic(errorf(op, "kernel size is required"))
	}
	kernel = perDim(op, "kernel", o.Kernel, nd, 1)
	stride = kernel
	if len(o.Stride) > 0 {
		stride = perDim(op, "stride", o.Stride, nd, 1)
	}
	return kernel, stride, perDim(op, "padding", o.Padding, nd, 0), perDim(op, "dilation", o.Dilation, nd, 1)
}

var (
	atenMaxPool1d         = &lazyOp{name: "aten::max_pool1d"}
	atenAvgPool2d         = &lazyOp{name: "aten::avg_pool2d"}
	atenAdaptiveAvgPool2d = &lazyOp{name: "aten::adaptive_avg_pool2d"}
	atenSoftmax           = &lazyOp{name: "aten::softmax", overload: "int"}
	atenLeakyReLU         = &lazyOp{name: "aten::leaky_relu"}
	atenGELU              = &lazyOp{name: "aten::gelu"}
	atenDropout           = &lazyOp{name: "aten::dropout"}
)

// MaxPool1d takes the maximum over windows of x (N, C, L).
func MaxPool1d(x *Tensor, o PoolOptions) *Tensor {
	kernel, stride, padding, dilation := poolArgs("MaxPool1d", 1, o)
	return atenMaxPool1d.tensorAs("MaxPool1d", x, kernel, stride, padding, dilation, o.CeilMode)
}

// MaxPool2d takes the maximum over windows of x (N, C, H, W), like F.max_pool2d.
func MaxPool2d(x *Tensor, o PoolOptions) *Tensor {
	const op = "MaxPool2d"
	kernel, stride, padding, dilation := poolArgs(op, 2, o)
	var out C.tg_tensor
	check(op, C.tg_max_pool2d(x.handle(op), int64s(kernel), int64s(stride), int64s(padding), int64s(dilation),
		cbool(o.CeilMode), &out))
	runtime.KeepAlive(x)
	return newTensor(out)
}

// AvgPool2d averages over windows of x (N, C, H, W).
func AvgPool2d(x *Tensor, o PoolOptions) *Tensor {
	kernel, stride, padding, _ := poolArgs("AvgPool2d", 2, o)
	return atenAvgPool2d.tensorAs("AvgPool2d", x, kernel, stride, padding, o.CeilMode, !o.CountExcludePad)
}

// AdaptiveAvgPool2d averages x (N, C, H, W) down to (N, C, h, w).
func AdaptiveAvgPool2d(x *Tensor, h, w int64) *Tensor {
	return atenAdaptiveAvgPool2d.tensorAs("AdaptiveAvgPool2d", x, []int64{h, w})
}

// Softmax normalises exp(x) to sum to 1 along dim.
func Softmax(x *Tensor, dim int64) *Tensor { return atenSoftmax.tensorAs("Softmax", x, dim) }

// LogSoftmax is log(Softmax(x, dim)), computed stably.
func LogSoftmax(x *Tensor, dim int64) *Tensor {
	var out C.tg_tensor
	check("LogSoftmax", C.tg_log_softmax(x.handle("LogSoftmax"), C.int64_t(dim), &out))
	runtime.KeepAlive(x)
	return newTensor(out)
}

// LeakyReLU is x for x >= 0 and slope*x below (PyTorch's default slope is 0.01).
func LeakyReLU(x *Tensor, slope float64) *Tensor {
	return atenLeakyReLU.tensorAs("LeakyReLU", x, slope)
}

// GELU is x·Φ(x); tanhApprox selects the tanh approximation.
func GELU(x *Tensor, tanhApprox bool) *Tensor {
	approximate := "none"
	if tanhApprox {
		approximate = "tanh"
	}
	return atenGELU.tensorAs("GELU", x, approximate)
}

// Dropout zeroes elements with probability p and scales the rest by
// 1/(1-p) when train is true; otherwise it returns x's values unchanged.
func Dropout(x *Tensor, p float64, train bool) *Tensor {
	if p < 0 || p > 1 {
		panic(errorf("Dropout", "probability must be in [0, 1], got %g", p))
	}
	return atenDropout.tensorAs("Dropout", x, p, train)
}

// Reduction says how a loss combines its per-element values.
type Reduction int

// Reductions, with libtorch's codes. The zero value is Mean, PyTorch's default.
const (
	ReduceMean Reduction = iota
	ReduceSum
	ReduceNone
)

// aten is the reduction as aten's schemas take it (at::Reduction: 0 none,
// 1 mean, 2 sum).
func (r Reduction) aten() int64 {
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
		o.Weight.optHandle("CrossEntropy"), C.int64_t(o.Reduction.aten()), C.int64_t(ignore), C.double(o.LabelSmoothing), &out))
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
		C.int64_t(r.aten()), C.int64_t(ignoreIndex), &out))
	runtime.KeepAlive(x)
	runtime.KeepAlive(target)
	runtime.KeepAlive(weight)
	return newTensor(out)
}

var (
	atenMSELoss                      = &lazyOp{name: "aten::mse_loss"}
	atenL1Loss                       = &lazyOp{name: "aten::l1_loss"}
	atenSmoothL1Loss                 = &lazyOp{name: "aten::smooth_l1_loss"}
	atenBinaryCrossEntropy           = &lazyOp{name: "aten::binary_cross_entropy"}
	atenBinaryCrossEntropyWithLogits = &lazyOp{name: "aten::binary_cross_entropy_with_logits"}
	atenKLDiv                        = &lazyOp{name: "aten::kl_div"}
)

// MSELoss is the mean (or sum) of squared differences.
func MSELoss(x, y *Tensor, r Reduction) *Tensor {
	return atenMSELoss.tensorAs("MSELoss", x, y, r.aten())
}

// L1Loss is the mean (or sum) of absolute differences.
func L1Loss(x, y *Tensor, r Reduction) *Tensor { return atenL1Loss.tensorAs("L1Loss", x, y, r.aten()) }

// SmoothL1Loss is the Huber-like loss with threshold beta (PyTorch's default 1).
func SmoothL1Loss(x, y *Tensor, r Reduction, beta float64) *Tensor {
	return atenSmoothL1Loss.tensorAs("SmoothL1Loss", x, y, r.aten(), beta)
}

// BinaryCrossEntropy of probabilities x and targets y, with optional weight.
func BinaryCrossEntropy(x, y, weight *Tensor, r Reduction) *Tensor {
	return atenBinaryCrossEntropy.tensorAs("BinaryCrossEntropy", x, y, weight, r.aten())
}

// BinaryCrossEntropyWithLogits of logits x and targets y, with optional
// weight and positive-class weight.
func BinaryCrossEntropyWithLogits(x, y, weight, posWeight *Tensor, r Reduction) *Tensor {
	return atenBinaryCrossEntropyWithLogits.tensorAs("BinaryCrossEntropyWithLogits", x, y, weight, posWeight, r.aten())
}

// KLDiv is F.kl_div of log-probabilities x and targets y (log-probabilities
// when logTarget). For reduction="batchmean" use ReduceSum and divide by the
// batch size, as PyTorch does.
func KLDiv(x, y *Tensor, r Reduction, logTarget bool) *Tensor {
	return atenKLDiv.tensorAs("KLDiv", x, y, r.aten(), logTarget)
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
	if mode < PadConstant || mode > PadCircular {
		panic(errorf("Pad", "unknown padding mode %d", mode))
	}
	var v any // value=None outside constant mode, as F.pad passes it
	if mode == PadConstant {
		v = value
	}
	return atenPad.tensorAs("Pad", x, pad, padModes[mode], v)
}

// padModes are F.pad's mode strings, by PadMode.
var padModes = [...]string{PadConstant: "constant", PadReflect: "reflect", PadReplicate: "replicate", PadCircular: "circular"}

var (
	atenPad               = &lazyOp{name: "aten::pad"}
	atenUpsampleNearest2d = &lazyOp{name: "aten::upsample_nearest2d"}
	atenUpsampleBilinear  = &lazyOp{name: "aten::upsample_bilinear2d"}
	atenOneHot            = &lazyOp{name: "aten::one_hot"}
	atenBatchNorm         = &lazyOp{name: "aten::batch_norm"}
	atenLayerNorm         = &lazyOp{name: "aten::layer_norm"}
	atenGroupNorm         = &lazyOp{name: "aten::group_norm"}
	atenEmbedding         = &lazyOp{name: "aten::embedding"}
)

// Interpolate resizes x (N, C, H, W) to size (h, w), nearest or bilinear.
func Interpolate(x *Tensor, size []int64, bilinear, alignCorners bool) *Tensor {
	if len(size) != 2 {
		panic(errorf("Interpolate", "interpolate supports 2 spatial dims (NCHW input)"))
	}
	if bilinear {
		return atenUpsampleBilinear.tensorAs("Interpolate", x, size, alignCorners)
	}
	return atenUpsampleNearest2d.tensorAs("Interpolate", x, size)
}

// OneHot turns Int64 class indices into one-hot Int64 rows of numClasses
// (-1: one more than the largest index).
func OneHot(x *Tensor, numClasses int64) *Tensor { return atenOneHot.tensorAs("OneHot", x, numClasses) }

// BatchNorm normalises x (N, C, …) per channel. In training it uses the
// batch's statistics and updates runningMean/runningVar (if given) with
// momentum; otherwise it uses the running statistics.
func BatchNorm(x, weight, bias, runningMean, runningVar *Tensor, training bool, momentum, eps float64) *Tensor {
	return atenBatchNorm.tensorAs("BatchNorm", x, weight, bias, runningMean, runningVar, training, momentum, eps, true)
}

// LayerNorm normalises over x's trailing dims given by shape.
func LayerNorm(x *Tensor, shape []int64, weight, bias *Tensor, eps float64) *Tensor {
	return atenLayerNorm.tensorAs("LayerNorm", x, shape, weight, bias, eps, true)
}

// GroupNorm normalises x (N, C, …) over groups of channels.
func GroupNorm(x *Tensor, groups int64, weight, bias *Tensor, eps float64) *Tensor {
	return atenGroupNorm.tensorAs("GroupNorm", x, groups, weight, bias, eps, true)
}

// Embedding looks up rows of weight (num, dim) at Int64 indices; paddingIdx
// (-1 for none) marks a row whose gradient stays zero.
func Embedding(weight, indices *Tensor, paddingIdx int64) *Tensor {
	return atenEmbedding.tensorAs("Embedding", weight, indices, paddingIdx, false, false)
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
	atenAmpUnscale_.doAs("AmpUnscale_", tensorList("AmpUnscale_", grads), foundInf, invScale)
}

var (
	atenAmpUnscale_     = &lazyOp{name: "aten::_amp_foreach_non_finite_check_and_unscale_"}
	atenAmpUpdateScale_ = &lazyOp{name: "aten::_amp_update_scale_"}
)

// AmpUpdateScale_ updates a gradient scaler's scale and growth tracker
// (an int32 scalar) in place, as torch._amp_update_scale_: after an
// overflow (foundInf > 0) the scale is multiplied by backoff and the
// tracker reset; otherwise the tracker counts up and, at interval, the
// scale grows by growth.
func AmpUpdateScale_(scale, growthTracker, foundInf *Tensor, growth, backoff float64, interval int64) {
	atenAmpUpdateScale_.doAs("AmpUpdateScale_", scale, growthTracker, foundInf, growth, backoff, interval)
}
