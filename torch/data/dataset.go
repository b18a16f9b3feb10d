package data

import "fmt"

// Dataset is a map-style data set, torch.utils.data.Dataset: Len samples
// indexed 0..Len()-1.
//
// Get returns sample i, or an error (an *[IndexError] for i outside
// [0, Len())). A Loader with workers calls Get from several goroutines at
// once, so Get must be safe for concurrent use. Tensors that Get creates
// belong to the caller: the Loader frees them once the batch is collated
// (views, such as Select on a stored tensor, are the cheap way to return
// stored data). A Get that caches tensors it creates must Persist them.
type Dataset interface {
	Len() int
	Get(i int) (Sample, error)
}

// BatchGetter is optionally implemented by a Dataset that builds a whole
// collated batch at once, faster than one Get per sample (TensorDataset:
// one IndexSelect per tensor). GetBatch must return exactly what
// DefaultCollate would make of the samples; a Loader with the default
// collation uses it, also through Subsets.
type BatchGetter interface {
	GetBatch(indices []int) (Batch, error)
}

// Sample is one example: a tuple of fields, each a *torch.Tensor, a Go
// number, bool or string, a nested Sample or a map[string]any of those.
// See DefaultCollate for how samples become a Batch.
type Sample []any

// IndexError reports an index outside a data set: Index is not in [0, Len).
type IndexError struct {
	Dataset string // the data set's kind, e.g. "TensorDataset"
	Index   int
	Len     int
}

// Error says which index was out of which range.
func (e *IndexError) Error() string {
	return fmt.Sprintf("data: %s: index %d out of range [0, %d)", e.Dataset, e.Index, e.Len)
}

// checkIndex returns an *IndexError when i is outside [0, n).
func checkIndex(kind string, i, n int) error {
	if i < 0 || i >= n {
		return &IndexError{Dataset: kind, Index: i, Len: n}
	}
	return nil
}
