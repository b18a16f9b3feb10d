package torch

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
)

func TestCreationMatchesPyTorch(t *testing.T) {
	var want map[string]pyref.Tensor
	pyref.Run(t, `
res = {}
res["zeros"] = enc(torch.zeros(2, 3))
res["ones_i32"] = enc(torch.ones(4, dtype=torch.int32))
res["full_int"] = enc(torch.full((2, 2), 7))
res["full_float"] = enc(torch.full((3,), 2.5))
res["full_bool"] = enc(torch.full((2,), True))
res["arange_int"] = enc(torch.arange(0, 10, 3))
res["arange_float"] = enc(torch.arange(0, 1, 0.1))
res["arange_neg"] = enc(torch.arange(5, -5, -2))
res["arange_f64"] = enc(torch.arange(1, 2, 0.25, dtype=torch.float64))
res["linspace"] = enc(torch.linspace(-1, 1, 7))
res["eye"] = enc(torch.eye(3, 4))
res["eye_bool"] = enc(torch.eye(2, 2, dtype=torch.bool))
res["scalar_int"] = enc(torch.tensor(5))
res["scalar_float"] = enc(torch.tensor(5.5))
res["scalar_bool"] = enc(torch.tensor(False))
res["empty_shape"] = enc(torch.zeros(0, 3))
res["slice_f32"] = enc(torch.tensor([1.5, -2.0, 3.25]))
res["slice_f64"] = enc(torch.tensor([[1.5, -2.0], [3.25, 4.0]], dtype=torch.float64))
res["slice_i64"] = enc(torch.tensor([1, -2, 3]))
res["slice_i32"] = enc(torch.tensor([1, -2, 3], dtype=torch.int32))
res["slice_i16"] = enc(torch.tensor([1, -2, 3], dtype=torch.int16))
res["slice_i8"] = enc(torch.tensor([1, -2, 3], dtype=torch.int8))
res["slice_u8"] = enc(torch.tensor([1, 2, 255], dtype=torch.uint8))
res["slice_bool"] = enc(torch.tensor([True, False, True]))
res["slice_to_half"] = enc(torch.tensor([1.5, -2.0, 3.1]).half())
res["slice_to_bf16"] = enc(torch.tensor([1.5, -2.0, 3.1]).bfloat16())
out(res)
`, nil, &want)
	cases := map[string]*Tensor{
		"zeros":         Zeros([]int64{2, 3}),
		"ones_i32":      Ones([]int64{4}, Int32),
		"full_int":      Full([]int64{2, 2}, 7),
		"full_float":    Full([]int64{3}, 2.5),
		"full_bool":     Full([]int64{2}, true),
		"arange_int":    Arange(0, 10, 3),
		"arange_float":  Arange(0, 1, 0.1),
		"arange_neg":    Arange(5, -5, -2),
		"arange_f64":    Arange(1, 2, 0.25, Float64),
		"linspace":      Linspace(-1, 1, 7),
		"eye":           Eye(3, 4),
		"eye_bool":      Eye(2, 2, Bool),
		"scalar_int":    Scalar(5),
		"scalar_float":  Scalar(5.5),
		"scalar_bool":   Scalar(false),
		"empty_shape":   Zeros([]int64{0, 3}),
		"slice_f32":     FromSlice([]float32{1.5, -2, 3.25}, nil),
		"slice_f64":     FromSlice([]float64{1.5, -2, 3.25, 4}, []int64{2, 2}),
		"slice_i64":     FromSlice([]int64{1, -2, 3}, nil),
		"slice_i32":     FromSlice([]int32{1, -2, 3}, nil),
		"slice_i16":     FromSlice([]int16{1, -2, 3}, nil),
		"slice_i8":      FromSlice([]int8{1, -2, 3}, nil),
		"slice_u8":      FromSlice([]uint8{1, 2, 255}, nil),
		"slice_bool":    FromSlice([]bool{true, false, true}, nil),
		"slice_to_half": FromSlice([]float32{1.5, -2, 3.1}, nil, Float16),
		"slice_to_bf16": FromSlice([]float32{1.5, -2, 3.1}, nil, BFloat16),
	}
	for name, got := range cases {
		requireSameTensor(t, want[name], got, name)
	}
}

func TestCopyOut(t *testing.T) {
	x := FromSlice([]float64{1.5, -2, 3}, nil)
	require.Equal(t, []float32{1.5, -2, 3}, x.Float32s())
	require.Equal(t, []int64{1, -2, 3}, x.Int64s())
	require.Equal(t, []bool{true, true, true}, x.Bools())
	require.Equal(t, []int8{1, -2, 3}, ToSlice[int8](x))
	tr := Arange(0, 6, 1).View(2, 3).Transpose(0, 1)
	require.False(t, tr.IsContiguous())
	require.Equal(t, []int64{0, 3, 1, 4, 2, 5}, tr.Int64s(), "copies follow the logical order, not storage")
	require.Equal(t, []int64{1, 3}, tr.Strides())
	require.Equal(t, 7.0, Scalar(7).Item())
	require.Equal(t, int64(7), Scalar(7).ItemInt())
	require.True(t, Scalar(true).ItemBool())
	require.Equal(t, 2.5, Scalar(2.5, Float64).Item())
	requireTorchError(t, "ItemInt", "floating", func() { Scalar(2.5).ItemInt() })
	requireTorchError(t, "Item", "a Tensor with 3 elements cannot be converted to Scalar", func() { x.Item() })
}

func TestFromSliceOptions(t *testing.T) {
	x := FromSlice([]float32{1, 2}, nil, Float64, RequiresGrad())
	require.Equal(t, Float64, x.DType())
	require.True(t, x.RequiresGrad())
	require.True(t, x.IsLeaf())
	require.Equal(t, CPU, Device{Type: x.Device().Type, Index: -1})
	requireTorchError(t, "FromSlice", "needs", func() { FromSlice([]float32{1, 2, 3}, []int64{2, 2}) })
}
