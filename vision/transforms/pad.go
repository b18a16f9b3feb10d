package transforms

import (
	"github.com/torchgo/torchgo/torch"
)

// PaddingMode is Pad's padding_mode.
type PaddingMode int

// Padding modes, as torchvision's strings.
const (
	// Constant fills with Fill ("constant", the default).
	Constant PaddingMode = iota
	// Edge repeats the border pixel ("edge").
	Edge
	// Reflect mirrors without repeating the border ("reflect").
	Reflect
	// Symmetric mirrors repeating the border ("symmetric").
	Symmetric
)

// Pad is transforms.Pad on tensors: Padding is one value (all sides), two
// (left/right, top/bottom) or four (left, top, right, bottom), as
// torchvision's; Fill is the Constant mode's value. Non-constant modes on
// integer images go through Float32 as torchvision does. Negative padding
// crops (Symmetric only, as in torchvision).
type Pad struct {
	Padding []int64
	Fill    float64
	Mode    PaddingMode
}

// ltrb returns F.pad's [left, right, top, bottom].
func padLRTB(p []int64) []int64 {
	switch len(p) {
	case 1:
		return []int64{p[0], p[0], p[0], p[0]}
	case 2:
		return []int64{p[0], p[0], p[1], p[1]}
	case 4:
		return []int64{p[0], p[2], p[1], p[3]}
	}
	panic(fail("Pad", "padding must have 1, 2 or 4 elements, not %d", len(p)))
}

// Apply pads an image (C, H, W) or a batch (N, C, H, W) (Constant mode:
// any number of leading dims).
func (p Pad) Apply(img *torch.Tensor) *torch.Tensor {
	requireImage("Pad", img, 2, 0)
	lrtb := padLRTB(p.Padding)
	return scoped(img, func() *torch.Tensor {
		if p.Mode == Symmetric {
			return padSymmetric(img, lrtb)
		}
		x, squeeze := img, false
		if x.Dim() < 4 {
			x, squeeze = x.Unsqueeze(0), true
		}
		dt := x.DType()
		cast := p.Mode != Constant && dt != torch.Float32 && dt != torch.Float64
		if cast {
			x = x.To(torch.Float32)
		}
		switch p.Mode {
		case Constant:
			x = torch.Pad(x, lrtb, torch.PadConstant, p.Fill)
		case Edge:
			x = torch.Pad(x, lrtb, torch.PadReplicate, 0)
		case Reflect:
			x = torch.Pad(x, lrtb, torch.PadReflect, 0)
		default:
			panic(fail("Pad", "unknown padding mode %d", p.Mode))
		}
		if squeeze {
			x = x.SqueezeDim(0)
		}
		if cast {
			x = x.To(dt)
		}
		return x
	})
}

// ApplyBatch pads (N, C, H, W) in one op.
func (p Pad) ApplyBatch(batch *torch.Tensor) *torch.Tensor { return p.Apply(batch) }

// padSymmetric is _pad_symmetric: index-based mirroring for 3-D and 4-D images.
func padSymmetric(img *torch.Tensor, p []int64) *torch.Tensor {
	if d := img.Dim(); d != 3 && d != 4 {
		panic(fail("Pad", "symmetric padding of %d-D tensors is not supported", d))
	}
	if p[0] < 0 || p[1] < 0 || p[2] < 0 || p[3] < 0 {
		_, h, w := dims(img)
		cl, cr, ct, cb := max(-p[0], 0), max(-p[1], 0), max(-p[2], 0), max(-p[3], 0)
		img = img.Slice(-2, ct, h-cb, 1).Slice(-1, cl, w-cr, 1)
		p = []int64{max(p[0], 0), max(p[1], 0), max(p[2], 0), max(p[3], 0)}
	}
	_, h, w := dims(img)
	index := func(n, before, after int64) *torch.Tensor {
		var idx []int64
		for i := before - 1; i >= 0; i-- {
			idx = append(idx, i)
		}
		for i := int64(0); i < n; i++ {
			idx = append(idx, i)
		}
		for i := int64(0); i < after; i++ {
			idx = append(idx, n-1-i)
		}
		for _, v := range idx {
			if v < 0 || v >= n {
				panic(fail("Pad", "symmetric padding %v is larger than the image (%d×%d)", p, h, w))
			}
		}
		return torch.FromSlice(idx, []int64{int64(len(idx))}).To(img.Device())
	}
	return img.IndexSelect(-2, index(h, p[2], p[3])).IndexSelect(-1, index(w, p[0], p[1]))
}
