package transforms

import (
	"math"

	"github.com/torchgo/torchgo/torch"
)

// inverseRotation is _get_inverse_affine_matrix(center, -angle, [0, 0], 1,
// [0, 0]) in float64, the matrix F.rotate hands to the tensor kernel.
func inverseRotation(center [2]float64, angle float64) [6]float64 {
	rot := -angle * (math.Pi / 180)
	sx, sy := 0.0, 0.0
	cx, cy := center[0], center[1]
	a := math.Cos(rot-sy) / math.Cos(sy)
	b := -math.Cos(rot-sy)*math.Tan(sx)/math.Cos(sy) - math.Sin(rot)
	c := math.Sin(rot-sy) / math.Cos(sy)
	d := -math.Sin(rot-sy)*math.Tan(sx)/math.Cos(sy) + math.Cos(rot)
	m := [6]float64{d, -b, 0, -c, a, 0}
	for i := range m {
		m[i] /= 1.0
	}
	m[2] += m[0]*(-cx-0) + m[1]*(-cy-0)
	m[5] += m[3]*(-cx-0) + m[4]*(-cy-0)
	m[2] += cx
	m[5] += cy
	return m
}

// affineGrid is _gen_affine_grid for an output the size of the input: the
// (1, H, W, 2) sampling grid in [-1, 1] coordinates, computed with the same
// ops (linspace, bmm) in dt.
func affineGrid(theta []float64, w, h int64, dt torch.DType, dev torch.Device) *torch.Tensor {
	th := torch.FromSlice(theta, []int64{1, 2, 3}).To(dt, dev)
	fw, fh := float64(w), float64(h)
	x := torch.Linspace(-fw*0.5+0.5, fw*0.5+0.5-1, w, dt, dev).View(1, w).Expand(h, w)
	y := torch.Linspace(-fh*0.5+0.5, fh*0.5+0.5-1, h, dt, dev).View(h, 1).Expand(h, w)
	base := torch.Stack([]*torch.Tensor{x, y, torch.Ones([]int64{h, w}, dt, dev)}, -1).View(1, h*w, 3)
	scale := torch.FromSlice([]float64{0.5 * fw, 0.5 * fh}, []int64{2}).To(dt, dev)
	rescaled := th.Transpose(1, 2).Div(scale)
	return base.MatMul(rescaled).View(1, h, w, 2)
}

// Rotate is F.rotate on a tensor with nearest interpolation and expand=False:
// img (C, H, W) or (N, C, H, W) turned by angle degrees counter-clockwise
// about center (nil: the image centre; otherwise pixel coordinates from the
// top-left corner), pixels from outside the image set to fill (one value
// per channel, or one for all; nil: 0). The sampling is grid_sample(mode=
// "nearest", align_corners=False) composed from tensor ops with the same
// float32 arithmetic, which matched torchvision on every pixel in our tests;
// the matrix's cos/sin come from Go's math package, which can differ from
// C's in the last bit of a float64 (not seen to change a float32 grid).
func Rotate(img *torch.Tensor, angle float64, center []float64, fill []float64) *torch.Tensor {
	requireImage("Rotate", img, 3, 4)
	c, h, w := dims(img)
	var cf [2]float64
	if center != nil {
		if len(center) != 2 {
			panic(fail("Rotate", "center should be a sequence of length 2"))
		}
		cf = [2]float64{center[0] - float64(w)*0.5, center[1] - float64(h)*0.5}
	}
	if len(fill) > 1 && int64(len(fill)) != c {
		panic(fail("Rotate", "the number of elements in 'fill' cannot broadcast to match the number of channels of the image (%d != %d)", len(fill), c))
	}
	m := inverseRotation(cf, angle)
	return scoped(img, func() *torch.Tensor {
		x, squeeze := img, false
		if x.Dim() < 4 {
			x, squeeze = x.Unsqueeze(0), true
		}
		dt := x.DType()
		gdt := dt
		if !dt.IsFloatingPoint() {
			gdt = torch.Float32
		}
		grid := affineGrid(m[:], w, h, gdt, x.Device())
		if dt != gdt {
			x = x.To(gdt)
		}
		// grid_sample's unnormalisation (align_corners=False) and nearbyint.
		ix := grid.Select(-1, 0).AddScalar(1).MulScalar(w).SubScalar(1).DivScalar(2).Round()
		iy := grid.Select(-1, 1).AddScalar(1).MulScalar(h).SubScalar(1).DivScalar(2).Round()
		inside := ix.GeScalar(0).LogicalAnd(ix.LtScalar(w)).LogicalAnd(iy.GeScalar(0)).LogicalAnd(iy.LtScalar(h))
		idx := iy.Clamp(0, h-1).MulScalar(w).Add(ix.Clamp(0, w-1)).To(torch.Int64).View(-1)
		n := x.Size(0)
		out := x.Reshape(n, c, h*w).IndexSelect(2, idx).View(n, c, h, w)
		fv := []float64{0}
		if len(fill) > 0 {
			fv = fill
		}
		fillT := torch.FromSlice(fv, []int64{1, int64(len(fv)), 1, 1}).To(gdt, x.Device())
		out = torch.Where(inside.View(1, 1, h, w), out, fillT)
		if squeeze {
			out = out.SqueezeDim(0)
		}
		if dt != gdt {
			out = out.Round().To(dt)
		}
		return out
	})
}

// RandomRotation is transforms.RandomRotation with nearest interpolation and
// expand=False: each call draws an angle from U(Degrees[0], Degrees[1])
// (float(torch.empty(1).uniform_(lo, hi))) and rotates by it about Center
// (nil: the image centre), filling with Fill (nil: 0, torchvision's default).
// Use NewRandomRotation for torchvision's single-number form.
type RandomRotation struct {
	Degrees [2]float64
	Center  []float64
	Fill    []float64
	Gen     *torch.Generator // nil: the default generator
}

// NewRandomRotation is RandomRotation(degrees): angles in [−degrees, degrees].
func NewRandomRotation(degrees float64) RandomRotation {
	if degrees < 0 {
		panic(fail("RandomRotation", "if degrees is a single number, it must be positive"))
	}
	return RandomRotation{Degrees: [2]float64{-degrees, degrees}}
}

// Apply rotates an image (C, H, W) or a batch (all by the same angle, as
// torchvision does for a batched tensor).
func (r RandomRotation) Apply(img *torch.Tensor) *torch.Tensor {
	requireImage("RandomRotation", img, 3, 4)
	c, _, _ := dims(img)
	fill := r.Fill
	if len(fill) == 1 || fill == nil {
		v := 0.0
		if len(fill) == 1 {
			v = fill[0]
		}
		fill = make([]float64, c)
		for i := range fill {
			fill[i] = v
		}
	}
	angle := uniform(r.Degrees[0], r.Degrees[1], r.Gen)
	return Rotate(img, angle, r.Center, fill)
}
