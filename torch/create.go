package torch

/*
#include "shim.h"
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// FromSlice copies data into a new CPU tensor of T's dtype with the given
// shape (by default 1-D of len(data)). Options may convert it (a DType, a
// Device) or make it require grad. Panics if the shape's element count is
// not len(data).
func FromSlice[T Element](data []T, shape []int64, opts ...Option) *Tensor {
	if shape == nil {
		shape = []int64{int64(len(data))}
	}
	var ptr unsafe.Pointer
	if len(data) > 0 {
		ptr = unsafe.Pointer(&data[0])
	}
	var z T
	nbytes := C.size_t(len(data)) * C.size_t(unsafe.Sizeof(z))
	var out C.tg_tensor
	check("FromSlice", C.tg_tensor_from_data(ptr, nbytes, int64s(shape), C.int64_t(len(shape)), C.int(DTypeOf[T]()), &out))
	runtime.KeepAlive(data)
	t := newTensor(out)
	o := collect(opts)
	if (o.hasDType && o.dtype != DTypeOf[T]()) || o.device != CPU {
		moved := t.To(opts...)
		t.Close()
		t = moved
	}
	return o.finish(t)
}

// Scalar returns a 0-dim tensor holding v (a Go integer, float or bool); its
// dtype follows PyTorch: Int64 for integers, Float32 for floats, Bool.
func Scalar(v any, opts ...Option) *Tensor {
	o := collect(opts)
	s := scalar("Scalar", v)
	if !o.hasDType {
		switch s.kind {
		case 0:
			o.dtype = Float32
		case 1:
			o.dtype = Int64
		default:
			o.dtype = Bool
		}
		o.hasDType = true
	}
	dt, dev, idx := o.c()
	var out C.tg_tensor
	check("Scalar", C.tg_scalar_tensor(s, dt, dev, idx, &out))
	return o.finish(newTensor(out))
}

const (
	fillZeros = iota
	fillOnes
	fillEmpty
	fillRand
	fillRandn
)

func fillNew(op string, kind int, shape []int64, opts []Option) *Tensor {
	o := collect(opts)
	dt, dev, idx := o.c()
	var out C.tg_tensor
	check(op, C.tg_fill_new(C.int(kind), int64s(shape), C.int64_t(len(shape)), dt, dev, idx, o.gen.cHandle(), &out))
	runtime.KeepAlive(o.gen)
	return o.finish(newTensor(out))
}

// Zeros returns a tensor of the given shape filled with 0.
func Zeros(shape []int64, opts ...Option) *Tensor { return fillNew("Zeros", fillZeros, shape, opts) }

// Ones returns a tensor of the given shape filled with 1.
func Ones(shape []int64, opts ...Option) *Tensor { return fillNew("Ones", fillOnes, shape, opts) }

// Empty returns a tensor of the given shape with uninitialised contents.
func Empty(shape []int64, opts ...Option) *Tensor { return fillNew("Empty", fillEmpty, shape, opts) }

// Rand returns values drawn uniformly from [0, 1), consuming the generator
// (the default one unless a *Generator option is given) as torch.rand does.
func Rand(shape []int64, opts ...Option) *Tensor { return fillNew("Rand", fillRand, shape, opts) }

// Randn returns values drawn from the standard normal distribution, as torch.randn.
func Randn(shape []int64, opts ...Option) *Tensor { return fillNew("Randn", fillRandn, shape, opts) }

// Full returns a tensor of the given shape filled with value; its dtype
// follows value's kind (Int64, Float32 or Bool) unless a DType is given.
func Full(shape []int64, value any, opts ...Option) *Tensor {
	o := collect(opts)
	dt, dev, idx := o.c()
	var out C.tg_tensor
	check("Full", C.tg_full(int64s(shape), C.int64_t(len(shape)), scalar("Full", value), dt, dev, idx, &out))
	return o.finish(newTensor(out))
}

// Arange returns the values start, start+step, ... below end (above it for
// a negative step), like torch.arange: Int64 when all three are Go integers,
// Float32 otherwise, unless a DType is given.
func Arange(start, end, step any, opts ...Option) *Tensor {
	o := collect(opts)
	dt, dev, idx := o.c()
	var out C.tg_tensor
	check("Arange", C.tg_arange(scalar("Arange", start), scalar("Arange", end), scalar("Arange", step), dt, dev, idx, &out))
	return o.finish(newTensor(out))
}

// Linspace returns steps values evenly spaced from start to end inclusive.
func Linspace(start, end float64, steps int64, opts ...Option) *Tensor {
	o := collect(opts)
	dt, dev, idx := o.c()
	var out C.tg_tensor
	check("Linspace", C.tg_linspace(C.double(start), C.double(end), C.int64_t(steps), dt, dev, idx, &out))
	return o.finish(newTensor(out))
}

// Eye returns the n×m matrix with ones on the diagonal.
func Eye(n, m int64, opts ...Option) *Tensor {
	o := collect(opts)
	dt, dev, idx := o.c()
	var out C.tg_tensor
	check("Eye", C.tg_eye(C.int64_t(n), C.int64_t(m), dt, dev, idx, &out))
	return o.finish(newTensor(out))
}

// Randint returns integers drawn uniformly from [low, high), Int64 by default.
func Randint(low, high int64, shape []int64, opts ...Option) *Tensor {
	o := collect(opts)
	if !o.hasDType {
		o.dtype, o.hasDType = Int64, true
	}
	dt, dev, idx := o.c()
	var out C.tg_tensor
	check("Randint", C.tg_randint(C.int64_t(low), C.int64_t(high), int64s(shape), C.int64_t(len(shape)), dt, dev, idx, o.gen.cHandle(), &out))
	runtime.KeepAlive(o.gen)
	return o.finish(newTensor(out))
}

// Randperm returns a random permutation of 0..n-1 (Int64 by default),
// consuming the generator exactly as torch.randperm does.
func Randperm(n int64, opts ...Option) *Tensor {
	o := collect(opts)
	if !o.hasDType {
		o.dtype, o.hasDType = Int64, true
	}
	dt, dev, idx := o.c()
	var out C.tg_tensor
	check("Randperm", C.tg_randperm(C.int64_t(n), dt, dev, idx, o.gen.cHandle(), &out))
	runtime.KeepAlive(o.gen)
	return o.finish(newTensor(out))
}

func like(op string, kind int, t *Tensor) *Tensor {
	var out C.tg_tensor
	check(op, C.tg_like(C.int(kind), t.handle(op), &out))
	runtime.KeepAlive(t)
	return newTensor(out)
}

// ZerosLike returns zeros with t's shape, dtype and device.
func ZerosLike(t *Tensor) *Tensor { return like("ZerosLike", fillZeros, t) }

// OnesLike returns ones with t's shape, dtype and device.
func OnesLike(t *Tensor) *Tensor { return like("OnesLike", fillOnes, t) }

// EmptyLike returns an uninitialised tensor with t's shape, dtype and device.
func EmptyLike(t *Tensor) *Tensor { return like("EmptyLike", fillEmpty, t) }

// RandLike returns uniform [0, 1) values with t's shape, dtype and device.
func RandLike(t *Tensor) *Tensor { return like("RandLike", fillRand, t) }

// RandnLike returns standard normal values with t's shape, dtype and device.
func RandnLike(t *Tensor) *Tensor { return like("RandnLike", fillRandn, t) }
