package transforms

import (
	"github.com/torchgo/torchgo/torch"
)

func requireChannels(op string, img *torch.Tensor, allowed ...int64) int64 {
	requireImage(op, img, 3, 0)
	c, _, _ := dims(img)
	for _, a := range allowed {
		if c == a {
			return c
		}
	}
	panic(fail(op, "input image tensor permitted channel values are %v, but found %d", allowed, c))
}

// blend is _blend: ratio·a + (1−ratio)·b, clamped to [0, 1] for floating
// images or [0, 255] for integer ones, in a's dtype (truncated).
func blend(a, b *torch.Tensor, ratio float64) *torch.Tensor {
	bound := 255.0
	if a.DType().IsFloatingPoint() {
		bound = 1.0
	}
	return a.MulScalar(ratio).Add(b.MulScalar(1.0-ratio)).Clamp(0.0, bound).To(a.DType())
}

// RGBToGrayscale is F.rgb_to_grayscale: 0.2989 R + 0.587 G + 0.114 B of an
// RGB image (…, 3, H, W) as (…, 1, H, W) in its dtype (truncated for Uint8);
// a one-channel image is copied.
func RGBToGrayscale(img *torch.Tensor) *torch.Tensor {
	c := requireChannels("RGBToGrayscale", img, 1, 3)
	return scoped(img, func() *torch.Tensor {
		if c == 1 {
			return img.Clone()
		}
		r, g, b := img.Select(-3, 0), img.Select(-3, 1), img.Select(-3, 2)
		l := r.MulScalar(0.2989).Add(g.MulScalar(0.587)).Add(b.MulScalar(0.114))
		return l.To(img.DType()).Unsqueeze(-3)
	})
}

// AdjustBrightness is F.adjust_brightness: img blended with black by factor ≥ 0.
func AdjustBrightness(img *torch.Tensor, factor float64) *torch.Tensor {
	if factor < 0 {
		panic(fail("AdjustBrightness", "brightness_factor (%g) is not non-negative", factor))
	}
	requireChannels("AdjustBrightness", img, 1, 3)
	return scoped(img, func() *torch.Tensor { return blend(img, torch.ZerosLike(img), factor) })
}

// AdjustContrast is F.adjust_contrast: img blended with its mean grey level
// (per image) by factor ≥ 0.
func AdjustContrast(img *torch.Tensor, factor float64) *torch.Tensor {
	if factor < 0 {
		panic(fail("AdjustContrast", "contrast_factor (%g) is not non-negative", factor))
	}
	c := requireChannels("AdjustContrast", img, 1, 3)
	return scoped(img, func() *torch.Tensor {
		dt := img.DType()
		if !dt.IsFloatingPoint() {
			dt = torch.Float32
		}
		grey := img
		if c == 3 {
			grey = RGBToGrayscale(img)
		}
		mean := grey.To(dt).MeanDim([]int64{-3, -2, -1}, true)
		return blend(img, mean, factor)
	})
}

// AdjustSaturation is F.adjust_saturation: an RGB image blended with its
// greyscale version by factor ≥ 0; one-channel images are returned as is.
func AdjustSaturation(img *torch.Tensor, factor float64) *torch.Tensor {
	if factor < 0 {
		panic(fail("AdjustSaturation", "saturation_factor (%g) is not non-negative", factor))
	}
	if requireChannels("AdjustSaturation", img, 1, 3) == 1 {
		return img
	}
	return scoped(img, func() *torch.Tensor { return blend(img, RGBToGrayscale(img), factor) })
}

// AdjustHue is F.adjust_hue: the hue of an RGB image shifted by factor in
// [-0.5, 0.5] through HSV, in torchvision's tensor arithmetic (Uint8 images
// via x/255 and back with truncation); one-channel images are returned as is.
func AdjustHue(img *torch.Tensor, factor float64) *torch.Tensor {
	if factor < -0.5 || factor > 0.5 {
		panic(fail("AdjustHue", "hue_factor (%g) is not in [-0.5, 0.5]", factor))
	}
	if requireChannels("AdjustHue", img, 1, 3) == 1 {
		return img
	}
	return scoped(img, func() *torch.Tensor {
		orig := img.DType()
		x := img
		if orig == torch.Uint8 {
			x = x.To(torch.Float32).DivScalar(255.0)
		}
		hsv := rgbToHSV(x)
		h := hsv.Select(-3, 0).AddScalar(factor).RemainderScalar(1.0)
		x = hsvToRGB(torch.Stack([]*torch.Tensor{h, hsv.Select(-3, 1), hsv.Select(-3, 2)}, -3))
		if orig == torch.Uint8 {
			x = x.MulScalar(255.0).To(orig)
		}
		return x
	})
}

// rgbToHSV is _rgb2hsv.
func rgbToHSV(img *torch.Tensor) *torch.Tensor {
	r, g, b := img.Select(-3, 0), img.Select(-3, 1), img.Select(-3, 2)
	maxc, _ := img.MaxDim(-3, false)
	minc, _ := img.MinDim(-3, false)
	eqc := maxc.Eq(minc)
	cr := maxc.Sub(minc)
	ones := torch.OnesLike(maxc)
	s := cr.Div(torch.Where(eqc, ones, maxc))
	crDiv := torch.Where(eqc, ones, cr)
	rc := maxc.Sub(r).Div(crDiv)
	gc := maxc.Sub(g).Div(crDiv)
	bc := maxc.Sub(b).Div(crDiv)
	hr := maxc.Eq(r).Mul(bc.Sub(gc))
	hg := maxc.Eq(g).LogicalAnd(maxc.Ne(r)).Mul(rc.AddScalar(2.0).Sub(bc))
	hb := maxc.Ne(g).LogicalAnd(maxc.Ne(r)).Mul(gc.AddScalar(4.0).Sub(rc))
	h := hr.Add(hg).Add(hb)
	// fmod(h/6 + 1, 1): the dividend is ≥ 0 here, where remainder equals fmod.
	h = h.DivScalar(6.0).AddScalar(1.0).RemainderScalar(1.0)
	return torch.Stack([]*torch.Tensor{h, s, maxc}, -3)
}

// hsvToRGB is _hsv2rgb; its einsum is a masked sum with one non-zero term,
// which is exact either way.
func hsvToRGB(img *torch.Tensor) *torch.Tensor {
	h, s, v := img.Select(-3, 0), img.Select(-3, 1), img.Select(-3, 2)
	i := h.MulScalar(6.0).Floor()
	f := h.MulScalar(6.0).Sub(i)
	ii := i.To(torch.Int32)
	oneMinus := func(t *torch.Tensor) *torch.Tensor { return t.Neg().AddScalar(1.0) }
	p := v.Mul(oneMinus(s)).Clamp(0.0, 1.0)
	q := v.Mul(oneMinus(s.Mul(f))).Clamp(0.0, 1.0)
	t := v.Mul(oneMinus(s.Mul(oneMinus(f)))).Clamp(0.0, 1.0)
	ii = ii.RemainderScalar(6)
	mask := ii.Unsqueeze(-3).Eq(torch.Arange(0, 6, 1, img.Device()).View(-1, 1, 1))
	a1 := torch.Stack([]*torch.Tensor{v, q, p, p, t, v}, -3)
	a2 := torch.Stack([]*torch.Tensor{t, v, v, q, p, p}, -3)
	a3 := torch.Stack([]*torch.Tensor{p, p, t, v, v, q}, -3)
	a4 := torch.Stack([]*torch.Tensor{a1, a2, a3}, -4)
	return mask.To(img.DType()).Unsqueeze(-4).Mul(a4).SumDim([]int64{-3}, false)
}

// ColorJitter is transforms.ColorJitter: each of brightness, contrast,
// saturation and hue is a range [lo, hi] (nil: off) from which a factor is
// drawn per call; the four adjustments run in a random order
// (torch.randperm(4)), and the draws are made in torchvision's order:
// randperm, then brightness, contrast, saturation and hue (only those on).
// Build it with NewColorJitter for torchvision's single-number form.
type ColorJitter struct {
	Brightness, Contrast, Saturation, Hue []float64
	Gen                                   *torch.Generator // nil: the default generator
}

// NewColorJitter is ColorJitter(brightness, contrast, saturation, hue) with
// single numbers: [max(0, 1−b), 1+b] for the first three and [−h, h] for
// hue (h ≤ 0.5); 0 turns an adjustment off.
func NewColorJitter(brightness, contrast, saturation, hue float64) ColorJitter {
	around1 := func(name string, v float64) []float64 {
		if v < 0 {
			panic(fail("ColorJitter", "if %s is a single number, it must be non negative", name))
		}
		if v == 0 {
			return nil
		}
		return []float64{max(1-v, 0), 1 + v}
	}
	var h []float64
	if hue < 0 || hue > 0.5 {
		panic(fail("ColorJitter", "hue values should be between (-0.5, 0.5)"))
	}
	if hue != 0 {
		h = []float64{-hue, hue}
	}
	return ColorJitter{Brightness: around1("brightness", brightness), Contrast: around1("contrast", contrast),
		Saturation: around1("saturation", saturation), Hue: h}
}

// Apply jitters an image (…, C, H, W) with C = 1 or 3.
func (c ColorJitter) Apply(img *torch.Tensor) *torch.Tensor {
	var order []int64
	torch.WithScope(func(*torch.Scope) { order = torch.Randperm(4, c.Gen).Int64s() })
	factor := func(r []float64, center float64) (float64, bool) {
		if r == nil || (r[0] == center && r[1] == center) {
			return 0, false
		}
		if len(r) != 2 {
			panic(fail("ColorJitter", "ranges have two values, got %v", r))
		}
		return uniform(r[0], r[1], c.Gen), true
	}
	b, hasB := factor(c.Brightness, 1)
	ct, hasC := factor(c.Contrast, 1)
	s, hasS := factor(c.Saturation, 1)
	h, hasH := factor(c.Hue, 0)
	return scoped(img, func() *torch.Tensor {
		x := img
		for _, id := range order {
			switch {
			case id == 0 && hasB:
				x = AdjustBrightness(x, b)
			case id == 1 && hasC:
				x = AdjustContrast(x, ct)
			case id == 2 && hasS:
				x = AdjustSaturation(x, s)
			case id == 3 && hasH:
				x = AdjustHue(x, h)
			}
		}
		return x
	})
}
