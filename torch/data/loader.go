package data

import (
	"fmt"

	"github.com/torchgo/torchgo/torch"
)

// Loader is torch.utils.data.DataLoader for map-style data sets: it groups
// the sampler's indices into batches of BatchSize, collates them and
// delivers them through an Iter, one per epoch. Make it with NewLoader.
//
// A Loader may be iterated any number of times, but one Iter at a time
// (like PyTorch, the sampler's epoch state is shared).
type Loader struct {
	ds       Dataset
	cfg      loaderConfig
	sampler  Sampler
	getBatch func([]int) (Batch, error) // fast path, nil if none
}

type loaderConfig struct {
	batchSize int
	shuffle   bool
	dropLast  bool
	gen       *torch.Generator
	sampler   Sampler
	collate   CollateFunc
	workers   int
	prefetch  int
	pin       bool
}

// LoaderOption configures NewLoader. Without options a Loader has
// PyTorch's defaults: batch size 1, no shuffling, the last incomplete batch
// kept, DefaultCollate, loading on the consumer's goroutine.
type LoaderOption func(*loaderConfig)

// BatchSize sets how many samples a batch has (PyTorch's batch_size,
// default 1); it must be positive.
func BatchSize(n int) LoaderOption { return func(c *loaderConfig) { c.batchSize = n } }

// Shuffle reshuffles the data set every epoch with a RandomSampler (using
// the loader's generator); PyTorch's shuffle. Not with WithSampler.
func Shuffle(on bool) LoaderOption { return func(c *loaderConfig) { c.shuffle = on } }

// DropLast drops the last batch of an epoch when it is incomplete.
func DropLast(on bool) LoaderOption { return func(c *loaderConfig) { c.dropLast = on } }

// WithGenerator makes the loader draw its per-epoch base seed from g, and
// shuffle with g, instead of the default generator (DataLoader's generator).
func WithGenerator(g *torch.Generator) LoaderOption { return func(c *loaderConfig) { c.gen = g } }

// WithSampler sets the sampler that chooses each epoch's indices, e.g. a
// DistributedSampler (DataLoader's sampler). Not with Shuffle(true).
func WithSampler(s Sampler) LoaderOption { return func(c *loaderConfig) { c.sampler = s } }

// WithCollate replaces DefaultCollate (DataLoader's collate_fn). The
// loader then always reads samples one by one with Get.
func WithCollate(f CollateFunc) LoaderOption { return func(c *loaderConfig) { c.collate = f } }

// Workers sets how many goroutines load batches ahead of the consumer
// (num_workers; default 0: each batch is loaded inside Next, on the
// consumer's goroutine). Every worker builds whole batches.
func Workers(n int) LoaderOption { return func(c *loaderConfig) { c.workers = n } }

// PinMemory puts each batch's tensors in page-locked memory (pin_memory),
// so that the trainer's copies to the GPU do not block. Without a CUDA
// device it does nothing (PyTorch's DataLoader warns and does the same).
func PinMemory(on bool) LoaderOption { return func(c *loaderConfig) { c.pin = on } }

// Prefetch sets how many batches each worker may load ahead
// (prefetch_factor, default 2); it needs Workers.
func Prefetch(n int) LoaderOption { return func(c *loaderConfig) { c.prefetch = n } }

// NewLoader returns a loader over ds. It fails on a nil or empty data set,
// a batch size below 1, a negative worker count, a prefetch below 1, and
// Shuffle(true) together with WithSampler.
func NewLoader(ds Dataset, opts ...LoaderOption) (*Loader, error) {
	cfg := loaderConfig{batchSize: 1, prefetch: -1}
	for _, o := range opts {
		o(&cfg)
	}
	if ds == nil {
		return nil, fmt.Errorf("data: NewLoader: dataset is nil")
	}
	n := ds.Len()
	if n <= 0 {
		return nil, fmt.Errorf("data: NewLoader: dataset is empty (Len() = %d)", n)
	}
	if cfg.batchSize <= 0 {
		return nil, fmt.Errorf("data: NewLoader: batch_size should be a positive integer value, but got batch_size=%d", cfg.batchSize)
	}
	if cfg.workers < 0 {
		return nil, fmt.Errorf("data: NewLoader: num_workers option should be non-negative, got %d", cfg.workers)
	}
	switch {
	case cfg.prefetch == -1:
		cfg.prefetch = 2
	case cfg.prefetch < 1:
		return nil, fmt.Errorf("data: NewLoader: prefetch must be at least 1, got %d", cfg.prefetch)
	case cfg.workers == 0:
		return nil, fmt.Errorf("data: NewLoader: prefetch (%d) needs Workers > 0, as prefetch_factor needs num_workers > 0", cfg.prefetch)
	}
	l := &Loader{ds: ds, cfg: cfg, sampler: cfg.sampler}
	switch {
	case cfg.sampler != nil && cfg.shuffle:
		return nil, fmt.Errorf("data: NewLoader: sampler option is mutually exclusive with shuffle")
	case cfg.shuffle:
		l.sampler = &RandomSampler{n: n, opt: RandomSamplerOptions{NumSamples: n, Generator: cfg.gen}}
	case cfg.sampler == nil:
		l.sampler = SequentialSampler{N: n}
	}
	if cfg.collate == nil {
		l.getBatch = batchGetter(ds)
	}
	return l, nil
}

// Dataset is the data set the loader reads.
func (l *Loader) Dataset() Dataset { return l.ds }

// Sampler is the sampler choosing each epoch's indices.
func (l *Loader) Sampler() Sampler { return l.sampler }

// BatchSize is the number of samples per batch (the last may have fewer).
func (l *Loader) BatchSize() int { return l.cfg.batchSize }

// Len is the number of batches per epoch, len(DataLoader).
func (l *Loader) Len() int {
	n, b := l.sampler.Len(), l.cfg.batchSize
	if l.cfg.dropLast {
		return n / b
	}
	return (n + b - 1) / b
}

// batches draws an epoch's indices and groups them into batches.
func (l *Loader) batches() [][]int {
	idx := l.sampler.Indices()
	b := l.cfg.batchSize
	out := make([][]int, 0, len(idx)/b+1)
	for start := 0; start < len(idx); start += b {
		end := min(start+b, len(idx))
		if end-start < b && l.cfg.dropLast {
			break
		}
		out = append(out, idx[start:end:end])
	}
	return out
}

// Distributed returns a copy of l that reads only replica rank's share of
// the data set, through a DistributedSampler shuffling as l does (seed
// seed), with l's other options: what Lightning does to a DataLoader under
// DDP (use_distributed_sampler). Call the sampler's SetEpoch each epoch.
// It fails when l already has a sampler of its own.
func (l *Loader) Distributed(numReplicas, rank int, seed uint64) (*Loader, *DistributedSampler, error) {
	if l.cfg.sampler != nil {
		return nil, nil, fmt.Errorf("data: Loader.Distributed: the loader has its own sampler (%T)", l.cfg.sampler)
	}
	s, err := NewDistributedSampler(l.ds.Len(), numReplicas, rank, DistributedOptions{NoShuffle: !l.cfg.shuffle, Seed: seed})
	if err != nil {
		return nil, nil, err
	}
	cp := *l
	cp.cfg.shuffle, cp.cfg.sampler, cp.sampler = false, s, s
	return &cp, s, nil
}
