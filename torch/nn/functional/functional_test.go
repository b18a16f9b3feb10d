package functional

import (
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/torch"
)

// The wrappers that add behaviour of their own (defaults, batchmean) give
// PyTorch's values; the rest forward to torch, tested there.
func TestFunctionalMatchesPyTorch(t *testing.T) {
	var want map[string]pyref.Tensor
	pyref.Run(t, `
import torch.nn.functional as F
g = torch.Generator().manual_seed(11)
x = torch.randn(4, 5, generator=g)
y = torch.randint(0, 5, (4,), generator=g)
p = torch.rand(4, 5, generator=g)
img = torch.randn(2, 3, 6, 6, generator=g)
out({
 "ce": enc(F.cross_entropy(x, y)),
 "nll": enc(F.nll_loss(F.log_softmax(x, 1), y)),
 "kl": enc(F.kl_div(F.log_softmax(x, 1), F.softmax(p, 1), reduction="batchmean")),
 "mse": enc(F.mse_loss(x, p)),
 "l1": enc(F.l1_loss(x, p)),
 "sl1": enc(F.smooth_l1_loss(x, p, beta=0.3)),
 "bce": enc(F.binary_cross_entropy(p, (x > 0).float())),
 "bcel": enc(F.binary_cross_entropy_with_logits(x, p)),
 "pool": enc(F.max_pool2d(img, 2)),
 "relu": enc(F.relu(x)),
 "softmax": enc(F.softmax(x, 0)),
 "interp": enc(F.interpolate(img, size=(9, 4), mode="bilinear", align_corners=False)),
 "nearest": enc(F.interpolate(img, size=(3, 12), mode="nearest")),
})
`, nil, &want)
	g := torch.NewGenerator(11)
	x := torch.Randn([]int64{4, 5}, g)
	y := torch.Randint(0, 5, []int64{4}, g)
	p := torch.Rand([]int64{4, 5}, g)
	img := torch.Randn([]int64{2, 3, 6, 6}, g)
	got := map[string]*torch.Tensor{
		"ce":      CrossEntropy(x, y),
		"nll":     NLLLoss(LogSoftmax(x, 1), y),
		"kl":      KLDivBatchMean(LogSoftmax(x, 1), Softmax(p, 1)),
		"mse":     MSELoss(x, p),
		"l1":      L1Loss(x, p),
		"sl1":     SmoothL1Loss(x, p, SmoothL1LossOpts{Beta: Ptr(0.3)}),
		"bce":     BinaryCrossEntropy(p, x.GtScalar(0).To(torch.Float32)),
		"bcel":    BinaryCrossEntropyWithLogits(x, p),
		"pool":    MaxPool2d(img, 2),
		"relu":    ReLU(x),
		"softmax": Softmax(x, 0),
		"interp":  Interpolate(img, InterpolateOpts{Size: []int64{9, 4}, Mode: "bilinear", AlignCorners: Ptr(false)}),
		"nearest": Interpolate(img, InterpolateOpts{Size: []int64{3, 12}}),
	}
	for k, w := range want {
		require.Equal(t, w.Shape, got[k].Shape(), k)
		require.Equal(t, w.Hex, hex.EncodeToString(got[k].Bytes()), k)
	}
}

// Keyword arguments that only the functional forms take (the modules of
// package nn test the rest, with gradients).
func TestFunctionalOptionsMatchPyTorch(t *testing.T) {
	var want map[string]pyref.Tensor
	pyref.Run(t, `
import torch.nn.functional as F
g = torch.Generator().manual_seed(5)
x = torch.randn(3, 4, generator=g)
img = torch.randn(1, 2, 5, 6, generator=g)
w = torch.randn(6, 3, generator=g)
seq = torch.randn(2, 3, 7, generator=g)
rm, rv = torch.randn(3, generator=g), torch.rand(3, generator=g) + 0.5
out({
 "softmax64": enc(F.softmax(x, 1, dtype=torch.float64)),
 "softmin": enc(F.softmin(x, 0)),
 "logsoftmax64": enc(F.log_softmax(x, -1, dtype=torch.float64)),
 "aa": enc(F.interpolate(img, size=(3, 2), mode="bilinear", antialias=True)),
 "bicubic_aa": enc(F.interpolate(img, scale_factor=0.5, mode="bicubic", antialias=True, align_corners=True)),
 "circular": enc(F.pad(img, (1, 2, 2, 1), mode="circular")),
 "const": enc(F.pad(x, (1, 1), value=-2.5)),
 "emb": enc(F.embedding(torch.tensor([[0, 5], [3, 5]]), w, padding_idx=-1)),
 "bag": enc(F.embedding_bag(torch.tensor([0, 2, 5, 1]), w, torch.tensor([0, 1]), mode="max")),
 "bn_eval": enc(F.batch_norm(seq, rm, rv, eps=1e-3)),
 "in_running": enc(F.instance_norm(seq, rm, rv, use_input_stats=False)),
 "gn": enc(F.group_norm(seq, 3, eps=1e-2)),
 "ct1": enc(F.conv_transpose1d(seq, torch.ones(3, 2, 2), stride=2, output_padding=1, dilation=1)),
 "kl_scalar": enc(F.kl_div(torch.tensor(-0.5), torch.tensor(0.3), reduction="batchmean")),
 "ce_probs": enc(F.cross_entropy(x, torch.rand(3, 4, generator=g), label_smoothing=0.3, reduction="none")),
 "nll_ignore0": enc(F.nll_loss(x.log_softmax(1), torch.tensor([0, 1, 0]), ignore_index=0)),
 "huber": enc(F.huber_loss(x, x.flip(0), delta=0.3, reduction="sum")),
 "bce_w": enc(F.binary_cross_entropy(x.sigmoid(), (x > 0).float(), weight=torch.tensor([1.0, 2.0, 0.5, 1.0]))),
 "triplet": enc(F.triplet_margin_loss(x, x.flip(0), x.flip(1), p=3.0, swap=True)),
 "multi_margin": enc(F.multi_margin_loss(x, torch.tensor([1, 0, 3]), p=2, margin=0.7, reduction="none")),
 "gelu_tanh": enc(F.gelu(x, approximate="tanh")),
 "softplus": enc(F.softplus(x, beta=0.5, threshold=1.0)),
 "rrelu6": enc(F.relu6(x * 4)),
})
`, nil, &want)
	g := torch.NewGenerator(5)
	x := torch.Randn([]int64{3, 4}, g)
	img := torch.Randn([]int64{1, 2, 5, 6}, g)
	w := torch.Randn([]int64{6, 3}, g)
	seq := torch.Randn([]int64{2, 3, 7}, g)
	rm, rv := torch.Randn([]int64{3}, g), torch.Rand([]int64{3}, g).AddScalar(0.5)
	f64 := torch.Float64
	long := func(v ...int64) *torch.Tensor { return torch.FromSlice(v, nil) }
	got := map[string]*torch.Tensor{
		"softmax64":    Softmax(x, 1, SoftmaxOpts{DType: &f64}),
		"softmin":      Softmin(x, 0),
		"logsoftmax64": LogSoftmax(x, -1, SoftmaxOpts{DType: &f64}),
		"aa":           Interpolate(img, InterpolateOpts{Size: []int64{3, 2}, Mode: "bilinear", Antialias: true}),
		"bicubic_aa":   Interpolate(img, InterpolateOpts{ScaleFactor: []float64{0.5}, Mode: "bicubic", Antialias: true, AlignCorners: Ptr(true)}),
		"circular":     Pad(img, []int64{1, 2, 2, 1}, PadOpts{Mode: "circular"}),
		"const":        Pad(x, []int64{1, 1}, PadOpts{Value: -2.5}),
		"emb":          Embedding(torch.FromSlice([]int64{0, 5, 3, 5}, []int64{2, 2}), w, EmbeddingOpts{PaddingIdx: Ptr[int64](-1)}),
		"bag":          EmbeddingBag(long(0, 2, 5, 1), w, EmbeddingBagOpts{Offsets: long(0, 1), Mode: "max"}),
		"bn_eval":      BatchNorm(seq, rm, rv, BatchNormOpts{Eps: Ptr(1e-3)}),
		"in_running":   InstanceNorm(seq, InstanceNormOpts{RunningMean: rm, RunningVar: rv, UseRunningStats: true}),
		"gn":           GroupNorm(seq, 3, NormOpts{Eps: Ptr(1e-2)}),
		"ct1":          ConvTranspose1d(seq, torch.Ones([]int64{3, 2, 2}), nil, ConvTransposeOpts{Stride: []int64{2}, OutputPadding: []int64{1}}),
		"kl_scalar":    KLDiv(torch.Scalar(-0.5), torch.Scalar(0.3), KLDivOpts{Reduction: ReductionBatchMean}),
		"ce_probs":     CrossEntropy(x, torch.Rand([]int64{3, 4}, g), CrossEntropyOpts{LabelSmoothing: 0.3, Reduction: ReductionNone}),
		"nll_ignore0":  NLLLoss(LogSoftmax(x, 1), long(0, 1, 0), NLLLossOpts{IgnoreIndex: Ptr[int64](0)}),
		"huber":        HuberLoss(x, x.Flip([]int64{0}), HuberLossOpts{Delta: Ptr(0.3), Reduction: ReductionSum}),
		"bce_w":        BinaryCrossEntropy(x.Sigmoid(), x.GtScalar(0).To(torch.Float32), BCEOpts{Weight: torch.FromSlice([]float32{1, 2, 0.5, 1}, nil)}),
		"triplet":      TripletMarginLoss(x, x.Flip([]int64{0}), x.Flip([]int64{1}), TripletMarginLossOpts{P: Ptr(3.0), Swap: true}),
		"multi_margin": MultiMarginLoss(x, long(1, 0, 3), MultiMarginLossOpts{P: 2, Margin: Ptr(0.7), Reduction: ReductionNone}),
		"gelu_tanh":    GELU(x, GELUOpts{Approximate: "tanh"}),
		"softplus":     Softplus(x, SoftplusOpts{Beta: Ptr(0.5), Threshold: Ptr(1.0)}),
		"rrelu6":       ReLU6(x.MulScalar(int64(4))),
	}
	require.Len(t, got, len(want))
	for k, w := range want {
		require.Equal(t, w.DType, got[k].DType().String(), k)
		require.Equal(t, w.Shape, got[k].Shape(), k)
		require.Equal(t, w.Hex, hex.EncodeToString(got[k].Contiguous().Bytes()), k)
	}
	// Invalid reductions fail as in PyTorch.
	err := torch.Catch(func() error { L1Loss(x, x, LossOpts{Reduction: "avg"}); return nil })
	require.ErrorContains(t, err, "avg is not a valid value for reduction")
}
