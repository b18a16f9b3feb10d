package pt

import (
	"fmt"
	"sort"
	"strconv"
)

// NamedTensor is a tensor found by Flatten with its dotted key path.
type NamedTensor struct {
	Name   string
	Tensor *Tensor
}

// NamedValue is a non-tensor leaf found by Flatten with its dotted key path.
type NamedValue struct {
	Name  string
	Value any
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
