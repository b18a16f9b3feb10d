// Package tensorref lets torchgo's own cgo packages (torch/distributed)
// pass tensors to their C code: package torch fills these functions in at
// init. A cgo type is private to its package, hence unsafe.Pointer.
package tensorref

import "unsafe"

var (
	// Handle returns the shim handle of t (a *torch.Tensor), panicking
	// with a *torch.Error naming op when t is nil or freed. The caller
	// keeps t alive until its C call returns.
	Handle func(op string, t any) unsafe.Pointer
	// Wrap makes a *torch.Tensor of a handle the shim returned.
	Wrap func(h unsafe.Pointer) any
	// Check turns a shim error into a panic with a *torch.Error naming op.
	Check func(op string, err unsafe.Pointer)
)
