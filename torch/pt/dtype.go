package pt

import "fmt"

// DType is a tensor element type. Its String method gives PyTorch's name
// ("float32", "int64", ...). The zero value is Invalid.
type DType uint8

// The element types this package understands. All are stored little-endian.
const (
	Invalid    DType = iota // not a valid dtype
	Float32                 // torch.float32, 4 bytes
	Float64                 // torch.float64, 8 bytes
	Float16                 // torch.float16, 2 bytes
	BFloat16                // torch.bfloat16, 2 bytes
	Int8                    // torch.int8, 1 byte
	Int16                   // torch.int16, 2 bytes
	Int32                   // torch.int32, 4 bytes
	Int64                   // torch.int64, 8 bytes
	Uint8                   // torch.uint8, 1 byte
	Bool                    // torch.bool, 1 byte holding 0 or 1
	Complex64               // torch.complex64, 8 bytes (two float32)
	Complex128              // torch.complex128, 16 bytes (two float64)
	numDTypes
)

type dtypeInfo struct {
	name        string // PyTorch name, also the attribute in the torch module
	size        int    // bytes per element
	storage     string // legacy typed storage class in the torch module
	safetensors string // safetensors dtype tag, "" if it has none
}

var dtypeInfos = [numDTypes]dtypeInfo{
	Invalid:    {"invalid", 0, "", ""},
	Float32:    {"float32", 4, "FloatStorage", "F32"},
	Float64:    {"float64", 8, "DoubleStorage", "F64"},
	Float16:    {"float16", 2, "HalfStorage", "F16"},
	BFloat16:   {"bfloat16", 2, "BFloat16Storage", "BF16"},
	Int8:       {"int8", 1, "CharStorage", "I8"},
	Int16:      {"int16", 2, "ShortStorage", "I16"},
	Int32:      {"int32", 4, "IntStorage", "I32"},
	Int64:      {"int64", 8, "LongStorage", "I64"},
	Uint8:      {"uint8", 1, "ByteStorage", "U8"},
	Bool:       {"bool", 1, "BoolStorage", "BOOL"},
	Complex64:  {"complex64", 8, "ComplexFloatStorage", ""},
	Complex128: {"complex128", 16, "ComplexDoubleStorage", ""},
}

// String returns PyTorch's name for the dtype, such as "float32".
func (d DType) String() string {
	if d.Valid() {
		return dtypeInfos[d].name
	}
	return fmt.Sprintf("DType(%d)", uint8(d))
}

// Valid reports whether d is one of the defined dtypes (not Invalid).
func (d DType) Valid() bool { return d > Invalid && d < numDTypes }

// ElementSize returns the size of one element in bytes, or 0 for an invalid
// dtype.
func (d DType) ElementSize() int {
	if d.Valid() {
		return dtypeInfos[d].size
	}
	return 0
}

// StorageClass returns the name of the typed storage class torch.save uses
// for this dtype, such as "FloatStorage" (a global in the torch module).
func (d DType) StorageClass() string {
	if d.Valid() {
		return dtypeInfos[d].storage
	}
	return ""
}

// ParseDType returns the dtype with PyTorch name s ("float32", "int64", ...),
// also accepting the "torch." prefix and the aliases float, double, half,
// long, int, short, cfloat and cdouble.
func ParseDType(s string) (DType, bool) {
	if len(s) > 6 && s[:6] == "torch." {
		s = s[6:]
	}
	switch s {
	case "float":
		return Float32, true
	case "double":
		return Float64, true
	case "half":
		return Float16, true
	case "long":
		return Int64, true
	case "int":
		return Int32, true
	case "short":
		return Int16, true
	case "cfloat":
		return Complex64, true
	case "cdouble":
		return Complex128, true
	}
	for d := Invalid + 1; d < numDTypes; d++ {
		if dtypeInfos[d].name == s {
			return d, true
		}
	}
	return Invalid, false
}

// dtypeForStorageClass maps a typed storage class name (without module) to
// its dtype.
func dtypeForStorageClass(name string) (DType, bool) {
	for d := Invalid + 1; d < numDTypes; d++ {
		if dtypeInfos[d].storage == name {
			return d, true
		}
	}
	return Invalid, false
}

// dtypeForSafetensors maps a safetensors dtype tag ("F32", ...) to a dtype.
func dtypeForSafetensors(tag string) (DType, bool) {
	for d := Invalid + 1; d < numDTypes; d++ {
		if dtypeInfos[d].safetensors != "" && dtypeInfos[d].safetensors == tag {
			return d, true
		}
	}
	return Invalid, false
}
