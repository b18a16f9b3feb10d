package nn

import (
	"fmt"
	"math"

	"github.com/torchgo/torchgo/torch"
	F "github.com/torchgo/torchgo/torch/nn/functional"
	"github.com/torchgo/torchgo/torch/nn/nninit"
)

// Linear applies y = x·Weightᵀ + Bias to x (…, InFeatures), giving (…,
// OutFeatures) (nn.Linear).
type Linear struct {
	Module
	// Weight is (OutFeatures, InFeatures), initialised as kaiming_uniform_
	// with a=√5: from U(-1/√InFeatures, 1/√InFeatures).
	Weight *torch.Tensor
	// Bias is (OutFeatures), from U(-1/√InFeatures, 1/√InFeatures); nil
	// without bias.
	Bias                    *torch.Tensor
	InFeatures, OutFeatures int64
}

// LinearConfig holds nn.Linear's optional arguments; the zero value is
// PyTorch's defaults.
type LinearConfig struct {
	NoBias bool // bias=False
	// Factory holds a torch.DType and/or torch.Device for the parameters
	// (PyTorch's dtype= and device=), which are then initialised in them.
	Factory []torch.Option
}

// NewLinear makes a Linear layer, initialised as nn.Linear(in, out).
func NewLinear(in, out int64, c ...LinearConfig) *Linear {
	cfg := firstCfg(c)
	l := &Linear{InFeatures: in, OutFeatures: out}
	l.typeName = "Linear"
	l.Weight = l.RegisterParameter("weight", torch.Empty([]int64{out, in}, cfg.Factory...))
	if !cfg.NoBias {
		l.Bias = l.RegisterParameter("bias", torch.Empty([]int64{out}, cfg.Factory...))
	}
	kaimingInit(l.Weight, l.Bias, true)
	return l
}

// NewLinearNoBias makes a Linear layer without bias (bias=False).
func NewLinearNoBias(in, out int64) *Linear { return NewLinear(in, out, LinearConfig{NoBias: true}) }

func newLinear(in, out int64, bias bool) *Linear {
	return NewLinear(in, out, LinearConfig{NoBias: !bias})
}

// Forward applies the layer to x (…, InFeatures) giving (…, OutFeatures).
func (l *Linear) Forward(x *torch.Tensor) *torch.Tensor { return F.Linear(x, l.Weight, l.Bias) }

// firstCfg is opts[0], or the zero value (PyTorch's defaults) when none is given.
func firstCfg[T any](opts []T) T {
	var o T
	if len(opts) > 0 {
		o = opts[0]
	}
	return o
}

// ptrOr is *p, or dflt when p is nil.
func ptrOr[T any](p *T, dflt T) T {
	if p == nil {
		return dflt
	}
	return *p
}

// deviceOnly keeps the devices of factory options: integer buffers
// (num_batches_tracked) take device= but not dtype=.
func deviceOnly(opts []torch.Option) []torch.Option {
	var out []torch.Option
	for _, o := range opts {
		if _, ok := o.(torch.DType); !ok {
			out = append(out, o)
		}
	}
	return out
}

// layerPanic panics with a *torch.Error as PyTorch's constructors raise.
func layerPanic(op, format string, args ...any) {
	panic(&torch.Error{Op: op, Msg: fmt.Sprintf(format, args...)})
}

// kaimingInit is reset_parameters of nn.Linear and the convolutions:
// kaiming_uniform_(weight, a=√5), then the bias from U(±1/√fan_in).
// Linear draws the bias even when fan_in is 0 (from U(0, 0)); the
// convolutions skip it then (alwaysBias false).
func kaimingInit(weight, bias *torch.Tensor, alwaysBias bool) {
	if _, err := nninit.KaimingUniform_(weight, math.Sqrt(5), nninit.FanIn, "leaky_relu", nil); err != nil {
		panic(&torch.Error{Op: "nn.init", Msg: err.Error()})
	}
	if bias == nil {
		return
	}
	fanIn, _, err := nninit.FanInFanOut(weight)
	if err != nil {
		panic(&torch.Error{Op: "nn.init", Msg: err.Error()})
	}
	if fanIn == 0 && !alwaysBias {
		return
	}
	bound := 0.0
	if fanIn > 0 {
		bound = 1 / math.Sqrt(float64(fanIn))
	}
	nninit.Uniform_(bias, -bound, bound, nil)
}

// Bilinear applies y = x1ᵀ·Weight·x2 + Bias to x1 (…, In1Features) and x2
// (…, In2Features), giving (…, OutFeatures) (nn.Bilinear).
type Bilinear struct {
	Module
	// Weight is (OutFeatures, In1Features, In2Features), from U(-1/√in1, 1/√in1).
	Weight *torch.Tensor
	// Bias is (OutFeatures), from U(-1/√in1, 1/√in1); nil without bias.
	Bias                                  *torch.Tensor
	In1Features, In2Features, OutFeatures int64
}

// NewBilinear makes a Bilinear layer, initialised as nn.Bilinear(in1, in2, out).
func NewBilinear(in1, in2, out int64, c ...LinearConfig) *Bilinear {
	cfg := firstCfg(c)
	l := &Bilinear{In1Features: in1, In2Features: in2, OutFeatures: out}
	l.typeName = "Bilinear"
	l.Weight = l.RegisterParameter("weight", torch.Empty([]int64{out, in1, in2}, cfg.Factory...))
	if !cfg.NoBias {
		l.Bias = l.RegisterParameter("bias", torch.Empty([]int64{out}, cfg.Factory...))
	}
	bound := 1 / math.Sqrt(float64(in1))
	nninit.Uniform_(l.Weight, -bound, bound, nil)
	if l.Bias != nil {
		nninit.Uniform_(l.Bias, -bound, bound, nil)
	}
	return l
}

// Forward applies the layer to x1 (…, In1Features) and x2 (…, In2Features).
func (l *Bilinear) Forward(x1, x2 *torch.Tensor) *torch.Tensor {
	return F.Bilinear(x1, x2, l.Weight, l.Bias)
}

// Identity returns its input (nn.Identity).
type Identity struct{ Module }

// NewIdentity makes an Identity layer.
func NewIdentity() *Identity {
	l := &Identity{}
	l.typeName = "Identity"
	return l
}

// Forward returns x.
func (l *Identity) Forward(x *torch.Tensor) *torch.Tensor { return x }
