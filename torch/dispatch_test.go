package torch

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
)

// Boxed calls through the dispatcher give Python's results bit for bit,
// overloads chosen as torch.ops.aten chooses them, keyword arguments and
// the schema's defaults included.
func TestCallOpMatchesPyTorch(t *testing.T) {
	cases := []struct {
		py  string
		go_ func(in map[string]*Tensor) *Tensor
	}{
		{"torch.ops.aten.add(a, b, alpha=2)", func(in map[string]*Tensor) *Tensor { return first(CallOp("add", in["a"], in["b"], Kw{"alpha": 2})) }},
		{"a ** 3", func(in map[string]*Tensor) *Tensor { return first(CallOp("pow", in["a"], 3)) }},
		{"a ** 2", func(in map[string]*Tensor) *Tensor { return first(CallOp("pow", in["a"], 2)) }},
		{"p ** 0.5", func(in map[string]*Tensor) *Tensor { return first(CallOp("pow", in["p"], 0.5)) }},
		{"p ** -2", func(in map[string]*Tensor) *Tensor { return first(CallOp("pow", in["p"], -2)) }},
		{"a.tril()", func(in map[string]*Tensor) *Tensor { return first(CallOp("tril", in["a"])) }},
		{"a.triu(1)", func(in map[string]*Tensor) *Tensor { return first(CallOp("triu", in["a"], 1)) }},
		{"a.t()", func(in map[string]*Tensor) *Tensor { return first(CallOp("t", in["a"])).Contiguous() }},
		{"torch.dot(v, v)", func(in map[string]*Tensor) *Tensor { return first(CallOp("dot", in["v"], in["v"])) }},
		{"a.new_zeros((2, 3))", func(in map[string]*Tensor) *Tensor { return first(CallOp("new_zeros", in["a"], []int64{2, 3})) }},
		{"torch.baddbmm(a.reshape(1,3,4), a.reshape(1,3,4), w.reshape(1,4,5)[:, :, :4], beta=0.5, alpha=2)", func(in map[string]*Tensor) *Tensor {
			x := in["a"].Reshape(1, 3, 4)
			return first(CallOp("baddbmm", x, x, first(CallOp("slice", in["w"].Reshape(1, 4, 5), 2, 0, 4)), Kw{"beta": 0.5, "alpha": 2}))
		}},
		{"a.sum(dim=1, keepdim=True)", func(in map[string]*Tensor) *Tensor { return first(CallOp("sum", in["a"], []int64{1}, true)) }},
		{"a.sum(dtype=torch.float64)", func(in map[string]*Tensor) *Tensor { return first(CallOp("sum", in["a"], Kw{"dtype": Float64})) }},
		{"torch.cat([a, b], 1)", func(in map[string]*Tensor) *Tensor { return first(CallOp("cat", []*Tensor{in["a"], in["b"]}, 1)) }},
		{"torch.div(i, 3, rounding_mode='floor')", func(in map[string]*Tensor) *Tensor {
			return first(CallOp("div", in["i"], 3, Kw{"rounding_mode": "floor"}))
		}},
		{"torch.max(a, 1)[1]", func(in map[string]*Tensor) *Tensor { return CallOp("max", in["a"], 1)[1].(*Tensor) }},
		{"torch.unsafe_chunk(a, 2, 1)[1]", func(in map[string]*Tensor) *Tensor {
			return CallOp("unsafe_chunk", in["a"], 2, 1)[0].([]*Tensor)[1].Contiguous()
		}},
		{"a.view_as(b.reshape(4, 3))", func(in map[string]*Tensor) *Tensor { return first(CallOp("view_as", in["a"], in["b"].Reshape(4, 3))) }},
		{"a[m]", func(in map[string]*Tensor) *Tensor { return first(CallOp("index", in["a"], []*Tensor{in["m"]})) }},
		{"torch.where(m, a, b)", func(in map[string]*Tensor) *Tensor { return first(CallOp("where", in["m"], in["a"], in["b"])) }},
		{"torch.nn.functional.gelu(a, approximate='tanh')", func(in map[string]*Tensor) *Tensor { return first(CallOp("gelu", in["a"], Kw{"approximate": "tanh"})) }},
	}
	script := inputsPy + "\nres = []\n"
	for _, c := range cases {
		script += fmt.Sprintf("res.append(enc(%s))\n", c.py)
	}
	script += "out(res)\n"
	var want []pyref.Tensor
	pyref.Run(t, script, nil, &want)
	in := inputs()
	for i, c := range cases {
		requireSameTensor(t, want[i], c.go_(in), c.py)
	}
}

func first(r []any) *Tensor { return r[0].(*Tensor) }

// Autograd records boxed calls as it records direct ones.
func TestCallOpRecordsAutograd(t *testing.T) {
	x := FromSlice([]float32{1, 2, 3}, []int64{3}).SetRequiresGrad(true)
	y := first(CallOp("pow", x, 3))
	first(CallOp("sum", y)).Backward()
	require.Equal(t, []float32{3, 12, 27}, x.Grad().Float32s())
}

// Unknown ops and arguments that fit no schema are errors naming the
// schemas; a missing required argument names itself.
func TestCallOpErrors(t *testing.T) {
	x := FromSlice([]float32{1, 2}, []int64{2})
	err := Catch(func() error { CallOp("no_such_op", x); return nil })
	require.ErrorContains(t, err, "unknown operator no_such_op")
	err = Catch(func() error { CallOp("add", x, "two"); return nil })
	require.ErrorContains(t, err, "no overload of aten::add accepts (*torch.Tensor, string)")
	require.ErrorContains(t, err, "aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor")
	_, err = FindOp("aten::add", "NoSuchOverload")
	require.ErrorContains(t, err, "unknown operator aten::add.NoSuchOverload")
	err = Catch(func() error { MustFindOp("add", "Tensor").Call(x); return nil })
	require.ErrorContains(t, err, "argument 'other' (Tensor) is required")
	require.ErrorContains(t, err, "schema: aten::add.Tensor")
	err = Catch(func() error { MustFindOp("add", "Tensor").Call(x, x, Kw{"alpah": 2}); return nil })
	require.ErrorContains(t, err, `no argument named "alpah"`)
	// Integer MIN // -1 is refused on the boxed path too.
	err = Catch(func() error {
		CallOp("floor_divide", FromSlice([]int64{-1 << 63}, []int64{1}), FromSlice([]int64{-1}, []int64{1}))
		return nil
	})
	require.ErrorContains(t, err, "integer overflow")
	err = Catch(func() error {
		CallOp("div", FromSlice([]int64{-1 << 63}, []int64{1}), -1, Kw{"rounding_mode": "trunc"})
		return nil
	})
	require.ErrorContains(t, err, "integer overflow")
}

// The registry lists aten's schemas; an op's arguments carry their types,
// defaults and keyword-only flags.
func TestSchemas(t *testing.T) {
	all := Schemas()
	require.Greater(t, len(all), 2500)
	n := 0
	for _, s := range all {
		if strings.HasPrefix(s, "aten::") {
			n++
		}
	}
	require.Greater(t, n, 2500)
	o := MustFindOp("aten::sum", "dim_IntList")
	require.Equal(t, "aten::sum.dim_IntList(Tensor self, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor", o.Schema)
	require.Equal(t, OpArg{Name: "dim", Type: "int[]?", N: 1, box: "int[]?"}, withoutDefault(o.Args[1]))
	require.Equal(t, "ScalarType?", o.Args[3].Type)
	require.True(t, o.Args[3].KwargOnly && o.Args[3].HasDefault && o.Args[3].Optional())
	require.Equal(t, "None", o.Args[3].Default)
	require.True(t, MustFindOp("add_", "Tensor").Args[0].Writes)
}

func withoutDefault(a OpArg) OpArg { a.HasDefault, a.Default = false, ""; return a }

// The boxed path against a direct call of the same kernel.
func BenchmarkAddBoxed(b *testing.B) {
	x := FromSlice([]float32{1, 2, 3, 4}, []int64{4})
	o := MustFindOp("aten::add", "Tensor")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		WithScope(func(*Scope) { o.Call(x, x) })
	}
}

func BenchmarkAddDirect(b *testing.B) {
	x := FromSlice([]float32{1, 2, 3, 4}, []int64{4})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		WithScope(func(*Scope) { x.Add(x) })
	}
}

// The in-place add_ of the optimizers' step: boxed, and through Add_ (a
// direct entry point of the shim).
func BenchmarkAddInPlaceBoxed(b *testing.B) {
	x := FromSlice([]float32{1, 2, 3, 4}, []int64{4})
	y := ZerosLike(x)
	o := MustFindOp("aten::add_", "Tensor")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		WithScope(func(*Scope) { o.Call(x, y) })
	}
}

// The same add_ through the path of the hand-written in-place wrappers,
// which drops the op's result (self) in C++.
func BenchmarkAddInPlaceWrapped(b *testing.B) {
	x := FromSlice([]float32{1, 2, 3, 4}, []int64{4})
	y := ZerosLike(x)
	op := &lazyOp{name: "aten::add_", overload: "Tensor"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		WithScope(func(*Scope) { op.inPlaceAs("Add_", x, y) })
	}
}

func BenchmarkAddInPlaceDirect(b *testing.B) {
	x := FromSlice([]float32{1, 2, 3, 4}, []int64{4})
	y := ZerosLike(x)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		WithScope(func(*Scope) { x.Add_(y) })
	}
}

// Some backward formulas return efficient zero tensors, which hold no
// memory: reading one gives zeros (it used to dereference NULL).
func TestEfficientZeroGradReads(t *testing.T) {
	x := Randn([]int64{3, 4}, nil).SetRequiresGrad(true)
	y := first(CallOp("sgn", x))
	g := AutogradGrad([]*Tensor{y}, []*Tensor{x}, GradOptions{GradOutputs: []*Tensor{OnesLike(y)}})
	require.Equal(t, make([]float32, 12), g[0].Float32s())
}

// A lazily conjugated view reads as its conjugated values.
func TestConjViewReads(t *testing.T) {
	x := first(CallOp("complex", FromSlice([]float32{1, 2}, []int64{2}), FromSlice([]float32{3, -4}, []int64{2})))
	c := first(CallOp("conj", x))
	require.Equal(t, true, CallOp("is_conj", c)[0])
	want := FromSlice([]float32{1, -3, 2, 4}, []int64{2, 2})
	got := FromBytes(c.Bytes(), Float32, []int64{2, 2})
	require.Equal(t, want.Float32s(), got.Float32s())
}
