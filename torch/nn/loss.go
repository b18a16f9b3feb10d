package nn

import (
	"github.com/torchgo/torchgo/torch"
	F "github.com/torchgo/torchgo/torch/nn/functional"
)

// The loss modules of torch.nn. Each takes PyTorch's constructor arguments
// as the options of its functional form (F.CrossEntropyOpts for
// CrossEntropyLoss), whose zero value is PyTorch's defaults; Reduction is
// "mean" (also ""), "sum" or "none". The per-class weights of the weighted
// losses (and BCEWithLogitsLoss's pos_weight) are registered as buffers,
// so that they are in the state dict as in PyTorch.

// lossBuffer registers t (when not nil) as the persistent buffer name.
func lossBuffer(m *Module, name string, t *torch.Tensor) *torch.Tensor {
	if t == nil {
		return nil
	}
	return m.RegisterBuffer(name, t, true)
}

func lossModule(m *Module, name string) { m.typeName = name }

// CrossEntropyLossConfig is nn.CrossEntropyLoss's arguments.
type CrossEntropyLossConfig = F.CrossEntropyOpts

// CrossEntropyLoss is the cross entropy of logits (C), (N, C) or (N, C, d1,
// …) against class indices () / (N) / (N, d1, …) or class probabilities
// shaped like the logits (nn.CrossEntropyLoss).
type CrossEntropyLoss struct {
	Module
	Weight         *torch.Tensor // the buffer "weight" (C), or nil
	IgnoreIndex    int64
	Reduction      F.Reduction
	LabelSmoothing float64
}

// NewCrossEntropyLoss makes a CrossEntropyLoss.
func NewCrossEntropyLoss(c ...CrossEntropyLossConfig) *CrossEntropyLoss {
	o := firstCfg(c)
	l := &CrossEntropyLoss{IgnoreIndex: ptrOr(o.IgnoreIndex, -100), Reduction: o.Reduction, LabelSmoothing: o.LabelSmoothing}
	lossModule(&l.Module, "CrossEntropyLoss")
	l.Weight = lossBuffer(&l.Module, "weight", o.Weight)
	return l
}

// Forward is the loss of input against target.
func (l *CrossEntropyLoss) Forward(input, target *torch.Tensor) *torch.Tensor {
	return F.CrossEntropy(input, target, F.CrossEntropyOpts{Weight: l.Weight, IgnoreIndex: &l.IgnoreIndex,
		Reduction: l.Reduction, LabelSmoothing: l.LabelSmoothing})
}

// NLLLossConfig is nn.NLLLoss's arguments.
type NLLLossConfig = F.NLLLossOpts

// NLLLoss is the negative log likelihood of log-probabilities (C), (N, C)
// or (N, C, d1, …) at class indices () / (N) / (N, d1, …) (nn.NLLLoss).
type NLLLoss struct {
	Module
	Weight      *torch.Tensor // the buffer "weight" (C), or nil
	IgnoreIndex int64
	Reduction   F.Reduction
}

// NewNLLLoss makes an NLLLoss.
func NewNLLLoss(c ...NLLLossConfig) *NLLLoss {
	o := firstCfg(c)
	l := &NLLLoss{IgnoreIndex: ptrOr(o.IgnoreIndex, -100), Reduction: o.Reduction}
	lossModule(&l.Module, "NLLLoss")
	l.Weight = lossBuffer(&l.Module, "weight", o.Weight)
	return l
}

// Forward is the loss of input against target.
func (l *NLLLoss) Forward(input, target *torch.Tensor) *torch.Tensor {
	return F.NLLLoss(input, target, F.NLLLossOpts{Weight: l.Weight, IgnoreIndex: &l.IgnoreIndex, Reduction: l.Reduction})
}

// BCELossConfig is nn.BCELoss's arguments.
type BCELossConfig = F.BCEOpts

// BCELoss is the binary cross entropy of probabilities against targets of
// the same shape (nn.BCELoss).
type BCELoss struct {
	Module
	Weight    *torch.Tensor // the buffer "weight", broadcast to the targets, or nil
	Reduction F.Reduction
}

// NewBCELoss makes a BCELoss.
func NewBCELoss(c ...BCELossConfig) *BCELoss {
	o := firstCfg(c)
	l := &BCELoss{Reduction: o.Reduction}
	lossModule(&l.Module, "BCELoss")
	l.Weight = lossBuffer(&l.Module, "weight", o.Weight)
	return l
}

// Forward is the loss of input against target.
func (l *BCELoss) Forward(input, target *torch.Tensor) *torch.Tensor {
	return F.BinaryCrossEntropy(input, target, F.BCEOpts{Weight: l.Weight, Reduction: l.Reduction})
}

// BCEWithLogitsLossConfig is nn.BCEWithLogitsLoss's arguments.
type BCEWithLogitsLossConfig = F.BCEWithLogitsOpts

// BCEWithLogitsLoss is BCELoss of sigmoid(logits), computed stably
// (nn.BCEWithLogitsLoss).
type BCEWithLogitsLoss struct {
	Module
	Weight    *torch.Tensor // the buffer "weight", or nil
	PosWeight *torch.Tensor // the buffer "pos_weight": the positive examples' weight per class, or nil
	Reduction F.Reduction
}

// NewBCEWithLogitsLoss makes a BCEWithLogitsLoss.
func NewBCEWithLogitsLoss(c ...BCEWithLogitsLossConfig) *BCEWithLogitsLoss {
	o := firstCfg(c)
	l := &BCEWithLogitsLoss{Reduction: o.Reduction}
	lossModule(&l.Module, "BCEWithLogitsLoss")
	l.Weight = lossBuffer(&l.Module, "weight", o.Weight)
	l.PosWeight = lossBuffer(&l.Module, "pos_weight", o.PosWeight)
	return l
}

// Forward is the loss of input against target.
func (l *BCEWithLogitsLoss) Forward(input, target *torch.Tensor) *torch.Tensor {
	return F.BinaryCrossEntropyWithLogits(input, target, F.BCEWithLogitsOpts{Weight: l.Weight, PosWeight: l.PosWeight, Reduction: l.Reduction})
}

// LossConfig holds the reduction, the only argument of several losses.
type LossConfig = F.LossOpts

// MSELoss is the squared error of input and target, broadcast together (nn.MSELoss).
type MSELoss struct {
	Module
	Reduction F.Reduction
}

// NewMSELoss makes an MSELoss.
func NewMSELoss(c ...LossConfig) *MSELoss {
	l := &MSELoss{Reduction: firstCfg(c).Reduction}
	lossModule(&l.Module, "MSELoss")
	return l
}

// Forward is the loss of input against target.
func (l *MSELoss) Forward(input, target *torch.Tensor) *torch.Tensor {
	return F.MSELoss(input, target, F.LossOpts{Reduction: l.Reduction})
}

// L1Loss is the absolute error of input and target, broadcast together (nn.L1Loss).
type L1Loss struct {
	Module
	Reduction F.Reduction
}

// NewL1Loss makes an L1Loss.
func NewL1Loss(c ...LossConfig) *L1Loss {
	l := &L1Loss{Reduction: firstCfg(c).Reduction}
	lossModule(&l.Module, "L1Loss")
	return l
}

// Forward is the loss of input against target.
func (l *L1Loss) Forward(input, target *torch.Tensor) *torch.Tensor {
	return F.L1Loss(input, target, F.LossOpts{Reduction: l.Reduction})
}

// SmoothL1LossConfig is nn.SmoothL1Loss's arguments.
type SmoothL1LossConfig = F.SmoothL1LossOpts

// SmoothL1Loss is quadratic below Beta and linear above in |input - target|
// (nn.SmoothL1Loss).
type SmoothL1Loss struct {
	Module
	Reduction F.Reduction
	Beta      float64
}

// NewSmoothL1Loss makes a SmoothL1Loss.
func NewSmoothL1Loss(c ...SmoothL1LossConfig) *SmoothL1Loss {
	o := firstCfg(c)
	l := &SmoothL1Loss{Reduction: o.Reduction, Beta: ptrOr(o.Beta, 1.0)}
	lossModule(&l.Module, "SmoothL1Loss")
	return l
}

// Forward is the loss of input against target.
func (l *SmoothL1Loss) Forward(input, target *torch.Tensor) *torch.Tensor {
	return F.SmoothL1Loss(input, target, F.SmoothL1LossOpts{Reduction: l.Reduction, Beta: &l.Beta})
}

// HuberLossConfig is nn.HuberLoss's arguments.
type HuberLossConfig = F.HuberLossOpts

// HuberLoss is quadratic below Delta and linear above in |input - target|,
// Delta·SmoothL1Loss with beta Delta (nn.HuberLoss).
type HuberLoss struct {
	Module
	Reduction F.Reduction
	Delta     float64
}

// NewHuberLoss makes a HuberLoss.
func NewHuberLoss(c ...HuberLossConfig) *HuberLoss {
	o := firstCfg(c)
	l := &HuberLoss{Reduction: o.Reduction, Delta: ptrOr(o.Delta, 1.0)}
	lossModule(&l.Module, "HuberLoss")
	return l
}

// Forward is the loss of input against target.
func (l *HuberLoss) Forward(input, target *torch.Tensor) *torch.Tensor {
	return F.HuberLoss(input, target, F.HuberLossOpts{Reduction: l.Reduction, Delta: &l.Delta})
}

// KLDivLossConfig is nn.KLDivLoss's arguments; Reduction may be "batchmean".
type KLDivLossConfig = F.KLDivOpts

// KLDivLoss is the Kullback-Leibler divergence of log-probabilities input
// from target (nn.KLDivLoss).
type KLDivLoss struct {
	Module
	Reduction F.Reduction // "mean", "sum", "none" or "batchmean"
	LogTarget bool
}

// NewKLDivLoss makes a KLDivLoss.
func NewKLDivLoss(c ...KLDivLossConfig) *KLDivLoss {
	o := firstCfg(c)
	l := &KLDivLoss{Reduction: o.Reduction, LogTarget: o.LogTarget}
	lossModule(&l.Module, "KLDivLoss")
	return l
}

// Forward is the loss of input against target.
func (l *KLDivLoss) Forward(input, target *torch.Tensor) *torch.Tensor {
	return F.KLDiv(input, target, F.KLDivOpts{Reduction: l.Reduction, LogTarget: l.LogTarget})
}

// CTCLossConfig is nn.CTCLoss's arguments.
type CTCLossConfig = F.CTCLossOpts

// CTCLoss is the connectionist temporal classification loss (nn.CTCLoss).
type CTCLoss struct {
	Module
	Blank        int64
	Reduction    F.Reduction
	ZeroInfinity bool
}

// NewCTCLoss makes a CTCLoss.
func NewCTCLoss(c ...CTCLossConfig) *CTCLoss {
	o := firstCfg(c)
	l := &CTCLoss{Blank: o.Blank, Reduction: o.Reduction, ZeroInfinity: o.ZeroInfinity}
	lossModule(&l.Module, "CTCLoss")
	return l
}

// Forward is the loss of logProbs (T, N, C) or (T, C) against targets (N,
// S) or concatenated, with Int64 inputLengths and targetLengths (N) or (),
// as F.CTCLoss.
func (l *CTCLoss) Forward(logProbs, targets, inputLengths, targetLengths *torch.Tensor) *torch.Tensor {
	return F.CTCLoss(logProbs, targets, inputLengths, targetLengths, F.CTCLossOpts{Blank: l.Blank,
		Reduction: l.Reduction, ZeroInfinity: l.ZeroInfinity})
}

// GaussianNLLLossConfig is nn.GaussianNLLLoss's arguments.
type GaussianNLLLossConfig = F.GaussianNLLLossOpts

// GaussianNLLLoss is the negative log likelihood of target under normal
// distributions of mean input and variance var (nn.GaussianNLLLoss).
type GaussianNLLLoss struct {
	Module
	Full      bool
	Eps       float64
	Reduction F.Reduction
}

// NewGaussianNLLLoss makes a GaussianNLLLoss.
func NewGaussianNLLLoss(c ...GaussianNLLLossConfig) *GaussianNLLLoss {
	o := firstCfg(c)
	l := &GaussianNLLLoss{Full: o.Full, Eps: ptrOr(o.Eps, 1e-6), Reduction: o.Reduction}
	lossModule(&l.Module, "GaussianNLLLoss")
	return l
}

// Forward is the loss of input against target with variance (input's
// shape, or one less dim, or 1 in the last), as F.GaussianNLLLoss.
func (l *GaussianNLLLoss) Forward(input, target, variance *torch.Tensor) *torch.Tensor {
	return F.GaussianNLLLoss(input, target, variance, F.GaussianNLLLossOpts{Full: l.Full, Eps: &l.Eps, Reduction: l.Reduction})
}

// PoissonNLLLossConfig is nn.PoissonNLLLoss's arguments.
type PoissonNLLLossConfig = F.PoissonNLLLossOpts

// PoissonNLLLoss is the negative log likelihood of target under Poisson
// distributions of rate exp(input), or input with NoLogInput (nn.PoissonNLLLoss).
type PoissonNLLLoss struct {
	Module
	LogInput, Full bool
	Eps            float64
	Reduction      F.Reduction
}

// NewPoissonNLLLoss makes a PoissonNLLLoss.
func NewPoissonNLLLoss(c ...PoissonNLLLossConfig) *PoissonNLLLoss {
	o := firstCfg(c)
	l := &PoissonNLLLoss{LogInput: !o.NoLogInput, Full: o.Full, Eps: ptrOr(o.Eps, 1e-8), Reduction: o.Reduction}
	lossModule(&l.Module, "PoissonNLLLoss")
	return l
}

// Forward is the loss of input against target.
func (l *PoissonNLLLoss) Forward(input, target *torch.Tensor) *torch.Tensor {
	return F.PoissonNLLLoss(input, target, F.PoissonNLLLossOpts{NoLogInput: !l.LogInput, Full: l.Full, Eps: &l.Eps, Reduction: l.Reduction})
}

// MarginLossConfig holds a margin (default 0) and the reduction: the
// arguments of nn.MarginRankingLoss and nn.CosineEmbeddingLoss.
type MarginLossConfig = F.MarginOpts

// MarginRankingLoss is max(0, -target·(input1 - input2) + Margin), target
// holding 1 or -1 (nn.MarginRankingLoss).
type MarginRankingLoss struct {
	Module
	Margin    float64
	Reduction F.Reduction
}

// NewMarginRankingLoss makes a MarginRankingLoss.
func NewMarginRankingLoss(c ...MarginLossConfig) *MarginRankingLoss {
	o := firstCfg(c)
	l := &MarginRankingLoss{Margin: o.Margin, Reduction: o.Reduction}
	lossModule(&l.Module, "MarginRankingLoss")
	return l
}

// Forward is the loss of input1 and input2 against target.
func (l *MarginRankingLoss) Forward(input1, input2, target *torch.Tensor) *torch.Tensor {
	return F.MarginRankingLoss(input1, input2, target, F.MarginOpts{Margin: l.Margin, Reduction: l.Reduction})
}

// CosineEmbeddingLoss is 1 - cos(input1, input2) where target is 1,
// max(0, cos(input1, input2) - Margin) where it is -1 (nn.CosineEmbeddingLoss).
type CosineEmbeddingLoss struct {
	Module
	Margin    float64
	Reduction F.Reduction
}

// NewCosineEmbeddingLoss makes a CosineEmbeddingLoss.
func NewCosineEmbeddingLoss(c ...MarginLossConfig) *CosineEmbeddingLoss {
	o := firstCfg(c)
	l := &CosineEmbeddingLoss{Margin: o.Margin, Reduction: o.Reduction}
	lossModule(&l.Module, "CosineEmbeddingLoss")
	return l
}

// Forward is the loss of input1 and input2 against target.
func (l *CosineEmbeddingLoss) Forward(input1, input2, target *torch.Tensor) *torch.Tensor {
	return F.CosineEmbeddingLoss(input1, input2, target, F.MarginOpts{Margin: l.Margin, Reduction: l.Reduction})
}

// TripletMarginLossConfig is nn.TripletMarginLoss's arguments.
type TripletMarginLossConfig = F.TripletMarginLossOpts

// TripletMarginLoss is max(d(anchor, positive) - d(anchor, negative) +
// Margin, 0) for the P-norm distance d (nn.TripletMarginLoss).
type TripletMarginLoss struct {
	Module
	Margin, P, Eps float64
	Swap           bool
	Reduction      F.Reduction
}

// NewTripletMarginLoss makes a TripletMarginLoss.
func NewTripletMarginLoss(c ...TripletMarginLossConfig) *TripletMarginLoss {
	o := firstCfg(c)
	l := &TripletMarginLoss{Margin: ptrOr(o.Margin, 1.0), P: ptrOr(o.P, 2.0), Eps: ptrOr(o.Eps, 1e-6), Swap: o.Swap, Reduction: o.Reduction}
	lossModule(&l.Module, "TripletMarginLoss")
	return l
}

// Forward is the loss of the triplets.
func (l *TripletMarginLoss) Forward(anchor, positive, negative *torch.Tensor) *torch.Tensor {
	return F.TripletMarginLoss(anchor, positive, negative, F.TripletMarginLossOpts{Margin: &l.Margin, P: &l.P,
		Eps: &l.Eps, Swap: l.Swap, Reduction: l.Reduction})
}

// HingeEmbeddingLossConfig is nn.HingeEmbeddingLoss's arguments.
type HingeEmbeddingLossConfig = F.HingeEmbeddingLossOpts

// HingeEmbeddingLoss is input where target is 1, max(0, Margin - input)
// where it is -1 (nn.HingeEmbeddingLoss).
type HingeEmbeddingLoss struct {
	Module
	Margin    float64
	Reduction F.Reduction
}

// NewHingeEmbeddingLoss makes a HingeEmbeddingLoss.
func NewHingeEmbeddingLoss(c ...HingeEmbeddingLossConfig) *HingeEmbeddingLoss {
	o := firstCfg(c)
	l := &HingeEmbeddingLoss{Margin: ptrOr(o.Margin, 1.0), Reduction: o.Reduction}
	lossModule(&l.Module, "HingeEmbeddingLoss")
	return l
}

// Forward is the loss of input against target.
func (l *HingeEmbeddingLoss) Forward(input, target *torch.Tensor) *torch.Tensor {
	return F.HingeEmbeddingLoss(input, target, F.HingeEmbeddingLossOpts{Margin: &l.Margin, Reduction: l.Reduction})
}

// SoftMarginLoss is log(1 + exp(-target·input)), target holding 1 or -1
// (nn.SoftMarginLoss).
type SoftMarginLoss struct {
	Module
	Reduction F.Reduction
}

// NewSoftMarginLoss makes a SoftMarginLoss.
func NewSoftMarginLoss(c ...LossConfig) *SoftMarginLoss {
	l := &SoftMarginLoss{Reduction: firstCfg(c).Reduction}
	lossModule(&l.Module, "SoftMarginLoss")
	return l
}

// Forward is the loss of input against target.
func (l *SoftMarginLoss) Forward(input, target *torch.Tensor) *torch.Tensor {
	return F.SoftMarginLoss(input, target, F.LossOpts{Reduction: l.Reduction})
}

// MultiLabelSoftMarginLossConfig is nn.MultiLabelSoftMarginLoss's arguments.
type MultiLabelSoftMarginLossConfig = F.WeightedLossOpts

// MultiLabelSoftMarginLoss is the binary cross entropy of sigmoid(input)
// against 0/1 targets averaged over the classes (nn.MultiLabelSoftMarginLoss).
type MultiLabelSoftMarginLoss struct {
	Module
	Weight    *torch.Tensor // the buffer "weight" (C), or nil
	Reduction F.Reduction
}

// NewMultiLabelSoftMarginLoss makes a MultiLabelSoftMarginLoss.
func NewMultiLabelSoftMarginLoss(c ...MultiLabelSoftMarginLossConfig) *MultiLabelSoftMarginLoss {
	o := firstCfg(c)
	l := &MultiLabelSoftMarginLoss{Reduction: o.Reduction}
	lossModule(&l.Module, "MultiLabelSoftMarginLoss")
	l.Weight = lossBuffer(&l.Module, "weight", o.Weight)
	return l
}

// Forward is the loss of input against target.
func (l *MultiLabelSoftMarginLoss) Forward(input, target *torch.Tensor) *torch.Tensor {
	return F.MultiLabelSoftMarginLoss(input, target, F.WeightedLossOpts{Weight: l.Weight, Reduction: l.Reduction})
}

// MultiLabelMarginLoss is the multi-class multi-label hinge loss
// (nn.MultiLabelMarginLoss).
type MultiLabelMarginLoss struct {
	Module
	Reduction F.Reduction
}

// NewMultiLabelMarginLoss makes a MultiLabelMarginLoss.
func NewMultiLabelMarginLoss(c ...LossConfig) *MultiLabelMarginLoss {
	l := &MultiLabelMarginLoss{Reduction: firstCfg(c).Reduction}
	lossModule(&l.Module, "MultiLabelMarginLoss")
	return l
}

// Forward is the loss of input (C) or (N, C) against target class indices
// of the same shape, padded with -1.
func (l *MultiLabelMarginLoss) Forward(input, target *torch.Tensor) *torch.Tensor {
	return F.MultiLabelMarginLoss(input, target, F.LossOpts{Reduction: l.Reduction})
}

// MultiMarginLossConfig is nn.MultiMarginLoss's arguments.
type MultiMarginLossConfig = F.MultiMarginLossOpts

// MultiMarginLoss is the multi-class hinge loss (nn.MultiMarginLoss).
type MultiMarginLoss struct {
	Module
	P         int64 // 1 or 2
	Margin    float64
	Weight    *torch.Tensor // the buffer "weight" (C), or nil
	Reduction F.Reduction
}

// NewMultiMarginLoss makes a MultiMarginLoss.
func NewMultiMarginLoss(c ...MultiMarginLossConfig) *MultiMarginLoss {
	o := firstCfg(c)
	p := o.P
	if p == 0 {
		p = 1
	}
	if p != 1 && p != 2 {
		layerPanic("NewMultiMarginLoss", "only p == 1 and p == 2 supported")
	}
	if o.Weight != nil && o.Weight.Dim() != 1 {
		layerPanic("NewMultiMarginLoss", "weight must be one-dimensional")
	}
	l := &MultiMarginLoss{P: p, Margin: ptrOr(o.Margin, 1.0), Reduction: o.Reduction}
	lossModule(&l.Module, "MultiMarginLoss")
	l.Weight = lossBuffer(&l.Module, "weight", o.Weight)
	return l
}

// Forward is the loss of input (C) or (N, C) at class indices target () or (N).
func (l *MultiMarginLoss) Forward(input, target *torch.Tensor) *torch.Tensor {
	return F.MultiMarginLoss(input, target, F.MultiMarginLossOpts{P: l.P, Margin: &l.Margin, Weight: l.Weight, Reduction: l.Reduction})
}
