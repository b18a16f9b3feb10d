package transforms

import (
	"github.com/torchgo/torchgo/torch"
)

// draw is torch.rand(1, generator=gen).item() as a float32 value.
func draw(gen *torch.Generator) float32 {
	var v float32
	torch.WithScope(func(*torch.Scope) { v = float32(torch.Rand([]int64{1}, gen).Item()) })
	return v
}

// uniform is float(torch.empty(1).uniform_(lo, hi, generator=gen)): a
// Float32 draw widened to float64.
func uniform(lo, hi float64, gen *torch.Generator) float64 {
	var v float64
	torch.WithScope(func(*torch.Scope) { v = torch.Empty([]int64{1}).Uniform_(lo, hi, gen).Item() })
	return v
}

// randint is torch.randint(lo, hi, (1,), generator=gen).item().
func randint(lo, hi int64, gen *torch.Generator) int64 {
	var v int64
	torch.WithScope(func(*torch.Scope) { v = torch.Randint(lo, hi, []int64{1}, gen).ItemInt() })
	return v
}

// RandomHorizontalFlip is transforms.RandomHorizontalFlip: it flips with
// probability P (torchvision's default 0.5; set it explicitly, the zero
// value never flips), deciding with torch.rand(1) < P.
type RandomHorizontalFlip struct {
	P   float64
	Gen *torch.Generator // nil: the default generator
}

// Apply flips img (…, H, W) or returns it unchanged.
func (f RandomHorizontalFlip) Apply(img *torch.Tensor) *torch.Tensor {
	if draw(f.Gen) < float32(f.P) {
		return HFlip(img)
	}
	return img
}

// ApplyBatch draws once per sample of (N, C, H, W), in order (the draws
// Apply would make sample by sample), then flips the chosen samples in one
// masked op.
func (f RandomHorizontalFlip) ApplyBatch(batch *torch.Tensor) *torch.Tensor {
	requireImage("RandomHorizontalFlip", batch, 4, 4)
	n := batch.Size(0)
	mask := make([]bool, n)
	for i := range mask {
		mask[i] = draw(f.Gen) < float32(f.P)
	}
	return scoped(batch, func() *torch.Tensor {
		m := torch.FromSlice(mask, []int64{n, 1, 1, 1}).To(batch.Device())
		return torch.Where(m, HFlip(batch), batch)
	})
}

// RandomCrop is transforms.RandomCrop: it pads img by Padding (if any, with
// Fill and Mode as Pad), pads width and height up to Size when PadIfNeeded,
// then crops a Size (h, w) window at (torch.randint(0, H-h+1),
// torch.randint(0, W-w+1)), drawn in that order; no draw when the image
// already has the crop's size.
type RandomCrop struct {
	Size        []int64
	Padding     []int64 // nil: none
	PadIfNeeded bool
	Fill        float64
	Mode        PaddingMode
	Gen         *torch.Generator // nil: the default generator
}

func (c RandomCrop) pad(img *torch.Tensor) *torch.Tensor {
	th, tw := hw("RandomCrop", c.Size)
	if c.Padding != nil {
		img = Pad{Padding: c.Padding, Fill: c.Fill, Mode: c.Mode}.Apply(img)
	}
	_, h, w := dims(img)
	if c.PadIfNeeded && w < tw {
		img = Pad{Padding: []int64{tw - w, 0}, Fill: c.Fill, Mode: c.Mode}.Apply(img)
	}
	if c.PadIfNeeded && h < th {
		img = Pad{Padding: []int64{0, th - h}, Fill: c.Fill, Mode: c.Mode}.Apply(img)
	}
	return img
}

func (c RandomCrop) params(img *torch.Tensor) (int64, int64) {
	th, tw := hw("RandomCrop", c.Size)
	_, h, w := dims(img)
	if h < th || w < tw {
		panic(fail("RandomCrop", "required crop size (%d, %d) is larger than input image size (%d, %d)", th, tw, h, w))
	}
	if h == th && w == tw {
		return 0, 0
	}
	i := randint(0, h-th+1, c.Gen)
	j := randint(0, w-tw+1, c.Gen)
	return i, j
}

// Apply crops an image (C, H, W).
func (c RandomCrop) Apply(img *torch.Tensor) *torch.Tensor {
	requireImage("RandomCrop", img, 2, 0)
	th, tw := hw("RandomCrop", c.Size)
	return scoped(img, func() *torch.Tensor {
		x := c.pad(img)
		i, j := c.params(x)
		return Crop(x, i, j, th, tw)
	})
}

// ApplyBatch pads (N, C, H, W) once, then draws each sample's window in
// order, as Apply would sample by sample, and stacks the crops.
func (c RandomCrop) ApplyBatch(batch *torch.Tensor) *torch.Tensor {
	requireImage("RandomCrop", batch, 4, 4)
	th, tw := hw("RandomCrop", c.Size)
	return scoped(batch, func() *torch.Tensor {
		x := c.pad(batch)
		n := x.Size(0)
		crops := make([]*torch.Tensor, n)
		for k := int64(0); k < n; k++ {
			i, j := c.params(x)
			crops[k] = x.Select(0, k).Narrow(-2, i, th).Narrow(-1, j, tw)
		}
		return torch.Stack(crops, 0)
	})
}
