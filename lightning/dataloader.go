package lightning

import "github.com/torchgo/torchgo/torch/data"

// FromDataLoader adapts a torch/data Loader to the Trainer: each batch is
// the data.Batch the loader collates (for a TensorDataset of images and
// labels, b.Tensor(0) and b.Tensor(1)). The loader owns the batches and
// frees each one when the next is requested, so steps never close them.
// Under Strategy "ddp" the Trainer shards it with a DistributedSampler.
func FromDataLoader(l *data.Loader) Loader { return &dataLoader{l: l} }

type dataLoader struct {
	l       *data.Loader
	sampler *data.DistributedSampler // set by distributed
}

func (d *dataLoader) Len() int { return d.l.Len() }

func (d *dataLoader) Iter() BatchIterator { return &dataIter{it: d.l.Iter()} }

// distributed shards the loader for rank of world (shardable).
func (d *dataLoader) distributed(world, rank int, seed uint64) (Loader, error) {
	l, s, err := d.l.Distributed(world, rank, seed)
	if err != nil {
		return nil, err
	}
	return &dataLoader{l: l, sampler: s}, nil
}

// setEpoch reseeds the sampler's shuffle for epoch (epochSetter).
func (d *dataLoader) setEpoch(epoch int) {
	if d.sampler != nil {
		d.sampler.SetEpoch(epoch)
	}
}

// shardable is a Loader the Trainer can split between DDP ranks.
type shardable interface {
	distributed(world, rank int, seed uint64) (Loader, error)
}

// epochSetter is a Loader whose shuffle depends on the epoch.
type epochSetter interface{ setEpoch(epoch int) }

type dataIter struct{ it *data.Iter }

func (d *dataIter) Next() (any, bool, error) {
	if d.it.Next() {
		return d.it.Batch(), true, nil
	}
	return nil, false, d.it.Err()
}

func (d *dataIter) Close() { d.it.Close() }
