package pt

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"math"
	"slices"
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
// Python, int64(1) and true are different keys; as in Python, two
// FrozenSets with the same items in another order are the same key).
// Tuple, Size and FrozenSet keys may nest at most 64 deep.
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
	fin   finState    // while unpickling
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
	h, err := hashKey(key)
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
	var h hasher
	return d.set(&h, key, value)
}

// set is Set counting the hashing work in h.
func (d *OrderedDict) set(h *hasher, key, value any) error {
	hk, _, err := h.key(key, 0)
	if err != nil {
		return err
	}
	h.work += InsertWork
	if d.index == nil {
		d.index = make(map[any]int)
	}
	if i, ok := d.index[hk]; ok {
		d.vals[i] = value
		return nil
	}
	d.index[hk] = len(d.keys)
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

// maxKeyDepth bounds the nesting of tuple, frozenset and torch.Size dict
// keys.
const maxKeyDepth = 64

// maxInlineBytes is the longest bytes key kept as its own hash key; longer
// ones are identified by a digest, so that hashing them does not copy them.
const maxInlineBytes = 64

// Distinct Go types for hash keys, so that they never equal a string key.
type (
	bytesKey  string   // a short bytes key
	floatKey  uint64   // math.Float64bits, with NaN and -0 normalised
	digestKey [32]byte // SHA-256 of the encoding of a composite or long bytes key
)

// keyCache is the hash key of an immutable composite value of the
// unpickler (tuple, frozenset, torch.Size), computed once: hashing a key
// costs the size of its own items, never that of the keys nested in it
// again.
type keyCache struct {
	key    any // digestKey; nil until computed
	height int // nesting of composite keys, this one included
}

// hasher computes hash keys and counts the work they cost, in the
// unpickler's work units (see Limits.MaxWork).
type hasher struct{ work int64 }

// hashKey returns a comparable Go value identifying a Python dict key.
func hashKey(k any) (any, error) {
	var h hasher
	key, _, err := h.key(k, 0)
	return key, err
}

// key returns the hash key of k, found at nesting depth depth of the key
// being hashed, and the nesting height of k. Composite keys get a SHA-256
// digest of a canonical encoding of their kind and items' hash keys:
// frozensets sort their items' digests, so that two frozensets listing the
// same items in different orders are the same key, as in Python.
func (h *hasher) key(k any, depth int) (any, int, error) {
	h.work++
	switch v := k.(type) {
	case nil, bool, int64, DType:
		return v, 0, nil
	case string:
		h.work += int64(len(v)) / 16
		return v, 0, nil
	case Device:
		h.work += int64(len(v)) / 16
		return v, 0, nil
	case int:
		return int64(v), 0, nil
	case float64:
		return floatBits(v), 0, nil
	case complex128:
		return [2]floatKey{floatBits(real(v)), floatBits(imag(v))}, 0, nil
	case []byte:
		h.work += int64(len(v)) / 16
		if len(v) <= maxInlineBytes {
			return bytesKey(v), 0, nil
		}
		d := sha256.New()
		d.Write([]byte{'B'})
		d.Write(v)
		return digestKey(d.Sum(nil)), 0, nil
	}
	var cache *keyCache
	var kind byte
	var items []any
	switch v := k.(type) {
	case Tuple:
		kind, items = 't', v
	case *pyTuple:
		kind, items, cache = 't', v.items, &v.hash
	case FrozenSet:
		kind, items = 'f', v
	case *pySet:
		if !v.frozen {
			return nil, 0, errors.New("unhashable dict key of type set")
		}
		kind, items, cache = 'f', v.items, &v.hash
	case Size:
		return h.sizeKey(v, depth, nil)
	case *pySize:
		return h.sizeKey(v.dims, depth, &v.hash)
	default:
		return nil, 0, fmt.Errorf("unhashable dict key of type %s", typeName(k))
	}
	if cache != nil && cache.key != nil {
		if depth+cache.height > maxKeyDepth {
			return nil, 0, fmt.Errorf("dict key nested deeper than %d", maxKeyDepth)
		}
		return cache.key, cache.height, nil
	}
	if depth >= maxKeyDepth {
		return nil, 0, fmt.Errorf("dict key nested deeper than %d", maxKeyDepth)
	}
	h.work += 20 + int64(len(items))
	// The encoding is hashed in one call when it is small, which it
	// nearly always is, and streamed otherwise.
	var scratch [256]byte
	buf := append(scratch[:0], kind)
	if kind != 'f' {
		buf = binary.LittleEndian.AppendUint64(buf, uint64(len(items)))
	}
	var d hash.Hash
	height := 0
	var sums [][32]byte
	for _, it := range items {
		ik, ih, err := h.key(it, depth+1)
		if err != nil {
			return nil, 0, err
		}
		height = max(height, ih)
		if kind == 'f' {
			var one [64]byte
			sums = append(sums, sha256.Sum256(encodeKey(one[:0], ik)))
			continue
		}
		buf = encodeKey(buf, ik)
		if len(buf) >= 4096 {
			if d == nil {
				d = sha256.New()
			}
			d.Write(buf)
			buf = buf[:0]
		}
	}
	if kind == 'f' {
		// A set holds each item once: FrozenSet{1, 1} is FrozenSet{1}.
		slices.SortFunc(sums, func(a, b [32]byte) int { return bytes.Compare(a[:], b[:]) })
		sums = slices.Compact(sums)
		buf = binary.LittleEndian.AppendUint64(buf, uint64(len(sums)))
		for i := range sums {
			buf = append(buf, sums[i][:]...)
			if len(buf) >= 4096 {
				if d == nil {
					d = sha256.New()
				}
				d.Write(buf)
				buf = buf[:0]
			}
		}
	}
	var key digestKey
	if d == nil {
		key = sha256.Sum256(buf)
	} else {
		d.Write(buf)
		d.Sum(key[:0])
	}
	height++
	if cache != nil {
		cache.key, cache.height = key, height
	}
	return key, height, nil
}

// sizeKey is the hash key of a torch.Size (a tuple of ints, but a
// different key than the tuple, as the file says which it is).
func (h *hasher) sizeKey(dims []int64, depth int, cache *keyCache) (any, int, error) {
	if depth >= maxKeyDepth {
		return nil, 0, fmt.Errorf("dict key nested deeper than %d", maxKeyDepth)
	}
	if cache != nil && cache.key != nil {
		return cache.key, 1, nil
	}
	h.work += 20 + int64(len(dims))/2
	var scratch [256]byte
	buf := append(scratch[:0], 's')
	buf = binary.LittleEndian.AppendUint64(buf, uint64(len(dims)))
	for _, x := range dims {
		buf = binary.LittleEndian.AppendUint64(buf, uint64(x))
	}
	key := digestKey(sha256.Sum256(buf))
	if cache != nil {
		cache.key, cache.height = key, 1
	}
	return key, 1, nil
}

// encodeKey appends an unambiguous encoding of a hash key: a tag byte for
// its Go type, then its value, length-prefixed when its length varies.
func encodeKey(b []byte, k any) []byte {
	str := func(tag byte, s string) []byte {
		b = append(b, tag)
		b = binary.LittleEndian.AppendUint64(b, uint64(len(s)))
		return append(b, s...)
	}
	switch v := k.(type) {
	case nil:
		return append(b, 'N')
	case bool:
		if v {
			return append(b, 'T')
		}
		return append(b, 'F')
	case int64:
		return binary.LittleEndian.AppendUint64(append(b, 'i'), uint64(v))
	case DType:
		return append(b, 'd', byte(v))
	case string:
		return str('u', v)
	case Device:
		return str('D', string(v))
	case bytesKey:
		return str('b', string(v))
	case floatKey:
		return binary.LittleEndian.AppendUint64(append(b, 'g'), uint64(v))
	case [2]floatKey:
		b = binary.LittleEndian.AppendUint64(append(b, 'c'), uint64(v[0]))
		return binary.LittleEndian.AppendUint64(b, uint64(v[1]))
	case digestKey:
		return append(append(b, 'h'), v[:]...)
	}
	panic(fmt.Sprintf("pt: encodeKey of %T", k))
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
	case Size, *pySize:
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
