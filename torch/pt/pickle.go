package pt

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Pickle opcodes (protocols 0 to 5), see Python's Lib/pickletools.py.
const (
	opMark           = '('
	opStop           = '.'
	opPop            = '0'
	opPopMark        = '1'
	opDup            = '2'
	opFloat          = 'F'
	opInt            = 'I'
	opBinInt         = 'J'
	opBinInt1        = 'K'
	opLong           = 'L'
	opBinInt2        = 'M'
	opNone           = 'N'
	opPersID         = 'P'
	opBinPersID      = 'Q'
	opReduce         = 'R'
	opString         = 'S'
	opBinString      = 'T'
	opShortBinString = 'U'
	opUnicode        = 'V'
	opBinUnicode     = 'X'
	opAppend         = 'a'
	opBuild          = 'b'
	opGlobal         = 'c'
	opDict           = 'd'
	opEmptyDict      = '}'
	opAppends        = 'e'
	opGet            = 'g'
	opBinGet         = 'h'
	opInst           = 'i'
	opLongBinGet     = 'j'
	opList           = 'l'
	opEmptyList      = ']'
	opObj            = 'o'
	opPut            = 'p'
	opBinPut         = 'q'
	opLongBinPut     = 'r'
	opSetItem        = 's'
	opTuple          = 't'
	opEmptyTuple     = ')'
	opSetItems       = 'u'
	opBinFloat       = 'G'

	opProto    = 0x80 // protocol 2
	opNewObj   = 0x81
	opExt1     = 0x82
	opExt2     = 0x83
	opExt4     = 0x84
	opTuple1   = 0x85
	opTuple2   = 0x86
	opTuple3   = 0x87
	opNewTrue  = 0x88
	opNewFalse = 0x89
	opLong1    = 0x8a
	opLong4    = 0x8b

	opBinBytes      = 'B' // protocol 3
	opShortBinBytes = 'C'

	opShortBinUnicode = 0x8c // protocol 4
	opBinUnicode8     = 0x8d
	opBinBytes8       = 0x8e
	opEmptySet        = 0x8f
	opAddItems        = 0x90
	opFrozenSet       = 0x91
	opNewObjEx        = 0x92
	opStackGlobal     = 0x93
	opMemoize         = 0x94
	opFrame           = 0x95

	opByteArray8     = 0x96 // protocol 5
	opNextBuffer     = 0x97
	opReadOnlyBuffer = 0x98
)

// highestProtocol is the newest pickle protocol the VM accepts.
const highestProtocol = 5

// maxLine bounds the text lines of GLOBAL and the protocol 0 opcodes.
const maxLine = 4096

// Mutable containers while unpickling. Python containers are referenced
// through the memo and mutated after being stored, so the VM needs pointers;
// finalize converts them to the public types once the pickle is complete.
type (
	pyList  struct{ items []any }
	pyTuple struct {
		items []any
		key   any // cached hash key, nil until computed
	}
	pySet struct {
		items  []any
		frozen bool
		seen   map[any]bool
	}
)

func (s *pySet) add(item any) error {
	h, err := hashKey(item, 0)
	if err != nil {
		return fmt.Errorf("set item: %w", err)
	}
	if s.seen == nil {
		s.seen = make(map[any]bool)
	}
	if !s.seen[h] {
		s.seen[h] = true
		s.items = append(s.items, item)
	}
	return nil
}

// pickleInput reads the bytes of one pickle and knows how many remain, so
// that no declared length is allocated before it is known to be present.
type pickleInput struct {
	r    io.Reader
	br   io.ByteReader
	pos  int64 // bytes consumed so far
	size int64 // bytes available in total
}

func newPickleInput(r io.Reader, size int64) *pickleInput {
	br, ok := r.(interface {
		io.Reader
		io.ByteReader
	})
	if !ok {
		br = bufio.NewReader(r)
	}
	return &pickleInput{r: br, br: br, size: size}
}

func (in *pickleInput) readByte() (byte, error) {
	if in.pos >= in.size {
		return 0, ErrTruncated
	}
	b, err := in.br.ReadByte()
	if err != nil {
		return 0, ErrTruncated
	}
	in.pos++
	return b, nil
}

// read returns the next n bytes in a new slice.
func (in *pickleInput) read(n uint64) ([]byte, error) {
	if n > uint64(in.size-in.pos) {
		return nil, fmt.Errorf("%w: %d bytes declared, %d left", ErrTruncated, n, in.size-in.pos)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(in.r, buf); err != nil {
		return nil, ErrTruncated
	}
	in.pos += int64(n)
	return buf, nil
}

// skip discards n bytes.
func (in *pickleInput) skip(n uint64) error {
	if n > uint64(in.size-in.pos) {
		return fmt.Errorf("%w: %d bytes declared, %d left", ErrTruncated, n, in.size-in.pos)
	}
	if _, err := io.CopyN(io.Discard, in.r, int64(n)); err != nil {
		return ErrTruncated
	}
	in.pos += int64(n)
	return nil
}

func (in *pickleInput) readUint(n int) (uint64, error) {
	var v uint64
	for i := 0; i < n; i++ {
		b, err := in.readByte()
		if err != nil {
			return 0, err
		}
		v |= uint64(b) << (8 * i)
	}
	return v, nil
}

// readLine returns the bytes up to (not including) the next '\n'.
func (in *pickleInput) readLine() (string, error) {
	var sb strings.Builder
	for {
		b, err := in.readByte()
		if err != nil {
			return "", err
		}
		if b == '\n' {
			return sb.String(), nil
		}
		if sb.Len() >= maxLine {
			return "", fmt.Errorf("text line longer than %d bytes", maxLine)
		}
		sb.WriteByte(b)
	}
}

// unpickler is the pickle virtual machine. It only builds data: GLOBAL
// resolves names in a fixed allowlist of Go functions (see globals.go) and
// REDUCE, NEWOBJ and BUILD only apply those.
type unpickler struct {
	in    *pickleInput
	where string // name of the pickle for error messages, e.g. "data.pkl"
	stack []any
	marks []int // stack heights at each MARK
	memo  map[uint64]any
	// persistentLoad resolves BINPERSID ids (storages); nil forbids them.
	persistentLoad func(pid []any) (any, error)
	// storageNumel returns the number of elements a storage declared; it
	// lets tensors be checked before the legacy format's bytes are read.
	storageNumel func(*Storage) int64
	// bigInts makes integers beyond int64 decode to bigInt instead of
	// failing; only the legacy magic number needs that.
	bigInts bool
	proto   int
	opPos   int64 // offset of the opcode being executed, for errors
	// work counts the items that allowlisted callables copy; a pickle may
	// make them copy at most workPerByte times its size plus workAllowance
	// items, so that calling them over and over on one shared argument
	// cannot amplify a small file into a huge allocation.
	work, maxWork int64
}

const (
	workPerByte   = 16
	workAllowance = 1 << 20
)

// charge accounts for n items copied by a callable.
func (u *unpickler) charge(n int) error {
	u.work += int64(n)
	if u.maxWork > 0 && u.work > u.maxWork {
		return fmt.Errorf("pickle makes its callables copy more than %d items", u.maxWork)
	}
	return nil
}

// bigInt is the little-endian two's complement encoding of an integer that
// does not fit in int64.
type bigInt []byte

func newUnpickler(in *pickleInput, where string) *unpickler {
	return &unpickler{
		in:           in,
		where:        where,
		memo:         make(map[uint64]any),
		storageNumel: (*Storage).Numel,
	}
}

// pickleError wraps an error with the pickle name and the byte offset of
// the opcode being executed.
type pickleError struct {
	where string
	pos   int64
	err   error
}

func (e *pickleError) Error() string {
	return fmt.Sprintf("pt: %s: at byte %d: %v", e.where, e.pos, e.err)
}

func (e *pickleError) Unwrap() error { return e.err }

// forbiddenError is the error for a global outside the allowlist.
type forbiddenError struct{ name string }

func (e *forbiddenError) Error() string { return fmt.Sprintf("%v %q", ErrForbiddenGlobal, e.name) }
func (e *forbiddenError) Unwrap() error { return ErrForbiddenGlobal }

// load runs the pickle to its STOP opcode and returns the finalized value.
func (u *unpickler) load() (any, error) {
	start := u.in.pos
	u.maxWork = workPerByte*(u.in.size-start) + workAllowance
	v, err := u.run()
	if err != nil {
		var fe *forbiddenError
		if errors.As(err, &fe) {
			return nil, errorf("%w in %s (byte %d)", fe, u.where, u.opPos)
		}
		return nil, &pickleError{where: u.where, pos: u.opPos, err: err}
	}
	out, err := finalize(v, u.in.pos-start)
	if err != nil {
		return nil, errorf("%s: %v", u.where, err)
	}
	return out, nil
}

func (u *unpickler) push(v any) { u.stack = append(u.stack, v) }

// base returns the stack height below which the current mark forbids pops.
func (u *unpickler) base() int {
	if len(u.marks) == 0 {
		return 0
	}
	return u.marks[len(u.marks)-1]
}

func (u *unpickler) pop() (any, error) {
	if len(u.stack) <= u.base() {
		return nil, errors.New("stack underflow")
	}
	v := u.stack[len(u.stack)-1]
	u.stack = u.stack[:len(u.stack)-1]
	return v, nil
}

func (u *unpickler) top() (any, error) {
	if len(u.stack) <= u.base() {
		return nil, errors.New("stack underflow")
	}
	return u.stack[len(u.stack)-1], nil
}

// popMark pops the items above the last MARK and the mark itself.
func (u *unpickler) popMark() ([]any, error) {
	if len(u.marks) == 0 {
		return nil, errors.New("no MARK on the stack")
	}
	m := u.marks[len(u.marks)-1]
	u.marks = u.marks[:len(u.marks)-1]
	items := append([]any(nil), u.stack[m:]...)
	u.stack = u.stack[:m]
	return items, nil
}

// popN pops the top n items, in stack order.
func (u *unpickler) popN(n int) ([]any, error) {
	if len(u.stack)-u.base() < n {
		return nil, errors.New("stack underflow")
	}
	items := append([]any(nil), u.stack[len(u.stack)-n:]...)
	u.stack = u.stack[:len(u.stack)-n]
	return items, nil
}

func (u *unpickler) memoPut(idx uint64) error {
	v, err := u.top()
	if err != nil {
		return err
	}
	u.memo[idx] = v
	return nil
}

func (u *unpickler) memoGet(idx uint64) error {
	v, ok := u.memo[idx]
	if !ok {
		return fmt.Errorf("memo key %d not found", idx)
	}
	u.push(v)
	return nil
}

func (u *unpickler) readString(n uint64) (string, error) {
	b, err := u.in.read(n)
	return string(b), err
}

// run executes opcodes until STOP.
func (u *unpickler) run() (any, error) {
	in := u.in
	for {
		u.opPos = in.pos
		op, err := in.readByte()
		if err != nil {
			return nil, err
		}
		switch op {
		case opProto:
			p, err := in.readByte()
			if err != nil {
				return nil, err
			}
			if p > highestProtocol {
				return nil, fmt.Errorf("unsupported pickle protocol %d", p)
			}
			u.proto = int(p)
		case opFrame:
			// Frames only group opcodes; the length needs no action
			// beyond being plausible.
			n, err := in.readUint(8)
			if err != nil {
				return nil, err
			}
			if n > uint64(in.size-in.pos) {
				return nil, fmt.Errorf("%w: frame of %d bytes, %d left", ErrTruncated, n, in.size-in.pos)
			}
		case opStop:
			return u.pop()

		case opMark:
			u.marks = append(u.marks, len(u.stack))
		case opPop:
			if len(u.marks) > 0 && len(u.stack) == u.base() {
				u.marks = u.marks[:len(u.marks)-1]
			} else if _, err := u.pop(); err != nil {
				return nil, err
			}
		case opPopMark:
			if _, err := u.popMark(); err != nil {
				return nil, err
			}
		case opDup:
			v, err := u.top()
			if err != nil {
				return nil, err
			}
			u.push(v)

		case opNone:
			u.push(nil)
		case opNewTrue:
			u.push(true)
		case opNewFalse:
			u.push(false)
		case opBinInt:
			v, err := in.readUint(4)
			if err != nil {
				return nil, err
			}
			u.push(int64(int32(uint32(v))))
		case opBinInt1:
			v, err := in.readUint(1)
			if err != nil {
				return nil, err
			}
			u.push(int64(v))
		case opBinInt2:
			v, err := in.readUint(2)
			if err != nil {
				return nil, err
			}
			u.push(int64(v))
		case opLong1, opLong4:
			width := 1
			if op == opLong4 {
				width = 4
			}
			n, err := in.readUint(width)
			if err != nil {
				return nil, err
			}
			b, err := in.read(n)
			if err != nil {
				return nil, err
			}
			v, err := decodeLong(b)
			if err != nil {
				if !u.bigInts {
					return nil, err
				}
				u.push(bigInt(b))
				break
			}
			u.push(v)
		case opInt:
			line, err := in.readLine()
			if err != nil {
				return nil, err
			}
			switch line {
			case "00":
				u.push(false)
			case "01":
				u.push(true)
			default:
				v, err := strconv.ParseInt(line, 10, 64)
				if err != nil {
					return nil, fmt.Errorf("INT %q: not an int64", line)
				}
				u.push(v)
			}
		case opLong:
			line, err := in.readLine()
			if err != nil {
				return nil, err
			}
			v, err := strconv.ParseInt(strings.TrimSuffix(line, "L"), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("LONG %q: not an int64", line)
			}
			u.push(v)
		case opBinFloat:
			v, err := in.read(8)
			if err != nil {
				return nil, err
			}
			u.push(math.Float64frombits(binary.BigEndian.Uint64(v)))
		case opFloat:
			line, err := in.readLine()
			if err != nil {
				return nil, err
			}
			v, err := strconv.ParseFloat(line, 64)
			if err != nil {
				return nil, fmt.Errorf("FLOAT %q: %v", line, err)
			}
			u.push(v)

		case opShortBinUnicode, opBinUnicode, opBinUnicode8, opShortBinString, opBinString:
			n, err := in.readUint(lengthWidth(op))
			if err != nil {
				return nil, err
			}
			if op == opBinString && n > math.MaxInt32 {
				return nil, errors.New("BINSTRING with negative length")
			}
			s, err := u.readString(n)
			if err != nil {
				return nil, err
			}
			u.push(s)
		case opShortBinBytes, opBinBytes, opBinBytes8, opByteArray8:
			n, err := in.readUint(lengthWidth(op))
			if err != nil {
				return nil, err
			}
			b, err := in.read(n)
			if err != nil {
				return nil, err
			}
			if op == opByteArray8 {
				u.push(ByteArray(b))
			} else {
				u.push(b)
			}

		case opEmptyTuple:
			u.push(&pyTuple{})
		case opTuple1, opTuple2, opTuple3:
			items, err := u.popN(int(op-opTuple1) + 1)
			if err != nil {
				return nil, err
			}
			u.push(&pyTuple{items: items})
		case opTuple:
			items, err := u.popMark()
			if err != nil {
				return nil, err
			}
			u.push(&pyTuple{items: items})
		case opEmptyList:
			u.push(&pyList{})
		case opList:
			items, err := u.popMark()
			if err != nil {
				return nil, err
			}
			u.push(&pyList{items: items})
		case opAppend, opAppends:
			var items []any
			if op == opAppend {
				items, err = u.popN(1)
			} else {
				items, err = u.popMark()
			}
			if err != nil {
				return nil, err
			}
			t, err := u.top()
			if err != nil {
				return nil, err
			}
			l, ok := t.(*pyList)
			if !ok {
				return nil, fmt.Errorf("APPEND to a %s, not a list", typeName(t))
			}
			l.items = append(l.items, items...)
		case opEmptyDict:
			u.push(NewDict())
		case opDict:
			items, err := u.popMark()
			if err != nil {
				return nil, err
			}
			d := NewDict()
			if err := setItems(d, items); err != nil {
				return nil, err
			}
			u.push(d)
		case opSetItem, opSetItems:
			var items []any
			if op == opSetItem {
				items, err = u.popN(2)
			} else {
				items, err = u.popMark()
			}
			if err != nil {
				return nil, err
			}
			t, err := u.top()
			if err != nil {
				return nil, err
			}
			d, ok := t.(*OrderedDict)
			if !ok {
				return nil, fmt.Errorf("SETITEM on a %s, not a dict", typeName(t))
			}
			if err := setItems(d, items); err != nil {
				return nil, err
			}
		case opEmptySet:
			u.push(&pySet{})
		case opAddItems:
			items, err := u.popMark()
			if err != nil {
				return nil, err
			}
			t, err := u.top()
			if err != nil {
				return nil, err
			}
			s, ok := t.(*pySet)
			if !ok || s.frozen {
				return nil, fmt.Errorf("ADDITEMS on a %s, not a set", typeName(t))
			}
			for _, it := range items {
				if err := s.add(it); err != nil {
					return nil, err
				}
			}
		case opFrozenSet:
			items, err := u.popMark()
			if err != nil {
				return nil, err
			}
			s := &pySet{frozen: true}
			for _, it := range items {
				if err := s.add(it); err != nil {
					return nil, err
				}
			}
			u.push(s)

		case opPut:
			line, err := in.readLine()
			if err != nil {
				return nil, err
			}
			idx, err := strconv.ParseUint(line, 10, 63)
			if err != nil {
				return nil, fmt.Errorf("PUT %q: bad index", line)
			}
			if err := u.memoPut(idx); err != nil {
				return nil, err
			}
		case opBinPut, opLongBinPut:
			width := 1
			if op == opLongBinPut {
				width = 4
			}
			idx, err := in.readUint(width)
			if err != nil {
				return nil, err
			}
			if err := u.memoPut(idx); err != nil {
				return nil, err
			}
		case opMemoize:
			if err := u.memoPut(uint64(len(u.memo))); err != nil {
				return nil, err
			}
		case opGet:
			line, err := in.readLine()
			if err != nil {
				return nil, err
			}
			idx, err := strconv.ParseUint(line, 10, 63)
			if err != nil {
				return nil, fmt.Errorf("GET %q: bad index", line)
			}
			if err := u.memoGet(idx); err != nil {
				return nil, err
			}
		case opBinGet, opLongBinGet:
			width := 1
			if op == opLongBinGet {
				width = 4
			}
			idx, err := in.readUint(width)
			if err != nil {
				return nil, err
			}
			if err := u.memoGet(idx); err != nil {
				return nil, err
			}

		case opGlobal:
			module, err := in.readLine()
			if err != nil {
				return nil, err
			}
			name, err := in.readLine()
			if err != nil {
				return nil, err
			}
			g, err := lookupGlobal(module, name)
			if err != nil {
				return nil, err
			}
			u.push(g)
		case opStackGlobal:
			items, err := u.popN(2)
			if err != nil {
				return nil, err
			}
			module, ok1 := items[0].(string)
			name, ok2 := items[1].(string)
			if !ok1 || !ok2 {
				return nil, errors.New("STACK_GLOBAL needs two strings")
			}
			g, err := lookupGlobal(module, name)
			if err != nil {
				return nil, err
			}
			u.push(g)
		case opReduce:
			items, err := u.popN(2)
			if err != nil {
				return nil, err
			}
			v, err := u.call(items[0], items[1], "REDUCE")
			if err != nil {
				return nil, err
			}
			u.push(v)
		case opNewObj:
			items, err := u.popN(2)
			if err != nil {
				return nil, err
			}
			v, err := u.call(items[0], items[1], "NEWOBJ")
			if err != nil {
				return nil, err
			}
			u.push(v)
		case opNewObjEx:
			items, err := u.popN(3)
			if err != nil {
				return nil, err
			}
			if kw, ok := items[2].(*OrderedDict); !ok || kw.Len() != 0 {
				return nil, errors.New("NEWOBJ_EX with keyword arguments is not supported")
			}
			v, err := u.call(items[0], items[1], "NEWOBJ_EX")
			if err != nil {
				return nil, err
			}
			u.push(v)
		case opBuild:
			state, err := u.pop()
			if err != nil {
				return nil, err
			}
			inst, err := u.top()
			if err != nil {
				return nil, err
			}
			if err := build(inst, state); err != nil {
				return nil, err
			}
		case opBinPersID:
			pid, err := u.pop()
			if err != nil {
				return nil, err
			}
			t, ok := pid.(*pyTuple)
			if !ok {
				return nil, fmt.Errorf("persistent id is a %s, not a tuple", typeName(pid))
			}
			if u.persistentLoad == nil {
				return nil, errors.New("persistent id in a pickle that cannot have one")
			}
			v, err := u.persistentLoad(t.items)
			if err != nil {
				return nil, err
			}
			u.push(v)

		case opPersID, opString, opUnicode, opInst, opObj, opExt1, opExt2, opExt4, opNextBuffer, opReadOnlyBuffer:
			return nil, fmt.Errorf("unsupported pickle opcode 0x%02x", op)
		default:
			return nil, fmt.Errorf("invalid pickle opcode 0x%02x", op)
		}
	}
}

// setItems stores key/value pairs into d.
func setItems(d *OrderedDict, items []any) error {
	if len(items)%2 != 0 {
		return errors.New("odd number of items for a dict")
	}
	for i := 0; i < len(items); i += 2 {
		if err := d.Set(items[i], items[i+1]); err != nil {
			return err
		}
	}
	return nil
}

// decodeLong decodes a little-endian two's complement integer (LONG1/LONG4)
// that must fit in an int64.
func decodeLong(b []byte) (int64, error) {
	if len(b) == 0 {
		return 0, nil
	}
	neg := b[len(b)-1]&0x80 != 0
	if len(b) > 8 {
		// Longer encodings are fine only when the extra bytes are sign
		// extension of an int64.
		ext := byte(0)
		if neg {
			ext = 0xff
		}
		for _, x := range b[8:] {
			if x != ext {
				return 0, fmt.Errorf("integer of %d bytes does not fit in int64", len(b))
			}
		}
		if (b[7]&0x80 != 0) != neg {
			return 0, fmt.Errorf("integer of %d bytes does not fit in int64", len(b))
		}
		b = b[:8]
	}
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	if neg && len(b) < 8 {
		v |= ^uint64(0) << (8 * len(b))
	}
	return int64(v), nil
}

// call applies an allowlisted global to its argument tuple.
func (u *unpickler) call(fn, args any, op string) (any, error) {
	g, ok := fn.(*global)
	if !ok || g.call == nil {
		return nil, fmt.Errorf("%s applies a %s, which is not callable", op, typeName(fn))
	}
	t, ok := args.(*pyTuple)
	if !ok {
		return nil, fmt.Errorf("%s of %s with a %s as arguments", op, g.name, typeName(args))
	}
	v, err := g.call(u, t.items)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", g.name, err)
	}
	return v, nil
}

// build applies BUILD's state to inst. Only the attribute dictionary of an
// OrderedDict (such as a state_dict's _metadata) and an empty state for a
// tensor are accepted.
func build(inst, state any) error {
	switch v := inst.(type) {
	case *OrderedDict:
		if v.Plain {
			return errors.New("BUILD on a plain dict")
		}
		attrs, ok := state.(*OrderedDict)
		if !ok {
			return fmt.Errorf("BUILD of an OrderedDict with a %s state", typeName(state))
		}
		if v.Attrs == nil {
			v.Attrs = NewDict()
		}
		for i := 0; i < attrs.Len(); i++ {
			k, val := attrs.entry(i)
			if _, ok := k.(string); !ok {
				return errors.New("BUILD attribute name is not a string")
			}
			if err := v.Attrs.Set(k, val); err != nil {
				return err
			}
		}
		return nil
	case *Tensor:
		if isEmptyState(state) {
			return nil
		}
		return errors.New("BUILD of a tensor with Python attributes is not supported")
	}
	return fmt.Errorf("BUILD on a %s is not supported", typeName(inst))
}

// isEmptyState reports whether a __setstate__ argument carries nothing.
func isEmptyState(state any) bool {
	switch s := state.(type) {
	case nil:
		return true
	case *OrderedDict:
		return s.Len() == 0
	case *pyTuple:
		// (dict_state, slot_state) pairs: both must be empty.
		for _, it := range s.items {
			if d, ok := it.(*OrderedDict); it != nil && (!ok || d.Len() != 0) {
				return false
			}
		}
		return true
	}
	return false
}

// lengthWidth returns the size in bytes of the length prefix of a string or
// bytes opcode.
func lengthWidth(op byte) int {
	switch op {
	case opShortBinUnicode, opShortBinString, opShortBinBytes:
		return 1
	case opBinUnicode, opBinString, opBinBytes:
		return 4
	}
	return 8
}
