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

// The creation functions below take options in any order (the options
// idiom, options.go) and call aten's factory operators through the boxed
// dispatcher, with dtype, layout, device and pin_memory as the schema's
// keyword arguments; errors name the Go function.

var (
	atenScalarTensor = &lazyOp{name: "aten::scalar_tensor"}
	atenZeros        = &lazyOp{name: "aten::zeros"}
	atenOnes         = &lazyOp{name: "aten::ones"}
	atenEmpty        = &lazyOp{name: "aten::empty", overload: "memory_format"}
	atenRand         = &lazyOp{name: "aten::rand", overload: "generator"}
	atenRandn        = &lazyOp{name: "aten::randn", overload: "generator"}
	atenFull         = &lazyOp{name: "aten::full"}
	atenArange       = &lazyOp{name: "aten::arange", overload: "start_step"}
	atenLinspace     = &lazyOp{name: "aten::linspace"}
	atenEye          = &lazyOp{name: "aten::eye", overload: "m"}
	atenRandint      = &lazyOp{name: "aten::randint", overload: "low_generator"}
	atenRandperm     = &lazyOp{name: "aten::randperm", overload: "generator"}
	atenZerosLike    = &lazyOp{name: "aten::zeros_like"}
	atenOnesLike     = &lazyOp{name: "aten::ones_like"}
	atenEmptyLike    = &lazyOp{name: "aten::empty_like"}
	atenRandLike     = &lazyOp{name: "aten::rand_like"}
	atenRandnLike    = &lazyOp{name: "aten::randn_like"}
)

// factory calls a factory operator with args followed by the keyword
// arguments dtype (None unless given), layout (None), device and
// pin_memory (None), and applies RequiresGrad.
func factory(op string, l *lazyOp, o options, args ...any) *Tensor {
	var dtype any
	if o.hasDType {
		dtype = o.dtype
	}
	pos := make([]any, 0, 8)
	pos = append(append(pos, args...), dtype, nil, o.device, nil)
	return o.finish(l.tensorAs(op, pos...))
}

// Scalar returns a 0-dim tensor holding v (a Go integer, float or bool); its
// dtype follows PyTorch: Int64 for integers, Float32 for floats, Bool.
func Scalar(v any, opts ...Option) *Tensor {
	o := collect(opts)
	s := num("Scalar", v)
	if !o.hasDType {
		switch s.(type) {
		case float64:
			o.dtype = Float32
		case int64:
			o.dtype = Int64
		default:
			o.dtype = Bool
		}
		o.hasDType = true
	}
	return factory("Scalar", atenScalarTensor, o, s)
}

// Zeros returns a tensor of the given shape filled with 0.
func Zeros(shape []int64, opts ...Option) *Tensor {
	return factory("Zeros", atenZeros, collect(opts), shape)
}

// Ones returns a tensor of the given shape filled with 1.
func Ones(shape []int64, opts ...Option) *Tensor {
	return factory("Ones", atenOnes, collect(opts), shape)
}

// Empty returns a tensor of the given shape with uninitialised contents.
func Empty(shape []int64, opts ...Option) *Tensor {
	return factory("Empty", atenEmpty, collect(opts), shape)
}

// Rand returns values drawn uniformly from [0, 1), consuming the generator
// (the default one unless a *Generator option is given) as torch.rand does.
func Rand(shape []int64, opts ...Option) *Tensor {
	o := collect(opts)
	return factory("Rand", atenRand, o, shape, o.gen)
}

// Randn returns values drawn from the standard normal distribution, as torch.randn.
func Randn(shape []int64, opts ...Option) *Tensor {
	o := collect(opts)
	return factory("Randn", atenRandn, o, shape, o.gen)
}

// Full returns a tensor of the given shape filled with value; its dtype
// follows value's kind (Int64, Float32 or Bool) unless a DType is given.
func Full(shape []int64, value any, opts ...Option) *Tensor {
	return factory("Full", atenFull, collect(opts), shape, num("Full", value))
}

// Arange returns the values start, start+step, ... below end (above it for
// a negative step), like torch.arange: Int64 when all three are Go integers,
// Float32 otherwise, unless a DType is given.
func Arange(start, end, step any, opts ...Option) *Tensor {
	return factory("Arange", atenArange, collect(opts), num("Arange", start), num("Arange", end), num("Arange", step))
}

// Linspace returns steps values evenly spaced from start to end inclusive.
func Linspace(start, end float64, steps int64, opts ...Option) *Tensor {
	return factory("Linspace", atenLinspace, collect(opts), start, end, steps)
}

// Eye returns the n×m matrix with ones on the diagonal.
func Eye(n, m int64, opts ...Option) *Tensor { return factory("Eye", atenEye, collect(opts), n, m) }

// Randint returns integers drawn uniformly from [low, high), Int64 by default.
func Randint(low, high int64, shape []int64, opts ...Option) *Tensor {
	o := collect(opts)
	if !o.hasDType {
		o.dtype, o.hasDType = Int64, true
	}
	return factory("Randint", atenRandint, o, low, high, shape, o.gen)
}

// Randperm returns a random permutation of 0..n-1 (Int64 by default),
// consuming the generator exactly as torch.randperm does.
func Randperm(n int64, opts ...Option) *Tensor {
	o := collect(opts)
	if !o.hasDType {
		o.dtype, o.hasDType = Int64, true
	}
	return factory("Randperm", atenRandperm, o, n, o.gen)
}

// ZerosLike returns zeros with t's shape, dtype and device.
func ZerosLike(t *Tensor) *Tensor { return atenZerosLike.tensorAs("ZerosLike", t) }

// OnesLike returns ones with t's shape, dtype and device.
func OnesLike(t *Tensor) *Tensor { return atenOnesLike.tensorAs("OnesLike", t) }

// EmptyLike returns an uninitialised tensor with t's shape, dtype and device.
func EmptyLike(t *Tensor) *Tensor { return atenEmptyLike.tensorAs("EmptyLike", t) }

// RandLike returns uniform [0, 1) values with t's shape, dtype and device.
func RandLike(t *Tensor) *Tensor { return atenRandLike.tensorAs("RandLike", t) }

// RandnLike returns standard normal values with t's shape, dtype and device.
func RandnLike(t *Tensor) *Tensor { return atenRandnLike.tensorAs("RandnLike", t) }
