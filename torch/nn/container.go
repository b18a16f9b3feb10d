package nn

import (
	"strconv"

	"github.com/torchgo/torchgo/torch"
)

// Sequential chains layers: the output of each is the input of the next.
// Its children are named "0", "1", … as in PyTorch.
type Sequential struct {
	Module
	Layers []Unary
}

// NewSequential chains layers in order.
func NewSequential(layers ...Unary) *Sequential {
	s := &Sequential{}
	s.typeName = "Sequential"
	for _, l := range layers {
		s.Append(l)
	}
	return s
}

// Append adds l at the end of the chain.
func (s *Sequential) Append(l Unary) {
	Add[Layer](s, strconv.Itoa(len(s.Layers)), l)
	s.Layers = append(s.Layers, l)
}

// Forward runs x through every layer.
func (s *Sequential) Forward(x *torch.Tensor) *torch.Tensor {
	for _, l := range s.Layers {
		x = l.Forward(x)
	}
	return x
}

// ModuleList holds layers under the names "0", "1", … without defining a
// forward pass.
type ModuleList struct {
	Module
	Items []Layer
}

// NewModuleList makes a ModuleList of layers.
func NewModuleList(layers ...Layer) *ModuleList {
	m := &ModuleList{}
	m.typeName = "ModuleList"
	for _, l := range layers {
		m.Append(l)
	}
	return m
}

// Append adds l at the end of the list.
func (m *ModuleList) Append(l Layer) {
	Add(m, strconv.Itoa(len(m.Items)), l)
	m.Items = append(m.Items, l)
}

// Len is the number of layers.
func (m *ModuleList) Len() int { return len(m.Items) }
