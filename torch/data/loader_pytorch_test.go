package data

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/torch"
)

// The seed's recipe: manual_seed(0); random_split; manual_seed(0); the
// model consumes the generator; then two epochs of a shuffling training
// loader (with a dropout-like draw per step) and a sequential validation
// loader. Every batch's labels, the base seeds and the generator's state
// afterwards equal PyTorch's, on the fast and the per-sample path, with
// and without workers.
func TestLoaderShuffleMatchesPyTorch(t *testing.T) {
	var want struct {
		Train [][][]int64 `json:"train"`
		Val   [][][]int64 `json:"val"`
		Seeds []int64     `json:"seeds"`
		After []int64     `json:"after"`
	}
	pyref.Run(t, `
from torch.utils.data import TensorDataset, DataLoader, random_split
n = 60000
ds = TensorDataset(torch.arange(2 * n, dtype=torch.float32).reshape(n, 2), torch.arange(n))
torch.manual_seed(0)
train, val = random_split(ds, [48000, 12000])
torch.manual_seed(0)
torch.rand(100)
loader = DataLoader(train, batch_size=256, shuffle=True)
vloader = DataLoader(val, batch_size=1000)
res = {"train": [], "val": [], "seeds": []}
for e in range(2):
    it = iter(loader)
    res["seeds"].append(it._base_seed)
    res["train"].append([y.tolist() for x, y in ((x, y) for x, y in it if torch.rand(5) is not None)])
    vit = iter(vloader)
    res["seeds"].append(vit._base_seed)
    res["val"].append([y.tolist() for x, y in vit])
res["after"] = torch.randint(0, 1000, (5,)).tolist()
out(res)
`, nil, &want)
	require.Len(t, want.Train, 2)
	require.Len(t, want.Train[0], 188) // 48000/256 rounded up: the last batch is kept
	require.Len(t, want.Train[0][187], 48000%256)

	base := labelDataset(t, 60000)
	for _, c := range []struct {
		name    string
		ds      Dataset
		workers int
	}{
		{"fast path", base, 0},
		{"per-sample", perSample{base}, 0},
		{"fast path, 2 workers", base, 2},
		{"per-sample, 3 workers", perSample{base}, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			torch.ManualSeed(0)
			parts, err := RandomSplit(c.ds, []int{48000, 12000}, nil)
			require.NoError(t, err)
			torch.ManualSeed(0)
			torch.Rand([]int64{100}).Close()
			opts := []LoaderOption{BatchSize(256), Shuffle(true)}
			vopts := []LoaderOption{BatchSize(1000)}
			if c.workers > 0 {
				opts = append(opts, Workers(c.workers))
				vopts = append(vopts, Workers(c.workers), Prefetch(1))
			}
			train, err := NewLoader(parts[0], opts...)
			require.NoError(t, err)
			val, err := NewLoader(parts[1], vopts...)
			require.NoError(t, err)
			require.Equal(t, 188, train.Len())
			var seeds []int64
			for e := range 2 {
				it := train.Iter()
				seeds = append(seeds, it.BaseSeed())
				var labels [][]int64
				for it.Next() {
					b := it.Batch()
					y := b.Tensor(1).Int64s()
					labels = append(labels, y)
					require.Equal(t, int64(len(y)), b.Tensor(0).Size(0))
					require.Equal(t, float64(2*y[0]+1), b.Tensor(0).Select(0, 0).Select(0, 1).Item())
					torch.Rand([]int64{5}).Close() // the step's dropout
				}
				require.NoError(t, it.Err())
				it.Close()
				require.Equal(t, want.Train[e], labels, "epoch %d", e)

				vit := val.Iter()
				seeds = append(seeds, vit.BaseSeed())
				labels = nil
				for vit.Next() {
					labels = append(labels, vit.Batch().Tensor(1).Int64s())
				}
				require.NoError(t, vit.Err())
				require.Equal(t, want.Val[e], labels, "validation epoch %d", e)
			}
			require.Equal(t, want.Seeds, seeds)
			require.Equal(t, want.After, torch.Randint(0, 1000, []int64{5}).Int64s())
		})
	}
}

// DataLoader(generator=g) draws base seeds from g and shuffles with g
// across epochs (including the extra randperm drawn when an epoch ends),
// leaving the default generator alone; with and without drop_last.
func TestLoaderGeneratorMatchesPyTorch(t *testing.T) {
	var want map[string][][][]int64
	pyref.Run(t, `
from torch.utils.data import TensorDataset, DataLoader
n = 50
ds = TensorDataset(torch.arange(2 * n, dtype=torch.float32).reshape(n, 2), torch.arange(n))
res = {}
for drop in (False, True):
    torch.manual_seed(1)
    g = torch.Generator().manual_seed(5)
    loader = DataLoader(ds, batch_size=7, shuffle=True, generator=g, drop_last=drop)
    eps = []
    for e in range(3):
        it = iter(loader)
        eps.append([[it._base_seed]] + [y.tolist() for x, y in it])
    eps.append([torch.randint(0, 1000, (3,)).tolist(), torch.randint(0, 1000, (3,), generator=g).tolist()])
    res[str(drop)] = eps
out(res)
`, nil, &want)
	ds := labelDataset(t, 50)
	for _, drop := range []bool{false, true} {
		for _, workers := range []int{0, 2} {
			torch.ManualSeed(1)
			g := torch.NewGenerator(5)
			opts := []LoaderOption{BatchSize(7), Shuffle(true), WithGenerator(g), DropLast(drop)}
			if workers > 0 {
				opts = append(opts, Workers(workers))
			}
			l, err := NewLoader(ds, opts...)
			require.NoError(t, err)
			w := want[map[bool]string{false: "False", true: "True"}[drop]]
			for e := range 3 {
				it := l.Iter()
				got := [][]int64{{it.BaseSeed()}}
				for it.Next() {
					got = append(got, it.Batch().Tensor(1).Int64s())
				}
				require.NoError(t, it.Err())
				require.Equal(t, w[e], got, "drop_last=%v workers=%d epoch %d", drop, workers, e)
				require.Equal(t, len(got)-1, l.Len())
			}
			require.Equal(t, w[3][0], torch.Randint(0, 1000, []int64{3}).Int64s(), "default generator untouched")
			require.Equal(t, w[3][1], torch.Randint(0, 1000, []int64{3}, g).Int64s(), "g consumed as in PyTorch")
		}
	}
}

// RandomSampler with replacement and with num_samples above and below n.
func TestRandomSamplerMatchesPyTorch(t *testing.T) {
	var want map[string][][]int
	pyref.Run(t, `
from torch.utils.data import RandomSampler
res = {}
g = torch.Generator().manual_seed(1)
s = RandomSampler(range(10), replacement=True, num_samples=70, generator=g)
res["replacement"] = [list(s), list(s)]
g = torch.Generator().manual_seed(2)
s = RandomSampler(range(10), num_samples=25, generator=g)
res["more"] = [list(s), list(s)]
torch.manual_seed(7)
s = RandomSampler(range(10), num_samples=4)
res["fewer"] = [list(s), list(s), torch.randint(0, 1000, (3,)).tolist()]
out(res)
`, nil, &want)
	s, err := NewRandomSampler(10, RandomSamplerOptions{Replacement: true, NumSamples: 70, Generator: torch.NewGenerator(1)})
	require.NoError(t, err)
	require.Equal(t, 70, s.Len())
	require.Equal(t, want["replacement"], [][]int{s.Indices(), s.Indices()})
	s, err = NewRandomSampler(10, RandomSamplerOptions{NumSamples: 25, Generator: torch.NewGenerator(2)})
	require.NoError(t, err)
	require.Equal(t, want["more"], [][]int{s.Indices(), s.Indices()})
	torch.ManualSeed(7)
	s, err = NewRandomSampler(10, RandomSamplerOptions{NumSamples: 4})
	require.NoError(t, err)
	require.Equal(t, want["fewer"], [][]int{s.Indices(), s.Indices(), ints(torch.Randint(0, 1000, []int64{3}))})
}
