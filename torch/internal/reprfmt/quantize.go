package reprfmt

import "math"

// roundFloat32 rounds v to the nearest float32 (ties to even).
func roundFloat32(v float64) float64 {
	return float64(float32(v))
}

// roundFloat16 rounds v to IEEE half precision the way c10::Half(float(v))
// does: first to float32, then to half with round-to-nearest-even.
func roundFloat16(v float64) float64 {
	return roundMantissa(roundFloat32(v), 10, -14, 65504)
}

// roundBFloat16 rounds v to bfloat16 the way c10::BFloat16(float(v)) does:
// first to float32, then to bfloat16 with round-to-nearest-even.
func roundBFloat16(v float64) float64 {
	return roundMantissa(roundFloat32(v), 7, -126, math.Ldexp(2-math.Ldexp(1, -7), 127))
}

// roundMantissa rounds v to a binary format with mbits explicit mantissa
// bits, minimum normal exponent minExp (gradual underflow below it) and
// largest finite value maxFinite; larger results become infinite.
func roundMantissa(v float64, mbits, minExp int, maxFinite float64) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	_, exp := math.Frexp(v) // |v| in [2^(exp-1), 2^exp)
	ulpExp := exp - 1 - mbits
	if ulpExp < minExp-mbits {
		ulpExp = minExp - mbits
	}
	q := math.Ldexp(math.RoundToEven(math.Ldexp(v, -ulpExp)), ulpExp)
	if math.Abs(q) > maxFinite {
		return math.Copysign(math.Inf(1), v)
	}
	if q == 0 {
		return math.Copysign(0, v)
	}
	return q
}
