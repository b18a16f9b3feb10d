package torch

/*
#include "shim.h"
*/
import "C"

import "runtime"

func (t *Tensor) reduce(op string, code C.int, all bool, dims []int64, keepDim bool) *Tensor {
	var out C.tg_tensor
	check(op, C.tg_reduce(code, t.handle(op), cbool(all), int64s(dims), C.int64_t(len(dims)), cbool(keepDim), -1, &out))
	runtime.KeepAlive(t)
	return newTensor(out)
}

// Sum adds all elements into a 0-dim tensor.
func (t *Tensor) Sum() *Tensor { return t.reduce("Sum", C.TG_SUM, true, nil, false) }

// SumDim sums over dims; keepDim keeps them with size 1.
func (t *Tensor) SumDim(dims []int64, keepDim bool) *Tensor {
	return t.reduce("SumDim", C.TG_SUM, false, dims, keepDim)
}

// Mean averages all elements (floating dtypes only).
func (t *Tensor) Mean() *Tensor { return t.reduce("Mean", C.TG_MEAN, true, nil, false) }

// MeanDim averages over dims; keepDim keeps them with size 1.
func (t *Tensor) MeanDim(dims []int64, keepDim bool) *Tensor {
	return t.reduce("MeanDim", C.TG_MEAN, false, dims, keepDim)
}

// Prod multiplies all elements.
func (t *Tensor) Prod() *Tensor { return t.reduce("Prod", C.TG_PROD, true, nil, false) }

// ProdDim multiplies along dim.
func (t *Tensor) ProdDim(dim int64, keepDim bool) *Tensor {
	return t.reduce("ProdDim", C.TG_PROD, false, []int64{dim}, keepDim)
}

// Max is the largest element, as a 0-dim tensor.
func (t *Tensor) Max() *Tensor { return t.reduce("Max", C.TG_AMAX, true, nil, false) }

// Min is the smallest element, as a 0-dim tensor.
func (t *Tensor) Min() *Tensor { return t.reduce("Min", C.TG_AMIN, true, nil, false) }

// Amax is the largest value over dims.
func (t *Tensor) Amax(dims []int64, keepDim bool) *Tensor {
	return t.reduce("Amax", C.TG_AMAX, false, dims, keepDim)
}

// Amin is the smallest value over dims.
func (t *Tensor) Amin(dims []int64, keepDim bool) *Tensor {
	return t.reduce("Amin", C.TG_AMIN, false, dims, keepDim)
}

// LogSumExp is log(sum(exp(t))) over dims, computed stably.
func (t *Tensor) LogSumExp(dims []int64, keepDim bool) *Tensor {
	return t.reduce("LogSumExp", C.TG_LOGSUMEXP, false, dims, keepDim)
}

// All reports, as a 0-dim Bool tensor, whether every element is nonzero.
func (t *Tensor) All() *Tensor { return t.reduce("All", C.TG_ALL, true, nil, false) }

// Any reports, as a 0-dim Bool tensor, whether some element is nonzero.
func (t *Tensor) Any() *Tensor { return t.reduce("Any", C.TG_ANY, true, nil, false) }

// Norm is the Euclidean (2-)norm of all elements.
func (t *Tensor) Norm() *Tensor { return t.reduce("Norm", C.TG_NORM2, true, nil, false) }

// NormDim is the 2-norm over dims.
func (t *Tensor) NormDim(dims []int64, keepDim bool) *Tensor {
	return t.reduce("NormDim", C.TG_NORM2, false, dims, keepDim)
}

func (t *Tensor) varStd(op string, isStd, all bool, dims []int64, unbiased, keepDim bool) *Tensor {
	var out C.tg_tensor
	check(op, C.tg_var_std(cbool(isStd), t.handle(op), cbool(all), int64s(dims), C.int64_t(len(dims)), cbool(unbiased), cbool(keepDim), &out))
	runtime.KeepAlive(t)
	return newTensor(out)
}

// Std is the standard deviation of all elements; unbiased divides by N-1
// (PyTorch's default), otherwise by N.
func (t *Tensor) Std(unbiased bool) *Tensor { return t.varStd("Std", true, true, nil, unbiased, false) }

// StdDim is the standard deviation over dims.
func (t *Tensor) StdDim(dims []int64, unbiased, keepDim bool) *Tensor {
	return t.varStd("StdDim", true, false, dims, unbiased, keepDim)
}

// Var is the variance of all elements; unbiased divides by N-1.
func (t *Tensor) Var(unbiased bool) *Tensor {
	return t.varStd("Var", false, true, nil, unbiased, false)
}

// VarDim is the variance over dims.
func (t *Tensor) VarDim(dims []int64, unbiased, keepDim bool) *Tensor {
	return t.varStd("VarDim", false, false, dims, unbiased, keepDim)
}

func (t *Tensor) minMaxDim(op string, isMax bool, dim int64, keepDim bool) (values, indices *Tensor) {
	var v, i C.tg_tensor
	check(op, C.tg_minmax_dim(cbool(isMax), t.handle(op), C.int64_t(dim), cbool(keepDim), &v, &i))
	runtime.KeepAlive(t)
	return newTensor(v), newTensor(i)
}

// MaxDim returns the largest values along dim and their indices (Int64).
func (t *Tensor) MaxDim(dim int64, keepDim bool) (values, indices *Tensor) {
	return t.minMaxDim("MaxDim", true, dim, keepDim)
}

// MinDim returns the smallest values along dim and their indices (Int64).
func (t *Tensor) MinDim(dim int64, keepDim bool) (values, indices *Tensor) {
	return t.minMaxDim("MinDim", false, dim, keepDim)
}

func (t *Tensor) argMinMax(op string, isMax, all bool, dim int64, keepDim bool) *Tensor {
	var out C.tg_tensor
	check(op, C.tg_argminmax(cbool(isMax), t.handle(op), cbool(all), C.int64_t(dim), cbool(keepDim), &out))
	runtime.KeepAlive(t)
	return newTensor(out)
}

// Argmax is the flat index of the largest element (Int64, 0-dim).
func (t *Tensor) Argmax() *Tensor { return t.argMinMax("Argmax", true, true, 0, false) }

// ArgmaxDim is the index of the largest element along dim.
func (t *Tensor) ArgmaxDim(dim int64, keepDim bool) *Tensor {
	return t.argMinMax("ArgmaxDim", true, false, dim, keepDim)
}

// Argmin is the flat index of the smallest element (Int64, 0-dim).
func (t *Tensor) Argmin() *Tensor { return t.argMinMax("Argmin", false, true, 0, false) }

// ArgminDim is the index of the smallest element along dim.
func (t *Tensor) ArgminDim(dim int64, keepDim bool) *Tensor {
	return t.argMinMax("ArgminDim", false, false, dim, keepDim)
}

// TopK returns the k largest (or smallest) elements along dim and their indices.
func (t *Tensor) TopK(k, dim int64, largest, sorted bool) (values, indices *Tensor) {
	var v, i C.tg_tensor
	check("TopK", C.tg_topk(t.handle("TopK"), C.int64_t(k), C.int64_t(dim), cbool(largest), cbool(sorted), &v, &i))
	runtime.KeepAlive(t)
	return newTensor(v), newTensor(i)
}

// Sort sorts along dim and returns the values and their original indices.
func (t *Tensor) Sort(dim int64, descending bool) (values, indices *Tensor) {
	var v, i C.tg_tensor
	check("Sort", C.tg_sort(t.handle("Sort"), C.int64_t(dim), cbool(descending), &v, &i))
	runtime.KeepAlive(t)
	return newTensor(v), newTensor(i)
}

// CumSum is the running sum along dim.
func (t *Tensor) CumSum(dim int64) *Tensor {
	var out C.tg_tensor
	check("CumSum", C.tg_cumsum(t.handle("CumSum"), C.int64_t(dim), &out))
	runtime.KeepAlive(t)
	return newTensor(out)
}
