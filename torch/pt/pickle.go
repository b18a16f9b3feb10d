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
	"unicode/utf8"
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
	pyList struct {
		items []any
		fin   finState
	}
	pyTuple struct {
		items []any
		hash  keyCache
		fin   finState
	}
	pySet struct {
		items  []any
		frozen bool
		seen   map[any]bool // nil once a frozenset is built
		hash   keyCache     // frozen sets only
		fin    finState
	}
	// pySize is a torch.Size; it becomes a Size once the pickle is done.
	pySize struct {
		dims []int64
		hash keyCache
	}
)

// add adds item to the set unless it holds it already; h counts the work
// of hashing it.
func (s *pySet) add(h *hasher, item any) error {
	k, _, err := h.key(item, 0)
	if err != nil {
		return fmt.Errorf("set item: %w", err)
	}
	h.work += InsertWork
	if s.seen == nil {
		s.seen = make(map[any]bool)
	}
	if !s.seen[k] {
		s.seen[k] = true
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

// readString returns the next n bytes as a string, copied once.
func (in *pickleInput) readString(n uint64) (string, error) {
	if n <= 4096 {
		b, err := in.read(n)
		return string(b), err
	}
	if n > uint64(in.size-in.pos) {
		return "", fmt.Errorf("%w: %d bytes declared, %d left", ErrTruncated, n, in.size-in.pos)
	}
	var sb strings.Builder
	sb.Grow(int(n))
	if _, err := io.CopyN(&sb, in.r, int64(n)); err != nil {
		return "", ErrTruncated
	}
	in.pos += int64(n)
	return sb.String(), nil
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

// Limits bounds what decoding one pickle may cost, so that a small or
// hostile file cannot make a loader use memory or time out of proportion
// to the data it really holds. A zero field takes its default. Exceeding a
// limit ends loading with a one-line error naming the limit and the byte
// offset of the opcode that exceeded it.
type Limits struct {
	// MaxStack bounds the items and marks on the pickle stack at once
	// (default DefaultMaxStack). Python's pickler leaves at most 1000
	// items per nesting level there (it writes lists, dicts and sets in
	// batches of 1000), but builds a tuple or, from protocol 4, a
	// frozenset on the stack whole: one of more than MaxStack items is
	// refused.
	MaxStack int
	// MaxMemo bounds the memo: indexes at or above it are refused
	// (default DefaultMaxMemo, at most 1<<32). The memo costs 16 bytes per
	// entry, allocated 4096 entries at a time.
	MaxMemo int
	// MaxNodes bounds the values a pickle builds: containers plus the
	// items put in them (default MaxNodes). Finished values are further
	// bounded as a tree, see MaxNodes and NodeAllowance.
	MaxNodes int64
	// MaxWork bounds the work units a pickle may cost (default
	// WorkPerByte times the pickle's length plus WorkAllowance). A unit
	// is about 10ns of work: one opcode, one item copied by an allowlisted
	// callable or BUILD, 16 bytes of a dict key or set item hashed; an
	// insertion into a dict or set costs InsertWork units.
	MaxWork int64
}

// Defaults of Limits.
const (
	// DefaultMaxStack is the default Limits.MaxStack: 16 MiB of stack.
	DefaultMaxStack = 1 << 20
	// DefaultMaxMemo is the default Limits.MaxMemo: at most 64 MiB of
	// memo.
	DefaultMaxMemo = 1 << 22
	// WorkPerByte is the default Limits.MaxWork per byte of pickle: a
	// pickle of n bytes may cost WorkPerByte*n + WorkAllowance units, at
	// most about 0.2s per MiB of pickle. A file written by torch.save
	// costs less than 3 units per byte, a pickled set or dict of small
	// ints less than 7.
	WorkPerByte = 16
	// WorkAllowance is the default Limits.MaxWork of an empty pickle,
	// about 40ms of work.
	WorkAllowance = 1 << 22
	// InsertWork is the work units of one insertion into a dict or set.
	InsertWork = 10
)

// withDefaults fills the zero fields for a pickle of n bytes.
func (l Limits) withDefaults(n int64) Limits {
	if l.MaxStack <= 0 {
		l.MaxStack = DefaultMaxStack
	}
	if l.MaxMemo <= 0 {
		l.MaxMemo = DefaultMaxMemo
	}
	l.MaxMemo = min(l.MaxMemo, 1<<32)
	if l.MaxNodes <= 0 {
		l.MaxNodes = MaxNodes
	}
	if l.MaxWork <= 0 {
		l.MaxWork = WorkAllowance
		if n > 0 && n < (math.MaxInt64-WorkAllowance)/WorkPerByte {
			l.MaxWork += WorkPerByte * n
		}
	}
	return l
}

// unpickler is the pickle virtual machine. It only builds data: GLOBAL
// resolves names in a fixed allowlist of Go functions (see globals.go, or
// the caller's for LoadPickle) and REDUCE, NEWOBJ and BUILD only apply
// those.
type unpickler struct {
	in    *pickleInput
	where string // name of the pickle for error messages, e.g. "data.pkl"
	stack []any
	marks []int // stack heights at each MARK
	// memo is held in chunks of memoChunk entries, allocated when an
	// index in them is first stored; memoHole marks the entries never
	// stored. memoCount counts the others.
	memo      [][]any
	memoCount int
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
	limits  Limits
	// limitsSet are the caller's limits, completed by load once the
	// pickle's length is known.
	limitsSet Limits
	// work counts work units besides hashing (see Limits.MaxWork); nodes
	// counts values built (see Limits.MaxNodes).
	work, nodes int64
	hash        hasher
	// plain is set for LoadPickle: the globals are the data constructors
	// and the caller's, not torch's.
	plain   bool
	globals map[string]Global
	// encoding decodes Python 2 str values: "utf-8" (torch.load's), or
	// one of LoadPickle's.
	encoding string
}

// memoHole marks memo entries never stored.
type memoHole struct{}

// memoChunk is the number of entries of a memo chunk (64 KiB).
const memoChunk = 1 << 12

// charge accounts for n items copied by a callable.
func (u *unpickler) charge(n int) error {
	u.work += int64(n)
	u.nodes += int64(n)
	return u.checkBudget()
}

// chargeInserts accounts for n items a callable or BUILD is about to
// insert into a dict or set, and checks before it does that the
// insertions, which the hasher counts, fit in the budget.
func (u *unpickler) chargeInserts(n int) error {
	u.work += int64(n)
	u.nodes += int64(n)
	if u.work+u.hash.work+int64(n)*InsertWork > u.limits.MaxWork {
		return fmt.Errorf("pickle needs more than %d units of work (Limits.MaxWork)", u.limits.MaxWork)
	}
	return u.checkBudget()
}

// chargeWork accounts for work that builds no values, such as copying
// bytes (a unit per byte).
func (u *unpickler) chargeWork(units int64) error {
	u.work += units
	return u.checkBudget()
}

// checkBudget returns the error for a pickle past its work or node limit.
func (u *unpickler) checkBudget() error {
	if w := u.work + u.hash.work; w > u.limits.MaxWork {
		return fmt.Errorf("pickle needs more than %d units of work (Limits.MaxWork)", u.limits.MaxWork)
	}
	if u.nodes > u.limits.MaxNodes {
		return fmt.Errorf("pickle builds more than %d values (Limits.MaxNodes)", u.limits.MaxNodes)
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
		storageNumel: (*Storage).Numel,
		encoding:     "utf-8",
		limits:       Limits{}.withDefaults(in.size - in.pos),
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
	u.limits = u.limitsSet.withDefaults(u.in.size - start)
	v, err := u.run()
	if err != nil {
		var fe *forbiddenError
		if errors.As(err, &fe) {
			return nil, errorf("%w in %s (byte %d)", fe, u.where, u.opPos)
		}
		return nil, &pickleError{where: u.where, pos: u.opPos, err: err}
	}
	out, err := finalize(v, u.in.pos-start, u.limits.MaxNodes)
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
	u.stack[len(u.stack)-1] = nil
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
	clear(u.stack[m:])
	u.stack = u.stack[:m]
	return items, nil
}

// popN pops the top n items, in stack order.
func (u *unpickler) popN(n int) ([]any, error) {
	if len(u.stack)-u.base() < n {
		return nil, errors.New("stack underflow")
	}
	items := append([]any(nil), u.stack[len(u.stack)-n:]...)
	clear(u.stack[len(u.stack)-n:])
	u.stack = u.stack[:len(u.stack)-n]
	return items, nil
}

func (u *unpickler) memoPut(idx uint64) error {
	v, err := u.top()
	if err != nil {
		return err
	}
	if idx >= uint64(u.limits.MaxMemo) {
		return fmt.Errorf("memo index %d reaches the limit of %d entries (Limits.MaxMemo)", idx, u.limits.MaxMemo)
	}
	c := int(idx / memoChunk)
	for len(u.memo) <= c {
		u.memo = append(u.memo, nil)
	}
	chunk := u.memo[c]
	if chunk == nil {
		chunk = make([]any, memoChunk)
		for i := range chunk {
			chunk[i] = memoHole{}
		}
		u.memo[c] = chunk
	}
	e := &chunk[idx%memoChunk]
	if _, hole := (*e).(memoHole); hole {
		u.memoCount++
	}
	*e = v
	return nil
}

func (u *unpickler) memoGet(idx uint64) error {
	c := idx / memoChunk
	if c >= uint64(len(u.memo)) || u.memo[c] == nil {
		return fmt.Errorf("memo key %d not found", idx)
	}
	v := u.memo[c][idx%memoChunk]
	if _, hole := v.(memoHole); hole {
		return fmt.Errorf("memo key %d not found", idx)
	}
	u.push(v)
	return nil
}

// readText decodes the n bytes of a str opcode: UTF-8 for Python 3 str
// (BINUNICODE...), which torch.load and pickle.load both refuse when it is
// not valid; u.encoding for Python 2 str (BINSTRING, SHORT_BINSTRING).
func (u *unpickler) readText(op byte, n uint64) (any, error) {
	py2 := op == opBinString || op == opShortBinString
	enc := "utf-8"
	if py2 {
		enc = u.encoding
	}
	switch enc {
	case "bytes":
		return u.in.read(n)
	case "latin1":
		b, err := u.in.read(n)
		if err != nil {
			return nil, err
		}
		return latin1Decode(b), nil
	}
	s, err := u.in.readString(n)
	if err != nil {
		return nil, err
	}
	if enc == "ascii" {
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				return nil, fmt.Errorf("Python 2 str of %d bytes is not ASCII (byte %d is 0x%02x; see PickleOptions.Encoding)", n, i, s[i])
			}
		}
		return s, nil
	}
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("str of %d bytes is not valid UTF-8 (Python raises UnicodeDecodeError)", n)
	}
	return s, nil
}

// latin1Decode decodes Latin-1 bytes (each byte one code point).
func latin1Decode(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b))
	for _, c := range b {
		sb.WriteRune(rune(c))
	}
	return sb.String()
}

// run executes opcodes until STOP.
func (u *unpickler) run() (any, error) {
	in := u.in
	for {
		// The checks of the previous opcode, still at u.opPos.
		if n := len(u.stack) + len(u.marks); n > u.limits.MaxStack {
			return nil, fmt.Errorf("pickle stack holds more than %d items and marks (Limits.MaxStack)", u.limits.MaxStack)
		}
		if err := u.checkBudget(); err != nil {
			return nil, err
		}
		u.opPos = in.pos
		u.work++
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
			s, err := u.readText(op, n)
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
			u.nodes++
			u.push(&pyTuple{})
		case opTuple1, opTuple2, opTuple3:
			items, err := u.popN(int(op-opTuple1) + 1)
			if err != nil {
				return nil, err
			}
			u.nodes += 1 + int64(len(items))
			u.push(&pyTuple{items: items})
		case opTuple:
			items, err := u.popMark()
			if err != nil {
				return nil, err
			}
			u.nodes += 1 + int64(len(items))
			u.push(&pyTuple{items: items})
		case opEmptyList:
			u.nodes++
			u.push(&pyList{})
		case opList:
			items, err := u.popMark()
			if err != nil {
				return nil, err
			}
			u.nodes += 1 + int64(len(items))
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
			u.nodes += int64(len(items))
			l.items = append(l.items, items...)
		case opEmptyDict:
			u.nodes++
			u.push(NewDict())
		case opDict:
			items, err := u.popMark()
			if err != nil {
				return nil, err
			}
			u.nodes += 1 + int64(len(items))
			d := NewDict()
			if err := u.setItems(d, items); err != nil {
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
			// Replacing the value of a key stores nothing new.
			n := d.Len()
			if err := u.setItems(d, items); err != nil {
				return nil, err
			}
			u.nodes += 2 * int64(d.Len()-n)
		case opEmptySet:
			u.nodes++
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
			n := len(s.items)
			for _, it := range items {
				if err := s.add(&u.hash, it); err != nil {
					return nil, err
				}
			}
			u.nodes += int64(len(s.items) - n)
		case opFrozenSet:
			items, err := u.popMark()
			if err != nil {
				return nil, err
			}
			u.nodes += 1 + int64(len(items))
			s := &pySet{frozen: true}
			for _, it := range items {
				if err := s.add(&u.hash, it); err != nil {
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
			if err := u.memoPut(uint64(u.memoCount)); err != nil {
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
			g, err := u.lookupGlobal(module, name)
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
			g, err := u.lookupGlobal(module, name)
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
			if err := u.build(inst, state); err != nil {
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
func (u *unpickler) setItems(d *OrderedDict, items []any) error {
	if len(items)%2 != 0 {
		return errors.New("odd number of items for a dict")
	}
	for i := 0; i < len(items); i += 2 {
		if err := d.set(&u.hash, items[i], items[i+1]); err != nil {
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
// OrderedDict (such as a state_dict's _metadata), an empty state for a
// tensor and, for LoadPickle, the state of an object implementing
// StateSetter are accepted.
func (u *unpickler) build(inst, state any) error {
	switch v := inst.(type) {
	case *OrderedDict:
		if v.Plain {
			return errors.New("BUILD on a plain dict")
		}
		attrs, ok := state.(*OrderedDict)
		if !ok {
			return fmt.Errorf("BUILD of an OrderedDict with a %s state", typeName(state))
		}
		if err := u.chargeInserts(attrs.Len()); err != nil {
			return err
		}
		if v.Attrs == nil {
			v.Attrs = NewDict()
		}
		for i := 0; i < attrs.Len(); i++ {
			k, val := attrs.entry(i)
			if _, ok := k.(string); !ok {
				return errors.New("BUILD attribute name is not a string")
			}
			if err := v.Attrs.set(&u.hash, k, val); err != nil {
				return err
			}
		}
		return nil
	case StateSetter:
		st, err := u.export(state)
		if err != nil {
			return fmt.Errorf("BUILD state: %w", err)
		}
		if err := v.SetState(st); err != nil {
			return fmt.Errorf("BUILD of a %s: %w", typeName(inst), err)
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
		if len(s.items) > 2 {
			return false
		}
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
