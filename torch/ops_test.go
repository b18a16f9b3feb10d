package torch

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
)

// opCase is one operation computed in Go and, by the Python expression py,
// in PyTorch, on the same inputs: a, b (3×4 randn), p (3×4 positive), i (3×4
// int64), m (bool mask 3×4), v (4-vector), w (4×5), s (5 sorted values).
type opCase struct {
	name string
	py   string
	gof  func(in map[string]*Tensor) *Tensor
}

// inputs builds the operands from seeded generators, in Go and (the same
// recipe) in Python: the streams are libtorch's, so both sides are equal.
func inputs() map[string]*Tensor {
	g := NewGenerator(7)
	a := Randn([]int64{3, 4}, g)
	b := Randn([]int64{3, 4}, g)
	p := Rand([]int64{3, 4}, g).AddScalar(0.1)
	i := Randint(-5, 6, []int64{3, 4}, g)
	m := Rand([]int64{3, 4}, g).GtScalar(0.5)
	v := Randn([]int64{4}, g)
	w := Randn([]int64{4, 5}, g)
	s := Arange(0.0, 5.0, 1.0).MulScalar(0.5)
	return map[string]*Tensor{"a": a, "b": b, "p": p, "i": i, "m": m, "v": v, "w": w, "s": s}
}

const inputsPy = `
g = torch.Generator().manual_seed(7)
a = torch.randn(3, 4, generator=g)
b = torch.randn(3, 4, generator=g)
p = torch.rand(3, 4, generator=g) + 0.1
i = torch.randint(-5, 6, (3, 4), generator=g)
m = torch.rand(3, 4, generator=g) > 0.5
v = torch.randn(4, generator=g)
w = torch.randn(4, 5, generator=g)
s = torch.arange(0.0, 5.0, 1.0) * 0.5
`

func one(f func(x *Tensor) *Tensor, name string) func(map[string]*Tensor) *Tensor {
	return func(in map[string]*Tensor) *Tensor { return f(in[name]) }
}

var opCases = []opCase{
	// elementwise
	{"Neg", "-a", one((*Tensor).Neg, "a")},
	{"Abs", "a.abs()", one((*Tensor).Abs, "a")},
	{"Exp", "a.exp()", one((*Tensor).Exp, "a")},
	{"Log", "p.log()", one((*Tensor).Log, "p")},
	{"Sqrt", "p.sqrt()", one((*Tensor).Sqrt, "p")},
	{"Rsqrt", "p.rsqrt()", one((*Tensor).Rsqrt, "p")},
	{"Sin", "a.sin()", one((*Tensor).Sin, "a")},
	{"Cos", "a.cos()", one((*Tensor).Cos, "a")},
	{"Tanh", "a.tanh()", one((*Tensor).Tanh, "a")},
	{"Sigmoid", "a.sigmoid()", one((*Tensor).Sigmoid, "a")},
	{"ReLU", "a.relu()", one((*Tensor).ReLU, "a")},
	{"Floor", "a.floor()", one((*Tensor).Floor, "a")},
	{"Ceil", "a.ceil()", one((*Tensor).Ceil, "a")},
	{"Round", "(a*3).round()", func(in map[string]*Tensor) *Tensor { return in["a"].MulScalar(3).Round() }},
	{"Trunc", "a.trunc()", one((*Tensor).Trunc, "a")},
	{"Sign", "a.sign()", one((*Tensor).Sign, "a")},
	{"Reciprocal", "p.reciprocal()", one((*Tensor).Reciprocal, "p")},
	{"Square", "a.square()", one((*Tensor).Square, "a")},
	{"Log1p", "p.log1p()", one((*Tensor).Log1p, "p")},
	{"Expm1", "a.expm1()", one((*Tensor).Expm1, "a")},
	{"Log2", "p.log2()", one((*Tensor).Log2, "p")},
	{"Log10", "p.log10()", one((*Tensor).Log10, "p")},
	{"Erf", "a.erf()", one((*Tensor).Erf, "a")},
	{"SiLU", "torch.nn.functional.silu(a)", one((*Tensor).SiLU, "a")},
	{"LogicalNot", "m.logical_not()", one((*Tensor).LogicalNot, "m")},
	{"IsNaN", "(p.log() * 0 / 0).isnan()", func(in map[string]*Tensor) *Tensor { return in["p"].Log().MulScalar(0).DivScalar(0).IsNaN() }},
	{"IsFinite", "(a / 0).isfinite()", func(in map[string]*Tensor) *Tensor { return in["a"].DivScalar(0).IsFinite() }},
	{"IsInf", "(a / 0).isinf()", func(in map[string]*Tensor) *Tensor { return in["a"].DivScalar(0).IsInf() }},
	// binary, broadcasting, scalars with Python's promotion
	{"Add", "a + b", func(in map[string]*Tensor) *Tensor { return in["a"].Add(in["b"]) }},
	{"AddBroadcast", "a + v", func(in map[string]*Tensor) *Tensor { return in["a"].Add(in["v"]) }},
	{"Sub", "a - b", func(in map[string]*Tensor) *Tensor { return in["a"].Sub(in["b"]) }},
	{"Mul", "a * b", func(in map[string]*Tensor) *Tensor { return in["a"].Mul(in["b"]) }},
	{"Div", "a / b", func(in map[string]*Tensor) *Tensor { return in["a"].Div(in["b"]) }},
	{"DivInt", "i / 2", func(in map[string]*Tensor) *Tensor { return in["i"].DivScalar(2) }},
	{"FloorDivide", "torch.div(i, 3, rounding_mode='floor')", func(in map[string]*Tensor) *Tensor { return in["i"].FloorDivide(Scalar(3)) }},
	{"Remainder", "a % 0.7", func(in map[string]*Tensor) *Tensor { return in["a"].RemainderScalar(0.7) }},
	{"Pow", "p ** b", func(in map[string]*Tensor) *Tensor { return in["p"].Pow(in["b"]) }},
	{"PowScalar", "a ** 2", func(in map[string]*Tensor) *Tensor { return in["a"].PowScalar(2) }},
	{"Pow3", "a ** 3", func(in map[string]*Tensor) *Tensor { return in["a"].Pow(3) }},
	{"PowHalf", "p ** 0.5", func(in map[string]*Tensor) *Tensor { return in["p"].Pow(0.5) }},
	{"PowMinus2", "p ** -2", func(in map[string]*Tensor) *Tensor { return in["p"].Pow(-2) }},
	{"PowInt", "i ** 2", func(in map[string]*Tensor) *Tensor { return in["i"].Pow(2) }},
	{"PowScalar_", "p.clone().pow_(3)", func(in map[string]*Tensor) *Tensor { return in["p"].Clone().PowScalar_(3) }},
	{"PowOf", "2 ** a", func(in map[string]*Tensor) *Tensor { return PowOf(2, in["a"]) }},
	{"Atan2", "a.atan2(b)", func(in map[string]*Tensor) *Tensor { return in["a"].Atan2(in["b"]) }},
	{"Maximum", "torch.maximum(a, b)", func(in map[string]*Tensor) *Tensor { return in["a"].Maximum(in["b"]) }},
	{"Minimum", "torch.minimum(a, b)", func(in map[string]*Tensor) *Tensor { return in["a"].Minimum(in["b"]) }},
	{"IntPlusInt", "i + 2", func(in map[string]*Tensor) *Tensor { return in["i"].AddScalar(2) }},
	{"IntPlusFloat", "i + 2.5", func(in map[string]*Tensor) *Tensor { return in["i"].AddScalar(2.5) }},
	{"IntTimesTensor", "i * a", func(in map[string]*Tensor) *Tensor { return in["i"].Mul(in["a"]) }},
	{"SubScalar", "a - 1", func(in map[string]*Tensor) *Tensor { return in["a"].SubScalar(1) }},
	{"MulScalar", "a * 0.5", func(in map[string]*Tensor) *Tensor { return in["a"].MulScalar(0.5) }},
	{"Eq", "a == b", func(in map[string]*Tensor) *Tensor { return in["a"].Eq(in["b"]) }},
	{"Ne", "i != 0", func(in map[string]*Tensor) *Tensor { return in["i"].NeScalar(0) }},
	{"Lt", "a < b", func(in map[string]*Tensor) *Tensor { return in["a"].Lt(in["b"]) }},
	{"Le", "a <= 0", func(in map[string]*Tensor) *Tensor { return in["a"].LeScalar(0) }},
	{"Gt", "a > b", func(in map[string]*Tensor) *Tensor { return in["a"].Gt(in["b"]) }},
	{"Ge", "i >= 1", func(in map[string]*Tensor) *Tensor { return in["i"].GeScalar(1) }},
	{"EqScalar", "i == 2", func(in map[string]*Tensor) *Tensor { return in["i"].EqScalar(2) }},
	{"LogicalAnd", "m.logical_and(a > 0)", func(in map[string]*Tensor) *Tensor { return in["m"].LogicalAnd(in["a"].GtScalar(0)) }},
	{"LogicalOr", "m.logical_or(a > 0)", func(in map[string]*Tensor) *Tensor { return in["m"].LogicalOr(in["a"].GtScalar(0)) }},
	{"LogicalXor", "m.logical_xor(a > 0)", func(in map[string]*Tensor) *Tensor { return in["m"].LogicalXor(in["a"].GtScalar(0)) }},
	{"Where", "torch.where(m, a, b)", func(in map[string]*Tensor) *Tensor { return Where(in["m"], in["a"], in["b"]) }},
	{"Clamp", "a.clamp(-0.5, 0.5)", func(in map[string]*Tensor) *Tensor { return in["a"].Clamp(-0.5, 0.5) }},
	{"ClampMin", "a.clamp(min=0)", func(in map[string]*Tensor) *Tensor { return in["a"].Clamp(0, nil) }},
	{"ClampIntMax", "i.clamp(max=2)", func(in map[string]*Tensor) *Tensor { return in["i"].Clamp(nil, 2) }},
	{"MatMul", "a @ w", func(in map[string]*Tensor) *Tensor { return in["a"].MatMul(in["w"]) }},
	{"MatVec", "a @ v", func(in map[string]*Tensor) *Tensor { return in["a"].MatMul(in["v"]) }},
	// in place
	{"Add_", "a.clone().add_(b)", func(in map[string]*Tensor) *Tensor { return in["a"].Clone().Add_(in["b"]) }},
	{"AddScaled_", "a.clone().add_(b, alpha=-0.1)", func(in map[string]*Tensor) *Tensor { return in["a"].Clone().AddScaled_(in["b"], -0.1) }},
	{"Addcmul_", "a.clone().addcmul_(b, p, value=0.3)", func(in map[string]*Tensor) *Tensor { return in["a"].Clone().Addcmul_(in["b"], in["p"], 0.3) }},
	{"Addcdiv_", "a.clone().addcdiv_(b, p, value=-2)", func(in map[string]*Tensor) *Tensor { return in["a"].Clone().Addcdiv_(in["b"], in["p"], -2) }},
	{"Lerp_", "a.clone().lerp_(b, 0.25)", func(in map[string]*Tensor) *Tensor { return in["a"].Clone().Lerp_(in["b"], 0.25) }},
	{"MulScalar_", "a.clone().mul_(3)", func(in map[string]*Tensor) *Tensor { return in["a"].Clone().MulScalar_(3) }},
	{"Fill_", "a.clone().fill_(2.5)", func(in map[string]*Tensor) *Tensor { return in["a"].Clone().Fill_(2.5) }},
	{"Zero_", "a.clone().zero_()", func(in map[string]*Tensor) *Tensor { return in["a"].Clone().Zero_() }},
	{"Copy_", "torch.zeros(3, 4, dtype=torch.float64).copy_(a)", func(in map[string]*Tensor) *Tensor { return Zeros([]int64{3, 4}, Float64).Copy_(in["a"]) }},
	{"Clamp_", "a.clone().clamp_(min=-0.2)", func(in map[string]*Tensor) *Tensor { return in["a"].Clone().Clamp_(-0.2, nil) }},
	{"Exp_", "a.clone().exp_()", func(in map[string]*Tensor) *Tensor { return in["a"].Clone().Exp_() }},
	// reductions
	{"Sum", "a.sum()", one((*Tensor).Sum, "a")},
	{"SumInt", "i.sum()", one((*Tensor).Sum, "i")},
	{"SumDim", "a.sum(1)", func(in map[string]*Tensor) *Tensor { return in["a"].SumDim([]int64{1}, false) }},
	{"SumDimKeep", "a.sum((0, 1), keepdim=True)", func(in map[string]*Tensor) *Tensor { return in["a"].SumDim([]int64{0, 1}, true) }},
	{"Mean", "a.mean()", one((*Tensor).Mean, "a")},
	{"MeanDim", "a.mean(0, keepdim=True)", func(in map[string]*Tensor) *Tensor { return in["a"].MeanDim([]int64{0}, true) }},
	{"Prod", "p.prod()", one((*Tensor).Prod, "p")},
	{"ProdDim", "p.prod(1)", func(in map[string]*Tensor) *Tensor { return in["p"].ProdDim(1, false) }},
	{"Max", "a.max()", one((*Tensor).Max, "a")},
	{"Min", "i.min()", one((*Tensor).Min, "i")},
	{"MaxDimValues", "a.max(1).values", func(in map[string]*Tensor) *Tensor { v, _ := in["a"].MaxDim(1, false); return v }},
	{"MaxDimIndices", "a.max(1).indices", func(in map[string]*Tensor) *Tensor { _, i := in["a"].MaxDim(1, false); return i }},
	{"MinDimKeep", "a.min(0, keepdim=True).values", func(in map[string]*Tensor) *Tensor { v, _ := in["a"].MinDim(0, true); return v }},
	{"Amax", "a.amax((0, 1))", func(in map[string]*Tensor) *Tensor { return in["a"].Amax([]int64{0, 1}, false) }},
	{"Argmax", "a.argmax()", one((*Tensor).Argmax, "a")},
	{"ArgmaxDim", "a.argmax(1)", func(in map[string]*Tensor) *Tensor { return in["a"].ArgmaxDim(1, false) }},
	{"ArgminDim", "a.argmin(0, keepdim=True)", func(in map[string]*Tensor) *Tensor { return in["a"].ArgminDim(0, true) }},
	{"Std", "a.std()", func(in map[string]*Tensor) *Tensor { return in["a"].Std(true) }},
	{"StdBiased", "a.std(unbiased=False)", func(in map[string]*Tensor) *Tensor { return in["a"].Std(false) }},
	{"StdDim", "a.std(1, keepdim=True)", func(in map[string]*Tensor) *Tensor { return in["a"].StdDim([]int64{1}, true, true) }},
	{"Var", "a.var()", func(in map[string]*Tensor) *Tensor { return in["a"].Var(true) }},
	{"VarDim", "a.var(0, unbiased=False)", func(in map[string]*Tensor) *Tensor { return in["a"].VarDim([]int64{0}, false, false) }},
	{"LogSumExp", "a.logsumexp(1)", func(in map[string]*Tensor) *Tensor { return in["a"].LogSumExp([]int64{1}, false) }},
	{"All", "m.all()", one((*Tensor).All, "m")},
	{"Any", "m.any()", one((*Tensor).Any, "m")},
	{"Norm", "a.norm()", one((*Tensor).Norm, "a")},
	{"TopKValues", "a.topk(2, 1).values", func(in map[string]*Tensor) *Tensor { v, _ := in["a"].TopK(2, 1, true, true); return v }},
	{"SortIndices", "a.sort(1, descending=True).indices", func(in map[string]*Tensor) *Tensor { _, i := in["a"].Sort(1, true); return i }},
	{"CumSum", "a.cumsum(1)", func(in map[string]*Tensor) *Tensor { return in["a"].CumSum(1) }},
	// shape ops
	{"View", "a.view(4, 3)", func(in map[string]*Tensor) *Tensor { return in["a"].View(4, 3) }},
	{"ViewInfer", "a.view(-1)", func(in map[string]*Tensor) *Tensor { return in["a"].View(-1) }},
	{"Reshape", "a.t().reshape(2, 6)", func(in map[string]*Tensor) *Tensor { return in["a"].Transpose(0, 1).Reshape(2, 6) }},
	{"Unsqueeze", "a.unsqueeze(1)", func(in map[string]*Tensor) *Tensor { return in["a"].Unsqueeze(1) }},
	{"Squeeze", "a.unsqueeze(0).unsqueeze(2).squeeze()", func(in map[string]*Tensor) *Tensor { return in["a"].Unsqueeze(0).Unsqueeze(2).Squeeze() }},
	{"SqueezeDim", "a.unsqueeze(0).squeeze(0)", func(in map[string]*Tensor) *Tensor { return in["a"].Unsqueeze(0).SqueezeDim(0) }},
	{"Permute", "a.unsqueeze(2).permute(2, 0, 1)", func(in map[string]*Tensor) *Tensor { return in["a"].Unsqueeze(2).Permute(2, 0, 1) }},
	{"Transpose", "a.transpose(0, 1)", func(in map[string]*Tensor) *Tensor { return in["a"].Transpose(0, 1) }},
	{"Flatten", "a.unsqueeze(0).flatten(1)", func(in map[string]*Tensor) *Tensor { return in["a"].Unsqueeze(0).Flatten(1, -1) }},
	{"Contiguous", "a.t().contiguous()", func(in map[string]*Tensor) *Tensor { return in["a"].Transpose(0, 1).Contiguous() }},
	{"Narrow", "a.narrow(1, 1, 2)", func(in map[string]*Tensor) *Tensor { return in["a"].Narrow(1, 1, 2) }},
	{"Slice", "a[:, 1::2]", func(in map[string]*Tensor) *Tensor { return in["a"].Slice(1, 1, End, 2) }},
	{"SliceNegative", "a[-2:]", func(in map[string]*Tensor) *Tensor { return in["a"].Slice(0, -2, End, 1) }},
	{"Select", "a[:, 2]", func(in map[string]*Tensor) *Tensor { return in["a"].Select(1, 2) }},
	{"IndexSelect", "a.index_select(1, torch.tensor([3, 0, 0]))", func(in map[string]*Tensor) *Tensor {
		return in["a"].IndexSelect(1, FromSlice([]int64{3, 0, 0}, nil))
	}},
	{"IndexLong", "a[torch.tensor([2, 0])]", func(in map[string]*Tensor) *Tensor { return in["a"].Index(FromSlice([]int64{2, 0}, nil)) }},
	{"IndexMask", "a[m]", func(in map[string]*Tensor) *Tensor { return in["a"].Index(in["m"]) }},
	{"IndexPut_", "a.clone().index_put_((m,), torch.tensor(9.0))", func(in map[string]*Tensor) *Tensor {
		return in["a"].Clone().IndexPut_(in["m"], Scalar(9.0))
	}},
	{"MaskedFill", "a.masked_fill(m, -1)", func(in map[string]*Tensor) *Tensor { return in["a"].MaskedFill(in["m"], -1) }},
	{"Gather", "a.gather(1, torch.tensor([[0], [3], [1]]))", func(in map[string]*Tensor) *Tensor {
		return in["a"].Gather(1, FromSlice([]int64{0, 3, 1}, []int64{3, 1}))
	}},
	{"Cat", "torch.cat([a, b], 1)", func(in map[string]*Tensor) *Tensor { return Cat([]*Tensor{in["a"], in["b"]}, 1) }},
	{"Stack", "torch.stack([a, b])", func(in map[string]*Tensor) *Tensor { return Stack([]*Tensor{in["a"], in["b"]}, 0) }},
	{"Expand", "v.expand(3, -1)", func(in map[string]*Tensor) *Tensor { return in["v"].Expand(3, -1) }},
	{"Repeat", "v.repeat(2, 2)", func(in map[string]*Tensor) *Tensor { return in["v"].Repeat(2, 2) }},
	{"Chunk1", "a.chunk(3, 1)[1]", func(in map[string]*Tensor) *Tensor { return in["a"].Chunk(3, 1)[1] }},
	{"ChunkLast", "a.chunk(3, 1)[-1]", func(in map[string]*Tensor) *Tensor { c := in["a"].Chunk(3, 1); return c[len(c)-1] }},
	{"Split", "a.split(3, 1)[1]", func(in map[string]*Tensor) *Tensor { return in["a"].Split(3, 1)[1] }},
	{"SplitSizes", "a.split([1, 3], 1)[1]", func(in map[string]*Tensor) *Tensor { return in["a"].SplitSizes([]int64{1, 3}, 1)[1] }},
	// conversions
	{"ToFloat64", "a.double()", func(in map[string]*Tensor) *Tensor { return in["a"].To(Float64) }},
	{"ToHalf", "a.half()", func(in map[string]*Tensor) *Tensor { return in["a"].To(Float16) }},
	{"ToBFloat16", "a.bfloat16()", func(in map[string]*Tensor) *Tensor { return in["a"].To(BFloat16) }},
	{"ToInt32", "(a * 10).to(torch.int32)", func(in map[string]*Tensor) *Tensor { return in["a"].MulScalar(10).To(Int32) }},
	{"ToUint8", "i.to(torch.uint8)", func(in map[string]*Tensor) *Tensor { return in["i"].To(Uint8) }},
	{"ToInt8", "i.to(torch.int8)", func(in map[string]*Tensor) *Tensor { return in["i"].To(Int8) }},
	{"ToInt16", "i.to(torch.int16)", func(in map[string]*Tensor) *Tensor { return in["i"].To(Int16) }},
	{"BoolToFloat", "m.float()", func(in map[string]*Tensor) *Tensor { return in["m"].To(Float32) }},
	{"Detach", "a.detach()", one((*Tensor).Detach, "a")},
	// nn functions on the operands
	{"Softmax", "a.softmax(1)", func(in map[string]*Tensor) *Tensor { return Softmax(in["a"], 1) }},
	{"LogSoftmax", "a.log_softmax(0)", func(in map[string]*Tensor) *Tensor { return LogSoftmax(in["a"], 0) }},
	{"LeakyReLU", "torch.nn.functional.leaky_relu(a, 0.2)", func(in map[string]*Tensor) *Tensor { return LeakyReLU(in["a"], 0.2) }},
	{"GELU", "torch.nn.functional.gelu(a)", func(in map[string]*Tensor) *Tensor { return GELU(in["a"], false) }},
	{"GELUTanh", "torch.nn.functional.gelu(a, approximate='tanh')", func(in map[string]*Tensor) *Tensor { return GELU(in["a"], true) }},
	{"Linear", "torch.nn.functional.linear(a, w.t(), s[:4] if False else None)", func(in map[string]*Tensor) *Tensor { return Linear(in["a"], in["w"].Transpose(0, 1), nil) }},
	{"OneHot", "torch.nn.functional.one_hot(i.clamp(0, 5))", func(in map[string]*Tensor) *Tensor { return OneHot(in["i"].Clamp(0, 5), -1) }},
	{"Pad", "torch.nn.functional.pad(a, (1, 2), value=0.5)", func(in map[string]*Tensor) *Tensor { return Pad(in["a"], []int64{1, 2}, PadConstant, 0.5) }},
	{"PadReflect", "torch.nn.functional.pad(a.unsqueeze(0), (2, 1), mode='reflect')", func(in map[string]*Tensor) *Tensor {
		return Pad(in["a"].Unsqueeze(0), []int64{2, 1}, PadReflect, 0)
	}},
	{"MSELoss", "torch.nn.functional.mse_loss(a, b)", func(in map[string]*Tensor) *Tensor { return MSELoss(in["a"], in["b"], ReduceMean) }},
	{"L1LossSum", "torch.nn.functional.l1_loss(a, b, reduction='sum')", func(in map[string]*Tensor) *Tensor { return L1Loss(in["a"], in["b"], ReduceSum) }},
	{"SmoothL1", "torch.nn.functional.smooth_l1_loss(a, b, beta=0.5)", func(in map[string]*Tensor) *Tensor { return SmoothL1Loss(in["a"], in["b"], ReduceMean, 0.5) }},
	{"BCE", "torch.nn.functional.binary_cross_entropy(a.sigmoid(), m.float())", func(in map[string]*Tensor) *Tensor {
		return BinaryCrossEntropy(in["a"].Sigmoid(), in["m"].To(Float32), nil, ReduceMean)
	}},
	{"BCEWithLogits", "torch.nn.functional.binary_cross_entropy_with_logits(a, m.float(), pos_weight=p[0])", func(in map[string]*Tensor) *Tensor {
		return BinaryCrossEntropyWithLogits(in["a"], in["m"].To(Float32), nil, in["p"].Select(0, 0), ReduceMean)
	}},
	{"KLDiv", "torch.nn.functional.kl_div(a.log_softmax(1), b.softmax(1), reduction='sum')", func(in map[string]*Tensor) *Tensor {
		return KLDiv(LogSoftmax(in["a"], 1), Softmax(in["b"], 1), ReduceSum, false)
	}},
	{"CrossEntropy", "torch.nn.functional.cross_entropy(a, torch.tensor([0, 3, 1]))", func(in map[string]*Tensor) *Tensor {
		return CrossEntropy(in["a"], FromSlice([]int64{0, 3, 1}, nil), CrossEntropyOptions{})
	}},
	{"CrossEntropyFull", "torch.nn.functional.cross_entropy(a, torch.tensor([0, 3, 1]), weight=p[1], ignore_index=3, label_smoothing=0.1, reduction='sum')", func(in map[string]*Tensor) *Tensor {
		return CrossEntropy(in["a"], FromSlice([]int64{0, 3, 1}, nil), CrossEntropyOptions{Weight: in["p"].Select(0, 1), IgnoreIndex: ptr[int64](3), LabelSmoothing: 0.1, Reduction: ReduceSum})
	}},
	{"NLLLoss", "torch.nn.functional.nll_loss(a.log_softmax(1), torch.tensor([1, 1, 2]), reduction='none')", func(in map[string]*Tensor) *Tensor {
		return NLLLoss(LogSoftmax(in["a"], 1), FromSlice([]int64{1, 1, 2}, nil), nil, DefaultIgnoreIndex, ReduceNone)
	}},
}

func TestOpsMatchPyTorch(t *testing.T) {
	var script string
	script += inputsPy + "\nres = {}\n"
	for _, c := range opCases {
		script += fmt.Sprintf("res[%q] = enc(%s)\n", c.name, c.py)
	}
	script += "out(res)\n"
	var want map[string]pyref.Tensor
	pyref.Run(t, script, nil, &want)
	in := inputs()
	for _, c := range opCases {
		t.Run(c.name, func(t *testing.T) {
			w, ok := want[c.name]
			require.True(t, ok)
			requireSameTensor(t, w, c.gof(in), c.py)
		})
	}
}
