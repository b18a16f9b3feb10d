package torch

/*
#include "shim.h"
*/
import "C"

import "runtime"

// The helpers below are the one place each kind of op crosses into C; every
// method is a one-liner over them, so the pattern stays uniform.

func (t *Tensor) unary(op string, code C.int) *Tensor {
	var out C.tg_tensor
	check(op, C.tg_unary(code, t.handle(op), &out))
	runtime.KeepAlive(t)
	return newTensor(out)
}

func (t *Tensor) unaryInPlace(op string, code C.int) *Tensor {
	check(op, C.tg_unary_(code, t.handle(op)))
	runtime.KeepAlive(t)
	return t
}

func (t *Tensor) binary(op string, code C.int, o *Tensor) *Tensor {
	var out C.tg_tensor
	check(op, C.tg_binary(code, t.handle(op), o.handle(op), &out))
	runtime.KeepAlive(t)
	runtime.KeepAlive(o)
	return newTensor(out)
}

func (t *Tensor) binaryScalar(op string, code C.int, s any) *Tensor {
	var out C.tg_tensor
	check(op, C.tg_binary_scalar(code, t.handle(op), scalar(op, s), &out))
	runtime.KeepAlive(t)
	return newTensor(out)
}

func (t *Tensor) binaryInPlace(op string, code C.int, o *Tensor) *Tensor {
	check(op, C.tg_binary_(code, t.handle(op), o.handle(op)))
	runtime.KeepAlive(t)
	runtime.KeepAlive(o)
	return t
}

func (t *Tensor) binaryScalarInPlace(op string, code C.int, s any) *Tensor {
	check(op, C.tg_binary_scalar_(code, t.handle(op), scalar(op, s)))
	runtime.KeepAlive(t)
	return t
}

// Elementwise functions, each returning a new tensor.

func (t *Tensor) Neg() *Tensor        { return t.unary("Neg", C.TG_NEG) }                // -t
func (t *Tensor) Abs() *Tensor        { return t.unary("Abs", C.TG_ABS) }                // |t|
func (t *Tensor) Exp() *Tensor        { return t.unary("Exp", C.TG_EXP) }                // e^t
func (t *Tensor) Log() *Tensor        { return t.unary("Log", C.TG_LOG) }                // natural logarithm
func (t *Tensor) Sqrt() *Tensor       { return t.unary("Sqrt", C.TG_SQRT) }              // square root
func (t *Tensor) Rsqrt() *Tensor      { return t.unary("Rsqrt", C.TG_RSQRT) }            // 1/sqrt(t)
func (t *Tensor) Sin() *Tensor        { return t.unary("Sin", C.TG_SIN) }                // sine, radians
func (t *Tensor) Cos() *Tensor        { return t.unary("Cos", C.TG_COS) }                // cosine, radians
func (t *Tensor) Tanh() *Tensor       { return t.unary("Tanh", C.TG_TANH) }              // hyperbolic tangent
func (t *Tensor) Sigmoid() *Tensor    { return t.unary("Sigmoid", C.TG_SIGMOID) }        // 1/(1+e^-t)
func (t *Tensor) ReLU() *Tensor       { return t.unary("ReLU", C.TG_RELU) }              // max(t, 0)
func (t *Tensor) Floor() *Tensor      { return t.unary("Floor", C.TG_FLOOR) }            // round down
func (t *Tensor) Ceil() *Tensor       { return t.unary("Ceil", C.TG_CEIL) }              // round up
func (t *Tensor) Round() *Tensor      { return t.unary("Round", C.TG_ROUND) }            // round half to even
func (t *Tensor) Trunc() *Tensor      { return t.unary("Trunc", C.TG_TRUNC) }            // round toward zero
func (t *Tensor) Sign() *Tensor       { return t.unary("Sign", C.TG_SIGN) }              // -1, 0 or 1
func (t *Tensor) Reciprocal() *Tensor { return t.unary("Reciprocal", C.TG_RECIPROCAL) }  // 1/t
func (t *Tensor) Square() *Tensor     { return t.unary("Square", C.TG_SQUARE) }          // t*t
func (t *Tensor) Log1p() *Tensor      { return t.unary("Log1p", C.TG_LOG1P) }            // log(1+t)
func (t *Tensor) Expm1() *Tensor      { return t.unary("Expm1", C.TG_EXPM1) }            // e^t - 1
func (t *Tensor) Log2() *Tensor       { return t.unary("Log2", C.TG_LOG2) }              // base-2 logarithm
func (t *Tensor) Log10() *Tensor      { return t.unary("Log10", C.TG_LOG10) }            // base-10 logarithm
func (t *Tensor) Erf() *Tensor        { return t.unary("Erf", C.TG_ERF) }                // error function
func (t *Tensor) SiLU() *Tensor       { return t.unary("SiLU", C.TG_SILU) }              // t*sigmoid(t)
func (t *Tensor) LogicalNot() *Tensor { return t.unary("LogicalNot", C.TG_LOGICAL_NOT) } // Bool: t == 0
func (t *Tensor) IsNaN() *Tensor      { return t.unary("IsNaN", C.TG_ISNAN) }            // Bool mask of NaNs
func (t *Tensor) IsInf() *Tensor      { return t.unary("IsInf", C.TG_ISINF) }            // Bool mask of ±Inf
func (t *Tensor) IsFinite() *Tensor   { return t.unary("IsFinite", C.TG_ISFINITE) }      // Bool mask of finite values

// In-place forms (PyTorch's trailing underscore): they modify t and return it.

func (t *Tensor) Neg_() *Tensor     { return t.unaryInPlace("Neg_", C.TG_NEG) }
func (t *Tensor) Abs_() *Tensor     { return t.unaryInPlace("Abs_", C.TG_ABS) }
func (t *Tensor) Exp_() *Tensor     { return t.unaryInPlace("Exp_", C.TG_EXP) }
func (t *Tensor) Log_() *Tensor     { return t.unaryInPlace("Log_", C.TG_LOG) }
func (t *Tensor) Sqrt_() *Tensor    { return t.unaryInPlace("Sqrt_", C.TG_SQRT) }
func (t *Tensor) Sigmoid_() *Tensor { return t.unaryInPlace("Sigmoid_", C.TG_SIGMOID) }
func (t *Tensor) Tanh_() *Tensor    { return t.unaryInPlace("Tanh_", C.TG_TANH) }
func (t *Tensor) ReLU_() *Tensor    { return t.unaryInPlace("ReLU_", C.TG_RELU) }
func (t *Tensor) Floor_() *Tensor   { return t.unaryInPlace("Floor_", C.TG_FLOOR) }
func (t *Tensor) Round_() *Tensor   { return t.unaryInPlace("Round_", C.TG_ROUND) }

// Arithmetic with broadcasting. The ...Scalar forms take a Go integer, float
// or bool and promote types as Python does for `t + 2` or `t * 0.5`.

func (t *Tensor) Add(o *Tensor) *Tensor         { return t.binary("Add", C.TG_ADD, o) }
func (t *Tensor) Sub(o *Tensor) *Tensor         { return t.binary("Sub", C.TG_SUB, o) }
func (t *Tensor) Mul(o *Tensor) *Tensor         { return t.binary("Mul", C.TG_MUL, o) }
func (t *Tensor) Div(o *Tensor) *Tensor         { return t.binary("Div", C.TG_DIV, o) } // true division
func (t *Tensor) FloorDivide(o *Tensor) *Tensor { return t.binary("FloorDivide", C.TG_FLOOR_DIVIDE, o) }
func (t *Tensor) Remainder(o *Tensor) *Tensor   { return t.binary("Remainder", C.TG_REMAINDER, o) } // Python's %
func (t *Tensor) Atan2(o *Tensor) *Tensor       { return t.binary("Atan2", C.TG_ATAN2, o) }
func (t *Tensor) Maximum(o *Tensor) *Tensor     { return t.binary("Maximum", C.TG_MAXIMUM, o) }
func (t *Tensor) Minimum(o *Tensor) *Tensor     { return t.binary("Minimum", C.TG_MINIMUM, o) }

func (t *Tensor) AddScalar(s any) *Tensor { return t.binaryScalar("AddScalar", C.TG_ADD, s) }
func (t *Tensor) SubScalar(s any) *Tensor { return t.binaryScalar("SubScalar", C.TG_SUB, s) }
func (t *Tensor) MulScalar(s any) *Tensor { return t.binaryScalar("MulScalar", C.TG_MUL, s) }
func (t *Tensor) DivScalar(s any) *Tensor { return t.binaryScalar("DivScalar", C.TG_DIV, s) }
func (t *Tensor) RemainderScalar(s any) *Tensor {
	return t.binaryScalar("RemainderScalar", C.TG_REMAINDER, s)
}

// Pow is torch.pow(t, exponent), Python's t ** exponent: exponent is a
// *Tensor (pow.Tensor_Tensor) or a Go number (pow.Tensor_Scalar, with
// ATen's exact special cases for the exponents 2, 3, 0.5, -0.5, -1 and -2).
func (t *Tensor) Pow(exponent any) *Tensor {
	if e, ok := exponent.(*Tensor); ok {
		return atenPowTT.call(t, e)[0].(*Tensor)
	}
	return atenPowTS.call(t, exponent)[0].(*Tensor)
}

// PowScalar is Pow with a number exponent.
func (t *Tensor) PowScalar(s any) *Tensor { return atenPowTS.call(t, s)[0].(*Tensor) }

var (
	atenPowTT = &lazyOp{name: "aten::pow", overload: "Tensor_Tensor"}
	atenPowTS = &lazyOp{name: "aten::pow", overload: "Tensor_Scalar"}
	atenPowS_ = &lazyOp{name: "aten::pow_", overload: "Scalar"}
)

// Comparisons return Bool tensors.

func (t *Tensor) Eq(o *Tensor) *Tensor         { return t.binary("Eq", C.TG_EQ, o) }
func (t *Tensor) Ne(o *Tensor) *Tensor         { return t.binary("Ne", C.TG_NE, o) }
func (t *Tensor) Lt(o *Tensor) *Tensor         { return t.binary("Lt", C.TG_LT, o) }
func (t *Tensor) Le(o *Tensor) *Tensor         { return t.binary("Le", C.TG_LE, o) }
func (t *Tensor) Gt(o *Tensor) *Tensor         { return t.binary("Gt", C.TG_GT, o) }
func (t *Tensor) Ge(o *Tensor) *Tensor         { return t.binary("Ge", C.TG_GE, o) }
func (t *Tensor) EqScalar(s any) *Tensor       { return t.binaryScalar("EqScalar", C.TG_EQ, s) }
func (t *Tensor) NeScalar(s any) *Tensor       { return t.binaryScalar("NeScalar", C.TG_NE, s) }
func (t *Tensor) LtScalar(s any) *Tensor       { return t.binaryScalar("LtScalar", C.TG_LT, s) }
func (t *Tensor) LeScalar(s any) *Tensor       { return t.binaryScalar("LeScalar", C.TG_LE, s) }
func (t *Tensor) GtScalar(s any) *Tensor       { return t.binaryScalar("GtScalar", C.TG_GT, s) }
func (t *Tensor) GeScalar(s any) *Tensor       { return t.binaryScalar("GeScalar", C.TG_GE, s) }
func (t *Tensor) LogicalAnd(o *Tensor) *Tensor { return t.binary("LogicalAnd", C.TG_LOGICAL_AND, o) }
func (t *Tensor) LogicalOr(o *Tensor) *Tensor  { return t.binary("LogicalOr", C.TG_LOGICAL_OR, o) }
func (t *Tensor) LogicalXor(o *Tensor) *Tensor { return t.binary("LogicalXor", C.TG_LOGICAL_XOR, o) }

// In-place arithmetic: modifies t and returns it.

func (t *Tensor) Add_(o *Tensor) *Tensor { return t.binaryInPlace("Add_", C.TG_ADD, o) }
func (t *Tensor) Sub_(o *Tensor) *Tensor { return t.binaryInPlace("Sub_", C.TG_SUB, o) }
func (t *Tensor) Mul_(o *Tensor) *Tensor { return t.binaryInPlace("Mul_", C.TG_MUL, o) }
func (t *Tensor) Div_(o *Tensor) *Tensor { return t.binaryInPlace("Div_", C.TG_DIV, o) }
func (t *Tensor) FloorDivide_(o *Tensor) *Tensor {
	return t.binaryInPlace("FloorDivide_", C.TG_FLOOR_DIVIDE, o)
}
func (t *Tensor) Remainder_(o *Tensor) *Tensor {
	return t.binaryInPlace("Remainder_", C.TG_REMAINDER, o)
}
func (t *Tensor) AddScalar_(s any) *Tensor { return t.binaryScalarInPlace("AddScalar_", C.TG_ADD, s) }
func (t *Tensor) SubScalar_(s any) *Tensor { return t.binaryScalarInPlace("SubScalar_", C.TG_SUB, s) }
func (t *Tensor) MulScalar_(s any) *Tensor { return t.binaryScalarInPlace("MulScalar_", C.TG_MUL, s) }
func (t *Tensor) DivScalar_(s any) *Tensor { return t.binaryScalarInPlace("DivScalar_", C.TG_DIV, s) }

// PowScalar_ raises t to a number in place (pow_.Scalar) and returns t.
func (t *Tensor) PowScalar_(s any) *Tensor {
	atenPowS_.call(t, s)[0].(*Tensor).Close()
	return t
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

// Lerp_ moves t toward end by weight in place: t += weight*(end-t). Returns t.
func (t *Tensor) Lerp_(end *Tensor, weight any) *Tensor {
	check("Lerp_", C.tg_lerp_(t.handle("Lerp_"), end.handle("Lerp_"), scalar("Lerp_", weight)))
	runtime.KeepAlive(t)
	runtime.KeepAlive(end)
	return t
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
func PowOf(base any, t *Tensor) *Tensor {
	var out C.tg_tensor
	check("PowOf", C.tg_pow_scalar_base(scalar("PowOf", base), t.handle("PowOf"), &out))
	runtime.KeepAlive(t)
	return newTensor(out)
}

func clampBounds(op string, min, max any) (*C.tg_scalar, *C.tg_scalar) {
	var lo, hi *C.tg_scalar
	if min != nil {
		s := scalar(op, min)
		lo = &s
	}
	if max != nil {
		s := scalar(op, max)
		hi = &s
	}
	if lo == nil && hi == nil {
		panic(errorf(op, "at least one of min and max must be given"))
	}
	return lo, hi
}

// Clamp limits t's values to [min, max]; nil leaves that side open.
func (t *Tensor) Clamp(min, max any) *Tensor {
	lo, hi := clampBounds("Clamp", min, max)
	var out C.tg_tensor
	check("Clamp", C.tg_clamp(t.handle("Clamp"), lo, hi, &out))
	runtime.KeepAlive(t)
	return newTensor(out)
}

// Clamp_ is Clamp in place; returns t.
func (t *Tensor) Clamp_(min, max any) *Tensor {
	lo, hi := clampBounds("Clamp_", min, max)
	check("Clamp_", C.tg_clamp_(t.handle("Clamp_"), lo, hi))
	runtime.KeepAlive(t)
	return t
}

// Where picks a's elements where cond is true and b's elsewhere, broadcasting all three.
func Where(cond, a, b *Tensor) *Tensor {
	var out C.tg_tensor
	check("Where", C.tg_where(cond.handle("Where"), a.handle("Where"), b.handle("Where"), &out))
	runtime.KeepAlive(cond)
	runtime.KeepAlive(a)
	runtime.KeepAlive(b)
	return newTensor(out)
}

// Equal reports whether t and o have the same shape and elements.
func (t *Tensor) Equal(o *Tensor) bool {
	var r C.int
	check("Equal", C.tg_equal(t.handle("Equal"), o.handle("Equal"), &r))
	runtime.KeepAlive(t)
	runtime.KeepAlive(o)
	return r != 0
}

// AllClose reports whether |t-o| <= atol + rtol*|o| everywhere (torch.allclose).
func (t *Tensor) AllClose(o *Tensor, rtol, atol float64) bool {
	var r C.int
	check("AllClose", C.tg_allclose(t.handle("AllClose"), o.handle("AllClose"), C.double(rtol), C.double(atol), 0, &r))
	runtime.KeepAlive(t)
	runtime.KeepAlive(o)
	return r != 0
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
func (t *Tensor) Erfinv() *Tensor { return t.unary("Erfinv", C.TG_ERFINV) }

// Erfinv_ is Erfinv in place; returns t.
func (t *Tensor) Erfinv_() *Tensor { return t.unaryInPlace("Erfinv_", C.TG_ERFINV) }

// SetData points t at src's data, dtype and device while t keeps its
// identity (Python's `t.data = src`): what moving a module's parameters to
// another device or dtype does, so that references to t stay valid.
func (t *Tensor) SetData(src *Tensor) {
	check("SetData", C.tg_set_data(t.handle("SetData"), src.handle("SetData")))
	runtime.KeepAlive(t)
	runtime.KeepAlive(src)
}

// Uniform_ fills t with values drawn uniformly from [from, to), consuming
// gen (nil: the default generator) as tensor.uniform_ does. Returns t.
func (t *Tensor) Uniform_(from, to float64, gen *Generator) *Tensor {
	check("Uniform_", C.tg_uniform_(t.handle("Uniform_"), C.double(from), C.double(to), gen.cHandle()))
	runtime.KeepAlive(t)
	runtime.KeepAlive(gen)
	return t
}

// Normal_ fills t with normal values of the given mean and standard
// deviation, consuming gen (nil: the default generator). Returns t.
func (t *Tensor) Normal_(mean, std float64, gen *Generator) *Tensor {
	check("Normal_", C.tg_normal_(t.handle("Normal_"), C.double(mean), C.double(std), gen.cHandle()))
	runtime.KeepAlive(t)
	runtime.KeepAlive(gen)
	return t
}

// Bernoulli_ fills t with 1 with probability p and 0 otherwise. Returns t.
func (t *Tensor) Bernoulli_(p float64, gen *Generator) *Tensor {
	check("Bernoulli_", C.tg_bernoulli_(t.handle("Bernoulli_"), C.double(p), gen.cHandle()))
	runtime.KeepAlive(t)
	runtime.KeepAlive(gen)
	return t
}

// Random_ fills t with integers drawn uniformly from [0, 2^m], m being the
// dtype's mantissa bits (for Int64, [0, 2^63)), exactly as tensor.random_():
// DataLoader draws its per-epoch base seed this way. Returns t.
func (t *Tensor) Random_(gen *Generator) *Tensor {
	check("Random_", C.tg_random_(t.handle("Random_"), gen.cHandle()))
	runtime.KeepAlive(t)
	runtime.KeepAlive(gen)
	return t
}
