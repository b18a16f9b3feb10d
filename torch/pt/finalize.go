package pt

import (
	"fmt"
	"maps"
)

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
//
// The final conversion of a pickle (finalize) works in place: each
// container records its state in its fin field and its items become those
// of the result, so that it costs no memory beyond the results' headers.
// The conversion of a caller's Global arguments (export) must leave the VM's
// values as they are and records its state in maps instead.
type finalizer struct {
	inPlace  bool
	dicts    []*OrderedDict    // for inPlace: whose fin to reset at the end
	done     map[any]finalized // for !inPlace
	active   map[any]bool      // for !inPlace
	maxNodes int64
	// globals turns bare globals into GlobalRef values instead of
	// refusing them, for the arguments of a caller's Global.
	globals bool
}

type finalized struct {
	v    any
	size int64 // values in the expanded tree rooted here
}

// finState is a container's state in an in-place conversion.
type finState struct {
	state uint8 // finNew, finActive or finDone
	finalized
}

const (
	finNew = iota
	finActive
	finDone
)

// finalize converts an unpickled value to the public data model, in place.
// The expanded tree may have at most pickleLen + NodeAllowance values (and
// at most maxNodes).
func finalize(v any, pickleLen, maxNodes int64) (any, error) {
	limit := maxNodes
	if pickleLen+NodeAllowance < limit {
		limit = pickleLen + NodeAllowance
	}
	f := &finalizer{inPlace: true, maxNodes: limit}
	out, _, err := f.conv(v, 0)
	for _, d := range f.dicts {
		d.fin = finState{} // a loaded dict equals one built by hand
	}
	return out, err
}

// state returns the conversion state of container v.
func (f *finalizer) state(v any) *finState {
	switch x := v.(type) {
	case *pyList:
		return &x.fin
	case *pyTuple:
		return &x.fin
	case *pySet:
		return &x.fin
	case *OrderedDict:
		return &x.fin
	}
	return nil
}

func (f *finalizer) conv(v any, depth int) (any, int64, error) {
	switch x := v.(type) {
	case *pyList, *pyTuple, *pySet, *OrderedDict:
	case *pySize:
		// A torch.Size is a tuple of ints: walkers such as JSONValue
		// expand it.
		return Size(x.dims), 1 + int64(len(x.dims)), nil
	case *global:
		if f.globals {
			return GlobalRef(x.name), 1, nil
		}
		return nil, 0, fmt.Errorf("a bare %s is not a data value", typeName(v))
	case storageClass:
		return nil, 0, fmt.Errorf("a bare %s is not a data value", typeName(v))
	case *Storage:
		return nil, 0, fmt.Errorf("bare storages are not supported, only tensors")
	default:
		return v, 1, nil
	}
	var st *finState
	if f.inPlace {
		st = f.state(v)
		switch st.state {
		case finDone:
			return st.v, st.size, nil
		case finActive:
			return nil, 0, fmt.Errorf("cyclic reference in a %s", typeName(v))
		}
	} else {
		if r, ok := f.done[v]; ok {
			return r.v, r.size, nil
		}
		if f.active[v] {
			return nil, 0, fmt.Errorf("cyclic reference in a %s", typeName(v))
		}
	}
	if depth >= MaxDepth {
		return nil, 0, fmt.Errorf("containers nested deeper than %d", MaxDepth)
	}
	if f.inPlace {
		st.state = finActive
		if d, ok := v.(*OrderedDict); ok {
			f.dicts = append(f.dicts, d)
		}
	} else {
		f.active[v] = true
		defer delete(f.active, v)
	}

	size := int64(1)
	// convItems converts items, in place or into a new slice.
	convItems := func(items []any) ([]any, error) {
		out := items
		if !f.inPlace {
			out = make([]any, len(items))
		}
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
		if items == nil {
			items = []any{}
		}
		out = items
	case *pyTuple:
		items, err := convItems(x.items)
		if err != nil {
			return nil, 0, err
		}
		if items == nil {
			items = Tuple{}
		}
		out = Tuple(items)
	case *pySet:
		items, err := convItems(x.items)
		if err != nil {
			return nil, 0, err
		}
		if items == nil {
			items = []any{}
		}
		if x.frozen {
			out = FrozenSet(items)
		} else {
			out = Set(items)
		}
	case *OrderedDict:
		// The hash keys of converted tuple keys are the same as before:
		// the index still holds.
		keys, err := convItems(x.keys)
		if err != nil {
			return nil, 0, err
		}
		vals, err := convItems(x.vals)
		if err != nil {
			return nil, 0, err
		}
		var attrs any
		if x.Attrs != nil {
			var n int64
			if attrs, n, err = f.conv(x.Attrs, depth+1); err != nil {
				return nil, 0, err
			}
			size += n
		}
		if f.inPlace {
			out = x
		} else {
			d := &OrderedDict{Plain: x.Plain, keys: keys, vals: vals, index: maps.Clone(x.index)}
			d.Attrs, _ = attrs.(*OrderedDict)
			out = d
		}
	}
	if size > f.maxNodes {
		return nil, 0, fmt.Errorf("value tree has more than %d nodes", f.maxNodes)
	}
	if f.inPlace {
		st.state, st.v, st.size = finDone, out, size
		if s, ok := v.(*pySet); ok {
			s.seen = nil
		}
	} else {
		f.done[v] = finalized{v: out, size: size}
	}
	return out, size, nil
}
