package reprfmt

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	nan  = math.NaN()
	inf  = math.Inf(1)
	ninf = math.Inf(-1)
	nz   = math.Copysign(0, -1)
)

// fseq returns f(0), ..., f(n-1).
func fseq(n int, f func(i int) float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

// iseq returns f(0), ..., f(n-1).
func iseq(n int, f func(i int) int64) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

// wavy returns n non-integer values of varying sign and width.
func wavy(n int, scale float64) []float64 {
	return fseq(n, func(i int) float64 { return scale * math.Sin(float64(i)*1.7+0.3) * float64(1+i%5) })
}

type liveCase struct {
	name string
	t    Tensor
}

// liveCases is the table compared against PyTorch; every expectation comes
// from the oracle.
var liveCases = []liveCase{
	// 0-d scalars.
	{"scalar_f32", Tensor{Floats: []float64{3.5}}},
	{"scalar_f32_int", Tensor{Floats: []float64{5}}},
	{"scalar_neg_zero", Tensor{Floats: []float64{nz}}},
	{"scalar_nan", Tensor{Floats: []float64{nan}}},
	{"scalar_tiny_sci", Tensor{Floats: []float64{1.5e-7}}},
	{"scalar_f64", Tensor{DType: "float64", Floats: []float64{math.Pi}}},
	{"scalar_int32", Tensor{DType: "int32", Ints: []int64{-42}}},
	{"scalar_int64", Tensor{DType: "int64", Ints: []int64{7}}},
	{"scalar_bool", Tensor{DType: "bool", Bools: []bool{true}}},
	{"scalar_complex", Tensor{DType: "complex64", Complex: []complex128{complex(1.5, -2)}}},
	{"scalar_requires_grad", Tensor{Floats: []float64{2}, RequiresGrad: true}},

	// 1-d float32.
	{"f32_tenths", Tensor{Shape: []int64{4}, Floats: []float64{0.1, 0.2, 0.3, 1.0 / 3}}},
	{"f32_ints", Tensor{Shape: []int64{3}, Floats: []float64{1, 2, 3}}},
	{"f32_neg_ints", Tensor{Shape: []int64{4}, Floats: []float64{-1, 0, 2, -300}}},
	{"f32_neg_zero_vec", Tensor{Shape: []int64{3}, Floats: []float64{0, nz, 0}}},
	{"f32_neg_zero_frac", Tensor{Shape: []int64{3}, Floats: []float64{nz, 1.25, -0.5}}},
	{"f32_nan_inf", Tensor{Shape: []int64{5}, Floats: []float64{nan, inf, ninf, 1.5, -2.25}}},
	{"f32_nan_inf_int", Tensor{Shape: []int64{4}, Floats: []float64{nan, inf, ninf, 2}}},
	{"f32_all_nonfinite", Tensor{Shape: []int64{3}, Floats: []float64{nan, inf, ninf}}},
	{"f32_all_zero_2d", Tensor{Shape: []int64{2, 2}, Floats: []float64{0, 0, 0, 0}}},
	{"f32_sci_large", Tensor{Shape: []int64{3}, Floats: []float64{1e10, 1, 2.5}}},
	{"f32_sci_small", Tensor{Shape: []int64{3}, Floats: []float64{1e-5, 0.5, 1}}},
	{"f32_sci_ratio", Tensor{Shape: []int64{2}, Floats: []float64{0.001, 1.5}}},
	{"f32_sci_nan_inf", Tensor{Shape: []int64{4}, Floats: []float64{1e-9, nan, ninf, 3}}},
	{"f32_int_sci_ratio", Tensor{Shape: []int64{2}, Floats: []float64{1, 2000}}},
	{"f32_int_sci_big", Tensor{Shape: []int64{2}, Floats: []float64{1e9, 2e9}}},
	{"f32_int_wide", Tensor{Shape: []int64{3}, Floats: []float64{1234567, 2000, -5000}}},
	{"f32_ties", Tensor{Shape: []int64{3}, Floats: []float64{1.00005, 2.00015, 0.12345}}},
	{"f32_exact_ties", Tensor{Shape: []int64{4}, Floats: []float64{0.03125, 0.09375, 0.15625, 2.71875}}},
	{"f32_subnormal", Tensor{Shape: []int64{3}, Floats: []float64{1e-40, 1, -2}}},
	{"f64_huge_exponents", Tensor{DType: "float64", Shape: []int64{3}, Floats: []float64{1e300, -1e-300, 1}}},
	{"f32_size1", Tensor{Shape: []int64{1}, Floats: []float64{-7.75}}},
	{"f32_wrap_1d", Tensor{Shape: []int64{30}, Floats: wavy(30, 3.3)}},

	// Multi-dimensional float32.
	{"f32_2d", Tensor{Shape: []int64{2, 3}, Floats: []float64{1.5, -2, 3.25, 4, 5.125, -6}}},
	{"f32_mixed_mag_2d", Tensor{Shape: []int64{3, 3}, Floats: []float64{1e-3, 2, 300, 4e4, -5e5, 6e-2, 7, 8, 9}}},
	{"f32_3d", Tensor{Shape: []int64{2, 3, 4}, Floats: fseq(24, func(i int) float64 { return float64(i) / 7 })}},
	{"f32_4d", Tensor{Shape: []int64{2, 2, 2, 3}, Floats: fseq(24, func(i int) float64 { return float64(i - 12) })}},
	{"f32_1111", Tensor{Shape: []int64{1, 1, 1, 1}, Floats: []float64{0.5}}},
	{"f32_wrap_2d", Tensor{Shape: []int64{2, 20}, Floats: wavy(40, 12)}},
	{"f32_7x3", Tensor{Shape: []int64{7, 3}, Floats: wavy(21, 1)}},
	{"f32_3x300_wrap", Tensor{Shape: []int64{3, 300}, Floats: wavy(900, 1e-3)}},

	// Summarized (numel > 1000).
	{"f32_large_1d", Tensor{Shape: []int64{2000}, Floats: wavy(2000, 2)}},
	{"f32_large_2d", Tensor{Shape: []int64{50, 50}, Floats: wavy(2500, 1)}},
	{"f32_3x400_sci_wrap", Tensor{Shape: []int64{3, 400}, Floats: wavy(1200, 1e6)}},
	{"f32_large_3d", Tensor{Shape: []int64{10, 10, 20}, Floats: wavy(2000, 0.1)}},
	{"f32_large_4d", Tensor{Shape: []int64{8, 2, 8, 10}, Floats: fseq(1280, func(i int) float64 { return float64(i) })}},
	{"f32_large_hidden_nan", Tensor{Shape: []int64{1200}, Floats: fseq(1200, func(i int) float64 {
		if i == 600 {
			return nan // not shown, so it does not affect the formatter
		}
		return float64(i)
	})}},
	{"int64_1000_full", Tensor{DType: "int64", Shape: []int64{1000}, Ints: iseq(1000, func(i int) int64 { return int64(i) })}},
	{"int64_1001_summarized", Tensor{DType: "int64", Shape: []int64{1001}, Ints: iseq(1001, func(i int) int64 { return int64(i) })}},
	{"int64_large_2d", Tensor{DType: "int64", Shape: []int64{40, 40}, Ints: iseq(1600, func(i int) int64 { return int64(i*i) - 1000 })}},

	// Empty tensors.
	{"empty_f32", Tensor{Shape: []int64{0}}},
	{"empty_f32_3d", Tensor{Shape: []int64{2, 0, 3}}},
	{"empty_f64", Tensor{DType: "float64", Shape: []int64{0}}},
	{"empty_int64", Tensor{DType: "int64", Shape: []int64{0}}},
	{"empty_bool_2d", Tensor{DType: "bool", Shape: []int64{0, 3}}},
	{"empty_complex64", Tensor{DType: "complex64", Shape: []int64{3, 0}}},
	{"empty_requires_grad", Tensor{Shape: []int64{0, 4}, RequiresGrad: true}},

	// Other floating dtypes.
	{"f64_vec", Tensor{DType: "float64", Shape: []int64{3}, Floats: []float64{1.5, 2.25, -3}}},
	{"f64_sci", Tensor{DType: "float64", Shape: []int64{2}, Floats: []float64{1.23456789, 1e-3}}},
	{"f64_tenths", Tensor{DType: "float64", Shape: []int64{3}, Floats: []float64{0.1, 0.7, 2.675}}},
	{"f16_vec", Tensor{DType: "float16", Shape: []int64{4}, Floats: []float64{0.1, 1.5, 65504, -2}}},
	{"f16_extremes", Tensor{DType: "float16", Shape: []int64{4}, Floats: []float64{1e-7, 70000, 6e-5, -3.14159}}},
	{"f16_2d", Tensor{DType: "float16", Shape: []int64{2, 3}, Floats: wavy(6, 10)}},
	{"bf16_vec", Tensor{DType: "bfloat16", Shape: []int64{3}, Floats: []float64{0.1, 3.14159, 1e30}}},
	{"bf16_2d", Tensor{DType: "bfloat16", Shape: []int64{2, 2}, Floats: []float64{1, 2, 3.5, 4}}},

	// Integer and bool dtypes.
	{"int8_vec", Tensor{DType: "int8", Shape: []int64{5}, Ints: []int64{-128, 127, 0, 5, -3}}},
	{"int16_2d", Tensor{DType: "int16", Shape: []int64{2, 3}, Ints: []int64{-32768, 1, 2, 300, 32767, 0}}},
	{"int32_3d", Tensor{DType: "int32", Shape: []int64{2, 2, 2}, Ints: []int64{1, -2, 3, -4, 5, -6, 7, -8}}},
	{"int64_2d", Tensor{DType: "int64", Shape: []int64{2, 2}, Ints: []int64{1, 20, 300, 4000}}},
	{"int64_extremes", Tensor{DType: "int64", Shape: []int64{2}, Ints: []int64{math.MinInt64, math.MaxInt64}}},
	{"int64_wrap", Tensor{DType: "int64", Shape: []int64{40}, Ints: iseq(40, func(i int) int64 { return int64(i) * 123456789 })}},
	{"uint8_2d", Tensor{DType: "uint8", Shape: []int64{3, 4}, Ints: iseq(12, func(i int) int64 { return int64(i * 23) })}},
	{"bool_vec", Tensor{DType: "bool", Shape: []int64{4}, Bools: []bool{true, false, false, true}}},
	{"bool_2d", Tensor{DType: "bool", Shape: []int64{2, 3}, Bools: []bool{true, true, true, false, true, true}}},

	// Complex dtypes.
	{"complex64_vec", Tensor{DType: "complex64", Shape: []int64{3}, Complex: []complex128{1 + 2i, 3 - 1i, complex(0.5, nz)}}},
	{"complex128_2d", Tensor{DType: "complex128", Shape: []int64{2, 2}, Complex: []complex128{1.5 + 2i, -3 - 1e-5i, complex(nan, 1), complex(2, ninf)}}},

	// Autograd suffixes and suffix wrapping.
	{"requires_grad_vec", Tensor{Shape: []int64{3}, Floats: []float64{1, 2, 3}, RequiresGrad: true}},
	{"grad_fn_add", Tensor{Shape: []int64{2, 2}, Floats: []float64{1.5, nz, nan, 4}, GradFn: "AddBackward0"}},
	{"grad_fn_mul_f64", Tensor{DType: "float64", Shape: []int64{3}, Floats: []float64{1, 2, 3}, GradFn: "MulBackward0"}},
	{"grad_fn_clone_wrap", Tensor{DType: "float64", Shape: []int64{2, 6}, Floats: wavy(12, 100), GradFn: "CloneBackward0"}},
	{"suffix_wrap_dtype", Tensor{DType: "float64", Shape: []int64{7}, Floats: wavy(7, 1)}},
	{"suffix_wrap_grad", Tensor{Shape: []int64{7}, Floats: wavy(7, 1), RequiresGrad: true}},
	{"suffix_exact_fit", Tensor{DType: "int32", Shape: []int64{13}, Ints: iseq(13, func(i int) int64 { return int64(10 + i) })}},
	{"suffix_one_over", Tensor{DType: "int32", Shape: []int64{2, 13}, Ints: iseq(26, func(i int) int64 { return int64(10 + i) })}},
	{"row_exact_fit_2d", Tensor{Shape: []int64{2, 10}, Floats: fseq(20, func(i int) float64 { return float64(i)/3 + 0.01 })}},
	{"suffix_wrap_both", Tensor{DType: "float16", Shape: []int64{6}, Floats: wavy(6, 1), RequiresGrad: true}},
}

// TestReprMatchesPyTorch compares Repr with PyTorch's repr for the table.
func TestReprMatchesPyTorch(t *testing.T) {
	tensors := make([]Tensor, len(liveCases))
	for i, c := range liveCases {
		tensors[i] = c.t
	}
	results := runOracle(t, tensors)
	for i, c := range liveCases {
		t.Run(c.name, func(t *testing.T) {
			res := results[i]
			require.Empty(t, res.Error, "oracle could not build the tensor")
			in, err := withOracleValues(c.t, res)
			require.NoError(t, err)
			got, err := Repr(in)
			require.NoError(t, err)
			assert.Equal(t, res.Repr, got)
		})
	}
}
