package nn

import (
	"fmt"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/nn/nninit"
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

// Embedding maps Int64 indices to rows of Weight (Num, Dim), initialised
// from N(0, 1) with the PaddingIdx row (if any) zeroed.
type Embedding struct {
	Module
	Weight     *torch.Tensor
	PaddingIdx int64 // -1: none
}

// NewEmbedding makes an Embedding of num rows of size dim; paddingIdx < 0 means none.
func NewEmbedding(num, dim, paddingIdx int64) *Embedding {
	if paddingIdx < -1 || paddingIdx >= num {
		panic(&torch.Error{Op: "NewEmbedding", Msg: fmt.Sprintf("padding_idx %d must be within num_embeddings %d", paddingIdx, num)})
	}
	l := &Embedding{PaddingIdx: paddingIdx}
	l.typeName = "Embedding"
	l.Weight = l.RegisterParameter("weight", torch.Empty([]int64{num, dim}))
	nninit.Normal_(l.Weight, 0, 1, nil)
	if paddingIdx >= 0 {
		torch.NoGrad(func() {
			torch.WithScope(func(*torch.Scope) { l.Weight.Select(0, paddingIdx).Zero_() })
		})
	}
	return l
}

// Forward looks up the rows at indices (any shape) giving (…, Dim).
func (l *Embedding) Forward(indices *torch.Tensor) *torch.Tensor {
	return torch.Embedding(l.Weight, indices, l.PaddingIdx)
}
