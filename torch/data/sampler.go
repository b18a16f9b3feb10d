package data

import (
	"fmt"

	"github.com/torchgo/torchgo/torch"
)

// Sampler chooses the data set indices of each epoch, like
// torch.utils.data.Sampler. Indices is called once per epoch, when an
// iterator starts, and consumes random generators as the PyTorch sampler's
// __iter__ does; Len is the number of indices it returns.
type Sampler interface {
	Len() int
	Indices() []int
}

// SequentialSampler yields 0..N-1 in order (PyTorch's SequentialSampler).
type SequentialSampler struct{ N int }

// Len is N.
func (s SequentialSampler) Len() int { return s.N }

// Indices returns 0, 1, ..., N-1.
func (s SequentialSampler) Indices() []int {
	out := make([]int, s.N)
	for i := range out {
		out[i] = i
	}
	return out
}

// RandomSamplerOptions configure a RandomSampler; the zero value is
// PyTorch's default.
type RandomSamplerOptions struct {
	// Replacement draws indices independently (randint), instead of
	// permutations.
	Replacement bool
	// NumSamples is how many indices an epoch yields; 0 means n.
	NumSamples int
	// Generator is consumed across epochs when set. When nil, each epoch
	// draws a seed from the default generator and uses a fresh generator
	// seeded with it.
	Generator *torch.Generator
}

// RandomSampler is torch.utils.data.RandomSampler over n indices.
type RandomSampler struct {
	n   int
	opt RandomSamplerOptions
}

// NewRandomSampler returns a RandomSampler over 0..n-1. As in PyTorch, the
// number of samples (n, or NumSamples) must be positive.
func NewRandomSampler(n int, o RandomSamplerOptions) (*RandomSampler, error) {
	num := o.NumSamples
	if num == 0 {
		num = n
	}
	if num <= 0 || o.NumSamples < 0 {
		return nil, fmt.Errorf("data: NewRandomSampler: num_samples should be a positive integer value, but got num_samples=%d (n=%d, NumSamples=%d)", num, n, o.NumSamples)
	}
	if !o.Replacement && n <= 0 {
		return nil, fmt.Errorf("data: NewRandomSampler: cannot permute %d samples", n)
	}
	o.NumSamples = num
	return &RandomSampler{n: n, opt: o}, nil
}

// Len is the number of samples per epoch.
func (s *RandomSampler) Len() int { return s.opt.NumSamples }

// Indices draws one epoch: without replacement NumSamples/n permutations
// randperm(n) and then the first NumSamples%n of one more (always drawn, as
// in PyTorch); with replacement randint(0, n) in chunks of 32 and a final
// chunk of NumSamples%32. Panics with a *torch.Error if libtorch fails.
func (s *RandomSampler) Indices() []int {
	gen := s.opt.Generator
	if gen == nil {
		gen = torch.NewGenerator(uint64(drawSeed(nil)))
	}
	num, n := s.opt.NumSamples, s.n
	out := make([]int, 0, num)
	if s.opt.Replacement {
		for range num / 32 {
			out = append(out, randint(n, 32, gen)...)
		}
		return append(out, randint(n, num%32, gen)...)
	}
	for range num / n {
		out = append(out, randperm(n, gen)...)
	}
	return append(out, randperm(n, gen)[:num%n]...)
}

// randint returns torch.randint(high=n, size=(k,), generator=gen) as ints.
func randint(n, k int, gen *torch.Generator) []int {
	t := torch.Randint(0, int64(n), []int64{int64(k)}, gen)
	defer t.Close()
	return ints(t)
}

// drawSeed is torch.empty((), dtype=torch.int64).random_(generator=gen).item(),
// the draw with which DataLoader iterators and RandomSampler seed epochs:
// a value in [0, 2^63). gen nil is the default CPU generator.
func drawSeed(gen *torch.Generator) int64 {
	t := torch.Empty([]int64{}, torch.Int64)
	defer t.Close()
	return t.Random_(gen).ItemInt()
}
