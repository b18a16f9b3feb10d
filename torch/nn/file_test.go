package nn

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/torch"
)

// Weights move between Go and Python through .pt files both ways:
// Python's strict load_state_dict reads what Go saves, and Go loads what
// Python saves, with identical forward results.
func TestStateDictFilesRoundTripWithPython(t *testing.T) {
	dir := t.TempDir()
	goFile := filepath.Join(dir, "go.pt")
	pyFile := filepath.Join(dir, "py.pt")

	torch.ManualSeed(3)
	net := newSeedNet()
	require.NoError(t, net.Save(goFile))
	x := torch.Rand([]int64{2, 1, 28, 28}, torch.NewGenerator(1))

	var res struct {
		GoOut pyref.Tensor `json:"go_out"`
		PyOut pyref.Tensor `json:"py_out"`
		Type  string       `json:"type"`
	}
	pyref.Run(t, netPy+`
import collections
x = torch.rand(2, 1, 28, 28, generator=torch.Generator().manual_seed(1))
sd = torch.load(IN["go"], weights_only=True)
net = Net()
net.load_state_dict(sd, strict=True)
go_out = enc(net(x))
torch.manual_seed(4)
py = Net()
torch.save(py.state_dict(), IN["py"])
out({"go_out": go_out, "py_out": enc(py(x)), "type": type(sd).__name__})
`, map[string]string{"go": goFile, "py": pyFile}, &res)
	require.Equal(t, "OrderedDict", res.Type)
	requireSame(t, res.GoOut, net.Forward(x))

	fresh := newSeedNet()
	r, err := fresh.Load(pyFile, true)
	require.NoError(t, err)
	require.Equal(t, "<All keys matched successfully>", r.String())
	requireSame(t, res.PyOut, fresh.Forward(x))
}

func TestLoadBadFiles(t *testing.T) {
	dir := t.TempDir()
	net := newSeedNet()
	_, err := net.Load(filepath.Join(dir, "missing.pt"), true)
	require.Error(t, err)
	bad := filepath.Join(dir, "bad.pt")
	require.NoError(t, os.WriteFile(bad, []byte("PK\x03\x04garbage"), 0o644))
	_, err = net.Load(bad, true)
	require.Error(t, err)
}
