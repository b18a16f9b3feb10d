// Package imageio writes tensors as images: torchvision.utils' make_grid
// and save_image, and plain PNG output of one image.
package imageio

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/torchgo/torchgo/torch"
)

// GridOptions are make_grid's arguments; the zero value means PyTorch's
// defaults where noted.
type GridOptions struct {
	NRow      int     // images per row; 0 means 8
	Padding   int     // pixels between images; use NoPadding for 0, else 0 means 2
	NoPadding bool    // padding=0
	PadValue  float64 // value of the padding pixels (default 0)
	// Normalize shifts each grid to [0, 1] by its own min and max (normalize=True).
	Normalize bool
}

// MakeGrid lays out a batch (B, C, H, W), one image (C, H, W) or (H, W) as
// torchvision.utils.make_grid does: grey images become 3 channels, and the
// result is (3 or C, rows·(H+p)+p, cols·(W+p)+p). The input must be
// floating. The result is a new tensor.
func MakeGrid(t *torch.Tensor, o GridOptions) *torch.Tensor {
	nrow, pad := int64(o.NRow), int64(o.Padding)
	if nrow <= 0 {
		nrow = 8
	}
	if o.NoPadding {
		pad = 0
	} else if pad == 0 {
		pad = 2
	}
	var grid *torch.Tensor
	torch.WithScope(func(s *torch.Scope) {
		x := t
		if x.Dim() == 2 {
			x = x.Unsqueeze(0)
		}
		if x.Dim() == 3 {
			if x.Size(0) == 1 {
				x = torch.Cat([]*torch.Tensor{x, x, x}, 0)
			}
			x = x.Unsqueeze(0)
		}
		if x.Dim() != 4 {
			panic(&torch.Error{Op: "MakeGrid", Msg: fmt.Sprintf("expected a (B, C, H, W), (C, H, W) or (H, W) tensor, got shape %v", t.Shape())})
		}
		if x.Size(1) == 1 {
			x = torch.Cat([]*torch.Tensor{x, x, x}, 1)
		}
		if o.Normalize {
			x = x.Clone()
			lo, hi := x.Min().Item(), x.Max().Item()
			x.Clamp_(lo, hi).SubScalar_(lo).DivScalar_(math.Max(hi-lo, 1e-5))
		}
		if x.Size(0) == 1 {
			grid = x.SqueezeDim(0).Clone()
			s.Keep(grid)
			return
		}
		n := x.Size(0)
		cols := min(nrow, n)
		rows := (n + cols - 1) / cols
		h, w := x.Size(2)+pad, x.Size(3)+pad
		grid = torch.Full([]int64{x.Size(1), h*rows + pad, w*cols + pad}, o.PadValue, x.DType())
		for k := int64(0); k < n; k++ {
			y, c := k/cols, k%cols
			grid.Narrow(1, y*h+pad, h-pad).Narrow(2, c*w+pad, w-pad).Copy_(x.Select(0, k))
		}
		s.Keep(grid)
	})
	return grid
}

// ToImage converts (C, H, W) or (H, W) to an image: floating values in
// [0, 1] are scaled as save_image does (·255 + 0.5, clamped, truncated to
// uint8); Uint8 values are used as they are. One channel gives a grey
// image, three an RGB one.
func ToImage(t *torch.Tensor) (image.Image, error) {
	var img image.Image
	err := torch.Catch(func() error {
		torch.WithScope(func(*torch.Scope) {
			x := t
			if x.Dim() == 2 {
				x = x.Unsqueeze(0)
			}
			if x.Dim() != 3 || (x.Size(0) != 1 && x.Size(0) != 3) {
				panic(&torch.Error{Op: "ToImage", Msg: fmt.Sprintf("expected (1 or 3, H, W) or (H, W), got shape %v", t.Shape())})
			}
			if x.DType() != torch.Uint8 {
				x = x.MulScalar(255).AddScalar_(0.5).Clamp_(0, 255).To(torch.Uint8)
			}
			pix := x.Permute(1, 2, 0).Contiguous().Bytes()
			c, h, w := int(x.Size(0)), int(x.Size(1)), int(x.Size(2))
			if c == 1 {
				g := image.NewGray(image.Rect(0, 0, w, h))
				copy(g.Pix, pix)
				img = g
				return
			}
			rgba := image.NewRGBA(image.Rect(0, 0, w, h))
			for i := 0; i < w*h; i++ {
				rgba.SetRGBA(i%w, i/w, color.RGBA{pix[3*i], pix[3*i+1], pix[3*i+2], 255})
			}
			img = rgba
		})
		return nil
	})
	return img, err
}

// WritePNG encodes t (as ToImage takes it) as PNG to w.
func WritePNG(w io.Writer, t *torch.Tensor) error {
	img, err := ToImage(t)
	if err != nil {
		return err
	}
	return png.Encode(w, img)
}

// SaveImage is torchvision.utils.save_image: MakeGrid then a PNG file,
// written atomically (a temporary file renamed into place).
func SaveImage(t *torch.Tensor, path string, o GridOptions) error {
	var grid *torch.Tensor
	if err := torch.Catch(func() error { grid = MakeGrid(t, o); return nil }); err != nil {
		return err
	}
	defer grid.Close()
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := WritePNG(tmp, grid); err != nil {
		tmp.Close()
		return fmt.Errorf("imageio: %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
