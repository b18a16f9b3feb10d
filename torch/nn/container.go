package nn

import (
	"reflect"
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

// Forward runs x through every layer. Like PyTorch, which frees a tensor
// when its last reference goes, it frees an intermediate output (its Go
// handle; autograd keeps what backward needs) as soon as the next layer has
// consumed it, when both layers are of this package or KeepsNoTensors: a
// chain then holds a few activations at a time rather than all of them
// until the scope ends. Another layer may keep its input or output, so
// what it makes or takes is left to the scope. x itself is left to the
// caller.
func (s *Sequential) Forward(x *torch.Tensor) *torch.Tensor {
	in := x
	var prev Unary
	for _, l := range s.Layers {
		y := l.Forward(x)
		if x != in && y != x && keepsNothing(prev, true) && keepsNothing(l, false) {
			x.Close()
		}
		x, prev = y, l
	}
	return x
}

var nnPkg = reflect.TypeOf(Module{}).PkgPath()

// KeepsNoTensors is implemented by layers of other packages that, like
// this package's, keep neither their input nor their output once Forward
// returns, so that Sequential may free them (torchvision's ResNet blocks).
type KeepsNoTensors interface {
	KeepsNoTensors()
}

// keepsNothing reports whether l is a layer of this package or
// KeepsNoTensors, which keeps neither its input nor its output. A Sequential is judged by its last
// layer as the producer of an output, by its first as the consumer of an
// input.
func keepsNothing(l Unary, producer bool) bool {
	if seq, ok := l.(*Sequential); ok {
		if len(seq.Layers) == 0 {
			return false
		}
		if producer {
			return keepsNothing(seq.Layers[len(seq.Layers)-1], true)
		}
		return keepsNothing(seq.Layers[0], false)
	}
	if _, ok := l.(KeepsNoTensors); ok {
		return true
	}
	t := reflect.TypeOf(l)
	if t == nil {
		return false
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.PkgPath() == nnPkg
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
