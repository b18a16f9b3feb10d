package nn

import (
	"reflect"
	"unsafe"

	"github.com/torchgo/torchgo/torch"
)

// DeepCopy returns a copy of the layer tree rooted at l, as copy.deepcopy
// does for a module: every layer is a new value of the same type, and every
// parameter and buffer a new tensor holding a copy of the old values, with
// the same requires_grad flag and training mode. Fields that point at the
// tree's tensors or layers (Weight, children held in fields or slices) point
// at the copies, and tensors tied in l stay tied in the copy. Gradients are
// not copied; other fields are copied shallowly.
func DeepCopy[T Layer](l T) T {
	c := &copier{tensors: map[*torch.Tensor]*torch.Tensor{}, layers: map[Layer]Layer{}}
	var out T
	torch.NoGrad(func() { out = c.layer(l).(T) })
	for old, nl := range c.layers {
		c.fixFields(reflect.ValueOf(nl).Elem(), reflect.TypeOf(old).Elem())
	}
	return out
}

type copier struct {
	tensors map[*torch.Tensor]*torch.Tensor
	layers  map[Layer]Layer
}

func (c *copier) tensor(t *torch.Tensor) *torch.Tensor {
	if t == nil {
		return nil
	}
	if n, ok := c.tensors[t]; ok {
		return n
	}
	n := t.Detach().Clone().Persist()
	if t.RequiresGrad() {
		n.SetRequiresGrad(true)
	}
	c.tensors[t] = n
	return n
}

// layer copies old's struct and rebuilds its Module with copied tensors
// and children.
func (c *copier) layer(old Layer) Layer {
	if n, ok := c.layers[old]; ok {
		return n
	}
	v := reflect.ValueOf(old)
	nv := reflect.New(v.Elem().Type())
	nv.Elem().Set(v.Elem())
	nl := nv.Interface().(Layer)
	c.layers[old] = nl
	om, nm := old.module(), nl.module()
	nm.params = make([]Named, len(om.params))
	for i, p := range om.params {
		nm.params[i] = Named{p.Name, c.tensor(p.Tensor)}
	}
	nm.buffers = make([]buffer, len(om.buffers))
	for i, b := range om.buffers {
		nm.buffers[i] = buffer{Named{b.Name, c.tensor(b.Tensor)}, b.persistent}
	}
	nm.children = make([]child, len(om.children))
	for i, ch := range om.children {
		nm.children[i] = child{ch.name, c.layer(ch.layer)}
	}
	if om.self != nil {
		nm.self = nl
	}
	return nl
}

var (
	tensorType = reflect.TypeOf((*torch.Tensor)(nil))
	moduleType = reflect.TypeOf(Module{})
)

// fixFields points the fields of the struct v (a copy) at copied tensors
// and layers.
func (c *copier) fixFields(v reflect.Value, _ reflect.Type) {
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if f.Type() == moduleType {
			continue
		}
		if !f.CanSet() {
			f = reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
		}
		c.fixValue(f)
	}
}

func (c *copier) fixValue(f reflect.Value) {
	switch {
	case f.Type() == tensorType:
		if t := f.Interface().(*torch.Tensor); t != nil {
			if n, ok := c.tensors[t]; ok {
				f.Set(reflect.ValueOf(n))
			}
		}
	case f.Kind() == reflect.Interface || f.Kind() == reflect.Pointer:
		if f.IsNil() {
			return
		}
		if l, ok := f.Interface().(Layer); ok {
			if n, ok := c.layers[l]; ok {
				f.Set(reflect.ValueOf(n))
			}
		}
	case f.Kind() == reflect.Slice:
		if f.IsNil() || !holdsTreeValues(f.Type().Elem()) {
			return
		}
		n := reflect.MakeSlice(f.Type(), f.Len(), f.Len())
		reflect.Copy(n, f)
		for i := 0; i < n.Len(); i++ {
			c.fixValue(n.Index(i))
		}
		f.Set(n)
	case f.Kind() == reflect.Array:
		for i := 0; i < f.Len(); i++ {
			c.fixValue(f.Index(i))
		}
	case f.Kind() == reflect.Struct:
		c.fixFields(f, nil)
	}
}

// holdsTreeValues reports whether slices of t may hold tensors or layers.
func holdsTreeValues(t reflect.Type) bool {
	return t == tensorType || t.Kind() == reflect.Interface || t.Kind() == reflect.Pointer || t.Kind() == reflect.Struct
}
