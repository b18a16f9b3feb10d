package nn

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/torch"
	F "github.com/torchgo/torchgo/torch/nn/functional"
)

func ctc(l Layer, xs []*torch.Tensor) []*torch.Tensor {
	return []*torch.Tensor{l.(*CTCLoss).Forward(xs[0], xs[1], xs[2], xs[3])}
}

func TestLossLayersMatchPyTorch(t *testing.T) {
	const (
		logits  = "~torch.randn(6, 5, generator=g)"
		classes = "torch.randint(0, 5, (6,), generator=g)"
		probs   = "~torch.rand(3, 4, generator=g).clamp(0.05, 0.95)"
		bits    = "torch.randint(0, 2, (3, 4), generator=g).float()"
		signs   = "(torch.randint(0, 2, (5,), generator=g) * 2 - 1).float()"
	)
	w5 := "torch.rand(5, generator=torch.Generator().manual_seed(9))"
	goW5 := func() *torch.Tensor { return torch.Rand([]int64{5}, torch.NewGenerator(9)) }
	x34 := "~torch.randn(3, 4, generator=g)"
	y34 := "torch.randn(3, 4, generator=g)"
	runPyCases(t, []pyCase{
		{name: "CrossEntropy", py: "nn.CrossEntropyLoss()", in: []string{logits, classes},
			build: func() Layer { return NewCrossEntropyLoss() }},
		{name: "CrossEntropyAll", py: "nn.CrossEntropyLoss(weight=" + w5 + ", ignore_index=2, reduction='sum', label_smoothing=0.2)",
			in: []string{logits, "torch.tensor([2, 0, 4, 2, 1, 3])"},
			build: func() Layer {
				return NewCrossEntropyLoss(CrossEntropyLossConfig{Weight: goW5(), IgnoreIndex: ip(2), Reduction: "sum", LabelSmoothing: 0.2})
			}},
		{name: "CrossEntropyProbs", py: "nn.CrossEntropyLoss(label_smoothing=0.1)", in: []string{logits, "torch.rand(6, 5, generator=g).softmax(1)"},
			build: func() Layer { return NewCrossEntropyLoss(CrossEntropyLossConfig{LabelSmoothing: 0.1}) }},
		{name: "CrossEntropySpatialNone", py: "nn.CrossEntropyLoss(reduction='none', weight=" + w5 + ")",
			in:    []string{"~torch.randn(2, 5, 3, 2, generator=g)", "torch.randint(0, 5, (2, 3, 2), generator=g)"},
			build: func() Layer { return NewCrossEntropyLoss(CrossEntropyLossConfig{Reduction: "none", Weight: goW5()}) }},
		{name: "CrossEntropyUnbatched", py: "nn.CrossEntropyLoss()", in: []string{"~torch.randn(5, generator=g)", "torch.tensor(3)"},
			build: func() Layer { return NewCrossEntropyLoss() }},
		{name: "NLLLoss", py: "nn.NLLLoss()", in: []string{logits, classes}, build: func() Layer { return NewNLLLoss() }},
		{name: "NLLLossWeightIgnore", py: "nn.NLLLoss(weight=" + w5 + ", ignore_index=-1, reduction='none')",
			in: []string{logits, "torch.tensor([1, -1, 4, 0, -1, 3])"},
			build: func() Layer {
				return NewNLLLoss(NLLLossConfig{Weight: goW5(), IgnoreIndex: ip(-1), Reduction: "none"})
			}},
		{name: "NLLLoss2d", py: "nn.NLLLoss(weight=" + w5 + ")", in: []string{"~torch.randn(2, 5, 3, 3, generator=g)", "torch.randint(0, 5, (2, 3, 3), generator=g)"},
			build: func() Layer { return NewNLLLoss(NLLLossConfig{Weight: goW5()}) }},
		{name: "BCELoss", py: "nn.BCELoss()", in: []string{probs, bits}, build: func() Layer { return NewBCELoss() }},
		{name: "BCELossWeightSum", py: "nn.BCELoss(weight=torch.rand(4, generator=torch.Generator().manual_seed(9)), reduction='sum')",
			in: []string{probs, bits},
			build: func() Layer {
				return NewBCELoss(BCELossConfig{Weight: torch.Rand([]int64{4}, torch.NewGenerator(9)), Reduction: "sum"})
			}},
		{name: "BCEWithLogits", py: "nn.BCEWithLogitsLoss()", in: []string{x34, bits}, build: func() Layer { return NewBCEWithLogitsLoss() }},
		{name: "BCEWithLogitsPosWeight", py: "nn.BCEWithLogitsLoss(weight=torch.tensor([0.5, 2.0, 1.0, 1.5]), pos_weight=torch.tensor([3.0, 1.0, 0.5, 2.0]), reduction='none')",
			in: []string{x34, bits},
			build: func() Layer {
				return NewBCEWithLogitsLoss(BCEWithLogitsLossConfig{Weight: torch.FromSlice([]float32{0.5, 2, 1, 1.5}, nil),
					PosWeight: torch.FromSlice([]float32{3, 1, 0.5, 2}, nil), Reduction: "none"})
			}},
		{name: "MSELoss", py: "nn.MSELoss()", in: []string{x34, "~torch.randn(3, 4, generator=g)"}, build: func() Layer { return NewMSELoss() }},
		{name: "MSELossBroadcast", py: "nn.MSELoss(reduction='sum')", in: []string{x34, "~torch.randn(4, generator=g)"},
			build: func() Layer { return NewMSELoss(LossConfig{Reduction: "sum"}) }},
		{name: "L1Loss", py: "nn.L1Loss(reduction='none')", in: []string{x34, y34}, build: func() Layer { return NewL1Loss(LossConfig{Reduction: "none"}) }},
		{name: "L1LossFloat64", py: "nn.L1Loss()", in: []string{"~torch.randn(2, 3, generator=g, dtype=torch.float64)", "torch.randn(2, 3, generator=g, dtype=torch.float64)"},
			build: func() Layer { return NewL1Loss() }},
		{name: "SmoothL1Loss", py: "nn.SmoothL1Loss()", in: []string{x34, y34}, build: func() Layer { return NewSmoothL1Loss() }},
		{name: "SmoothL1LossBeta", py: "nn.SmoothL1Loss(beta=0.5, reduction='sum')", in: []string{x34, y34},
			build: func() Layer { return NewSmoothL1Loss(SmoothL1LossConfig{Beta: fp(0.5), Reduction: "sum"}) }},
		{name: "HuberLoss", py: "nn.HuberLoss(delta=0.7)", in: []string{x34, y34},
			build: func() Layer { return NewHuberLoss(HuberLossConfig{Delta: fp(0.7)}) }},
		{name: "KLDivLoss", py: "nn.KLDivLoss()", in: []string{"~torch.randn(3, 4, generator=g).log_softmax(1)", "torch.rand(3, 4, generator=g).softmax(1)"},
			build: func() Layer { return NewKLDivLoss() }},
		{name: "KLDivLossBatchMeanLogTarget", py: "nn.KLDivLoss(reduction='batchmean', log_target=True)",
			in:    []string{"~torch.randn(3, 4, generator=g).log_softmax(1)", "~torch.rand(3, 4, generator=g).log_softmax(1)"},
			build: func() Layer { return NewKLDivLoss(KLDivLossConfig{Reduction: "batchmean", LogTarget: true}) }},
		{name: "KLDivLossNone", py: "nn.KLDivLoss(reduction='none')", in: []string{"~torch.randn(3, 4, generator=g)", "torch.rand(3, 4, generator=g)"},
			build: func() Layer { return NewKLDivLoss(KLDivLossConfig{Reduction: "none"}) }},
		{name: "CTCLoss", py: "nn.CTCLoss()",
			in:    []string{"~torch.randn(8, 2, 5, generator=g).log_softmax(2)", "torch.randint(1, 5, (2, 3), generator=g)", "torch.tensor([8, 7])", "torch.tensor([3, 2])"},
			pyFwd: "layer(*xs)", forward: ctc, build: func() Layer { return NewCTCLoss() }},
		{name: "CTCLossConcatenatedSum", py: "nn.CTCLoss(blank=4, reduction='sum')",
			in:    []string{"~torch.randn(6, 2, 5, generator=g).log_softmax(2)", "torch.randint(0, 4, (5,), generator=g)", "torch.tensor([6, 5])", "torch.tensor([2, 3])"},
			pyFwd: "layer(*xs)", forward: ctc, build: func() Layer { return NewCTCLoss(CTCLossConfig{Blank: 4, Reduction: "sum"}) }},
		{name: "CTCLossZeroInfinity", py: "nn.CTCLoss(reduction='none', zero_infinity=True)",
			in:    []string{"~torch.randn(3, 2, 4, generator=g).log_softmax(2)", "torch.tensor([[1, 1, 2, 3], [1, 2, 0, 0]])", "torch.tensor([3, 3])", "torch.tensor([4, 2])"},
			pyFwd: "layer(*xs)", forward: ctc, build: func() Layer { return NewCTCLoss(CTCLossConfig{Reduction: "none", ZeroInfinity: true}) }},
		{name: "GaussianNLLLoss", py: "nn.GaussianNLLLoss()", in: []string{x34, y34, "~torch.rand(3, 4, generator=g)"},
			build: func() Layer { return NewGaussianNLLLoss() }},
		{name: "GaussianNLLLossHomoscedasticFull", py: "nn.GaussianNLLLoss(full=True, eps=1e-2, reduction='sum')",
			in: []string{x34, y34, "~torch.rand(3, generator=g)"},
			build: func() Layer {
				return NewGaussianNLLLoss(GaussianNLLLossConfig{Full: true, Eps: fp(1e-2), Reduction: "sum"})
			}},
		{name: "GaussianNLLLossLastDim1", py: "nn.GaussianNLLLoss(reduction='none')", in: []string{x34, y34, "~torch.rand(3, 1, generator=g)"},
			build: func() Layer { return NewGaussianNLLLoss(GaussianNLLLossConfig{Reduction: "none"}) }},
		{name: "PoissonNLLLoss", py: "nn.PoissonNLLLoss()", in: []string{x34, "torch.randint(0, 5, (3, 4), generator=g).float()"},
			build: func() Layer { return NewPoissonNLLLoss() }},
		{name: "PoissonNLLLossRateFull", py: "nn.PoissonNLLLoss(log_input=False, full=True, eps=1e-3, reduction='none')",
			in: []string{"~torch.rand(3, 4, generator=g) * 4", "torch.randint(0, 5, (3, 4), generator=g).float()"},
			build: func() Layer {
				return NewPoissonNLLLoss(PoissonNLLLossConfig{NoLogInput: true, Full: true, Eps: fp(1e-3), Reduction: "none"})
			}},
		{name: "MarginRankingLoss", py: "nn.MarginRankingLoss(margin=0.5)", in: []string{"~torch.randn(5, generator=g)", "~torch.randn(5, generator=g)", signs},
			build: func() Layer { return NewMarginRankingLoss(MarginLossConfig{Margin: 0.5}) }},
		{name: "CosineEmbeddingLoss", py: "nn.CosineEmbeddingLoss(margin=0.2, reduction='sum')",
			in:    []string{"~torch.randn(5, 3, generator=g)", "~torch.randn(5, 3, generator=g)", signs},
			build: func() Layer { return NewCosineEmbeddingLoss(MarginLossConfig{Margin: 0.2, Reduction: "sum"}) }},
		{name: "TripletMarginLoss", py: "nn.TripletMarginLoss()",
			in:    []string{"~torch.randn(4, 3, generator=g)", "~torch.randn(4, 3, generator=g)", "~torch.randn(4, 3, generator=g)"},
			build: func() Layer { return NewTripletMarginLoss() }},
		{name: "TripletMarginLossSwapP1", py: "nn.TripletMarginLoss(margin=2.0, p=1, eps=1e-3, swap=True, reduction='none')",
			in: []string{"~torch.randn(4, 3, generator=g)", "~torch.randn(4, 3, generator=g)", "~torch.randn(4, 3, generator=g)"},
			build: func() Layer {
				return NewTripletMarginLoss(TripletMarginLossConfig{Margin: fp(2), P: fp(1), Eps: fp(1e-3), Swap: true, Reduction: "none"})
			}},
		{name: "HingeEmbeddingLoss", py: "nn.HingeEmbeddingLoss(margin=2.0)", in: []string{"~torch.randn(5, generator=g) * 2", signs},
			build: func() Layer { return NewHingeEmbeddingLoss(HingeEmbeddingLossConfig{Margin: fp(2)}) }},
		{name: "SoftMarginLoss", py: "nn.SoftMarginLoss()", in: []string{"~torch.randn(5, generator=g)", signs},
			build: func() Layer { return NewSoftMarginLoss() }},
		{name: "MultiLabelSoftMarginLoss", py: "nn.MultiLabelSoftMarginLoss(weight=torch.tensor([1.0, 0.5, 2.0, 1.5]))", in: []string{x34, bits},
			build: func() Layer {
				return NewMultiLabelSoftMarginLoss(MultiLabelSoftMarginLossConfig{Weight: torch.FromSlice([]float32{1, 0.5, 2, 1.5}, nil)})
			}},
		{name: "MultiLabelSoftMarginLossNone", py: "nn.MultiLabelSoftMarginLoss(reduction='none')", in: []string{x34, bits},
			build: func() Layer { return NewMultiLabelSoftMarginLoss(MultiLabelSoftMarginLossConfig{Reduction: "none"}) }},
		{name: "MultiLabelMarginLoss", py: "nn.MultiLabelMarginLoss()", in: []string{x34, "torch.tensor([[3, 0, -1, 1], [1, 2, 3, 0], [-1, 0, 0, 0]])"},
			build: func() Layer { return NewMultiLabelMarginLoss() }},
		{name: "MultiMarginLoss", py: "nn.MultiMarginLoss()", in: []string{logits, classes}, build: func() Layer { return NewMultiMarginLoss() }},
		{name: "MultiMarginLossP2", py: "nn.MultiMarginLoss(p=2, margin=0.5, weight=" + w5 + ", reduction='sum')", in: []string{logits, classes},
			build: func() Layer {
				return NewMultiMarginLoss(MultiMarginLossConfig{P: 2, Margin: fp(0.5), Weight: goW5(), Reduction: "sum"})
			}},
	})
}

func TestLossArgumentErrors(t *testing.T) {
	x := torch.Zeros([]int64{3, 4})
	for _, c := range []struct {
		f   func()
		msg string
	}{
		{func() { NewMSELoss(LossConfig{Reduction: "avg"}).Forward(x, x) }, "avg is not a valid value for reduction"},
		{func() {
			NewGaussianNLLLoss(GaussianNLLLossConfig{Reduction: "avg"}).Forward(x, x, torch.Ones([]int64{3, 4}))
		}, "avg is not valid"},
		{func() { NewGaussianNLLLoss().Forward(x, x, torch.Ones([]int64{2})) }, "var is of incorrect size"},
		{func() { NewGaussianNLLLoss().Forward(x, x, torch.Full([]int64{3, 4}, -1.0)) }, "var has negative entry/entries"},
		{func() { NewBCELoss().Forward(x, torch.Zeros([]int64{4})) }, "Using a target size (torch.Size([4])) that is different to the input size (torch.Size([3, 4])) is deprecated"},
		{func() { NewBCEWithLogitsLoss().Forward(x, torch.Zeros([]int64{4})) }, "Target size (torch.Size([4])) must be the same as input size (torch.Size([3, 4]))"},
		{func() { NewMarginRankingLoss().Forward(x, x, torch.Zeros([]int64{3})) }, "margin_ranking_loss : All input tensors should have same dimension"},
		{func() { NewMultiMarginLoss(MultiMarginLossConfig{P: 3}) }, "only p == 1 and p == 2 supported"},
		{func() { NewPoissonNLLLoss(PoissonNLLLossConfig{Reduction: "x"}).Forward(x, x) }, "x is not valid"},
	} {
		err := torch.Catch(func() error { c.f(); return nil })
		require.ErrorContains(t, err, c.msg)
	}
	// The weights are buffers in the state dict, as _WeightedLoss registers them.
	l := NewBCEWithLogitsLoss(BCEWithLogitsLossConfig{PosWeight: torch.Ones([]int64{4})})
	sd := l.StateDict()
	require.Len(t, sd, 1)
	require.Equal(t, "pos_weight", sd[0].Name)
	require.Equal(t, F.Reduction(""), l.Reduction)
}
