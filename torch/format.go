package torch

import (
	"encoding/binary"
	"math"

	"github.com/torchgo/torchgo/torch/internal/reprfmt"
)

// String prints t exactly as PyTorch's repr does with the default print
// options (precision 4, summarised beyond 1000 elements), e.g.
//
//	tensor([[1., 2.],
//	        [3., 4.]], dtype=torch.float64, requires_grad=True)
//
// A nil, closed or freed tensor prints as a short note instead.
func (t *Tensor) String() string {
	switch {
	case t == nil:
		return "tensor(<nil>)"
	case t.h == nil:
		return "tensor(<closed>)"
	}
	var s string
	err := Catch(func() error {
		var err error
		s, err = reprfmt.Repr(t.reprInput())
		return err
	})
	if err != nil {
		return "tensor(<" + err.Error() + ">)"
	}
	return s
}

func (t *Tensor) reprInput() reprfmt.Tensor {
	inf := t.info("String")
	in := reprfmt.Tensor{
		DType:        inf.dtype.String(),
		Shape:        t.Shape(),
		RequiresGrad: inf.requiresGrad,
		GradFn:       t.GradFn(),
	}
	if inf.device.Type != DeviceCPU {
		in.Device = inf.device.String()
	}
	switch {
	case inf.dtype.IsFloatingPoint():
		in.Floats = t.Float64s()
	case inf.dtype == Bool:
		in.Bools = t.Bools()
	case inf.dtype == Complex64 || inf.dtype == Complex128:
		c := t.To(Complex128)
		raw := c.Bytes()
		c.Close()
		in.Complex = make([]complex128, len(raw)/16)
		for i := range in.Complex {
			re := math.Float64frombits(binary.LittleEndian.Uint64(raw[16*i:]))
			im := math.Float64frombits(binary.LittleEndian.Uint64(raw[16*i+8:]))
			in.Complex[i] = complex(re, im)
		}
	default:
		in.Ints = t.Int64s()
	}
	return in
}
