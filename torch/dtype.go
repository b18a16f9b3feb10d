package torch

import (
	"fmt"
	"reflect"
)

// DType is a tensor's element type. The values equal libtorch's
// c10::ScalarType codes.
type DType int

// The dtypes, named as in PyTorch (torch.float32 is Float32).
const (
	Uint8      DType = 0
	Int8       DType = 1
	Int16      DType = 2
	Int32      DType = 3
	Int64      DType = 4
	Float16    DType = 5
	Float32    DType = 6
	Float64    DType = 7
	Complex32  DType = 8 // torch.chalf: complex numbers of two float16
	Complex64  DType = 9
	Complex128 DType = 10
	Bool       DType = 11
	BFloat16   DType = 15
)

var dtypeNames = map[DType]string{
	Uint8: "uint8", Int8: "int8", Int16: "int16", Int32: "int32", Int64: "int64",
	Float16: "float16", Float32: "float32", Float64: "float64", Complex32: "complex32", Complex64: "complex64",
	Complex128: "complex128", Bool: "bool", BFloat16: "bfloat16",
}

var dtypeSizes = map[DType]int{
	Uint8: 1, Int8: 1, Int16: 2, Int32: 4, Int64: 8, Float16: 2, Float32: 4, Float64: 8,
	Complex32: 4, Complex64: 8, Complex128: 16, Bool: 1, BFloat16: 2,
}

// String returns PyTorch's name without the "torch." prefix, e.g. "bfloat16".
func (d DType) String() string {
	if n, ok := dtypeNames[d]; ok {
		return n
	}
	return fmt.Sprintf("DType(%d)", int(d))
}

// Size is the size of one element in bytes.
func (d DType) Size() int { return dtypeSizes[d] }

// IsFloatingPoint reports whether d is Float16, BFloat16, Float32 or Float64.
func (d DType) IsFloatingPoint() bool {
	return d == Float16 || d == BFloat16 || d == Float32 || d == Float64
}

// DTypeByName returns the dtype PyTorch calls name ("float32", "long", "half", ...).
func DTypeByName(name string) (DType, error) {
	for d, n := range dtypeNames {
		if n == name {
			return d, nil
		}
	}
	if d, ok := dtypeAliases[name]; ok {
		return d, nil
	}
	return 0, fmt.Errorf("torch: unknown dtype %q", name)
}

var dtypeAliases = map[string]DType{
	"float": Float32, "double": Float64, "half": Float16, "long": Int64, "int": Int32,
	"short": Int16, "byte": Uint8, "char": Int8, "cfloat": Complex64, "cdouble": Complex128,
}

// Element is the set of Go types that map to a dtype for creating tensors
// from slices and copying them back.
type Element interface {
	~float32 | ~float64 | ~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~bool
}

// DTypeOf returns the dtype matching Go type T: float32 → Float32,
// int64 → Int64, bool → Bool, and so on (named types by their underlying type).
func DTypeOf[T Element]() DType {
	var z T
	switch reflect.TypeOf(z).Kind() {
	case reflect.Float32:
		return Float32
	case reflect.Float64:
		return Float64
	case reflect.Int8:
		return Int8
	case reflect.Int16:
		return Int16
	case reflect.Int32:
		return Int32
	case reflect.Int64:
		return Int64
	case reflect.Uint8:
		return Uint8
	}
	return Bool
}
