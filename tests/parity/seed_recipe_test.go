package parity

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/data"
	F "github.com/torchgo/torchgo/torch/nn/functional"
	"github.com/torchgo/torchgo/torch/optim"
	"github.com/torchgo/torchgo/vision/datasets"
	"github.com/torchgo/torchgo/vision/models"
)

const seedRecipePy = `
import torch.nn.functional as F, torchvision
from torchvision import transforms
from seednet import Net
ds = torchvision.datasets.MNIST(IN, train=True, download=False, transform=transforms.Compose([transforms.ToTensor()]))
torch.manual_seed(0)
train, val = torch.utils.data.random_split(ds, [48000, 12000])
torch.manual_seed(0)
net = Net()
opt = torch.optim.SGD(net.parameters(), lr=0.01)
losses = []
for x, y in torch.utils.data.DataLoader(train, batch_size=256, shuffle=True):
    loss = F.cross_entropy(net(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
correct = 0
with torch.no_grad():
    for x, y in torch.utils.data.DataLoader(val, batch_size=256):
        correct += int((net(x).argmax(1) == y).sum())
out({"losses": losses, "val_correct": correct})
`

// The seed's recipe, one epoch, in Go and in Python: the same loss at every
// step (to 5 decimals; in fact bit for bit) and the same validation accuracy.
func TestSeedRecipeMatchesPyTorch(t *testing.T) {
	root, err := filepath.Abs("../../data")
	require.NoError(t, err)
	if _, err := os.Stat(filepath.Join(root, "MNIST", "raw")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("MNIST missing under CI in %s: scripts/setup.sh places it", root)
		}
		t.Skipf("MNIST not set up in %s: run scripts/setup.sh", root)
	}
	var want struct {
		Losses     []float64 `json:"losses"`
		ValCorrect int64     `json:"val_correct"`
	}
	pyref.Run(t, seedRecipePy, root, &want)

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	mnist, err := datasets.MNIST(root, true)
	require.NoError(t, err)
	ds, err := data.NewTensorDataset(mnist.ToTensor(), mnist.Labels)
	require.NoError(t, err)
	torch.ManualSeed(0)
	parts, err := data.RandomSplit(ds, []int{48000, 12000}, nil)
	require.NoError(t, err)
	torch.ManualSeed(0)
	model := models.NewNet()
	opt, err := optim.NewSGD(model.Parameters(), optim.SGDOptions{LR: 0.01})
	require.NoError(t, err)
	trainLoader, err := data.NewLoader(parts[0], data.BatchSize(256), data.Shuffle(true))
	require.NoError(t, err)
	valLoader, err := data.NewLoader(parts[1], data.BatchSize(256))
	require.NoError(t, err)

	var losses []float64
	it := trainLoader.Iter()
	for it.Next() {
		b := it.Batch()
		torch.WithScope(func(*torch.Scope) {
			loss := F.CrossEntropy(model.Forward(b.Tensor(0)), b.Tensor(1))
			opt.ZeroGrad()
			loss.Backward()
			opt.Step()
			losses = append(losses, loss.Item())
		})
	}
	require.NoError(t, it.Err())
	it.Close()
	var correct int64
	it = valLoader.Iter()
	for it.Next() {
		b := it.Batch()
		torch.NoGrad(func() {
			torch.WithScope(func(*torch.Scope) {
				correct += model.Forward(b.Tensor(0)).ArgmaxDim(1, false).Eq(b.Tensor(1)).Sum().ItemInt()
			})
		})
	}
	require.NoError(t, it.Err())
	it.Close()

	require.Len(t, losses, len(want.Losses))
	identical := 0
	for i := range losses {
		require.InDelta(t, want.Losses[i], losses[i], 5e-6, "step %d", i)
		if losses[i] == want.Losses[i] {
			identical++
		}
	}
	t.Logf("%d steps, %d bit-identical losses; mean loss %.8f; validation accuracy %.6f (Python %.6f)",
		len(losses), identical, mean(losses), float64(correct)/12000, float64(want.ValCorrect)/12000)
	require.Equal(t, want.ValCorrect, correct)
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
