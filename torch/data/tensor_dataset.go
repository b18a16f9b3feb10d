package data

import (
	"fmt"

	"github.com/torchgo/torchgo/torch"
)

// TensorDataset is torch.utils.data.TensorDataset: sample i is the i-th
// slice along dim 0 of each tensor, Sample{t0[i], t1[i], ...}. Tensors of
// shape (N, S...) give samples of shape (S...), and batches of shape
// (B, S...); a label tensor of shape (N) gives 0-dim samples and (B) batches.
//
// It reads the tensors without owning them: the caller keeps them alive
// while the data set is used and closes them afterwards. Loaders batch it
// without per-sample work (GetBatch: one IndexSelect per tensor).
type TensorDataset struct {
	tensors []*torch.Tensor
	n       int
}

// NewTensorDataset returns the data set of tensors, which must be at least
// one, each with at least one dimension, all of the same size along dim 0.
func NewTensorDataset(tensors ...*torch.Tensor) (*TensorDataset, error) {
	if len(tensors) == 0 {
		return nil, fmt.Errorf("data: NewTensorDataset: no tensors given")
	}
	n := int64(-1)
	for i, t := range tensors {
		if t == nil {
			return nil, fmt.Errorf("data: NewTensorDataset: tensor %d is nil", i)
		}
		var shape []int64
		if err := torch.Catch(func() error { shape = t.Shape(); return nil }); err != nil {
			return nil, fmt.Errorf("data: NewTensorDataset: tensor %d: %w", i, err)
		}
		if len(shape) == 0 {
			return nil, fmt.Errorf("data: NewTensorDataset: tensor %d is 0-dim; samples are taken along dim 0", i)
		}
		if n >= 0 && shape[0] != n {
			return nil, fmt.Errorf("data: NewTensorDataset: size mismatch between tensors: tensor 0 has %d along dim 0, tensor %d has %d", n, i, shape[0])
		}
		n = shape[0]
	}
	return &TensorDataset{tensors: append([]*torch.Tensor(nil), tensors...), n: int(n)}, nil
}

// Len is the size of dim 0.
func (d *TensorDataset) Len() int { return d.n }

// Tensors returns the tensors the data set reads.
func (d *TensorDataset) Tensors() []*torch.Tensor { return append([]*torch.Tensor(nil), d.tensors...) }

// Get returns Sample{t0.Select(0, i), t1.Select(0, i), ...}: views that
// share the tensors' memory.
func (d *TensorDataset) Get(i int) (Sample, error) {
	if err := checkIndex("TensorDataset", i, d.n); err != nil {
		return nil, err
	}
	s := make(Sample, len(d.tensors))
	err := torch.Catch(func() error {
		for j, t := range d.tensors {
			s[j] = t.Select(0, int64(i))
		}
		return nil
	})
	if err != nil {
		closeAll(s)
		return nil, err
	}
	return s, nil
}

// GetBatch returns Batch{t0.IndexSelect(0, idx), ...}, equal to
// DefaultCollate of the samples at indices, in one op per tensor.
func (d *TensorDataset) GetBatch(indices []int) (Batch, error) {
	idx := make([]int64, len(indices))
	for j, i := range indices {
		if err := checkIndex("TensorDataset", i, d.n); err != nil {
			return nil, err
		}
		idx[j] = int64(i)
	}
	b := make(Batch, len(d.tensors))
	err := torch.Catch(func() error {
		index := torch.FromSlice(idx, nil)
		defer index.Close()
		for j, t := range d.tensors {
			b[j] = t.IndexSelect(0, index)
		}
		return nil
	})
	if err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}
