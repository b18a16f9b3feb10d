package pt

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// npArray and npDType stand for the numpy globals a caller maps, as
// vision/datasets does for CIFAR.
type npArray struct {
	cls   GlobalRef
	state any
}

func (a *npArray) SetState(state any) error {
	a.state = state
	return nil
}

type npDType struct {
	args  Tuple
	state any
}

func (d *npDType) SetState(state any) error {
	d.state = state
	return nil
}

var npGlobals = map[string]Global{
	"numpy.core.multiarray._reconstruct": {Call: func(args Tuple) (any, error) {
		if len(args) != 3 {
			return nil, fmt.Errorf("takes 3 arguments, got %d", len(args))
		}
		cls, _ := args[0].(GlobalRef)
		return &npArray{cls: cls}, nil
	}},
	"numpy.ndarray": {},
	"numpy.dtype":   {Call: func(args Tuple) (any, error) { return &npDType{args: args}, nil }},
}

func loadPlain(b []byte, opts PickleOptions) (any, error) {
	return LoadPickle(bytes.NewReader(b), int64(len(b)), opts)
}

// TestLoadPickleNumpy reads a numpy uint8 array as pickle.dumps(protocol=2)
// writes it, with the caller's globals.
func TestLoadPickleNumpy(t *testing.T) {
	dtype := pk(opGlobal, "numpy\ndtype\n", opShortBinUnicode, 2, "u1", opNewFalse, opNewTrue, opTuple3, opReduce,
		opMark, opBinInt1, 3, opShortBinUnicode, 1, "|", opNone, opNone, opNone, opBinInt, u32(0xffffffff), opBinInt, u32(0xffffffff), opBinInt1, 0, opTuple, opBuild)
	p := pk(opProto, 2, opEmptyDict, opShortBinUnicode, 4, "data",
		opGlobal, "numpy.core.multiarray\n_reconstruct\n", opGlobal, "numpy\nndarray\n", opBinInt1, 0, opTuple1,
		opGlobal, "_codecs\nencode\n", opShortBinUnicode, 1, "b", opShortBinUnicode, 6, "latin1", opTuple2, opReduce,
		opTuple3, opReduce,
		opMark, opBinInt1, 1, opBinInt1, 2, opBinInt1, 3, opTuple2, dtype, opNewFalse, opShortBinBytes, 6, "\x00\x01\x02\x03\x04\xff", opTuple, opBuild,
		opSetItem, opStop)
	v, err := loadPlain(p, PickleOptions{Globals: npGlobals})
	require.NoError(t, err)
	a, ok := v.(*OrderedDict).Get("data")
	require.True(t, ok)
	arr := a.(*npArray)
	require.Equal(t, GlobalRef("numpy.ndarray"), arr.cls)
	st := arr.state.(Tuple)
	require.Len(t, st, 5)
	require.Equal(t, Tuple{int64(2), int64(3)}, st[1])
	dt := st[2].(*npDType)
	require.Equal(t, Tuple{"u1", false, true}, dt.args)
	require.Equal(t, Tuple{int64(3), "|", nil, nil, nil, int64(-1), int64(-1), int64(0)}, dt.state)
	require.Equal(t, []byte{0, 1, 2, 3, 4, 0xff}, st[4])

	// Without the caller's globals the same pickle is refused.
	_, err = loadPlain(p, PickleOptions{})
	require.ErrorIs(t, err, ErrForbiddenGlobal)
	require.EqualError(t, err, `pt: forbidden global "numpy.core.multiarray._reconstruct" in pickle (byte 9)`)
}

func TestLoadPickleEncodings(t *testing.T) {
	py2 := pk(opProto, 2, opShortBinString, 1, "\xe9", opStop)
	_, err := loadPlain(py2, PickleOptions{})
	require.EqualError(t, err, "pt: pickle: at byte 2: Python 2 str of 1 bytes is not ASCII (byte 0 is 0xe9; see PickleOptions.Encoding)")
	v, err := loadPlain(py2, PickleOptions{Encoding: "latin1"})
	require.NoError(t, err)
	require.Equal(t, "é", v)
	v, err = loadPlain(py2, PickleOptions{Encoding: "bytes"})
	require.NoError(t, err)
	require.Equal(t, []byte{0xe9}, v)
	_, err = loadPlain(py2, PickleOptions{Encoding: "UTF-8"})
	require.ErrorContains(t, err, "not valid UTF-8")
	v, err = loadPlain(pk(opProto, 2, opBinString, u32(2), "\xc3\xa9", opStop), PickleOptions{Encoding: "utf8"})
	require.NoError(t, err)
	require.Equal(t, "é", v)
	v, err = loadPlain(pk(opProto, 2, opShortBinString, 2, "ok", opStop), PickleOptions{})
	require.NoError(t, err)
	require.Equal(t, "ok", v)
	// Python 3 str is UTF-8 whatever the encoding.
	_, err = loadPlain(pk(opProto, 2, opShortBinUnicode, 1, "\xe9", opStop), PickleOptions{Encoding: "latin1"})
	require.ErrorContains(t, err, "not valid UTF-8")
	_, err = loadPlain(py2, PickleOptions{Encoding: "cp1252"})
	require.EqualError(t, err, `pt: unsupported pickle encoding "cp1252" (ASCII, utf-8, latin1 or bytes)`)
}

func TestLoadPickleRefuses(t *testing.T) {
	failing := map[string]Global{"m.fail": {Call: func(Tuple) (any, error) { return nil, errors.New("no") }}, "m.class": {}}
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"torch global", pk(opProto, 2, opGlobal, "torch._utils\n_rebuild_tensor_v2\n"), `forbidden global "torch._utils._rebuild_tensor_v2" in x.pkl (byte 2)`},
		{"torch dtype", pk(opProto, 2, opGlobal, "torch\nfloat32\n"), `forbidden global "torch.float32"`},
		{"persistent id", pk(opProto, 2, opMark, opTuple, opBinPersID), "persistent id in a pickle that cannot have one"},
		{"call error", pk(opProto, 2, opGlobal, "m\nfail\n", opEmptyTuple, opReduce), "at byte 11: m.fail: no"},
		{"named only", pk(opProto, 2, opGlobal, "m\nclass\n", opEmptyTuple, opReduce), "REDUCE applies a global, which is not callable"},
		{"bare global", pk(opProto, 2, opGlobal, "m\nclass\n", opStop), "a bare global is not a data value"},
		{"build on value", pk(opProto, 2, opNone, opEmptyDict, opBuild), "BUILD on a None is not supported"},
		{"truncated", pk(opProto, 2, opBinUnicode, u32(10), "abc"), "unexpected end of data"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := loadPlain(c.in, PickleOptions{Globals: failing, Name: "x.pkl"})
			require.Error(t, err)
			require.Contains(t, err.Error(), c.want)
		})
	}
	_, err := loadPlain(pk(opProto, 2, opBinUnicode, u32(10), "abc"), PickleOptions{})
	require.ErrorIs(t, err, ErrTruncated)
}

// TestLoadPickleData reads the plain data types, with the data
// constructors LoadPickle allows.
func TestLoadPickleData(t *testing.T) {
	p := pk(opProto, 2, opMark,
		opGlobal, "__builtin__\nset\n", opMark, opBinInt1, 1, opBinInt1, 2, opList, opTuple1, opReduce,
		opGlobal, "collections\nOrderedDict\n", opEmptyTuple, opReduce,
		opGlobal, "builtins\ncomplex\n", opBinInt1, 1, opBinInt1, 2, opTuple2, opReduce,
		opGlobal, "builtins\nbytearray\n", opShortBinBytes, 1, "z", opTuple1, opReduce,
		opShortBinBytes, 1, "b",
		opTuple, opStop)
	v, err := loadPlain(p, PickleOptions{})
	require.NoError(t, err)
	require.Equal(t, Tuple{Set{int64(1), int64(2)}, NewOrderedDict(), complex(1, 2), ByteArray("z"), []byte("b")}, v)
	// A trailing byte after STOP is not read.
	r := bytes.NewReader(append(pk(opProto, 2, opNone, opStop), 'x'))
	v, err = LoadPickle(r, int64(r.Len()), PickleOptions{})
	require.NoError(t, err)
	require.Nil(t, v)
	require.Equal(t, 1, r.Len())
}
