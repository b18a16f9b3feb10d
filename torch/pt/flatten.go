package pt

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// NamedTensor is a tensor found by Flatten with its dotted key path.
type NamedTensor struct {
	Name   string  // dotted key path, "" for a top-level tensor
	Tensor *Tensor // the tensor itself, not a copy
}

// NamedValue is a non-tensor leaf found by Flatten with its dotted key path.
type NamedValue struct {
	Name  string // dotted key path, "" for a top-level value
	Value any    // a value of the data model
}

// Flatten walks nested containers (*OrderedDict, map[string]any, []any,
// Tuple) depth first in their order and returns the tensors and the other
// leaves, each named by its key path: dict keys and list or tuple indices
// joined with ".", as in state_dict names ("layer.0.weight",
// "optimizer.param_groups.0.lr"). Keys are written as Python prints them
// for str, int, bool (True/False) and None. Empty containers are leaves
// themselves, so nothing is dropped; sets, torch.Size and the other values
// are leaves. A leaf at the top level has the empty name. OrderedDict Attrs
// are not walked.
//
// Flatten fails on containers nested deeper than MaxDepth (which includes
// reference cycles) and on trees of more than MaxNodes values.
func Flatten(v any) ([]NamedTensor, []NamedValue, error) {
	f := &flattener{}
	if err := f.walk(v, "", 0); err != nil {
		return nil, nil, err
	}
	return f.tensors, f.values, nil
}

type flattener struct {
	tensors []NamedTensor
	values  []NamedValue
	nodes   int
}

// KeyString formats a dict key the way Flatten writes it in key paths.
func KeyString(k any) string {
	switch x := k.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case bool:
		if x {
			return "True"
		}
		return "False"
	case nil:
		return "None"
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return fmt.Sprint(k)
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

func (f *flattener) walk(v any, name string, depth int) error {
	if depth > MaxDepth {
		return errorf("Flatten: %q: containers nested deeper than %d (or a reference cycle)", name, MaxDepth)
	}
	f.nodes++
	if f.nodes > MaxNodes {
		return errorf("Flatten: more than %d values", MaxNodes)
	}
	switch x := v.(type) {
	case *Tensor:
		f.tensors = append(f.tensors, NamedTensor{name, x})
		return nil
	case *OrderedDict:
		if x != nil && x.Len() > 0 {
			for i := 0; i < x.Len(); i++ {
				k, val := x.entry(i)
				if err := f.walk(val, join(name, KeyString(k)), depth+1); err != nil {
					return err
				}
			}
			return nil
		}
	case map[string]any:
		if len(x) > 0 {
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if err := f.walk(x[k], join(name, k), depth+1); err != nil {
					return err
				}
			}
			return nil
		}
	case []any:
		if len(x) > 0 {
			return f.walkItems(x, name, depth)
		}
	case Tuple:
		if len(x) > 0 {
			return f.walkItems(x, name, depth)
		}
	}
	f.values = append(f.values, NamedValue{name, v})
	return nil
}

func (f *flattener) walkItems(items []any, name string, depth int) error {
	for i, it := range items {
		if err := f.walk(it, join(name, strconv.Itoa(i)), depth+1); err != nil {
			return err
		}
	}
	return nil
}

// JSONValue converts a non-tensor value of the data model to a value that
// encoding/json marshals faithfully:
//
//	nil, bool, string, int64      themselves
//	float64                       a json.Number that always has a "." or an
//	                              exponent (2.0, not 2), or "nan", "inf", "-inf"
//	complex128                    {"complex": [real, imag]}
//	[]byte, ByteArray             {"bytes": "<hex>"}
//	DType                         its name, e.g. "float32"
//	Device                        its string, e.g. "cuda:0"
//	Size, Tuple, []any, Set, ...  arrays of converted items
//	*OrderedDict                  object keyed by KeyString of each key
//	*Tensor                       {"dtype": "float32", "shape": [..]}
//
// Nesting deeper than MaxDepth is cut off with the string "...".
func JSONValue(v any) any { return jsonValue(v, 0) }

func jsonValue(v any, depth int) any {
	if depth > MaxDepth {
		return "..."
	}
	items := func(xs []any) []any {
		out := make([]any, len(xs))
		for i, x := range xs {
			out[i] = jsonValue(x, depth+1)
		}
		return out
	}
	switch x := v.(type) {
	case float64:
		switch {
		case math.IsNaN(x):
			return "nan"
		case math.IsInf(x, 1):
			return "inf"
		case math.IsInf(x, -1):
			return "-inf"
		}
		return formatFloat(x)
	case complex128:
		return map[string]any{"complex": []any{jsonValue(real(x), depth+1), jsonValue(imag(x), depth+1)}}
	case []byte:
		return map[string]any{"bytes": hex.EncodeToString(x)}
	case ByteArray:
		return map[string]any{"bytes": hex.EncodeToString(x)}
	case DType:
		return x.String()
	case Device:
		return string(x)
	case Size:
		return append([]int64{}, x...)
	case Tuple:
		return items(x)
	case []any:
		return items(x)
	case Set:
		return items(x)
	case FrozenSet:
		return items(x)
	case *OrderedDict:
		out := make(map[string]any, x.Len())
		for i := 0; i < x.Len(); i++ {
			k, val := x.entry(i)
			out[KeyString(k)] = jsonValue(val, depth+1)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[k] = jsonValue(val, depth+1)
		}
		return out
	case *Tensor:
		return map[string]any{"dtype": x.DType().String(), "shape": append([]int64{}, x.Shape...)}
	}
	return v
}

// formatFloat formats a finite float for JSON like encoding/json does, but
// keeps it recognisable as a float: 2 becomes 2.0.
func formatFloat(f float64) json.Number {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	s := strconv.FormatFloat(f, format, -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return json.Number(s)
}
