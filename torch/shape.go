package torch

/*
#include "shim.h"
*/
import "C"

import (
	"math"
	"runtime"
)

// End, as Slice's end, means "to the end of the dimension" (Python's a[i:]).
const End = math.MaxInt64

func (t *Tensor) withInts(op string, f func(C.tg_tensor, *C.int64_t, C.int64_t, *C.tg_tensor) C.tg_error, s []int64) *Tensor {
	var out C.tg_tensor
	check(op, f(t.handle(op), int64s(s), C.int64_t(len(s)), &out))
	runtime.KeepAlive(t)
	return newTensor(out)
}

func (t *Tensor) withTensor(op string, f func(C.tg_tensor, *C.tg_tensor) C.tg_error) *Tensor {
	var out C.tg_tensor
	check(op, f(t.handle(op), &out))
	runtime.KeepAlive(t)
	return newTensor(out)
}

// View returns a tensor sharing t's data with a new shape (one size may be
// -1 to be inferred); t must be laid out compatibly, as for tensor.view.
func (t *Tensor) View(shape ...int64) *Tensor {
	return t.withInts("View", func(a C.tg_tensor, p *C.int64_t, n C.int64_t, o *C.tg_tensor) C.tg_error {
		return C.tg_view(a, p, n, o)
	}, shape)
}

// AsStrided returns a view of t's storage with the given sizes, strides
// and storage offset, all in elements (torch.as_strided); libtorch checks
// that the view stays inside the storage.
func (t *Tensor) AsStrided(size, stride []int64, offset int64) *Tensor {
	if len(size) != len(stride) {
		panic(errorf("AsStrided", "mismatch in length of strides and shape: %d sizes, %d strides", len(size), len(stride)))
	}
	var out C.tg_tensor
	check("AsStrided", C.tg_as_strided(t.handle("AsStrided"), int64s(size), int64s(stride), C.int64_t(len(size)), C.int64_t(offset), &out))
	runtime.KeepAlive(t)
	runtime.KeepAlive(size)
	runtime.KeepAlive(stride)
	return newTensor(out)
}

// Reshape is View when possible and a copy otherwise.
func (t *Tensor) Reshape(shape ...int64) *Tensor {
	return t.withInts("Reshape", func(a C.tg_tensor, p *C.int64_t, n C.int64_t, o *C.tg_tensor) C.tg_error {
		return C.tg_reshape(a, p, n, o)
	}, shape)
}

// Expand broadcasts size-1 dims to shape without copying (-1 keeps a size).
func (t *Tensor) Expand(shape ...int64) *Tensor {
	return t.withInts("Expand", func(a C.tg_tensor, p *C.int64_t, n C.int64_t, o *C.tg_tensor) C.tg_error {
		return C.tg_expand(a, p, n, o)
	}, shape)
}

// Permute reorders dims: result dim i is t's dim dims[i].
func (t *Tensor) Permute(dims ...int64) *Tensor {
	return t.withInts("Permute", func(a C.tg_tensor, p *C.int64_t, n C.int64_t, o *C.tg_tensor) C.tg_error {
		return C.tg_permute(a, p, n, o)
	}, dims)
}

// Repeat tiles t reps[i] times along each dim.
func (t *Tensor) Repeat(reps ...int64) *Tensor {
	return t.withInts("Repeat", func(a C.tg_tensor, p *C.int64_t, n C.int64_t, o *C.tg_tensor) C.tg_error {
		return C.tg_repeat(a, p, n, o)
	}, reps)
}

// Unsqueeze inserts a dim of size 1 at dim.
func (t *Tensor) Unsqueeze(dim int64) *Tensor {
	var out C.tg_tensor
	check("Unsqueeze", C.tg_unsqueeze(t.handle("Unsqueeze"), C.int64_t(dim), &out))
	runtime.KeepAlive(t)
	return newTensor(out)
}

// Squeeze removes every dim of size 1.
func (t *Tensor) Squeeze() *Tensor {
	var out C.tg_tensor
	check("Squeeze", C.tg_squeeze(t.handle("Squeeze"), 1, 0, &out))
	runtime.KeepAlive(t)
	return newTensor(out)
}

// SqueezeDim removes dim if its size is 1.
func (t *Tensor) SqueezeDim(dim int64) *Tensor {
	var out C.tg_tensor
	check("SqueezeDim", C.tg_squeeze(t.handle("SqueezeDim"), 0, C.int64_t(dim), &out))
	runtime.KeepAlive(t)
	return newTensor(out)
}

// Transpose swaps dims d0 and d1 (a view).
func (t *Tensor) Transpose(d0, d1 int64) *Tensor {
	var out C.tg_tensor
	check("Transpose", C.tg_transpose(t.handle("Transpose"), C.int64_t(d0), C.int64_t(d1), &out))
	runtime.KeepAlive(t)
	return newTensor(out)
}

// Flatten merges dims start..end (inclusive; -1 is the last) into one.
func (t *Tensor) Flatten(start, end int64) *Tensor {
	var out C.tg_tensor
	check("Flatten", C.tg_flatten(t.handle("Flatten"), C.int64_t(start), C.int64_t(end), &out))
	runtime.KeepAlive(t)
	return newTensor(out)
}

// Contiguous returns t laid out in row-major order (t's data when it already is).
func (t *Tensor) Contiguous() *Tensor {
	return t.withTensor("Contiguous", func(a C.tg_tensor, o *C.tg_tensor) C.tg_error { return C.tg_contiguous(a, o) })
}

// Clone copies t's data (recorded by autograd).
func (t *Tensor) Clone() *Tensor {
	return t.withTensor("Clone", func(a C.tg_tensor, o *C.tg_tensor) C.tg_error { return C.tg_clone(a, o) })
}

// Detach returns a tensor sharing t's data, cut from the autograd graph.
func (t *Tensor) Detach() *Tensor {
	return t.withTensor("Detach", func(a C.tg_tensor, o *C.tg_tensor) C.tg_error { return C.tg_detach(a, o) })
}

// PinMemory returns a copy of t in page-locked host memory (pin_memory),
// from which To(CUDA(i), NonBlocking) copies asynchronously. It needs a
// CUDA device; without one it panics with libtorch's error.
func (t *Tensor) PinMemory() *Tensor {
	return t.withTensor("PinMemory", func(a C.tg_tensor, o *C.tg_tensor) C.tg_error { return C.tg_pin_memory(a, o) })
}

// IsPinned reports whether t lives in page-locked host memory.
func (t *Tensor) IsPinned() bool {
	var on C.int
	check("IsPinned", C.tg_is_pinned(t.handle("IsPinned"), &on))
	runtime.KeepAlive(t)
	return on != 0
}

// Narrow returns the view of length elements from start along dim.
func (t *Tensor) Narrow(dim, start, length int64) *Tensor {
	var out C.tg_tensor
	check("Narrow", C.tg_narrow(t.handle("Narrow"), C.int64_t(dim), C.int64_t(start), C.int64_t(length), &out))
	runtime.KeepAlive(t)
	return newTensor(out)
}

// Slice is Python's t[..., start:end:step, ...] along dim (a view). Negative
// start and end count from the end; End means up to the end.
func (t *Tensor) Slice(dim, start, end, step int64) *Tensor {
	var out C.tg_tensor
	check("Slice", C.tg_slice(t.handle("Slice"), C.int64_t(dim), C.int64_t(start), C.int64_t(end), C.int64_t(step), &out))
	runtime.KeepAlive(t)
	return newTensor(out)
}

// Select is Python's t[..., index, ...] along dim: the dim is removed.
func (t *Tensor) Select(dim, index int64) *Tensor {
	var out C.tg_tensor
	check("Select", C.tg_select(t.handle("Select"), C.int64_t(dim), C.int64_t(index), &out))
	runtime.KeepAlive(t)
	return newTensor(out)
}

func (t *Tensor) withIndex(op string, index *Tensor, f func(a, i C.tg_tensor, o *C.tg_tensor) C.tg_error) *Tensor {
	var out C.tg_tensor
	check(op, f(t.handle(op), index.handle(op), &out))
	runtime.KeepAlive(t)
	runtime.KeepAlive(index)
	return newTensor(out)
}

// IndexSelect picks the entries index (Int64, 1-D) along dim.
func (t *Tensor) IndexSelect(dim int64, index *Tensor) *Tensor {
	return t.withIndex("IndexSelect", index, func(a, i C.tg_tensor, o *C.tg_tensor) C.tg_error {
		return C.tg_index_select(a, C.int64_t(dim), i, o)
	})
}

// Index is Python's t[index] for an Int64 index tensor (picking along dim 0)
// or a Bool mask (picking the elements where it is true).
func (t *Tensor) Index(index *Tensor) *Tensor {
	return t.withIndex("Index", index, func(a, i C.tg_tensor, o *C.tg_tensor) C.tg_error { return C.tg_index(a, i, o) })
}

// Gather picks t's entries along dim at the positions in index (torch.gather).
func (t *Tensor) Gather(dim int64, index *Tensor) *Tensor {
	return t.withIndex("Gather", index, func(a, i C.tg_tensor, o *C.tg_tensor) C.tg_error {
		return C.tg_gather(a, C.int64_t(dim), i, o)
	})
}

// IndexPut_ is Python's t[index] = values, in place; returns t.
func (t *Tensor) IndexPut_(index, values *Tensor) *Tensor {
	check("IndexPut_", C.tg_index_put_(t.handle("IndexPut_"), index.handle("IndexPut_"), values.handle("IndexPut_")))
	runtime.KeepAlive(t)
	runtime.KeepAlive(index)
	runtime.KeepAlive(values)
	return t
}

// MaskedFill returns t with v where mask (Bool, broadcastable) is true.
func (t *Tensor) MaskedFill(mask *Tensor, v any) *Tensor {
	s := scalar("MaskedFill", v)
	return t.withIndex("MaskedFill", mask, func(a, m C.tg_tensor, o *C.tg_tensor) C.tg_error {
		return C.tg_masked_fill(a, m, s, o)
	})
}

func join(op string, ts []*Tensor, dim int64, stack bool) *Tensor {
	hs := handles(op, ts)
	var out C.tg_tensor
	check(op, C.tg_cat(handlesPtr(hs), C.int64_t(len(hs)), C.int64_t(dim), cbool(stack), &out))
	runtime.KeepAlive(ts)
	return newTensor(out)
}

// Cat joins tensors along an existing dim.
func Cat(ts []*Tensor, dim int64) *Tensor { return join("Cat", ts, dim, false) }

// Stack joins equally shaped tensors along a new dim.
func Stack(ts []*Tensor, dim int64) *Tensor { return join("Stack", ts, dim, true) }

// Chunk splits t into at most chunks views of equal size along dim (the last may be smaller).
func (t *Tensor) Chunk(chunks, dim int64) []*Tensor {
	var arr *C.tg_tensor
	var n C.int64_t
	check("Chunk", C.tg_split(t.handle("Chunk"), 0, C.int64_t(chunks), C.int64_t(dim), &arr, &n))
	runtime.KeepAlive(t)
	return tensorsFrom(arr, n)
}

// Split splits t into views of size elements along dim (the last may be smaller).
func (t *Tensor) Split(size, dim int64) []*Tensor {
	var arr *C.tg_tensor
	var n C.int64_t
	check("Split", C.tg_split(t.handle("Split"), 1, C.int64_t(size), C.int64_t(dim), &arr, &n))
	runtime.KeepAlive(t)
	return tensorsFrom(arr, n)
}

// SplitSizes splits t into views of the given sizes along dim.
func (t *Tensor) SplitSizes(sizes []int64, dim int64) []*Tensor {
	var arr *C.tg_tensor
	var n C.int64_t
	check("SplitSizes", C.tg_split_sizes(t.handle("SplitSizes"), int64s(sizes), C.int64_t(len(sizes)), C.int64_t(dim), &arr, &n))
	runtime.KeepAlive(t)
	return tensorsFrom(arr, n)
}
