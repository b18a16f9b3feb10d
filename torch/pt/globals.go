package pt

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// global is an allowlisted Python callable or class. Its behaviour is
// implemented in Go; nothing named by a file is ever looked up elsewhere.
type global struct {
	name string                                      // "module.name"
	call func(u *unpickler, args []any) (any, error) // nil for classes that may only be named
}

// storageClass is a typed storage class such as torch.FloatStorage, named in
// a storage's persistent id.
type storageClass struct {
	name  string
	dtype DType
}

// callables are the allowlisted functions and classes that REDUCE and
// NEWOBJ may apply.
var callables = map[string]func(u *unpickler, args []any) (any, error){
	"collections.OrderedDict":                    newOrderedDictGlobal,
	"builtins.set":                               func(u *unpickler, a []any) (any, error) { return newSetGlobal(u, a, false) },
	"builtins.frozenset":                         func(u *unpickler, a []any) (any, error) { return newSetGlobal(u, a, true) },
	"builtins.complex":                           newComplexGlobal,
	"builtins.bytearray":                         newBytearrayGlobal,
	"_codecs.encode":                             codecsEncodeGlobal,
	"torch._utils._rebuild_tensor":               rebuildTensor,
	"torch._utils._rebuild_tensor_v2":            rebuildTensorV2,
	"torch._utils._rebuild_parameter":            rebuildParameter,
	"torch._utils._rebuild_parameter_with_state": rebuildParameterWithState,
	"torch._tensor._rebuild_from_type_v2":        rebuildFromTypeV2,
	"torch.nn.parameter.Parameter":               newParameterGlobal,
	"torch.Size":                                 newSizeGlobal,
	"torch.device":                               newDeviceGlobal,
}

// namedOnly are allowlisted classes that may appear as arguments but not be
// applied.
var namedOnly = map[string]bool{
	"torch.Tensor": true,
}

// untypedStorages are the names of the byte storage class across torch
// versions; its elements are uint8.
var untypedStorages = map[string]bool{
	"torch.UntypedStorage":          true,
	"torch.storage.UntypedStorage":  true,
	"torch._UntypedStorage":         true,
	"torch.storage._UntypedStorage": true,
}

// unsupported are globals torch's weights_only loader accepts but this
// package does not implement.
var unsupported = map[string]bool{
	"torch._utils._rebuild_sparse_tensor":                 true,
	"torch._utils._rebuild_sparse_csr_tensor":             true,
	"torch._utils._rebuild_meta_tensor_no_storage":        true,
	"torch._utils._rebuild_qtensor":                       true,
	"torch._utils._rebuild_wrapper_subclass":              true,
	"torch._utils._rebuild_nested_tensor":                 true,
	"torch._utils._rebuild_device_tensor_from_cpu_tensor": true,
	"torch.serialization._get_layout":                     true,
	"torch.complex32":                                     true,
	"torch.ComplexHalfStorage":                            true,
	"torch.QInt8Storage":                                  true,
	"torch.QUInt8Storage":                                 true,
	"torch.QInt32Storage":                                 true,
	"torch.QUInt4x2Storage":                               true,
	"torch.QUInt2x4Storage":                               true,
}

// dataCallables are the entries of callables that build plain Python
// data; LoadPickle allows them besides the caller's globals.
var dataCallables = []string{
	"collections.OrderedDict", "builtins.set", "builtins.frozenset",
	"builtins.complex", "builtins.bytearray", "_codecs.encode",
}

// lookupGlobal resolves GLOBAL module.name to a dtype, a storage class or an
// allowlisted callable, and refuses everything else. For LoadPickle the
// allowlist is dataCallables and the caller's globals.
func (u *unpickler) lookupGlobal(module, name string) (any, error) {
	if module == "__builtin__" { // Python 2 name, written by protocol <= 2 pickles
		module = "builtins"
	}
	full := module + "." + name
	if u.plain {
		if g, ok := u.globals[full]; ok {
			return u.callerGlobal(full, g), nil
		}
		if slices.Contains(dataCallables, full) {
			return &global{name: full, call: callables[full]}, nil
		}
		return nil, &forbiddenError{name: full}
	}
	if module == "torch" {
		if d, ok := ParseDType(name); ok && dtypeInfos[d].name == name {
			return d, nil
		}
		if d, ok := dtypeForStorageClass(name); ok {
			return storageClass{name: full, dtype: d}, nil
		}
	}
	if untypedStorages[full] {
		return storageClass{name: full, dtype: Uint8}, nil
	}
	if fn, ok := callables[full]; ok {
		return &global{name: full, call: fn}, nil
	}
	if namedOnly[full] {
		return &global{name: full}, nil
	}
	if unsupported[full] {
		return nil, fmt.Errorf("unsupported global %q (sparse, quantized, meta and nested tensors and complex32 are not supported)", full)
	}
	return nil, &forbiddenError{name: full}
}

// argCount checks the number of arguments, between min and max.
func argCount(args []any, min, max int) error {
	if len(args) < min || len(args) > max {
		if min == max {
			return fmt.Errorf("takes %d arguments, got %d", min, len(args))
		}
		return fmt.Errorf("takes %d to %d arguments, got %d", min, max, len(args))
	}
	return nil
}

// iterItems returns the items of a list, tuple or set argument.
func iterItems(v any) ([]any, error) {
	switch x := v.(type) {
	case *pyList:
		return x.items, nil
	case *pyTuple:
		return x.items, nil
	case *pySet:
		return x.items, nil
	}
	return nil, fmt.Errorf("expected a list, tuple or set, got %s", typeName(v))
}

func newOrderedDictGlobal(u *unpickler, args []any) (any, error) {
	if err := argCount(args, 0, 1); err != nil {
		return nil, err
	}
	d := NewOrderedDict()
	if len(args) == 0 {
		return d, nil
	}
	if src, ok := args[0].(*OrderedDict); ok {
		if err := u.chargeInserts(src.Len()); err != nil {
			return nil, err
		}
		for i := 0; i < src.Len(); i++ {
			k, v := src.entry(i)
			if err := d.set(&u.hash, k, v); err != nil {
				return nil, err
			}
		}
		return d, nil
	}
	pairs, err := iterItems(args[0])
	if err != nil {
		return nil, err
	}
	if err := u.chargeInserts(len(pairs)); err != nil {
		return nil, err
	}
	for _, p := range pairs {
		kv, err := iterItems(p)
		if err != nil || len(kv) != 2 {
			return nil, errors.New("items must be (key, value) pairs")
		}
		if err := d.set(&u.hash, kv[0], kv[1]); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func newSetGlobal(u *unpickler, args []any, frozen bool) (any, error) {
	if err := argCount(args, 0, 1); err != nil {
		return nil, err
	}
	s := &pySet{frozen: frozen}
	if len(args) == 1 {
		items, err := iterItems(args[0])
		if err != nil {
			return nil, err
		}
		if err := u.chargeInserts(len(items)); err != nil {
			return nil, err
		}
		for _, it := range items {
			if err := s.add(&u.hash, it); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

// toFloat converts an int or float argument.
func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

func newComplexGlobal(_ *unpickler, args []any) (any, error) {
	if err := argCount(args, 0, 2); err != nil {
		return nil, err
	}
	var parts [2]float64
	for i, a := range args {
		f, ok := toFloat(a)
		if !ok {
			return nil, fmt.Errorf("argument %d is a %s, not a number", i, typeName(a))
		}
		parts[i] = f
	}
	return complex(parts[0], parts[1]), nil
}

// latin1 encodes a string of code points below 256 as bytes, undoing the
// way protocol 2 pickles bytes objects.
func latin1(s string) ([]byte, error) {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			return nil, fmt.Errorf("code point %U is not latin-1", r)
		}
		out = append(out, byte(r))
	}
	return out, nil
}

func codecsEncodeGlobal(u *unpickler, args []any) (any, error) {
	if err := argCount(args, 2, 2); err != nil {
		return nil, err
	}
	s, ok := args[0].(string)
	enc, ok2 := args[1].(string)
	if !ok || !ok2 || (enc != "latin1" && enc != "latin-1") {
		return nil, errors.New("only encode(str, 'latin1') is supported")
	}
	if err := u.chargeWork(int64(len(s))); err != nil {
		return nil, err
	}
	return latin1(s)
}

func newBytearrayGlobal(u *unpickler, args []any) (any, error) {
	if err := argCount(args, 0, 2); err != nil {
		return nil, err
	}
	switch {
	case len(args) == 0:
		return ByteArray{}, nil
	case len(args) == 1:
		if b, ok := args[0].([]byte); ok {
			return ByteArray(b), nil
		}
	default:
		b, err := codecsEncodeGlobal(u, args)
		if err != nil {
			return nil, err
		}
		return ByteArray(b.([]byte)), nil
	}
	return nil, fmt.Errorf("bytearray of a %s is not supported", typeName(args[0]))
}

func newSizeGlobal(u *unpickler, args []any) (any, error) {
	if err := argCount(args, 0, 1); err != nil {
		return nil, err
	}
	if len(args) == 0 {
		return Size{}, nil
	}
	dims, err := intTuple(u, args[0])
	if err != nil {
		return nil, err
	}
	return &pySize{dims: dims}, nil
}

func newDeviceGlobal(_ *unpickler, args []any) (any, error) {
	if err := argCount(args, 1, 2); err != nil {
		return nil, err
	}
	typ, ok := args[0].(string)
	if !ok || typ == "" || len(typ) > 64 {
		return nil, errors.New("device type must be a short string")
	}
	if len(args) == 2 && args[1] != nil {
		idx, ok := args[1].(int64)
		if !ok || idx < 0 {
			return nil, errors.New("device index must be a non-negative int")
		}
		return Device(fmt.Sprintf("%s:%d", typ, idx)), nil
	}
	return Device(typ), nil
}

// intTuple converts a tuple, list or torch.Size of ints to []int64.
func intTuple(u *unpickler, v any) ([]int64, error) {
	if s, ok := v.(*pySize); ok {
		if err := u.charge(len(s.dims)); err != nil {
			return nil, err
		}
		return append([]int64{}, s.dims...), nil
	}
	items, err := iterItems(v)
	if err != nil {
		return nil, err
	}
	if err := u.charge(len(items)); err != nil {
		return nil, err
	}
	out := make([]int64, len(items))
	for i, it := range items {
		n, ok := it.(int64)
		if !ok {
			return nil, fmt.Errorf("expected ints, got a %s", typeName(it))
		}
		out[i] = n
	}
	return out, nil
}

// newView builds a tensor over storage after checking that the view lies
// inside the storage's declared elements.
func newView(u *unpickler, storageArg, offsetArg, sizeArg, strideArg any) (*Tensor, error) {
	st, ok := storageArg.(*Storage)
	if !ok {
		return nil, fmt.Errorf("storage argument is a %s", typeName(storageArg))
	}
	off, ok := offsetArg.(int64)
	if !ok {
		return nil, fmt.Errorf("storage offset is a %s, not an int", typeName(offsetArg))
	}
	shape, err := intTuple(u, sizeArg)
	if err != nil {
		return nil, fmt.Errorf("size: %w", err)
	}
	stride, err := intTuple(u, strideArg)
	if err != nil {
		return nil, fmt.Errorf("stride: %w", err)
	}
	if err := checkView(off, shape, stride, u.storageNumel(st)); err != nil {
		return nil, fmt.Errorf("tensor refused: %w", err)
	}
	return &Tensor{Storage: st, Offset: off, Shape: shape, Stride: stride}, nil
}

// rebuildTensor implements torch._utils._rebuild_tensor(storage,
// storage_offset, size, stride).
func rebuildTensor(u *unpickler, args []any) (any, error) {
	if err := argCount(args, 4, 4); err != nil {
		return nil, err
	}
	return newView(u, args[0], args[1], args[2], args[3])
}

// rebuildTensorV2 implements torch._utils._rebuild_tensor_v2(storage,
// storage_offset, size, stride, requires_grad, backward_hooks[, metadata]).
func rebuildTensorV2(u *unpickler, args []any) (any, error) {
	if err := argCount(args, 6, 7); err != nil {
		return nil, err
	}
	t, err := newView(u, args[0], args[1], args[2], args[3])
	if err != nil {
		return nil, err
	}
	rg, ok := args[4].(bool)
	if !ok {
		return nil, fmt.Errorf("requires_grad is a %s, not a bool", typeName(args[4]))
	}
	t.RequiresGrad = rg
	if !isEmptyState(args[5]) {
		return nil, errors.New("tensors with backward hooks are not supported")
	}
	if len(args) == 7 && !isEmptyState(args[6]) {
		return nil, errors.New("tensor metadata (conj/neg bits) is not supported")
	}
	return t, nil
}

// asParameter returns a copy of the tensor t marked as a Parameter.
func asParameter(data any, requiresGrad any) (*Tensor, error) {
	t, ok := data.(*Tensor)
	if !ok {
		return nil, fmt.Errorf("data is a %s, not a tensor", typeName(data))
	}
	rg, ok := requiresGrad.(bool)
	if !ok {
		return nil, fmt.Errorf("requires_grad is a %s, not a bool", typeName(requiresGrad))
	}
	p := *t
	p.IsParameter = true
	p.RequiresGrad = rg
	return &p, nil
}

// rebuildParameter implements torch._utils._rebuild_parameter(data,
// requires_grad, backward_hooks).
func rebuildParameter(_ *unpickler, args []any) (any, error) {
	if err := argCount(args, 3, 3); err != nil {
		return nil, err
	}
	if !isEmptyState(args[2]) {
		return nil, errors.New("parameters with backward hooks are not supported")
	}
	return asParameter(args[0], args[1])
}

// rebuildParameterWithState implements
// torch._utils._rebuild_parameter_with_state(data, requires_grad,
// backward_hooks, state). Python attributes in state are not kept.
func rebuildParameterWithState(_ *unpickler, args []any) (any, error) {
	if err := argCount(args, 4, 4); err != nil {
		return nil, err
	}
	if !isEmptyState(args[2]) {
		return nil, errors.New("parameters with backward hooks are not supported")
	}
	return asParameter(args[0], args[1])
}

// newParameterGlobal implements torch.nn.Parameter(data, requires_grad=True).
func newParameterGlobal(_ *unpickler, args []any) (any, error) {
	if err := argCount(args, 1, 2); err != nil {
		return nil, err
	}
	rg := any(true)
	if len(args) == 2 {
		rg = args[1]
	}
	return asParameter(args[0], rg)
}

// rebuildFromTypeV2 implements torch._tensor._rebuild_from_type_v2(func,
// new_type, args, state) for plain tensors and parameters without Python
// attributes.
func rebuildFromTypeV2(u *unpickler, args []any) (any, error) {
	if err := argCount(args, 4, 4); err != nil {
		return nil, err
	}
	typ, ok := args[1].(*global)
	if !ok || (typ.name != "torch.Tensor" && typ.name != "torch.nn.parameter.Parameter") {
		return nil, fmt.Errorf("tensor subclass %s is not supported", typeName(args[1]))
	}
	v, err := u.call(args[0], args[2], "_rebuild_from_type_v2")
	if err != nil {
		return nil, err
	}
	t, ok := v.(*Tensor)
	if !ok {
		return nil, fmt.Errorf("rebuilt a %s, not a tensor", typeName(v))
	}
	if !isEmptyState(args[3]) {
		return nil, errors.New("tensors with Python attributes are not supported")
	}
	if typ.name == "torch.nn.parameter.Parameter" && !t.IsParameter {
		p := *t
		p.IsParameter = true
		t = &p
	}
	return t, nil
}

// storageBytes returns numel*elementSize, or an error when it overflows.
func storageBytes(numel int64, d DType) (int64, error) {
	es := int64(d.ElementSize())
	if numel < 0 || es == 0 || numel > math.MaxInt64/es {
		return 0, fmt.Errorf("storage of %d %v elements is too large", numel, d)
	}
	return numel * es, nil
}

// parseStoragePID checks a persistent id ('storage', storage_class, key,
// location, numel[, view_metadata]) and returns its parts.
func parseStoragePID(pid []any) (cls storageClass, key, location string, numel int64, rest []any, err error) {
	if len(pid) < 5 {
		err = fmt.Errorf("persistent id has %d fields, want at least 5", len(pid))
		return
	}
	tag, _ := pid[0].(string)
	if b, ok := pid[0].([]byte); ok {
		tag = string(b)
	}
	if tag != "storage" {
		err = fmt.Errorf("persistent id of kind %s, only storages are supported", describeValue(pid[0]))
		return
	}
	var ok bool
	if cls, ok = pid[1].(storageClass); !ok {
		err = fmt.Errorf("persistent id names a %s, not a storage class", typeName(pid[1]))
		return
	}
	if key, ok = pid[2].(string); !ok {
		err = errors.New("storage key is not a string")
		return
	}
	if location, ok = pid[3].(string); !ok {
		err = errors.New("storage location is not a string")
		return
	}
	if numel, ok = pid[4].(int64); !ok || numel < 0 {
		err = errors.New("storage size is not a non-negative int")
		return
	}
	if _, err = storageBytes(numel, cls.dtype); err != nil {
		return
	}
	rest = pid[5:]
	return
}
