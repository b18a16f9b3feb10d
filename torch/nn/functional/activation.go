package functional

import "github.com/torchgo/torchgo/torch"

// The activations of torch.nn.functional. Each takes PyTorch's keyword
// arguments in an options struct whose zero value is PyTorch's default;
// Inplace, where PyTorch has it, overwrites x (its in-place aten op, as
// inplace=True) and returns it.

// InplaceOpts holds the inplace flag, the only keyword argument of several
// activations.
type InplaceOpts struct {
	Inplace bool
}

// unaryOp calls aten::name, or aten::name_ in place.
func unaryOp(name string, inplace bool, x *torch.Tensor, args ...any) *torch.Tensor {
	if inplace {
		return call(name+"_", "", append([]any{x}, args...)...)
	}
	return call(name, "", append([]any{x}, args...)...)
}

// ReLU is max(x, 0) (F.relu).
func ReLU(x *torch.Tensor, opts ...InplaceOpts) *torch.Tensor {
	return unaryOp("relu", first(opts).Inplace, x)
}

// ReLU6 is min(max(x, 0), 6) (F.relu6).
func ReLU6(x *torch.Tensor, opts ...InplaceOpts) *torch.Tensor {
	return unaryOp("relu6", first(opts).Inplace, x)
}

// AlphaOpts are F.elu's and F.celu's keyword arguments.
type AlphaOpts struct {
	Alpha   *float64 // nil: 1
	Inplace bool
}

// ELU is x for x > 0 and alpha·(exp(x) - 1) below (F.elu).
func ELU(x *torch.Tensor, opts ...AlphaOpts) *torch.Tensor {
	o := first(opts)
	return unaryOp("elu", o.Inplace, x, or(o.Alpha, 1.0))
}

// CELU is max(0, x) + min(0, alpha·(exp(x/alpha) - 1)) (F.celu).
func CELU(x *torch.Tensor, opts ...AlphaOpts) *torch.Tensor {
	o := first(opts)
	return unaryOp("celu", o.Inplace, x, or(o.Alpha, 1.0))
}

// SELU is scale·ELU(x, alpha) with PyTorch's fixed alpha and scale (F.selu).
func SELU(x *torch.Tensor, opts ...InplaceOpts) *torch.Tensor {
	return unaryOp("selu", first(opts).Inplace, x)
}

// GELUOpts are F.gelu's keyword arguments.
type GELUOpts struct {
	Approximate string // "none" (also "") or "tanh"
}

// GELU is x·Φ(x), Φ the standard normal CDF, or its tanh approximation (F.gelu).
func GELU(x *torch.Tensor, opts ...GELUOpts) *torch.Tensor {
	a := first(opts).Approximate
	if a == "" {
		a = "none"
	}
	return call("gelu", "", x, a)
}

// Hardswish is x·relu6(x + 3)/6 (F.hardswish).
func Hardswish(x *torch.Tensor, opts ...InplaceOpts) *torch.Tensor {
	return unaryOp("hardswish", first(opts).Inplace, x)
}

// Hardsigmoid is relu6(x + 3)/6 (F.hardsigmoid).
func Hardsigmoid(x *torch.Tensor, opts ...InplaceOpts) *torch.Tensor {
	return unaryOp("hardsigmoid", first(opts).Inplace, x)
}

// HardtanhOpts are F.hardtanh's keyword arguments.
type HardtanhOpts struct {
	MinVal  *float64 // nil: -1
	MaxVal  *float64 // nil: 1
	Inplace bool
}

// Hardtanh clamps x to [MinVal, MaxVal] (F.hardtanh).
func Hardtanh(x *torch.Tensor, opts ...HardtanhOpts) *torch.Tensor {
	o := first(opts)
	return unaryOp("hardtanh", o.Inplace, x, or(o.MinVal, -1.0), or(o.MaxVal, 1.0))
}

// LeakyReLUOpts are F.leaky_relu's keyword arguments.
type LeakyReLUOpts struct {
	NegativeSlope *float64 // nil: 0.01
	Inplace       bool
}

// LeakyReLU is x for x ≥ 0 and NegativeSlope·x below (F.leaky_relu).
func LeakyReLU(x *torch.Tensor, opts ...LeakyReLUOpts) *torch.Tensor {
	o := first(opts)
	return unaryOp("leaky_relu", o.Inplace, x, or(o.NegativeSlope, 0.01))
}

// Mish is x·tanh(softplus(x)) (F.mish).
func Mish(x *torch.Tensor, opts ...InplaceOpts) *torch.Tensor {
	return unaryOp("mish", first(opts).Inplace, x)
}

// SiLU is x·sigmoid(x) (F.silu).
func SiLU(x *torch.Tensor, opts ...InplaceOpts) *torch.Tensor {
	return unaryOp("silu", first(opts).Inplace, x)
}

// Sigmoid is 1/(1 + exp(-x)).
func Sigmoid(x *torch.Tensor) *torch.Tensor { return x.Sigmoid() }

// Tanh is the hyperbolic tangent.
func Tanh(x *torch.Tensor) *torch.Tensor { return x.Tanh() }

// SoftplusOpts are F.softplus's keyword arguments.
type SoftplusOpts struct {
	Beta      *float64 // nil: 1
	Threshold *float64 // above it (beta·x) the result is x; nil: 20
}

// Softplus is log(1 + exp(beta·x))/beta (F.softplus).
func Softplus(x *torch.Tensor, opts ...SoftplusOpts) *torch.Tensor {
	o := first(opts)
	var beta, threshold any = int64(1), int64(20) // PyTorch's defaults are the ints 1 and 20
	if o.Beta != nil {
		beta = *o.Beta
	}
	if o.Threshold != nil {
		threshold = *o.Threshold
	}
	return call("softplus", "", x, beta, threshold)
}

// Softsign is x/(|x| + 1) (F.softsign).
func Softsign(x *torch.Tensor) *torch.Tensor {
	return scoped(func() *torch.Tensor { return x.Div(x.Abs().AddScalar(int64(1))) })
}

// Tanhshrink is x - tanh(x) (F.tanhshrink).
func Tanhshrink(x *torch.Tensor) *torch.Tensor {
	return scoped(func() *torch.Tensor { return x.Sub(x.Tanh()) })
}

// LambdOpts hold the threshold of F.softshrink and F.hardshrink.
type LambdOpts struct {
	Lambd *float64 // nil: 0.5
}

// Softshrink is x - lambd above lambd, x + lambd below -lambd, 0 between (F.softshrink).
func Softshrink(x *torch.Tensor, opts ...LambdOpts) *torch.Tensor {
	return call("softshrink", "", x, or(first(opts).Lambd, 0.5))
}

// Hardshrink is x where |x| > lambd, 0 elsewhere (F.hardshrink).
func Hardshrink(x *torch.Tensor, opts ...LambdOpts) *torch.Tensor {
	return call("hardshrink", "", x, or(first(opts).Lambd, 0.5))
}

// PReLU is x for x ≥ 0 and weight·x below, weight holding one slope or
// one per channel (dim 1) (F.prelu).
func PReLU(x, weight *torch.Tensor) *torch.Tensor { return call("prelu", "", x, weight) }

// Threshold is x where x > threshold, value elsewhere (F.threshold).
func Threshold(x *torch.Tensor, threshold, value float64, opts ...InplaceOpts) *torch.Tensor {
	return unaryOp("threshold", first(opts).Inplace, x, threshold, value)
}

// LogSigmoid is log(sigmoid(x)) (F.logsigmoid).
func LogSigmoid(x *torch.Tensor) *torch.Tensor { return call("log_sigmoid", "", x) }

// GLUOpts are F.glu's keyword arguments.
type GLUOpts struct {
	Dim *int64 // nil: -1
}

// GLU is a·sigmoid(b) for the halves a, b of x along Dim (F.glu).
func GLU(x *torch.Tensor, opts ...GLUOpts) *torch.Tensor {
	if x.Dim() == 0 {
		fail("GLU", "glu does not support scalars because halving size must be even")
	}
	return call("glu", "", x, or(first(opts).Dim, -1))
}

// SoftmaxOpts are F.softmax's, F.softmin's and F.log_softmax's keyword arguments.
type SoftmaxOpts struct {
	// DType, when set, converts x to it before the operation (dtype=).
	DType *torch.DType
}

func softmax(name string, x *torch.Tensor, dim int64, o SoftmaxOpts) *torch.Tensor {
	if o.DType == nil {
		return call(name, "int", x, dim, nil)
	}
	return call(name, "int", x, dim, *o.DType)
}

// Softmax normalises exp(x) along dim to sum to 1 (F.softmax).
func Softmax(x *torch.Tensor, dim int64, opts ...SoftmaxOpts) *torch.Tensor {
	return softmax("softmax", x, dim, first(opts))
}

// Softmin is Softmax(-x) (F.softmin).
func Softmin(x *torch.Tensor, dim int64, opts ...SoftmaxOpts) *torch.Tensor {
	return scoped(func() *torch.Tensor { return softmax("softmax", x.Neg(), dim, first(opts)) })
}

// LogSoftmax is log(Softmax(x)), computed stably (F.log_softmax).
func LogSoftmax(x *torch.Tensor, dim int64, opts ...SoftmaxOpts) *torch.Tensor {
	return softmax("log_softmax", x, dim, first(opts))
}

// SoftmaxDim is the dim F.softmax picks when given none (deprecated in
// PyTorch): 0 for inputs of 0, 1 or 3 dims, 1 otherwise.
func SoftmaxDim(ndim int64) int64 {
	if ndim == 0 || ndim == 1 || ndim == 3 {
		return 0
	}
	return 1
}
