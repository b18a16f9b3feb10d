package torch

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// Tensor is an n-dimensional array held by libtorch. The zero value and nil
// are not usable tensors; operations on them panic with a *Error.
//
// A Tensor is not safe for concurrent mutation (in-place ops, Close) from
// several goroutines; concurrent reads are fine, as in PyTorch.
type Tensor struct {
	h C.tg_tensor
	// arena, for a tensor created in a scope, holds the handle's caller
	// reference: the arena's one cleanup drops it once no tensor of the
	// scope is reachable. Other tensors have a cleanup of their own.
	arena   *arena
	cleanup runtime.Cleanup
}

// newTensor wraps a handle returned by the shim (nil stays nil).
func newTensor(h C.tg_tensor) *Tensor {
	if h == nil {
		return nil
	}
	// The shim tagged a handle made in a scope with that scope's arena,
	// pinned until the scope ends; this tensor then keeps it alive.
	if a := (*arena)((*C.struct_tg_tensor_head)(unsafe.Pointer(h)).owner); a != nil {
		return &Tensor{h: h, arena: a}
	}
	t := &Tensor{h: h}
	t.cleanup = runtime.AddCleanup(t, freeHandle, h)
	return t
}

func freeHandle(h C.tg_tensor) { C.tg_tensor_free(h) }

// handle returns t's handle, panicking with an error naming op when t is nil
// or closed. Callers keep t alive until their cgo call returns.
func (t *Tensor) handle(op string) C.tg_tensor {
	if t == nil {
		panic(errorf(op, "tensor is nil"))
	}
	if t.h == nil {
		panic(errorf(op, "tensor is closed"))
	}
	return t.h
}

// optHandle is handle for optional arguments: nil means absent.
func (t *Tensor) optHandle(op string) C.tg_tensor {
	if t == nil {
		return nil
	}
	return t.handle(op)
}

// Close frees t's memory now. Closing twice, or closing nil, does nothing.
// Views of t (from View, Slice, ...) keep the shared memory alive until they
// are freed too.
func (t *Tensor) Close() {
	if t == nil || t.h == nil {
		return
	}
	if t.arena != nil {
		C.tg_tensor_release(t.h) // the arena still holds the reference
	} else {
		t.cleanup.Stop()
		C.tg_tensor_free(t.h)
	}
	t.h = nil
}

// Persist takes t out of every scope, so that it outlives them; it is freed
// by Close, or, as a backstop, by the garbage collector: once t is
// unreachable when t was made outside any scope, once every tensor made in
// the same scope is unreachable otherwise (they share one cleanup). Close
// what you persist. Returns t.
func (t *Tensor) Persist() *Tensor {
	check("Persist", C.tg_tensor_persist(t.handle("Persist")))
	runtime.KeepAlive(t)
	return t
}

// LiveTensors is the number of tensors whose memory is currently held
// through this package: created and neither closed, freed by a scope, nor
// collected. Tests use it to show that a loop leaks nothing.
func LiveTensors() int64 { return int64(C.tg_live_tensors()) }

type tensorInfo struct {
	dtype                          DType
	device                         Device
	dim, numel                     int64
	requiresGrad, leaf, contiguous bool
}

func (t *Tensor) info(op string) tensorInfo {
	var dtype, devType, devIndex, rg, leaf, contig C.int
	var dim, numel C.int64_t
	check(op, C.tg_tensor_info(t.handle(op), &dtype, &devType, &devIndex, &dim, &numel, &rg, &leaf, &contig))
	runtime.KeepAlive(t)
	return tensorInfo{
		dtype:        DType(dtype),
		device:       Device{Type: DeviceType(devType), Index: int(devIndex)},
		dim:          int64(dim),
		numel:        int64(numel),
		requiresGrad: rg != 0,
		leaf:         leaf != 0,
		contiguous:   contig != 0,
	}
}

// DType is t's element type.
func (t *Tensor) DType() DType { return t.info("DType").dtype }

// Device is where t's memory lives.
func (t *Tensor) Device() Device { return t.info("Device").device }

// Dim is t's number of dimensions (0 for a scalar).
func (t *Tensor) Dim() int64 { return t.info("Dim").dim }

// Numel is t's number of elements.
func (t *Tensor) Numel() int64 { return t.info("Numel").numel }

// RequiresGrad reports whether autograd records operations on t.
func (t *Tensor) RequiresGrad() bool { return t.info("RequiresGrad").requiresGrad }

// IsLeaf reports whether t was created by the user rather than by an
// operation recorded by autograd.
func (t *Tensor) IsLeaf() bool { return t.info("IsLeaf").leaf }

// IsContiguous reports whether t's elements lie in row-major order without gaps.
func (t *Tensor) IsContiguous() bool { return t.info("IsContiguous").contiguous }

// Shape is t's size along each dimension.
func (t *Tensor) Shape() []int64 {
	n := t.info("Shape").dim
	out := make([]int64, n)
	if n > 0 {
		check("Shape", C.tg_tensor_sizes(t.h, int64s(out), C.int64_t(n)))
	}
	runtime.KeepAlive(t)
	return out
}

// Size is t's size along dim (negative dims count from the end).
func (t *Tensor) Size(dim int64) int64 {
	shape := t.Shape()
	d := dim
	if d < 0 {
		d += int64(len(shape))
	}
	if d < 0 || d >= int64(len(shape)) {
		panic(errorf("Size", "dimension %d out of range for a tensor of %d dims", dim, len(shape)))
	}
	return shape[d]
}

// Strides is the step in elements between neighbours along each dimension.
func (t *Tensor) Strides() []int64 {
	n := t.info("Strides").dim
	out := make([]int64, n)
	if n > 0 {
		check("Strides", C.tg_tensor_strides(t.h, int64s(out), C.int64_t(n)))
	}
	runtime.KeepAlive(t)
	return out
}

// handles returns the handles of ts for one cgo call. A Go slice of C
// pointers may be passed to C; the caller keeps ts alive until the call returns.
func handles(op string, ts []*Tensor) []C.tg_tensor {
	hs := make([]C.tg_tensor, len(ts))
	for i, t := range ts {
		hs[i] = t.handle(op)
	}
	return hs
}

func handlesPtr(hs []C.tg_tensor) *C.tg_tensor {
	if len(hs) == 0 {
		return nil
	}
	return &hs[0]
}

// tensorsFrom wraps a malloc'ed array of n handles returned by the shim and frees the array.
func tensorsFrom(arr *C.tg_tensor, n C.int64_t) []*Tensor {
	if n == 0 || arr == nil {
		return nil
	}
	hs := unsafe.Slice(arr, int(n))
	out := make([]*Tensor, n)
	for i, h := range hs {
		out[i] = newTensor(h)
	}
	C.free(unsafe.Pointer(arr))
	return out
}
