package data

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/torchtest"
	"github.com/torchgo/torchgo/torch"
)

// rangeDataset's sample i is Sample{int64(i)}: collated batches are the
// indices themselves. It counts concurrent Get calls and can be slow.
type rangeDataset struct {
	n       int
	delay   time.Duration
	failAt  int // Get(failAt) errs; -1 for none
	panicAt int // Get(panicAt) panics; -1 for none
	active  atomic.Int32
	maxSeen atomic.Int32
}

func newRange(n int) *rangeDataset { return &rangeDataset{n: n, failAt: -1, panicAt: -1} }

func (d *rangeDataset) Len() int { return d.n }

func (d *rangeDataset) Get(i int) (Sample, error) {
	now := d.active.Add(1)
	defer d.active.Add(-1)
	for {
		m := d.maxSeen.Load()
		if now <= m || d.maxSeen.CompareAndSwap(m, now) {
			break
		}
	}
	if d.delay > 0 {
		time.Sleep(d.delay)
	}
	if i == d.failAt {
		return nil, fmt.Errorf("disk on fire")
	}
	if i == d.panicAt {
		panic("dataset bug")
	}
	if err := checkIndex("rangeDataset", i, d.n); err != nil {
		return nil, err
	}
	return Sample{int64(i)}, nil
}

// perSample hides a data set's GetBatch, forcing the per-sample path.
type perSample struct{ Dataset }

// epoch runs one epoch and returns every batch's indices and its field
// tensors' contents (as int64), checking that they agree when field 0
// holds the indices.
func epoch(t *testing.T, l *Loader) (indices [][]int, labels [][]int64) {
	t.Helper()
	it := l.Iter()
	defer it.Close()
	for it.Next() {
		indices = append(indices, append([]int(nil), it.Indices()...))
		b := it.Batch()
		labels = append(labels, b.Tensor(len(b)-1).Int64s())
	}
	require.NoError(t, it.Err())
	return indices, labels
}

func flatten[T any](xs [][]T) []T {
	var out []T
	for _, x := range xs {
		out = append(out, x...)
	}
	return out
}

func sizes[T any](xs [][]T) []int {
	out := make([]int, len(xs))
	for i, x := range xs {
		out[i] = len(x)
	}
	return out
}

// labelDataset returns TensorDataset(arange(2n).reshape(n, 2) float32, arange(n)).
func labelDataset(t *testing.T, n int) *TensorDataset {
	x := torch.Arange(0, 2*n, 1, torch.Float32).Reshape(int64(n), 2)
	y := torch.Arange(0, n, 1, torch.Int64)
	ds, err := NewTensorDataset(x, y)
	require.NoError(t, err)
	return ds
}

var settledLiveTensors = torchtest.SettledLiveTensors
