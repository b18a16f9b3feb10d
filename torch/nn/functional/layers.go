package functional

import (
	"fmt"
	"math"
	"slices"

	"github.com/torchgo/torchgo/torch"
)

// expand turns a per-dim option into nd values: nil is dflt for every dim,
// one value is repeated, nd values are kept.
func expand(op, name string, v []int64, nd int, dflt int64) []int64 {
	switch len(v) {
	case 0:
		v = []int64{dflt}
		fallthrough
	case 1:
		out := make([]int64, nd)
		for i := range out {
			out[i] = v[0]
		}
		return out
	case nd:
		return v
	}
	fail(op, "%s has %d values; want 1 or %d", name, len(v), nd)
	return nil
}

// Linear is x·wᵀ + b for x (…, in), w (out, in) and b (out) or nil (F.linear).
func Linear(x, w, b *torch.Tensor) *torch.Tensor { return torch.Linear(x, w, b) } // the direct entry point: the hot path

// Bilinear is x1ᵀ·w·x2 + b for x1 (…, in1), x2 (…, in2), w (out, in1, in2)
// and b (out) or nil, giving (…, out) (F.bilinear).
func Bilinear(x1, x2, w, b *torch.Tensor) *torch.Tensor { return call("bilinear", "", x1, x2, w, b) }

// ConvOpts are F.conv1d/2d/3d's keyword arguments (torch.ConvOptions):
// per-dim Stride, Padding and Dilation with one value for every spatial
// dim or one per dim (nil: 1, 0, 1), Groups (0: 1), and SamePadding for
// padding="same".
type ConvOpts = torch.ConvOptions

func conv(nd int, x, w, b *torch.Tensor, o ConvOpts) *torch.Tensor {
	op := fmt.Sprintf("Conv%dd", nd)
	name := fmt.Sprintf("conv%dd", nd)
	groups := o.Groups
	if groups == 0 {
		groups = 1
	}
	stride := expand(op, "stride", o.Stride, nd, 1)
	dilation := expand(op, "dilation", o.Dilation, nd, 1)
	if o.SamePadding {
		return call(name, "padding", x, w, b, stride, "same", dilation, groups)
	}
	return call(name, "", x, w, b, stride, expand(op, "padding", o.Padding, nd, 0), dilation, groups)
}

// Conv1d convolves x (N, Cin, L) or (Cin, L) with w (Cout, Cin/groups, K)
// plus b (Cout) or nil (F.conv1d).
func Conv1d(x, w, b *torch.Tensor, o ConvOpts) *torch.Tensor { return conv(1, x, w, b, o) }

// Conv2d convolves x (N, Cin, H, W) or (Cin, H, W) with w (Cout, Cin/groups,
// KH, KW) plus b (Cout) or nil (F.conv2d).
func Conv2d(x, w, b *torch.Tensor, o ConvOpts) *torch.Tensor { return torch.Conv2d(x, w, b, o) } // direct: the hot path

// Conv3d convolves x (N, Cin, D, H, W) or (Cin, D, H, W) with w (Cout,
// Cin/groups, KD, KH, KW) plus b (Cout) or nil (F.conv3d).
func Conv3d(x, w, b *torch.Tensor, o ConvOpts) *torch.Tensor { return conv(3, x, w, b, o) }

// ConvTransposeOpts are F.conv_transpose1d/2d/3d's keyword arguments:
// per-dim values, one for every spatial dim or one per dim (nil: stride 1,
// padding 0, output padding 0, dilation 1), and Groups (0: 1).
type ConvTransposeOpts struct {
	Stride, Padding, OutputPadding, Dilation []int64
	Groups                                   int64
}

func convTranspose(nd int, x, w, b *torch.Tensor, o ConvTransposeOpts) *torch.Tensor {
	op := fmt.Sprintf("ConvTranspose%dd", nd)
	overload := "input"
	if nd == 1 {
		overload = ""
	}
	groups := o.Groups
	if groups == 0 {
		groups = 1
	}
	return call(fmt.Sprintf("conv_transpose%dd", nd), overload, x, w, b, expand(op, "stride", o.Stride, nd, 1),
		expand(op, "padding", o.Padding, nd, 0), expand(op, "output_padding", o.OutputPadding, nd, 0), groups,
		expand(op, "dilation", o.Dilation, nd, 1))
}

// ConvTranspose1d is the transposed convolution of x (N, Cin, L) or (Cin, L)
// with w (Cin, Cout/groups, K) plus b (Cout) or nil (F.conv_transpose1d).
func ConvTranspose1d(x, w, b *torch.Tensor, o ConvTransposeOpts) *torch.Tensor {
	return convTranspose(1, x, w, b, o)
}

// ConvTranspose2d is the transposed convolution of x (N, Cin, H, W) or
// (Cin, H, W) with w (Cin, Cout/groups, KH, KW) plus b (Cout) or nil
// (F.conv_transpose2d).
func ConvTranspose2d(x, w, b *torch.Tensor, o ConvTransposeOpts) *torch.Tensor {
	return convTranspose(2, x, w, b, o)
}

// ConvTranspose3d is the transposed convolution of x (N, Cin, D, H, W) or
// (Cin, D, H, W) with w (Cin, Cout/groups, KD, KH, KW) plus b (Cout) or nil
// (F.conv_transpose3d).
func ConvTranspose3d(x, w, b *torch.Tensor, o ConvTransposeOpts) *torch.Tensor {
	return convTranspose(3, x, w, b, o)
}

// BatchNormOpts are F.batch_norm's keyword arguments.
type BatchNormOpts struct {
	Weight, Bias *torch.Tensor // (C) or nil
	// Training normalises with the batch's statistics and updates the
	// running ones (if given) with Momentum.
	Training bool
	Momentum *float64 // nil: 0.1
	Eps      *float64 // nil: 1e-5
}

// BatchNorm is F.batch_norm: x (N, C, …) normalised per channel C.
func BatchNorm(x, runningMean, runningVar *torch.Tensor, opts ...BatchNormOpts) *torch.Tensor {
	o := first(opts)
	if o.Training {
		s := x.Shape()
		n := s[0]
		for _, d := range s[2:] {
			n *= d
		}
		if n == 1 {
			fail("BatchNorm", "Expected more than 1 value per channel when training, got input size %s", pySize(s))
		}
	}
	return call("batch_norm", "", x, o.Weight, o.Bias, runningMean, runningVar, o.Training,
		or(o.Momentum, 0.1), or(o.Eps, 1e-5), true)
}

// InstanceNormOpts are F.instance_norm's keyword arguments.
type InstanceNormOpts struct {
	RunningMean, RunningVar *torch.Tensor // (C) or nil; updated when the input's statistics are used
	Weight, Bias            *torch.Tensor // (C) or nil
	// UseRunningStats normalises with the running statistics instead of
	// each instance's (use_input_stats=False).
	UseRunningStats bool
	Momentum        *float64 // nil: 0.1
	Eps             *float64 // nil: 1e-5
}

// InstanceNorm is F.instance_norm: each channel of each sample of x (N, C,
// …) normalised over its spatial dims.
func InstanceNorm(x *torch.Tensor, opts ...InstanceNormOpts) *torch.Tensor {
	o := first(opts)
	if !o.UseRunningStats {
		s := x.Shape()
		n := int64(1)
		for _, d := range s[min(2, len(s)):] {
			n *= d
		}
		if n == 1 {
			fail("InstanceNorm", "Expected more than 1 spatial element when training, got input size %s", pySize(s))
		}
	}
	return call("instance_norm", "", x, o.Weight, o.Bias, o.RunningMean, o.RunningVar, !o.UseRunningStats,
		or(o.Momentum, 0.1), or(o.Eps, 1e-5), true)
}

// NormOpts hold an elementwise affine weight and bias and eps, the keyword
// arguments of F.layer_norm and F.group_norm.
type NormOpts struct {
	Weight, Bias *torch.Tensor // nil: none
	Eps          *float64      // nil: 1e-5
}

// LayerNorm is F.layer_norm: x normalised over its trailing dims, which
// are shape.
func LayerNorm(x *torch.Tensor, shape []int64, opts ...NormOpts) *torch.Tensor {
	o := first(opts)
	return call("layer_norm", "", x, shape, o.Weight, o.Bias, or(o.Eps, 1e-5), true)
}

// GroupNorm is F.group_norm: x (N, C, …) normalised over groups of C/groups
// channels.
func GroupNorm(x *torch.Tensor, groups int64, opts ...NormOpts) *torch.Tensor {
	o := first(opts)
	s := x.Shape()
	if len(s) >= 2 && groups > 0 {
		n := s[0] * s[1] / groups
		for _, d := range s[2:] {
			n *= d
		}
		if n == 1 {
			size := append([]int64{s[0] * s[1] / groups, groups}, s[2:]...)
			fail("GroupNorm", "Expected more than 1 value per channel when training, got input size %s", pyList(size))
		}
	}
	return call("group_norm", "", x, groups, o.Weight, o.Bias, or(o.Eps, 1e-5), true)
}

// LocalResponseNormOpts are F.local_response_norm's keyword arguments.
type LocalResponseNormOpts struct {
	Alpha *float64 // nil: 1e-4
	Beta  *float64 // nil: 0.75
	K     *float64 // nil: 1
}

// LocalResponseNorm is F.local_response_norm: x (N, C, …) divided by
// (k + alpha/size·Σ x²)^beta, the sum over size neighbouring channels.
func LocalResponseNorm(x *torch.Tensor, size int64, opts ...LocalResponseNormOpts) *torch.Tensor {
	o := first(opts)
	alpha, beta, k := or(o.Alpha, 1e-4), or(o.Beta, 0.75), or(o.K, 1.0)
	dim := x.Dim()
	if dim < 3 {
		fail("LocalResponseNorm", "Expected 3D or higher dimensionality input (got %d dimensions)", dim)
	}
	if x.Numel() == 0 {
		return x
	}
	return scoped(func() *torch.Tensor {
		div := x.Mul(x).Unsqueeze(1)
		if dim == 3 {
			div = Pad(div, []int64{0, 0, size / 2, (size - 1) / 2})
			div = call("avg_pool2d", "", div, []int64{size, 1}, []int64{1, 1}).SqueezeDim(1)
		} else {
			s := x.Shape()
			div = div.View(s[0], 1, s[1], s[2], -1)
			div = Pad(div, []int64{0, 0, 0, 0, size / 2, (size - 1) / 2})
			div = call("avg_pool3d", "", div, []int64{size, 1, 1}, []int64{1, 1, 1}).SqueezeDim(1)
			div = div.View(s...)
		}
		div = div.MulScalar(alpha).AddScalar(k).Pow(beta)
		return x.Div(div)
	})
}

// EmbeddingOpts are F.embedding's keyword arguments.
type EmbeddingOpts struct {
	// PaddingIdx is a row that gets no gradient; negative counts from the
	// end; nil: none.
	PaddingIdx *int64
	// MaxNorm, when set, renormalises in place (without gradient) each row
	// looked up whose NormType-norm exceeds it.
	MaxNorm         *float64
	NormType        *float64 // nil: 2
	ScaleGradByFreq bool     // scale gradients by the inverse frequency of the indices in the batch
	Sparse          bool     // a sparse gradient for weight
}

// Embedding is F.embedding: the rows of weight (num, dim) at Int64 indices
// (any shape), giving (…, dim).
func Embedding(input, weight *torch.Tensor, opts ...EmbeddingOpts) *torch.Tensor {
	o := first(opts)
	pad := int64(-1)
	if o.PaddingIdx != nil {
		pad = *o.PaddingIdx
		n := weight.Size(0)
		if pad > 0 && pad >= n || pad < 0 && pad < -n {
			fail("Embedding", "Padding_idx must be within num_embeddings")
		}
		if pad < 0 {
			pad += n
		}
	}
	if o.MaxNorm == nil {
		return call("embedding", "", weight, input, pad, o.ScaleGradByFreq, o.Sparse)
	}
	return scoped(func() *torch.Tensor {
		input := input.Contiguous()
		renorm(weight, input, *o.MaxNorm, or(o.NormType, 2.0))
		return call("embedding", "", weight, input, pad, o.ScaleGradByFreq, o.Sparse)
	})
}

// renorm is _no_grad_embedding_renorm_.
func renorm(weight, input *torch.Tensor, maxNorm, normType float64) {
	torch.NoGrad(func() {
		torch.WithScope(func(*torch.Scope) {
			call("embedding_renorm_", "", weight.Detach(), input, maxNorm, normType)
		})
	})
}

// EmbeddingBagOpts are F.embedding_bag's keyword arguments.
type EmbeddingBagOpts struct {
	// Offsets are the starts of the bags in a 1-D input; nil for a 2-D
	// input, whose rows are the bags.
	Offsets         *torch.Tensor
	MaxNorm         *float64 // renormalise rows looked up, as EmbeddingOpts.MaxNorm
	NormType        *float64 // nil: 2
	ScaleGradByFreq bool
	Mode            string // "mean" (also ""), "sum" or "max"
	Sparse          bool
	// PerSampleWeights, shaped like input, weigh each index ("sum" mode only).
	PerSampleWeights  *torch.Tensor
	IncludeLastOffset bool   // offsets has one more entry, the end of the last bag
	PaddingIdx        *int64 // indices equal to it are left out of the bags; nil: none
}

// EmbeddingBag is F.embedding_bag: the sums, means or maxima of bags of
// rows of weight (num, dim), giving (bags, dim).
func EmbeddingBag(input, weight *torch.Tensor, opts ...EmbeddingBagOpts) *torch.Tensor {
	const op = "EmbeddingBag"
	o := first(opts)
	offsets, psw := o.Offsets, o.PerSampleWeights
	if psw != nil && !slices.Equal(input.Shape(), psw.Shape()) {
		fail(op, "embedding_bag: If per_sample_weights (%s) is not None, then it must have the same shape as the input (%s)",
			pySize(psw.Shape()), pySize(input.Shape()))
	}
	return scoped(func() *torch.Tensor {
		switch input.Dim() {
		case 2:
			if offsets != nil {
				fail(op, "if input is 2D, then offsets has to be None, as input is treated is a mini-batch of fixed length sequences. However, found offsets of type <class 'torch.Tensor'>")
			}
			offsets = torch.Arange(int64(0), input.Numel(), input.Size(1), input.DType(), input.Device())
			input = input.Reshape(-1)
			if psw != nil {
				psw = psw.Reshape(-1)
			}
		case 1:
			if offsets == nil {
				fail(op, "offsets has to be a 1D Tensor but got None")
			}
			if offsets.Dim() != 1 {
				fail(op, "offsets has to be a 1D Tensor")
			}
		default:
			fail(op, "input has to be 1D or 2D Tensor, but got Tensor of dimension %d", input.Dim())
		}
		var mode int64
		switch o.Mode {
		case "sum":
			mode = 0
		case "", "mean":
			mode = 1
		case "max":
			mode = 2
			if o.ScaleGradByFreq {
				fail(op, "max mode does not support scaling the gradient by the frequency")
			}
			if o.Sparse {
				fail(op, "max mode does not support sparse weights")
			}
		default:
			fail(op, "mode has to be one of sum, mean or max")
		}
		if o.MaxNorm != nil {
			renorm(weight, input, *o.MaxNorm, or(o.NormType, 2.0))
		}
		if psw != nil && mode != 0 {
			fail(op, "embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for mode='sum' (got mode='%s'). Please open a feature request on GitHub.", o.Mode)
		}
		var pad any
		if o.PaddingIdx != nil {
			pad = *o.PaddingIdx
		}
		return torch.MustFindOp("aten::embedding_bag", "padding_idx").Call(weight, input, offsets, o.ScaleGradByFreq, mode,
			o.Sparse, psw, o.IncludeLastOffset, pad)[0].(*torch.Tensor)
	})
}

// PadOpts are F.pad's keyword arguments.
type PadOpts struct {
	Mode  string  // "constant" (also ""), "reflect", "replicate" or "circular"
	Value float64 // the fill of "constant" mode
}

// Pad is F.pad: x padded by pad = (left, right) for the last dim, then
// (top, bottom) for the one before, and so on.
func Pad(x *torch.Tensor, pad []int64, opts ...PadOpts) *torch.Tensor {
	o := first(opts)
	mode := o.Mode
	if mode == "" {
		mode = "constant"
	}
	var value any
	if mode == "constant" || o.Value != 0 {
		value = o.Value
	}
	return call("pad", "", x, pad, mode, value)
}

// InterpolateOpts are F.interpolate's arguments. Exactly one of Size and
// ScaleFactor is set; each holds one value for every spatial dim or one
// per dim.
type InterpolateOpts struct {
	Size        []int64
	ScaleFactor []float64
	// Mode is "nearest" (also ""), "linear" (3-D input), "bilinear",
	// "bicubic" (4-D), "trilinear" (5-D), "area" or "nearest-exact".
	Mode string
	// AlignCorners aligns the corner pixels of input and output (the
	// interpolating modes only); nil: false.
	AlignCorners *bool
	// RecomputeScaleFactor computes the output size from ScaleFactor and
	// interpolates for that size.
	RecomputeScaleFactor *bool
	Antialias            bool // "bilinear" and "bicubic" only
}

// Interpolate is F.interpolate: x (N, C, d1, …) resampled to Size or by
// ScaleFactor.
func Interpolate(x *torch.Tensor, o InterpolateOpts) *torch.Tensor {
	const op = "Interpolate"
	mode := o.Mode
	if mode == "" {
		mode = "nearest"
	}
	align := false
	if mode == "nearest" || mode == "area" || mode == "nearest-exact" {
		if o.AlignCorners != nil {
			fail(op, "align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear")
		}
	} else if o.AlignCorners != nil {
		align = *o.AlignCorners
	}
	dim := int(x.Dim()) - 2
	var size []int64
	var scales []float64
	switch {
	case o.Size != nil && o.ScaleFactor != nil:
		fail(op, "only one of size or scale_factor should be defined")
	case o.Size != nil:
		if len(o.Size) == 1 && dim > 0 {
			size = make([]int64, dim)
			for i := range size {
				size[i] = o.Size[0]
			}
		} else if len(o.Size) != dim {
			fail(op, "Input and output must have the same number of spatial dimensions, but got input with spatial dimensions of %s and output size of %s. Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.",
				pyList(x.Shape()[min(2, x.Dim()):]), pyList(o.Size))
		} else {
			size = o.Size
		}
	case o.ScaleFactor != nil:
		if len(o.ScaleFactor) == 1 && dim > 0 {
			scales = make([]float64, dim)
			for i := range scales {
				scales[i] = o.ScaleFactor[0]
			}
		} else if len(o.ScaleFactor) != dim {
			fail(op, "Input and scale_factor must have the same number of spatial dimensions, but got input with spatial dimensions of %s and scale_factor of shape %v. Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.",
				pyList(x.Shape()[min(2, x.Dim()):]), o.ScaleFactor)
		} else {
			scales = o.ScaleFactor
		}
	default:
		fail(op, "either size or scale_factor should be defined")
	}
	recompute := o.RecomputeScaleFactor != nil && *o.RecomputeScaleFactor
	if recompute && o.Size != nil {
		fail(op, "recompute_scale_factor is not meaningful with an explicit size.")
	}
	if mode == "area" && size == nil {
		recompute = true
	}
	if recompute {
		size = make([]int64, dim)
		for i := range size {
			size[i] = int64(math.Floor(float64(x.Size(int64(i+2))) * scales[i]))
		}
		scales = nil
	}
	if o.Antialias && !((mode == "bilinear" || mode == "bicubic") && x.Dim() == 4) {
		fail(op, "Anti-alias option is only supported for bilinear and bicubic modes")
	}
	os, sf := ints(size), floats(scales)
	nd := x.Dim()
	switch {
	case mode == "nearest" && nd >= 3 && nd <= 5:
		return call(fmt.Sprintf("upsample_nearest%dd", nd-2), "vec", x, os, sf)
	case mode == "nearest-exact" && nd >= 3 && nd <= 5:
		return call(fmt.Sprintf("_upsample_nearest_exact%dd", nd-2), "vec", x, os, sf)
	case mode == "area" && nd == 3:
		return call("adaptive_avg_pool1d", "", x, size)
	case mode == "area" && nd == 4:
		return call("adaptive_avg_pool2d", "", x, size)
	case mode == "area" && nd == 5:
		return call("adaptive_avg_pool3d", "", x, size)
	case mode == "linear" && nd == 3:
		return call("upsample_linear1d", "vec", x, os, align, sf)
	case mode == "bilinear" && nd == 4:
		if o.Antialias {
			return call("_upsample_bilinear2d_aa", "vec", x, os, align, sf)
		}
		return call("upsample_bilinear2d", "vec", x, os, align, sf)
	case mode == "trilinear" && nd == 5:
		return call("upsample_trilinear3d", "vec", x, os, align, sf)
	case mode == "bicubic" && nd == 4:
		if o.Antialias {
			return call("_upsample_bicubic2d_aa", "vec", x, os, align, sf)
		}
		return call("upsample_bicubic2d", "vec", x, os, align, sf)
	}
	want := map[string]int64{"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}
	if w, ok := want[mode]; ok && nd >= 3 && nd <= 5 {
		fail(op, "Got %dD input, but %s mode needs %dD input", nd, mode, w)
	}
	fail(op, "Input Error: Only 3D, 4D and 5D input Tensors supported (got %dD) for the modes: nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact (got %s)", nd, mode)
	return nil
}

// PixelShuffle rearranges (…, C·r², H, W) into (…, C, H·r, W·r) (F.pixel_shuffle).
func PixelShuffle(x *torch.Tensor, upscaleFactor int64) *torch.Tensor {
	return call("pixel_shuffle", "", x, upscaleFactor)
}

// PixelUnshuffle rearranges (…, C, H·r, W·r) into (…, C·r², H, W) (F.pixel_unshuffle).
func PixelUnshuffle(x *torch.Tensor, downscaleFactor int64) *torch.Tensor {
	return call("pixel_unshuffle", "", x, downscaleFactor)
}

// AvgPoolOpts are F.avg_pool1d's keyword arguments.
type AvgPoolOpts struct {
	Stride  []int64 // nil: the kernel size
	Padding []int64 // nil: 0
	// CeilMode rounds the output size up.
	CeilMode bool
	// CountExcludePad leaves the padding out of the averages
	// (count_include_pad=False).
	CountExcludePad bool
}

// AvgPool1d averages over windows of x (N, C, L) or (C, L) (F.avg_pool1d).
func AvgPool1d(x *torch.Tensor, kernel []int64, opts ...AvgPoolOpts) *torch.Tensor {
	o := first(opts)
	stride := kernel
	if o.Stride != nil {
		stride = o.Stride
	}
	return call("avg_pool1d", "", x, expand("AvgPool1d", "kernel_size", kernel, 1, 1), expand("AvgPool1d", "stride", stride, 1, 1),
		expand("AvgPool1d", "padding", o.Padding, 1, 0), o.CeilMode, !o.CountExcludePad)
}
