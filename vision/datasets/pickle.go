package datasets

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// This file is a minimal, safe reader for the Python pickles of the CIFAR
// data sets: a dict of str (or bytes) keys holding lists of ints and
// strings and a numpy uint8 array (numpy.core.multiarray._reconstruct +
// BUILD). It accepts protocols 0–5's binary opcodes that such files use;
// numpy's reconstruction, numpy.dtype and _codecs.encode (how Python 3
// pickles bytes at protocol 2) are the only globals, mapped to Go code here:
// nothing from a file is executed. Text strings from Python 2 (STRING,
// BINSTRING, SHORT_BINSTRING) are read as Latin-1, as
// pickle.load(f, encoding="latin1") does.

// pyMark is the MARK opcode's stack entry.
type pyMark struct{}

// pyGlobal is a global reference allowed by the reader.
type pyGlobal string

// py2str is a Python 2 str, kept as its bytes; as text it is Latin-1.
type py2str []byte

// pyTuple is a Python tuple.
type pyTuple []any

// pyDict is a Python dict with its keys as strings (bytes keys are decoded
// as Latin-1), in insertion order.
type pyDict struct {
	keys []string
	vals map[string]any
}

// ndarray is a numpy array under reconstruction: uint8 data with a shape.
type ndarray struct {
	shape []int64
	dtype string
	data  []byte
}

// npDType is a numpy.dtype value.
type npDType struct{ str string }

// latin1 turns bytes into the str Python's latin1 decoding gives.
func latin1(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// unlatin1 is str.encode("latin1").
func unlatin1(s string) ([]byte, error) {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 255 {
			return nil, errors.New("character outside Latin-1 in an encoded byte string")
		}
		out = append(out, byte(r))
	}
	return out, nil
}

const maxPickleString = 1 << 31

// readPickle decodes one pickle from r (at most limit bytes long) into Go
// values: *pyDict, []any, pyTuple, int64, float64, string, []byte, bool,
// nil, *ndarray.
func readPickle(r io.Reader, limit int64) (v any, err error) {
	defer func() {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("truncated pickle: %w", err)
		}
	}()
	br := bufio.NewReader(io.LimitReader(r, limit))
	var stack []any
	var marks []int
	memo := map[uint32]any{}
	pop := func() (any, error) {
		if len(stack) == 0 || (len(marks) > 0 && len(stack) <= marks[len(marks)-1]) {
			return nil, errors.New("pickle stack underflow")
		}
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		return v, nil
	}
	popMark := func() ([]any, error) {
		if len(marks) == 0 {
			return nil, errors.New("pickle MARK missing")
		}
		m := marks[len(marks)-1]
		marks = marks[:len(marks)-1]
		items := append([]any(nil), stack[m:]...)
		stack = stack[:m]
		return items, nil
	}
	readN := func(n uint64) ([]byte, error) {
		if n > maxPickleString || int64(n) > limit {
			return nil, fmt.Errorf("truncated: a pickle string of %d bytes is longer than the file", n)
		}
		b := make([]byte, n)
		_, err := io.ReadFull(br, b)
		return b, err
	}
	uint := func(size int) (uint64, error) {
		var b [8]byte
		if _, err := io.ReadFull(br, b[:size]); err != nil {
			return 0, err
		}
		return binary.LittleEndian.Uint64(b[:]), nil
	}
	line := func() (string, error) {
		s, err := br.ReadString('\n')
		if err != nil {
			return "", err
		}
		return strings.TrimSuffix(s, "\n"), nil
	}
	for {
		op, err := br.ReadByte()
		if err != nil {
			return nil, err
		}
		switch op {
		case 0x80: // PROTO
			if _, err := br.ReadByte(); err != nil {
				return nil, err
			}
		case 0x95: // FRAME
			if _, err := uint(8); err != nil {
				return nil, err
			}
		case '.': // STOP
			v, err := pop()
			if err != nil {
				return nil, err
			}
			return v, nil
		case '(': // MARK
			marks = append(marks, len(stack))
		case '}': // EMPTY_DICT
			stack = append(stack, &pyDict{vals: map[string]any{}})
		case ']': // EMPTY_LIST
			stack = append(stack, []any{})
		case ')': // EMPTY_TUPLE
			stack = append(stack, pyTuple{})
		case 'N':
			stack = append(stack, nil)
		case 0x88, 0x89: // NEWTRUE, NEWFALSE
			stack = append(stack, op == 0x88)
		case 'K', 'M', 'J': // BININT1, BININT2, BININT
			size := map[byte]int{'K': 1, 'M': 2, 'J': 4}[op]
			u, err := uint(size)
			if err != nil {
				return nil, err
			}
			v := int64(u)
			if op == 'J' {
				v = int64(int32(uint32(u)))
			}
			stack = append(stack, v)
		case 0x8a: // LONG1
			n, err := br.ReadByte()
			if err != nil {
				return nil, err
			}
			if n > 8 {
				return nil, errors.New("pickle integer too large")
			}
			b, err := readN(uint64(n))
			if err != nil {
				return nil, err
			}
			var v int64
			for i := len(b) - 1; i >= 0; i-- {
				v = v<<8 | int64(b[i])
			}
			if n > 0 && n < 8 && b[n-1]&0x80 != 0 {
				v -= 1 << (8 * uint64(n))
			}
			stack = append(stack, v)
		case 'G': // BINFLOAT
			u, err := readN(8)
			if err != nil {
				return nil, err
			}
			stack = append(stack, math.Float64frombits(binary.BigEndian.Uint64(u)))
		case 'U', 'T', 'C', 'B', 0x8e, 'X', 0x8c: // strings and bytes
			var n uint64
			switch op {
			case 'U', 'C', 0x8c:
				n, err = uint(1)
			case 'T', 'B', 'X':
				n, err = uint(4)
			default:
				n, err = uint(8)
			}
			if err != nil {
				return nil, err
			}
			b, err := readN(n)
			if err != nil {
				return nil, err
			}
			switch op {
			case 'U', 'T': // Python 2 str: latin1
				stack = append(stack, py2str(b))
			case 'X', 0x8c:
				stack = append(stack, string(b))
			default:
				stack = append(stack, b)
			}
		case 'c': // GLOBAL
			mod, err := line()
			if err != nil {
				return nil, err
			}
			name, err := line()
			if err != nil {
				return nil, err
			}
			g, err := allowGlobal(mod, name)
			if err != nil {
				return nil, err
			}
			stack = append(stack, g)
		case 0x93: // STACK_GLOBAL
			name, err1 := pop()
			mod, err2 := pop()
			if err := errors.Join(err1, err2); err != nil {
				return nil, err
			}
			ms, ok1 := text(mod)
			ns, ok2 := name.(string)
			if n, ok := name.(py2str); ok {
				ns, ok2 = latin1(n), true
			}
			if !ok1 || !ok2 {
				return nil, errors.New("STACK_GLOBAL of non-strings")
			}
			g, err := allowGlobal(ms, ns)
			if err != nil {
				return nil, err
			}
			stack = append(stack, g)
		case 'q', 'r', 0x94: // BINPUT, LONG_BINPUT, MEMOIZE
			var idx uint64
			switch op {
			case 'q':
				idx, err = uint(1)
			case 'r':
				idx, err = uint(4)
			default:
				idx = uint64(len(memo))
			}
			if err != nil {
				return nil, err
			}
			if len(stack) == 0 {
				return nil, errors.New("pickle memo of an empty stack")
			}
			memo[uint32(idx)] = stack[len(stack)-1]
		case 'h', 'j': // BINGET, LONG_BINGET
			size := 1
			if op == 'j' {
				size = 4
			}
			idx, err := uint(size)
			if err != nil {
				return nil, err
			}
			v, ok := memo[uint32(idx)]
			if !ok {
				return nil, fmt.Errorf("pickle memo %d missing", idx)
			}
			stack = append(stack, v)
		case 0x85, 0x86, 0x87: // TUPLE1..3
			n := int(op - 0x84)
			if len(stack) < n {
				return nil, errors.New("pickle stack underflow")
			}
			t := append(pyTuple(nil), stack[len(stack)-n:]...)
			stack = append(stack[:len(stack)-n], t)
		case 't': // TUPLE
			items, err := popMark()
			if err != nil {
				return nil, err
			}
			stack = append(stack, pyTuple(items))
		case 'l': // LIST
			items, err := popMark()
			if err != nil {
				return nil, err
			}
			stack = append(stack, items)
		case 'a': // APPEND
			v, err := pop()
			if err != nil {
				return nil, err
			}
			if err := appendTo(stack, v); err != nil {
				return nil, err
			}
		case 'e': // APPENDS
			items, err := popMark()
			if err != nil {
				return nil, err
			}
			if err := appendTo(stack, items...); err != nil {
				return nil, err
			}
		case 's', 'u': // SETITEM, SETITEMS
			var items []any
			if op == 's' {
				v, err1 := pop()
				k, err2 := pop()
				if err := errors.Join(err1, err2); err != nil {
					return nil, err
				}
				items = []any{k, v}
			} else if items, err = popMark(); err != nil {
				return nil, err
			}
			if len(stack) == 0 || len(items)%2 != 0 {
				return nil, errors.New("bad SETITEMS")
			}
			d, ok := stack[len(stack)-1].(*pyDict)
			if !ok {
				return nil, fmt.Errorf("SETITEM on a %T", stack[len(stack)-1])
			}
			for i := 0; i < len(items); i += 2 {
				var key string
				switch k := items[i].(type) {
				case string:
					key = k
				case []byte:
					key = latin1(k)
				case py2str:
					key = latin1(k)
				default:
					return nil, fmt.Errorf("dict key of type %T", items[i])
				}
				if _, dup := d.vals[key]; !dup {
					d.keys = append(d.keys, key)
				}
				d.vals[key] = items[i+1]
			}
		case 'R': // REDUCE
			args, err1 := pop()
			f, err2 := pop()
			if err := errors.Join(err1, err2); err != nil {
				return nil, err
			}
			g, ok1 := f.(pyGlobal)
			a, ok2 := args.(pyTuple)
			if !ok1 || !ok2 {
				return nil, errors.New("REDUCE of a non-global")
			}
			v, err := call(g, a)
			if err != nil {
				return nil, err
			}
			stack = append(stack, v)
		case 'b': // BUILD
			state, err1 := pop()
			obj, err2 := pop()
			if err := errors.Join(err1, err2); err != nil {
				return nil, err
			}
			if err := build(obj, state); err != nil {
				return nil, err
			}
			stack = append(stack, obj)
		default:
			return nil, fmt.Errorf("unsupported pickle opcode 0x%02x", op)
		}
	}
}

// text is a Python str (3 or 2) as a Go string.
func text(v any) (string, bool) {
	switch s := v.(type) {
	case string:
		return s, true
	case py2str:
		return latin1(s), true
	}
	return "", false
}

func appendTo(stack []any, items ...any) error {
	if len(stack) == 0 {
		return errors.New("APPEND to an empty stack")
	}
	l, ok := stack[len(stack)-1].([]any)
	if !ok {
		return fmt.Errorf("APPEND to a %T", stack[len(stack)-1])
	}
	stack[len(stack)-1] = append(l, items...)
	return nil
}

func allowGlobal(mod, name string) (pyGlobal, error) {
	full := mod + "." + name
	switch full {
	case "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct",
		"numpy.ndarray", "numpy.dtype", "_codecs.encode":
		return pyGlobal(full), nil
	}
	return "", fmt.Errorf("pickle refers to %s, which a CIFAR file does not use (refused)", full)
}

func call(g pyGlobal, args pyTuple) (any, error) {
	switch g {
	case "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct":
		return &ndarray{}, nil
	case "numpy.dtype":
		if len(args) < 1 {
			return nil, errors.New("numpy.dtype without arguments")
		}
		s, ok := text(args[0])
		if !ok {
			return nil, errors.New("numpy.dtype of a non-string")
		}
		return &npDType{s}, nil
	case "_codecs.encode":
		if len(args) != 2 {
			return nil, errors.New("_codecs.encode needs two arguments")
		}
		s, ok1 := args[0].(string)
		enc, ok2 := text(args[1])
		if !ok1 || !ok2 || (enc != "latin1" && enc != "latin-1") {
			return nil, errors.New("_codecs.encode other than str, 'latin1'")
		}
		return unlatin1(s)
	}
	return nil, fmt.Errorf("%s cannot be called", g)
}

func build(obj, state any) error {
	switch o := obj.(type) {
	case *npDType:
		return nil // (version, byte order, ...): only uint8 is accepted later
	case *ndarray:
		st, ok := state.(pyTuple)
		if !ok || len(st) != 5 {
			return errors.New("numpy array state is not a 5-tuple")
		}
		shapeT, ok1 := st[1].(pyTuple)
		dt, ok2 := st[2].(*npDType)
		fortran, _ := st[3].(bool)
		if !ok1 || !ok2 {
			return errors.New("numpy array state has no shape or dtype")
		}
		if fortran {
			return errors.New("Fortran-ordered numpy arrays are not supported")
		}
		o.dtype = dt.str
		n := int64(1)
		for _, d := range shapeT {
			v, ok := d.(int64)
			if !ok || v < 0 {
				return errors.New("bad numpy shape")
			}
			o.shape = append(o.shape, v)
			n *= v
			if n > maxPickleString {
				return errors.New("numpy shape too large")
			}
		}
		switch raw := st[4].(type) {
		case []byte:
			o.data = raw
		case py2str:
			o.data = raw
		case string: // a Python 3 str (latin1)
			b, err := unlatin1(raw)
			if err != nil {
				return err
			}
			o.data = b
		default:
			return fmt.Errorf("numpy array data is a %T", st[4])
		}
		if o.dtype != "u1" {
			return fmt.Errorf("numpy array of dtype %q, expected uint8 (u1)", o.dtype)
		}
		if int64(len(o.data)) != n {
			return fmt.Errorf("numpy array of shape %v holds %d bytes, expected %d", o.shape, len(o.data), n)
		}
		return nil
	}
	return fmt.Errorf("BUILD of a %T", obj)
}
