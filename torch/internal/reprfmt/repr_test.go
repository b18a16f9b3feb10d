package reprfmt

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReprDeviceHandChecked covers the device='...' suffix. PyTorch cannot
// create CUDA tensors on the test machine, so these expectations are
// HAND-CHECKED against torch/_tensor_str.py (_str_intern appends the device
// suffix first, then size/dtype, then grad_fn/requires_grad; _add_suffixes
// wraps a suffix onto a new line indented by len("tensor(") when
// last_line_len + len(suffix) + 2 > 80, with last_line_len overcounted by 2).
// They are not produced by the live oracle.
func TestReprDeviceHandChecked(t *testing.T) {
	cases := []struct {
		name string
		t    Tensor
		want string
	}{
		{"cuda_default_dtype",
			Tensor{Shape: []int64{2}, Floats: []float64{1, 2}, Device: "cuda:0"},
			"tensor([1., 2.], device='cuda:0')"},
		{"cuda_requires_grad",
			Tensor{Shape: []int64{2}, Floats: []float64{1, 2}, Device: "cuda:0", RequiresGrad: true},
			"tensor([1., 2.], device='cuda:0', requires_grad=True)"},
		{"cuda_int32",
			Tensor{DType: "int32", Shape: []int64{2}, Ints: []int64{1, 2}, Device: "cuda:1"},
			"tensor([1, 2], device='cuda:1', dtype=torch.int32)"},
		{"cuda_fits_line_exactly", // 78 characters: every suffix stays on line 1
			Tensor{DType: "float64", Shape: []int64{1}, Floats: []float64{1.5}, Device: "cuda:0", GradFn: "AddBackward0"},
			"tensor([1.5000], device='cuda:0', dtype=torch.float64, grad_fn=<AddBackward0>)"},
		{"cuda_empty",
			Tensor{DType: "int64", Shape: []int64{0, 2}, Device: "cuda:0"},
			"tensor([], device='cuda:0', size=(0, 2), dtype=torch.int64)"},
		{"cuda_wraps",
			Tensor{DType: "float64", Shape: []int64{7}, Floats: wavy(7, 1), Device: "cuda:0"},
			"tensor([ 0.2955,  1.8186, -1.5895, -3.0911,  3.6448,  0.5849, -1.7594],\n" +
				"       device='cuda:0', dtype=torch.float64)"},
		{"cpu_explicit",
			Tensor{Shape: []int64{1}, Floats: []float64{1}, Device: "cpu"},
			"tensor([1.])"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Repr(c.t)
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}

// TestReprBasics documents a few outputs; the live tests check many more.
func TestReprBasics(t *testing.T) {
	got, err := Repr(Tensor{DType: "float64", Shape: []int64{2}, Floats: []float64{1, 2.5}})
	require.NoError(t, err)
	assert.Equal(t, "tensor([1.0000, 2.5000], dtype=torch.float64)", got)

	got, err = Repr(Tensor{Floats: []float64{math.Copysign(0, -1)}})
	require.NoError(t, err)
	assert.Equal(t, "tensor(-0.)", got)

	got, err = Repr(Tensor{Shape: []int64{2, 0, 3}})
	require.NoError(t, err)
	assert.Equal(t, "tensor([], size=(2, 0, 3))", got)
}

func TestReprErrors(t *testing.T) {
	cases := map[string]Tensor{
		"unknown dtype":    {DType: "float8", Shape: []int64{1}, Floats: []float64{1}},
		"negative size":    {Shape: []int64{-1}},
		"too few values":   {Shape: []int64{3}, Floats: []float64{1, 2}},
		"wrong slice":      {DType: "int64", Shape: []int64{1}, Floats: []float64{1}},
		"extra slice":      {Shape: []int64{1}, Floats: []float64{1}, Ints: []int64{1}},
		"int8 overflow":    {DType: "int8", Shape: []int64{1}, Ints: []int64{128}},
		"uint8 negative":   {DType: "uint8", Shape: []int64{1}, Ints: []int64{-1}},
		"scalar no values": {},
		"shape overflow":   {Shape: []int64{math.MaxInt64, 2}},
	}
	for name, tt := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Repr(tt)
			assert.Error(t, err)
		})
	}
}

// TestRounding spot-checks the dtype rounding; the live tests compare it
// with the values PyTorch stores for every float in every case.
func TestRounding(t *testing.T) {
	assert.Equal(t, 0.0999755859375, roundFloat16(0.1))
	assert.Equal(t, 65504.0, roundFloat16(65519))
	assert.True(t, math.IsInf(roundFloat16(65520), 1))
	assert.Equal(t, math.Ldexp(1, -24), roundFloat16(math.Ldexp(1.4, -24)))
	assert.Equal(t, 0.0, roundFloat16(math.Ldexp(1, -26)))
	assert.True(t, math.Signbit(roundFloat16(-math.Ldexp(1, -26))))
	assert.Equal(t, 0.10009765625, roundBFloat16(0.1))
	assert.True(t, math.IsNaN(roundBFloat16(math.NaN())))
	assert.Equal(t, float64(float32(0.1)), roundFloat32(0.1))
}
