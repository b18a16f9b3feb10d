package torch

import "sync"

//go:generate /usr/bin/python3 ../scripts/gen_aten.py aten_gen.go

// lazyOp is a generated wrapper's operator, looked up on first use.
type lazyOp struct {
	name, overload string
	once           sync.Once
	op             *Op
	err            error
}

// call calls the operator with arguments at their schema positions;
// noValue{} leaves one to the schema's default.
func (l *lazyOp) call(args ...any) []any {
	l.once.Do(func() { l.op, l.err = FindOp(l.name, l.overload) })
	if l.err != nil {
		panic(errorf(l.name, "not registered in libtorch %s: %v", Version(), l.err))
	}
	return l.op.call(args)
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
