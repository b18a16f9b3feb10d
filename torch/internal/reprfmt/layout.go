package reprfmt

import "strings"

// layout mirrors torch._tensor_str._tensor_str_with_formatter and
// _vector_str: it arranges already formatted elements into nested,
// bracketed and wrapped rows.
type layout struct {
	shape     []int64
	strides   []int64 // row-major strides of shape
	summarize bool
	// elem returns the formatted (padded) element at a flat index.
	elem func(i int64) string
	// elemLen is _vector_str's element_length: the width of one element
	// plus the ", " separator.
	elemLen int
}

// newLayout prepares a layout for a non-empty tensor of the given shape.
func newLayout(shape []int64, summarize bool, elem func(int64) string, elemLen int) *layout {
	strides := make([]int64, len(shape))
	s := int64(1)
	for d := len(shape) - 1; d >= 0; d-- {
		strides[d] = s
		s *= shape[d]
	}
	return &layout{shape: shape, strides: strides, summarize: summarize, elem: elem, elemLen: elemLen}
}

// shownRows returns the indices printed along a dimension of size n: all of
// them, or the first and last edgeItems with -1 marking the "..." gap.
func shownRows(n int64, summarize bool) []int64 {
	var rows []int64
	if summarize && n > 2*edgeItems {
		for i := int64(0); i < edgeItems; i++ {
			rows = append(rows, i)
		}
		rows = append(rows, -1)
		for i := n - edgeItems; i < n; i++ {
			rows = append(rows, i)
		}
		return rows
	}
	for i := int64(0); i < n; i++ {
		rows = append(rows, i)
	}
	return rows
}

// shownIndices returns the flat indices of the elements that will be
// printed, i.e. of torch._tensor_str.get_summarized_data (or of all elements
// when not summarizing). The formatter is built from these elements only.
func shownIndices(shape []int64, summarize bool) []int64 {
	l := newLayout(shape, summarize, nil, 0)
	var out []int64
	var walk func(depth int, offset int64)
	walk = func(depth int, offset int64) {
		if depth == len(shape) {
			out = append(out, offset)
			return
		}
		for _, r := range shownRows(shape[depth], summarize) {
			if r >= 0 {
				walk(depth+1, offset+r*l.strides[depth])
			}
		}
	}
	walk(0, 0)
	return out
}

// tensorStr formats the sub-tensor starting at depth and flat offset, whose
// first line starts at column indent.
func (l *layout) tensorStr(depth int, offset int64, indent int) string {
	rem := len(l.shape) - depth
	if rem == 0 {
		return l.elem(offset)
	}
	if rem == 1 {
		return l.vectorStr(depth, offset, indent)
	}
	var slices []string
	for _, r := range shownRows(l.shape[depth], l.summarize) {
		if r < 0 {
			slices = append(slices, "...")
			continue
		}
		slices = append(slices, l.tensorStr(depth+1, offset+r*l.strides[depth], indent+1))
	}
	sep := "," + strings.Repeat("\n", rem-1) + strings.Repeat(" ", indent+1)
	return "[" + strings.Join(slices, sep) + "]"
}

// vectorStr formats the last dimension, wrapping at the line width.
func (l *layout) vectorStr(depth int, offset int64, indent int) string {
	perLine := max(1, (lineWidth-indent)/l.elemLen)
	var data []string
	for _, r := range shownRows(l.shape[depth], l.summarize) {
		if r < 0 {
			data = append(data, " ...")
			continue
		}
		data = append(data, l.elem(offset+r))
	}
	var lines []string
	for i := 0; i < len(data); i += perLine {
		lines = append(lines, strings.Join(data[i:min(i+perLine, len(data))], ", "))
	}
	return "[" + strings.Join(lines, ",\n"+strings.Repeat(" ", indent+1)) + "]"
}
