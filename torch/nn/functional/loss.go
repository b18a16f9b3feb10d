package functional

import (
	"slices"

	"github.com/torchgo/torchgo/torch"
)

// Reduction is a loss's reduction argument, as PyTorch's strings: "mean"
// (the default, also the zero value ""), "sum" or "none"; KLDiv also takes
// "batchmean".
type Reduction string

// The reductions.
const (
	ReductionMean      Reduction = "mean"
	ReductionSum       Reduction = "sum"
	ReductionNone      Reduction = "none"
	ReductionBatchMean Reduction = "batchmean" // KLDiv only
)

// enum is _Reduction.get_enum: the code the aten losses take.
func (r Reduction) enum(op string) int64 {
	switch r {
	case "none":
		return 0
	case "", "mean", "elementwise_mean":
		return 1
	case "sum":
		return 2
	}
	fail(op, "%s is not a valid value for reduction", r)
	return 0
}

// check is the validation of the losses written in Python
// (gaussian_nll_loss, poisson_nll_loss): "x is not valid".
func (r Reduction) check(op string) Reduction {
	switch r {
	case "":
		return ReductionMean
	case ReductionMean, ReductionSum, ReductionNone:
		return r
	}
	fail(op, "%s is not valid", r)
	return r
}

// reduce applies a checked reduction to an elementwise loss as the
// Python-written losses do (loss.mean(), loss.sum(), or loss).
func (r Reduction) reduce(loss *torch.Tensor) *torch.Tensor {
	switch r {
	case ReductionMean:
		return loss.Mean()
	case ReductionSum:
		return loss.Sum()
	}
	return loss
}

// CrossEntropyOpts are F.cross_entropy's keyword arguments; the zero value
// is PyTorch's defaults.
type CrossEntropyOpts struct {
	Weight *torch.Tensor // per-class weight (C), or nil
	// IgnoreIndex is the target class that contributes nothing to the
	// loss or its gradient; nil means PyTorch's -100.
	IgnoreIndex    *int64
	Reduction      Reduction
	LabelSmoothing float64 // in [0, 1]
}

// CrossEntropy is F.cross_entropy: the cross entropy of logits input
// (C), (N, C) or (N, C, d1, …) against class indices target (), (N) or
// (N, d1, …), or class probabilities shaped like input.
func CrossEntropy(input, target *torch.Tensor, opts ...CrossEntropyOpts) *torch.Tensor {
	o := first(opts)
	return call("cross_entropy_loss", "", input, target, o.Weight, o.Reduction.enum("CrossEntropy"),
		or(o.IgnoreIndex, -100), o.LabelSmoothing)
}

// CrossEntropyWith is CrossEntropy with package torch's options.
func CrossEntropyWith(logits, target *torch.Tensor, o torch.CrossEntropyOptions) *torch.Tensor {
	return torch.CrossEntropy(logits, target, o)
}

// NLLLossOpts are F.nll_loss's keyword arguments; the zero value is
// PyTorch's defaults.
type NLLLossOpts struct {
	Weight      *torch.Tensor // per-class weight (C), or nil
	IgnoreIndex *int64        // nil: -100
	Reduction   Reduction
}

// NLLLoss is F.nll_loss: the negative log likelihood of log-probabilities
// input (C), (N, C) or (N, C, d1, …) at class indices target (), (N) or
// (N, d1, …).
func NLLLoss(input, target *torch.Tensor, opts ...NLLLossOpts) *torch.Tensor {
	o := first(opts)
	return call("nll_loss_nd", "", input, target, o.Weight, o.Reduction.enum("NLLLoss"), or(o.IgnoreIndex, -100))
}

// BCEOpts are F.binary_cross_entropy's keyword arguments.
type BCEOpts struct {
	Weight    *torch.Tensor // rescales each element; broadcast to target's shape
	Reduction Reduction
}

// BinaryCrossEntropy is F.binary_cross_entropy of probabilities input and
// targets of the same shape.
func BinaryCrossEntropy(input, target *torch.Tensor, opts ...BCEOpts) *torch.Tensor {
	o := first(opts)
	r := o.Reduction.enum("BinaryCrossEntropy")
	if !slices.Equal(target.Shape(), input.Shape()) {
		fail("BinaryCrossEntropy", "Using a target size (%s) that is different to the input size (%s) is deprecated. "+
			"Please ensure they have the same size.", pySize(target.Shape()), pySize(input.Shape()))
	}
	if o.Weight == nil {
		return call("binary_cross_entropy", "", input, target, nil, r)
	}
	return scoped(func() *torch.Tensor {
		w := o.Weight.Expand(broadcastShapes("BinaryCrossEntropy", target.Shape(), o.Weight.Shape())...)
		return call("binary_cross_entropy", "", input, target, w, r)
	})
}

// broadcastShapes is torch._C._infer_size.
func broadcastShapes(op string, a, b []int64) []int64 {
	n := max(len(a), len(b))
	out := make([]int64, n)
	for i := 0; i < n; i++ {
		x, y := int64(1), int64(1)
		if j := len(a) - n + i; j >= 0 {
			x = a[j]
		}
		if j := len(b) - n + i; j >= 0 {
			y = b[j]
		}
		switch {
		case x == y || y == 1:
			out[i] = x
		case x == 1:
			out[i] = y
		default:
			fail(op, "The size of tensor a (%d) must match the size of tensor b (%d) at non-singleton dimension %d", x, y, i)
		}
	}
	return out
}

// BCEWithLogitsOpts are F.binary_cross_entropy_with_logits's keyword arguments.
type BCEWithLogitsOpts struct {
	Weight    *torch.Tensor // rescales each element, broadcast
	Reduction Reduction
	PosWeight *torch.Tensor // weight of positive examples, broadcast along the class dim
}

// BinaryCrossEntropyWithLogits is F.binary_cross_entropy_with_logits:
// BinaryCrossEntropy of sigmoid(input), computed stably.
func BinaryCrossEntropyWithLogits(input, target *torch.Tensor, opts ...BCEWithLogitsOpts) *torch.Tensor {
	o := first(opts)
	r := o.Reduction.enum("BinaryCrossEntropyWithLogits")
	if !slices.Equal(target.Shape(), input.Shape()) {
		fail("BinaryCrossEntropyWithLogits", "Target size (%s) must be the same as input size (%s)",
			pySize(target.Shape()), pySize(input.Shape()))
	}
	return call("binary_cross_entropy_with_logits", "", input, target, o.Weight, o.PosWeight, r)
}

// LossOpts holds the reduction, the only keyword argument of several losses.
type LossOpts struct {
	Reduction Reduction
}

// pointwise broadcasts input and target as F.mse_loss and its kin do
// (torch.broadcast_tensors), then applies aten::name.
func pointwise(name string, input, target *torch.Tensor, args ...any) *torch.Tensor {
	if slices.Equal(input.Shape(), target.Shape()) {
		return call(name, "", append([]any{input, target}, args...)...)
	}
	return scoped(func() *torch.Tensor {
		b := torch.MustFindOp("aten::broadcast_tensors", "").Call([]*torch.Tensor{input, target})[0].([]*torch.Tensor)
		return call(name, "", append([]any{b[0], b[1]}, args...)...)
	})
}

// MSELoss is F.mse_loss: the squared differences of input and target
// (broadcast together), reduced.
func MSELoss(input, target *torch.Tensor, opts ...LossOpts) *torch.Tensor {
	return pointwise("mse_loss", input, target, first(opts).Reduction.enum("MSELoss"))
}

// L1Loss is F.l1_loss: the absolute differences of input and target
// (broadcast together), reduced.
func L1Loss(input, target *torch.Tensor, opts ...LossOpts) *torch.Tensor {
	return pointwise("l1_loss", input, target, first(opts).Reduction.enum("L1Loss"))
}

// SmoothL1LossOpts are F.smooth_l1_loss's keyword arguments.
type SmoothL1LossOpts struct {
	Reduction Reduction
	Beta      *float64 // where the loss turns from quadratic to linear; nil: 1
}

// SmoothL1Loss is F.smooth_l1_loss: 0.5·d²/beta where |d| < beta, else
// |d| - 0.5·beta, for d = input - target (broadcast together).
func SmoothL1Loss(input, target *torch.Tensor, opts ...SmoothL1LossOpts) *torch.Tensor {
	o := first(opts)
	return pointwise("smooth_l1_loss", input, target, o.Reduction.enum("SmoothL1Loss"), or(o.Beta, 1.0))
}

// HuberLossOpts are F.huber_loss's keyword arguments.
type HuberLossOpts struct {
	Reduction Reduction
	Delta     *float64 // where the loss turns from quadratic to linear; nil: 1
}

// HuberLoss is F.huber_loss: 0.5·d² where |d| < delta, else
// delta·(|d| - 0.5·delta), for d = input - target (broadcast together).
func HuberLoss(input, target *torch.Tensor, opts ...HuberLossOpts) *torch.Tensor {
	o := first(opts)
	return pointwise("huber_loss", input, target, o.Reduction.enum("HuberLoss"), or(o.Delta, 1.0))
}

// KLDivOpts are F.kl_div's keyword arguments.
type KLDivOpts struct {
	// Reduction may also be "batchmean": the sum divided by the batch size,
	// the mathematical KL divergence ("mean" divides by every element).
	Reduction Reduction
	LogTarget bool // target holds log-probabilities
}

// KLDiv is F.kl_div: the Kullback-Leibler divergence of log-probabilities
// input from target.
func KLDiv(input, target *torch.Tensor, opts ...KLDivOpts) *torch.Tensor {
	o := first(opts)
	if o.Reduction != ReductionBatchMean {
		return call("kl_div", "", input, target, o.Reduction.enum("KLDiv"), o.LogTarget)
	}
	if input.Dim() == 0 {
		return call("kl_div", "", input, target, int64(2), o.LogTarget)
	}
	return scoped(func() *torch.Tensor {
		return call("kl_div", "", input, target, int64(2), o.LogTarget).DivScalar(input.Size(0))
	})
}

// KLDivBatchMean is F.kl_div(x, y, reduction="batchmean").
func KLDivBatchMean(x, y *torch.Tensor) *torch.Tensor {
	return KLDiv(x, y, KLDivOpts{Reduction: ReductionBatchMean})
}

// CTCLossOpts are F.ctc_loss's keyword arguments.
type CTCLossOpts struct {
	Blank        int64 // the blank label
	Reduction    Reduction
	ZeroInfinity bool // zero infinite losses (impossible alignments) and their gradients
}

// CTCLoss is F.ctc_loss, the connectionist temporal classification loss of
// logProbs (T, N, C) or (T, C) (log_softmax outputs) against targets (N, S)
// or concatenated (sum(targetLengths)), with inputLengths and
// targetLengths (N) or () Int64 tensors. "mean" divides each loss by its
// target length, then averages over the batch.
func CTCLoss(logProbs, targets, inputLengths, targetLengths *torch.Tensor, opts ...CTCLossOpts) *torch.Tensor {
	o := first(opts)
	return call("ctc_loss", "Tensor", logProbs, targets, inputLengths, targetLengths, o.Blank,
		o.Reduction.enum("CTCLoss"), o.ZeroInfinity)
}

// GaussianNLLLossOpts are F.gaussian_nll_loss's keyword arguments.
type GaussianNLLLossOpts struct {
	Full      bool     // add the constant 0.5·log(2π)
	Eps       *float64 // the variance's lower clamp, for stability; nil: 1e-6
	Reduction Reduction
}

// halfLog2Pi is Python's 0.5 * math.log(2 * math.pi).
const halfLog2Pi = 0.9189385332046727

// GaussianNLLLoss is F.gaussian_nll_loss: 0.5·(log(var) + (input -
// target)²/var) with var clamped to at least eps (without gradient through
// the clamp). variance has input's shape, or input's without its last dim
// or with 1 there (one variance for all the features).
func GaussianNLLLoss(input, target, variance *torch.Tensor, opts ...GaussianNLLLossOpts) *torch.Tensor {
	const op = "GaussianNLLLoss"
	o := first(opts)
	is, vs := input.Shape(), variance.Shape()
	unsqueeze := false
	if !slices.Equal(vs, is) {
		switch {
		case len(is) > 0 && slices.Equal(is[:len(is)-1], vs):
			unsqueeze = true
		case len(is) > 0 && len(vs) > 0 && slices.Equal(is[:len(is)-1], vs[:len(vs)-1]) && vs[len(vs)-1] == 1:
		default:
			fail(op, "var is of incorrect size")
		}
	}
	r := o.Reduction.check(op)
	return scoped(func() *torch.Tensor {
		v := variance
		if unsqueeze {
			v = v.Unsqueeze(-1)
		}
		if v.LtScalar(0).Any().ItemBool() {
			fail(op, "var has negative entry/entries")
		}
		v = v.Clone()
		torch.NoGrad(func() { v.Clamp_(or(o.Eps, 1e-6), nil) })
		loss := v.Log().Add(input.Sub(target).Pow(2).Div(v)).MulScalar(0.5)
		if o.Full {
			loss.AddScalar_(halfLog2Pi)
		}
		return r.reduce(loss)
	})
}

// PoissonNLLLossOpts are F.poisson_nll_loss's keyword arguments.
type PoissonNLLLossOpts struct {
	// NoLogInput takes input as the rate itself (log_input=False): the loss
	// is input - target·log(input + eps) instead of exp(input) - target·input.
	NoLogInput bool
	Full       bool     // add Stirling's approximation of log(target!)
	Eps        *float64 // nil: 1e-8
	Reduction  Reduction
}

// PoissonNLLLoss is F.poisson_nll_loss, the negative log likelihood of
// target under a Poisson distribution of rate exp(input) (or input).
func PoissonNLLLoss(input, target *torch.Tensor, opts ...PoissonNLLLossOpts) *torch.Tensor {
	o := first(opts)
	r := o.Reduction.check("PoissonNLLLoss")
	return call("poisson_nll_loss", "", input, target, !o.NoLogInput, o.Full, or(o.Eps, 1e-8), r.enum("PoissonNLLLoss"))
}

// MarginOpts hold a margin (default 0) and the reduction.
type MarginOpts struct {
	Margin    float64
	Reduction Reduction
}

// MarginRankingLoss is F.margin_ranking_loss: max(0, -target·(input1 -
// input2) + margin), target holding 1 or -1.
func MarginRankingLoss(input1, input2, target *torch.Tensor, opts ...MarginOpts) *torch.Tensor {
	o := first(opts)
	r := o.Reduction.enum("MarginRankingLoss")
	if input1.Dim() != input2.Dim() || input1.Dim() != target.Dim() {
		fail("MarginRankingLoss", "margin_ranking_loss : All input tensors should have same dimension but got sizes: "+
			"input1: %s, input2: %s, target: %s ", pySize(input1.Shape()), pySize(input2.Shape()), pySize(target.Shape()))
	}
	return call("margin_ranking_loss", "", input1, input2, target, o.Margin, r)
}

// CosineEmbeddingLoss is F.cosine_embedding_loss: 1 - cos(input1, input2)
// where target is 1, max(0, cos(input1, input2) - margin) where it is -1.
func CosineEmbeddingLoss(input1, input2, target *torch.Tensor, opts ...MarginOpts) *torch.Tensor {
	o := first(opts)
	return call("cosine_embedding_loss", "", input1, input2, target, o.Margin, o.Reduction.enum("CosineEmbeddingLoss"))
}

// HingeEmbeddingLossOpts are F.hinge_embedding_loss's keyword arguments.
type HingeEmbeddingLossOpts struct {
	Margin    *float64 // nil: 1
	Reduction Reduction
}

// HingeEmbeddingLoss is F.hinge_embedding_loss: input where target is 1,
// max(0, margin - input) where it is -1.
func HingeEmbeddingLoss(input, target *torch.Tensor, opts ...HingeEmbeddingLossOpts) *torch.Tensor {
	o := first(opts)
	return call("hinge_embedding_loss", "", input, target, or(o.Margin, 1.0), o.Reduction.enum("HingeEmbeddingLoss"))
}

// MultiLabelMarginLoss is F.multilabel_margin_loss: the multi-class hinge
// loss of input (C) or (N, C) against target class indices of the same
// shape, each row's valid indices first and then -1.
func MultiLabelMarginLoss(input, target *torch.Tensor, opts ...LossOpts) *torch.Tensor {
	return call("multilabel_margin_loss", "", input, target, first(opts).Reduction.enum("MultiLabelMarginLoss"))
}

// SoftMarginLoss is F.soft_margin_loss: log(1 + exp(-target·input)), target
// holding 1 or -1.
func SoftMarginLoss(input, target *torch.Tensor, opts ...LossOpts) *torch.Tensor {
	return call("soft_margin_loss", "", input, target, first(opts).Reduction.enum("SoftMarginLoss"))
}

// WeightedLossOpts hold a per-class weight and the reduction.
type WeightedLossOpts struct {
	Weight    *torch.Tensor
	Reduction Reduction
}

// MultiLabelSoftMarginLoss is F.multilabel_soft_margin_loss: the binary
// cross entropy of sigmoid(input) against 0/1 targets, averaged over the
// classes (the last dim), optionally weighted per class.
func MultiLabelSoftMarginLoss(input, target *torch.Tensor, opts ...WeightedLossOpts) *torch.Tensor {
	const op = "MultiLabelSoftMarginLoss"
	o := first(opts)
	return scoped(func() *torch.Tensor {
		pos := target.Mul(call("log_sigmoid", "", input))
		neg := call("rsub", "Scalar", target, int64(1)).Mul(call("log_sigmoid", "", input.Neg()))
		loss := pos.Add(neg).Neg()
		if o.Weight != nil {
			loss = loss.Mul(o.Weight)
		}
		classDim := input.Dim() - 1
		loss = loss.SumDim([]int64{classDim}, false).DivScalar(input.Size(classDim))
		switch o.Reduction {
		case ReductionNone:
			return loss
		case "", ReductionMean:
			return loss.Mean()
		case ReductionSum:
			return loss.Sum()
		}
		fail(op, "%s is not valid", o.Reduction)
		return nil
	})
}

// MultiMarginLossOpts are F.multi_margin_loss's keyword arguments.
type MultiMarginLossOpts struct {
	P         int64    // 1 (also 0, the default) or 2
	Margin    *float64 // nil: 1
	Weight    *torch.Tensor
	Reduction Reduction
}

// MultiMarginLoss is F.multi_margin_loss, the multi-class hinge loss of
// input (C) or (N, C) at class indices target () or (N).
func MultiMarginLoss(input, target *torch.Tensor, opts ...MultiMarginLossOpts) *torch.Tensor {
	const op = "MultiMarginLoss"
	o := first(opts)
	r := o.Reduction.enum(op)
	p := o.P
	if p == 0 {
		p = 1
	}
	if p != 1 && p != 2 {
		fail(op, "only p == 1 and p == 2 supported")
	}
	if o.Weight != nil && o.Weight.Dim() != 1 {
		fail(op, "weight must be one-dimensional")
	}
	return call("multi_margin_loss", "", input, target, p, or(o.Margin, 1.0), o.Weight, r)
}

// TripletMarginLossOpts are F.triplet_margin_loss's keyword arguments.
type TripletMarginLossOpts struct {
	Margin    *float64 // nil: 1
	P         *float64 // the norm degree of the pairwise distance; nil: 2
	Eps       *float64 // nil: 1e-6
	Swap      bool     // use the distance of positive to negative when smaller
	Reduction Reduction
}

// TripletMarginLoss is F.triplet_margin_loss: max(d(anchor, positive) -
// d(anchor, negative) + margin, 0) with d the pairwise p-norm distance.
func TripletMarginLoss(anchor, positive, negative *torch.Tensor, opts ...TripletMarginLossOpts) *torch.Tensor {
	o := first(opts)
	return call("triplet_margin_loss", "", anchor, positive, negative, or(o.Margin, 1.0), or(o.P, 2.0),
		or(o.Eps, 1e-6), o.Swap, o.Reduction.enum("TripletMarginLoss"))
}
