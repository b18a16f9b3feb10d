package data

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
)

// DistributedSampler shards as PyTorch does: 2 and 3 replicas, data sets
// that divide evenly or not (and one smaller than the replicas, padded by
// repetition), several epochs, shuffle on and off, drop_last on and off.
func TestDistributedSamplerMatchesPyTorch(t *testing.T) {
	type cfg struct {
		N        int    `json:"n"`
		Replicas int    `json:"replicas"`
		Shuffle  bool   `json:"shuffle"`
		DropLast bool   `json:"drop_last"`
		Seed     uint64 `json:"seed"`
	}
	var cfgs []cfg
	for _, n := range []int{2, 10, 11, 12} {
		for _, r := range []int{2, 3} {
			for _, sh := range []bool{true, false} {
				for _, dl := range []bool{true, false} {
					cfgs = append(cfgs, cfg{n, r, sh, dl, uint64(n % 5)})
				}
			}
		}
	}
	var want [][][][]int // config, epoch, rank → indices
	pyref.Run(t, `
from torch.utils.data.distributed import DistributedSampler
res = []
for c in IN:
    ds = range(c["n"])
    samplers = [DistributedSampler(ds, num_replicas=c["replicas"], rank=r, shuffle=c["shuffle"],
                                   seed=c["seed"], drop_last=c["drop_last"]) for r in range(c["replicas"])]
    eps = []
    for e in range(3):
        for s in samplers:
            s.set_epoch(e)
        eps.append([list(s) for s in samplers])
    res.append(eps)
out(res)
`, cfgs, &want)
	for i, c := range cfgs {
		for rank := range c.Replicas {
			s, err := NewDistributedSampler(c.N, c.Replicas, rank, DistributedOptions{NoShuffle: !c.Shuffle, DropLast: c.DropLast, Seed: c.Seed})
			require.NoError(t, err)
			for e := range 3 {
				s.SetEpoch(e)
				got := s.Indices()
				name := fmt.Sprintf("%+v rank %d epoch %d", c, rank, e)
				require.Equal(t, want[i][e][rank], got, name)
				require.Len(t, got, s.Len(), name)
			}
		}
	}
}

// A DistributedSampler drives a Loader's epochs.
func TestLoaderWithDistributedSampler(t *testing.T) {
	s, err := NewDistributedSampler(10, 3, 1, DistributedOptions{NoShuffle: true})
	require.NoError(t, err)
	l, err := NewLoader(newRange(10), BatchSize(2), WithSampler(s))
	require.NoError(t, err)
	_, labels := epoch(t, l)
	require.Equal(t, [][]int64{{1, 4}, {7, 0}}, labels) // 10 padded to 12 with index 0, 1
	_, err = NewLoader(newRange(10), Shuffle(true), WithSampler(s))
	require.ErrorContains(t, err, "sampler option is mutually exclusive with shuffle")
	for _, bad := range [][2]int{{0, 0}, {3, 3}, {3, -1}} {
		_, err := NewDistributedSampler(10, bad[0], bad[1], DistributedOptions{})
		require.Error(t, err, "%v", bad)
		require.Contains(t, err.Error(), "data: NewDistributedSampler: ")
	}
}
