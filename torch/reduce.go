package torch

// Reductions, thin wrappers over aten operators called through the boxed
// dispatcher; their errors name the Go method.

var (
	atenSum       = &lazyOp{name: "aten::sum"}
	atenSumDim    = &lazyOp{name: "aten::sum", overload: "dim_IntList"}
	atenMean      = &lazyOp{name: "aten::mean"}
	atenMeanDim   = &lazyOp{name: "aten::mean", overload: "dim"}
	atenProd      = &lazyOp{name: "aten::prod"}
	atenProdDim   = &lazyOp{name: "aten::prod", overload: "dim_int"}
	atenMax       = &lazyOp{name: "aten::max"}
	atenMin       = &lazyOp{name: "aten::min"}
	atenMaxDim    = &lazyOp{name: "aten::max", overload: "dim"}
	atenMinDim    = &lazyOp{name: "aten::min", overload: "dim"}
	atenAmax      = &lazyOp{name: "aten::amax"}
	atenAmin      = &lazyOp{name: "aten::amin"}
	atenLogsumexp = &lazyOp{name: "aten::logsumexp"}
	atenAll       = &lazyOp{name: "aten::all"}
	atenAny       = &lazyOp{name: "aten::any"}
	atenNorm      = &lazyOp{name: "aten::norm", overload: "Scalar"}
	atenNormDim   = &lazyOp{name: "aten::norm", overload: "ScalarOpt_dim"}
	atenStd       = &lazyOp{name: "aten::std", overload: "dim"}
	atenVar       = &lazyOp{name: "aten::var", overload: "dim"}
	atenArgmax    = &lazyOp{name: "aten::argmax"}
	atenArgmin    = &lazyOp{name: "aten::argmin"}
	atenTopk      = &lazyOp{name: "aten::topk"}
	atenSort      = &lazyOp{name: "aten::sort"}
	atenCumsum    = &lazyOp{name: "aten::cumsum"}
)

// A nil []int64 is passed as the empty list (as libtorch's C++ API passes
// an empty IntArrayRef), never as None: dims nil means every dim.

func two(r []any) (*Tensor, *Tensor) { return r[0].(*Tensor), r[1].(*Tensor) }

// Sum adds all elements into a 0-dim tensor.
func (t *Tensor) Sum() *Tensor { return atenSum.tensorAs("Sum", t) }

// SumDim sums over dims; keepDim keeps them with size 1.
func (t *Tensor) SumDim(dims []int64, keepDim bool) *Tensor {
	return atenSumDim.tensorAs("SumDim", t, dims, keepDim)
}

// Mean averages all elements (floating dtypes only).
func (t *Tensor) Mean() *Tensor { return atenMean.tensorAs("Mean", t) }

// MeanDim averages over dims; keepDim keeps them with size 1.
func (t *Tensor) MeanDim(dims []int64, keepDim bool) *Tensor {
	return atenMeanDim.tensorAs("MeanDim", t, dims, keepDim)
}

// Prod multiplies all elements.
func (t *Tensor) Prod() *Tensor { return atenProd.tensorAs("Prod", t) }

// ProdDim multiplies along dim.
func (t *Tensor) ProdDim(dim int64, keepDim bool) *Tensor {
	return atenProdDim.tensorAs("ProdDim", t, dim, keepDim)
}

// Max is the largest element, as a 0-dim tensor.
func (t *Tensor) Max() *Tensor { return atenMax.tensorAs("Max", t) }

// Min is the smallest element, as a 0-dim tensor.
func (t *Tensor) Min() *Tensor { return atenMin.tensorAs("Min", t) }

// Amax is the largest value over dims.
func (t *Tensor) Amax(dims []int64, keepDim bool) *Tensor {
	return atenAmax.tensorAs("Amax", t, dims, keepDim)
}

// Amin is the smallest value over dims.
func (t *Tensor) Amin(dims []int64, keepDim bool) *Tensor {
	return atenAmin.tensorAs("Amin", t, dims, keepDim)
}

// LogSumExp is log(sum(exp(t))) over dims, computed stably.
func (t *Tensor) LogSumExp(dims []int64, keepDim bool) *Tensor {
	return atenLogsumexp.tensorAs("LogSumExp", t, dims, keepDim)
}

// All reports, as a 0-dim Bool tensor, whether every element is nonzero.
func (t *Tensor) All() *Tensor { return atenAll.tensorAs("All", t) }

// Any reports, as a 0-dim Bool tensor, whether some element is nonzero.
func (t *Tensor) Any() *Tensor { return atenAny.tensorAs("Any", t) }

// Norm is the Euclidean (2-)norm of all elements.
func (t *Tensor) Norm() *Tensor { return atenNorm.tensorAs("Norm", t) }

// NormDim is the 2-norm over dims.
func (t *Tensor) NormDim(dims []int64, keepDim bool) *Tensor {
	return atenNormDim.tensorAs("NormDim", t, int64(2), dims, keepDim)
}

// Std is the standard deviation of all elements; unbiased divides by N-1
// (PyTorch's default), otherwise by N.
func (t *Tensor) Std(unbiased bool) *Tensor { return atenStd.tensorAs("Std", t, nil, unbiased, false) }

// StdDim is the standard deviation over dims.
func (t *Tensor) StdDim(dims []int64, unbiased, keepDim bool) *Tensor {
	return atenStd.tensorAs("StdDim", t, dims, unbiased, keepDim)
}

// Var is the variance of all elements; unbiased divides by N-1.
func (t *Tensor) Var(unbiased bool) *Tensor { return atenVar.tensorAs("Var", t, nil, unbiased, false) }

// VarDim is the variance over dims.
func (t *Tensor) VarDim(dims []int64, unbiased, keepDim bool) *Tensor {
	return atenVar.tensorAs("VarDim", t, dims, unbiased, keepDim)
}

// MaxDim returns the largest values along dim and their indices (Int64).
func (t *Tensor) MaxDim(dim int64, keepDim bool) (values, indices *Tensor) {
	return two(atenMaxDim.as("MaxDim", t, dim, keepDim))
}

// MinDim returns the smallest values along dim and their indices (Int64).
func (t *Tensor) MinDim(dim int64, keepDim bool) (values, indices *Tensor) {
	return two(atenMinDim.as("MinDim", t, dim, keepDim))
}

// Argmax is the flat index of the largest element (Int64, 0-dim).
func (t *Tensor) Argmax() *Tensor { return atenArgmax.tensorAs("Argmax", t) }

// ArgmaxDim is the index of the largest element along dim.
func (t *Tensor) ArgmaxDim(dim int64, keepDim bool) *Tensor {
	return atenArgmax.tensorAs("ArgmaxDim", t, dim, keepDim)
}

// Argmin is the flat index of the smallest element (Int64, 0-dim).
func (t *Tensor) Argmin() *Tensor { return atenArgmin.tensorAs("Argmin", t) }

// ArgminDim is the index of the smallest element along dim.
func (t *Tensor) ArgminDim(dim int64, keepDim bool) *Tensor {
	return atenArgmin.tensorAs("ArgminDim", t, dim, keepDim)
}

// TopK returns the k largest (or smallest) elements along dim and their indices.
func (t *Tensor) TopK(k, dim int64, largest, sorted bool) (values, indices *Tensor) {
	return two(atenTopk.as("TopK", t, k, dim, largest, sorted))
}

// Sort sorts along dim and returns the values and their original indices.
func (t *Tensor) Sort(dim int64, descending bool) (values, indices *Tensor) {
	return two(atenSort.as("Sort", t, dim, descending))
}

// CumSum is the running sum along dim.
func (t *Tensor) CumSum(dim int64) *Tensor { return atenCumsum.tensorAs("CumSum", t, dim) }
