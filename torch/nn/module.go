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
	self     Layer // the layer embedding this Module, once known (Add)
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
	pm.self = parent
	cm := c.module()
	if cm.typeName == "" {
		cm.typeName = typeName(c)
	}
	cm.self = c
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

// SetParameter makes the parameter registered under name be t instead
// (PyTorch's `decoder.weight = encoder.weight`): registering a tensor that
// another module already holds ties the two, and the layer's field should
// be set to the result. Returns t.
func (m *Module) SetParameter(name string, t *torch.Tensor) *torch.Tensor {
	for i, p := range m.params {
		if p.Name == name {
			t.Persist()
			m.params[i].Tensor = t
			return t
		}
	}
	panic(&torch.Error{Op: "nn.Module", Msg: `no parameter "` + name + `" to replace`})
}

// NamedParameters lists every parameter with its dotted name, in PyTorch's
// order (a module's own parameters, then its children's). A parameter
// registered under several names (tied weights) is listed once, under the
// first, as named_parameters() does.
func (m *Module) NamedParameters() []Named {
	var out []Named
	seen := map[*torch.Tensor]bool{}
	m.walk("", func(prefix string, mm *Module) {
		for _, p := range mm.params {
			if !seen[p.Tensor] {
				seen[p.Tensor] = true
				out = append(out, Named{prefix + p.Name, p.Tensor})
			}
		}
	})
	return out
}

// RequiresGrad_ sets requires_grad on every parameter (requires_grad_):
// false freezes the module. Returns m.
func (m *Module) RequiresGrad_(on bool) *Module {
	for _, p := range m.Parameters() {
		p.SetRequiresGrad(on)
	}
	return m
}

// NamedLayer is a layer under its dotted name ("" for the root).
type NamedLayer struct {
	Name  string
	Layer Layer
}

// NamedChildren lists m's direct children with their names
// (named_children()).
func (m *Module) NamedChildren() []NamedLayer {
	var out []NamedLayer
	for _, c := range m.children {
		out = append(out, NamedLayer{c.name, c.layer})
	}
	return out
}

// NamedModules lists the descendants of m, depth-first in registration
// order, each once, with their dotted names (named_modules()); m itself
// comes first, named "", when the layer embedding it is known (it has been
// added to a parent or given children).
func (m *Module) NamedModules() []NamedLayer {
	var out []NamedLayer
	seen := map[*Module]bool{}
	var visit func(prefix string, l Layer, mm *Module)
	visit = func(prefix string, l Layer, mm *Module) {
		if seen[mm] {
			return
		}
		seen[mm] = true
		if l != nil {
			out = append(out, NamedLayer{strings.TrimSuffix(prefix, "."), l})
		}
		for _, c := range mm.children {
			visit(prefix+c.name+".", c.layer, c.layer.module())
		}
	}
	visit("", m.self, m)
	return out
}

// Apply calls fn on every child layer recursively, then on the layer
// embedding m (module.apply(fn)); the package function Apply(l, fn) is the
// same, and also reaches a layer that was never added to a parent.
func (m *Module) Apply(fn func(Layer)) {
	for _, c := range m.children {
		Apply(c.layer, fn)
	}
	if m.self != nil {
		fn(m.self)
	}
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
// module.to does). Integer buffers keep their dtype, as in PyTorch. A
// torch.MemoryFormat applies to the 4- and 5-dimensional tensors only
// (module.to(memory_format=torch.channels_last) for a CNN's weights).
func (m *Module) To(opts ...torch.Option) {
	var dev, noFormat []torch.Option
	for _, o := range opts {
		if d, ok := o.(torch.Device); ok {
			dev = append(dev, d)
		}
		if _, ok := o.(torch.MemoryFormat); !ok {
			noFormat = append(noFormat, o)
		}
	}
	move := func(t *torch.Tensor, floatOnly bool) {
		o := opts
		if d := t.Dim(); d != 4 && d != 5 {
			o = noFormat
		}
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

// Apply calls fn on every layer of the tree rooted at l, children first and
// l last, as module.apply(fn) does (to initialise weights, say).
func Apply(l Layer, fn func(Layer)) {
	for _, c := range l.module().children {
		Apply(c.layer, fn)
	}
	fn(l)
}

// NamedModules lists l and its descendants, each once, depth-first in
// registration order, with dotted names ("" for l), as named_modules().
func NamedModules(l Layer) []NamedLayer {
	m := l.module()
	if m.self == nil {
		m.self = l
	}
	return m.NamedModules()
}
