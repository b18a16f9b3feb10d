package data

import (
	"fmt"
	"sort"
)

// ConcatDataset is torch.utils.data.ConcatDataset: the samples of several
// data sets one after the other.
type ConcatDataset struct {
	datasets []Dataset
	ends     []int // cumulative sizes: datasets[k] holds [ends[k-1], ends[k])
}

// NewConcatDataset returns the concatenation of datasets (at least one).
// Their sizes are read once, here.
func NewConcatDataset(datasets ...Dataset) (*ConcatDataset, error) {
	if len(datasets) == 0 {
		return nil, fmt.Errorf("data: NewConcatDataset: datasets should not be an empty iterable")
	}
	c := &ConcatDataset{datasets: append([]Dataset(nil), datasets...), ends: make([]int, len(datasets))}
	total := 0
	for k, d := range datasets {
		if d == nil {
			return nil, fmt.Errorf("data: NewConcatDataset: dataset %d is nil", k)
		}
		total += d.Len()
		c.ends[k] = total
	}
	return c, nil
}

// Len is the sum of the data sets' lengths.
func (c *ConcatDataset) Len() int { return c.ends[len(c.ends)-1] }

// Get returns sample i of the concatenation.
func (c *ConcatDataset) Get(i int) (Sample, error) {
	if err := checkIndex("ConcatDataset", i, c.Len()); err != nil {
		return nil, err
	}
	k := sort.SearchInts(c.ends, i+1)
	start := 0
	if k > 0 {
		start = c.ends[k-1]
	}
	return c.datasets[k].Get(i - start)
}
