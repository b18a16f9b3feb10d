package reprfmt

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Repr returns exactly what PyTorch 1.13 prints for repr(t) (equivalently
// str(t)) with the default print options, e.g. "tensor([1., 2.])" or
// "tensor([], size=(2, 0), dtype=torch.int64)". It fails only when t is
// invalid: an unknown dtype, a negative size, a value count that does not
// match the shape, values in the wrong slice, or out-of-range integers.
func Repr(t Tensor) (string, error) {
	name, info, n, err := t.validate()
	if err != nil {
		return "", err
	}
	const prefix = "tensor("
	indent := len(prefix)

	var suffixes []string
	if t.Device != "" && t.Device != "cpu" {
		suffixes = append(suffixes, "device='"+t.Device+"'")
	}
	var body string
	if n == 0 {
		// An empty tensor shows its size unless it is 1-d, and its dtype
		// unless it is the default float32 (int64 and bool included).
		if len(t.Shape) != 1 {
			suffixes = append(suffixes, "size="+pyTuple(t.Shape))
		}
		if name != "float32" {
			suffixes = append(suffixes, "dtype=torch."+name)
		}
		body = "[]"
	} else {
		switch name {
		case "float32", "complex64", "int64", "bool":
		default:
			suffixes = append(suffixes, "dtype=torch."+name)
		}
		body = tensorBody(&t, info, n, indent)
	}
	if t.GradFn != "" {
		suffixes = append(suffixes, "grad_fn=<"+t.GradFn+">")
	} else if t.RequiresGrad {
		suffixes = append(suffixes, "requires_grad=True")
	}
	return addSuffixes(prefix+body, suffixes, indent), nil
}

// tensorBody formats the elements of a valid, non-empty tensor with n
// elements (torch._tensor_str._tensor_str).
func tensorBody(t *Tensor, info dtypeInfo, n int64, indent int) string {
	summarize := n > threshold
	shown := shownIndices(t.Shape, summarize)
	var elem func(int64) string
	var elemLen int
	switch info.kind {
	case kindFloat:
		get := func(i int64) float64 { return info.round(t.Floats[i]) }
		f := newFloatFormatter(gather(shown, get))
		elem = func(i int64) string { return f.formatFloat(get(i)) }
		elemLen = f.width() + 2
	case kindComplex:
		re := func(i int64) float64 { return info.round(real(t.Complex[i])) }
		im := func(i int64) float64 { return info.round(imag(t.Complex[i])) }
		fr := newFloatFormatter(gather(shown, re))
		fi := newFloatFormatter(gather(shown, im))
		elem = func(i int64) string { return complexString(fr, fi, re(i), im(i)) }
		elemLen = fr.width() + 2 + fi.width() + 1
	case kindInt:
		get := func(i int64) string { return intString(t.Ints[i]) }
		f := newTextFormatter(gather(shown, get))
		elem = func(i int64) string { return f.formatText(get(i)) }
		elemLen = f.width() + 2
	case kindBool:
		get := func(i int64) string { return boolString(t.Bools[i]) }
		f := newTextFormatter(gather(shown, get))
		elem = func(i int64) string { return f.formatText(get(i)) }
		elemLen = f.width() + 2
	}
	return newLayout(t.Shape, summarize, elem, elemLen).tensorStr(0, 0, indent)
}

// gather returns get(i) for every index in idx.
func gather[T any](idx []int64, get func(int64) T) []T {
	out := make([]T, len(idx))
	for k, i := range idx {
		out[k] = get(i)
	}
	return out
}

// complexString formats one complex element from its parts, like the
// complex branch of torch._tensor_str._vector_str / _scalar_str.
func complexString(fr, fi *formatter, re, im float64) string {
	realStr := fr.formatFloat(re)
	imagStr := strings.TrimLeft(fi.formatFloat(im)+"j", " ")
	if imagStr[0] == '+' || imagStr[0] == '-' {
		return realStr + imagStr
	}
	return realStr + "+" + imagStr
}

// pyTuple prints a shape like Python's str(tuple(shape)).
func pyTuple(shape []int64) string {
	parts := make([]string, len(shape))
	for i, s := range shape {
		parts[i] = strconv.FormatInt(s, 10)
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// addSuffixes mirrors torch._tensor_str._add_suffixes (without forced
// newlines, which only sparse tensors use), including its line-length
// estimate, which counts two characters more than the last line holds.
func addSuffixes(s string, suffixes []string, indent int) string {
	var b strings.Builder
	b.WriteString(s)
	lastLineLen := utf8.RuneCountInString(s) - runeIndex(s, strings.LastIndex(s, "\n")) + 1
	for _, suffix := range suffixes {
		n := utf8.RuneCountInString(suffix)
		if lastLineLen+n+2 > lineWidth {
			b.WriteString(",\n" + strings.Repeat(" ", indent) + suffix)
			lastLineLen = indent + n
		} else {
			b.WriteString(", " + suffix)
			lastLineLen += n + 2
		}
	}
	b.WriteString(")")
	return b.String()
}

// runeIndex converts a byte index in s (or -1) to a rune index (or -1),
// matching Python's str.rfind.
func runeIndex(s string, byteIdx int) int {
	if byteIdx < 0 {
		return -1
	}
	return utf8.RuneCountInString(s[:byteIdx])
}
