package data

import (
	"errors"
	"fmt"

	"github.com/torchgo/torchgo/torch"
)

// LoadError reports a batch that could not be loaded: the sample whose Get
// failed (or panicked), or the collation.
type LoadError struct {
	Batch int // the batch's position in the epoch
	// Index is the data set index of the failing sample, or -1 when the
	// collation (or a whole-batch GetBatch not naming an index) failed.
	Index int
	Err   error
}

// Error names the sample (or the batch) and the cause.
func (e *LoadError) Error() string {
	if e.Index < 0 {
		return fmt.Sprintf("data: loading batch %d: %v", e.Batch, e.Err)
	}
	return fmt.Sprintf("data: loading sample %d (batch %d): %v", e.Index, e.Batch, e.Err)
}

// Unwrap returns the cause: Get's error, an *IndexError, a *torch.Error...
func (e *LoadError) Unwrap() error { return e.Err }

// load builds batch k from the data set indices idx. Everything created on
// the way is freed except the batch, which belongs to no scope: the caller
// owns it. Panics in Get or collation become errors.
func (l *Loader) load(k int, idx []int) (b Batch, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, &LoadError{Batch: k, Index: -1, Err: panicError(r)}
		}
	}()
	torch.WithScope(func(*torch.Scope) {
		if l.getBatch != nil {
			b, err = l.getBatch(idx)
			if err != nil {
				index := -1
				var ie *IndexError
				if errors.As(err, &ie) {
					index = ie.Index
				}
				err = &LoadError{Batch: k, Index: index, Err: err}
			}
		} else {
			b, err = l.collateSamples(k, idx)
		}
		if err == nil && l.cfg.pin && torch.CUDAIsAvailable() {
			b = pinned(b).(Batch) // the unpinned originals go with the scope
		}
		if err == nil {
			eachTensor(b, func(t *torch.Tensor) { t.Persist() })
		}
	})
	return b, err
}

// collateSamples reads the samples at idx with Get and collates them.
func (l *Loader) collateSamples(k int, idx []int) (Batch, error) {
	samples := make([]Sample, len(idx))
	for j, i := range idx {
		s, err := getSample(l.ds, i)
		if err != nil {
			return nil, &LoadError{Batch: k, Index: i, Err: err}
		}
		samples[j] = s
	}
	collate := l.cfg.collate
	if collate == nil {
		collate = DefaultCollate
	}
	b, err := callCollate(collate, samples)
	if err != nil {
		return nil, &LoadError{Batch: k, Index: -1, Err: err}
	}
	return b, nil
}

// getSample calls ds.Get(i), turning a panic into an error.
func getSample(ds Dataset, i int) (s Sample, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, panicError(r)
		}
	}()
	return ds.Get(i)
}

// callCollate calls f, turning a panic into an error.
func callCollate(f CollateFunc, samples []Sample) (b Batch, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("collate: %w", panicError(r))
		}
	}()
	return f(samples)
}

// panicError turns a recovered value into an error (a *torch.Error stays itself).
func panicError(r any) error {
	if e, ok := r.(error); ok {
		return fmt.Errorf("panic: %w", e)
	}
	return fmt.Errorf("panic: %v", r)
}
