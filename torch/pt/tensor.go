package pt

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
)

// Storage is a flat buffer of elements of one dtype, shared by every tensor
// that views it (as torch storages are).
type Storage struct {
	// DType is the element type of the buffer.
	DType DType
	// Data holds the elements as little-endian raw bytes; its length is a
	// multiple of DType.ElementSize().
	Data []byte
	// Device is the location torch recorded for the storage ("cpu",
	// "cuda:0", ...). The bytes are always in host memory here; Save writes
	// "cpu" when Device is empty.
	Device string
}

// Numel returns the number of elements in the storage.
func (s *Storage) Numel() int64 {
	es := s.DType.ElementSize()
	if es == 0 {
		return 0
	}
	return int64(len(s.Data) / es)
}

// Tensor is a strided view of a Storage, as torch.Tensor is.
//
// Element (i0, i1, ..., ik) lives at storage element
// Offset + i0*Stride[0] + ... + ik*Stride[k]. A 0-dim tensor (a scalar) has
// empty Shape and Stride and one element.
type Tensor struct {
	// Storage holds the elements; several tensors may share one.
	Storage *Storage
	// Offset is the index of the first element in Storage, in elements.
	Offset int64
	// Shape is the size of each dimension, in elements.
	Shape []int64
	// Stride is the step of each dimension in Storage, in elements.
	Stride []int64
	// RequiresGrad is the tensor's requires_grad flag.
	RequiresGrad bool
	// IsParameter is true for torch.nn.Parameter objects.
	IsParameter bool
}

// NewTensor returns a contiguous tensor on a new CPU storage that takes
// ownership of data, which must hold numel(shape) elements of dtype in
// row-major order as little-endian bytes. A nil or empty shape makes a
// 0-dim tensor with one element.
func NewTensor(dtype DType, shape []int64, data []byte) (*Tensor, error) {
	if !dtype.Valid() {
		return nil, fmt.Errorf("pt: NewTensor: invalid dtype %v", dtype)
	}
	n, err := numelOf(shape)
	if err != nil {
		return nil, fmt.Errorf("pt: NewTensor: %w", err)
	}
	es := int64(dtype.ElementSize())
	if n > math.MaxInt64/es || int64(len(data)) != n*es {
		return nil, fmt.Errorf("pt: NewTensor: shape %v of %v needs %d elements, data has %d bytes", shape, dtype, n, len(data))
	}
	return &Tensor{
		Storage: &Storage{DType: dtype, Data: data, Device: "cpu"},
		Shape:   append([]int64{}, shape...),
		Stride:  ContiguousStrides(shape),
	}, nil
}

// ContiguousStrides returns the row-major strides, in elements, of a tensor
// with the given shape: the last dimension has stride 1. Dimensions of size
// 0 or 1 get the stride torch gives them (the product of the later sizes,
// each at least 1).
func ContiguousStrides(shape []int64) []int64 {
	strides := make([]int64, len(shape))
	acc := int64(1)
	for i := len(shape) - 1; i >= 0; i-- {
		strides[i] = acc
		if shape[i] > 1 {
			acc *= shape[i]
		}
	}
	return strides
}

// DType returns the element type of the tensor's storage (Invalid if the
// tensor has no storage).
func (t *Tensor) DType() DType {
	if t.Storage == nil {
		return Invalid
	}
	return t.Storage.DType
}

// Numel returns the number of elements of the tensor: the product of Shape,
// 1 for a 0-dim tensor. It returns -1 when the product overflows int64 or a
// size is negative (such a tensor fails Validate).
func (t *Tensor) Numel() int64 {
	n, err := numelOf(t.Shape)
	if err != nil {
		return -1
	}
	return n
}

// IsContiguous reports whether the tensor's elements are laid out in
// row-major order without gaps, as torch's is_contiguous() does (strides of
// dimensions of size 1 are ignored).
func (t *Tensor) IsContiguous() bool {
	if len(t.Shape) != len(t.Stride) {
		return false
	}
	expected := int64(1)
	for i := len(t.Shape) - 1; i >= 0; i-- {
		if t.Shape[i] == 0 {
			return true
		}
		if t.Shape[i] != 1 {
			if t.Stride[i] != expected {
				return false
			}
			expected *= t.Shape[i]
		}
	}
	return true
}

// Validate checks that the tensor is well formed: it has a storage of a
// valid dtype whose length is a multiple of the element size, Shape and
// Stride have the same length, sizes, strides and Offset are non-negative,
// and every element it addresses lies inside the storage. Tensors returned
// by this package always pass.
func (t *Tensor) Validate() error {
	if t == nil || t.Storage == nil {
		return errors.New("tensor has no storage")
	}
	if !t.Storage.DType.Valid() {
		return fmt.Errorf("storage has invalid dtype %v", t.Storage.DType)
	}
	if len(t.Storage.Data)%t.Storage.DType.ElementSize() != 0 {
		return fmt.Errorf("storage holds %d bytes, not a multiple of the %v element size", len(t.Storage.Data), t.Storage.DType)
	}
	return checkView(t.Offset, t.Shape, t.Stride, t.Storage.Numel())
}

// checkView checks that a view (offset, shape, stride), all in elements,
// only addresses elements below storageNumel. An empty view addresses
// nothing and only needs non-negative values.
func checkView(offset int64, shape, stride []int64, storageNumel int64) error {
	if len(shape) != len(stride) {
		return fmt.Errorf("shape %v and stride %v have different lengths", shape, stride)
	}
	if offset < 0 {
		return fmt.Errorf("negative storage offset %d", offset)
	}
	for i := range shape {
		if shape[i] < 0 {
			return fmt.Errorf("negative size in shape %v", shape)
		}
		if stride[i] < 0 {
			return fmt.Errorf("negative stride in %v", stride)
		}
	}
	n, err := numelOf(shape)
	if err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	// extent = offset + sum((size-1)*stride) + 1, computed without overflow.
	extent := uint64(offset)
	for i := range shape {
		hi, lo := bits.Mul64(uint64(shape[i]-1), uint64(stride[i]))
		var carry uint64
		extent, carry = bits.Add64(extent, lo, 0)
		if hi != 0 || carry != 0 || extent > math.MaxInt64 {
			return fmt.Errorf("view (offset %d, shape %v, stride %v) overflows int64", offset, shape, stride)
		}
	}
	extent++
	if extent > uint64(storageNumel) {
		return fmt.Errorf("view (offset %d, shape %v, stride %v) needs %d storage elements, storage has %d", offset, shape, stride, extent, storageNumel)
	}
	return nil
}

// numelOf returns the product of shape, 1 for an empty shape.
func numelOf(shape []int64) (int64, error) {
	n := int64(1)
	zero := false
	for _, s := range shape {
		if s < 0 {
			return 0, fmt.Errorf("negative size in shape %v", shape)
		}
		if s == 0 {
			zero = true
			continue
		}
		hi, lo := bits.Mul64(uint64(n), uint64(s))
		if hi != 0 || lo > math.MaxInt64 {
			return 0, fmt.Errorf("shape %v has more than 2^63 elements", shape)
		}
		n = int64(lo)
	}
	if zero {
		return 0, nil
	}
	return n, nil
}

// Span returns the range [first, end) of storage elements that the view
// addresses: end-first is what holding the view costs, however large its
// logical size (an expanded tensor of 2^40 elements over one element spans
// one). An empty tensor spans nothing (0, 0). It panics if the tensor fails
// Validate.
func (t *Tensor) Span() (first, end int64) {
	if err := t.Validate(); err != nil {
		panic("pt: Span on invalid tensor: " + err.Error())
	}
	if t.Numel() == 0 {
		return 0, 0
	}
	end = t.Offset + 1
	for i, s := range t.Shape {
		end += (s - 1) * t.Stride[i] // Validate checked this cannot overflow
	}
	return t.Offset, end
}

// Expands reports whether the view has more elements than the storage
// elements it spans (an expanded or overlapping view), so that Contiguous's
// copy would be larger than the bytes the file holds for it.
func (t *Tensor) Expands() bool {
	first, end := t.Span()
	return t.Numel() > end-first
}

// Contiguous returns the tensor's elements in row-major order as
// little-endian bytes (Numel()*ElementSize() bytes), following Offset and
// Stride. For a tensor that is already contiguous the result aliases the
// storage; otherwise it is a new buffer of the logical size, which for a
// view that Expands can exceed the storage by any factor: code reading
// untrusted files checks Expands first, or keeps the view (torch.FromPT).
// It panics if the tensor fails Validate (tensors from this package never
// do).
func (t *Tensor) Contiguous() []byte {
	if err := t.Validate(); err != nil {
		panic("pt: Contiguous on invalid tensor: " + err.Error())
	}
	es := int64(t.Storage.DType.ElementSize())
	n := t.Numel()
	if n == 0 {
		return []byte{}
	}
	if t.IsContiguous() {
		start := t.Offset * es
		return t.Storage.Data[start : start+n*es : start+n*es]
	}
	out := make([]byte, 0, n*es)
	data := t.Storage.Data
	nd := len(t.Shape)
	// Copy runs along the last dimension; when its stride is 1 a run is one
	// slice copy.
	last := t.Shape[nd-1]
	lastStride := t.Stride[nd-1]
	idx := make([]int64, nd-1)
	for {
		base := t.Offset
		for i, v := range idx {
			base += v * t.Stride[i]
		}
		if lastStride == 1 {
			out = append(out, data[base*es:(base+last)*es]...)
		} else {
			for j := int64(0); j < last; j++ {
				p := (base + j*lastStride) * es
				out = append(out, data[p:p+es]...)
			}
		}
		// Advance the multi-index over the leading dimensions.
		d := nd - 2
		for ; d >= 0; d-- {
			idx[d]++
			if idx[d] < t.Shape[d] {
				break
			}
			idx[d] = 0
		}
		if d < 0 {
			return out
		}
	}
}
