package nn

import (
	"github.com/torchgo/torchgo/torch"
	F "github.com/torchgo/torchgo/torch/nn/functional"
)

// The activation layers of torch.nn. Their options structs' zero values
// are PyTorch's defaults; Inplace, where PyTorch has it, makes Forward
// overwrite its input and return it (inplace=True).

// InplaceConfig holds the inplace flag, the only argument of several
// activations.
type InplaceConfig struct {
	Inplace bool
}

// ReLU is max(x, 0) (nn.ReLU).
type ReLU struct {
	Module
	Inplace bool
}

// NewReLU makes a ReLU layer.
func NewReLU(c ...InplaceConfig) *ReLU {
	l := &ReLU{Inplace: firstCfg(c).Inplace}
	l.typeName = "ReLU"
	return l
}

// Forward applies the activation elementwise.
func (l *ReLU) Forward(x *torch.Tensor) *torch.Tensor {
	return F.ReLU(x, F.InplaceOpts{Inplace: l.Inplace})
}

// ReLU6 is min(max(x, 0), 6) (nn.ReLU6).
type ReLU6 struct {
	Module
	Inplace bool
}

// NewReLU6 makes a ReLU6 layer.
func NewReLU6(c ...InplaceConfig) *ReLU6 {
	l := &ReLU6{Inplace: firstCfg(c).Inplace}
	l.typeName = "ReLU6"
	return l
}

// Forward applies the activation elementwise. nn.ReLU6 is a Hardtanh(0, 6),
// which runs aten::hardtanh.
func (l *ReLU6) Forward(x *torch.Tensor) *torch.Tensor {
	zero, six := 0.0, 6.0
	return F.Hardtanh(x, F.HardtanhOpts{MinVal: &zero, MaxVal: &six, Inplace: l.Inplace})
}

// LeakyReLUConfig holds nn.LeakyReLU's arguments.
type LeakyReLUConfig struct {
	NegativeSlope *float64 // nil: 0.01
	Inplace       bool
}

// LeakyReLU is x for x ≥ 0 and NegativeSlope·x below (nn.LeakyReLU).
type LeakyReLU struct {
	Module
	NegativeSlope float64
	Inplace       bool
}

// NewLeakyReLU makes a LeakyReLU layer.
func NewLeakyReLU(c ...LeakyReLUConfig) *LeakyReLU {
	cfg := firstCfg(c)
	l := &LeakyReLU{NegativeSlope: ptrOr(cfg.NegativeSlope, 0.01), Inplace: cfg.Inplace}
	l.typeName = "LeakyReLU"
	return l
}

// Forward applies the activation elementwise.
func (l *LeakyReLU) Forward(x *torch.Tensor) *torch.Tensor {
	return F.LeakyReLU(x, F.LeakyReLUOpts{NegativeSlope: &l.NegativeSlope, Inplace: l.Inplace})
}

// ELUConfig holds nn.ELU's (and nn.CELU's) arguments.
type ELUConfig struct {
	Alpha   *float64 // nil: 1
	Inplace bool
}

// ELU is x for x > 0 and Alpha·(exp(x) - 1) below (nn.ELU).
type ELU struct {
	Module
	Alpha   float64
	Inplace bool
}

// NewELU makes an ELU layer.
func NewELU(c ...ELUConfig) *ELU {
	cfg := firstCfg(c)
	l := &ELU{Alpha: ptrOr(cfg.Alpha, 1.0), Inplace: cfg.Inplace}
	l.typeName = "ELU"
	return l
}

// Forward applies the activation elementwise.
func (l *ELU) Forward(x *torch.Tensor) *torch.Tensor {
	return F.ELU(x, F.AlphaOpts{Alpha: &l.Alpha, Inplace: l.Inplace})
}

// CELU is max(0, x) + min(0, Alpha·(exp(x/Alpha) - 1)) (nn.CELU).
type CELU struct {
	Module
	Alpha   float64
	Inplace bool
}

// NewCELU makes a CELU layer.
func NewCELU(c ...ELUConfig) *CELU {
	cfg := firstCfg(c)
	l := &CELU{Alpha: ptrOr(cfg.Alpha, 1.0), Inplace: cfg.Inplace}
	l.typeName = "CELU"
	return l
}

// Forward applies the activation elementwise.
func (l *CELU) Forward(x *torch.Tensor) *torch.Tensor {
	return F.CELU(x, F.AlphaOpts{Alpha: &l.Alpha, Inplace: l.Inplace})
}

// SELU is scale·ELU(x, alpha) with the fixed alpha ≈ 1.6733 and scale ≈
// 1.0507 (nn.SELU).
type SELU struct {
	Module
	Inplace bool
}

// NewSELU makes a SELU layer.
func NewSELU(c ...InplaceConfig) *SELU {
	l := &SELU{Inplace: firstCfg(c).Inplace}
	l.typeName = "SELU"
	return l
}

// Forward applies the activation elementwise.
func (l *SELU) Forward(x *torch.Tensor) *torch.Tensor {
	return F.SELU(x, F.InplaceOpts{Inplace: l.Inplace})
}

// GELUConfig holds nn.GELU's argument.
type GELUConfig struct {
	Approximate string // "none" (also "") or "tanh"
}

// GELU is x·Φ(x), Φ the standard normal CDF, or its tanh approximation (nn.GELU).
type GELU struct {
	Module
	Approximate string // "none" or "tanh"
}

// NewGELU makes a GELU layer.
func NewGELU(c ...GELUConfig) *GELU {
	a := firstCfg(c).Approximate
	if a == "" {
		a = "none"
	}
	l := &GELU{Approximate: a}
	l.typeName = "GELU"
	return l
}

// Forward applies the activation elementwise.
func (l *GELU) Forward(x *torch.Tensor) *torch.Tensor {
	return F.GELU(x, F.GELUOpts{Approximate: l.Approximate})
}

// SiLU is x·sigmoid(x) (nn.SiLU).
type SiLU struct {
	Module
	Inplace bool
}

// NewSiLU makes a SiLU layer.
func NewSiLU(c ...InplaceConfig) *SiLU {
	l := &SiLU{Inplace: firstCfg(c).Inplace}
	l.typeName = "SiLU"
	return l
}

// Forward applies the activation elementwise.
func (l *SiLU) Forward(x *torch.Tensor) *torch.Tensor {
	return F.SiLU(x, F.InplaceOpts{Inplace: l.Inplace})
}

// Mish is x·tanh(softplus(x)) (nn.Mish).
type Mish struct {
	Module
	Inplace bool
}

// NewMish makes a Mish layer.
func NewMish(c ...InplaceConfig) *Mish {
	l := &Mish{Inplace: firstCfg(c).Inplace}
	l.typeName = "Mish"
	return l
}

// Forward applies the activation elementwise.
func (l *Mish) Forward(x *torch.Tensor) *torch.Tensor {
	return F.Mish(x, F.InplaceOpts{Inplace: l.Inplace})
}

// Hardswish is x·relu6(x + 3)/6 (nn.Hardswish).
type Hardswish struct {
	Module
	Inplace bool
}

// NewHardswish makes a Hardswish layer.
func NewHardswish(c ...InplaceConfig) *Hardswish {
	l := &Hardswish{Inplace: firstCfg(c).Inplace}
	l.typeName = "Hardswish"
	return l
}

// Forward applies the activation elementwise.
func (l *Hardswish) Forward(x *torch.Tensor) *torch.Tensor {
	return F.Hardswish(x, F.InplaceOpts{Inplace: l.Inplace})
}

// Hardsigmoid is relu6(x + 3)/6 (nn.Hardsigmoid).
type Hardsigmoid struct {
	Module
	Inplace bool
}

// NewHardsigmoid makes a Hardsigmoid layer.
func NewHardsigmoid(c ...InplaceConfig) *Hardsigmoid {
	l := &Hardsigmoid{Inplace: firstCfg(c).Inplace}
	l.typeName = "Hardsigmoid"
	return l
}

// Forward applies the activation elementwise.
func (l *Hardsigmoid) Forward(x *torch.Tensor) *torch.Tensor {
	return F.Hardsigmoid(x, F.InplaceOpts{Inplace: l.Inplace})
}

// HardtanhConfig holds nn.Hardtanh's arguments.
type HardtanhConfig struct {
	MinVal  *float64 // nil: -1
	MaxVal  *float64 // nil: 1
	Inplace bool
}

// Hardtanh clamps x to [MinVal, MaxVal] (nn.Hardtanh).
type Hardtanh struct {
	Module
	MinVal, MaxVal float64
	Inplace        bool
}

// NewHardtanh makes a Hardtanh layer; MaxVal must exceed MinVal.
func NewHardtanh(c ...HardtanhConfig) *Hardtanh {
	cfg := firstCfg(c)
	l := &Hardtanh{MinVal: ptrOr(cfg.MinVal, -1.0), MaxVal: ptrOr(cfg.MaxVal, 1.0), Inplace: cfg.Inplace}
	if !(l.MaxVal > l.MinVal) {
		layerPanic("NewHardtanh", "max_val (%g) must be greater than min_val (%g)", l.MaxVal, l.MinVal)
	}
	l.typeName = "Hardtanh"
	return l
}

// Forward applies the activation elementwise.
func (l *Hardtanh) Forward(x *torch.Tensor) *torch.Tensor {
	return F.Hardtanh(x, F.HardtanhOpts{MinVal: &l.MinVal, MaxVal: &l.MaxVal, Inplace: l.Inplace})
}

// SoftplusConfig holds nn.Softplus's arguments.
type SoftplusConfig struct {
	Beta      *float64 // nil: 1
	Threshold *float64 // above it (Beta·x) the result is x; nil: 20
}

// Softplus is log(1 + exp(Beta·x))/Beta, x itself above Threshold (nn.Softplus).
type Softplus struct {
	Module
	Beta, Threshold float64
}

// NewSoftplus makes a Softplus layer.
func NewSoftplus(c ...SoftplusConfig) *Softplus {
	cfg := firstCfg(c)
	l := &Softplus{Beta: ptrOr(cfg.Beta, 1.0), Threshold: ptrOr(cfg.Threshold, 20.0)}
	l.typeName = "Softplus"
	return l
}

// Forward applies the activation elementwise.
func (l *Softplus) Forward(x *torch.Tensor) *torch.Tensor {
	return F.Softplus(x, F.SoftplusOpts{Beta: &l.Beta, Threshold: &l.Threshold})
}

// Softsign is x/(1 + |x|) (nn.Softsign).
type Softsign struct{ Module }

// NewSoftsign makes a Softsign layer.
func NewSoftsign() *Softsign {
	l := &Softsign{}
	l.typeName = "Softsign"
	return l
}

// Forward applies the activation elementwise.
func (l *Softsign) Forward(x *torch.Tensor) *torch.Tensor { return F.Softsign(x) }

// PReLUConfig holds nn.PReLU's arguments.
type PReLUConfig struct {
	// NumParameters is 1 (also 0), one slope for all channels, or the
	// number of channels (dim 1 of the input).
	NumParameters int64
	Init          *float64       // the initial slope; nil: 0.25
	Factory       []torch.Option // dtype=, device=
}

// PReLU is x for x ≥ 0 and Weight·x below, with a learnt slope (nn.PReLU).
type PReLU struct {
	Module
	// Weight is (NumParameters), filled with the initial slope.
	Weight        *torch.Tensor
	NumParameters int64
}

// NewPReLU makes a PReLU layer.
func NewPReLU(c ...PReLUConfig) *PReLU {
	cfg := firstCfg(c)
	n := cfg.NumParameters
	if n == 0 {
		n = 1
	}
	l := &PReLU{NumParameters: n}
	l.typeName = "PReLU"
	w := torch.Empty([]int64{n}, cfg.Factory...)
	w.Fill_(ptrOr(cfg.Init, 0.25))
	l.Weight = l.RegisterParameter("weight", w)
	return l
}

// Forward applies the activation elementwise.
func (l *PReLU) Forward(x *torch.Tensor) *torch.Tensor { return F.PReLU(x, l.Weight) }

// Threshold is x where x > Threshold, Value elsewhere (nn.Threshold).
type Threshold struct {
	Module
	Threshold, Value float64
	Inplace          bool
}

// NewThreshold makes a Threshold layer.
func NewThreshold(threshold, value float64, c ...InplaceConfig) *Threshold {
	l := &Threshold{Threshold: threshold, Value: value, Inplace: firstCfg(c).Inplace}
	l.typeName = "Threshold"
	return l
}

// Forward applies the activation elementwise.
func (l *Threshold) Forward(x *torch.Tensor) *torch.Tensor {
	return F.Threshold(x, l.Threshold, l.Value, F.InplaceOpts{Inplace: l.Inplace})
}

// LogSigmoid is log(sigmoid(x)) (nn.LogSigmoid).
type LogSigmoid struct{ Module }

// NewLogSigmoid makes a LogSigmoid layer.
func NewLogSigmoid() *LogSigmoid {
	l := &LogSigmoid{}
	l.typeName = "LogSigmoid"
	return l
}

// Forward applies the activation elementwise.
func (l *LogSigmoid) Forward(x *torch.Tensor) *torch.Tensor { return F.LogSigmoid(x) }

// Sigmoid is 1/(1 + exp(-x)) (nn.Sigmoid).
type Sigmoid struct{ Module }

// NewSigmoid makes a Sigmoid layer.
func NewSigmoid() *Sigmoid {
	l := &Sigmoid{}
	l.typeName = "Sigmoid"
	return l
}

// Forward applies the activation elementwise.
func (l *Sigmoid) Forward(x *torch.Tensor) *torch.Tensor { return x.Sigmoid() }

// Tanh is the hyperbolic tangent (nn.Tanh).
type Tanh struct{ Module }

// NewTanh makes a Tanh layer.
func NewTanh() *Tanh {
	l := &Tanh{}
	l.typeName = "Tanh"
	return l
}

// Forward applies the activation elementwise.
func (l *Tanh) Forward(x *torch.Tensor) *torch.Tensor { return x.Tanh() }

// Tanhshrink is x - tanh(x) (nn.Tanhshrink).
type Tanhshrink struct{ Module }

// NewTanhshrink makes a Tanhshrink layer.
func NewTanhshrink() *Tanhshrink {
	l := &Tanhshrink{}
	l.typeName = "Tanhshrink"
	return l
}

// Forward applies the activation elementwise.
func (l *Tanhshrink) Forward(x *torch.Tensor) *torch.Tensor { return F.Tanhshrink(x) }

// ShrinkConfig holds nn.Softshrink's and nn.Hardshrink's argument.
type ShrinkConfig struct {
	Lambd *float64 // nil: 0.5
}

// Softshrink is x - Lambd above Lambd, x + Lambd below -Lambd, 0 between
// (nn.Softshrink).
type Softshrink struct {
	Module
	Lambd float64
}

// NewSoftshrink makes a Softshrink layer.
func NewSoftshrink(c ...ShrinkConfig) *Softshrink {
	l := &Softshrink{Lambd: ptrOr(firstCfg(c).Lambd, 0.5)}
	l.typeName = "Softshrink"
	return l
}

// Forward applies the activation elementwise.
func (l *Softshrink) Forward(x *torch.Tensor) *torch.Tensor {
	return F.Softshrink(x, F.LambdOpts{Lambd: &l.Lambd})
}

// Hardshrink is x where |x| > Lambd, 0 elsewhere (nn.Hardshrink).
type Hardshrink struct {
	Module
	Lambd float64
}

// NewHardshrink makes a Hardshrink layer.
func NewHardshrink(c ...ShrinkConfig) *Hardshrink {
	l := &Hardshrink{Lambd: ptrOr(firstCfg(c).Lambd, 0.5)}
	l.typeName = "Hardshrink"
	return l
}

// Forward applies the activation elementwise.
func (l *Hardshrink) Forward(x *torch.Tensor) *torch.Tensor {
	return F.Hardshrink(x, F.LambdOpts{Lambd: &l.Lambd})
}

// GLUConfig holds nn.GLU's argument.
type GLUConfig struct {
	Dim *int64 // nil: -1
}

// GLU is a·sigmoid(b) for the halves a, b of x along Dim, halving it (nn.GLU).
type GLU struct {
	Module
	Dim int64
}

// NewGLU makes a GLU layer.
func NewGLU(c ...GLUConfig) *GLU {
	l := &GLU{Dim: ptrOr(firstCfg(c).Dim, -1)}
	l.typeName = "GLU"
	return l
}

// Forward applies the gated linear unit.
func (l *GLU) Forward(x *torch.Tensor) *torch.Tensor { return F.GLU(x, F.GLUOpts{Dim: &l.Dim}) }

// Softmax normalises exp(x) along Dim to sum to 1 (nn.Softmax).
type Softmax struct {
	Module
	Dim int64
}

// NewSoftmax makes a Softmax over dim. (PyTorch's dim=None, a deprecated
// implicit choice, is F.SoftmaxDim(x.Dim()).)
func NewSoftmax(dim int64) *Softmax {
	l := &Softmax{Dim: dim}
	l.typeName = "Softmax"
	return l
}

// Forward applies the softmax.
func (l *Softmax) Forward(x *torch.Tensor) *torch.Tensor { return F.Softmax(x, l.Dim) }

// Softmin is Softmax(-x) along Dim (nn.Softmin).
type Softmin struct {
	Module
	Dim int64
}

// NewSoftmin makes a Softmin over dim.
func NewSoftmin(dim int64) *Softmin {
	l := &Softmin{Dim: dim}
	l.typeName = "Softmin"
	return l
}

// Forward applies the softmin.
func (l *Softmin) Forward(x *torch.Tensor) *torch.Tensor { return F.Softmin(x, l.Dim) }

// LogSoftmax is log(Softmax(x)) along Dim, computed stably (nn.LogSoftmax).
type LogSoftmax struct {
	Module
	Dim int64
}

// NewLogSoftmax makes a LogSoftmax over dim.
func NewLogSoftmax(dim int64) *LogSoftmax {
	l := &LogSoftmax{Dim: dim}
	l.typeName = "LogSoftmax"
	return l
}

// Forward applies the log-softmax.
func (l *LogSoftmax) Forward(x *torch.Tensor) *torch.Tensor { return F.LogSoftmax(x, l.Dim) }

// Softmax2d is Softmax over the channels of (N, C, H, W) or (C, H, W)
// (dim -3) (nn.Softmax2d).
type Softmax2d struct{ Module }

// NewSoftmax2d makes a Softmax2d layer.
func NewSoftmax2d() *Softmax2d {
	l := &Softmax2d{}
	l.typeName = "Softmax2d"
	return l
}

// Forward applies the softmax over the channels.
func (l *Softmax2d) Forward(x *torch.Tensor) *torch.Tensor {
	if d := x.Dim(); d != 3 && d != 4 {
		layerPanic("Softmax2d", "Softmax2d requires a 3D or 4D tensor as input")
	}
	return F.Softmax(x, -3)
}
