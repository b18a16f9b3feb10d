package pt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// unpickle runs the VM on one hand-made pickle.
func unpickle(b []byte) (any, error) {
	return newUnpickler(newPickleInput(bytes.NewReader(b), int64(len(b))), "test.pkl").load()
}

// pk joins opcode bytes and strings into a pickle.
func pk(parts ...any) []byte {
	var b []byte
	for _, p := range parts {
		switch x := p.(type) {
		case byte:
			b = append(b, x)
		case int:
			b = append(b, byte(x))
		case rune:
			b = append(b, byte(x))
		case string:
			b = append(b, x...)
		case []byte:
			b = append(b, x...)
		}
	}
	return b
}

func u32(n uint32) []byte { return binary.LittleEndian.AppendUint32(nil, n) }
func u64(n uint64) []byte { return binary.LittleEndian.AppendUint64(nil, n) }

func TestUnpickleValues(t *testing.T) {
	cases := []struct {
		name string
		in   []byte
		want any
	}{
		{"binint neg", pk(opProto, 2, opBinInt, u32(0xfffffffe), opStop), int64(-2)},
		{"long1 int64 min", pk(opLong1, 8, u64(1<<63), opStop), int64(-1) << 63},
		{"long1 sign extended", pk(opLong1, 9, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, opStop), int64(-1)},
		{"long1 empty", pk(opLong1, 0, opStop), int64(0)},
		{"long1 short negative", pk(opLong1, 1, 0x80, opStop), int64(-128)},
		{"text int", pk(opInt, "-42\n", opStop), int64(-42)},
		{"text bool", pk(opInt, "01\n", opStop), true},
		{"text long", pk(opLong, "123L\n", opStop), int64(123)},
		{"text float", pk(opFloat, "0.5\n", opStop), 0.5},
		{"short binunicode", pk(opShortBinUnicode, 3, "hé", opStop), "hé"},
		{"short binstring utf-8", pk(opShortBinString, 3, "hé", opStop), "hé"},
		{"binunicode8", pk(opBinUnicode8, u64(3), "abc", opStop), "abc"},
		{"binbytes8", pk(opBinBytes8, u64(1), "z", opStop), []byte("z")},
		{"bytearray8", pk(opByteArray8, u64(1), "z", opStop), ByteArray("z")},
		{"frame", pk(opProto, 4, opFrame, u64(2), opNone, opStop), nil},
		{"stack global", pk(opShortBinUnicode, 5, "torch", opShortBinUnicode, 7, "float32", opStackGlobal, opStop), Float32},
		{"memoize", pk(opEmptyList, opMemoize, opPop, opBinGet, 0, opStop), []any{}},
		{"pop mark", pk(opNone, opMark, opNone, opNone, opPopMark, opStop), nil},
		{"dup", pk(opNone, opDup, opTuple2, opStop), Tuple{nil, nil}},
		{"list/dict text", pk(opMark, opBinInt1, 1, opMark, opBinInt1, 2, opList, opDict, opStop), nil},
		{"frozenset", pk(opMark, opBinInt1, 1, opBinInt1, 1, opFrozenSet, opStop), FrozenSet{int64(1)}},
		{"set additems dedup", pk(opEmptySet, opMark, opBinInt1, 2, opBinInt1, 2, opAddItems, opStop), Set{int64(2)}},
		{"device", pk(opGlobal, "torch\ndevice\n", opShortBinUnicode, 4, "cuda", opBinInt1, 0, opTuple2, opReduce, opStop), Device("cuda:0")},
		{"size", pk(opGlobal, "torch\nSize\n", opBinInt1, 3, opTuple1, opTuple1, opReduce, opStop), Size{3}},
		{"complex", pk(opGlobal, "__builtin__\ncomplex\n", opBinInt1, 1, opTuple1, opReduce, opStop), complex(1, 0)},
		{"codecs", pk(opGlobal, "_codecs\nencode\n", opBinUnicode, u32(2), "\xc3\xbf", opBinUnicode, u32(6), "latin1", opTuple2, opReduce, opStop), []byte{0xff}},
		{"ordered dict pairs", pk(opGlobal, "collections\nOrderedDict\n", opMark, opMark, opBinInt1, 1, opBinInt1, 2, opTuple, opList, opTuple1, opReduce, opStop), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := unpickle(c.in)
			require.NoError(t, err)
			switch c.name {
			case "list/dict text":
				d := v.(*OrderedDict)
				require.True(t, d.Plain)
				x, _ := d.Get(int64(1))
				require.Equal(t, []any{int64(2)}, x)
				return
			case "ordered dict pairs":
				d := v.(*OrderedDict)
				require.False(t, d.Plain)
				x, _ := d.Get(int64(1))
				require.Equal(t, int64(2), x)
				return
			}
			require.Equal(t, c.want, v)
		})
	}
}

func TestUnpickleSharedAndTupleKeys(t *testing.T) {
	// d = {}; d[(1, "a")] = l; d[(1, "a")] = l (same key); l shared via memo.
	in := pk(opEmptyDict, opEmptyList, opBinPut, 0, opPop,
		opBinInt1, 1, opShortBinUnicode, 1, "a", opTuple2, opBinGet, 0, opSetItem,
		opBinInt1, 1, opShortBinUnicode, 1, "a", opTuple2, opBinGet, 0, opSetItem,
		opBinInt1, 2, opBinGet, 0, opSetItem, opStop)
	v, err := unpickle(in)
	require.NoError(t, err)
	d := v.(*OrderedDict)
	require.Equal(t, 2, d.Len())
	require.Equal(t, []any{Tuple{int64(1), "a"}, int64(2)}, d.Keys())
	x, ok := d.Get(Tuple{int64(1), "a"})
	require.True(t, ok)
	require.Equal(t, []any{}, x)
}

func TestUnpickleRefuses(t *testing.T) {
	var nest []byte
	for i := 0; i < MaxDepth+5; i++ {
		nest = append(nest, opEmptyList)
	}
	for i := 0; i < MaxDepth+4; i++ {
		nest = append(nest, opAppend)
	}
	nest = append(nest, opStop)

	// Billion laughs: each level is a list holding the previous one twice.
	laughs := pk(opEmptyList, opBinPut, 0, opPop)
	for i := 0; i < 60; i++ {
		laughs = append(laughs, opMark, opBinGet, 0, opBinGet, 0, opList, opBinPut, 0, opPop)
	}
	laughs = append(laughs, opBinGet, 0, opStop)

	// Calling a callable again and again on one shared argument.
	amplify := pk(opBinUnicode, u32(100000), strings.Repeat("a", 100000), opBinPut, 0, opPop, opEmptyList)
	for i := 0; i < 200; i++ {
		amplify = append(amplify, pk(opGlobal, "_codecs\nencode\n", opBinGet, 0, opShortBinUnicode, 6, "latin1", opTuple2, opReduce, opAppend)...)
	}
	amplify = append(amplify, opStop)

	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"amplification", amplify, "Limits.MaxWork"},
		{"binunicode not utf-8", pk(opShortBinUnicode, 2, "hé"[:2], opStop), "not valid UTF-8"},
		{"binstring not utf-8", pk(opBinString, u32(1), "\xff", opStop), "not valid UTF-8"},
		{"binunicode surrogate", pk(opBinUnicode, u32(3), "\xed\xa0\x80", opStop), "not valid UTF-8"},
		{"empty", nil, "unexpected end of data"},
		{"no stop", pk(opNone), "unexpected end of data"},
		{"huge string", pk(opBinUnicode8, u64(1<<62), "x"), "bytes declared"},
		{"huge binunicode", pk(opBinUnicode, u32(0xffffffff)), "bytes declared"},
		{"huge frame", pk(opFrame, u64(1<<40)), "frame of"},
		{"stack underflow", pk(opPop), "stack underflow"},
		{"underflow below mark", pk(opNone, opMark, opTuple1), "stack underflow"},
		{"no mark", pk(opTuple), "no MARK"},
		{"memo miss", pk(opBinGet, 3), "memo key 3 not found"},
		{"put on empty", pk(opBinPut, 0), "stack underflow"},
		{"bad opcode", pk(0xff), "invalid pickle opcode 0xff"},
		{"inst", pk(opInst), "unsupported pickle opcode"},
		{"ext1", pk(opExt1, 1), "unsupported pickle opcode"},
		{"bad proto", pk(opProto, 9), "unsupported pickle protocol 9"},
		{"forbidden", pk(opGlobal, "os\nsystem\n"), `forbidden global "os.system"`},
		{"forbidden stack global", pk(opShortBinUnicode, 8, "builtins", opShortBinUnicode, 4, "eval", opStackGlobal), `forbidden global "builtins.eval"`},
		{"forbidden getattr", pk(opGlobal, "builtins\ngetattr\n"), `forbidden global "builtins.getattr"`},
		{"sparse", pk(opGlobal, "torch._utils\n_rebuild_sparse_tensor\n"), "unsupported global"},
		{"reduce non-callable", pk(opGlobal, "torch\nfloat32\n", opEmptyTuple, opReduce), "not callable"},
		{"reduce named-only", pk(opGlobal, "torch\nTensor\n", opEmptyTuple, opReduce), "not callable"},
		{"reduce list args", pk(opGlobal, "torch\nSize\n", opEmptyList, opReduce), "as arguments"},
		{"big int", pk(opLong1, 9, []byte{0, 0, 0, 0, 0, 0, 0, 0, 1}, opStop), "does not fit in int64"},
		{"big int sign", pk(opLong1, 9, []byte{0, 0, 0, 0, 0, 0, 0, 0x80, 0}, opStop), "does not fit in int64"},
		{"huge long4", pk(opLong4, u32(0xffffffff)), "bytes declared"},
		{"text int overflow", pk(opInt, "99999999999999999999\n"), "not an int64"},
		{"long line", pk(opGlobal, strings.Repeat("a", maxLine+1)), "longer than"},
		{"unhashable key", pk(opEmptyDict, opEmptyList, opNone, opSetItem), "unhashable"},
		{"unhashable set item", pk(opEmptySet, opMark, opEmptyDict, opAddItems), "unhashable"},
		{"append to dict", pk(opEmptyDict, opNone, opAppend), "APPEND to a dict"},
		{"setitem on list", pk(opEmptyList, opNone, opNone, opSetItem), "SETITEM on a list"},
		{"odd setitems", pk(opEmptyDict, opMark, opNone, opSetItems), "odd number"},
		{"build on list", pk(opEmptyList, opEmptyDict, opBuild), "BUILD on a list"},
		{"build on dict", pk(opEmptyDict, opEmptyDict, opBuild), "BUILD on a plain dict"},
		{"persid without loader", pk(opMark, opTuple, opBinPersID), "cannot have one"},
		{"cycle", pk(opEmptyList, opBinPut, 0, opBinGet, 0, opAppend, opStop), "cyclic reference"},
		{"deep", nest, "nested deeper than"},
		{"billion laughs", laughs, "more than"},
		{"bare global", pk(opGlobal, "collections\nOrderedDict\n", opStop), "not a data value"},
		{"bare storage class", pk(opGlobal, "torch\nFloatStorage\n", opStop), "not a data value"},
		{"newobj_ex kwargs", pk(opGlobal, "builtins\nset\n", opEmptyTuple, opEmptyDict, opNone, opNone, opSetItem, opNewObjEx), "keyword arguments"},
		{"deep tuple key", append(append(pk(opEmptyDict), bytes.Repeat([]byte{opEmptyTuple}, 1)...), append(bytes.Repeat([]byte{opTuple1}, maxKeyDepth+2), opNone, opSetItem)...), "nested deeper"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			_, err := unpickle(c.in)
			require.Error(t, err)
			require.Contains(t, err.Error(), c.want)
			require.True(t, strings.HasPrefix(err.Error(), "pt: "), err.Error())
			require.Contains(t, err.Error(), "test.pkl")
			require.Less(t, time.Since(start), 5*time.Second)
		})
	}
}

func TestForbiddenIsTyped(t *testing.T) {
	_, err := unpickle(pk(opGlobal, "os\nsystem\n"))
	require.True(t, errors.Is(err, ErrForbiddenGlobal))
	require.Equal(t, `pt: forbidden global "os.system" in test.pkl (byte 0)`, err.Error())
}

func TestTensorRebuildChecks(t *testing.T) {
	st := &Storage{DType: Float32, Data: make([]byte, 16)} // 4 elements
	u := newUnpickler(newPickleInput(bytes.NewReader(nil), 0), "t")
	tup := func(xs ...any) *pyTuple { return &pyTuple{items: xs} }
	hooks := NewOrderedDict()
	ok := []any{st, int64(1), tup(int64(3)), tup(int64(1)), false, hooks}
	_, err := rebuildTensorV2(u, ok)
	require.NoError(t, err)
	bad := map[string][]any{
		"extent":      {st, int64(2), tup(int64(3)), tup(int64(1)), false, hooks},
		"stride":      {st, int64(0), tup(int64(2), int64(2)), tup(int64(3), int64(1)), false, hooks},
		"negative":    {st, int64(-1), tup(int64(1)), tup(int64(1)), false, hooks},
		"neg size":    {st, int64(0), tup(int64(-1)), tup(int64(1)), false, hooks},
		"overflow":    {st, int64(0), tup(int64(1) << 62), tup(int64(1) << 62), false, hooks},
		"rank":        {st, int64(0), tup(int64(1)), tup(), false, hooks},
		"grad type":   {st, int64(0), tup(int64(1)), tup(int64(1)), int64(1), hooks},
		"hooks":       {st, int64(0), tup(int64(1)), tup(int64(1)), false, func() *OrderedDict { d := NewOrderedDict(); d.MustSet(int64(1), nil); return d }()},
		"not storage": {"x", int64(0), tup(int64(1)), tup(int64(1)), false, hooks},
	}
	for name, args := range bad {
		_, err := rebuildTensorV2(u, args)
		require.Error(t, err, name)
	}
	// Empty tensors address nothing, whatever their offset.
	_, err = rebuildTensorV2(u, []any{st, int64(100), tup(int64(0), int64(5)), tup(int64(5), int64(1)), false, hooks})
	require.NoError(t, err)
}

// TestUnpickleLimits checks each limit of Limits: a one-line error naming
// it, at the byte offset of the opcode that crossed it.
func TestUnpickleLimits(t *testing.T) {
	load := func(b []byte, lim Limits) error {
		_, err := LoadPickle(bytes.NewReader(b), int64(len(b)), PickleOptions{Limits: lim})
		return err
	}
	nones := pk(opProto, 2, bytes.Repeat([]byte{opNone}, 10), opStop)
	require.NoError(t, load(nones, Limits{MaxStack: 10}))
	require.EqualError(t, load(nones, Limits{MaxStack: 9}), "pt: pickle: at byte 11: pickle stack holds more than 9 items and marks (Limits.MaxStack)")
	marks := pk(opProto, 2, bytes.Repeat([]byte{opMark}, 10), opNone, opStop)
	require.EqualError(t, load(marks, Limits{MaxStack: 5}), "pt: pickle: at byte 7: pickle stack holds more than 5 items and marks (Limits.MaxStack)")

	memo := pk(opProto, 4, opNone, bytes.Repeat([]byte{opMemoize}, 8), opStop)
	require.NoError(t, load(memo, Limits{MaxMemo: 8}))
	require.EqualError(t, load(memo, Limits{MaxMemo: 7}), "pt: pickle: at byte 10: memo index 7 reaches the limit of 7 entries (Limits.MaxMemo)")
	// A sparse index costs one chunk of the memo, not the indexes below.
	sparse := pk(opProto, 2, opNone, opLongBinPut, u32(DefaultMaxMemo-1), opPop, opLongBinGet, u32(DefaultMaxMemo-1), opStop)
	v, err := unpickle(sparse)
	require.NoError(t, err)
	require.Nil(t, v)
	require.ErrorContains(t, load(pk(opProto, 2, opNone, opLongBinPut, u32(DefaultMaxMemo), opStop), Limits{}), "memo index 4194304 reaches the limit of 4194304 entries (Limits.MaxMemo)")
	_, err = unpickle(pk(opProto, 2, opNone, opLongBinPut, u32(5), opLongBinGet, u32(4), opStop))
	require.ErrorContains(t, err, "memo key 4 not found")

	lists := pk(opProto, 2, opEmptyList, bytes.Repeat([]byte{opEmptyList, opAppend}, 10), opStop)
	require.NoError(t, load(lists, Limits{MaxNodes: 21}))
	require.EqualError(t, load(lists, Limits{MaxNodes: 20}), "pt: pickle: at byte 22: pickle builds more than 20 values (Limits.MaxNodes)")

	// Every opcode costs a unit of work: 10 NONE and 10 POP, then STOP.
	work := pk(opProto, 2, bytes.Repeat([]byte{opNone, opPop}, 10), opNone, opStop)
	require.NoError(t, load(work, Limits{MaxWork: 23}))
	require.EqualError(t, load(work, Limits{MaxWork: 20}), "pt: pickle: at byte 21: pickle needs more than 20 units of work (Limits.MaxWork)")

	// Load and the legacy loader have the defaults: a stack flood in a
	// torch.save zip is refused at DefaultMaxStack items.
	flood := pk(opProto, 2, bytes.Repeat([]byte{opNone}, DefaultMaxStack+1), opStop)
	_, err = unpickle(flood)
	require.EqualError(t, err, fmt.Sprintf("pt: test.pkl: at byte %d: pickle stack holds more than %d items and marks (Limits.MaxStack)", DefaultMaxStack+2, DefaultMaxStack))
}

// TestDictKeysHashOnce checks that the hash keys of tuples, frozensets and
// torch.Size are computed once, whatever the nesting: keys built from a
// chain of 60 frozensets over a 60000-byte str took 5s before (and 34.8s
// for the 219 KB file of issue 16), 10000 keys (size, j) over a torch.Size
// of 30000 dims several seconds (17s for the 300 KB file of issue 16);
// both now take milliseconds.
func TestDictKeysHashOnce(t *testing.T) {
	t.Run("frozensets", func(t *testing.T) {
		const keys = 2000
		p := pk(opProto, 4, opEmptyDict, opBinPut, 0, opPop, opBinUnicode, u32(60000), strings.Repeat("s", 60000), opBinPut, 1, opPop)
		for i := 0; i < 60; i++ {
			p = append(p, pk(opMark, opBinGet, byte(1+i), opFrozenSet, opBinPut, byte(2+i), opPop)...)
		}
		p = append(p, opBinGet, 0, opMark)
		for k := 0; k < keys; k++ {
			p = append(p, pk(opMark, opBinGet, 61, opBinInt2, byte(k), byte(k>>8), opFrozenSet, opNone)...)
		}
		p = append(p, opSetItems, opStop)
		start := time.Now()
		v, err := unpickle(p)
		require.NoError(t, err)
		require.Less(t, time.Since(start), time.Second)
		require.Equal(t, keys, v.(*OrderedDict).Len())
	})
	t.Run("torch.Size", func(t *testing.T) {
		// As a tree, the dict would hold keys*30000 ints: it is built,
		// then dropped.
		const keys = 10000
		p := pk(opProto, 2, opGlobal, "torch\nSize\n", opMark, bytes.Repeat([]byte{opBinInt1, 1}, 30000), opTuple, opTuple1, opReduce, opBinPut, 0, opPop, opEmptyDict)
		for k := 0; k < keys; k++ {
			p = append(p, pk(opBinGet, 0, opBinInt2, byte(k), byte(k>>8), opTuple2, opNone, opSetItem)...)
		}
		p = append(p, opPop, opBinGet, 0, opStop)
		start := time.Now()
		_, err := unpickle(p)
		require.NoError(t, err)
		require.Less(t, time.Since(start), time.Second)
	})
}

func TestFrozenSetKeysIgnoreOrder(t *testing.T) {
	d := NewDict()
	require.NoError(t, d.Set(FrozenSet{int64(1), "a", Tuple{int64(2)}}, "x"))
	v, ok := d.Get(FrozenSet{Tuple{int64(2)}, "a", int64(1)})
	require.True(t, ok)
	require.Equal(t, "x", v)
	_, ok = d.Get(FrozenSet{Tuple{int64(2)}, "a", int64(1), "a"})
	require.True(t, ok, "a set holds each item once")
	_, ok = d.Get(Tuple{int64(1), "a", Tuple{int64(2)}})
	require.False(t, ok, "a tuple is not the frozenset of its items")
	_, ok = d.Get(Size{1, 2})
	require.False(t, ok)
	require.NoError(t, d.Set(Size{1, 2}, "s"))
	_, ok = d.Get(Tuple{int64(1), int64(2)})
	require.False(t, ok, "a torch.Size key is not the tuple of its dims")
	// Long bytes keys are digested, short ones kept: both compare by value.
	long := bytes.Repeat([]byte("b"), 1000)
	require.NoError(t, d.Set(long, 1))
	v, ok = d.Get(append([]byte(nil), long...))
	require.True(t, ok)
	require.Equal(t, 1, v)
	_, ok = d.Get(string(long))
	require.False(t, ok, "bytes and str keys differ")
}
