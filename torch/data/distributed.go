package data

import (
	"fmt"

	"github.com/torchgo/torchgo/torch"
)

// DistributedOptions configure a DistributedSampler; the zero value is
// PyTorch's default (shuffle=True, seed=0, drop_last=False).
type DistributedOptions struct {
	// NoShuffle keeps the data set's order (PyTorch's shuffle=False).
	NoShuffle bool
	// Seed is added to the epoch to seed each epoch's permutation; it must
	// be the same on every replica.
	Seed uint64
	// DropLast drops the tail of the data set so that it divides evenly
	// between replicas, instead of padding by repeating indices.
	DropLast bool
}

// DistributedSampler is torch.utils.data.distributed.DistributedSampler: it
// gives replica Rank of NumReplicas its share of the data set, each replica
// the same number of indices. Each epoch, the whole index list is permuted
// with randperm on a fresh generator seeded with Seed+epoch (unless
// NoShuffle), then padded by repeating indices from its start up to a
// multiple of NumReplicas (or, with DropLast, cut down to one), and replica
// r takes every NumReplicas-th index starting at r. Call SetEpoch before
// each epoch, or every epoch repeats the same order.
type DistributedSampler struct {
	n, replicas, rank int
	numSamples        int
	opt               DistributedOptions
	epoch             int
}

// NewDistributedSampler returns the sampler of replica rank (0 ≤ rank <
// numReplicas) for a data set of n samples.
func NewDistributedSampler(n, numReplicas, rank int, o DistributedOptions) (*DistributedSampler, error) {
	if numReplicas <= 0 {
		return nil, fmt.Errorf("data: NewDistributedSampler: num_replicas must be positive, got %d", numReplicas)
	}
	if rank < 0 || rank >= numReplicas {
		return nil, fmt.Errorf("data: NewDistributedSampler: invalid rank %d, rank should be in the interval [0, %d]", rank, numReplicas-1)
	}
	if n < 0 {
		return nil, fmt.Errorf("data: NewDistributedSampler: negative data set size %d", n)
	}
	s := &DistributedSampler{n: n, replicas: numReplicas, rank: rank, opt: o}
	if o.DropLast && n%numReplicas != 0 {
		s.numSamples = (n - numReplicas + numReplicas - 1) / numReplicas // ceil((n-r)/r)
		if n < numReplicas {
			s.numSamples = 0
		}
	} else {
		s.numSamples = (n + numReplicas - 1) / numReplicas
	}
	return s, nil
}

// Len is the number of indices per epoch for this replica.
func (s *DistributedSampler) Len() int { return s.numSamples }

// SetEpoch sets the epoch whose order the next Indices returns.
func (s *DistributedSampler) SetEpoch(epoch int) { s.epoch = epoch }

// Epoch is the epoch set last (0 at first).
func (s *DistributedSampler) Epoch() int { return s.epoch }

// Indices returns this replica's indices for the current epoch. It
// consumes no shared generator.
func (s *DistributedSampler) Indices() []int {
	var all []int
	if s.opt.NoShuffle {
		all = SequentialSampler{N: s.n}.Indices()
	} else {
		all = randperm(s.n, torch.NewGenerator(s.opt.Seed+uint64(s.epoch)))
	}
	total := s.numSamples * s.replicas
	if len(all) < total {
		if len(all) == 0 {
			panic(fmt.Sprintf("data: DistributedSampler: cannot pad an empty data set to %d indices", total))
		}
		for len(all) < total { // repeat from the start, as PyTorch's padding does
			all = append(all, all[:min(len(all), total-len(all))]...)
		}
	}
	all = all[:total]
	out := make([]int, 0, s.numSamples)
	for i := s.rank; i < total; i += s.replicas {
		out = append(out, all[i])
	}
	return out
}
