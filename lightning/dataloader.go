package lightning

import "github.com/torchgo/torchgo/torch/data"

// FromDataLoader adapts a torch/data Loader to the Trainer: each batch is
// the data.Batch the loader collates (for a TensorDataset of images and
// labels, b.Tensor(0) and b.Tensor(1)). The loader owns the batches and
// frees each one when the next is requested, so steps never close them.
func FromDataLoader(l *data.Loader) Loader { return dataLoader{l} }

type dataLoader struct{ l *data.Loader }

func (d dataLoader) Len() int { return d.l.Len() }

func (d dataLoader) Iter() BatchIterator { return &dataIter{it: d.l.Iter()} }

type dataIter struct{ it *data.Iter }

func (d *dataIter) Next() (any, bool, error) {
	if d.it.Next() {
		return d.it.Batch(), true, nil
	}
	return nil, false, d.it.Err()
}

func (d *dataIter) Close() { d.it.Close() }
