// Package nn builds neural networks the way torch.nn does: a model is a Go
// struct that embeds Module and registers its parameters, buffers and child
// layers under names, so that its state dict keys equal PyTorch's
// ("conv.weight", "layer1.0.bn1.running_mean").
//
//	type Net struct {
//		nn.Module
//		Conv     *nn.Conv2d
//		FC1, FC2 *nn.Linear
//	}
//
//	func NewNet() *Net {
//		n := &Net{}
//		n.Conv = nn.Add(n, "conv", nn.NewConv2d(1, 4, 3, nn.ConvConfig{Padding: 1}))
//		n.FC1 = nn.Add(n, "fc1", nn.NewLinear(784, 100))
//		n.FC2 = nn.Add(n, "fc2", nn.NewLinear(100, 10))
//		return n
//	}
//
// Layers initialise their weights as PyTorch does, consuming the default
// generator in the same order, so torch.ManualSeed(0) followed by NewNet()
// gives the same weights as Python's torch.manual_seed(0); Net().
//
// Parameters and buffers are persistent tensors (see torch.Tensor.Persist):
// a training step's scope never frees them.
package nn

import (
	"reflect"
	"strings"

	"github.com/torchgo/torchgo/torch"
)

// Layer is implemented by every type that embeds Module: the layers of this
// package and user models.
type Layer interface {
	module() *Module
}

// Unary is a layer with a one-input forward pass, as Sequential chains.
type Unary interface {
	Layer
	Forward(x *torch.Tensor) *torch.Tensor
}

// Named is a tensor under its dotted state-dict name.
type Named struct {
	Name   string
	Tensor *torch.Tensor
}

type buffer struct {
	Named
	persistent bool
}

type child struct {
	name  string
	layer Layer
}

// Module is the base every layer embeds: its registered parameters,
// buffers and children, in registration order, and its training flag.
// The zero value is an empty module in training mode.
type Module struct {
	typeName string
	params   []Named
	buffers  []buffer
	children []child
	eval     bool // false: training, PyTorch's default
}

func (m *Module) module() *Module { return m }

func typeName(l Layer) string {
	t := reflect.TypeOf(l)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

// Add registers child under name in parent (PyTorch's add_module, or
// assigning a module attribute) and returns child, so that a field can be
// set in one line. Names must be unique within parent and contain no ".".
func Add[T Layer](parent Layer, name string, c T) T {
	pm := parent.module()
	if pm.typeName == "" {
		pm.typeName = typeName(parent)
	}
	cm := c.module()
	if cm.typeName == "" {
		cm.typeName = typeName(c)
	}
	pm.checkName(name)
	pm.children = append(pm.children, child{name, c})
	return c
}

func (m *Module) checkName(name string) {
	if name == "" || strings.Contains(name, ".") {
		panic(&torch.Error{Op: "nn.Module", Msg: "bad name " + `"` + name + `"` + `: names are non-empty and contain no "."`})
	}
	for _, p := range m.params {
		if p.Name == name {
			panic(&torch.Error{Op: "nn.Module", Msg: `attribute "` + name + `" already exists`})
		}
	}
	for _, b := range m.buffers {
		if b.Name == name {
			panic(&torch.Error{Op: "nn.Module", Msg: `attribute "` + name + `" already exists`})
		}
	}
	for _, c := range m.children {
		if c.name == name {
			panic(&torch.Error{Op: "nn.Module", Msg: `attribute "` + name + `" already exists`})
		}
	}
}

// RegisterParameter registers t as a trainable parameter under name: it is
// made persistent and to require grad. Returns t.
func (m *Module) RegisterParameter(name string, t *torch.Tensor) *torch.Tensor {
	m.checkName(name)
	t.Persist()
	t.SetRequiresGrad(true)
	m.params = append(m.params, Named{name, t})
	return t
}

// RegisterBuffer registers t as state that is not trained (running
// statistics); persistent buffers are part of the state dict. Returns t.
func (m *Module) RegisterBuffer(name string, t *torch.Tensor, persistent bool) *torch.Tensor {
	m.checkName(name)
	t.Persist()
	m.buffers = append(m.buffers, buffer{Named{name, t}, persistent})
	return t
}

// walk visits m and its descendants depth-first in registration order with
// their dotted prefixes ("" for m, "layer1.0." for a grandchild).
func (m *Module) walk(prefix string, f func(prefix string, m *Module)) {
	f(prefix, m)
	for _, c := range m.children {
		c.layer.module().walk(prefix+c.name+".", f)
	}
}

// NamedParameters lists every parameter with its dotted name, in PyTorch's
// order (a module's own parameters, then its children's).
func (m *Module) NamedParameters() []Named {
	var out []Named
	m.walk("", func(prefix string, mm *Module) {
		for _, p := range mm.params {
			out = append(out, Named{prefix + p.Name, p.Tensor})
		}
	})
	return out
}

// Parameters lists every parameter in NamedParameters' order.
func (m *Module) Parameters() []*torch.Tensor {
	var out []*torch.Tensor
	for _, p := range m.NamedParameters() {
		out = append(out, p.Tensor)
	}
	return out
}

// NamedBuffers lists every buffer (persistent or not) with its dotted name.
func (m *Module) NamedBuffers() []Named {
	var out []Named
	m.walk("", func(prefix string, mm *Module) {
		for _, b := range mm.buffers {
			out = append(out, Named{prefix + b.Name, b.Tensor})
		}
	})
	return out
}

// NumParameters is the total number of elements in the parameters.
func (m *Module) NumParameters() int64 {
	var n int64
	for _, p := range m.Parameters() {
		n += p.Numel()
	}
	return n
}

// StateDict lists the parameters and persistent buffers under their dotted
// names in PyTorch's state_dict order. The tensors are detached views that
// share memory with the module, as in PyTorch; close them when done, or
// call it inside a scope.
func (m *Module) StateDict() []Named {
	var out []Named
	m.walk("", func(prefix string, mm *Module) {
		for _, p := range mm.params {
			out = append(out, Named{prefix + p.Name, p.Tensor.Detach()})
		}
		for _, b := range mm.buffers {
			if b.persistent {
				out = append(out, Named{prefix + b.Name, b.Tensor.Detach()})
			}
		}
	})
	return out
}

// Train sets training mode (on) or evaluation mode (off) on m and every
// descendant, as module.train(on): Dropout and BatchNorm behave differently.
func (m *Module) Train(on bool) {
	m.walk("", func(_ string, mm *Module) { mm.eval = !on })
}

// Eval is Train(false).
func (m *Module) Eval() { m.Train(false) }

// IsTraining reports whether m is in training mode (true for a new module).
func (m *Module) IsTraining() bool { return !m.eval }

// To converts every parameter and buffer, and existing gradients, to the
// DType and/or Device among opts, in place: the tensors keep their
// identity, so optimizers and fields that hold them stay valid (what
// module.to does). Integer buffers keep their dtype, as in PyTorch.
func (m *Module) To(opts ...torch.Option) {
	var dev []torch.Option
	for _, o := range opts {
		if d, ok := o.(torch.Device); ok {
			dev = append(dev, d)
		}
	}
	move := func(t *torch.Tensor, floatOnly bool) {
		o := opts
		if floatOnly && !t.DType().IsFloatingPoint() {
			o = dev
		}
		if len(o) == 0 {
			return
		}
		torch.WithScope(func(*torch.Scope) {
			t.SetData(t.Detach().To(o...))
			if g := t.Grad(); g != nil {
				t.SetGrad(g.To(o...))
			}
		})
	}
	torch.NoGrad(func() {
		m.walk("", func(_ string, mm *Module) {
			for _, p := range mm.params {
				move(p.Tensor, true)
			}
			for _, b := range mm.buffers {
				move(b.Tensor, true)
			}
		})
	})
}

// ZeroGrad clears every parameter's gradient (sets it to none, as PyTorch 2's default).
func (m *Module) ZeroGrad() {
	for _, p := range m.Parameters() {
		p.SetGrad(nil)
	}
}

// Children lists m's direct children with their names.
func (m *Module) Children() (names []string, layers []Layer) {
	for _, c := range m.children {
		names = append(names, c.name)
		layers = append(layers, c.layer)
	}
	return names, layers
}

// TypeName is the Go type name of the layer embedding m ("Linear", "Net"),
// known once m has been added to a parent or given children; "Module" otherwise.
func (m *Module) TypeName() string {
	if m.typeName == "" {
		return "Module"
	}
	return m.typeName
}
