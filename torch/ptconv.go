package torch

import (
	"fmt"

	"github.com/torchgo/torchgo/torch/pt"
)

// ToPT copies t's elements (on any device) into host memory as a
// contiguous pt.Tensor of the same dtype and shape, for writing PyTorch
// files. RequiresGrad is carried over; IsParameter is left for the caller.
func (t *Tensor) ToPT() *pt.Tensor {
	dt, ok := pt.ParseDType(t.DType().String())
	if !ok {
		panic(errorf("ToPT", "dtype %v has no PyTorch file form", t.DType()))
	}
	p, err := pt.NewTensor(dt, t.Shape(), t.Bytes())
	if err != nil {
		panic(errorf("ToPT", "%v", err))
	}
	p.RequiresGrad = t.RequiresGrad()
	return p
}

// FromPT makes a CPU tensor from a pt.Tensor read from a file. It copies
// only the storage elements the view spans and applies the file's sizes,
// strides and offset in libtorch (as_strided), as torch.load does: an
// expanded tensor of 2^40 elements over one storage element costs one
// element. The result is a view, non-contiguous when the file's is; Clone
// or Contiguous makes a compact copy. Its requires_grad flag is not set:
// parameters get it from the module they are loaded into.
func FromPT(p *pt.Tensor) (*Tensor, error) { return fromPT(p, nil) }

// PTImporter makes tensors from the pt.Tensors of one file as FromPT does,
// copying each storage into libtorch once, so that tensors sharing a storage
// in the file share one here (as they do after torch.load) and many views of
// one storage cost that storage once. The zero value is ready to use; Close
// releases its hold on the storages (the tensors made keep theirs).
type PTImporter struct {
	bases map[*pt.Storage]*Tensor
}

// Tensor returns p as a libtorch view of its storage, copied whole the
// first time a tensor names it.
func (im *PTImporter) Tensor(p *pt.Tensor) (*Tensor, error) {
	if im.bases == nil {
		im.bases = map[*pt.Storage]*Tensor{}
	}
	return fromPT(p, im.bases)
}

// fromPT makes p's view; with bases nil it copies only p's span.
func fromPT(p *pt.Tensor, bases map[*pt.Storage]*Tensor) (*Tensor, error) {
	if p == nil {
		return nil, fmt.Errorf("torch: FromPT: nil tensor")
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("torch: FromPT: %w", err)
	}
	dt, err := DTypeByName(p.DType().String())
	if err != nil {
		return nil, fmt.Errorf("torch: FromPT: %w", err)
	}
	es := int64(p.DType().ElementSize())
	var out *Tensor
	err = Catch(func() error {
		base, lo := bases[p.Storage], int64(0)
		if base == nil {
			var hi int64
			if bases == nil {
				// A single tensor: copy only the part of the storage it spans.
				lo, hi = p.Span()
			} else {
				hi = p.Storage.Numel()
			}
			base = FromBytes(p.Storage.Data[lo*es:hi*es], dt, []int64{hi - lo})
			if bases == nil {
				defer base.Close()
			} else {
				base.Persist()
				bases[p.Storage] = base
			}
		}
		offset := p.Offset - lo
		if p.Numel() == 0 {
			offset = 0
		}
		out = base.AsStrided(p.Shape, p.Stride, offset)
		return nil
	})
	return out, err
}

// Close releases the importer's references to the storages it copied.
func (im *PTImporter) Close() {
	for k, b := range im.bases {
		b.Close()
		delete(im.bases, k)
	}
}
