// Package transforms is torchvision.transforms (0.14) for image tensors:
// the same functions, defaults and random-number consumption, so that a
// pipeline built here gives the same tensors as the Python one.
//
// # Images
//
// An image is a tensor (C, H, W), or a batch (N, C, H, W), of Uint8 values
// in [0, 255] or floating values in [0, 1], as torchvision's tensor path
// expects. [ToTensor] and [PILToTensor] also accept (H, W) and, with HWC set,
// (H, W, C) arrays such as a decoded image's pixels.
//
// # Errors
//
// Transforms are tensor operations: bad input (a wrong dtype, a crop larger
// than the image) panics with a *torch.Error, as any tensor op does;
// torch.Catch turns it into an error. Temporaries are freed before a
// transform returns; only its result is left to the caller (or the caller's
// scope).
//
// # Randomness
//
// Random transforms take a *torch.Generator in their Gen field (nil: the
// default generator, torch.manual_seed's) and draw from it exactly as
// torchvision draws from torch's default generator (torch.rand(1) < p,
// torch.randint, torch.randperm(4), uniform_), so with the same generator
// state Go and Python make the same choices.
//
// # Batches
//
// Transforms that can act on a whole (N, C, H, W) batch in one op implement
// [BatchTransform]: ToTensor, PILToTensor, ConvertImageDtype, Normalize,
// Resize, CenterCrop, Pad, RandomHorizontalFlip (one draw per sample, in
// order, then a single masked flip) and RandomCrop (one pad, then
// per-sample draws and crops, stacked). Compose's ApplyBatch works when all
// its parts have one. ColorJitter and RandomRotation are per image only.
// Measured on 2 cores (BenchmarkMNISTBatch): ToTensor+Normalize of a
// (256, 1, 28, 28) batch takes 0.6 ms (about 0.12 s per 48,000-image MNIST
// epoch, against ~0.8 s of training); adding RandomCrop(28, padding 2) and
// RandomHorizontalFlip brings it to 4.2 ms, dominated by the per-sample
// draws and crops.
package transforms

import (
	"fmt"

	"github.com/torchgo/torchgo/torch"
)

// Transform maps an image tensor to another, as a torchvision transform's
// __call__ on a tensor.
type Transform interface {
	Apply(img *torch.Tensor) *torch.Tensor
}

// BatchTransform is a Transform that also transforms a whole batch
// (N, C, H, W) at once, giving what Apply gives sample by sample.
type BatchTransform interface {
	Transform
	ApplyBatch(batch *torch.Tensor) *torch.Tensor
}

// Func adapts a Go function to a Transform.
type Func func(img *torch.Tensor) *torch.Tensor

// Apply calls f.
func (f Func) Apply(img *torch.Tensor) *torch.Tensor { return f(img) }

// Lambda is transforms.Lambda: a user function as a transform.
func Lambda(f func(img *torch.Tensor) *torch.Tensor) Transform { return Func(f) }

// Compose is transforms.Compose: it applies its transforms in order.
type Compose []Transform

// Apply runs img through every transform in order.
func (c Compose) Apply(img *torch.Tensor) *torch.Tensor {
	return scoped(img, func() *torch.Tensor {
		x := img
		for _, t := range c {
			x = t.Apply(x)
		}
		return x
	})
}

// ApplyBatch runs a batch through every transform's ApplyBatch; it panics
// with a *torch.Error naming the first transform that has no batch path.
func (c Compose) ApplyBatch(batch *torch.Tensor) *torch.Tensor {
	for i, t := range c {
		if _, ok := t.(BatchTransform); !ok {
			panic(&torch.Error{Op: "transforms.Compose", Msg: fmt.Sprintf("transform %d (%T) has no batch path", i, t)})
		}
	}
	return scoped(batch, func() *torch.Tensor {
		x := batch
		for _, t := range c {
			x = t.(BatchTransform).ApplyBatch(x)
		}
		return x
	})
}

// scoped runs f in a scope and keeps only its result (unless that is in,
// the caller's own tensor, which the scope does not hold).
func scoped(in *torch.Tensor, f func() *torch.Tensor) (out *torch.Tensor) {
	torch.WithScope(func(s *torch.Scope) {
		out = f()
		if out != in {
			s.Keep(out)
		}
	})
	return out
}

func fail(op, format string, args ...any) *torch.Error {
	return &torch.Error{Op: "transforms." + op, Msg: fmt.Sprintf(format, args...)}
}

// requireImage checks that img has at least minDims dims (and at most maxDims
// when maxDims > 0).
func requireImage(op string, img *torch.Tensor, minDims, maxDims int64) {
	d := img.Dim()
	if d < minDims || (maxDims > 0 && d > maxDims) {
		panic(fail(op, "expected an image tensor with %d to %d dims, got shape %v", minDims, maxDims, img.Shape()))
	}
}

// dims returns an image's (channels, height, width) as get_dimensions does.
func dims(img *torch.Tensor) (c, h, w int64) {
	s := img.Shape()
	n := len(s)
	c = 1
	if n > 2 {
		c = s[n-3]
	}
	return c, s[n-2], s[n-1]
}
