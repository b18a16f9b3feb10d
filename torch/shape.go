package torch

/*
#include "shim.h"
#cgo noescape tg_view
#cgo nocallback tg_view
#cgo noescape tg_reshape
#cgo nocallback tg_reshape
*/
import "C"

import (
	"math"
	"runtime"
)

// Shape, indexing and joining ops. View and Reshape, which the seed model's
// forward pass runs on every batch, are direct calls of the shim; the rest
// are thin wrappers over aten operators called through the boxed
// dispatcher. Errors name the Go method.

// End, as Slice's end, means "to the end of the dimension" (Python's a[i:]).
const End = math.MaxInt64

// View returns a tensor sharing t's data with a new shape (one size may be
// -1 to be inferred); t must be laid out compatibly, as for tensor.view.
func (t *Tensor) View(shape ...int64) *Tensor {
	var out C.tg_tensor
	check("View", C.tg_view(t.handle("View"), int64s(shape), C.int64_t(len(shape)), &out))
	runtime.KeepAlive(t)
	return newTensor(out)
}

// Reshape is View when possible and a copy otherwise.
func (t *Tensor) Reshape(shape ...int64) *Tensor {
	var out C.tg_tensor
	check("Reshape", C.tg_reshape(t.handle("Reshape"), int64s(shape), C.int64_t(len(shape)), &out))
	runtime.KeepAlive(t)
	return newTensor(out)
}

var (
	atenAsStrided     = &lazyOp{name: "aten::as_strided"}
	atenExpand        = &lazyOp{name: "aten::expand"}
	atenPermute       = &lazyOp{name: "aten::permute"}
	atenRepeat        = &lazyOp{name: "aten::repeat"}
	atenUnsqueeze     = &lazyOp{name: "aten::unsqueeze"}
	atenSqueeze       = &lazyOp{name: "aten::squeeze"}
	atenSqueezeDim    = &lazyOp{name: "aten::squeeze", overload: "dim"}
	atenTranspose     = &lazyOp{name: "aten::transpose", overload: "int"}
	atenFlatten       = &lazyOp{name: "aten::flatten", overload: "using_ints"}
	atenContiguous    = &lazyOp{name: "aten::contiguous"}
	atenClone         = &lazyOp{name: "aten::clone"}
	atenDetach        = &lazyOp{name: "aten::detach"}
	atenPinMemory     = &lazyOp{name: "aten::pin_memory"}
	atenIsPinned      = &lazyOp{name: "aten::is_pinned"}
	atenNarrow        = &lazyOp{name: "aten::narrow"}
	atenSlice         = &lazyOp{name: "aten::slice", overload: "Tensor"}
	atenSelect        = &lazyOp{name: "aten::select", overload: "int"}
	atenIndexSelect   = &lazyOp{name: "aten::index_select"}
	atenIndex         = &lazyOp{name: "aten::index", overload: "Tensor"}
	atenGather        = &lazyOp{name: "aten::gather"}
	atenIndexPut_     = &lazyOp{name: "aten::index_put_"}
	atenMaskedFill    = &lazyOp{name: "aten::masked_fill", overload: "Scalar"}
	atenCat           = &lazyOp{name: "aten::cat"}
	atenStack         = &lazyOp{name: "aten::stack"}
	atenChunk         = &lazyOp{name: "aten::chunk"}
	atenSplit         = &lazyOp{name: "aten::split", overload: "Tensor"}
	atenSplitWithSize = &lazyOp{name: "aten::split_with_sizes"}
)

// AsStrided returns a view of t's storage with the given sizes, strides
// and storage offset, all in elements (torch.as_strided); libtorch checks
// that the view stays inside the storage.
func (t *Tensor) AsStrided(size, stride []int64, offset int64) *Tensor {
	if len(size) != len(stride) {
		panic(errorf("AsStrided", "mismatch in length of strides and shape: %d sizes, %d strides", len(size), len(stride)))
	}
	return atenAsStrided.tensorAs("AsStrided", t, size, stride, offset)
}

// Expand broadcasts size-1 dims to shape without copying (-1 keeps a size).
func (t *Tensor) Expand(shape ...int64) *Tensor {
	return atenExpand.tensorAs("Expand", t, shape)
}

// Permute reorders dims: result dim i is t's dim dims[i].
func (t *Tensor) Permute(dims ...int64) *Tensor {
	return atenPermute.tensorAs("Permute", t, dims)
}

// Repeat tiles t reps[i] times along each dim.
func (t *Tensor) Repeat(reps ...int64) *Tensor { return atenRepeat.tensorAs("Repeat", t, reps) }

// Unsqueeze inserts a dim of size 1 at dim.
func (t *Tensor) Unsqueeze(dim int64) *Tensor { return atenUnsqueeze.tensorAs("Unsqueeze", t, dim) }

// Squeeze removes every dim of size 1.
func (t *Tensor) Squeeze() *Tensor { return atenSqueeze.tensorAs("Squeeze", t) }

// SqueezeDim removes dim if its size is 1.
func (t *Tensor) SqueezeDim(dim int64) *Tensor { return atenSqueezeDim.tensorAs("SqueezeDim", t, dim) }

// Transpose swaps dims d0 and d1 (a view).
func (t *Tensor) Transpose(d0, d1 int64) *Tensor {
	return atenTranspose.tensorAs("Transpose", t, d0, d1)
}

// Flatten merges dims start..end (inclusive; -1 is the last) into one.
func (t *Tensor) Flatten(start, end int64) *Tensor {
	return atenFlatten.tensorAs("Flatten", t, start, end)
}

// Contiguous returns t laid out in row-major order (t's data when it already is).
func (t *Tensor) Contiguous() *Tensor { return atenContiguous.tensorAs("Contiguous", t) }

// Clone copies t's data (recorded by autograd).
func (t *Tensor) Clone() *Tensor { return atenClone.tensorAs("Clone", t) }

// Detach returns a tensor sharing t's data, cut from the autograd graph.
func (t *Tensor) Detach() *Tensor { return atenDetach.tensorAs("Detach", t) }

// PinMemory returns a copy of t in page-locked host memory (pin_memory),
// from which To(CUDA(i), NonBlocking) copies asynchronously. It needs a
// CUDA device; without one it panics with libtorch's error.
func (t *Tensor) PinMemory() *Tensor { return atenPinMemory.tensorAs("PinMemory", t) }

// IsPinned reports whether t lives in page-locked host memory.
func (t *Tensor) IsPinned() bool { return atenIsPinned.as("IsPinned", t)[0].(bool) }

// Narrow returns the view of length elements from start along dim.
func (t *Tensor) Narrow(dim, start, length int64) *Tensor {
	return atenNarrow.tensorAs("Narrow", t, dim, start, length)
}

// Slice is Python's t[..., start:end:step, ...] along dim (a view). Negative
// start and end count from the end; End means up to the end.
func (t *Tensor) Slice(dim, start, end, step int64) *Tensor {
	return atenSlice.tensorAs("Slice", t, dim, start, end, step)
}

// Select is Python's t[..., index, ...] along dim: the dim is removed.
func (t *Tensor) Select(dim, index int64) *Tensor {
	return atenSelect.tensorAs("Select", t, dim, index)
}

// IndexSelect picks the entries index (Int64, 1-D) along dim.
func (t *Tensor) IndexSelect(dim int64, index *Tensor) *Tensor {
	return atenIndexSelect.tensorAs("IndexSelect", t, dim, index)
}

// indexList is the Tensor?[] of Python's t[index]; a nil index is refused
// here, as None would mean t[:].
func indexList(op string, index *Tensor) []*Tensor {
	if index == nil {
		panic(errorf(op, "%v", errNilTensor))
	}
	return []*Tensor{index}
}

// Index is Python's t[index] for an Int64 index tensor (picking along dim 0)
// or a Bool mask (picking the elements where it is true).
func (t *Tensor) Index(index *Tensor) *Tensor {
	return atenIndex.tensorAs("Index", t, indexList("Index", index))
}

// Gather picks t's entries along dim at the positions in index (torch.gather).
func (t *Tensor) Gather(dim int64, index *Tensor) *Tensor {
	return atenGather.tensorAs("Gather", t, dim, index)
}

// IndexPut_ is Python's t[index] = values, in place; returns t.
func (t *Tensor) IndexPut_(index, values *Tensor) *Tensor {
	return atenIndexPut_.inPlaceAs("IndexPut_", t, indexList("IndexPut_", index), values)
}

// MaskedFill returns t with v where mask (Bool, broadcastable) is true.
func (t *Tensor) MaskedFill(mask *Tensor, v any) *Tensor {
	return atenMaskedFill.tensorAs("MaskedFill", t, mask, num("MaskedFill", v))
}

// tensorList refuses nil tensors in ts, naming op.
func tensorList(op string, ts []*Tensor) []*Tensor {
	for _, t := range ts {
		t.handle(op)
	}
	return ts
}

// Cat joins tensors along an existing dim.
func Cat(ts []*Tensor, dim int64) *Tensor { return atenCat.tensorAs("Cat", tensorList("Cat", ts), dim) }

// Stack joins equally shaped tensors along a new dim.
func Stack(ts []*Tensor, dim int64) *Tensor {
	return atenStack.tensorAs("Stack", tensorList("Stack", ts), dim)
}

// Chunk splits t into at most chunks views of equal size along dim (the last may be smaller).
func (t *Tensor) Chunk(chunks, dim int64) []*Tensor {
	return atenChunk.as("Chunk", t, chunks, dim)[0].([]*Tensor)
}

// Split splits t into views of size elements along dim (the last may be smaller).
func (t *Tensor) Split(size, dim int64) []*Tensor {
	return atenSplit.as("Split", t, size, dim)[0].([]*Tensor)
}

// SplitSizes splits t into views of the given sizes along dim.
func (t *Tensor) SplitSizes(sizes []int64, dim int64) []*Tensor {
	return atenSplitWithSize.as("SplitSizes", t, sizes, dim)[0].([]*Tensor)
}
