package torch

import (
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
)

// enc turns a Go tensor into the exchange form Python's dec() reads.
func enc(t *Tensor) pyref.Tensor {
	return pyref.Tensor{DType: t.DType().String(), Shape: t.Shape(), Hex: hex.EncodeToString(t.Bytes())}
}

// dec turns Python's enc() output into a Go tensor.
func dec(tb testing.TB, p pyref.Tensor) *Tensor {
	tb.Helper()
	dt, err := DTypeByName(p.DType)
	require.NoError(tb, err)
	raw, err := hex.DecodeString(p.Hex)
	require.NoError(tb, err)
	return FromBytes(raw, dt, p.Shape)
}

// requireSameTensor asserts dtype, shape and every byte equal.
func requireSameTensor(tb testing.TB, want pyref.Tensor, got *Tensor, msgAndArgs ...any) {
	tb.Helper()
	require.NotNil(tb, got, msgAndArgs...)
	g := enc(got)
	require.Equal(tb, want.DType, g.DType, msgAndArgs...)
	require.Equal(tb, want.Shape, g.Shape, msgAndArgs...)
	if want.Hex != g.Hex {
		w := dec(tb, want)
		require.Failf(tb, "values differ", "want %v\n got %v\n%v", w.Float64s(), got.Float64s(), msgAndArgs)
	}
}

// requireTorchError runs f and asserts it panics with a *Error for op whose
// message contains part and no C++ backtrace.
func requireTorchError(tb testing.TB, op, part string, f func()) *Error {
	tb.Helper()
	err := Catch(func() error { f(); return nil })
	require.Error(tb, err, "expected %s to fail", op)
	te, ok := err.(*Error)
	require.True(tb, ok, "error is %T", err)
	require.Equal(tb, op, te.Op)
	require.Contains(tb, te.Msg, part)
	require.NotContains(tb, te.Msg, "Exception raised from")
	require.NotContains(tb, te.Msg, "frame #")
	return te
}
