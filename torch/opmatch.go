package torch

import (
	"fmt"
	"strings"
)

// CallOp calls the operator name ("aten::add" or "add") with Go values,
// choosing the overload as TorchScript and torch.ops.aten.add do: the
// first, in registration order, whose schema accepts the arguments as they
// are, then the first that accepts them with Python's conversions (an int
// for a float, an int for a fixed-size int[N]). A trailing Kw holds keyword
// arguments. It panics with an *Error listing the schemas when none fits.
func CallOp(name string, args ...any) []any {
	var kw Kw
	if n := len(args); n > 0 {
		if k, ok := args[n-1].(Kw); ok {
			kw, args = k, args[:n-1]
		}
	}
	o, pos, err := ResolveOp(name, args, kw)
	if err != nil {
		panic(err)
	}
	return o.call(pos)
}

// ResolveOp finds the overload of name that CallOp would call with args
// and kw, and the arguments at their schema positions.
func ResolveOp(name string, args []any, kw Kw) (*Op, []any, error) {
	ops := OpOverloads(name)
	if len(ops) == 0 {
		return nil, nil, errorf("CallOp", "unknown operator %s", name)
	}
	for _, exact := range []bool{true, false} {
		for _, o := range ops {
			pos, err := o.bind(args, kw)
			if err == nil && o.accepts(pos, exact) {
				return o, pos, nil
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "no overload of %s accepts (%s)", ops[0].Name, describeArgs(args, kw))
	for _, o := range ops {
		b.WriteString("\n  ")
		b.WriteString(o.Schema)
	}
	return nil, nil, errorf("CallOp", "%s", b.String())
}

func describeArgs(args []any, kw Kw) string {
	var parts []string
	for _, a := range args {
		parts = append(parts, goTypeName(a))
	}
	for k, v := range kw {
		parts = append(parts, k+"="+goTypeName(v))
	}
	return strings.Join(parts, ", ")
}

func goTypeName(v any) string {
	if v == nil {
		return "None"
	}
	return fmt.Sprintf("%T", v)
}

// accepts reports whether pos (schema positions) fits the schema.
func (o *Op) accepts(pos []any, exact bool) bool {
	for i, a := range o.Args {
		if i >= len(pos) {
			if !a.HasDefault {
				return false
			}
			continue
		}
		if !a.accepts(pos[i], exact) {
			return false
		}
	}
	return true
}

// accepts reports whether v can be passed for the argument; exact
// refuses Python's implicit conversions.
func (a OpArg) accepts(v any, exact bool) bool {
	base := strings.TrimSuffix(a.box, "?")
	real := strings.TrimSuffix(a.Type, "?")
	switch x := v.(type) {
	case noValue:
		return a.HasDefault
	case nil:
		return a.Optional()
	case *Tensor:
		return base == "Tensor" && (x != nil || a.Optional())
	case *Generator:
		return base == "Generator" && (x != nil || a.Optional())
	case int, int64, int32:
		switch base {
		case "Tensor":
			return !exact // a wrapped number, as Python passes x * 2
		case "int":
			return !exact || (real != "ScalarType" && real != "Layout" && real != "MemoryFormat")
		case "Scalar":
			return true
		case "float":
			return !exact
		case "int[]":
			return !exact && a.N > 0
		}
	case float64, float32:
		return base == "float" || base == "Scalar" || (!exact && base == "Tensor")
	case bool:
		return base == "bool" || base == "Scalar" || (!exact && base == "Tensor")
	case DType:
		return base == "int" && real == "ScalarType"
	case Layout:
		return base == "int" && real == "Layout"
	case MemoryFormat:
		return base == "int" && real == "MemoryFormat"
	case Device:
		return base == "Device"
	case string:
		return base == "str"
	case []int64, []int:
		return base == "int[]"
	case []float64:
		return base == "float[]"
	case []bool:
		return base == "bool[]"
	case []*Tensor:
		if base == "Tensor?[]" {
			return true
		}
		if base != "Tensor[]" {
			return false
		}
		for _, t := range x {
			if t == nil {
				return false
			}
		}
		return true
	}
	return false
}
