package functional

import (
	"fmt"
	"strings"

	"github.com/torchgo/torchgo/torch"
)

// Ptr returns a pointer to v, for the options whose zero value is not
// PyTorch's default: F.NLLLossOpts{IgnoreIndex: F.Ptr[int64](0)}.
func Ptr[T any](v T) *T { return &v }

// or is *p, or dflt when p is nil.
func or[T any](p *T, dflt T) T {
	if p == nil {
		return dflt
	}
	return *p
}

// first is opts[0], or the zero value (PyTorch's defaults) when none is given.
func first[T any](opts []T) T {
	var o T
	if len(opts) > 0 {
		o = opts[0]
	}
	return o
}

// call runs aten::name.overload through the dispatcher and returns its first result.
func call(name, overload string, args ...any) *torch.Tensor {
	return torch.MustFindOp("aten::"+name, overload).Call(args...)[0].(*torch.Tensor)
}

// ints passes an optional int list: nil is None.
func ints(v []int64) any {
	if v == nil {
		return nil
	}
	return v
}

// floats passes an optional float list: nil is None.
func floats(v []float64) any {
	if v == nil {
		return nil
	}
	return v
}

// fail panics as a failing tensor operation does, with PyTorch's message.
func fail(op, format string, args ...any) {
	panic(&torch.Error{Op: op, Msg: fmt.Sprintf(format, args...)})
}

// scoped runs f in a scope that frees its intermediate tensors and keeps
// the result, which f must create.
func scoped(f func() *torch.Tensor) *torch.Tensor {
	var out *torch.Tensor
	torch.WithScope(func(s *torch.Scope) {
		out = f()
		s.Keep(out)
	})
	return out
}

// pySize formats a shape as Python prints a torch.Size: "torch.Size([2, 3])".
func pySize(shape []int64) string { return "torch.Size(" + pyList(shape) + ")" }

// pyList formats ints as Python prints a list: "[2, 3]".
func pyList(v []int64) string {
	parts := make([]string, len(v))
	for i, s := range v {
		parts[i] = fmt.Sprint(s)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
