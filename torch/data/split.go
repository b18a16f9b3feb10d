package data

import (
	"fmt"
	"math"

	"github.com/torchgo/torchgo/torch"
)

// RandomSplit is torch.utils.data.random_split: it splits ds into
// non-overlapping Subsets of the given lengths, in order, from one
// randperm(ds.Len()) drawn from gen (nil: the default CPU generator, as in
// PyTorch), so the same seed gives the same indices as Python.
//
// With []int, the lengths must add up to ds.Len(). With []float64 they are
// fractions adding up to 1 (within 1e-9, never above): split i gets
// floor(ds.Len()×fraction i) samples, and the remainder is handed out one
// by one from the first split on, as PyTorch 1.13 does. (Python also reads
// integer lengths that add up to 1 as fractions; here the slice type
// decides.)
func RandomSplit[L int | float64](ds Dataset, lengths []L, gen *torch.Generator) ([]*Subset, error) {
	if ds == nil {
		return nil, fmt.Errorf("data: RandomSplit: dataset is nil")
	}
	n := ds.Len()
	var sizes []int
	switch l := any(lengths).(type) {
	case []int:
		sizes = append([]int(nil), l...)
	case []float64:
		var err error
		if sizes, err = fractionLengths(l, n); err != nil {
			return nil, err
		}
	}
	if len(sizes) == 0 {
		return nil, fmt.Errorf("data: RandomSplit: no lengths given")
	}
	total := 0
	for i, s := range sizes {
		if s < 0 {
			return nil, fmt.Errorf("data: RandomSplit: length at index %d is negative (%d)", i, s)
		}
		total += s
	}
	if total != n {
		return nil, fmt.Errorf("data: RandomSplit: sum of input lengths %v is %d, not the dataset's length %d", sizes, total, n)
	}
	var perm []int
	if err := torch.Catch(func() error { perm = randperm(n, gen); return nil }); err != nil {
		return nil, fmt.Errorf("data: RandomSplit: %w", err)
	}
	out := make([]*Subset, len(sizes))
	offset := 0
	for i, s := range sizes {
		out[i] = &Subset{Dataset: ds, Indices: perm[offset : offset+s : offset+s]}
		offset += s
	}
	return out, nil
}

// fractionLengths turns fractions of n into lengths as random_split does.
func fractionLengths(fractions []float64, n int) ([]int, error) {
	sum := 0.0
	for _, f := range fractions {
		sum += f
	}
	// math.isclose(sum, 1) with its default rel_tol=1e-9.
	if !(math.Abs(sum-1) <= 1e-9*math.Max(math.Abs(sum), 1)) || sum > 1 {
		return nil, fmt.Errorf("data: RandomSplit: fractions %v add up to %v, not 1", fractions, sum)
	}
	sizes := make([]int, len(fractions))
	rest := n
	for i, f := range fractions {
		if f < 0 || f > 1 || math.IsNaN(f) {
			return nil, fmt.Errorf("data: RandomSplit: fraction at index %d (%v) is not between 0 and 1", i, f)
		}
		sizes[i] = int(math.Floor(float64(n) * f))
		rest -= sizes[i]
	}
	for i := 0; i < rest; i++ {
		sizes[i%len(sizes)]++
	}
	return sizes, nil
}

// randperm returns torch.randperm(n, generator=gen) as ints (gen nil: the
// default generator). Panics with a *torch.Error on failure.
func randperm(n int, gen *torch.Generator) []int {
	var p *torch.Tensor
	if gen != nil {
		p = torch.Randperm(int64(n), gen)
	} else {
		p = torch.Randperm(int64(n))
	}
	defer p.Close()
	return ints(p)
}

// ints copies an integer tensor's values into a []int.
func ints(t *torch.Tensor) []int {
	v := t.Int64s()
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}
