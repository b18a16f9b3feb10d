package transforms

import (
	"github.com/torchgo/torchgo/torch"
)

// toCHW turns (H, W) into (1, H, W) and, with hwc, (H, W, C) into (C, H, W).
func toCHW(op string, img *torch.Tensor, hwc bool) *torch.Tensor {
	switch img.Dim() {
	case 2:
		return img.Unsqueeze(0)
	case 3:
		if hwc {
			return img.Permute(2, 0, 1)
		}
		return img
	}
	panic(fail(op, "expected (H, W), (C, H, W) or, with HWC, (H, W, C); got shape %v", img.Shape()))
}

// ToTensor is transforms.ToTensor for pixel arrays: Uint8 (C, H, W), (H, W)
// or, with HWC, (H, W, C) becomes contiguous Float32 (C, H, W) in [0, 1]
// (x / 255, bit-identical to torchvision). Other dtypes are an error, as
// torchvision does not rescale them.
type ToTensor struct {
	// HWC reads a 3-D input as (H, W, C), the layout of PIL images and
	// numpy arrays; otherwise it is (C, H, W).
	HWC bool
}

// Apply converts one image.
func (t ToTensor) Apply(img *torch.Tensor) *torch.Tensor {
	requireUint8("ToTensor", img)
	return scoped(img, func() *torch.Tensor {
		return toCHW("ToTensor", img, t.HWC).Contiguous().To(torch.Float32).DivScalar(255)
	})
}

// ApplyBatch converts a Uint8 batch (N, C, H, W), or (N, H, W, C) with HWC,
// in one op.
func (t ToTensor) ApplyBatch(batch *torch.Tensor) *torch.Tensor {
	requireUint8("ToTensor", batch)
	requireImage("ToTensor", batch, 4, 4)
	return scoped(batch, func() *torch.Tensor {
		if t.HWC {
			batch = batch.Permute(0, 3, 1, 2)
		}
		return batch.Contiguous().To(torch.Float32).DivScalar(255)
	})
}

func requireUint8(op string, img *torch.Tensor) {
	if dt := img.DType(); dt != torch.Uint8 {
		panic(fail(op, "expected a Uint8 image, got %v", dt))
	}
}

// PILToTensor is transforms.PILToTensor for pixel arrays: it keeps the
// dtype and returns a contiguous (C, H, W) tensor, from (H, W), (C, H, W) or,
// with HWC, (H, W, C).
type PILToTensor struct {
	// HWC reads a 3-D input as (H, W, C).
	HWC bool
}

// Apply converts one image.
func (t PILToTensor) Apply(img *torch.Tensor) *torch.Tensor {
	return scoped(img, func() *torch.Tensor { return toCHW("PILToTensor", img, t.HWC).Contiguous() })
}

// ApplyBatch converts (N, C, H, W), or (N, H, W, C) with HWC.
func (t PILToTensor) ApplyBatch(batch *torch.Tensor) *torch.Tensor {
	requireImage("PILToTensor", batch, 4, 4)
	return scoped(batch, func() *torch.Tensor {
		if t.HWC {
			batch = batch.Permute(0, 3, 1, 2)
		}
		return batch.Contiguous()
	})
}

// ConvertImageDtype is transforms.ConvertImageDtype for the common case:
// Uint8 to a floating dtype divides by 255; a floating image to Uint8
// multiplies by 255.999 and truncates (torchvision's eps = 1e-3); floating
// to floating converts.
type ConvertImageDtype struct {
	DType torch.DType
}

// Apply converts img.
func (c ConvertImageDtype) Apply(img *torch.Tensor) *torch.Tensor {
	return ConvertImageDtype(c).ApplyBatch(img)
}

// ApplyBatch converts a batch (any shape).
func (c ConvertImageDtype) ApplyBatch(img *torch.Tensor) *torch.Tensor {
	from := img.DType()
	if from == c.DType {
		return img
	}
	return scoped(img, func() *torch.Tensor {
		switch {
		case from == torch.Uint8 && c.DType.IsFloatingPoint():
			return img.To(c.DType).DivScalar(255)
		case from.IsFloatingPoint() && c.DType == torch.Uint8:
			return img.MulScalar(255 + 1 - 1e-3).To(torch.Uint8)
		case from.IsFloatingPoint() && c.DType.IsFloatingPoint():
			return img.To(c.DType)
		}
		panic(fail("ConvertImageDtype", "conversion from %v to %v is not supported", from, c.DType))
	})
}

// Normalize is transforms.Normalize: (img - mean[c]) / std[c] per channel
// of a floating (…, C, H, W) image or batch, out of place, computed in the
// image's dtype as torchvision does (bit-identical). A std that is zero in
// that dtype is an error.
type Normalize struct {
	Mean, Std []float64
}

// Apply normalises an image (C, H, W) or a batch.
func (n Normalize) Apply(img *torch.Tensor) *torch.Tensor {
	requireImage("Normalize", img, 3, 0)
	dt := img.DType()
	if !dt.IsFloatingPoint() {
		panic(fail("Normalize", "input tensor should be a float tensor, got %v", dt))
	}
	return scoped(img, func() *torch.Tensor {
		mean := torch.FromSlice(n.Mean, []int64{int64(len(n.Mean))}).To(dt, img.Device())
		std := torch.FromSlice(n.Std, []int64{int64(len(n.Std))}).To(dt, img.Device())
		if std.EqScalar(0).Any().ItemBool() {
			panic(fail("Normalize", "std evaluated to zero after conversion to %v, leading to division by zero", dt))
		}
		return img.Clone().Sub_(mean.View(-1, 1, 1)).Div_(std.View(-1, 1, 1))
	})
}

// ApplyBatch normalises (N, C, H, W) in one op.
func (n Normalize) ApplyBatch(batch *torch.Tensor) *torch.Tensor { return n.Apply(batch) }
