package models

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/nn"
)

type summary struct {
	Keys   []string  `json:"keys"`
	Shapes [][]int64 `json:"shapes"`
	Hashes []string  `json:"hashes"`
}

const summaryPy = `
import hashlib
def summary(m):
    sd = m.state_dict()
    return {"keys": list(sd.keys()), "shapes": [list(v.shape) for v in sd.values()],
            "hashes": [hashlib.sha256(v.contiguous().numpy().tobytes()).hexdigest() for v in sd.values()]}
`

func requireSummary(t *testing.T, want summary, m *nn.Module, name string) {
	t.Helper()
	torch.WithScope(func(*torch.Scope) {
		sd := m.StateDict()
		require.Len(t, sd, len(want.Keys), name)
		for i, n := range sd {
			require.Equal(t, want.Keys[i], n.Name, name)
			require.Equal(t, want.Shapes[i], n.Tensor.Shape(), name+" "+n.Name)
			h := sha256.Sum256(n.Tensor.Contiguous().Bytes())
			require.Equal(t, want.Hashes[i], hex.EncodeToString(h[:]), name+" "+n.Name)
		}
	})
}

func enc(t *torch.Tensor) string { return hex.EncodeToString(t.Contiguous().Bytes()) }

// lenet5Py defines Python's LeNet5 (and imports the seed's Net), the
// counterparts of NewLeNet5 and NewNet.
const lenet5Py = `
import torch.nn as nn, torch.nn.functional as F
from seednet import Net
class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)
    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2).flatten(1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))
`

// After the same manual_seed, every model holds torchvision's (or the
// Python definition's) initial weights bit for bit, under the same keys.
func TestInitMatchesPyTorch(t *testing.T) {
	var want map[string]summary
	pyref.Run(t, summaryPy+lenet5Py+`
import torchvision
res = {}
for name, mk in [("net", Net), ("lenet", LeNet5), ("resnet18", torchvision.models.resnet18),
                 ("resnet34", lambda: torchvision.models.resnet34(num_classes=10)),
                 ("resnet50", lambda: torchvision.models.resnet50(num_classes=7))]:
    torch.manual_seed(0)
    res[name] = summary(mk())
out(res)
`, nil, &want)
	for name, mk := range map[string]func() *nn.Module{
		"net":      func() *nn.Module { return &NewNet().Module },
		"lenet":    func() *nn.Module { return &NewLeNet5().Module },
		"resnet18": func() *nn.Module { return &NewResNet18(1000).Module },
		"resnet34": func() *nn.Module { return &NewResNet34(10).Module },
		"resnet50": func() *nn.Module { return &NewResNet50(7).Module },
	} {
		torch.ManualSeed(0)
		requireSummary(t, want[name], mk(), name)
	}
}

// Weights that Python saved load strictly, and the forward pass (eval and
// training mode) gives Python's logits bit for bit.
func TestResNet18LoadsPythonWeights(t *testing.T) {
	dir := t.TempDir()
	var want map[string]string
	pyref.Run(t, `
import torchvision
torch.manual_seed(5)
m = torchvision.models.resnet18(num_classes=10)
g = torch.Generator().manual_seed(1)
with torch.no_grad():
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            mod.running_mean.copy_(torch.randn(mod.running_mean.shape, generator=g) * 0.1)
            mod.running_var.copy_(torch.rand(mod.running_var.shape, generator=g) + 0.5)
            mod.weight.copy_(torch.rand(mod.weight.shape, generator=g) + 0.5)
            mod.bias.copy_(torch.randn(mod.bias.shape, generator=g) * 0.1)
torch.save(m.state_dict(), IN + "/r18.pt")
x = torch.rand(2, 3, 64, 64, generator=g)
m.eval()
ev = m(x)
m.train()
tr = m(x)
(tr * torch.arange(20.0).view(2, 10)).sum().backward()
out({"x": x.numpy().tobytes().hex(), "eval": ev.detach().numpy().tobytes().hex(), "train": tr.detach().numpy().tobytes().hex(),
     "mean": m.layer2[0].bn1.running_mean.numpy().tobytes().hex(),
     "grad_conv1": m.conv1.weight.grad.numpy().tobytes().hex(),
     "grad_down": m.layer2[0].downsample[0].weight.grad.numpy().tobytes().hex()})
`, dir, &want)
	m := NewResNet18(10)
	r, err := m.Load(filepath.Join(dir, "r18.pt"), true)
	require.NoError(t, err)
	require.Equal(t, "<All keys matched successfully>", r.String())
	xb, err := hex.DecodeString(want["x"])
	require.NoError(t, err)
	x := torch.FromBytes(xb, torch.Float32, []int64{2, 3, 64, 64})
	m.Eval()
	torch.NoGrad(func() { require.Equal(t, want["eval"], enc(m.Forward(x)), "eval") })
	torch.NoGrad(func() {
		// Forward frees its intermediates: only the output stays (and
		// the pooled features it is a view of).
		torch.WithScope(func(*torch.Scope) {
			before := torch.LiveTensors()
			m.Forward(x)
			require.LessOrEqual(t, torch.LiveTensors()-before, int64(3), "tensors left by an evaluation forward")
		})
	})
	m.Train(true)
	tr := m.Forward(x)
	require.Equal(t, want["train"], enc(tr), "train")
	require.Equal(t, want["mean"], enc(m.Layer2.Layers[0].(*BasicBlock).BN1.RunningMean), "running stats after a training step")
	tr.Mul(torch.Arange(0, 20, 1, torch.Float32).View(2, 10)).Sum().Backward()
	require.Equal(t, want["grad_conv1"], enc(m.Conv1.Weight.Grad()), "conv1.weight.grad")
	down := m.Layer2.Layers[0].(*BasicBlock).Downsample.Layers[0].(*nn.Conv2d)
	require.Equal(t, want["grad_down"], enc(down.Weight.Grad()), "layer2.0.downsample.0.weight.grad")

	// A LeNet5 file does not load into a ResNet.
	other := filepath.Join(dir, "lenet.pt")
	require.NoError(t, NewLeNet5().Save(other))
	_, err = NewResNet18(10).Load(other, true)
	require.ErrorContains(t, err, "Missing key(s) in state_dict")
}

// Net and LeNet5 forward like their Python definitions.
func TestSmallNetsForward(t *testing.T) {
	var want map[string]string
	pyref.Run(t, lenet5Py+`
x = torch.rand(3, 1, 28, 28, generator=torch.Generator().manual_seed(2))
res = {}
for name, mk in [("net", Net), ("lenet", LeNet5)]:
    torch.manual_seed(1)
    res[name] = mk()(x).detach().numpy().tobytes().hex()
out(res)
`, nil, &want)
	x := torch.Rand([]int64{3, 1, 28, 28}, torch.NewGenerator(2))
	torch.ManualSeed(1)
	require.Equal(t, want["net"], enc(NewNet().Forward(x)))
	torch.ManualSeed(1)
	require.Equal(t, want["lenet"], enc(NewLeNet5().Forward(x)))
}
