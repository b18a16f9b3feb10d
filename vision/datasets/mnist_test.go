package datasets

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/torch"
)

// dataRoot is the repository's data folder that scripts/setup.sh fills.
func dataRoot(t *testing.T) string {
	root, err := filepath.Abs("../../data")
	require.NoError(t, err)
	if _, err := os.Stat(filepath.Join(root, "MNIST", "raw")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("MNIST missing under CI: scripts/setup.sh should have placed it in %s", root)
		}
		t.Skipf("MNIST not set up in %s: run scripts/setup.sh", root)
	}
	return root
}

// The same data as torchvision's MNIST and FashionMNIST, and ToTensor's
// floats bit for bit.
func TestMNISTMatchesTorchvision(t *testing.T) {
	root := dataRoot(t)
	var want map[string]pyref.Tensor
	pyref.Run(t, `
import torchvision
from torchvision import transforms
res = {}
for name, cls in [("MNIST", torchvision.datasets.MNIST), ("FashionMNIST", torchvision.datasets.FashionMNIST)]:
    for train in (True, False):
        ds = cls(IN, train=train, download=False, transform=transforms.Compose([transforms.ToTensor()]))
        key = name + ("-train" if train else "-test")
        res[key + "-n"] = enc(torch.tensor(len(ds)))
        res[key + "-targets"] = enc(ds.targets)
        res[key + "-data"] = enc(ds.data[::997])
        img, label = ds[0]
        res[key + "-first"] = enc(img)
out(res)
`, root, &want)
	for _, c := range []struct {
		name string
		load func(string, bool) (*MNISTFamily, error)
	}{{"MNIST", MNIST}, {"FashionMNIST", FashionMNIST}} {
		for _, train := range []bool{true, false} {
			key := c.name + map[bool]string{true: "-train", false: "-test"}[train]
			ds, err := c.load(root, train)
			require.NoError(t, err, key)
			torch.WithScope(func(*torch.Scope) {
				require.Equal(t, want[key+"-targets"].Hex, hex.EncodeToString(ds.Labels.Bytes()), key)
				require.Equal(t, want[key+"-data"].Hex, hex.EncodeToString(ds.Images.Slice(0, 0, torch.End, 997).Bytes()), key)
				first := ds.ToTensor().Select(0, 0)
				require.Equal(t, want[key+"-first"].Shape, first.Shape())
				require.Equal(t, want[key+"-first"].Hex, hex.EncodeToString(first.Bytes()), key)
			})
			ds.Close()
		}
	}
}

func TestMNISTBadFiles(t *testing.T) {
	dir := t.TempDir()
	raw := filepath.Join(dir, "MNIST", "raw")
	require.NoError(t, os.MkdirAll(raw, 0o755))
	_, err := MNIST(dir, true)
	require.ErrorContains(t, err, "train-images-idx3-ubyte not found")

	write := func(name string, b []byte) { require.NoError(t, os.WriteFile(filepath.Join(raw, name), b, 0o644)) }
	write("train-images-idx3-ubyte", []byte{0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3})
	write("train-labels-idx1-ubyte", []byte{0, 0, 8, 1, 0, 0, 0, 2, 1, 12})
	_, err = MNIST(dir, true)
	require.ErrorContains(t, err, "truncated")
	require.ErrorContains(t, err, "train-images-idx3-ubyte")

	write("train-images-idx3-ubyte", []byte{0, 0, 9, 3})
	_, err = MNIST(dir, true)
	require.ErrorContains(t, err, "not an IDX file")

	img := append([]byte{0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28}, make([]byte, 2*28*28)...)
	write("train-images-idx3-ubyte", img)
	_, err = MNIST(dir, true)
	require.ErrorContains(t, err, "label 12 of sample 1 is out of range")
}
