package torch

/*
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"sync"
)

//go:generate /usr/bin/python3 ../scripts/gen_aten.py aten_gen.go

// lazyOp is a generated wrapper's operator, looked up on first use.
type lazyOp struct {
	name, overload string
	once           sync.Once
	op             *Op
	err            error
}

func (l *lazyOp) get() *Op {
	l.once.Do(func() { l.op, l.err = FindOp(l.name, l.overload) })
	if l.err != nil {
		panic(errorf(l.name, "not registered in libtorch %s: %v", Version(), l.err))
	}
	return l.op
}

// call calls the operator with arguments at their schema positions;
// noValue{} leaves one to the schema's default.
func (l *lazyOp) call(args ...any) []any { return l.get().call(args) }

// tensor is call for an operator returning one tensor.
func (l *lazyOp) tensor(args ...any) *Tensor { return l.get().tensor("", args) }

// The forms below implement hand-written functions (ops.go, nnops.go, ...):
// op, the function's name, is what their errors name, with libtorch's
// message alone (see Op.invoke).

// as is call for the hand-written function op.
func (l *lazyOp) as(op string, args ...any) []any {
	o := l.get()
	var retStack [4]C.tg_value
	rets := retStack[:]
	if len(o.Returns) > len(retStack) {
		rets = make([]C.tg_value, len(o.Returns))
	}
	n := o.invoke(op, args, rets)
	out := make([]any, n)
	for i := range out {
		out[i] = unbox(&rets[i])
	}
	return out
}

// tensorAs is tensor for the hand-written function op.
func (l *lazyOp) tensorAs(op string, args ...any) *Tensor { return l.get().tensor(op, args) }

// inPlaceAs calls an in-place operator on t for the hand-written function
// op and returns t; the op's result (t again) is dropped in C++.
func (l *lazyOp) inPlaceAs(op string, t *Tensor, args ...any) *Tensor {
	o := l.get()
	pos := make([]any, 0, 8)
	pos = append(append(pos, t), args...)
	o.invoke(op, pos, nil)
	return t
}

// doAs calls an operator for the hand-written function op and drops its results.
func (l *lazyOp) doAs(op string, args ...any) { l.get().invoke(op, args, nil) }

// num checks that v is a Go number or bool, as a Scalar argument of a
// hand-written function must be, and returns it as int64, float64 or bool:
// integers stay integers and floats floats, so that type promotion matches
// Python's `t + 2` versus `t + 2.0`.
func num(op string, v any) any {
	switch x := v.(type) {
	case int64, float64, bool:
		return v
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case int16:
		return int64(x)
	case int8:
		return int64(x)
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case float32:
		return float64(x)
	}
	panic(&Error{Op: op, Msg: fmt.Sprintf("unsupported scalar type %T: use a Go integer, float or bool", v)})
}

// deref passes a required optional argument: nil is None.
func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// optList passes a required optional list: nil is None.
func optList[T any](l []T) any {
	if l == nil {
		return nil
	}
	return l
}

// unset passes an optional field whose zero value is the default.
func unset[T comparable](v T) any {
	var zero T
	if v == zero {
		return noValue{}
	}
	return v
}

// unsetPtr passes an optional pointer field: nil is the default.
func unsetPtr[T any](p *T) any {
	if p == nil {
		return noValue{}
	}
	return *p
}

// unsetNil passes an optional nilable field: nil is the default.
func unsetNil(v any) any {
	switch x := v.(type) {
	case nil:
		return noValue{}
	case *Tensor:
		if x == nil {
			return noValue{}
		}
	case *Generator:
		if x == nil {
			return noValue{}
		}
	case []int64:
		if x == nil {
			return noValue{}
		}
	case []float64:
		if x == nil {
			return noValue{}
		}
	case []bool:
		if x == nil {
			return noValue{}
		}
	case []*Tensor:
		if x == nil {
			return noValue{}
		}
	}
	return v
}
