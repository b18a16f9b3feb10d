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
// # Operators
//
// Every aten operator can be called through c10's dispatcher, boxed, as
// TorchScript calls ops: typed wrappers generated from PyTorch's
// native_functions.yaml (aten_gen.go: [Tensor.Tril], [Tensor.Baddbmm],
// [Tensor.Multinomial], ...) and, for any registered overload, the dynamic
// [FindOp], [Op.Call] and [CallOp]. Hand-written code remains where it adds
// something: scopes and handles, data in and out, generators, autograd, and
// the creation options. The hand-written operator functions (ops.go,
// nnops.go, reduce.go, shape.go, create.go) keep their names and
// signatures as thin Go over the same boxed calls; their errors name the Go
// function. A few run directly in the shim instead: the ops of the seed
// model's training step and prediction and the optimizers' in-place
// arithmetic (Conv2d, MaxPool2d, Linear, MatMul, ReLU, LogSoftmax,
// CrossEntropy, NLLLoss, View, Reshape, Add_, AddScaled_, AddScalar_,
// Mul_, MulScalar_, Addcmul_, Addcdiv_, Fill_, Zero_, Copy_), which run
// per parameter or per batch and where a boxed call costs more per call.
//
// # Optional and keyword arguments
//
// One convention holds for every function, generated or hand-written:
//
//   - Arguments without a default are Go parameters in the schema's (and
//     Python's) order; self is the receiver of a Tensor method.
//   - Arguments with a default are the fields of an options struct, the
//     last parameter: XxxOpts for a generated Xxx, passed or left out
//     (x.Triu() or x.Triu(TriuOpts{Diagonal: 1})), and the Options
//     structs of the hand-written functions ([ConvOptions], [PoolOptions],
//     [CrossEntropyOptions], [BackwardOptions], [GradOptions]). The zero
//     value of a field, and so of the whole struct, means PyTorch's
//     default; for the generated ones, the schema's default as the running
//     libtorch gives it.
//   - A field whose default is not Go's zero value is a pointer, nil
//     meaning the default: HistcOpts.Bins (*int64, default 100),
//     NewZerosOpts.Dtype, CrossEntropyOptions.IgnoreIndex (nil: -100).
//     Tensor, Generator, Scalar and list fields are nilable already: nil is
//     the default.
//   - An argument that accepts None (T? in the schema) is nil for None: a
//     nil *Tensor (Linear's bias), *Generator or slice, a nil pointer for
//     a number (*int64 for int?), nil for a Scalar?.
//   - A Scalar is any: a Go integer, float or bool. Integers stay integers
//     and floats floats, so that types promote as Python's t + 2 and
//     t + 2.0 do.
//   - Creation functions (Zeros, Randn, Arange, ...) take the options idiom
//     instead: Options of any kind in any order, as shown above.
//   - The dynamic calls take the arguments positionally, Go values as
//     listed at [Op.Call], and keyword arguments by schema name in a
//     trailing [Kw], as Python's **kwargs: CallOp("add", x, y, Kw{"alpha":
//     2}). Arguments left out take the schema's defaults; nil is None.
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
//
// libtorch also numbers autograd nodes per OS thread, and backward sums a
// tensor's incoming gradients in that order: a graph built while the
// goroutine moved between threads can round differently in the last bits
// from Python's. For bit-for-bit parity, build each graph inside a
// WithScope (the Trainer runs every step in one) or on a goroutine locked
// with runtime.LockOSThread.
package torch
