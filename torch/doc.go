// Package torch binds Go to libtorch, PyTorch's C++ library: tensors, autograd,
// random generators and global settings, running on libtorch's own CPU and
// CUDA kernels through a thin C shim (internal/shim).
//
// # Shapes, dtypes, devices
//
// Shapes are []int64 in PyTorch's order (NCHW for images). A dtype is a
// [DType] (Float32 by default for floating values, Int64 for integers) and a
// device a [Device] ([CPU] by default, [CUDA](i)). Creation functions take
// options, in any order, of these kinds: a DType, a Device, a *[Generator]
// (for random values) and [RequiresGrad]:
//
//	x := torch.Randn([]int64{256, 1, 28, 28}, torch.Float64, gen)
//
// # Errors
//
// Tensor operations read like the Python they replace, one expression per op.
// An operation that libtorch rejects (a shape mismatch, a wrong dtype, an index
// out of range, a closed tensor) panics with a *[Error] carrying the op's name
// and libtorch's message without the C++ backtrace; the process goes on.
// [Catch] turns such a panic back into an error. Functions that read outside
// input (files, states) return errors instead.
//
// # Memory
//
// Native and GPU memory are invisible to Go's garbage collector, so tensors
// are freed deterministically: [Tensor.Close] frees one now, and
// [WithScope] frees every tensor created inside it on the calling goroutine,
// except those kept with [Scope.Keep] or [Tensor.Persist]. A cleanup attached to each
// tensor is only a backstop. [LiveTensors] counts tensors whose memory is held.
//
// # Threads
//
// libtorch keeps grad mode per OS thread. [NoGrad], [EnableGrad] and
// [WithScope] lock the goroutine to its OS thread while they run and restore
// the previous state afterwards, so they stay correct when goroutines move
// between threads. A goroutine started inside them does not inherit them,
// just as a Python thread does not inherit torch.no_grad().
package torch
