package transforms

import (
	"math"

	"github.com/torchgo/torchgo/torch"
)

// Interpolation selects how Resize and Rotate sample (InterpolationMode).
type Interpolation int

// Interpolation modes; the zero value is each transform's torchvision default.
const (
	// Default is Bilinear for Resize and Nearest for the rotations.
	Default Interpolation = iota
	Nearest
	Bilinear
)

// Resize is transforms.Resize on tensors (torchvision 0.14, antialias=False,
// its tensor default): F.interpolate with align_corners=False on Float32
// (Uint8 images are converted to Float32, resized, rounded and converted
// back), giving bit-identical results. Size is (h, w), or one value for the
// smaller edge, keeping the aspect ratio (the longer edge is
// int(size*long/short)); MaxSize then caps the longer edge. An image that
// already has the output size is returned as is. Antialiasing and bicubic
// are not supported.
type Resize struct {
	Size          []int64
	Interpolation Interpolation // Default: Bilinear
	MaxSize       int64         // 0: none
}

// OutputSize is _compute_resized_output_size: the (h, w) Resize makes from an
// h×w image.
func (r Resize) OutputSize(h, w int64) (int64, int64) {
	switch len(r.Size) {
	case 1:
		short, long := h, w
		if w <= h {
			short, long = w, h
		}
		newShort := r.Size[0]
		newLong := int64(float64(newShort*long) / float64(short))
		if r.MaxSize > 0 {
			if r.MaxSize <= newShort {
				panic(fail("Resize", "max_size = %d must be strictly greater than the requested size for the smaller edge size = %v", r.MaxSize, r.Size))
			}
			if newLong > r.MaxSize {
				newShort, newLong = int64(float64(r.MaxSize*newShort)/float64(newLong)), r.MaxSize
			}
		}
		if w <= h {
			return newLong, newShort
		}
		return newShort, newLong
	case 2:
		if r.MaxSize > 0 {
			panic(fail("Resize", "max_size should only be passed if size specifies the length of the smaller edge"))
		}
		return r.Size[0], r.Size[1]
	}
	panic(fail("Resize", "size must have 1 or 2 elements, got %v", r.Size))
}

// Apply resizes an image (C, H, W) or a batch (N, C, H, W).
func (r Resize) Apply(img *torch.Tensor) *torch.Tensor {
	requireImage("Resize", img, 3, 4)
	_, h, w := dims(img)
	oh, ow := r.OutputSize(h, w)
	if oh == h && ow == w {
		return img
	}
	return scoped(img, func() *torch.Tensor {
		x, squeeze := img, false
		if x.Dim() < 4 {
			x, squeeze = x.Unsqueeze(0), true
		}
		dt := x.DType()
		cast := dt != torch.Float32 && dt != torch.Float64
		if cast {
			x = x.To(torch.Float32)
		}
		x = torch.Interpolate(x, []int64{oh, ow}, r.Interpolation != Nearest, false)
		if squeeze {
			x = x.SqueezeDim(0)
		}
		if cast {
			if !dt.IsFloatingPoint() {
				x = x.Round()
			}
			x = x.To(dt)
		}
		return x
	})
}

// ApplyBatch resizes (N, C, H, W) in one op.
func (r Resize) ApplyBatch(batch *torch.Tensor) *torch.Tensor { return r.Apply(batch) }

// Crop is F.crop: the height×width window of img (…, H, W) whose top-left
// corner is (top, left); parts outside the image are zero, as torchvision
// pads them.
func Crop(img *torch.Tensor, top, left, height, width int64) *torch.Tensor {
	requireImage("Crop", img, 2, 0)
	_, h, w := dims(img)
	right, bottom := left+width, top+height
	return scoped(img, func() *torch.Tensor {
		if left < 0 || top < 0 || right > w || bottom > h {
			pad := []int64{
				max(-left+min(0, right), 0),
				max(-top+min(0, bottom), 0),
				max(right-max(w, left), 0),
				max(bottom-max(h, top), 0),
			}
			t0, l0 := max(top, 0), max(left, 0)
			inner := img.Slice(-2, t0, max(bottom, t0), 1).Slice(-1, l0, max(right, l0), 1)
			return Pad{Padding: pad}.Apply(inner)
		}
		return img.Slice(-2, top, bottom, 1).Slice(-1, left, right, 1)
	})
}

// CenterCrop is transforms.CenterCrop: the central Size (h, w) window (one
// value: a square), zero-padding images smaller than it first as
// torchvision does. The top-left corner is round((H-h)/2), round((W-w)/2),
// with Python's round half to even.
type CenterCrop struct {
	Size []int64
}

func hw(op string, size []int64) (int64, int64) {
	switch len(size) {
	case 1:
		return size[0], size[0]
	case 2:
		return size[0], size[1]
	}
	panic(fail(op, "size must have 1 or 2 elements, got %v", size))
}

// Apply crops an image (…, H, W).
func (c CenterCrop) Apply(img *torch.Tensor) *torch.Tensor {
	requireImage("CenterCrop", img, 2, 0)
	ch, cw := hw("CenterCrop", c.Size)
	return scoped(img, func() *torch.Tensor {
		x := img
		_, h, w := dims(x)
		if cw > w || ch > h {
			pad := []int64{0, 0, 0, 0}
			if cw > w {
				pad[0], pad[2] = (cw-w)/2, (cw-w+1)/2
			}
			if ch > h {
				pad[1], pad[3] = (ch-h)/2, (ch-h+1)/2
			}
			x = Pad{Padding: pad}.Apply(x)
			_, h, w = dims(x)
			if cw == w && ch == h {
				return x
			}
		}
		top := int64(math.RoundToEven(float64(h-ch) / 2))
		left := int64(math.RoundToEven(float64(w-cw) / 2))
		return Crop(x, top, left, ch, cw)
	})
}

// ApplyBatch crops (N, C, H, W) in one op (a view).
func (c CenterCrop) ApplyBatch(batch *torch.Tensor) *torch.Tensor { return c.Apply(batch) }

// HFlip is F.hflip: img (…, H, W) mirrored left to right.
func HFlip(img *torch.Tensor) *torch.Tensor {
	requireImage("HFlip", img, 2, 0)
	_, _, w := dims(img)
	return scoped(img, func() *torch.Tensor {
		return img.IndexSelect(-1, torch.Arange(w-1, -1, -1, img.Device()))
	})
}

// VFlip is F.vflip: img (…, H, W) mirrored top to bottom.
func VFlip(img *torch.Tensor) *torch.Tensor {
	requireImage("VFlip", img, 2, 0)
	_, h, _ := dims(img)
	return scoped(img, func() *torch.Tensor {
		return img.IndexSelect(-2, torch.Arange(h-1, -1, -1, img.Device()))
	})
}
