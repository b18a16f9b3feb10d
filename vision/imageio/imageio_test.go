package imageio

import (
	"encoding/hex"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/torch"
)

// make_grid and save_image agree with torchvision 0.14 on the grid's floats
// and on every pixel of the PNG.
func TestGridAndPNGMatchTorchvision(t *testing.T) {
	dir := t.TempDir()
	var want map[string]pyref.Tensor
	pyref.Run(t, `
from torchvision.utils import make_grid, save_image
from PIL import Image
import numpy as np
g = torch.Generator().manual_seed(0)
batch = torch.rand(5, 1, 6, 7, generator=g)
rgb = torch.rand(3, 4, 5, generator=g) * 2 - 0.5
res = {
 "grid": enc(make_grid(batch, nrow=3)),
 "grid_pad": enc(make_grid(batch, nrow=2, padding=1, pad_value=0.5)),
 "grid_norm": enc(make_grid(rgb.unsqueeze(0).repeat(2, 1, 1, 1), normalize=True)),
 "single": enc(make_grid(batch[0])),
}
for name, t in [("batch", batch), ("rgb", rgb)]:
    p = IN + "/py_" + name + ".png"
    save_image(t, p)
    res["png_" + name] = enc(torch.from_numpy(np.array(Image.open(p).convert("RGB"))))
out(res)
`, dir, &want)
	g := torch.NewGenerator(0)
	batch := torch.Rand([]int64{5, 1, 6, 7}, g)
	rgb := torch.Rand([]int64{3, 4, 5}, g).MulScalar(2).SubScalar(0.5)
	check := func(key string, got *torch.Tensor) {
		require.Equal(t, want[key].Shape, got.Shape(), key)
		require.Equal(t, want[key].Hex, hex.EncodeToString(got.Bytes()), key)
	}
	check("grid", MakeGrid(batch, GridOptions{NRow: 3}))
	check("grid_pad", MakeGrid(batch, GridOptions{NRow: 2, Padding: 1, PadValue: 0.5}))
	check("grid_norm", MakeGrid(rgb.Unsqueeze(0).Repeat(2, 1, 1, 1), GridOptions{Normalize: true}))
	check("single", MakeGrid(batch.Select(0, 0), GridOptions{}))

	for name, x := range map[string]*torch.Tensor{"batch": batch, "rgb": rgb} {
		path := filepath.Join(dir, "go_"+name+".png")
		require.NoError(t, SaveImage(x, path, GridOptions{}))
		f, err := os.Open(path)
		require.NoError(t, err)
		img, err := png.Decode(f)
		f.Close()
		require.NoError(t, err)
		b := img.Bounds()
		pix := make([]byte, 0, 3*b.Dx()*b.Dy())
		for y := 0; y < b.Dy(); y++ {
			for x := 0; x < b.Dx(); x++ {
				r, gg, bb, _ := img.At(x, y).RGBA()
				pix = append(pix, byte(r>>8), byte(gg>>8), byte(bb>>8))
			}
		}
		require.Equal(t, want["png_"+name].Shape, []int64{int64(b.Dy()), int64(b.Dx()), 3})
		require.Equal(t, want["png_"+name].Hex, hex.EncodeToString(pix), name)
	}
}

func TestBadImages(t *testing.T) {
	_, err := ToImage(torch.Zeros([]int64{2, 3, 4}))
	require.ErrorContains(t, err, "expected (1 or 3, H, W)")
	require.Error(t, SaveImage(torch.Zeros([]int64{1, 2, 3, 4, 5}), filepath.Join(t.TempDir(), "x.png"), GridOptions{}))
	require.Error(t, SaveImage(torch.Zeros([]int64{3, 4}), "/nonexistent-dir/x.png", GridOptions{}))
}
