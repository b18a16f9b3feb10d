package nn

import (
	"fmt"
	"strings"

	"github.com/torchgo/torchgo/torch"
	F "github.com/torchgo/torchgo/torch/nn/functional"
)

// ConvConfig holds the optional arguments of Conv1d, Conv2d and Conv3d;
// the zero value is PyTorch's defaults (stride 1, padding 0, dilation 1,
// groups 1, a bias, zero padding).
type ConvConfig struct {
	// Stride, Padding and Dilation give one value for every spatial dim;
	// 0 means the default (1, 0 and 1).
	Stride, Padding, Dilation int64
	// PaddingSame pads so that the output keeps the input's size
	// (padding="same"); the stride must be 1.
	PaddingSame bool
	Groups      int64 // 0 means 1
	NoBias      bool  // bias=False
	// Strides, Paddings and Dilations give one value per spatial dim
	// (PyTorch's tuples: stride=(2, 1)); when set they replace Stride,
	// Padding and Dilation.
	Strides, Paddings, Dilations []int64
	// KernelSize gives one kernel size per spatial dim (kernel_size=(3,
	// 5)); when set it replaces the constructor's kernel argument.
	KernelSize []int64
	// PaddingMode is how the border is filled: "zeros" (also ""),
	// "reflect", "replicate" or "circular" (padding_mode).
	PaddingMode string
	// Factory holds a torch.DType and/or torch.Device for the parameters
	// (dtype=, device=).
	Factory []torch.Option
}

// convDims resolves a per-dim argument: dims when set (one value or nd),
// else v (0: dflt) for every dim.
func convDims(op, name string, dims []int64, v int64, nd int, dflt int64) []int64 {
	if dims == nil {
		if v == 0 {
			v = dflt
		}
		dims = []int64{v}
	}
	switch len(dims) {
	case 1:
		out := make([]int64, nd)
		for i := range out {
			out[i] = dims[0]
		}
		return out
	case nd:
		return append([]int64(nil), dims...)
	}
	layerPanic(op, "%s has %d values; want 1 or %d", name, len(dims), nd)
	return nil
}

// convCheck is _ConvNd.__init__'s validation; it returns groups (0: 1).
func convCheck(op string, in, out, groups int64) int64 {
	if groups == 0 {
		groups = 1
	}
	switch {
	case groups < 0:
		layerPanic(op, "groups must be a positive integer")
	case in%groups != 0:
		layerPanic(op, "in_channels must be divisible by groups")
	case out%groups != 0:
		layerPanic(op, "out_channels must be divisible by groups")
	}
	return groups
}

// convLayer holds what NewConv1d/2d/3d resolve from their arguments.
type convLayer struct {
	kernel, stride, padding, dilation []int64
	groups                            int64
	mode                              string
}

func newConvLayer(op string, nd int, in, out, kernel int64, c ConvConfig) convLayer {
	l := convLayer{
		kernel:   convDims(op, "kernel_size", c.KernelSize, kernel, nd, 0),
		stride:   convDims(op, "stride", c.Strides, c.Stride, nd, 1),
		padding:  convDims(op, "padding", c.Paddings, c.Padding, nd, 0),
		dilation: convDims(op, "dilation", c.Dilations, c.Dilation, nd, 1),
		groups:   convCheck(op, in, out, c.Groups),
		mode:     c.PaddingMode,
	}
	if c.PaddingSame {
		for _, s := range l.stride {
			if s != 1 {
				layerPanic(op, "padding='same' is not supported for strided convolutions")
			}
		}
	}
	switch l.mode {
	case "":
		l.mode = "zeros"
	case "zeros", "reflect", "replicate", "circular":
	default:
		layerPanic(op, "padding_mode must be one of {'zeros', 'reflect', 'replicate', 'circular'}, but got padding_mode='%s'", l.mode)
	}
	return l
}

// convParams registers the weight (shape) and, with bias, a bias of out
// elements, initialised as _ConvNd.reset_parameters.
func convParams(m *Module, shape []int64, out int64, bias bool, factory []torch.Option) (w, b *torch.Tensor) {
	w = m.RegisterParameter("weight", torch.Empty(shape, factory...))
	if bias {
		b = m.RegisterParameter("bias", torch.Empty([]int64{out}, factory...))
	}
	kaimingInit(w, b, false)
	return w, b
}

// convForward is _ConvNd._conv_forward: with a padding mode other than
// zeros, F.pad by _reversed_padding_repeated_twice, then the convolution
// without padding.
func convForward(nd int, x, w, b *torch.Tensor, kernel, stride, padding, dilation []int64, same bool, groups int64, mode string) *torch.Tensor {
	conv := [...]func(x, w, b *torch.Tensor, o F.ConvOpts) *torch.Tensor{nil, F.Conv1d, F.Conv2d, F.Conv3d}[nd]
	if mode == "" || mode == "zeros" {
		return conv(x, w, b, F.ConvOpts{Stride: stride, Padding: padding, Dilation: dilation, Groups: groups, SamePadding: same})
	}
	pad := make([]int64, 2*nd)
	for i := 0; i < nd; i++ {
		j := nd - 1 - i // F.pad takes the last dim first
		if same {
			total := dilation[i] * (kernel[i] - 1)
			pad[2*j], pad[2*j+1] = total/2, total-total/2
		} else {
			pad[2*j], pad[2*j+1] = padding[i], padding[i]
		}
	}
	var out *torch.Tensor
	torch.WithScope(func(s *torch.Scope) {
		out = conv(F.Pad(x, pad, F.PadOpts{Mode: mode}), w, b, F.ConvOpts{Stride: stride, Padding: []int64{0}, Dilation: dilation, Groups: groups})
		s.Keep(out)
	})
	return out
}

// Conv1d is a 1-D convolution over (N, InChannels, L) or (InChannels, L)
// (nn.Conv1d).
type Conv1d struct {
	Module
	// Weight is (OutChannels, InChannels/Groups, KernelSize[0]), from
	// U(-1/√k, 1/√k) with k = InChannels/Groups·∏KernelSize.
	Weight *torch.Tensor
	// Bias is (OutChannels), from U(-1/√k, 1/√k); nil without bias.
	Bias                    *torch.Tensor
	InChannels, OutChannels int64
	KernelSize, Stride      []int64 // per spatial dim
	Padding, Dilation       []int64 // per spatial dim
	PaddingSame             bool    // padding="same"; Padding is then unused
	Groups                  int64
	PaddingMode             string // "zeros", "reflect", "replicate" or "circular"
}

// NewConv1d makes a Conv1d with kernel size kernel, initialised as nn.Conv1d.
func NewConv1d(in, out, kernel int64, c ConvConfig) *Conv1d {
	a := newConvLayer("Conv1d", 1, in, out, kernel, c)
	l := &Conv1d{InChannels: in, OutChannels: out, KernelSize: a.kernel, Stride: a.stride, Padding: a.padding,
		Dilation: a.dilation, PaddingSame: c.PaddingSame, Groups: a.groups, PaddingMode: a.mode}
	l.typeName = "Conv1d"
	l.Weight, l.Bias = convParams(&l.Module, append([]int64{out, in / a.groups}, a.kernel...), out, !c.NoBias, c.Factory)
	return l
}

// Forward convolves x (N, InChannels, L) or (InChannels, L).
func (l *Conv1d) Forward(x *torch.Tensor) *torch.Tensor {
	return convForward(1, x, l.Weight, l.Bias, l.KernelSize, l.Stride, l.Padding, l.Dilation, l.PaddingSame, l.Groups, l.PaddingMode)
}

// Conv2d is a 2-D convolution over (N, InChannels, H, W) or (InChannels,
// H, W) (nn.Conv2d).
type Conv2d struct {
	Module
	// Weight is (OutChannels, InChannels/Groups, KernelSize[0],
	// KernelSize[1]), from U(-1/√k, 1/√k) with k =
	// InChannels/Groups·∏KernelSize.
	Weight *torch.Tensor
	// Bias is (OutChannels), from U(-1/√k, 1/√k); nil without bias.
	Bias                    *torch.Tensor
	InChannels, OutChannels int64
	KernelSize, Stride      []int64 // per spatial dim
	Padding, Dilation       []int64 // per spatial dim
	PaddingSame             bool    // padding="same"; Padding is then unused
	Groups                  int64
	PaddingMode             string // "zeros", "reflect", "replicate" or "circular"
}

// NewConv2d makes a Conv2d with a kernel×kernel kernel (or
// c.KernelSize), initialised as nn.Conv2d.
func NewConv2d(in, out, kernel int64, c ConvConfig) *Conv2d {
	a := newConvLayer("Conv2d", 2, in, out, kernel, c)
	l := &Conv2d{InChannels: in, OutChannels: out, KernelSize: a.kernel, Stride: a.stride, Padding: a.padding,
		Dilation: a.dilation, PaddingSame: c.PaddingSame, Groups: a.groups, PaddingMode: a.mode}
	l.typeName = "Conv2d"
	l.Weight, l.Bias = convParams(&l.Module, append([]int64{out, in / a.groups}, a.kernel...), out, !c.NoBias, c.Factory)
	return l
}

// Forward convolves x (N, InChannels, H, W) or (InChannels, H, W).
func (l *Conv2d) Forward(x *torch.Tensor) *torch.Tensor {
	return convForward(2, x, l.Weight, l.Bias, l.KernelSize, l.Stride, l.Padding, l.Dilation, l.PaddingSame, l.Groups, l.PaddingMode)
}

// Conv3d is a 3-D convolution over (N, InChannels, D, H, W) or
// (InChannels, D, H, W) (nn.Conv3d).
type Conv3d struct {
	Module
	// Weight is (OutChannels, InChannels/Groups, KernelSize...), from
	// U(-1/√k, 1/√k) with k = InChannels/Groups·∏KernelSize.
	Weight *torch.Tensor
	// Bias is (OutChannels), from U(-1/√k, 1/√k); nil without bias.
	Bias                    *torch.Tensor
	InChannels, OutChannels int64
	KernelSize, Stride      []int64 // per spatial dim
	Padding, Dilation       []int64 // per spatial dim
	PaddingSame             bool    // padding="same"; Padding is then unused
	Groups                  int64
	PaddingMode             string // "zeros", "reflect", "replicate" or "circular"
}

// NewConv3d makes a Conv3d with a kernel³ kernel (or c.KernelSize),
// initialised as nn.Conv3d.
func NewConv3d(in, out, kernel int64, c ConvConfig) *Conv3d {
	a := newConvLayer("Conv3d", 3, in, out, kernel, c)
	l := &Conv3d{InChannels: in, OutChannels: out, KernelSize: a.kernel, Stride: a.stride, Padding: a.padding,
		Dilation: a.dilation, PaddingSame: c.PaddingSame, Groups: a.groups, PaddingMode: a.mode}
	l.typeName = "Conv3d"
	l.Weight, l.Bias = convParams(&l.Module, append([]int64{out, in / a.groups}, a.kernel...), out, !c.NoBias, c.Factory)
	return l
}

// Forward convolves x (N, InChannels, D, H, W) or (InChannels, D, H, W).
func (l *Conv3d) Forward(x *torch.Tensor) *torch.Tensor {
	return convForward(3, x, l.Weight, l.Bias, l.KernelSize, l.Stride, l.Padding, l.Dilation, l.PaddingSame, l.Groups, l.PaddingMode)
}

// ConvTransposeConfig holds the optional arguments of ConvTranspose1d,
// ConvTranspose2d and ConvTranspose3d; the zero value is PyTorch's
// defaults (stride 1, padding 0, output padding 0, dilation 1, groups 1,
// a bias). Only zero padding exists (padding_mode="zeros").
type ConvTransposeConfig struct {
	// Stride, Padding, OutputPadding and Dilation give one value for
	// every spatial dim; 0 means the default.
	Stride, Padding, OutputPadding, Dilation int64
	Groups                                   int64 // 0 means 1
	NoBias                                   bool  // bias=False
	// Strides, Paddings, OutputPaddings and Dilations give one value per
	// spatial dim; when set they replace the single values.
	Strides, Paddings, OutputPaddings, Dilations []int64
	// KernelSize gives one kernel size per spatial dim, replacing the
	// constructor's kernel argument.
	KernelSize []int64
	// Factory holds a torch.DType and/or torch.Device for the parameters.
	Factory []torch.Option
}

// ConvTranspose2dConfig is ConvTranspose2d's config.
type ConvTranspose2dConfig = ConvTransposeConfig

type convTransposeLayer struct {
	kernel, stride, padding, outputPadding, dilation []int64
	groups                                           int64
}

func newConvTransposeLayer(op string, nd int, in, out, kernel int64, c ConvTransposeConfig) convTransposeLayer {
	return convTransposeLayer{
		kernel:        convDims(op, "kernel_size", c.KernelSize, kernel, nd, 0),
		stride:        convDims(op, "stride", c.Strides, c.Stride, nd, 1),
		padding:       convDims(op, "padding", c.Paddings, c.Padding, nd, 0),
		outputPadding: convDims(op, "output_padding", c.OutputPaddings, c.OutputPadding, nd, 0),
		dilation:      convDims(op, "dilation", c.Dilations, c.Dilation, nd, 1),
		groups:        convCheck(op, in, out, c.Groups),
	}
}

// convTransposeForward is _ConvTransposeNd's forward: the output padding
// from outputSize (when given) as _output_padding computes it.
func convTransposeForward(nd int, x, w, b *torch.Tensor, outputSize, kernel, stride, padding, outputPadding, dilation []int64, groups int64) *torch.Tensor {
	op := fmt.Sprintf("ConvTranspose%dd", nd)
	if outputSize != nil {
		nonSpatial := 1
		if x.Dim() == int64(nd)+2 {
			nonSpatial = 2
		}
		if len(outputSize) == nonSpatial+nd {
			outputSize = outputSize[nonSpatial:]
		}
		if len(outputSize) != nd {
			layerPanic(op, "ConvTranspose%dD: for %dD input, output_size must have %d or %d elements (got %d)",
				nd, x.Dim(), nd, nonSpatial+nd, len(outputSize))
		}
		minSizes, maxSizes := make([]int64, nd), make([]int64, nd)
		for d := 0; d < nd; d++ {
			minSizes[d] = (x.Size(int64(d+nonSpatial))-1)*stride[d] - 2*padding[d] + dilation[d]*(kernel[d]-1) + 1
			maxSizes[d] = minSizes[d] + stride[d] - 1
		}
		outputPadding = make([]int64, nd)
		for d, size := range outputSize {
			if size < minSizes[d] || size > maxSizes[d] {
				layerPanic(op, "requested an output size of %s, but valid sizes range from %s to %s (for an input of %s)",
					intList(outputSize), intList(minSizes), intList(maxSizes), "torch.Size("+intList(x.Shape()[2:])+")")
			}
			outputPadding[d] = size - minSizes[d]
		}
	}
	conv := [...]func(x, w, b *torch.Tensor, o F.ConvTransposeOpts) *torch.Tensor{nil, F.ConvTranspose1d, F.ConvTranspose2d, F.ConvTranspose3d}[nd]
	return conv(x, w, b, F.ConvTransposeOpts{Stride: stride, Padding: padding, OutputPadding: outputPadding, Dilation: dilation, Groups: groups})
}

// ConvTranspose1d is the transposed 1-D convolution (a convolution's
// gradient) over (N, InChannels, L) or (InChannels, L) (nn.ConvTranspose1d).
type ConvTranspose1d struct {
	Module
	// Weight is (InChannels, OutChannels/Groups, KernelSize[0]), from
	// U(-1/√k, 1/√k) with k = OutChannels/Groups·∏KernelSize.
	Weight *torch.Tensor
	// Bias is (OutChannels), from U(-1/√k, 1/√k); nil without bias.
	Bias                                       *torch.Tensor
	InChannels, OutChannels                    int64
	KernelSize, Stride, Padding, OutputPadding []int64 // per spatial dim
	Dilation                                   []int64
	Groups                                     int64
}

// NewConvTranspose1d makes a ConvTranspose1d, initialised as nn.ConvTranspose1d.
func NewConvTranspose1d(in, out, kernel int64, c ConvTransposeConfig) *ConvTranspose1d {
	a := newConvTransposeLayer("ConvTranspose1d", 1, in, out, kernel, c)
	l := &ConvTranspose1d{InChannels: in, OutChannels: out, KernelSize: a.kernel, Stride: a.stride, Padding: a.padding,
		OutputPadding: a.outputPadding, Dilation: a.dilation, Groups: a.groups}
	l.typeName = "ConvTranspose1d"
	l.Weight, l.Bias = convParams(&l.Module, append([]int64{in, out / a.groups}, a.kernel...), out, !c.NoBias, c.Factory)
	return l
}

// Forward applies the transposed convolution to x (N, InChannels, L) or (InChannels, L).
func (l *ConvTranspose1d) Forward(x *torch.Tensor) *torch.Tensor { return l.ForwardOutputSize(x, nil) }

// ForwardOutputSize is Forward with the output padding chosen to give
// outputSize (the spatial sizes, or all the sizes), as forward(input,
// output_size).
func (l *ConvTranspose1d) ForwardOutputSize(x *torch.Tensor, outputSize []int64) *torch.Tensor {
	return convTransposeForward(1, x, l.Weight, l.Bias, outputSize, l.KernelSize, l.Stride, l.Padding, l.OutputPadding, l.Dilation, l.Groups)
}

// ConvTranspose2d is the transposed 2-D convolution over (N, InChannels,
// H, W) or (InChannels, H, W) (nn.ConvTranspose2d).
type ConvTranspose2d struct {
	Module
	// Weight is (InChannels, OutChannels/Groups, KernelSize[0],
	// KernelSize[1]), from U(-1/√k, 1/√k) with k = OutChannels/Groups·∏KernelSize.
	Weight *torch.Tensor
	// Bias is (OutChannels), from U(-1/√k, 1/√k); nil without bias.
	Bias                                       *torch.Tensor
	InChannels, OutChannels                    int64
	KernelSize, Stride, Padding, OutputPadding []int64 // per spatial dim
	Dilation                                   []int64
	Groups                                     int64
}

// NewConvTranspose2d makes a ConvTranspose2d, initialised as nn.ConvTranspose2d.
func NewConvTranspose2d(in, out, kernel int64, c ConvTransposeConfig) *ConvTranspose2d {
	a := newConvTransposeLayer("ConvTranspose2d", 2, in, out, kernel, c)
	l := &ConvTranspose2d{InChannels: in, OutChannels: out, KernelSize: a.kernel, Stride: a.stride, Padding: a.padding,
		OutputPadding: a.outputPadding, Dilation: a.dilation, Groups: a.groups}
	l.typeName = "ConvTranspose2d"
	l.Weight, l.Bias = convParams(&l.Module, append([]int64{in, out / a.groups}, a.kernel...), out, !c.NoBias, c.Factory)
	return l
}

// Forward applies the transposed convolution to x (N, InChannels, H, W) or (InChannels, H, W).
func (l *ConvTranspose2d) Forward(x *torch.Tensor) *torch.Tensor { return l.ForwardOutputSize(x, nil) }

// ForwardOutputSize is Forward with the output padding chosen to give
// outputSize, as forward(input, output_size).
func (l *ConvTranspose2d) ForwardOutputSize(x *torch.Tensor, outputSize []int64) *torch.Tensor {
	return convTransposeForward(2, x, l.Weight, l.Bias, outputSize, l.KernelSize, l.Stride, l.Padding, l.OutputPadding, l.Dilation, l.Groups)
}

// ConvTranspose3d is the transposed 3-D convolution over (N, InChannels,
// D, H, W) or (InChannels, D, H, W) (nn.ConvTranspose3d).
type ConvTranspose3d struct {
	Module
	// Weight is (InChannels, OutChannels/Groups, KernelSize...), from
	// U(-1/√k, 1/√k) with k = OutChannels/Groups·∏KernelSize.
	Weight *torch.Tensor
	// Bias is (OutChannels), from U(-1/√k, 1/√k); nil without bias.
	Bias                                       *torch.Tensor
	InChannels, OutChannels                    int64
	KernelSize, Stride, Padding, OutputPadding []int64 // per spatial dim
	Dilation                                   []int64
	Groups                                     int64
}

// NewConvTranspose3d makes a ConvTranspose3d, initialised as nn.ConvTranspose3d.
func NewConvTranspose3d(in, out, kernel int64, c ConvTransposeConfig) *ConvTranspose3d {
	a := newConvTransposeLayer("ConvTranspose3d", 3, in, out, kernel, c)
	l := &ConvTranspose3d{InChannels: in, OutChannels: out, KernelSize: a.kernel, Stride: a.stride, Padding: a.padding,
		OutputPadding: a.outputPadding, Dilation: a.dilation, Groups: a.groups}
	l.typeName = "ConvTranspose3d"
	l.Weight, l.Bias = convParams(&l.Module, append([]int64{in, out / a.groups}, a.kernel...), out, !c.NoBias, c.Factory)
	return l
}

// Forward applies the transposed convolution to x (N, InChannels, D, H, W) or (InChannels, D, H, W).
func (l *ConvTranspose3d) Forward(x *torch.Tensor) *torch.Tensor { return l.ForwardOutputSize(x, nil) }

// ForwardOutputSize is Forward with the output padding chosen to give
// outputSize, as forward(input, output_size).
func (l *ConvTranspose3d) ForwardOutputSize(x *torch.Tensor, outputSize []int64) *torch.Tensor {
	return convTransposeForward(3, x, l.Weight, l.Bias, outputSize, l.KernelSize, l.Stride, l.Padding, l.OutputPadding, l.Dilation, l.Groups)
}

// intList formats ints as Python prints a list: "[2, 3]".
func intList(v []int64) string {
	s := make([]string, len(v))
	for i, d := range v {
		s[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(s, ", ") + "]"
}
