package optim

/*
#cgo LDFLAGS: -lm
#include <math.h>
*/
import "C"

// The update rules and schedules compute their scalars with Python's float
// arithmetic, whose ** and math.cos are the C library's pow and cos. Go's
// math.Pow and math.Cos may differ from them in the last bit, so, to give
// PyTorch's numbers exactly, these call the C library too.

// cpow is Python's float.__pow__ for finite operands: C's pow.
func cpow(x, y float64) float64 { return float64(C.pow(C.double(x), C.double(y))) }

// clog is Python's math.log of a positive finite number: C's log.
func clog(x float64) float64 { return float64(C.log(C.double(x))) }

// ccos is Python's math.cos: C's cos.
func ccos(x float64) float64 { return float64(C.cos(C.double(x))) }

// floorMod is Python's % on integers: the result has the divisor's sign.
func floorMod(a, b int64) int64 {
	m := a % b
	if m != 0 && (m < 0) != (b < 0) {
		m += b
	}
	return m
}

// floorDiv is Python's // on integers.
func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
