package reprfmt

import (
	"math"
	"strconv"
)

// Default print options of torch._tensor_str.PRINT_OPTS.
const (
	precision = 4
	threshold = 1000
	edgeItems = 3
	lineWidth = 80
)

// formatter mirrors torch._tensor_str._Formatter: it decides the common
// width and notation of all printed elements of one (real) tensor.
type formatter struct {
	floating bool
	intMode  bool
	sciMode  bool
	maxWidth int
}

// newFloatFormatter builds the formatter for floating values, given the
// elements that will be printed (the summarized data when summarizing).
func newFloatFormatter(vals []float64) *formatter {
	f := &formatter{floating: true, intMode: true, maxWidth: 1}
	var minAbs, maxAbs float64
	found := false
	for _, v := range vals {
		if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		a := math.Abs(v)
		if !found || a < minAbs {
			minAbs = a
		}
		if !found || a > maxAbs {
			maxAbs = a
		}
		found = true
		if v != math.Ceil(v) {
			f.intMode = false
		}
	}
	if !found {
		return f // no nonzero finite value: int mode, width 1
	}
	if f.intMode {
		f.sciMode = maxAbs/minAbs > 1000.0 || maxAbs > 1.0e8
	} else {
		f.sciMode = maxAbs/minAbs > 1000.0 || maxAbs > 1.0e8 || minAbs < 1.0e-4
	}
	for _, v := range vals {
		if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		var w int
		switch {
		case f.sciMode:
			w = len(pySci(v, precision))
		case f.intMode:
			w = len(pyFixed(v, 0)) + 1
		default:
			w = len(pyFixed(v, precision))
		}
		f.maxWidth = max(f.maxWidth, w)
	}
	return f
}

// newTextFormatter builds the formatter for integer and bool tensors, whose
// elements are printed with str(); strs are the printed elements.
func newTextFormatter(strs []string) *formatter {
	f := &formatter{maxWidth: 1}
	for _, s := range strs {
		f.maxWidth = max(f.maxWidth, len(s))
	}
	return f
}

// width returns the field width of one element.
func (f *formatter) width() int { return f.maxWidth }

// formatFloat formats one floating value, right-aligned to the width.
func (f *formatter) formatFloat(v float64) string {
	var s string
	switch {
	case f.sciMode:
		s = pySci(v, precision)
	case f.intMode:
		s = pyFixed(v, 0)
		if !math.IsInf(v, 0) && !math.IsNaN(v) {
			s += "."
		}
	default:
		s = pyFixed(v, precision)
	}
	return padLeft(s, f.maxWidth)
}

// formatText right-aligns an already printed integer or bool element.
func (f *formatter) formatText(s string) string {
	return padLeft(s, f.maxWidth)
}

// intString and boolString print elements like Python's str().
func intString(v int64) string { return strconv.FormatInt(v, 10) }

func boolString(v bool) string {
	if v {
		return "True"
	}
	return "False"
}
