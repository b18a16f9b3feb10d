package pt

import (
	"archive/zip"
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// naiveContiguous gathers elements one by one from their strided address.
func naiveContiguous(t *Tensor) []byte {
	es := int64(t.DType().ElementSize())
	var out []byte
	n := t.Numel()
	idx := make([]int64, len(t.Shape))
	for i := int64(0); i < n; i++ {
		rem := i
		for d := len(t.Shape) - 1; d >= 0; d-- {
			idx[d] = rem % t.Shape[d]
			rem /= t.Shape[d]
		}
		p := t.Offset
		for d := range idx {
			p += idx[d] * t.Stride[d]
		}
		out = append(out, t.Storage.Data[p*es:(p+1)*es]...)
	}
	return out
}

func TestContiguous(t *testing.T) {
	st := &Storage{DType: Int16, Data: testBytes(2*60, 1)}
	views := []*Tensor{
		{Shape: []int64{3, 4, 5}, Stride: []int64{20, 5, 1}},
		{Shape: []int64{5, 4, 3}, Stride: []int64{1, 5, 20}},
		{Offset: 7, Shape: []int64{2, 3}, Stride: []int64{10, 3}},
		{Offset: 59, Shape: []int64{}, Stride: []int64{}},
		{Offset: 2, Shape: []int64{4, 1, 2}, Stride: []int64{0, 99, 1}},
		{Offset: 3, Shape: []int64{2, 0, 2}, Stride: []int64{1, 1, 1}},
		{Shape: []int64{60}, Stride: []int64{1}},
		{Offset: 1, Shape: []int64{29}, Stride: []int64{2}},
	}
	for i, v := range views {
		v.Storage = st
		require.NoError(t, v.Validate(), i)
		got := v.Contiguous()
		want := naiveContiguous(v)
		if want == nil {
			want = []byte{}
		}
		require.Equal(t, want, got, "view %d", i)
		require.Len(t, got, int(v.Numel())*2)
	}
	require.True(t, views[0].IsContiguous())
	require.False(t, views[1].IsContiguous())
	require.True(t, (&Tensor{Storage: st, Shape: []int64{1, 3}, Stride: []int64{7, 1}}).IsContiguous())
	require.Panics(t, func() { (&Tensor{Storage: st, Shape: []int64{61}, Stride: []int64{1}}).Contiguous() })
}

func TestNewTensor(t *testing.T) {
	x, err := NewTensor(Float64, []int64{2, 3}, make([]byte, 48))
	require.NoError(t, err)
	require.Equal(t, []int64{3, 1}, x.Stride)
	require.Equal(t, int64(6), x.Numel())
	require.Equal(t, "cpu", x.Storage.Device)
	s, err := NewTensor(Bool, nil, []byte{1})
	require.NoError(t, err)
	require.Equal(t, int64(1), s.Numel())
	_, err = NewTensor(Float32, []int64{2}, make([]byte, 7))
	require.Error(t, err)
	_, err = NewTensor(Float32, []int64{-1}, nil)
	require.Error(t, err)
	_, err = NewTensor(Float32, []int64{1 << 62, 4}, nil)
	require.Error(t, err)
	_, err = NewTensor(Invalid, nil, nil)
	require.Error(t, err)
	require.Equal(t, []int64{12, 4, 1, 1}, ContiguousStrides([]int64{2, 3, 4, 1}))
	require.Equal(t, []int64{1, 1}, ContiguousStrides([]int64{0, 0}))
}

func TestDTypes(t *testing.T) {
	names := map[DType]string{Float32: "float32", Float64: "float64", Float16: "float16", BFloat16: "bfloat16",
		Int8: "int8", Int16: "int16", Int32: "int32", Int64: "int64", Uint8: "uint8", Bool: "bool",
		Complex64: "complex64", Complex128: "complex128"}
	sizes := map[DType]int{Float32: 4, Float64: 8, Float16: 2, BFloat16: 2, Int8: 1, Int16: 2, Int32: 4, Int64: 8,
		Uint8: 1, Bool: 1, Complex64: 8, Complex128: 16}
	require.Len(t, names, int(numDTypes)-1)
	for d, n := range names {
		require.Equal(t, n, d.String())
		require.Equal(t, sizes[d], d.ElementSize())
		p, ok := ParseDType("torch." + n)
		require.True(t, ok)
		require.Equal(t, d, p)
	}
	require.Equal(t, "DType(0)", Invalid.String())
	require.Zero(t, DType(99).ElementSize())
	d, ok := ParseDType("long")
	require.True(t, ok)
	require.Equal(t, Int64, d)
}

func TestOrderedDict(t *testing.T) {
	var d OrderedDict // the zero value is usable
	require.NoError(t, d.Set("b", 1))
	require.NoError(t, d.Set(int64(3), 2))
	require.NoError(t, d.Set("a", 3))
	require.NoError(t, d.Set("b", 4)) // keeps its place
	require.NoError(t, d.Set(Tuple{int64(1), Tuple{"x"}}, 5))
	require.NoError(t, d.Set(0.5, 6))
	require.NoError(t, d.Set(nil, 7))
	require.Equal(t, []any{"b", int64(3), "a", Tuple{int64(1), Tuple{"x"}}, 0.5, nil}, d.Keys())
	require.Equal(t, []any{4, 2, 3, 5, 6, 7}, d.Values())
	v, ok := d.Get(Tuple{int64(1), Tuple{"x"}})
	require.True(t, ok)
	require.Equal(t, 5, v)
	_, ok = d.Get(Tuple{int64(1), "x"})
	require.False(t, ok)
	_, ok = d.Get([]any{})
	require.False(t, ok)
	require.Error(t, d.Set([]any{}, 1))
	require.Error(t, d.Set(NewDict(), 1))
	require.Error(t, d.Set(Tuple{[]any{}}, 1))
	require.Panics(t, func() { d.MustSet(Set{}, 1) })
	require.Equal(t, 6, d.Len())
	require.False(t, d.Plain)
	require.True(t, NewDict().Plain)
}

func TestFlatten(t *testing.T) {
	x := mustTensor(t, Float32, []int64{1}, f32(1))
	inner := NewOrderedDict()
	inner.MustSet(int64(0), x)
	inner.MustSet(true, "t")
	top := NewDict()
	top.MustSet("state", inner)
	top.MustSet("list", []any{x, Tuple{}, map[string]any{"z": 1, "a": nil}})
	top.MustSet("empty", NewDict())
	ts, vs, err := Flatten(top)
	require.NoError(t, err)
	require.Equal(t, []NamedTensor{{"state.0", x}, {"list.0", x}}, ts)
	require.Equal(t, []NamedValue{{"state.True", "t"}, {"list.1", Tuple{}}, {"list.2.a", nil}, {"list.2.z", 1}, {"empty", NewDict()}}, vs)

	ts, vs, err = Flatten(x)
	require.NoError(t, err)
	require.Equal(t, []NamedTensor{{"", x}}, ts)
	require.Empty(t, vs)

	cyc := make([]any, 1)
	cyc[0] = cyc
	_, _, err = Flatten(cyc)
	require.ErrorContains(t, err, "nested deeper")
}

func TestZipWriterZip64EntryCount(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 70000 entries")
	}
	var buf bytes.Buffer
	z := newZipWriter(&buf)
	const n = 70000
	for i := 0; i < n; i++ {
		require.NoError(t, z.add(fmt.Sprintf("archive/data/%d", i), []byte{byte(i)}))
	}
	require.NoError(t, z.close())
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	require.NoError(t, err)
	require.Len(t, zr.File, n)
	f := zr.File[n-1]
	off, err := f.DataOffset()
	require.NoError(t, err)
	require.Zero(t, off%64)
	rc, err := f.Open()
	require.NoError(t, err)
	b := make([]byte, 2)
	k, _ := rc.Read(b)
	require.Equal(t, []byte{byte((n - 1) % 256)}, b[:k])
}
