package hostile

import (
	"encoding/binary"
	"fmt"
	"slices"
)

// Pickle opcodes used by the corpus (see Python's Lib/pickletools.py).
const (
	opMark            = '('
	opStop            = '.'
	opPop             = '0'
	opDup             = '2'
	opBinInt          = 'J'
	opBinInt1         = 'K'
	opBinInt2         = 'M'
	opNone            = 'N'
	opBinPersID       = 'Q'
	opReduce          = 'R'
	opShortBinString  = 'U'
	opBinUnicode      = 'X'
	opAppend          = 'a'
	opBuild           = 'b'
	opGlobal          = 'c'
	opEmptyDict       = '}'
	opAppends         = 'e'
	opBinGet          = 'h'
	opLongBinGet      = 'j'
	opList            = 'l'
	opEmptyList       = ']'
	opBinPut          = 'q'
	opLongBinPut      = 'r'
	opSetItem         = 's'
	opTuple           = 't'
	opEmptyTuple      = ')'
	opSetItems        = 'u'
	opProto           = 0x80
	opTuple1          = 0x85
	opTuple2          = 0x86
	opTuple3          = 0x87
	opNewFalse        = 0x89
	opLong1           = 0x8a
	opShortBinBytes   = 'C'
	opShortBinUnicode = 0x8c
	opBinUnicode8     = 0x8d
	opFrozenSet       = 0x91
	opMemoize         = 0x94
)

// pickle assembles a pickle opcode by opcode.
type pickle struct{ b []byte }

func newPickle(protocol byte) *pickle {
	return &pickle{b: []byte{opProto, protocol}}
}

// op appends raw opcode bytes.
func (p *pickle) op(ops ...byte) *pickle {
	p.b = append(p.b, ops...)
	return p
}

// repeat appends the bytes seq n times.
func (p *pickle) repeat(seq []byte, n int) *pickle {
	p.b = slices.Grow(p.b, len(seq)*n)
	for i := 0; i < n; i++ {
		p.b = append(p.b, seq...)
	}
	return p
}

// str appends a str (SHORT_BINUNICODE or BINUNICODE); s need not be UTF-8.
func (p *pickle) str(s string) *pickle {
	if len(s) < 256 {
		p.b = append(p.b, opShortBinUnicode, byte(len(s)))
	} else {
		p.b = append(p.b, opBinUnicode)
		p.b = binary.LittleEndian.AppendUint32(p.b, uint32(len(s)))
	}
	p.b = append(p.b, s...)
	return p
}

// int appends an integer with the shortest opcode.
func (p *pickle) int(n int64) *pickle {
	switch {
	case n >= 0 && n < 256:
		p.b = append(p.b, opBinInt1, byte(n))
	case n >= 0 && n < 65536:
		p.b = append(p.b, opBinInt2, byte(n), byte(n>>8))
	case n >= -1<<31 && n < 1<<31:
		p.b = append(p.b, opBinInt)
		p.b = binary.LittleEndian.AppendUint32(p.b, uint32(int32(n)))
	default:
		p.b = append(p.b, opLong1, 8)
		p.b = binary.LittleEndian.AppendUint64(p.b, uint64(n))
	}
	return p
}

// global appends GLOBAL module.name.
func (p *pickle) global(module, name string) *pickle {
	p.b = append(p.b, opGlobal)
	p.b = append(p.b, module+"\n"+name+"\n"...)
	return p
}

// put stores the top of the stack in memo slot i.
func (p *pickle) put(i uint32) *pickle {
	if i < 256 {
		return p.op(opBinPut, byte(i))
	}
	p.b = append(p.b, opLongBinPut)
	p.b = binary.LittleEndian.AppendUint32(p.b, i)
	return p
}

// get pushes memo slot i.
func (p *pickle) get(i uint32) *pickle {
	if i < 256 {
		return p.op(opBinGet, byte(i))
	}
	p.b = append(p.b, opLongBinGet)
	p.b = binary.LittleEndian.AppendUint32(p.b, i)
	return p
}

// tuple appends a tuple of ints.
func (p *pickle) intTuple(xs ...int64) *pickle {
	p.op(opMark)
	for _, x := range xs {
		p.int(x)
	}
	return p.op(opTuple)
}

// stop ends the pickle and returns its bytes.
func (p *pickle) stop() []byte {
	return append(p.b, opStop)
}

// storageClasses names the typed storage classes of torch 1.x by dtype.
var storageClasses = map[string]string{
	"uint8": "ByteStorage", "int8": "CharStorage", "int16": "ShortStorage",
	"int32": "IntStorage", "int64": "LongStorage", "float16": "HalfStorage",
	"float32": "FloatStorage", "float64": "DoubleStorage", "bool": "BoolStorage",
}

// elementSizes are the element sizes of those dtypes, in bytes.
var elementSizes = map[string]int64{
	"uint8": 1, "int8": 1, "int16": 2, "int32": 4, "int64": 8,
	"float16": 2, "float32": 4, "float64": 8, "bool": 1,
}

// tensor appends torch._utils._rebuild_tensor_v2 over storage key (of
// numel elements of dtype) with the given view, as torch.save writes it.
func (p *pickle) tensor(key, dtype string, numel, offset int64, shape, stride []int64) *pickle {
	cls, ok := storageClasses[dtype]
	if !ok {
		panic(fmt.Sprintf("hostile: no storage class for %s", dtype))
	}
	p.global("torch._utils", "_rebuild_tensor_v2")
	p.op(opMark)
	p.op(opMark).str("storage").global("torch", cls).str(key).str("cpu").int(numel).op(opTuple, opBinPersID)
	p.int(offset)
	p.intTuple(shape...)
	p.intTuple(stride...)
	p.op(opNewFalse)
	p.global("collections", "OrderedDict").op(opEmptyTuple, opReduce)
	return p.op(opTuple, opReduce)
}

// contiguous returns the row-major strides of shape.
func contiguous(shape []int64) []int64 {
	st := make([]int64, len(shape))
	acc := int64(1)
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = acc
		if shape[i] > 1 {
			acc *= shape[i]
		}
	}
	return st
}
