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

// FromPT makes a CPU tensor from a pt.Tensor read from a file, honouring
// its offset and strides (the result is contiguous). Its requires_grad flag
// is not set: parameters get it from the module they are loaded into.
func FromPT(p *pt.Tensor) (*Tensor, error) {
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
	var out *Tensor
	err = Catch(func() error {
		out = FromBytes(p.Contiguous(), dt, p.Shape)
		return nil
	})
	return out, err
}
