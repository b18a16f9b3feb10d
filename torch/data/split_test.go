package data

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/torch"
)

// random_split gives the same indices as PyTorch for the same seed, with
// lengths and with fractions, on the default and on an explicit generator,
// and leaves the default generator in the same state.
func TestRandomSplitMatchesPyTorch(t *testing.T) {
	var want map[string][][]int
	pyref.Run(t, `
from torch.utils.data import random_split
res = {}
def idx(splits): return [s.indices for s in splits]
torch.manual_seed(0)
res["lengths"] = idx(random_split(range(60000), [48000, 12000]))
res["after_lengths"] = [torch.randint(0, 1000, (5,)).tolist()]
torch.manual_seed(0)
res["fractions"] = idx(random_split(range(60000), [0.8, 0.2]))
torch.manual_seed(3)
res["remainder"] = idx(random_split(range(10), [0.3, 0.3, 0.4]))
res["remainder2"] = idx(random_split(range(101), [0.25, 0.25, 0.25, 0.25]))
res["gen"] = idx(random_split(range(30), [10, 20], generator=torch.Generator().manual_seed(42)))
res["after_gen"] = [torch.randint(0, 1000, (5,)).tolist()]
out(res)
`, nil, &want)

	ds := newRange(60000)
	check := func(name string, got []*Subset, err error) {
		t.Helper()
		require.NoError(t, err, name)
		require.Len(t, got, len(want[name]), name)
		for i, s := range got {
			require.Equal(t, want[name][i], s.Indices, "%s: split %d", name, i)
			require.Equal(t, len(want[name][i]), s.Len())
		}
	}
	after := func(name string) {
		t.Helper()
		r := torch.Randint(0, 1000, []int64{5})
		require.Equal(t, want[name][0], ints(r), name)
	}
	torch.ManualSeed(0)
	s, err := RandomSplit(ds, []int{48000, 12000}, nil)
	check("lengths", s, err)
	after("after_lengths")
	torch.ManualSeed(0)
	s, err = RandomSplit(ds, []float64{0.8, 0.2}, nil)
	check("fractions", s, err)
	torch.ManualSeed(3)
	s, err = RandomSplit(newRange(10), []float64{0.3, 0.3, 0.4}, nil)
	check("remainder", s, err)
	s, err = RandomSplit(newRange(101), []float64{0.25, 0.25, 0.25, 0.25}, nil)
	check("remainder2", s, err)
	s, err = RandomSplit(newRange(30), []int{10, 20}, torch.NewGenerator(42))
	check("gen", s, err)
	after("after_gen")

	// A Subset's samples are the data set's at its indices.
	smp, err := s[0].Get(3)
	require.NoError(t, err)
	require.Equal(t, Sample{int64(want["gen"][0][3])}, smp)
}

func TestRandomSplitBadInput(t *testing.T) {
	ds := newRange(10)
	for _, c := range []struct {
		name string
		run  func() error
		msg  string
	}{
		{"sum too small", func() error { _, err := RandomSplit(ds, []int{3, 4}, nil); return err }, "sum of input lengths [3 4] is 7, not the dataset's length 10"},
		{"sum too big", func() error { _, err := RandomSplit(ds, []int{8, 4}, nil); return err }, "is 12, not the dataset's length 10"},
		{"negative", func() error { _, err := RandomSplit(ds, []int{12, -2}, nil); return err }, "length at index 1 is negative (-2)"},
		{"none", func() error { _, err := RandomSplit(ds, []int{}, nil); return err }, "no lengths given"},
		{"fractions sum", func() error { _, err := RandomSplit(ds, []float64{0.5, 0.4}, nil); return err }, "add up to 0.9, not 1"},
		{"fraction range", func() error { _, err := RandomSplit(ds, []float64{1.5, -0.5}, nil); return err }, "fraction at index 0 (1.5) is not between 0 and 1"},
		{"nil dataset", func() error { _, err := RandomSplit(nil, []int{1}, nil); return err }, "dataset is nil"},
	} {
		err := c.run()
		require.Error(t, err, c.name)
		require.Contains(t, err.Error(), "data: RandomSplit: ", c.name)
		require.Contains(t, err.Error(), c.msg, c.name)
	}
}
