package data

import (
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/torch"
)

// requireSame asserts a tensor equals Python's enc() output, dtype, shape
// and bytes.
func requireSame(t *testing.T, want pyref.Tensor, got any, name string) {
	t.Helper()
	g, ok := got.(*torch.Tensor)
	require.True(t, ok, "%s is a %T", name, got)
	require.Equal(t, want.DType, g.DType().String(), name)
	require.Equal(t, want.Shape, g.Shape(), name)
	require.Equal(t, want.Hex, hex.EncodeToString(g.Bytes()), name)
}

// DefaultCollate of mixed samples gives what default_collate gives: stacked
// tensors, Python ints/floats/bools and NumPy-typed scalars as tensors of
// the matching dtype, strings kept, nested tuples and dicts collated.
func TestDefaultCollateMatchesPyTorch(t *testing.T) {
	var want map[string]pyref.Tensor
	pyref.Run(t, `
import numpy as np
from torch.utils.data import default_collate
batch = [(torch.tensor([1., 2., 3.]) * k, k, 0.5 * k, k % 2 == 0, "s%d" % k,
          (k * 2, torch.full((2, 2), k, dtype=torch.int32)), {"a": k, "b": torch.tensor(k * 1.5)},
          np.float32(k / 4), np.int32(k), np.uint8(k)) for k in range(4)]
c = default_collate(batch)
assert list(c[4]) == ["s0", "s1", "s2", "s3"], c[4]
out({"tensor": enc(c[0]), "int": enc(c[1]), "float": enc(c[2]), "bool": enc(c[3]),
     "nested0": enc(c[5][0]), "nested1": enc(c[5][1]), "a": enc(c[6]["a"]), "b": enc(c[6]["b"]),
     "f32": enc(c[7]), "i32": enc(c[8]), "u8": enc(c[9])})
`, nil, &want)

	var samples []Sample
	for k := range 4 {
		samples = append(samples, Sample{
			torch.FromSlice([]float32{1, 2, 3}, nil).MulScalar(k), k, 0.5 * float64(k), k%2 == 0, "s" + string(rune('0'+k)),
			Sample{int64(k * 2), torch.Full([]int64{2, 2}, k, torch.Int32)},
			map[string]any{"a": k, "b": torch.Scalar(float32(k) * 1.5)},
			float32(k) / 4, int32(k), uint8(k),
		})
	}
	b, err := DefaultCollate(samples)
	require.NoError(t, err)
	defer b.Close()
	require.Len(t, b, 10)
	requireSame(t, want["tensor"], b[0], "tensor")
	requireSame(t, want["int"], b[1], "int")
	requireSame(t, want["float"], b[2], "float")
	requireSame(t, want["bool"], b[3], "bool")
	require.Equal(t, []string{"s0", "s1", "s2", "s3"}, b[4])
	nested, ok := b[5].(Batch)
	require.True(t, ok)
	requireSame(t, want["nested0"], nested[0], "nested0")
	requireSame(t, want["nested1"], nested[1], "nested1")
	m, ok := b[6].(map[string]any)
	require.True(t, ok)
	requireSame(t, want["a"], m["a"], "a")
	requireSame(t, want["b"], m["b"], "b")
	requireSame(t, want["f32"], b[7], "f32")
	requireSame(t, want["i32"], b[8], "i32")
	requireSame(t, want["u8"], b[9], "u8")
	require.Same(t, b[0], b.Tensor(0))
}

func TestDefaultCollateBadInput(t *testing.T) {
	x := torch.Zeros([]int64{3})
	y := torch.Zeros([]int64{4})
	for _, c := range []struct {
		name    string
		samples []Sample
		msg     string
	}{
		{"none", nil, "data: DefaultCollate: no samples"},
		{"widths", []Sample{{1, 2}, {1}}, "data: collate: each sample in a batch should have the same number of fields: sample 0 has 2, sample 1 has 1"},
		{"types", []Sample{{1, x}, {2, 2.5}}, "data: collate field 1: sample 0 has a *torch.Tensor, sample 1 a float64"},
		{"shapes", []Sample{{x}, {y}}, "data: collate field 0: torch: Stack: stack expects each tensor to be equal size"},
		{"unsupported", []Sample{{struct{}{}}}, "data: collate field 0: cannot collate a struct {}"},
		{"nil tensor", []Sample{{x}, {(*torch.Tensor)(nil)}}, "sample 1's tensor is nil"},
		{"missing key", []Sample{{map[string]any{"a": 1}}, {map[string]any{"b": 1}}}, `data: collate field 0: sample 1 has no key "a"`},
		{"nested", []Sample{{Sample{1, "a"}}, {Sample{1, 2}}}, "data: collate field 0 field 1: sample 0 has a string, sample 1 a int"},
		{"overflow", []Sample{{uint64(1) << 63}}, "overflows int64"},
	} {
		_, err := DefaultCollate(c.samples)
		require.Error(t, err, c.name)
		require.Contains(t, err.Error(), c.msg, c.name)
	}
	require.PanicsWithValue(t, "data: Batch.Tensor(0): field 0 is a []string, not a *torch.Tensor", func() { Batch{[]string{"a"}}.Tensor(0) })
	require.PanicsWithValue(t, "data: Batch.Tensor(2): the batch has 1 fields", func() { Batch{x}.Tensor(2) })
}
