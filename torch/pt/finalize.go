package pt

import "fmt"

// Limits on decoded values. Python can share one container from many
// places; these bound the work of anything that walks the result as a tree
// (Flatten, Save), and refuse reference cycles.
const (
	// MaxDepth is the deepest nesting of containers Load accepts.
	MaxDepth = 1000
	// MaxNodes is the largest number of values Load accepts, counting a
	// shared container once per place it appears. A pickle of n bytes may
	// moreover expand to at most n + NodeAllowance values, which stops
	// small files that share containers from expanding exponentially.
	MaxNodes = 1 << 24
	// NodeAllowance is the expansion a pickle may have beyond its size.
	NodeAllowance = 1 << 16
)

// finalizer converts the VM's mutable containers (*pyList, *pyTuple,
// *pySet) to the public types, keeping shared containers shared.
type finalizer struct {
	done     map[any]finalized
	active   map[any]bool
	maxNodes int64
}

type finalized struct {
	v    any
	size int64 // values in the expanded tree rooted here
}

// finalize converts an unpickled value to the public data model. The
// expanded tree may have at most pickleLen + NodeAllowance values (and at
// most MaxNodes).
func finalize(v any, pickleLen int64) (any, error) {
	limit := int64(MaxNodes)
	if pickleLen+NodeAllowance < limit {
		limit = pickleLen + NodeAllowance
	}
	f := &finalizer{done: make(map[any]finalized), active: make(map[any]bool), maxNodes: limit}
	out, _, err := f.conv(v, 0)
	return out, err
}

func (f *finalizer) conv(v any, depth int) (any, int64, error) {
	switch v.(type) {
	case *pyList, *pyTuple, *pySet, *OrderedDict:
	case *global, storageClass:
		return nil, 0, fmt.Errorf("a bare %s is not a data value", typeName(v))
	case *Storage:
		return nil, 0, fmt.Errorf("bare storages are not supported, only tensors")
	default:
		return v, 1, nil
	}
	if r, ok := f.done[v]; ok {
		return r.v, r.size, nil
	}
	if f.active[v] {
		return nil, 0, fmt.Errorf("cyclic reference in a %s", typeName(v))
	}
	if depth >= MaxDepth {
		return nil, 0, fmt.Errorf("containers nested deeper than %d", MaxDepth)
	}
	f.active[v] = true
	defer delete(f.active, v)

	size := int64(1)
	convItems := func(items []any) ([]any, error) {
		out := make([]any, len(items))
		for i, it := range items {
			c, n, err := f.conv(it, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = c
			size += n
			if size > f.maxNodes {
				return nil, fmt.Errorf("value tree has more than %d nodes", f.maxNodes)
			}
		}
		return out, nil
	}
	var out any
	switch x := v.(type) {
	case *pyList:
		items, err := convItems(x.items)
		if err != nil {
			return nil, 0, err
		}
		out = items
	case *pyTuple:
		items, err := convItems(x.items)
		if err != nil {
			return nil, 0, err
		}
		out = Tuple(items)
	case *pySet:
		items, err := convItems(x.items)
		if err != nil {
			return nil, 0, err
		}
		if x.frozen {
			out = FrozenSet(items)
		} else {
			out = Set(items)
		}
	case *OrderedDict:
		// Converted in place: the hash keys of converted tuple keys are
		// the same as before.
		keys, err := convItems(x.keys)
		if err != nil {
			return nil, 0, err
		}
		vals, err := convItems(x.vals)
		if err != nil {
			return nil, 0, err
		}
		copy(x.keys, keys)
		copy(x.vals, vals)
		if x.Attrs != nil {
			if _, n, err := f.conv(x.Attrs, depth+1); err != nil {
				return nil, 0, err
			} else {
				size += n
			}
		}
		out = x
	}
	if size > f.maxNodes {
		return nil, 0, fmt.Errorf("value tree has more than %d nodes", f.maxNodes)
	}
	f.done[v] = finalized{v: out, size: size}
	return out, size, nil
}
