package torch

/*
#include <stdlib.h>
#include "shim.h"
#cgo noescape tg_op_call
#cgo nocallback tg_op_call
#cgo noescape tg_value_free
#cgo nocallback tg_value_free
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"unsafe"
)

// Op is one registered operator overload, the counterpart of Python's
// torch.ops.aten.add.Tensor: found by schema name and overload name and
// called with Go values through c10's dispatcher (boxed, as TorchScript
// calls ops), so that autograd, autocast and every dispatch key apply as
// they do for any other op. Ops are looked up once and cached; an Op is
// safe for concurrent use.
type Op struct {
	// Name is the schema name with its namespace, "aten::add".
	Name string
	// Overload is the overload name, "Tensor"; "" for the default one.
	Overload string
	// Schema is the schema as libtorch prints it: "aten::add.Tensor(Tensor
	// self, Tensor other, *, Scalar alpha=1) -> Tensor".
	Schema string
	// Args and Returns describe the schema's arguments and returns.
	Args, Returns []OpArg

	h C.tg_op
}

// OpArg is one argument or return of an operator schema.
type OpArg struct {
	// Name is the argument's name ("self", "alpha").
	Name string
	// Type is its type: "Tensor", "Tensor?", "int[]" (int[2] has N 2),
	// "Scalar", "ScalarType?", "SymInt[]" (libtorch 2).
	Type string
	// N is the fixed length of a list type such as int[2]; 0 when any.
	N int
	// KwargOnly is true for arguments after the schema's "*".
	KwargOnly bool
	// Writes is true when the op writes to the tensor (Tensor(a!)).
	Writes bool
	// HasDefault is true when the schema gives a default; Default is its
	// text ("1", "None", "[]", "\"mean\"").
	HasDefault bool
	Default    string

	box string // the type values are boxed as ("int" for ScalarType)
}

// Optional reports whether the argument accepts None.
func (a OpArg) Optional() bool { return strings.HasSuffix(a.box, "?") }

var opCache sync.Map // "aten::add.Tensor" → *Op

// FindOp returns the operator overload name.overload ("aten::add",
// "Tensor"); a name without a namespace is taken to be in aten. Unknown
// names are errors.
func FindOp(name, overload string) (*Op, error) {
	if !strings.Contains(name, "::") {
		name = "aten::" + name
	}
	key := name + "." + overload
	if o, ok := opCache.Load(key); ok {
		return o.(*Op), nil
	}
	cn, co := C.CString(name), C.CString(overload)
	defer C.free(unsafe.Pointer(cn))
	defer C.free(unsafe.Pointer(co))
	var h C.tg_op
	if err := errorOf("FindOp", C.tg_op_find(cn, co, &h)); err != nil {
		return nil, err
	}
	o := &Op{Name: name, Overload: overload, h: h}
	var s *C.char
	check("FindOp", C.tg_op_schema(h, &s))
	o.Schema = takeString(s)
	o.Args = opArgs(h, 0)
	o.Returns = opArgs(h, 1)
	if prev, loaded := opCache.LoadOrStore(key, o); loaded {
		C.tg_op_free(h)
		return prev.(*Op), nil
	}
	return o, nil
}

// MustFindOp is FindOp for operators the caller knows exist: it panics
// with an *Error otherwise.
func MustFindOp(name, overload string) *Op {
	o, err := FindOp(name, overload)
	if err != nil {
		panic(err)
	}
	return o
}

func takeString(s *C.char) string {
	g := C.GoString(s)
	C.free(unsafe.Pointer(s))
	return g
}

func opArgs(h C.tg_op, returns int) []OpArg {
	var s *C.char
	check("FindOp", C.tg_op_arguments(h, C.int(returns), &s))
	var out []OpArg
	for _, line := range strings.Split(strings.TrimSuffix(takeString(s), "\n"), "\n") {
		if line == "" {
			continue
		}
		f := strings.SplitN(line, "\t", 7)
		n, _ := strconv.Atoi(f[3])
		a := OpArg{Name: f[0], box: f[1], Type: f[2], N: n, KwargOnly: f[4] == "1", Writes: f[5] == "1"}
		if strings.HasPrefix(f[6], "d") {
			a.HasDefault, a.Default = true, f[6][1:]
		}
		out = append(out, a)
	}
	return out
}

// Schemas lists every registered operator schema, as
// torch._C._jit_get_all_schemas does.
func Schemas() []string {
	var s *C.char
	check("Schemas", C.tg_op_names(&s))
	return strings.Split(strings.TrimSuffix(takeString(s), "\n"), "\n")
}

var overloads struct {
	once   sync.Once
	byName map[string][]string // "aten::add" → overload names, registry order
}

// OpOverloads returns every overload of the operator name ("aten::add" or
// "add"), in the order libtorch registered them.
func OpOverloads(name string) []*Op {
	if !strings.Contains(name, "::") {
		name = "aten::" + name
	}
	overloads.once.Do(func() {
		overloads.byName = map[string][]string{}
		for _, s := range Schemas() {
			full := s[:strings.IndexByte(s, '(')]
			n, ov, _ := strings.Cut(full, ".")
			overloads.byName[n] = append(overloads.byName[n], ov)
		}
	})
	var out []*Op
	for _, ov := range overloads.byName[name] {
		if o, err := FindOp(name, ov); err == nil {
			out = append(out, o)
		}
	}
	return out
}

// Kw holds keyword arguments by schema name, as Python's **kwargs.
type Kw map[string]any

// Call calls the operator with positional arguments and returns its
// results in schema order: *Tensor, []*Tensor, int64, float64, bool,
// []int64, string or nil. A trailing Kw holds keyword arguments.
// Arguments left out take the schema's defaults of the running libtorch.
// Values: *Tensor (nil for None), nil, Go integers and floats, bool,
// string, []int64, []int, []float64, []bool, []*Tensor (nil entries for
// None in Tensor?[]), DType, Device, *Generator, Layout and MemoryFormat.
// Like every op it panics with an *Error on failure, whose message shows
// the schema; Catch turns that into an error.
func (o *Op) Call(args ...any) []any {
	var kw Kw
	if n := len(args); n > 0 {
		if k, ok := args[n-1].(Kw); ok {
			kw, args = k, args[:n-1]
		}
	}
	pos, err := o.bind(args, kw)
	if err != nil {
		panic(errorf(o.opName(), "%v\n  schema: %s", err, o.Schema))
	}
	return o.call(pos)
}

func (o *Op) opName() string {
	if o.Overload == "" {
		return o.Name
	}
	return o.Name + "." + o.Overload
}

// noValue marks an argument left to its default.
type noValue struct{}

// bind places positional and keyword arguments at their schema positions.
func (o *Op) bind(args []any, kw Kw) ([]any, error) {
	if len(args) > len(o.Args) {
		return nil, fmt.Errorf("%d positional arguments given, the schema takes %d", len(args), len(o.Args))
	}
	if len(kw) == 0 {
		return args, nil
	}
	pos := make([]any, len(o.Args))
	copy(pos, args)
	last := len(args)
	for i := len(args); i < len(pos); i++ {
		pos[i] = noValue{}
	}
	for k, v := range kw {
		i := o.argIndex(k)
		if i < 0 {
			return nil, fmt.Errorf("no argument named %q", k)
		}
		if i < len(args) {
			return nil, fmt.Errorf("argument %q given by position and by keyword", k)
		}
		pos[i] = v
		if i+1 > last {
			last = i + 1
		}
	}
	return pos[:last], nil
}

func (o *Op) argIndex(name string) int {
	for i, a := range o.Args {
		if a.Name == name {
			return i
		}
	}
	return -1
}

// call boxes pos (schema positions), calls and unboxes.
func (o *Op) call(pos []any) []any {
	var retStack [4]C.tg_value
	rets := retStack[:]
	if len(o.Returns) > len(retStack) {
		rets = make([]C.tg_value, len(o.Returns))
	}
	n := o.invoke("", pos, rets)
	out := make([]any, n)
	for i := range out {
		out[i] = unbox(&rets[i])
	}
	return out
}

// tensor is call for an operator returning one tensor, without the []any.
func (o *Op) tensor(as string, pos []any) *Tensor {
	var rets [1]C.tg_value
	o.invoke(as, pos, rets[:])
	if rets[0].kind != C.TG_V_TENSOR {
		C.tg_value_free(&rets[0])
		panic(errorf(o.errName(as), "the op returned no tensor"))
	}
	return newTensor(rets[0].t)
}

func (o *Op) errName(as string) string {
	if as != "" {
		return as
	}
	return o.opName()
}

// invoke boxes pos (schema positions), calls the operator and stores its
// results in rets, returning how many. With rets empty the results are
// dropped on the C++ side: what in-place ops (which return self) and ops
// without results need, with no handle made for them.
//
// as, when not "", is the hand-written function the call implements:
// errors then name it and carry libtorch's message alone, as those of
// every hand-written op do, and a nil *Tensor for a Tensor that is not
// optional is "tensor is nil". Otherwise errors name the overload and show
// its schema.
func (o *Op) invoke(as string, pos []any, rets []C.tg_value) int {
	var stack [8]C.tg_value
	vals := stack[:0]
	if len(pos) > len(stack) {
		vals = make([]C.tg_value, 0, len(pos))
	}
	// Only strings and lists point into Go memory that C++ reads; the
	// Pinner is used (and unpinned) only for them.
	var pin pins
	for i, v := range pos {
		var cv C.tg_value
		var err error
		if t, ok := v.(*Tensor); ok && t != nil && t.h != nil {
			cv.kind, cv.t = C.TG_V_TENSOR, t.h // the common case, without box's switch
		} else {
			cv, err = box(v, &pin)
			if t, ok := v.(*Tensor); ok && t == nil && err == nil && as != "" && i < len(o.Args) && !o.Args[i].Optional() {
				err = errNilTensor
			}
		}
		if err != nil {
			pin.unpin()
			if as != "" {
				panic(errorf(as, "%v", err))
			}
			panic(errorf(o.opName(), "argument '%s' (%s): %v\n  schema: %s", o.Args[i].Name, o.Args[i].Type, err, o.Schema))
		}
		vals = append(vals, cv)
	}
	var argp, retp *C.tg_value
	if len(vals) > 0 {
		argp = &vals[0]
	}
	if len(rets) > 0 {
		retp = &rets[0]
	}
	var n C.int64_t
	err := C.tg_op_call(o.h, argp, C.int64_t(len(vals)), retp, C.int64_t(len(rets)), &n)
	for _, v := range pos {
		runtime.KeepAlive(v) // tensors and generators whose handles C++ used
	}
	pin.unpin()
	if err != nil {
		msg := C.GoString(err)
		C.free(unsafe.Pointer(err))
		if as != "" {
			panic(&Error{Op: as, Msg: msg})
		}
		panic(&Error{Op: o.opName(), Msg: msg + "\n  schema: " + o.Schema})
	}
	return int(n)
}

var errNilTensor = errors.New("tensor is nil")

// pins is a runtime.Pinner used only when something is pinned.
type pins struct {
	p    runtime.Pinner
	used bool
}

func (p *pins) pin(x any) {
	p.p.Pin(x)
	p.used = true
}

func (p *pins) unpin() {
	if p.used {
		p.p.Unpin()
		p.used = false
	}
}

// Layout is a tensor layout (torch.layout).
type Layout int

// Layouts, with c10's codes.
const (
	Strided   Layout = 0
	SparseCOO Layout = 1
)

// MemoryFormat is torch.memory_format.
type MemoryFormat int

// Memory formats, with c10's codes.
const (
	ContiguousFormat MemoryFormat = 0
	PreserveFormat   MemoryFormat = 1
	ChannelsLast     MemoryFormat = 2
	ChannelsLast3d   MemoryFormat = 3
)

// String is the format's Python name, e.g. "torch.channels_last".
func (f MemoryFormat) String() string {
	switch f {
	case ContiguousFormat:
		return "torch.contiguous_format"
	case PreserveFormat:
		return "torch.preserve_format"
	case ChannelsLast:
		return "torch.channels_last"
	case ChannelsLast3d:
		return "torch.channels_last_3d"
	}
	return fmt.Sprintf("MemoryFormat(%d)", int(f))
}

// box converts a Go value to a boxed-call value; list memory is pinned.
func box(v any, pin *pins) (C.tg_value, error) {
	var cv C.tg_value
	switch x := v.(type) {
	case noValue:
		cv.kind = C.TG_V_DEFAULT
	case nil:
		cv.kind = C.TG_V_NONE
	case *Tensor:
		if x == nil {
			cv.kind = C.TG_V_NONE
			break
		}
		if x.h == nil {
			return cv, fmt.Errorf("tensor is closed")
		}
		cv.kind, cv.t = C.TG_V_TENSOR, x.h
	case int:
		cv.kind, cv.i = C.TG_V_INT, C.int64_t(x)
	case int64:
		cv.kind, cv.i = C.TG_V_INT, C.int64_t(x)
	case int32:
		cv.kind, cv.i = C.TG_V_INT, C.int64_t(x)
	case float64:
		cv.kind, cv.f = C.TG_V_DOUBLE, C.double(x)
	case float32:
		cv.kind, cv.f = C.TG_V_DOUBLE, C.double(x)
	case bool:
		cv.kind = C.TG_V_BOOL
		if x {
			cv.i = 1
		}
	case DType:
		cv.kind, cv.i = C.TG_V_INT, C.int64_t(x)
	case Layout:
		cv.kind, cv.i = C.TG_V_INT, C.int64_t(x)
	case MemoryFormat:
		cv.kind, cv.i = C.TG_V_INT, C.int64_t(x)
	case Device:
		idx := x.Index
		cv.kind, cv.i, cv.n = C.TG_V_DEVICE, C.int64_t(x.Type), C.int64_t(idx)
	case *Generator:
		if x == nil {
			cv.kind = C.TG_V_NONE
			break
		}
		cv.kind, cv.p = C.TG_V_GENERATOR, unsafe.Pointer(x.h)
	case string:
		cv.kind, cv.n = C.TG_V_STRING, C.int64_t(len(x))
		if len(x) > 0 {
			p := unsafe.StringData(x)
			pin.pin(p)
			cv.p = unsafe.Pointer(p)
		}
	case []int64:
		cv.kind, cv.n = C.TG_V_INT_LIST, C.int64_t(len(x))
		if len(x) > 0 {
			pin.pin(&x[0])
			cv.p = unsafe.Pointer(&x[0])
		}
	case []int:
		return box(toInt64s(x), pin)
	case []float64:
		cv.kind, cv.n = C.TG_V_DOUBLE_LIST, C.int64_t(len(x))
		if len(x) > 0 {
			pin.pin(&x[0])
			cv.p = unsafe.Pointer(&x[0])
		}
	case []bool:
		b := make([]int64, len(x))
		for i, y := range x {
			if y {
				b[i] = 1
			}
		}
		cv, err := box(b, pin)
		cv.kind = C.TG_V_BOOL_LIST
		return cv, err
	case []*Tensor:
		hs := make([]C.tg_tensor, len(x))
		for i, t := range x {
			if t != nil {
				if t.h == nil {
					return cv, fmt.Errorf("tensor %d of the list is closed", i)
				}
				hs[i] = t.h
			}
		}
		cv.kind, cv.n = C.TG_V_TENSOR_LIST, C.int64_t(len(x))
		if len(hs) > 0 {
			pin.pin(&hs[0])
			cv.p = unsafe.Pointer(&hs[0])
		}
	default:
		return cv, fmt.Errorf("torchgo cannot pass a %T", v)
	}
	return cv, nil
}

func toInt64s(x []int) []int64 {
	out := make([]int64, len(x))
	for i, v := range x {
		out[i] = int64(v)
	}
	return out
}

// unbox converts a returned value, taking ownership of its memory.
func unbox(v *C.tg_value) any {
	switch v.kind {
	case C.TG_V_TENSOR:
		return newTensor(v.t)
	case C.TG_V_INT:
		return int64(v.i)
	case C.TG_V_DOUBLE:
		return float64(v.f)
	case C.TG_V_BOOL:
		return v.i != 0
	case C.TG_V_STRING:
		s := C.GoStringN((*C.char)(v.p), C.int(v.n))
		C.free(unsafe.Pointer(v.p))
		return s
	case C.TG_V_INT_LIST:
		out := make([]int64, v.n)
		if v.n > 0 {
			copy(out, unsafe.Slice((*int64)(v.p), v.n))
		}
		C.free(unsafe.Pointer(v.p))
		return out
	case C.TG_V_TENSOR_LIST:
		out := make([]*Tensor, v.n)
		if v.n > 0 {
			for i, h := range unsafe.Slice((*C.tg_tensor)(v.p), v.n) {
				out[i] = newTensor(h)
			}
		}
		C.free(unsafe.Pointer(v.p))
		return out
	}
	return nil
}
