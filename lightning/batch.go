package lightning

import (
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/data"
)

// DeviceMover is a batch type that moves its own tensors to a device (the
// default transfer handles *torch.Tensor, []*torch.Tensor, []any,
// map[string]*torch.Tensor and map[string]any).
type DeviceMover interface {
	ToDevice(d torch.Device) any
}

// BatchSizer is a batch type that knows its size, for weighting epoch means.
type BatchSizer interface {
	BatchSize() int
}

// transfer runs the batch transfer hooks and moves batch to the device
// (on_before_batch_transfer, transfer_batch_to_device, on_after_batch_transfer).
func (t *Trainer) transfer(batch any, dl int) any {
	m := t.module
	callHook(t, "on_before_batch_transfer", m, func(h OnBeforeBatchTransferer) { batch = h.OnBeforeBatchTransfer(batch, dl) })
	if !callHook(t, "transfer_batch_to_device", m, func(h BatchTransferer) { batch = h.TransferBatchToDevice(batch, t.device, dl) }) && t.device.IsCUDA() {
		t.call("transfer_batch_to_device", func() { batch = moveBatch(batch, t.device) })
	}
	callHook(t, "on_after_batch_transfer", m, func(h OnAfterBatchTransferer) { batch = h.OnAfterBatchTransfer(batch, dl) })
	return batch
}

// moveBatch copies the tensors of batch to d; other values stay.
func moveBatch(batch any, d torch.Device) any {
	switch x := batch.(type) {
	case *torch.Tensor:
		if x.Device() == d {
			return x
		}
		if x.IsPinned() {
			return x.To(d, torch.NonBlocking) // ordered before the step's kernels on the stream
		}
		return x.To(d)
	case []*torch.Tensor:
		out := make([]*torch.Tensor, len(x))
		for i, v := range x {
			out[i] = moveBatch(v, d).(*torch.Tensor)
		}
		return out
	case data.Batch:
		return data.Batch(moveBatch([]any(x), d).([]any))
	case []any:
		out := make([]any, len(x))
		for i, v := range x {
			out[i] = moveBatch(v, d)
		}
		return out
	case map[string]*torch.Tensor:
		out := make(map[string]*torch.Tensor, len(x))
		for k, v := range x {
			out[k] = moveBatch(v, d).(*torch.Tensor)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, v := range x {
			out[k] = moveBatch(v, d)
		}
		return out
	case DeviceMover:
		return x.ToDevice(d)
	}
	return batch
}

// inferBatchSize finds the batch size as Lightning's extract_batch_size:
// the length along dim 0 of the first tensor found.
func inferBatchSize(batch any) (int, bool) {
	switch x := batch.(type) {
	case BatchSizer:
		return x.BatchSize(), true
	case *torch.Tensor:
		if x == nil {
			return 0, false
		}
		if x.Dim() == 0 {
			return 1, true
		}
		return int(x.Size(0)), true
	case []*torch.Tensor:
		for _, v := range x {
			if n, ok := inferBatchSize(v); ok {
				return n, true
			}
		}
	case data.Batch:
		return inferBatchSize([]any(x))
	case []any:
		for _, v := range x {
			if n, ok := inferBatchSize(v); ok {
				return n, true
			}
		}
	case map[string]*torch.Tensor:
		for _, k := range sortedKeys(x) {
			if n, ok := inferBatchSize(x[k]); ok {
				return n, true
			}
		}
	case map[string]any:
		for _, k := range sortedKeys(x) {
			if n, ok := inferBatchSize(x[k]); ok {
				return n, true
			}
		}
	}
	return 0, false
}
