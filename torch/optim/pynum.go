package optim

import (
	"fmt"
	"math"

	"github.com/torchgo/torchgo/torch"
)

// LBFGS's Python code mixes Python ints, Python floats and 0-dim tensors
// freely (a step size is the int lr, a float, or a tensor computed from a
// dot product), and which one a value is decides both the arithmetic
// (float64 or the tensor's dtype) and the branches taken (a float compared
// with a float32 tensor is compared in float32). To take the same branches
// and produce the same bits, these helpers give Go values the semantics of
// Python's operators on them: a pyNum is an int64, a float64 or a
// *torch.Tensor, and each operation with a tensor runs the aten op that
// Python's operator runs.
type pyNum = any

// pyFloat is Python's float(v).
func pyFloat(v pyNum) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	case *torch.Tensor:
		return x.Item()
	}
	panic(&torch.Error{Op: "LBFGS.Step", Msg: fmt.Sprintf("%s is not a number", typeName(v))})
}

func isTensor(v pyNum) bool { _, ok := v.(*torch.Tensor); return ok }

// scalarOf returns v as an aten Scalar argument (int64 or float64).
func scalarOf(v pyNum) any { return v }

// pyAdd is a + b.
func pyAdd(a, b pyNum) pyNum {
	ta, aT := a.(*torch.Tensor)
	tb, bT := b.(*torch.Tensor)
	switch {
	case aT && bT:
		return ta.Add(tb)
	case aT:
		return ta.AddScalar(scalarOf(b))
	case bT:
		return tb.AddScalar(scalarOf(a)) // Tensor.__radd__ is add(self, other)
	}
	if ia, ok := a.(int64); ok {
		if ib, ok := b.(int64); ok {
			return ia + ib
		}
	}
	return pyFloat(a) + pyFloat(b)
}

// pySub is a - b.
func pySub(a, b pyNum) pyNum {
	ta, aT := a.(*torch.Tensor)
	tb, bT := b.(*torch.Tensor)
	switch {
	case aT && bT:
		return ta.Sub(tb)
	case aT:
		return ta.SubScalar(scalarOf(b))
	case bT:
		return torch.RsubScalar(tb, scalarOf(a)) // Tensor.__rsub__
	}
	if ia, ok := a.(int64); ok {
		if ib, ok := b.(int64); ok {
			return ia - ib
		}
	}
	return pyFloat(a) - pyFloat(b)
}

// pyMul is a * b.
func pyMul(a, b pyNum) pyNum {
	ta, aT := a.(*torch.Tensor)
	tb, bT := b.(*torch.Tensor)
	switch {
	case aT && bT:
		return ta.Mul(tb)
	case aT:
		return ta.MulScalar(scalarOf(b))
	case bT:
		return tb.MulScalar(scalarOf(a)) // Tensor.__rmul__ is mul(self, other)
	}
	if ia, ok := a.(int64); ok {
		if ib, ok := b.(int64); ok {
			return ia * ib
		}
	}
	return float64(pyFloat(a) * pyFloat(b))
}

// pyDiv is a / b (true division).
func pyDiv(a, b pyNum) pyNum {
	ta, aT := a.(*torch.Tensor)
	tb, bT := b.(*torch.Tensor)
	switch {
	case aT && bT:
		return ta.Div(tb)
	case aT:
		return ta.DivScalar(scalarOf(b))
	case bT:
		return tb.Reciprocal().MulScalar(scalarOf(a)) // Tensor.__rtruediv__
	}
	fb := pyFloat(b)
	if fb == 0 {
		panic(&torch.Error{Op: "LBFGS.Step", Msg: "float division by zero"})
	}
	return pyFloat(a) / fb
}

// pyNeg is -a.
func pyNeg(a pyNum) pyNum {
	switch x := a.(type) {
	case *torch.Tensor:
		return x.Neg()
	case int64:
		return -x
	}
	return -pyFloat(a)
}

// pyAbs is abs(a).
func pyAbs(a pyNum) pyNum {
	switch x := a.(type) {
	case *torch.Tensor:
		return x.Abs()
	case int64:
		if x < 0 {
			return -x
		}
		return x
	}
	return math.Abs(pyFloat(a))
}

// cmp codes for pyCmp.
const (
	cmpLT = iota
	cmpLE
	cmpGT
	cmpGE
)

// pyCmp is a < b (<=, >, >=) as Python evaluates it: a tensor operand
// makes it the tensor comparison (the number converted to the tensor's
// dtype), reflected when the tensor is on the right.
func pyCmp(a pyNum, op int, b pyNum) bool {
	ta, aT := a.(*torch.Tensor)
	tb, bT := b.(*torch.Tensor)
	if !aT && bT {
		// float.__lt__(tensor) is NotImplemented: Python calls tensor.__gt__(float).
		return pyCmp(tb, [...]int{cmpGT, cmpGE, cmpLT, cmpLE}[op], a)
	}
	if aT {
		var r *torch.Tensor
		if bT {
			r = [...]func(*torch.Tensor) *torch.Tensor{ta.Lt, ta.Le, ta.Gt, ta.Ge}[op](tb)
		} else {
			s := scalarOf(b)
			r = [...]func(any) *torch.Tensor{ta.LtScalar, ta.LeScalar, ta.GtScalar, ta.GeScalar}[op](s)
		}
		return r.ItemBool()
	}
	if ia, ok := a.(int64); ok {
		if ib, ok := b.(int64); ok {
			return [...]bool{ia < ib, ia <= ib, ia > ib, ia >= ib}[op]
		}
	}
	fa, fb := pyFloat(a), pyFloat(b)
	return [...]bool{fa < fb, fa <= fb, fa > fb, fa >= fb}[op]
}

// pyMax is Python's max(a, b): b only when b > a.
func pyMax(a, b pyNum) pyNum {
	if pyCmp(b, cmpGT, a) {
		return b
	}
	return a
}

// pyMin is Python's min(a, b): b only when b < a.
func pyMin(a, b pyNum) pyNum {
	if pyCmp(b, cmpLT, a) {
		return b
	}
	return a
}
