package reprfmt

import (
	"math"
	"strconv"
	"strings"
)

// pyNonFinite returns Python's spelling of a NaN or infinity ("nan", "inf",
// "-inf"; the sign of a NaN is never printed) and whether v is non-finite.
func pyNonFinite(v float64) (string, bool) {
	switch {
	case math.IsNaN(v):
		return "nan", true
	case math.IsInf(v, 1):
		return "inf", true
	case math.IsInf(v, -1):
		return "-inf", true
	}
	return "", false
}

// pyFixed formats v like Python's "{:.<prec>f}".format(v).
func pyFixed(v float64, prec int) string {
	if s, ok := pyNonFinite(v); ok {
		return s
	}
	return strconv.FormatFloat(v, 'f', prec, 64)
}

// pySci formats v like Python's "{:.<prec>e}".format(v). Both Go and Python
// print at least two exponent digits, so only non-finite values differ.
func pySci(v float64, prec int) string {
	if s, ok := pyNonFinite(v); ok {
		return s
	}
	return strconv.FormatFloat(v, 'e', prec, 64)
}

// padLeft right-aligns s in a field of width characters, like Python's
// (width - len(s)) * " " + s; s is returned unchanged when it is wider.
func padLeft(s string, width int) string {
	if len(s) >= width {
		return s
	}
	return strings.Repeat(" ", width-len(s)) + s
}
