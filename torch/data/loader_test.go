package data

import (
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/torch"
)

// The fast path (one IndexSelect per tensor) and the per-sample path give
// identical batches, through Subsets, with and without workers.
func TestFastPathEqualsPerSample(t *testing.T) {
	x := torch.Randn([]int64{103, 3, 4}, torch.NewGenerator(1))
	y := torch.Randint(0, 10, []int64{103}, torch.NewGenerator(2))
	m := torch.Rand([]int64{103}, torch.NewGenerator(3)).GtScalar(0.5)
	ds, err := NewTensorDataset(x, y, m)
	require.NoError(t, err)
	sub, err := NewSubset(ds, []int{5, 9, 100, 3, 3, 0, 77, 42, 8, 1, 2})
	require.NoError(t, err)
	for _, d := range []Dataset{ds, sub} {
		require.NotNil(t, batchGetter(d))
		require.Nil(t, batchGetter(perSample{d}))
		for _, workers := range []int{0, 2} {
			opts := []LoaderOption{BatchSize(4), Shuffle(true), WithGenerator(torch.NewGenerator(9))}
			if workers > 0 {
				opts = append(opts, Workers(workers))
			}
			fast, err := NewLoader(d, opts...)
			require.NoError(t, err)
			opts[2] = WithGenerator(torch.NewGenerator(9))
			slow, err := NewLoader(perSample{d}, opts...)
			require.NoError(t, err)
			a, b := fast.Iter(), slow.Iter()
			n := 0
			for a.Next() {
				require.True(t, b.Next())
				require.Equal(t, a.Indices(), b.Indices())
				for f := range 3 {
					fa, fb := a.Batch().Tensor(f), b.Batch().Tensor(f)
					require.Equal(t, fa.DType(), fb.DType())
					require.Equal(t, fa.Shape(), fb.Shape())
					require.Equal(t, fa.Bytes(), fb.Bytes())
				}
				n++
			}
			require.False(t, b.Next())
			require.NoError(t, a.Err())
			require.NoError(t, b.Err())
			require.Equal(t, fast.Len(), n)
		}
	}
}

func TestDropLastAndBatchSizes(t *testing.T) {
	for _, c := range []struct {
		n, bs int
		drop  bool
		sizes []int
	}{
		{10, 3, false, []int{3, 3, 3, 1}},
		{10, 3, true, []int{3, 3, 3}},
		{9, 3, true, []int{3, 3, 3}},
		{2, 3, true, nil},
		{2, 3, false, []int{2}},
		{5, 1, false, []int{1, 1, 1, 1, 1}},
	} {
		l, err := NewLoader(newRange(c.n), BatchSize(c.bs), DropLast(c.drop))
		require.NoError(t, err)
		idx, labels := epoch(t, l)
		require.Equal(t, append([]int{}, c.sizes...), append([]int{}, sizes(idx)...), "%+v", c)
		require.Equal(t, len(c.sizes), l.Len(), "%+v", c)
		require.Equal(t, flatten(idx), intsOf(flatten(labels)))
	}
	l, err := NewLoader(newRange(3)) // PyTorch's default batch size: 1
	require.NoError(t, err)
	require.Equal(t, 1, l.BatchSize())
	require.Equal(t, 3, l.Len())
}

func intsOf(xs []int64) []int {
	if len(xs) == 0 {
		return nil
	}
	out := make([]int, len(xs))
	for i, x := range xs {
		out[i] = int(x)
	}
	return out
}

func TestNewLoaderBadInput(t *testing.T) {
	for _, c := range []struct {
		name string
		ds   Dataset
		opts []LoaderOption
		msg  string
	}{
		{"batch size 0", newRange(5), []LoaderOption{BatchSize(0)}, "batch_size should be a positive integer value, but got batch_size=0"},
		{"batch size -3", newRange(5), []LoaderOption{BatchSize(-3)}, "batch_size should be a positive integer value, but got batch_size=-3"},
		{"empty", newRange(0), nil, "dataset is empty (Len() = 0)"},
		{"nil", nil, nil, "dataset is nil"},
		{"workers", newRange(5), []LoaderOption{Workers(-1)}, "num_workers option should be non-negative, got -1"},
		{"prefetch", newRange(5), []LoaderOption{Workers(1), Prefetch(0)}, "prefetch must be at least 1, got 0"},
		{"prefetch without workers", newRange(5), []LoaderOption{Prefetch(3)}, "prefetch (3) needs Workers > 0"},
	} {
		_, err := NewLoader(c.ds, c.opts...)
		require.Error(t, err, c.name)
		require.Contains(t, err.Error(), "data: NewLoader: "+c.msg, c.name)
	}
	_, err := NewRandomSampler(0, RandomSamplerOptions{})
	require.ErrorContains(t, err, "num_samples should be a positive integer value, but got num_samples=0")
	_, err = NewRandomSampler(5, RandomSamplerOptions{NumSamples: -1})
	require.ErrorContains(t, err, "num_samples should be a positive integer value")
}

func TestDatasetBadInput(t *testing.T) {
	x := torch.Zeros([]int64{4, 2})
	_, err := NewTensorDataset()
	require.ErrorContains(t, err, "data: NewTensorDataset: no tensors given")
	_, err = NewTensorDataset(x, torch.Zeros([]int64{5}))
	require.ErrorContains(t, err, "size mismatch between tensors: tensor 0 has 4 along dim 0, tensor 1 has 5")
	_, err = NewTensorDataset(torch.Scalar(1.0))
	require.ErrorContains(t, err, "tensor 0 is 0-dim")
	_, err = NewTensorDataset(x, nil)
	require.ErrorContains(t, err, "tensor 1 is nil")
	closed := torch.Zeros([]int64{2})
	closed.Close()
	_, err = NewTensorDataset(closed)
	require.ErrorContains(t, err, "tensor 0: torch: Shape: tensor is closed")

	ds, err := NewTensorDataset(x)
	require.NoError(t, err)
	_, err = ds.Get(4)
	require.EqualError(t, err, "data: TensorDataset: index 4 out of range [0, 4)")
	_, err = ds.Get(-1)
	require.EqualError(t, err, "data: TensorDataset: index -1 out of range [0, 4)")
	_, err = ds.GetBatch([]int{0, 7})
	var ie *IndexError
	require.ErrorAs(t, err, &ie)
	require.Equal(t, 7, ie.Index)

	_, err = NewSubset(ds, []int{0, 4})
	require.EqualError(t, err, "data: NewSubset: indices[1] = 4 out of range [0, 4)")
	sub, err := NewSubset(ds, []int{3, 1})
	require.NoError(t, err)
	_, err = sub.Get(2)
	require.EqualError(t, err, "data: Subset: index 2 out of range [0, 2)")

	_, err = NewConcatDataset()
	require.ErrorContains(t, err, "data: NewConcatDataset: ")
}

// A sampler yielding a bad index, a Get that fails, and a Get that panics
// end the epoch with a *LoadError naming the sample; workers or not.
func TestLoadErrorsNameTheSample(t *testing.T) {
	x := torch.Zeros([]int64{4, 2})
	tds, err := NewTensorDataset(x)
	require.NoError(t, err)
	fail := newRange(50)
	fail.failAt = 37
	boom := newRange(50)
	boom.panicAt = 12
	for _, c := range []struct {
		name  string
		ds    Dataset
		opts  []LoaderOption
		index int
		msg   string
	}{
		{"fast path, bad index", tds, []LoaderOption{WithSampler(SequentialSampler{N: 6}), BatchSize(3)}, 4, "data: loading sample 4 (batch 1): data: TensorDataset: index 4 out of range [0, 4)"},
		{"per sample, bad index", perSample{tds}, []LoaderOption{WithSampler(SequentialSampler{N: 6}), BatchSize(3)}, 4, "data: loading sample 4 (batch 1): data: TensorDataset: index 4 out of range [0, 4)"},
		{"failing Get", fail, []LoaderOption{BatchSize(5)}, 37, "data: loading sample 37 (batch 7): disk on fire"},
		{"panicking Get", boom, []LoaderOption{BatchSize(5)}, 12, "data: loading sample 12 (batch 2): panic: dataset bug"},
		{"collate", newRange(10), []LoaderOption{BatchSize(5), WithCollate(func([]Sample) (Batch, error) { return nil, errors.New("no") })}, -1, "data: loading batch 0: no"},
		{"panicking collate", newRange(10), []LoaderOption{BatchSize(5), WithCollate(func([]Sample) (Batch, error) { panic("oops") })}, -1, "data: loading batch 0: collate: panic: oops"},
	} {
		for _, workers := range []int{0, 3} {
			opts := c.opts
			if workers > 0 {
				opts = append(opts[:len(opts):len(opts)], Workers(workers))
			}
			l, err := NewLoader(c.ds, opts...)
			require.NoError(t, err, c.name)
			it := l.Iter()
			n := 0
			for it.Next() {
				n++
			}
			err = it.Err()
			require.Error(t, err, c.name)
			require.EqualError(t, err, c.msg, c.name)
			var le *LoadError
			require.ErrorAs(t, err, &le, c.name)
			require.Equal(t, c.index, le.Index, c.name)
			require.Equal(t, le.Batch, n, "%s: batches before the failing one are delivered", c.name)
			require.False(t, it.Next())
			it.Close()
		}
	}
}

// Workers really load concurrently, in order, and overlap the consumer.
func TestWorkersLoadConcurrently(t *testing.T) {
	ds := newRange(32)
	ds.delay = 20 * time.Millisecond
	l, err := NewLoader(ds, BatchSize(2), Workers(4))
	require.NoError(t, err)
	start := time.Now()
	idx, labels := epoch(t, l)
	parallel := time.Since(start)
	require.Equal(t, SequentialSampler{N: 32}.Indices(), flatten(idx))
	require.Equal(t, flatten(idx), intsOf(flatten(labels)))
	require.Greater(t, ds.maxSeen.Load(), int32(1), "Get calls overlapped")

	seq := newRange(32)
	seq.delay = ds.delay
	l, err = NewLoader(seq, BatchSize(2))
	require.NoError(t, err)
	start = time.Now()
	epoch(t, l)
	sequential := time.Since(start)
	require.Equal(t, int32(1), seq.maxSeen.Load())
	require.Less(t, parallel, sequential*3/4, "4 workers: %v, none: %v", parallel, sequential)
}

// goroutinesSettle waits until the goroutine count is back to at most n.
func goroutinesSettle(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	require.LessOrEqual(t, runtime.NumGoroutine(), n, "goroutines leaked")
}

// Stopping early, finishing, or failing leaves no goroutine and no tensor
// behind; batches are freed by the iterator, not the consumer.
func TestNoLeaks(t *testing.T) {
	ds := labelDataset(t, 1000)
	slow := newRange(200)
	slow.delay = time.Millisecond
	fail := newRange(200)
	fail.failAt = 50
	goroutines := runtime.NumGoroutine()
	tensors := settledLiveTensors()
	for _, d := range []Dataset{ds, perSample{ds}, slow, fail} {
		for _, workers := range []int{0, 1, 4} {
			opts := []LoaderOption{BatchSize(10)}
			if workers > 0 {
				opts = append(opts, Workers(workers), Prefetch(3))
			}
			l, err := NewLoader(d, opts...)
			require.NoError(t, err)
			// Stop after two batches.
			it := l.Iter()
			require.True(t, it.Next())
			first := it.Batch().Tensor(0)
			require.True(t, it.Next())
			require.Panics(t, func() { first.Int64s() }, "Next frees the previous batch")
			time.Sleep(5 * time.Millisecond) // let the workers fill the prefetch queue
			it.Close()
			it.Close()
			require.False(t, it.Next())
			goroutinesSettle(t, goroutines)
			require.Equal(t, tensors, torch.LiveTensors(), "tensors leaked stopping early")
			// Run to the end (or the error), without calling Close.
			it = l.Iter()
			for it.Next() {
			}
			goroutinesSettle(t, goroutines)
			require.Equal(t, tensors, torch.LiveTensors(), "tensors leaked at the end")
		}
	}
}

// Batches built by workers do not belong to the consumer's scope: a batch
// survives a step's scope and is freed by the iterator.
func TestBatchesOutliveConsumerScopes(t *testing.T) {
	ds := labelDataset(t, 20)
	before := settledLiveTensors()
	for _, workers := range []int{0, 2} {
		opts := []LoaderOption{BatchSize(4)}
		if workers > 0 {
			opts = append(opts, Workers(workers))
		}
		l, err := NewLoader(perSample{ds}, opts...)
		require.NoError(t, err)
		torch.WithScope(func(*torch.Scope) {
			it := l.Iter()
			defer it.Close()
			var prev Batch
			for it.Next() {
				torch.WithScope(func(*torch.Scope) {
					x := it.Batch().Tensor(0)
					x.MulScalar(2).Sum().Item()
				})
				require.NotPanics(t, func() { it.Batch().Tensor(1).Int64s() }, "the step's scope left the batch alone")
				if prev != nil {
					require.Panics(t, func() { prev.Tensor(1).Int64s() })
				}
				prev = it.Batch()
			}
			require.NoError(t, it.Err())
		})
		require.Equal(t, before, torch.LiveTensors())
	}
}

func TestCustomCollateAndConcat(t *testing.T) {
	a, b := newRange(3), newRange(4)
	c, err := NewConcatDataset(a, b)
	require.NoError(t, err)
	require.Equal(t, 7, c.Len())
	_, err = c.Get(7)
	require.EqualError(t, err, "data: ConcatDataset: index 7 out of range [0, 7)")
	sum := func(samples []Sample) (Batch, error) {
		var s int64
		for _, smp := range samples {
			s += smp[0].(int64)
		}
		return Batch{torch.Scalar(s), len(samples)}, nil
	}
	l, err := NewLoader(c, BatchSize(3), WithCollate(sum), Workers(2))
	require.NoError(t, err)
	it := l.Iter()
	var got [][2]int64
	for it.Next() {
		got = append(got, [2]int64{it.Batch().Tensor(0).ItemInt(), int64(it.Batch()[1].(int))})
	}
	require.NoError(t, it.Err())
	// samples 0 1 2 | 0 1 2 3 → batches {0,1,2} {0,1,2} {3}
	require.Equal(t, [][2]int64{{3, 3}, {3, 3}, {3, 1}}, got)
}

// One epoch of the seed's recipe: 48,000 MNIST-shaped samples, batch 256,
// shuffled, on the fast path.
func BenchmarkLoaderEpochMNISTShaped(b *testing.B) {
	x := torch.Randint(0, 256, []int64{60000, 28, 28}, torch.Uint8)
	y := torch.Randint(0, 10, []int64{60000})
	ds, err := NewTensorDataset(x, y)
	require.NoError(b, err)
	parts, err := RandomSplit(ds, []float64{0.8, 0.2}, nil)
	require.NoError(b, err)
	for _, workers := range []int{0, 2} {
		b.Run("workers="+string(rune('0'+workers)), func(b *testing.B) {
			opts := []LoaderOption{BatchSize(256), Shuffle(true)}
			if workers > 0 {
				opts = append(opts, Workers(workers))
			}
			l, err := NewLoader(parts[0], opts...)
			require.NoError(b, err)
			for b.Loop() {
				it := l.Iter()
				for it.Next() {
				}
				require.NoError(b, it.Err())
			}
		})
	}
}

// PinMemory pins every batch tensor when a CUDA device is present and
// leaves batches as they are without one, as PyTorch's DataLoader does.
func TestLoaderPinMemory(t *testing.T) {
	ds, err := NewTensorDataset(torch.Arange(0, 12, 1, torch.Float32).View(6, 2), torch.Arange(0, 6, 1))
	require.NoError(t, err)
	l, err := NewLoader(ds, BatchSize(4), PinMemory(true))
	require.NoError(t, err)
	it := l.Iter()
	defer it.Close()
	require.True(t, it.Next())
	b := it.Batch()
	require.Equal(t, []float32{0, 1, 2, 3, 4, 5, 6, 7}, torch.ToSlice[float32](b.Tensor(0)))
	require.Equal(t, torch.CUDAIsAvailable(), b.Tensor(0).IsPinned())
	require.Equal(t, torch.CUDAIsAvailable(), b.Tensor(1).IsPinned())
}

// Distributed gives a loader over one replica's share, with the loader's
// batch size and shuffling, and refuses a loader with its own sampler.
func TestLoaderDistributed(t *testing.T) {
	ds, err := NewTensorDataset(torch.Arange(0, 10, 1))
	require.NoError(t, err)
	l, err := NewLoader(ds, BatchSize(2), Shuffle(true))
	require.NoError(t, err)
	d, s, err := l.Distributed(2, 1, 7)
	require.NoError(t, err)
	s.SetEpoch(3)
	want, err := NewDistributedSampler(10, 2, 1, DistributedOptions{Seed: 7})
	require.NoError(t, err)
	want.SetEpoch(3)
	require.Equal(t, 3, d.Len())
	var got []int
	it := d.Iter()
	defer it.Close()
	for it.Next() {
		got = append(got, it.Indices()...)
	}
	require.Equal(t, want.Indices(), got)
	_, _, err = d.Distributed(2, 0, 7)
	require.ErrorContains(t, err, "has its own sampler")
}
