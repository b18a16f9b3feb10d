package pt

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Tuple is a Python tuple.
type Tuple []any

// Set is a Python set; items keep the order in which the file listed them.
type Set []any

// FrozenSet is a Python frozenset; items keep the order in which the file
// listed them.
type FrozenSet []any

// ByteArray is a Python bytearray (a bytes object decodes to []byte).
type ByteArray []byte

// Size is a torch.Size value (a tuple of dimension sizes, in elements).
type Size []int64

// Device is a torch.device value, such as "cpu" or "cuda:0".
type Device string

// OrderedDict is a Python dict or collections.OrderedDict. Both keep their
// keys in insertion order (the order of the file). Keys are compared by Go
// type and value: string, int64, float64, bool, nil, complex128, DType,
// Device, []byte, Tuple, Size and FrozenSet keys are supported (unlike
// Python, int64(1) and true are different keys).
//
// The zero value is an empty collections.OrderedDict ready to use; use
// NewDict for a plain dict.
type OrderedDict struct {
	// Plain is true for a plain Python dict and false for
	// collections.OrderedDict. Save writes the matching type.
	Plain bool
	// Attrs holds Python attributes stored on an OrderedDict, such as the
	// "_metadata" attribute of a module's state_dict(); nil when there are
	// none. Save writes them back for OrderedDicts (not for plain dicts).
	Attrs *OrderedDict

	keys  []any
	vals  []any
	index map[any]int // hash key -> position in keys/vals
}

// NewOrderedDict returns an empty collections.OrderedDict.
func NewOrderedDict() *OrderedDict { return &OrderedDict{} }

// NewDict returns an empty plain Python dict.
func NewDict() *OrderedDict { return &OrderedDict{Plain: true} }

// Len returns the number of entries.
func (d *OrderedDict) Len() int { return len(d.keys) }

// Keys returns the keys in insertion order. The slice is a copy.
func (d *OrderedDict) Keys() []any { return append([]any(nil), d.keys...) }

// Values returns the values in insertion order. The slice is a copy.
func (d *OrderedDict) Values() []any { return append([]any(nil), d.vals...) }

// Get returns the value stored under key and whether it was present.
func (d *OrderedDict) Get(key any) (any, bool) {
	h, err := hashKey(key, 0)
	if err != nil || d.index == nil {
		return nil, false
	}
	i, ok := d.index[h]
	if !ok {
		return nil, false
	}
	return d.vals[i], true
}

// Set stores value under key. A new key goes at the end; an existing key
// keeps its position, as in Python. It returns an error for unhashable keys
// (lists, dicts, sets, tensors).
func (d *OrderedDict) Set(key, value any) error {
	h, err := hashKey(key, 0)
	if err != nil {
		return err
	}
	if d.index == nil {
		d.index = make(map[any]int)
	}
	if i, ok := d.index[h]; ok {
		d.vals[i] = value
		return nil
	}
	d.index[h] = len(d.keys)
	d.keys = append(d.keys, key)
	d.vals = append(d.vals, value)
	return nil
}

// MustSet is Set for keys known to be hashable (such as strings); it panics
// on an unhashable key.
func (d *OrderedDict) MustSet(key, value any) {
	if err := d.Set(key, value); err != nil {
		panic(err)
	}
}

// entry returns the i-th key and value.
func (d *OrderedDict) entry(i int) (any, any) { return d.keys[i], d.vals[i] }

// maxKeyLen bounds the size of the hash key of one (possibly nested) key, so
// that tuple keys built from shared sub-tuples cannot blow up.
const maxKeyLen = 1 << 16

// maxKeyDepth bounds the nesting of tuple keys.
const maxKeyDepth = 64

// Distinct Go types for hash keys of composite Python keys, so that they
// never equal a string key.
type (
	bytesKey     string
	tupleKey     string
	sizeKey      string
	frozenSetKey string
	floatKey     uint64 // math.Float64bits, with NaN and -0 normalised
)

// hashKey returns a comparable Go value identifying a Python dict key.
func hashKey(k any, depth int) (any, error) {
	if depth > maxKeyDepth {
		return nil, fmt.Errorf("dict key nested deeper than %d", maxKeyDepth)
	}
	switch v := k.(type) {
	case nil, bool, int64, string, DType, Device:
		return v, nil
	case int:
		return int64(v), nil
	case float64:
		return floatBits(v), nil
	case complex128:
		return [2]floatKey{floatBits(real(v)), floatBits(imag(v))}, nil
	case []byte:
		if len(v) > maxKeyLen {
			return nil, fmt.Errorf("dict key of %d bytes is too large", len(v))
		}
		return bytesKey(v), nil
	case Size:
		var sb strings.Builder
		for _, x := range v {
			sb.WriteString(strconv.FormatInt(x, 10))
			sb.WriteByte(',')
		}
		return sizeKey(sb.String()), nil
	case Tuple:
		s, err := joinKeys(v, depth)
		return tupleKey(s), err
	case FrozenSet:
		s, err := joinKeys(v, depth)
		return frozenSetKey(s), err
	case *pyTuple:
		if v.key == nil {
			s, err := joinKeys(v.items, depth)
			if err != nil {
				return nil, err
			}
			v.key = tupleKey(s)
		}
		return v.key, nil
	case *pySet:
		if !v.frozen {
			return nil, fmt.Errorf("unhashable dict key of type set")
		}
		s, err := joinKeys(v.items, depth)
		return frozenSetKey(s), err
	}
	return nil, fmt.Errorf("unhashable dict key of type %s", typeName(k))
}

func floatBits(f float64) floatKey {
	if f == 0 {
		f = 0 // -0 == 0
	}
	if math.IsNaN(f) {
		return floatKey(0x7ff8000000000001)
	}
	return floatKey(math.Float64bits(f))
}

// joinKeys encodes the hash keys of items, each as its Go type and a
// length-prefixed value, so that distinct tuples give distinct strings.
func joinKeys(items []any, depth int) (string, error) {
	var sb strings.Builder
	for _, it := range items {
		h, err := hashKey(it, depth+1)
		if err != nil {
			return "", err
		}
		s := fmt.Sprintf("%T:%v", h, h)
		sb.WriteString(strconv.Itoa(len(s)))
		sb.WriteByte(':')
		sb.WriteString(s)
		if sb.Len() > maxKeyLen {
			return "", fmt.Errorf("dict key is larger than %d bytes", maxKeyLen)
		}
	}
	return sb.String(), nil
}

// typeName names the Python type of a decoded value, for error messages.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "None"
	case bool:
		return "bool"
	case int64, int:
		return "int"
	case float64:
		return "float"
	case complex128:
		return "complex"
	case string:
		return "str"
	case []byte:
		return "bytes"
	case ByteArray:
		return "bytearray"
	case *Tensor:
		return "Tensor"
	case *Storage:
		return "Storage"
	case *OrderedDict:
		return "dict"
	case []any, *pyList:
		return "list"
	case Tuple, *pyTuple:
		return "tuple"
	case Set:
		return "set"
	case FrozenSet:
		return "frozenset"
	case *pySet:
		return "set"
	case Size:
		return "torch.Size"
	case Device:
		return "torch.device"
	case DType:
		return "torch.dtype"
	case *global:
		return "global"
	}
	return fmt.Sprintf("%T", v)
}
