package data

import "fmt"

// Subset is torch.utils.data.Subset: the samples of Dataset at Indices, in
// that order (sample i is Dataset.Get(Indices[i])).
type Subset struct {
	Dataset Dataset
	Indices []int
}

// NewSubset returns the subset of ds at indices, each of which must be in
// [0, ds.Len()). The indices are copied.
func NewSubset(ds Dataset, indices []int) (*Subset, error) {
	if ds == nil {
		return nil, fmt.Errorf("data: NewSubset: dataset is nil")
	}
	n := ds.Len()
	for j, i := range indices {
		if i < 0 || i >= n {
			return nil, fmt.Errorf("data: NewSubset: indices[%d] = %d out of range [0, %d)", j, i, n)
		}
	}
	return &Subset{Dataset: ds, Indices: append([]int(nil), indices...)}, nil
}

// Len is len(Indices).
func (s *Subset) Len() int { return len(s.Indices) }

// Get returns Dataset.Get(Indices[i]).
func (s *Subset) Get(i int) (Sample, error) {
	if err := checkIndex("Subset", i, len(s.Indices)); err != nil {
		return nil, err
	}
	return s.Dataset.Get(s.Indices[i])
}

// batchGetter returns a function building whole batches of ds at once when
// ds, or the data set under a chain of Subsets, is a BatchGetter; else nil.
func batchGetter(ds Dataset) func([]int) (Batch, error) {
	switch d := ds.(type) {
	case BatchGetter:
		return d.GetBatch
	case *Subset:
		inner := batchGetter(d.Dataset)
		if inner == nil {
			return nil
		}
		return func(indices []int) (Batch, error) {
			mapped := make([]int, len(indices))
			for j, i := range indices {
				if err := checkIndex("Subset", i, len(d.Indices)); err != nil {
					return nil, err
				}
				mapped[j] = d.Indices[i]
			}
			return inner(mapped)
		}
	}
	return nil
}
