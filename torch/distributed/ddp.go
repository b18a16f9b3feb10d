package distributed

/*
#include "dist.h"
*/
import "C"

import (
	"fmt"
	"runtime"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/nn"
)

// Model is what DDP synchronises: an nn.Module's parameters and buffers.
type Model interface {
	Parameters() []*torch.Tensor
	NamedBuffers() []nn.Named
}

// DDPOptions configure NewDDP. Zero values are PyTorch's defaults.
type DDPOptions struct {
	// BucketCapMB is the size of a gradient bucket in MiB (bucket_cap_mb);
	// 0: 25. The first bucket holds at most 1 MiB, as PyTorch's does.
	BucketCapMB float64
	// NoBroadcastBuffers leaves buffers (BatchNorm's running statistics)
	// alone; by default SyncBuffers copies rank 0's (broadcast_buffers).
	NoBroadcastBuffers bool
}

// DDP keeps a model's replicas in step across a group, as PyTorch's
// DistributedDataParallel: NewDDP copies rank 0's parameters and buffers to
// every rank, then each backward (on the model's parameters) averages the
// gradients over the ranks, bucket by bucket as soon as a bucket's
// gradients are ready, so communication overlaps the rest of backward.
// When Backward returns, every rank holds the same averaged gradients:
// the optimizer step that follows keeps the replicas identical.
//
// The model's own Forward is used unchanged (there is no wrapper module).
type DDP struct {
	g       *Group
	model   Model
	d       C.tg_ddp
	opts    DDPOptions
	buffers []*torch.Tensor
}

// NewDDP broadcasts model's parameters and buffers from rank 0 and starts
// synchronising its gradients. Every rank must call it, with the same model
// shape, in the same order relative to other collectives.
func NewDDP(g *Group, model Model, opts DDPOptions) (*DDP, error) {
	params := model.Parameters()
	if len(params) == 0 {
		return nil, fmt.Errorf("distributed: NewDDP: the model has no parameters")
	}
	var bufs []*torch.Tensor
	for _, b := range model.NamedBuffers() {
		bufs = append(bufs, b.Tensor)
	}
	// Module states from rank 0, under no_grad (they are leaves).
	var err error
	torch.NoGrad(func() {
		for _, t := range append(append([]*torch.Tensor(nil), params...), bufs...) {
			if err = g.Broadcast(t, 0); err != nil {
				return
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("distributed: NewDDP: syncing module states: %w", err)
	}
	capMB := opts.BucketCapMB
	if capMB <= 0 {
		capMB = 25
	}
	d := &DDP{g: g, model: model, opts: opts, buffers: bufs}
	err = call("NewDDP", func() C.tg_error {
		hs := handles("NewDDP", params)
		return C.tg_ddp_new(g.p, &hs[0], C.int64_t(len(hs)), C.int64_t(1<<20), C.int64_t(capMB*(1<<20)), &d.d)
	}, params...)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Group is the process group d synchronises over.
func (d *DDP) Group() *Group { return d.g }

// NumBuckets is the number of gradient buckets.
func (d *DDP) NumBuckets() int { return int(C.tg_ddp_num_buckets(d.d)) }

// NoSync runs f with gradient synchronisation off (no_sync): backward
// passes in f accumulate local gradients only, and the first backward
// after it averages the accumulated gradients. Every rank must skip the
// same backward passes.
func (d *DDP) NoSync(f func()) {
	C.tg_ddp_set_sync(d.d, 0)
	defer C.tg_ddp_set_sync(d.d, 1)
	f()
}

// SyncBuffers copies rank 0's buffers to every rank, as PyTorch's DDP does
// before each forward pass in training (broadcast_buffers); a no-op with
// NoBroadcastBuffers or a model without buffers.
func (d *DDP) SyncBuffers() error {
	if d.opts.NoBroadcastBuffers || len(d.buffers) == 0 {
		return nil
	}
	var err error
	torch.NoGrad(func() {
		for _, b := range d.buffers {
			if err = d.g.Broadcast(b, 0); err != nil {
				return
			}
		}
	})
	return err
}

// Close stops synchronising gradients and frees the buckets; the model
// trains on locally.
func (d *DDP) Close() {
	if d.d != nil {
		C.tg_ddp_free(d.d)
		d.d = nil
	}
	runtime.KeepAlive(d.model)
}
