// Package reprfmt reproduces PyTorch 1.13's repr(tensor) / str(tensor)
// output (torch/_tensor_str.py) for dense, strided tensors under the default
// print options: precision 4, threshold 1000, edgeitems 3, linewidth 80 and
// automatic scientific notation.
//
// The caller describes a tensor with a [Tensor] value and calls [Repr]:
//
//	s, err := reprfmt.Repr(reprfmt.Tensor{
//		DType:  "float64",
//		Shape:  []int64{2},
//		Floats: []float64{1, 2.5},
//	})
//	// s == "tensor([1.0000, 2.5000], dtype=torch.float64)"
//
// The default CPU device, float32 as the default floating dtype, complex64 as
// the default complex dtype, and int64/bool are assumed, exactly like a fresh
// PyTorch process.
package reprfmt

import (
	"fmt"
	"math"
)

// Tensor is the description of a tensor to be formatted by [Repr].
//
// Exactly one of the value slices must be used, chosen by DType:
//
//   - float16, bfloat16, float32, float64: Floats
//   - int8, int16, int32, int64, uint8:     Ints
//   - bool:                                 Bools
//   - complex64, complex128:                Complex
//
// Values are the elements in row-major (C) order; their count must equal the
// product of Shape. Floating values are first rounded to DType exactly the
// way torch.tensor(values, dtype=...) rounds Python floats (float32 with
// round-to-nearest-even, float16/bfloat16 through float32), so values that
// are already exactly representable in DType are used unchanged. Integer
// values must lie in the range of DType.
type Tensor struct {
	// DType is the dtype name as PyTorch spells it after "torch.", e.g.
	// "float32", "bfloat16", "int64", "uint8", "bool", "complex64".
	// The empty string means "float32".
	DType string
	// Shape holds the sizes of all dimensions; nil or empty means a 0-dim
	// scalar tensor. Sizes may be zero (empty tensors) but not negative.
	Shape []int64
	// Floats holds the elements of floating dtypes.
	Floats []float64
	// Ints holds the elements of integer dtypes.
	Ints []int64
	// Bools holds the elements of the bool dtype.
	Bools []bool
	// Complex holds the elements of complex dtypes.
	Complex []complex128
	// Device is the device as str(tensor.device) spells it, e.g. "cuda:0".
	// The empty string means "cpu"; any device other than "cpu" is printed
	// as a device='...' suffix.
	Device string
	// RequiresGrad reports whether the tensor requires grad. It is printed
	// as requires_grad=True only for leaves, i.e. when GradFn is empty.
	RequiresGrad bool
	// GradFn is the class name of the tensor's grad_fn, e.g. "AddBackward0";
	// empty for leaves. When set it is printed as grad_fn=<GradFn>.
	GradFn string
}

// kind classifies a dtype by the value slice it uses.
type kind int

const (
	kindFloat kind = iota
	kindInt
	kindBool
	kindComplex
)

// dtypeInfo describes one supported dtype.
type dtypeInfo struct {
	kind   kind
	minInt int64 // integer range, kindInt only
	maxInt int64
	// round rounds a float64 to the dtype (float kinds and complex parts).
	round func(float64) float64
}

var dtypes = map[string]dtypeInfo{
	"float16":    {kind: kindFloat, round: roundFloat16},
	"bfloat16":   {kind: kindFloat, round: roundBFloat16},
	"float32":    {kind: kindFloat, round: roundFloat32},
	"float64":    {kind: kindFloat, round: func(v float64) float64 { return v }},
	"int8":       {kind: kindInt, minInt: math.MinInt8, maxInt: math.MaxInt8},
	"int16":      {kind: kindInt, minInt: math.MinInt16, maxInt: math.MaxInt16},
	"int32":      {kind: kindInt, minInt: math.MinInt32, maxInt: math.MaxInt32},
	"int64":      {kind: kindInt, minInt: math.MinInt64, maxInt: math.MaxInt64},
	"uint8":      {kind: kindInt, minInt: 0, maxInt: math.MaxUint8},
	"bool":       {kind: kindBool},
	"complex64":  {kind: kindComplex, round: roundFloat32},
	"complex128": {kind: kindComplex, round: func(v float64) float64 { return v }},
}

// numel returns the number of elements of shape, or an error for negative
// sizes or overflow.
func numel(shape []int64) (int64, error) {
	n := int64(1)
	for _, s := range shape {
		if s < 0 {
			return 0, fmt.Errorf("reprfmt: negative dimension %d in shape %v", s, shape)
		}
		if s != 0 && n > math.MaxInt64/s {
			return 0, fmt.Errorf("reprfmt: shape %v overflows int64", shape)
		}
		n *= s
	}
	return n, nil
}

// validate checks t against its dtype and returns the dtype's description
// and the element count.
func (t *Tensor) validate() (string, dtypeInfo, int64, error) {
	name := t.DType
	if name == "" {
		name = "float32"
	}
	info, ok := dtypes[name]
	if !ok {
		return "", info, 0, fmt.Errorf("reprfmt: unsupported dtype %q", t.DType)
	}
	n, err := numel(t.Shape)
	if err != nil {
		return "", info, 0, err
	}
	lens := map[kind]int{
		kindFloat:   len(t.Floats),
		kindInt:     len(t.Ints),
		kindBool:    len(t.Bools),
		kindComplex: len(t.Complex),
	}
	for k, l := range lens {
		if k != info.kind && l != 0 {
			return "", info, 0, fmt.Errorf("reprfmt: dtype %s takes no values in this slice (got %d)", name, l)
		}
	}
	if int64(lens[info.kind]) != n {
		return "", info, 0, fmt.Errorf("reprfmt: shape %v needs %d values, got %d", t.Shape, n, lens[info.kind])
	}
	if info.kind == kindInt {
		for _, v := range t.Ints {
			if v < info.minInt || v > info.maxInt {
				return "", info, 0, fmt.Errorf("reprfmt: value %d out of range for %s", v, name)
			}
		}
	}
	return name, info, n, nil
}
