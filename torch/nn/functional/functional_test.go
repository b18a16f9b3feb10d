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
		"sl1":     SmoothL1Loss(x, p, 0.3),
		"bce":     BinaryCrossEntropy(p, x.GtScalar(0).To(torch.Float32)),
		"bcel":    BinaryCrossEntropyWithLogits(x, p),
		"pool":    MaxPool2d(img, 2),
		"relu":    ReLU(x),
		"softmax": Softmax(x, 0),
		"interp":  Interpolate(img, []int64{9, 4}, true, false),
		"nearest": Interpolate(img, []int64{3, 12}, false, false),
	}
	for k, w := range want {
		require.Equal(t, w.Shape, got[k].Shape(), k)
		require.Equal(t, w.Hex, hex.EncodeToString(got[k].Bytes()), k)
	}
}
