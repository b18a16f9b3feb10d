package nn

import (
	"fmt"

	"github.com/torchgo/torchgo/torch"
)

// Dropout zeroes elements with probability P in training mode (scaling the
// rest by 1/(1-P)) and passes x through in evaluation mode.
type Dropout struct {
	Module
	P float64
}

// NewDropout makes a Dropout layer; p must be in [0, 1] (PyTorch's default 0.5).
func NewDropout(p float64) *Dropout {
	if p < 0 || p > 1 {
		panic(&torch.Error{Op: "NewDropout", Msg: fmt.Sprintf("dropout probability has to be between 0 and 1, but got %g", p)})
	}
	l := &Dropout{P: p}
	l.typeName = "Dropout"
	return l
}

// Forward applies dropout to x.
func (l *Dropout) Forward(x *torch.Tensor) *torch.Tensor {
	return torch.Dropout(x, l.P, l.IsTraining())
}
