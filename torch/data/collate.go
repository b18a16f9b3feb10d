package data

import (
	"fmt"
	"math"

	"github.com/torchgo/torchgo/torch"
)

// Batch is a collated batch: one field per sample field. With
// DefaultCollate a field is a *torch.Tensor whose dim 0 is the batch, a
// []string, a nested Batch or a map[string]any of those.
type Batch []any

// CollateFunc merges the samples of one batch into a Batch, like a
// DataLoader's collate_fn. The tensors it returns must be new (not a
// data set's stored tensors): the loader frees them with the batch. The
// loader finds them directly in the Batch or nested in a Batch, Sample,
// []any, []*torch.Tensor or map[string]any; tensors held any other way
// (in a struct) are freed as temporaries when the batch is done.
type CollateFunc func(samples []Sample) (Batch, error)

// Tensor returns field i as a tensor. It panics when there is no field i or
// it is not a tensor: a programming error, like a wrong tuple unpacking.
func (b Batch) Tensor(i int) *torch.Tensor {
	if i < 0 || i >= len(b) {
		panic(fmt.Sprintf("data: Batch.Tensor(%d): the batch has %d fields", i, len(b)))
	}
	t, ok := b[i].(*torch.Tensor)
	if !ok {
		panic(fmt.Sprintf("data: Batch.Tensor(%d): field %d is a %T, not a *torch.Tensor", i, i, b[i]))
	}
	return t
}

// Close frees every tensor in b, nested ones included. Closing twice does
// nothing. Loaders close the batches they deliver themselves.
func (b Batch) Close() { closeAll(b) }

// closeAll frees the tensors in a field value (tensor, Batch, Sample, map, slice).
func closeAll(v any) { eachTensor(v, (*torch.Tensor).Close) }

// eachTensor calls f on every tensor reachable in v through the field
// containers Batch, Sample, []any, []*torch.Tensor and map[string]any.
// pinned replaces every tensor in v by a pinned copy, in place where v is a
// container (PyTorch's pin_memory of a batch).
func pinned(v any) any {
	switch x := v.(type) {
	case *torch.Tensor:
		if x != nil {
			return x.PinMemory()
		}
	case Batch:
		for i, e := range x {
			x[i] = pinned(e)
		}
	case Sample:
		for i, e := range x {
			x[i] = pinned(e)
		}
	case []any:
		for i, e := range x {
			x[i] = pinned(e)
		}
	case []*torch.Tensor:
		for i, e := range x {
			x[i] = pinned(e).(*torch.Tensor)
		}
	case map[string]any:
		for k, e := range x {
			x[k] = pinned(e)
		}
	}
	return v
}

func eachTensor(v any, f func(*torch.Tensor)) {
	switch x := v.(type) {
	case *torch.Tensor:
		if x != nil {
			f(x)
		}
	case Batch:
		for _, e := range x {
			eachTensor(e, f)
		}
	case Sample:
		for _, e := range x {
			eachTensor(e, f)
		}
	case []any:
		for _, e := range x {
			eachTensor(e, f)
		}
	case []*torch.Tensor:
		for _, e := range x {
			eachTensor(e, f)
		}
	case map[string]any:
		for _, e := range x {
			eachTensor(e, f)
		}
	}
}

// DefaultCollate is PyTorch's default_collate for tuples: field j of the
// Batch collates field j of every sample, all of which must have the same
// number of fields and the same field types.
//
//   - *torch.Tensor: torch.Stack along a new dim 0 (shapes must be equal).
//   - int, int64, uint, uint16, uint32, uint64: an Int64 tensor of shape
//     (B), as for Python ints.
//   - float64: Float64 (a Python float); bool: Bool.
//   - float32, int8, int16, int32, uint8: a tensor of that dtype, as for
//     NumPy scalars.
//   - string: a []string.
//   - Sample: a nested Batch; map[string]any: a map with each key collated
//     (every sample must have the first one's keys).
//
// Anything else is an error naming the field. No samples is an error.
func DefaultCollate(samples []Sample) (Batch, error) {
	if len(samples) == 0 {
		return nil, fmt.Errorf("data: DefaultCollate: no samples")
	}
	var b Batch
	err := torch.Catch(func() error {
		var err error
		b, err = collateTuple(samples, "")
		return err
	})
	if err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// collateTuple collates samples field by field; path names the nesting in errors.
func collateTuple(samples []Sample, path string) (Batch, error) {
	width := len(samples[0])
	for k, s := range samples {
		if len(s) != width {
			return nil, fmt.Errorf("data: collate%s: each sample in a batch should have the same number of fields: sample 0 has %d, sample %d has %d", path, width, k, len(s))
		}
	}
	b := make(Batch, width)
	column := make([]any, len(samples))
	for j := range width {
		for k, s := range samples {
			column[k] = s[j]
		}
		v, err := collateField(column, fmt.Sprintf("%s field %d", path, j))
		if err != nil {
			b.Close()
			return nil, err
		}
		b[j] = v
	}
	return b, nil
}

// collateField collates one field's values across the batch.
func collateField(vals []any, where string) (any, error) {
	switch first := vals[0].(type) {
	case *torch.Tensor:
		ts, err := same[*torch.Tensor](vals, where)
		if err != nil {
			return nil, err
		}
		for k, t := range ts {
			if t == nil {
				return nil, fmt.Errorf("data: collate%s: sample %d's tensor is nil", where, k)
			}
		}
		var out *torch.Tensor
		if err := torch.Catch(func() error { out = torch.Stack(ts, 0); return nil }); err != nil {
			return nil, fmt.Errorf("data: collate%s: %w", where, err)
		}
		return out, nil
	case int:
		return numbers[int, int64](vals, where, func(v int) int64 { return int64(v) })
	case int64:
		return numbers[int64, int64](vals, where, nil)
	case uint:
		return unsignedToInt64[uint](vals, where)
	case uint64:
		return unsignedToInt64[uint64](vals, where)
	case uint16:
		return numbers[uint16, int64](vals, where, func(v uint16) int64 { return int64(v) })
	case uint32:
		return numbers[uint32, int64](vals, where, func(v uint32) int64 { return int64(v) })
	case float64:
		return numbers[float64, float64](vals, where, nil)
	case bool:
		return numbers[bool, bool](vals, where, nil)
	case float32:
		return numbers[float32, float32](vals, where, nil)
	case int8:
		return numbers[int8, int8](vals, where, nil)
	case int16:
		return numbers[int16, int16](vals, where, nil)
	case int32:
		return numbers[int32, int32](vals, where, nil)
	case uint8:
		return numbers[uint8, uint8](vals, where, nil)
	case string:
		return same[string](vals, where)
	case Sample:
		nested, err := same[Sample](vals, where)
		if err != nil {
			return nil, err
		}
		return collateTuple(nested, where)
	case map[string]any:
		return collateMap(vals, first, where)
	default:
		return nil, fmt.Errorf("data: collate%s: cannot collate a %T (want a *torch.Tensor, a number, bool, string, Sample or map[string]any)", where, vals[0])
	}
}

// same asserts every value is a T.
func same[T any](vals []any, where string) ([]T, error) {
	out := make([]T, len(vals))
	for k, v := range vals {
		x, ok := v.(T)
		if !ok {
			return nil, fmt.Errorf("data: collate%s: sample 0 has a %T, sample %d a %T", where, vals[0], k, v)
		}
		out[k] = x
	}
	return out, nil
}

// numbers makes a (B) tensor of the values, converted by conv (nil: as is).
func numbers[T any, E torch.Element](vals []any, where string, conv func(T) E) (*torch.Tensor, error) {
	xs, err := same[T](vals, where)
	if err != nil {
		return nil, err
	}
	out := make([]E, len(xs))
	for k, x := range xs {
		if conv != nil {
			out[k] = conv(x)
		} else {
			out[k] = any(x).(E)
		}
	}
	return torch.FromSlice(out, nil), nil
}

// unsignedToInt64 makes an Int64 tensor of unsigned values, refusing values above MaxInt64.
func unsignedToInt64[T uint | uint64](vals []any, where string) (*torch.Tensor, error) {
	xs, err := same[T](vals, where)
	if err != nil {
		return nil, err
	}
	out := make([]int64, len(xs))
	for k, x := range xs {
		if uint64(x) > math.MaxInt64 {
			return nil, fmt.Errorf("data: collate%s: sample %d's value %d overflows int64", where, k, x)
		}
		out[k] = int64(x)
	}
	return torch.FromSlice(out, nil), nil
}

// collateMap collates maps key by key, over the first sample's keys.
func collateMap(vals []any, first map[string]any, where string) (map[string]any, error) {
	ms, err := same[map[string]any](vals, where)
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, len(first))
	column := make([]any, len(ms))
	for key := range first {
		for k, m := range ms {
			v, ok := m[key]
			if !ok {
				closeAll(out)
				return nil, fmt.Errorf("data: collate%s: sample %d has no key %q", where, k, key)
			}
			column[k] = v
		}
		v, err := collateField(column, fmt.Sprintf("%s[%q]", where, key))
		if err != nil {
			closeAll(out)
			return nil, err
		}
		out[key] = v
	}
	return out, nil
}
