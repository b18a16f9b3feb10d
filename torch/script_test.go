package torch

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
)

// A model defined and saved in Python (traced and scripted) runs in Go with
// the same results.
func TestScriptModulesFromPython(t *testing.T) {
	dir := t.TempDir()
	var want map[string]pyref.Tensor
	pyref.Run(t, `
import torch.nn as nn, torch.nn.functional as F
from seednet import Net
class Two(nn.Module):
    def forward(self, x, y):
        return x + y, (x * y).sum()
torch.manual_seed(0)
net = Net().eval()
x = torch.rand(3, 1, 28, 28, generator=torch.Generator().manual_seed(1))
torch.jit.trace(net, x).save(IN + "/traced.pt")
torch.jit.trace(Two(), (x[0], x[1])).save(IN + "/two.pt")  # scripting needs a source file; -c has none
a, b = Two()(x[0], x[1])
out({"net": enc(net(x)), "sum": enc(a), "prod": enc(b)})
`, dir, &want)
	x := Rand([]int64{3, 1, 28, 28}, NewGenerator(1))
	net, err := LoadScript(filepath.Join(dir, "traced.pt"))
	require.NoError(t, err)
	requireSameTensor(t, want["net"], net.Forward(x))

	two, err := LoadScript(filepath.Join(dir, "two.pt"), CPU)
	require.NoError(t, err)
	outs := two.ForwardAll(x.Select(0, 0), x.Select(0, 1))
	require.Len(t, outs, 2)
	requireSameTensor(t, want["sum"], outs[0])
	requireSameTensor(t, want["prod"], outs[1])
	requireTorchError(t, "ScriptModule.Forward", "use ForwardAll", func() { two.Forward(x, x) })
	requireTorchError(t, "ScriptModule.Forward", "", func() { net.Forward(Ones([]int64{2, 3})) })

	bad := filepath.Join(dir, "bad.pt")
	require.NoError(t, os.WriteFile(bad, []byte("not a zip"), 0o644))
	_, err = LoadScript(bad)
	require.ErrorContains(t, err, "bad.pt")
	_, err = LoadScript(filepath.Join(dir, "missing.pt"))
	require.Error(t, err)
}
