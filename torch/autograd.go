package torch

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// SetRequiresGrad turns autograd tracking of t on or off (requires_grad_)
// and returns t. Only floating tensors can require grad.
func (t *Tensor) SetRequiresGrad(on bool) *Tensor {
	check("SetRequiresGrad", C.tg_set_requires_grad(t.handle("SetRequiresGrad"), cbool(on)))
	runtime.KeepAlive(t)
	return t
}

// BackwardOptions are the optional arguments of Tensor.BackwardWith.
type BackwardOptions struct {
	// Grad is the gradient of the final result with respect to t; nil means
	// 1, which requires t to be a scalar.
	Grad *Tensor
	// RetainGraph keeps the graph so that backward can run through it again.
	RetainGraph bool
	// CreateGraph records the backward pass for higher-order gradients.
	CreateGraph bool
}

// Backward computes the gradient of the scalar t with respect to every leaf
// that requires grad, accumulating into their Grad.
func (t *Tensor) Backward() { t.BackwardWith(BackwardOptions{}) }

// BackwardWith is Backward with a given output gradient and graph options.
func (t *Tensor) BackwardWith(o BackwardOptions) {
	check("Backward", C.tg_backward(t.handle("Backward"), o.Grad.optHandle("Backward"), cbool(o.RetainGraph), cbool(o.CreateGraph)))
	runtime.KeepAlive(t)
	runtime.KeepAlive(o.Grad)
}

// Grad returns the accumulated gradient of t, or nil when there is none. The
// result shares memory with the gradient, so Zero_ on it zeroes t's gradient.
func (t *Tensor) Grad() *Tensor {
	var out C.tg_tensor
	check("Grad", C.tg_grad(t.handle("Grad"), &out))
	runtime.KeepAlive(t)
	return newTensor(out)
}

// SetGrad replaces t's gradient; nil clears it (what ZeroGrad with
// set_to_none does).
func (t *Tensor) SetGrad(g *Tensor) {
	check("SetGrad", C.tg_set_grad(t.handle("SetGrad"), g.optHandle("SetGrad")))
	runtime.KeepAlive(t)
	runtime.KeepAlive(g)
}

// RetainGrad makes a non-leaf t keep its gradient after Backward.
func (t *Tensor) RetainGrad() {
	check("RetainGrad", C.tg_retain_grad(t.handle("RetainGrad")))
	runtime.KeepAlive(t)
}

// GradFn names the autograd node that produced t ("AddBackward0"), or ""
// for a leaf.
func (t *Tensor) GradFn() string {
	var name *C.char
	check("GradFn", C.tg_tensor_grad_fn_name(t.handle("GradFn"), &name))
	runtime.KeepAlive(t)
	if name == nil {
		return ""
	}
	defer C.free(unsafe.Pointer(name))
	return C.GoString(name)
}

// IsGradEnabled reports whether autograd records operations on the calling
// goroutine's current OS thread.
func IsGradEnabled() bool { return C.tg_grad_enabled() != 0 }

// withGradMode runs f with grad mode set to on on a locked OS thread and
// restores the previous mode, even when f panics.
func withGradMode(on bool, f func()) {
	runtime.LockOSThread()
	prev := C.tg_grad_enabled()
	C.tg_set_grad_enabled(cbool(on))
	defer func() {
		C.tg_set_grad_enabled(prev)
		runtime.UnlockOSThread()
	}()
	f()
}

// NoGrad runs f with autograd recording off, like `with torch.no_grad():`.
func NoGrad(f func()) { withGradMode(false, f) }

// EnableGrad runs f with autograd recording on, like `with torch.enable_grad():`.
func EnableGrad(f func()) { withGradMode(true, f) }

// Autocast runs f with automatic mixed precision on device type dev (CPU or
// CUDA), like `with torch.autocast(dev, dtype=dtype):`: operations that
// autocast's policy lists (matmul, linear, convolutions, ...) run in dtype,
// the precision-sensitive ones (losses, softmax, norms) in float32, and
// parameters stay float32. On the CPU dtype must be BFloat16; on CUDA,
// Float16 or BFloat16. The goroutine is locked to its OS thread while f
// runs (autocast's state is per thread). Autocasts nest.
func Autocast(dev Device, dtype DType, f func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var prevOn, prevDType C.int
	check("Autocast", C.tg_autocast_enter(C.int(dev.Type), 1, C.int(dtype), &prevOn, &prevDType))
	defer func() {
		check("Autocast", C.tg_autocast_exit(C.int(dev.Type), prevOn, prevDType))
	}()
	f()
}

// GradOptions are AutogradGrad's options (torch.autograd.grad's keyword
// arguments); the zero value is PyTorch's default.
type GradOptions struct {
	// GradOutputs seed each output's gradient; nil (or a nil entry) takes
	// ones for a scalar output, as PyTorch does.
	GradOutputs []*Tensor
	// RetainGraph keeps the graph for another backward; PyTorch's default
	// is CreateGraph's value.
	RetainGraph bool
	// CreateGraph records the backward pass for higher-order gradients.
	CreateGraph bool
	// AllowUnused returns nil for an input the outputs do not depend on,
	// instead of failing.
	AllowUnused bool
}

// AutogradGrad returns the gradients of outputs with respect to inputs
// (torch.autograd.grad), without accumulating them into any Grad; inputs
// may be non-leaf tensors. A nil result means the input was unused.
func AutogradGrad(outputs, inputs []*Tensor, o GradOptions) []*Tensor {
	const op = "AutogradGrad"
	if o.GradOutputs != nil && len(o.GradOutputs) != len(outputs) {
		panic(errorf(op, "%d grad outputs for %d outputs", len(o.GradOutputs), len(outputs)))
	}
	outs := make([]C.tg_tensor, len(outputs))
	gouts := make([]C.tg_tensor, len(outputs))
	for i, t := range outputs {
		outs[i] = t.handle(op)
		if o.GradOutputs != nil {
			gouts[i] = o.GradOutputs[i].optHandle(op)
		}
	}
	ins := make([]C.tg_tensor, len(inputs))
	for i, t := range inputs {
		ins[i] = t.handle(op)
	}
	res := make([]C.tg_tensor, len(inputs))
	if len(outs) == 0 || len(ins) == 0 {
		panic(errorf(op, "needs at least one output and one input"))
	}
	retain := o.RetainGraph || o.CreateGraph
	check(op, C.tg_autograd_grad(&outs[0], &gouts[0], C.int64_t(len(outs)), &ins[0], C.int64_t(len(ins)),
		cbool(retain), cbool(o.CreateGraph), cbool(o.AllowUnused), &res[0]))
	runtime.KeepAlive(outputs)
	runtime.KeepAlive(inputs)
	runtime.KeepAlive(o.GradOutputs)
	out := make([]*Tensor, len(res))
	for i, h := range res {
		out[i] = newTensor(h)
	}
	return out
}
