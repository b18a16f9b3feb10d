package torch

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// Integer MIN divided by -1 overflows, and the CPU's idiv traps: libtorch
// 1.13 (and Python) die of SIGFPE in floor_divide and remainder. torchgo
// refuses those operands with a *torch.Error instead; without the check this
// test kills the test binary.
func TestIntMinDivMinusOneIsAnError(t *testing.T) {
	type op struct {
		name string
		f    func(a, b *Tensor) *Tensor
	}
	ops := []op{
		{"FloorDivide", func(a, b *Tensor) *Tensor { return a.FloorDivide(b) }},
		{"Remainder", func(a, b *Tensor) *Tensor { return a.Remainder(b) }},
		{"RemainderScalar", func(a, _ *Tensor) *Tensor { return a.RemainderScalar(-1) }},
	}
	for _, dt := range []struct {
		dtype DType
		min   int64
		name  string
	}{{Int64, math.MinInt64, "Long"}, {Int32, math.MinInt32, "Int"}} {
		for _, o := range ops {
			t.Run(o.name+"/"+dt.dtype.String(), func(t *testing.T) {
				a := FromSlice([]int64{5, dt.min, 7}, []int64{3}).To(dt.dtype)
				b := FromSlice([]int64{2, -1, 3}, []int64{3}).To(dt.dtype)
				err := Catch(func() error { o.f(a, b); return nil })
				var te *Error
				require.ErrorAs(t, err, &te)
				require.Contains(t, err.Error(), "integer overflow")
				require.Contains(t, err.Error(), dt.name)
			})
		}
	}
	// In place: refused, and the tensor is left unchanged.
	a := FromSlice([]int64{math.MinInt64, 4}, []int64{2})
	err := Catch(func() error { a.FloorDivide_(FromSlice([]int64{-1, 2}, []int64{2})); return nil })
	require.ErrorContains(t, err, "integer overflow")
	require.Equal(t, []int64{math.MinInt64, 4}, a.Int64s())

	// Everything else divides as before: MIN // 1, -7 // -1, floats.
	require.Equal(t, []int64{math.MinInt64, 7}, FromSlice([]int64{math.MinInt64, -7}, []int64{2}).FloorDivide(FromSlice([]int64{1, -1}, []int64{2})).Int64s())
	require.Equal(t, []float32{-2}, FromSlice([]float32{3}, []int64{1}).FloorDivide(FromSlice([]float32{-2}, []int64{1})).Float32s())
	// int16 computes in int after promotion: no trap, wraps as PyTorch does.
	require.Equal(t, []int64{math.MinInt16}, FromSlice([]int64{math.MinInt16}, []int64{1}).To(Int16).FloorDivide(FromSlice([]int64{-1}, []int64{1}).To(Int16)).To(Int64).Int64s())
}
