package datasets

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/torch"
)

// ImageFolder lists the same samples in the same order as torchvision and
// decodes PNGs to PIL's convert("RGB") pixels exactly, 4:4:4 JPEGs within
// a few levels (see ReadImage for subsampled JPEGs).
func TestImageFolderMatchesTorchvision(t *testing.T) {
	root := t.TempDir()
	var want struct {
		Paths   []string       `json:"paths"`
		Targets []int64        `json:"targets"`
		Classes []string       `json:"classes"`
		Pixels  []pyref.Tensor `json:"pixels"`
	}
	pyref.Run(t, `
import numpy as np, torchvision
from PIL import Image
root = IN
g = np.random.default_rng(1)
def img(mode, h, w):
    a = g.integers(0, 256, size=(h, w, 4), dtype=np.uint8)
    if mode == "L": return Image.fromarray(a[:, :, 0], "L")
    if mode == "RGB": return Image.fromarray(a[:, :, :3], "RGB")
    if mode == "RGBA": return Image.fromarray(a, "RGBA")
    if mode == "P": return Image.fromarray(a[:, :, :3], "RGB").quantize(17)
    if mode == "LA": return Image.fromarray(a[:, :, :2], "LA")
files = [("dog/b.png", "RGB"), ("dog/a.PNG", "L"), ("dog/sub/z.png", "RGBA"), ("dog/sub 2/c.png", "P"),
         ("cat/x.jpg", "RGB"), ("cat/y.png", "LA"), ("Zebra/q.jpeg", "L"), ("Zebra/r.png", "RGB")]
for path, mode in files:
    os.makedirs(os.path.dirname(root + "/" + path), exist_ok=True)
    img(mode, 5 + len(path) % 4, 7).save(root + "/" + path, quality=90, subsampling=0) if path.lower().endswith(("jpg", "jpeg")) else img(mode, 6, 5 + len(path) % 5).save(root + "/" + path)
open(root + "/cat/notes.txt", "w").write("not an image")
open(root + "/stray.png", "w").write("files at the top are not samples")
ds = torchvision.datasets.ImageFolder(root)
out({"paths": [os.path.relpath(p, root) for p, _ in ds.samples], "targets": ds.targets, "classes": ds.classes,
     "pixels": [enc(torch.from_numpy(np.array(ds.loader(p))).permute(2, 0, 1).contiguous()) for p, _ in ds.samples]})
`, root, &want)
	ds, err := NewImageFolder(root)
	require.NoError(t, err)
	require.Equal(t, want.Classes, ds.Classes)
	require.Equal(t, len(want.Paths), ds.Len())
	for i, s := range ds.Samples {
		rel, err := filepath.Rel(root, s.Path)
		require.NoError(t, err)
		require.Equal(t, want.Paths[i], rel)
		require.Equal(t, want.Targets[i], s.Class)
		img, label, err := ds.Get(i)
		require.NoError(t, err)
		require.Equal(t, s.Class, label)
		require.Equal(t, want.Pixels[i].Shape, img.Shape(), rel)
		if strings.HasSuffix(rel, ".png") || strings.HasSuffix(rel, ".PNG") {
			require.Equal(t, want.Pixels[i].Hex, hex.EncodeToString(img.Bytes()), rel)
			continue
		}
		b, _ := hex.DecodeString(want.Pixels[i].Hex)
		py := torch.FromBytes(b, torch.Uint8, want.Pixels[i].Shape)
		diff := img.To(torch.Int32).Sub(py.To(torch.Int32)).Abs().Max().ItemInt()
		require.LessOrEqual(t, diff, int64(3), rel)
		t.Logf("%s: JPEG decoders differ by at most %d levels", rel, diff)
	}
}

func TestImageFolderBadInput(t *testing.T) {
	root := t.TempDir()
	_, err := NewImageFolder(filepath.Join(root, "missing"))
	require.Error(t, err)
	_, err = NewImageFolder(root)
	require.ErrorContains(t, err, "couldn't find any class folder")
	require.NoError(t, os.MkdirAll(filepath.Join(root, "a"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "b"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "a", "broken.png"), []byte("\x89PNG\r\n\x1a\nbroken"), 0o644))
	_, err = NewImageFolder(root)
	require.ErrorContains(t, err, "found no valid file for the classes b")
	require.NoError(t, os.WriteFile(filepath.Join(root, "b", "x.bmp"), []byte("BM"), 0o644))
	ds, err := NewImageFolder(root)
	require.NoError(t, err)
	_, _, err = ds.Get(0)
	require.ErrorContains(t, err, "broken.png: cannot decode image")
	_, _, err = ds.Get(1)
	require.ErrorContains(t, err, "x.bmp")
}
