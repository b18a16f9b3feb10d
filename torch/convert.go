package torch

/*
#include "shim.h"
*/
import "C"

import (
	"runtime"
	"unsafe"
)

type conversionOption struct{ nonBlocking, copy bool }

func (conversionOption) apply(*options) {}

// NonBlocking lets To return before a host↔GPU copy completes (from pinned memory).
var NonBlocking Option = conversionOption{nonBlocking: true}

// ForceCopy makes To copy even when t already has the requested dtype and device.
var ForceCopy Option = conversionOption{copy: true}

// apply makes a MemoryFormat an option of To (memory_format=); creation
// functions ignore it.
func (MemoryFormat) apply(*options) {}

// To returns t converted to the DType and/or moved to the Device among opts
// (NonBlocking and ForceCopy also apply) and laid out in their
// MemoryFormat (ChannelsLast needs 4 dimensions, ChannelsLast3d 5), like
// tensor.to(...). Without a change and without ForceCopy it returns a new
// handle to the same data.
func (t *Tensor) To(opts ...Option) *Tensor {
	o := collect(opts)
	var nonBlocking, copy bool
	format := PreserveFormat
	for _, op := range opts {
		switch c := op.(type) {
		case conversionOption:
			nonBlocking = nonBlocking || c.nonBlocking
			copy = copy || c.copy
		case MemoryFormat:
			format = c
		}
	}
	dt := C.int(-1)
	if o.hasDType {
		dt = C.int(o.dtype)
	}
	devType, devIdx := C.int(-1), C.int(-1)
	for _, op := range opts {
		if d, ok := op.(Device); ok {
			devType, devIdx = C.int(d.Type), C.int(d.Index)
		}
	}
	var out C.tg_tensor
	check("To", C.tg_tensor_to(t.handle("To"), dt, devType, devIdx, cbool(nonBlocking), cbool(copy), &out))
	runtime.KeepAlive(t)
	r := newTensor(out)
	if format != PreserveFormat {
		f := atenContiguous.tensorAs("To", r, format)
		r.Close()
		r = f
	}
	return r
}

// ToSlice copies t's elements, in row-major order, into a new Go slice,
// converting them to T's dtype (and from any device to the host) first.
func ToSlice[T Element](t *Tensor) []T {
	n := t.Numel()
	out := make([]T, n)
	var z T
	var ptr unsafe.Pointer
	if n > 0 {
		ptr = unsafe.Pointer(&out[0])
	}
	check("ToSlice", C.tg_tensor_copy_out(t.handle("ToSlice"), ptr, C.size_t(n)*C.size_t(unsafe.Sizeof(z)), C.int(DTypeOf[T]())))
	runtime.KeepAlive(t)
	return out
}

// Float32s copies t's elements as float32 values.
func (t *Tensor) Float32s() []float32 { return ToSlice[float32](t) }

// Float64s copies t's elements as float64 values.
func (t *Tensor) Float64s() []float64 { return ToSlice[float64](t) }

// Int64s copies t's elements as int64 values.
func (t *Tensor) Int64s() []int64 { return ToSlice[int64](t) }

// Bools copies t's elements as bools.
func (t *Tensor) Bools() []bool { return ToSlice[bool](t) }

// Bytes copies t's elements as the little-endian bytes of its own dtype, in
// row-major order (what a .pt file stores for a contiguous tensor).
func (t *Tensor) Bytes() []byte {
	inf := t.info("Bytes")
	out := make([]byte, inf.numel*int64(inf.dtype.Size()))
	var ptr unsafe.Pointer
	if len(out) > 0 {
		ptr = unsafe.Pointer(&out[0])
	}
	check("Bytes", C.tg_tensor_copy_out(t.h, ptr, C.size_t(len(out)), C.int(inf.dtype)))
	runtime.KeepAlive(t)
	return out
}

// FromBytes makes a tensor of dtype and shape from little-endian bytes laid
// out in row-major order (the inverse of Bytes). Panics when len(data) does
// not match.
func FromBytes(data []byte, dtype DType, shape []int64) *Tensor {
	var ptr unsafe.Pointer
	if len(data) > 0 {
		ptr = unsafe.Pointer(&data[0])
	}
	var out C.tg_tensor
	check("FromBytes", C.tg_tensor_from_data(ptr, C.size_t(len(data)), int64s(shape), C.int64_t(len(shape)), C.int(dtype), &out))
	runtime.KeepAlive(data)
	return newTensor(out)
}

func (t *Tensor) item(op string) any {
	var s C.tg_scalar
	check(op, C.tg_tensor_item(t.handle(op), &s))
	runtime.KeepAlive(t)
	return fromScalar(s)
}

// Item returns the value of a one-element tensor as a float64.
func (t *Tensor) Item() float64 {
	switch v := t.item("Item").(type) {
	case float64:
		return v
	case int64:
		return float64(v)
	case bool:
		if v {
			return 1
		}
	}
	return 0
}

// ItemInt returns the value of a one-element integer or bool tensor.
func (t *Tensor) ItemInt() int64 {
	switch v := t.item("ItemInt").(type) {
	case int64:
		return v
	case bool:
		if v {
			return 1
		}
		return 0
	default:
		panic(errorf("ItemInt", "tensor holds a floating value; use Item"))
	}
}

// ItemBool returns the value of a one-element tensor as a bool (nonzero is true).
func (t *Tensor) ItemBool() bool {
	switch v := t.item("ItemBool").(type) {
	case bool:
		return v
	case int64:
		return v != 0
	case float64:
		return v != 0
	}
	return false
}
