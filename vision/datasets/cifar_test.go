package datasets

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/vision/transforms"
)

// fakeCIFARPy writes small CIFAR-10 and CIFAR-100 folders: data_batch_1 and
// the meta files exactly as the real files are laid out (Python 2 cPickle,
// protocol 2: str keys, numpy's _reconstruct with the pixels as a str),
// the other files as Python 3 pickles at protocols 2 and 4, so that both
// kinds of writer are covered.
const fakeCIFARPy = `
import pickle, io, numpy as np, torchvision
import torchvision.datasets.cifar as cifar

class Py2Pickler(pickle._Pickler):
    """Writes bytes and str as Python 2's str opcodes, like cPickle did."""
    dispatch = dict(pickle._Pickler.dispatch)
    def save_py2str(self, obj):
        b = obj if isinstance(obj, bytes) else obj.encode("latin1")
        if len(b) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(b)]) + b)
        else:
            self.write(pickle.BINSTRING + len(b).to_bytes(4, "little") + b)
        self.memoize(obj)
    dispatch[bytes] = save_py2str
    dispatch[str] = save_py2str

def dump(obj, path, style):
    with open(path, "wb") as f:
        if style == "py2":
            Py2Pickler(f, protocol=2).dump(obj)
        else:
            pickle.dump(obj, f, protocol=style)

g = np.random.default_rng(0)
def batch(n, classes, key, style, bad_label=False):
    data = g.integers(0, 256, size=(n, 3072), dtype=np.uint8)
    labels = [int(x) for x in g.integers(0, classes, size=n)]
    if bad_label:
        labels[3] = classes
    k = (lambda s: s.encode()) if style == "py2" else (lambda s: s)
    return {k("batch_label"): k("training batch"), k(key): labels, k("data"): data, k("filenames"): [k("f%d.png" % i) for i in range(n)]}

root = IN["root"]
styles = ["py2", 2, 4, "py2", 2]
d10 = root + "/cifar-10-batches-py"
os.makedirs(d10, exist_ok=True)
for i in range(5):
    dump(batch(7, 10, "labels", styles[i]), "%s/data_batch_%d" % (d10, i + 1), styles[i])
dump(batch(5, 10, "labels", "py2"), d10 + "/test_batch", "py2")
dump({b"label_names": [b"airplane", b"automobile", b"bird", b"cat", b"deer", b"dog", b"frog", b"horse", b"ship", b"truck"],
      b"num_cases_per_batch": 7, b"num_vis": 3072}, d10 + "/batches.meta", "py2")
d100 = root + "/cifar-100-python"
os.makedirs(d100, exist_ok=True)
dump(batch(9, 100, "fine_labels", "py2"), d100 + "/train", "py2")
dump(batch(4, 100, "fine_labels", 4), d100 + "/test", 4)
dump({b"fine_label_names": [b"c%d" % i for i in range(100)], b"coarse_label_names": [b"s%d" % i for i in range(20)]}, d100 + "/meta", "py2")
bad = root + "/bad/cifar-10-batches-py"
os.makedirs(bad, exist_ok=True)
dump(batch(5, 10, "labels", "py2", bad_label=True), bad + "/test_batch", "py2")

# torchvision reads them (its MD5 checks are for the real files).
cifar.check_integrity = lambda *a, **k: True
res = {}
for name, cls in [("CIFAR10", torchvision.datasets.CIFAR10), ("CIFAR100", torchvision.datasets.CIFAR100)]:
    for train in (True, False):
        ds = cls(root, train=train, transform=torchvision.transforms.ToTensor())
        key = name + ("-train" if train else "-test")
        res[key + "-data"] = enc(torch.from_numpy(ds.data))
        res[key + "-targets"] = enc(torch.tensor(ds.targets))
        res[key + "-first"] = enc(ds[1][0])
        res[key + "-classes"] = {"dtype": "str", "shape": [], "hex": ",".join(ds.classes)}
with open(d10 + "/data_batch_1", "rb") as f:
    res["head"] = {"dtype": "", "shape": [], "hex": f.read(40).hex()}
out(res)
`

func makeFakeCIFAR(t *testing.T) (string, map[string]pyref.Tensor) {
	root := t.TempDir()
	var want map[string]pyref.Tensor
	pyref.Run(t, fakeCIFARPy, map[string]string{"root": root}, &want)
	return root, want
}

func TestCIFARMatchesTorchvision(t *testing.T) {
	root, want := makeFakeCIFAR(t)
	// The first file starts as the real CIFAR files do.
	require.Contains(t, want["head"].Hex, hex.EncodeToString([]byte("\x80\x02}q\x00(U\x0bbatch_label")))
	for _, c := range []struct {
		name string
		load func(string, bool, Options) (*CIFAR, error)
	}{{"CIFAR10", CIFAR10}, {"CIFAR100", CIFAR100}} {
		for _, train := range []bool{true, false} {
			key := c.name + map[bool]string{true: "-train", false: "-test"}[train]
			ds, err := c.load(root, train, Options{})
			require.NoError(t, err, key)
			torch.WithScope(func(*torch.Scope) {
				require.Equal(t, want[key+"-data"].Hex, hex.EncodeToString(ds.Images.Permute(0, 2, 3, 1).Contiguous().Bytes()), key)
				require.Equal(t, want[key+"-targets"].Hex, hex.EncodeToString(ds.Labels.Bytes()), key)
				require.Equal(t, want[key+"-classes"].Hex, joinComma(ds.Classes), key)
				ds.Transform = transforms.ToTensor{}
				img, label, err := ds.Get(1)
				require.NoError(t, err)
				require.Equal(t, want[key+"-first"].Hex, hex.EncodeToString(img.Bytes()), key)
				require.Equal(t, ds.Labels.Select(0, 1).ItemInt(), label)
			})
			_, _, err = ds.Get(ds.Len())
			require.ErrorContains(t, err, "out of range")
			ds.Close()
		}
	}
}

func joinComma(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}

func TestCIFARBadFiles(t *testing.T) {
	root, _ := makeFakeCIFAR(t)
	folder := filepath.Join(root, "cifar-10-batches-py")
	file := filepath.Join(folder, "test_batch")

	_, err := CIFAR10(filepath.Join(root, "nowhere"), false, Options{})
	require.ErrorContains(t, err, "not found")

	_, err = CIFAR10(filepath.Join(root, "bad"), false, Options{})
	require.ErrorContains(t, err, "batches.meta not found")
	meta, err := os.ReadFile(filepath.Join(folder, "batches.meta"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(root, "bad", "cifar-10-batches-py", "batches.meta"), meta, 0o644))
	_, err = CIFAR10(filepath.Join(root, "bad"), false, Options{})
	require.ErrorContains(t, err, "label 10 of sample 3 is out of range 0..9")
	require.ErrorContains(t, err, "test_batch")

	good, err := os.ReadFile(file)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(file, good[:len(good)/2], 0o644))
	_, err = CIFAR10(root, false, Options{})
	require.ErrorContains(t, err, "test_batch")
	require.ErrorContains(t, err, "truncated")

	require.NoError(t, os.WriteFile(file, []byte("not a pickle"), 0o644))
	_, err = CIFAR10(root, false, Options{})
	require.ErrorContains(t, err, "test_batch is not a Python pickle")

	// A pickle that calls anything else is refused, not run.
	require.NoError(t, os.WriteFile(file, []byte("\x80\x02cos\nsystem\nq\x00X\x04\x00\x00\x00trueq\x01\x85q\x02Rq\x03."), 0o644))
	_, err = CIFAR10(root, false, Options{})
	require.ErrorContains(t, err, "os.system")
	require.ErrorContains(t, err, "refused")

	// The pickles are read by torch/pt's unpickler, with its limits: one
	// that floods the stack is refused (Python would hold 2 Mi Nones, and
	// find no dict).
	flood := append([]byte("\x80\x02"), bytes.Repeat([]byte("N"), 2<<20)...)
	require.NoError(t, os.WriteFile(file, append(flood, '.'), 0o644))
	_, err = CIFAR10(root, false, Options{})
	require.ErrorContains(t, err, "test_batch")
	require.ErrorContains(t, err, "Limits.MaxStack")
}
