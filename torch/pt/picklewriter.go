package pt

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// pickler encodes values as a protocol 2 pickle the way torch.save does, so
// that torch.load(weights_only=True) accepts it. Tensors become
// torch._utils._rebuild_tensor_v2 calls whose storages are persistent ids
// ('storage', torch.<Type>Storage, key, location, numel); the storages to
// write as data/<key> records are collected in storages.
type pickler struct {
	buf      bytes.Buffer
	storages []*Storage
	keys     map[*Storage]string
	nodes    int
}

func newPickler() *pickler {
	return &pickler{keys: make(map[*Storage]string)}
}

// pickle encodes v as a complete pickle.
func (p *pickler) pickle(v any) error {
	p.buf.Write([]byte{opProto, 2})
	if err := p.dump(v, "", 0); err != nil {
		return err
	}
	p.buf.WriteByte(opStop)
	return nil
}

// joinPath appends a key to a dotted key path, for error messages.
func joinPath(path string, key any) string {
	k := fmt.Sprint(key)
	if path == "" {
		return k
	}
	return path + "." + k
}

// pathError reports a value that cannot be saved.
func pathError(path string, format string, args ...any) error {
	where := "the top-level value"
	if path != "" {
		where = fmt.Sprintf("key path %q", path)
	}
	return errorf("cannot save %s: %s", where, fmt.Sprintf(format, args...))
}

func (p *pickler) global(module, name string) {
	p.buf.WriteByte(opGlobal)
	p.buf.WriteString(module)
	p.buf.WriteByte('\n')
	p.buf.WriteString(name)
	p.buf.WriteByte('\n')
}

func (p *pickler) int(v int64) {
	switch {
	case v >= 0 && v < 1<<8:
		p.buf.Write([]byte{opBinInt1, byte(v)})
	case v >= 0 && v < 1<<16:
		p.buf.Write([]byte{opBinInt2, byte(v), byte(v >> 8)})
	case v >= math.MinInt32 && v <= math.MaxInt32:
		p.buf.WriteByte(opBinInt)
		p.buf.Write(binary.LittleEndian.AppendUint32(nil, uint32(int32(v))))
	default:
		// LONG1 with the shortest two's complement encoding, as Python's
		// encode_long writes it.
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], uint64(v))
		n := 8
		for n > 1 {
			last, prev := b[n-1], b[n-2]
			if (last == 0 && prev&0x80 == 0) || (last == 0xff && prev&0x80 != 0) {
				n--
				continue
			}
			break
		}
		p.buf.Write([]byte{opLong1, byte(n)})
		p.buf.Write(b[:n])
	}
}

func (p *pickler) float(f float64) {
	p.buf.WriteByte(opBinFloat)
	p.buf.Write(binary.BigEndian.AppendUint64(nil, math.Float64bits(f)))
}

func (p *pickler) str(path, s string) error {
	if !utf8.ValidString(s) {
		return pathError(path, "string %q is not valid UTF-8", s)
	}
	if uint64(len(s)) > math.MaxUint32 {
		return pathError(path, "string of %d bytes is too long", len(s))
	}
	p.buf.WriteByte(opBinUnicode)
	p.buf.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(s))))
	p.buf.WriteString(s)
	return nil
}

// emptyOrderedDict writes collections.OrderedDict().
func (p *pickler) emptyOrderedDict() {
	p.global("collections", "OrderedDict")
	p.buf.Write([]byte{opEmptyTuple, opReduce})
}

// tuple writes items as a tuple.
func (p *pickler) tuple(path string, items []any, depth int) error {
	switch len(items) {
	case 0:
		p.buf.WriteByte(opEmptyTuple)
		return nil
	case 1, 2, 3:
		for i, it := range items {
			if err := p.dump(it, joinPath(path, i), depth+1); err != nil {
				return err
			}
		}
		p.buf.WriteByte(opTuple1 + byte(len(items)-1))
		return nil
	}
	p.buf.WriteByte(opMark)
	for i, it := range items {
		if err := p.dump(it, joinPath(path, i), depth+1); err != nil {
			return err
		}
	}
	p.buf.WriteByte(opTuple)
	return nil
}

func (p *pickler) intTuple(xs []int64) {
	items := make([]any, len(xs))
	for i, x := range xs {
		items[i] = x
	}
	_ = p.tuple("", items, 0) // ints cannot fail
}

// dump encodes one value; path is its dotted key path for errors.
func (p *pickler) dump(v any, path string, depth int) error {
	if depth > MaxDepth {
		return pathError(path, "containers nested deeper than %d (or a reference cycle)", MaxDepth)
	}
	p.nodes++
	if p.nodes > MaxNodes {
		return pathError(path, "more than %d values", MaxNodes)
	}
	switch x := v.(type) {
	case nil:
		p.buf.WriteByte(opNone)
	case bool:
		if x {
			p.buf.WriteByte(opNewTrue)
		} else {
			p.buf.WriteByte(opNewFalse)
		}
	case int:
		p.int(int64(x))
	case int8:
		p.int(int64(x))
	case int16:
		p.int(int64(x))
	case int32:
		p.int(int64(x))
	case int64:
		p.int(x)
	case uint8:
		p.int(int64(x))
	case uint16:
		p.int(int64(x))
	case uint32:
		p.int(int64(x))
	case float32:
		p.float(float64(x))
	case float64:
		p.float(x)
	case complex64:
		return p.dump(complex128(x), path, depth)
	case complex128:
		p.global("builtins", "complex")
		p.float(real(x))
		p.float(imag(x))
		p.buf.Write([]byte{opTuple2, opReduce})
	case string:
		return p.str(path, x)
	case []byte:
		// BINBYTES is a protocol 3 opcode; Python's unpickler accepts it
		// in any pickle.
		if uint64(len(x)) > math.MaxUint32 {
			return pathError(path, "bytes of length %d are too long", len(x))
		}
		p.buf.WriteByte(opBinBytes)
		p.buf.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(x))))
		p.buf.Write(x)
	case ByteArray:
		p.global("builtins", "bytearray")
		if err := p.dump([]byte(x), path, depth); err != nil {
			return err
		}
		p.buf.Write([]byte{opTuple1, opReduce})
	case Tuple:
		return p.tuple(path, x, depth)
	case []any:
		p.buf.WriteByte(opEmptyList)
		if len(x) == 0 {
			return nil
		}
		p.buf.WriteByte(opMark)
		for i, it := range x {
			if err := p.dump(it, joinPath(path, i), depth+1); err != nil {
				return err
			}
		}
		p.buf.WriteByte(opAppends)
	case *OrderedDict:
		return p.dict(path, x, depth)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		d := NewDict()
		for _, k := range keys {
			d.MustSet(k, x[k])
		}
		return p.dict(path, d, depth)
	case Set:
		return p.set(path, "set", x, depth)
	case FrozenSet:
		return p.set(path, "frozenset", x, depth)
	case Size:
		p.global("torch", "Size")
		p.intTuple(x)
		p.buf.Write([]byte{opTuple1, opReduce})
	case Device:
		p.global("torch", "device")
		typ, idx, hasIdx := strings.Cut(string(x), ":")
		if err := p.str(path, typ); err != nil {
			return err
		}
		if hasIdx {
			n, err := strconv.ParseInt(idx, 10, 64)
			if err != nil || n < 0 {
				return pathError(path, "bad device %q", x)
			}
			p.int(n)
			p.buf.WriteByte(opTuple2)
		} else {
			p.buf.WriteByte(opTuple1)
		}
		p.buf.WriteByte(opReduce)
	case DType:
		if !x.Valid() {
			return pathError(path, "invalid dtype %v", x)
		}
		p.global("torch", x.String())
	case *Tensor:
		return p.tensor(path, x)
	default:
		return pathError(path, "values of Go type %T are not supported", v)
	}
	return nil
}

func (p *pickler) dict(path string, d *OrderedDict, depth int) error {
	if d == nil {
		return pathError(path, "nil *OrderedDict")
	}
	if d.Plain {
		p.buf.WriteByte(opEmptyDict)
	} else {
		p.emptyOrderedDict()
	}
	if d.Len() > 0 {
		p.buf.WriteByte(opMark)
		for i := 0; i < d.Len(); i++ {
			k, v := d.entry(i)
			if err := p.dump(k, path, depth+1); err != nil {
				return err
			}
			if err := p.dump(v, joinPath(path, k), depth+1); err != nil {
				return err
			}
		}
		p.buf.WriteByte(opSetItems)
	}
	if !d.Plain && d.Attrs != nil && d.Attrs.Len() > 0 {
		attrs := *d.Attrs
		attrs.Plain = true
		attrs.Attrs = nil
		if err := p.dict(path, &attrs, depth+1); err != nil {
			return err
		}
		p.buf.WriteByte(opBuild)
	}
	return nil
}

func (p *pickler) set(path, kind string, items []any, depth int) error {
	p.global("builtins", kind)
	if err := p.dump([]any(items), path, depth); err != nil {
		return err
	}
	p.buf.Write([]byte{opTuple1, opReduce})
	return nil
}

// tensor writes a tensor (or Parameter) as torch.save does.
func (p *pickler) tensor(path string, t *Tensor) error {
	if t == nil {
		return pathError(path, "nil *Tensor")
	}
	if err := t.Validate(); err != nil {
		return pathError(path, "invalid tensor: %v", err)
	}
	if t.IsParameter {
		p.global("torch._utils", "_rebuild_parameter")
		p.buf.WriteByte(opMark)
	}
	st := t.Storage
	key, ok := p.keys[st]
	if !ok {
		key = strconv.Itoa(len(p.storages))
		p.keys[st] = key
		p.storages = append(p.storages, st)
	}
	location := st.Device
	if location == "" {
		location = "cpu"
	}
	p.global("torch._utils", "_rebuild_tensor_v2")
	p.buf.WriteByte(opMark)
	// Persistent id ('storage', torch.<Type>Storage, key, location, numel).
	p.buf.WriteByte(opMark)
	_ = p.str(path, "storage")
	p.global("torch", st.DType.StorageClass())
	_ = p.str(path, key)
	if err := p.str(path, location); err != nil {
		return err
	}
	p.int(st.Numel())
	p.buf.Write([]byte{opTuple, opBinPersID})
	p.int(t.Offset)
	p.intTuple(t.Shape)
	p.intTuple(t.Stride)
	if t.RequiresGrad && !t.IsParameter {
		p.buf.WriteByte(opNewTrue)
	} else {
		p.buf.WriteByte(opNewFalse)
	}
	p.emptyOrderedDict() // backward_hooks
	p.buf.Write([]byte{opTuple, opReduce})
	if t.IsParameter {
		if t.RequiresGrad {
			p.buf.WriteByte(opNewTrue)
		} else {
			p.buf.WriteByte(opNewFalse)
		}
		p.emptyOrderedDict()
		p.buf.Write([]byte{opTuple, opReduce})
	}
	return nil
}
