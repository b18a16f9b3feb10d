package torch

/*
#include "shim.h"
#cgo noescape tg_relu
#cgo nocallback tg_relu
#cgo noescape tg_matmul
#cgo nocallback tg_matmul
*/
import "C"

import "runtime"

// The elementwise ops below are thin wrappers over aten operators called
// through the boxed dispatcher (aten.go); their errors name the Go method.
// The few that the optimizers' step and the seed model's forward pass run
// on every parameter or batch (ReLU, the in-place add_/mul_ family,
// Fill_, Zero_, Copy_, MatMul) are direct calls of the shim instead.

// unary returns op(t) for an operator taking one tensor.
func (t *Tensor) unary(op string, l *lazyOp) *Tensor { return l.tensorAs(op, t) }

// inPlace applies the in-place operator l to t with args and returns t.
func (t *Tensor) inPlace(op string, l *lazyOp, args ...any) *Tensor {
	return l.inPlaceAs(op, t, args...)
}

var (
	atenNeg        = &lazyOp{name: "aten::neg"}
	atenAbs        = &lazyOp{name: "aten::abs"}
	atenExp        = &lazyOp{name: "aten::exp"}
	atenLog        = &lazyOp{name: "aten::log"}
	atenSqrt       = &lazyOp{name: "aten::sqrt"}
	atenRsqrt      = &lazyOp{name: "aten::rsqrt"}
	atenSin        = &lazyOp{name: "aten::sin"}
	atenCos        = &lazyOp{name: "aten::cos"}
	atenTanh       = &lazyOp{name: "aten::tanh"}
	atenSigmoid    = &lazyOp{name: "aten::sigmoid"}
	atenFloor      = &lazyOp{name: "aten::floor"}
	atenCeil       = &lazyOp{name: "aten::ceil"}
	atenRound      = &lazyOp{name: "aten::round"}
	atenTrunc      = &lazyOp{name: "aten::trunc"}
	atenSign       = &lazyOp{name: "aten::sign"}
	atenReciprocal = &lazyOp{name: "aten::reciprocal"}
	atenSquare     = &lazyOp{name: "aten::square"}
	atenLog1p      = &lazyOp{name: "aten::log1p"}
	atenExpm1      = &lazyOp{name: "aten::expm1"}
	atenLog2       = &lazyOp{name: "aten::log2"}
	atenLog10      = &lazyOp{name: "aten::log10"}
	atenErf        = &lazyOp{name: "aten::erf"}
	atenErfinv     = &lazyOp{name: "aten::erfinv"}
	atenSilu       = &lazyOp{name: "aten::silu"}
	atenLogicalNot = &lazyOp{name: "aten::logical_not"}
	atenIsnan      = &lazyOp{name: "aten::isnan"}
	atenIsinf      = &lazyOp{name: "aten::isinf"}
	atenIsfinite   = &lazyOp{name: "aten::isfinite"}

	atenNeg_     = &lazyOp{name: "aten::neg_"}
	atenAbs_     = &lazyOp{name: "aten::abs_"}
	atenExp_     = &lazyOp{name: "aten::exp_"}
	atenLog_     = &lazyOp{name: "aten::log_"}
	atenSqrt_    = &lazyOp{name: "aten::sqrt_"}
	atenSigmoid_ = &lazyOp{name: "aten::sigmoid_"}
	atenTanh_    = &lazyOp{name: "aten::tanh_"}
	atenFloor_   = &lazyOp{name: "aten::floor_"}
	atenRound_   = &lazyOp{name: "aten::round_"}
	atenErfinv_  = &lazyOp{name: "aten::erfinv_"}
)

// Elementwise functions, each returning a new tensor.

func (t *Tensor) Neg() *Tensor        { return t.unary("Neg", atenNeg) }               // -t
func (t *Tensor) Abs() *Tensor        { return t.unary("Abs", atenAbs) }               // |t|
func (t *Tensor) Exp() *Tensor        { return t.unary("Exp", atenExp) }               // e^t
func (t *Tensor) Log() *Tensor        { return t.unary("Log", atenLog) }               // natural logarithm
func (t *Tensor) Sqrt() *Tensor       { return t.unary("Sqrt", atenSqrt) }             // square root
func (t *Tensor) Rsqrt() *Tensor      { return t.unary("Rsqrt", atenRsqrt) }           // 1/sqrt(t)
func (t *Tensor) Sin() *Tensor        { return t.unary("Sin", atenSin) }               // sine, radians
func (t *Tensor) Cos() *Tensor        { return t.unary("Cos", atenCos) }               // cosine, radians
func (t *Tensor) Tanh() *Tensor       { return t.unary("Tanh", atenTanh) }             // hyperbolic tangent
func (t *Tensor) Sigmoid() *Tensor    { return t.unary("Sigmoid", atenSigmoid) }       // 1/(1+e^-t)
func (t *Tensor) Floor() *Tensor      { return t.unary("Floor", atenFloor) }           // round down
func (t *Tensor) Ceil() *Tensor       { return t.unary("Ceil", atenCeil) }             // round up
func (t *Tensor) Round() *Tensor      { return t.unary("Round", atenRound) }           // round half to even
func (t *Tensor) Trunc() *Tensor      { return t.unary("Trunc", atenTrunc) }           // round toward zero
func (t *Tensor) Sign() *Tensor       { return t.unary("Sign", atenSign) }             // -1, 0 or 1
func (t *Tensor) Reciprocal() *Tensor { return t.unary("Reciprocal", atenReciprocal) } // 1/t
func (t *Tensor) Square() *Tensor     { return t.unary("Square", atenSquare) }         // t*t
func (t *Tensor) Log1p() *Tensor      { return t.unary("Log1p", atenLog1p) }           // log(1+t)
func (t *Tensor) Expm1() *Tensor      { return t.unary("Expm1", atenExpm1) }           // e^t - 1
func (t *Tensor) Log2() *Tensor       { return t.unary("Log2", atenLog2) }             // base-2 logarithm
func (t *Tensor) Log10() *Tensor      { return t.unary("Log10", atenLog10) }           // base-10 logarithm
func (t *Tensor) Erf() *Tensor        { return t.unary("Erf", atenErf) }               // error function
func (t *Tensor) SiLU() *Tensor       { return t.unary("SiLU", atenSilu) }             // t*sigmoid(t)
func (t *Tensor) LogicalNot() *Tensor { return t.unary("LogicalNot", atenLogicalNot) } // Bool: t == 0
func (t *Tensor) IsNaN() *Tensor      { return t.unary("IsNaN", atenIsnan) }           // Bool mask of NaNs
func (t *Tensor) IsInf() *Tensor      { return t.unary("IsInf", atenIsinf) }           // Bool mask of ±Inf
func (t *Tensor) IsFinite() *Tensor   { return t.unary("IsFinite", atenIsfinite) }     // Bool mask of finite values

// ReLU is max(t, 0).
func (t *Tensor) ReLU() *Tensor {
	var out C.tg_tensor
	check("ReLU", C.tg_relu(t.handle("ReLU"), &out))
	runtime.KeepAlive(t)
	return newTensor(out)
}

// In-place forms (PyTorch's trailing underscore): they modify t and return it.

func (t *Tensor) Neg_() *Tensor     { return t.inPlace("Neg_", atenNeg_) }
func (t *Tensor) Abs_() *Tensor     { return t.inPlace("Abs_", atenAbs_) }
func (t *Tensor) Exp_() *Tensor     { return t.inPlace("Exp_", atenExp_) }
func (t *Tensor) Log_() *Tensor     { return t.inPlace("Log_", atenLog_) }
func (t *Tensor) Sqrt_() *Tensor    { return t.inPlace("Sqrt_", atenSqrt_) }
func (t *Tensor) Sigmoid_() *Tensor { return t.inPlace("Sigmoid_", atenSigmoid_) }
func (t *Tensor) Tanh_() *Tensor    { return t.inPlace("Tanh_", atenTanh_) }
func (t *Tensor) Floor_() *Tensor   { return t.inPlace("Floor_", atenFloor_) }
func (t *Tensor) Round_() *Tensor   { return t.inPlace("Round_", atenRound_) }

// ReLU_ is ReLU in place; returns t.
func (t *Tensor) ReLU_() *Tensor {
	check("ReLU_", C.tg_relu_(t.handle("ReLU_")))
	runtime.KeepAlive(t)
	return t
}

var (
	atenAdd        = &lazyOp{name: "aten::add", overload: "Tensor"}
	atenSub        = &lazyOp{name: "aten::sub", overload: "Tensor"}
	atenMul        = &lazyOp{name: "aten::mul", overload: "Tensor"}
	atenDiv        = &lazyOp{name: "aten::div", overload: "Tensor"}
	atenDivMode    = &lazyOp{name: "aten::div", overload: "Tensor_mode"}
	atenRemainder  = &lazyOp{name: "aten::remainder", overload: "Tensor"}
	atenAtan2      = &lazyOp{name: "aten::atan2"}
	atenMaximum    = &lazyOp{name: "aten::maximum"}
	atenMinimum    = &lazyOp{name: "aten::minimum"}
	atenEq         = &lazyOp{name: "aten::eq", overload: "Tensor"}
	atenNe         = &lazyOp{name: "aten::ne", overload: "Tensor"}
	atenLt         = &lazyOp{name: "aten::lt", overload: "Tensor"}
	atenLe         = &lazyOp{name: "aten::le", overload: "Tensor"}
	atenGt         = &lazyOp{name: "aten::gt", overload: "Tensor"}
	atenGe         = &lazyOp{name: "aten::ge", overload: "Tensor"}
	atenLogicalAnd = &lazyOp{name: "aten::logical_and"}
	atenLogicalOr  = &lazyOp{name: "aten::logical_or"}
	atenLogicalXor = &lazyOp{name: "aten::logical_xor"}

	atenSub_       = &lazyOp{name: "aten::sub_", overload: "Tensor"}
	atenDiv_       = &lazyOp{name: "aten::div_", overload: "Tensor"}
	atenDivMode_   = &lazyOp{name: "aten::div_", overload: "Tensor_mode"}
	atenRemainder_ = &lazyOp{name: "aten::remainder_", overload: "Tensor"}
)

// Arithmetic with broadcasting. The ...Scalar forms take a Go integer, float
// or bool and promote types as Python does for `t + 2` or `t * 0.5`: the
// number is passed for the Tensor argument, which makes it a wrapped number
// as Python's argument parser does.

func (t *Tensor) Add(o *Tensor) *Tensor { return atenAdd.tensorAs("Add", t, o) }
func (t *Tensor) Sub(o *Tensor) *Tensor { return atenSub.tensorAs("Sub", t, o) }
func (t *Tensor) Mul(o *Tensor) *Tensor { return atenMul.tensorAs("Mul", t, o) }
func (t *Tensor) Div(o *Tensor) *Tensor { return atenDiv.tensorAs("Div", t, o) } // true division
func (t *Tensor) FloorDivide(o *Tensor) *Tensor {
	return atenDivMode.tensorAs("FloorDivide", t, o, "floor")
}
func (t *Tensor) Remainder(o *Tensor) *Tensor { return atenRemainder.tensorAs("Remainder", t, o) } // Python's %
func (t *Tensor) Atan2(o *Tensor) *Tensor     { return atenAtan2.tensorAs("Atan2", t, o) }
func (t *Tensor) Maximum(o *Tensor) *Tensor   { return atenMaximum.tensorAs("Maximum", t, o) }
func (t *Tensor) Minimum(o *Tensor) *Tensor   { return atenMinimum.tensorAs("Minimum", t, o) }

func (t *Tensor) AddScalar(s any) *Tensor {
	return atenAdd.tensorAs("AddScalar", t, num("AddScalar", s))
}
func (t *Tensor) SubScalar(s any) *Tensor {
	return atenSub.tensorAs("SubScalar", t, num("SubScalar", s))
}
func (t *Tensor) MulScalar(s any) *Tensor {
	return atenMul.tensorAs("MulScalar", t, num("MulScalar", s))
}
func (t *Tensor) DivScalar(s any) *Tensor {
	return atenDiv.tensorAs("DivScalar", t, num("DivScalar", s))
}
func (t *Tensor) RemainderScalar(s any) *Tensor {
	return atenRemainder.tensorAs("RemainderScalar", t, num("RemainderScalar", s))
}

// Pow is torch.pow(t, exponent), Python's t ** exponent: exponent is a
// *Tensor (pow.Tensor_Tensor) or a Go number (pow.Tensor_Scalar, with
// ATen's exact special cases for the exponents 2, 3, 0.5, -0.5, -1 and -2).
func (t *Tensor) Pow(exponent any) *Tensor {
	if e, ok := exponent.(*Tensor); ok {
		return atenPowTT.tensorAs("Pow", t, e)
	}
	return atenPowTS.tensorAs("Pow", t, num("Pow", exponent))
}

// PowScalar is Pow with a number exponent.
func (t *Tensor) PowScalar(s any) *Tensor {
	return atenPowTS.tensorAs("PowScalar", t, num("PowScalar", s))
}

var (
	atenPowTT = &lazyOp{name: "aten::pow", overload: "Tensor_Tensor"}
	atenPowTS = &lazyOp{name: "aten::pow", overload: "Tensor_Scalar"}
	atenPowS  = &lazyOp{name: "aten::pow", overload: "Scalar"}
	atenPowS_ = &lazyOp{name: "aten::pow_", overload: "Scalar"}
)

// Comparisons return Bool tensors.

func (t *Tensor) Eq(o *Tensor) *Tensor   { return atenEq.tensorAs("Eq", t, o) }
func (t *Tensor) Ne(o *Tensor) *Tensor   { return atenNe.tensorAs("Ne", t, o) }
func (t *Tensor) Lt(o *Tensor) *Tensor   { return atenLt.tensorAs("Lt", t, o) }
func (t *Tensor) Le(o *Tensor) *Tensor   { return atenLe.tensorAs("Le", t, o) }
func (t *Tensor) Gt(o *Tensor) *Tensor   { return atenGt.tensorAs("Gt", t, o) }
func (t *Tensor) Ge(o *Tensor) *Tensor   { return atenGe.tensorAs("Ge", t, o) }
func (t *Tensor) EqScalar(s any) *Tensor { return atenEq.tensorAs("EqScalar", t, num("EqScalar", s)) }
func (t *Tensor) NeScalar(s any) *Tensor { return atenNe.tensorAs("NeScalar", t, num("NeScalar", s)) }
func (t *Tensor) LtScalar(s any) *Tensor { return atenLt.tensorAs("LtScalar", t, num("LtScalar", s)) }
func (t *Tensor) LeScalar(s any) *Tensor { return atenLe.tensorAs("LeScalar", t, num("LeScalar", s)) }
func (t *Tensor) GtScalar(s any) *Tensor { return atenGt.tensorAs("GtScalar", t, num("GtScalar", s)) }
func (t *Tensor) GeScalar(s any) *Tensor { return atenGe.tensorAs("GeScalar", t, num("GeScalar", s)) }
func (t *Tensor) LogicalAnd(o *Tensor) *Tensor {
	return atenLogicalAnd.tensorAs("LogicalAnd", t, o)
}
func (t *Tensor) LogicalOr(o *Tensor) *Tensor { return atenLogicalOr.tensorAs("LogicalOr", t, o) }
func (t *Tensor) LogicalXor(o *Tensor) *Tensor {
	return atenLogicalXor.tensorAs("LogicalXor", t, o)
}

// In-place arithmetic: modifies t and returns it.

// Add_ adds o to t in place (direct: the optimizers' step) and returns t.
func (t *Tensor) Add_(o *Tensor) *Tensor {
	check("Add_", C.tg_add_(t.handle("Add_"), o.handle("Add_")))
	runtime.KeepAlive(t)
	runtime.KeepAlive(o)
	return t
}

// Mul_ multiplies t by o in place (direct) and returns t.
func (t *Tensor) Mul_(o *Tensor) *Tensor {
	check("Mul_", C.tg_mul_(t.handle("Mul_"), o.handle("Mul_")))
	runtime.KeepAlive(t)
	runtime.KeepAlive(o)
	return t
}

func (t *Tensor) Sub_(o *Tensor) *Tensor { return t.inPlace("Sub_", atenSub_, o) }
func (t *Tensor) Div_(o *Tensor) *Tensor { return t.inPlace("Div_", atenDiv_, o) }
func (t *Tensor) FloorDivide_(o *Tensor) *Tensor {
	return t.inPlace("FloorDivide_", atenDivMode_, o, "floor")
}
func (t *Tensor) Remainder_(o *Tensor) *Tensor { return t.inPlace("Remainder_", atenRemainder_, o) }

// AddScalar_ adds a number to t in place (direct) and returns t.
func (t *Tensor) AddScalar_(s any) *Tensor {
	check("AddScalar_", C.tg_add_scalar_(t.handle("AddScalar_"), scalar("AddScalar_", s)))
	runtime.KeepAlive(t)
	return t
}

// MulScalar_ multiplies t by a number in place (direct) and returns t.
func (t *Tensor) MulScalar_(s any) *Tensor {
	check("MulScalar_", C.tg_mul_scalar_(t.handle("MulScalar_"), scalar("MulScalar_", s)))
	runtime.KeepAlive(t)
	return t
}

func (t *Tensor) SubScalar_(s any) *Tensor {
	return t.inPlace("SubScalar_", atenSub_, num("SubScalar_", s))
}
func (t *Tensor) DivScalar_(s any) *Tensor {
	return t.inPlace("DivScalar_", atenDiv_, num("DivScalar_", s))
}

// PowScalar_ raises t to a number in place (pow_.Scalar) and returns t.
func (t *Tensor) PowScalar_(s any) *Tensor {
	return t.inPlace("PowScalar_", atenPowS_, num("PowScalar_", s))
}

// AddScaled_ adds alpha*o to t in place (torch's add_(o, alpha=alpha)) and returns t.
func (t *Tensor) AddScaled_(o *Tensor, alpha any) *Tensor {
	check("AddScaled_", C.tg_add_scaled_(t.handle("AddScaled_"), o.handle("AddScaled_"), scalar("AddScaled_", alpha)))
	runtime.KeepAlive(t)
	runtime.KeepAlive(o)
	return t
}

// Addcmul_ adds value*a*b to t in place and returns t.
func (t *Tensor) Addcmul_(a, b *Tensor, value any) *Tensor {
	check("Addcmul_", C.tg_addcmul_(t.handle("Addcmul_"), a.handle("Addcmul_"), b.handle("Addcmul_"), scalar("Addcmul_", value)))
	runtime.KeepAlive(t)
	runtime.KeepAlive(a)
	runtime.KeepAlive(b)
	return t
}

// Addcdiv_ adds value*a/b to t in place and returns t.
func (t *Tensor) Addcdiv_(a, b *Tensor, value any) *Tensor {
	check("Addcdiv_", C.tg_addcdiv_(t.handle("Addcdiv_"), a.handle("Addcdiv_"), b.handle("Addcdiv_"), scalar("Addcdiv_", value)))
	runtime.KeepAlive(t)
	runtime.KeepAlive(a)
	runtime.KeepAlive(b)
	return t
}

var atenLerp_ = &lazyOp{name: "aten::lerp_", overload: "Scalar"}

// Lerp_ moves t toward end by weight in place: t += weight*(end-t). Returns t.
func (t *Tensor) Lerp_(end *Tensor, weight any) *Tensor {
	return t.inPlace("Lerp_", atenLerp_, end, num("Lerp_", weight))
}

// Fill_ sets every element of t to v and returns t.
func (t *Tensor) Fill_(v any) *Tensor {
	check("Fill_", C.tg_fill_(t.handle("Fill_"), scalar("Fill_", v)))
	runtime.KeepAlive(t)
	return t
}

// Zero_ sets every element of t to zero and returns t.
func (t *Tensor) Zero_() *Tensor {
	check("Zero_", C.tg_zero_(t.handle("Zero_")))
	runtime.KeepAlive(t)
	return t
}

// Copy_ copies src's values into t (broadcasting, converting dtype and
// device) and returns t.
func (t *Tensor) Copy_(src *Tensor) *Tensor {
	check("Copy_", C.tg_copy_(t.handle("Copy_"), src.handle("Copy_")))
	runtime.KeepAlive(t)
	runtime.KeepAlive(src)
	return t
}

// PowOf returns base**t elementwise for a scalar base.
func PowOf(base any, t *Tensor) *Tensor { return atenPowS.tensorAs("PowOf", num("PowOf", base), t) }

var (
	atenClamp    = &lazyOp{name: "aten::clamp"}
	atenClamp_   = &lazyOp{name: "aten::clamp_"}
	atenWhere    = &lazyOp{name: "aten::where", overload: "self"}
	atenEqual    = &lazyOp{name: "aten::equal"}
	atenAllclose = &lazyOp{name: "aten::allclose"}
)

// clampBounds returns min and max as Scalar? arguments: nil is None.
func clampBounds(op string, min, max any) (any, any) {
	if min == nil && max == nil {
		panic(errorf(op, "at least one of min and max must be given"))
	}
	if min != nil {
		min = num(op, min)
	}
	if max != nil {
		max = num(op, max)
	}
	return min, max
}

// Clamp limits t's values to [min, max]; nil leaves that side open.
func (t *Tensor) Clamp(min, max any) *Tensor {
	lo, hi := clampBounds("Clamp", min, max)
	return atenClamp.tensorAs("Clamp", t, lo, hi)
}

// Clamp_ is Clamp in place; returns t.
func (t *Tensor) Clamp_(min, max any) *Tensor {
	lo, hi := clampBounds("Clamp_", min, max)
	return t.inPlace("Clamp_", atenClamp_, lo, hi)
}

// Where picks a's elements where cond is true and b's elsewhere, broadcasting all three.
func Where(cond, a, b *Tensor) *Tensor { return atenWhere.tensorAs("Where", cond, a, b) }

// Equal reports whether t and o have the same shape and elements.
func (t *Tensor) Equal(o *Tensor) bool { return atenEqual.as("Equal", t, o)[0].(bool) }

// AllClose reports whether |t-o| <= atol + rtol*|o| everywhere (torch.allclose).
func (t *Tensor) AllClose(o *Tensor, rtol, atol float64) bool {
	return atenAllclose.as("AllClose", t, o, rtol, atol, false)[0].(bool)
}

// MatMul is the matrix product with PyTorch's broadcasting rules (torch.matmul).
func (t *Tensor) MatMul(o *Tensor) *Tensor {
	var out C.tg_tensor
	check("MatMul", C.tg_matmul(t.handle("MatMul"), o.handle("MatMul"), &out))
	runtime.KeepAlive(t)
	runtime.KeepAlive(o)
	return newTensor(out)
}

// Erfinv is the inverse error function.
func (t *Tensor) Erfinv() *Tensor { return t.unary("Erfinv", atenErfinv) }

// Erfinv_ is Erfinv in place; returns t.
func (t *Tensor) Erfinv_() *Tensor { return t.inPlace("Erfinv_", atenErfinv_) }

// SetData points t at src's data, dtype and device while t keeps its
// identity (Python's `t.data = src`): what moving a module's parameters to
// another device or dtype does, so that references to t stay valid.
func (t *Tensor) SetData(src *Tensor) {
	check("SetData", C.tg_set_data(t.handle("SetData"), src.handle("SetData")))
	runtime.KeepAlive(t)
	runtime.KeepAlive(src)
}

var (
	atenUniform_   = &lazyOp{name: "aten::uniform_"}
	atenNormal_    = &lazyOp{name: "aten::normal_"}
	atenBernoulli_ = &lazyOp{name: "aten::bernoulli_", overload: "float"}
	atenRandom_    = &lazyOp{name: "aten::random_"}
)

// Uniform_ fills t with values drawn uniformly from [from, to), consuming
// gen (nil: the default generator) as tensor.uniform_ does. Returns t.
func (t *Tensor) Uniform_(from, to float64, gen *Generator) *Tensor {
	return t.inPlace("Uniform_", atenUniform_, from, to, gen)
}

// Normal_ fills t with normal values of the given mean and standard
// deviation, consuming gen (nil: the default generator). Returns t.
func (t *Tensor) Normal_(mean, std float64, gen *Generator) *Tensor {
	return t.inPlace("Normal_", atenNormal_, mean, std, gen)
}

// Bernoulli_ fills t with 1 with probability p and 0 otherwise. Returns t.
func (t *Tensor) Bernoulli_(p float64, gen *Generator) *Tensor {
	return t.inPlace("Bernoulli_", atenBernoulli_, p, gen)
}

// Random_ fills t with integers drawn uniformly from [0, 2^m], m being the
// dtype's mantissa bits (for Int64, [0, 2^63)), exactly as tensor.random_():
// DataLoader draws its per-epoch base seed this way. Returns t.
func (t *Tensor) Random_(gen *Generator) *Tensor { return t.inPlace("Random_", atenRandom_, gen) }
