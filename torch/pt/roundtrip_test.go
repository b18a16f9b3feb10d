package pt

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// goodFixtures returns the .pt fixtures that load.
func goodFixtures(t testing.TB) []expectedFile {
	var out []expectedFile
	for _, e := range fixtures(t) {
		if e.ErrorContains == "" && strings.HasSuffix(e.File, ".pt") {
			out = append(out, e)
		}
	}
	return out
}

// distinctStorages counts the storages referenced by the tensors of v.
func distinctStorages(t testing.TB, v any) int {
	tensors, _, err := Flatten(v)
	require.NoError(t, err)
	seen := map[*Storage]bool{}
	for _, nt := range tensors {
		seen[nt.Tensor.Storage] = true
	}
	return len(seen)
}

// checkLayout checks that a written archive has torch.save's records, in
// torch's order, stored and with 64-byte aligned payloads.
func checkLayout(t testing.TB, b []byte, storages int) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	want := []string{"archive/data.pkl", "archive/byteorder"}
	for i := 0; i < storages; i++ {
		want = append(want, "archive/data/"+itoa(i))
	}
	want = append(want, "archive/version")
	var got []string
	for _, f := range zr.File {
		got = append(got, f.Name)
		require.Equal(t, zip.Store, f.Method, f.Name)
		off, err := f.DataOffset()
		require.NoError(t, err)
		require.Zero(t, off%64, "%s payload at offset %d", f.Name, off)
	}
	require.Equal(t, want, got)
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestRoundTripFixtures(t *testing.T) {
	for _, e := range goodFixtures(t) {
		t.Run(e.File, func(t *testing.T) {
			v, err := Load(filepath.Join("testdata", e.File))
			require.NoError(t, err)
			var buf bytes.Buffer
			require.NoError(t, WriteTo(&buf, v))
			n := distinctStorages(t, v)
			checkLayout(t, buf.Bytes(), n)
			back, err := LoadReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
			require.NoError(t, err)
			ts, vals := describe(t, back)
			require.Equal(t, normShapes(e.Tensors), ts)
			require.Equal(t, expectedValues(t, e), vals)
			require.Equal(t, n, distinctStorages(t, back), "storage sharing is kept")
			require.Equal(t, sameTypes(v), sameTypes(back), "dict kinds and Go types are kept")
		})
	}
}

// sameTypes lists the Go type (and dict kind) of every container and leaf
// path, to compare structure across a round trip.
func sameTypes(v any) []string {
	var out []string
	var walk func(v any, path string)
	walk = func(v any, path string) {
		switch x := v.(type) {
		case *OrderedDict:
			out = append(out, path+" dict plain="+map[bool]string{true: "1", false: "0"}[x.Plain]+" attrs="+map[bool]string{true: "1", false: "0"}[x.Attrs != nil])
			for i := 0; i < x.Len(); i++ {
				k, val := x.entry(i)
				walk(val, path+"/"+KeyString(k))
			}
		case []any:
			out = append(out, path+" list")
			for i, it := range x {
				walk(it, path+"/"+itoa(i))
			}
		case Tuple:
			out = append(out, path+" tuple")
			for i, it := range x {
				walk(it, path+"/"+itoa(i))
			}
		case *Tensor:
			out = append(out, path+" tensor param="+map[bool]string{true: "1", false: "0"}[x.IsParameter]+" grad="+map[bool]string{true: "1", false: "0"}[x.RequiresGrad])
		default:
			out = append(out, path+" "+typeName(v))
		}
	}
	walk(v, "")
	return out
}

func TestSaveIsAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.pt")
	x, err := NewTensor(Float32, []int64{2}, []byte{0, 0, 128, 63, 0, 0, 0, 64})
	require.NoError(t, err)
	sd := NewOrderedDict()
	sd.MustSet("w", x)
	require.NoError(t, Save(path, sd))
	st, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o644), st.Mode().Perm())
	before, err := os.ReadFile(path)
	require.NoError(t, err)

	// A value that cannot be saved leaves the old file and no temporary.
	bad := NewOrderedDict()
	bad.MustSet("w", x)
	bad.MustSet("ch", make(chan int))
	err = Save(path, bad)
	require.ErrorContains(t, err, `key path "ch"`)
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, before, after)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary file is left behind")

	// Saving into a missing directory fails cleanly.
	require.Error(t, Save(filepath.Join(dir, "missing", "x.pt"), sd))
}

func TestWriterRefuses(t *testing.T) {
	st := &Storage{DType: Float32, Data: make([]byte, 16)}
	cyc := make([]any, 1)
	cyc[0] = cyc
	cases := map[string]any{
		"extent past storage": &Tensor{Storage: st, Offset: 2, Shape: []int64{3}, Stride: []int64{1}},
		"shape/stride length": &Tensor{Storage: st, Shape: []int64{2}, Stride: nil},
		"nil storage":         &Tensor{Shape: []int64{}},
		"ragged storage":      &Tensor{Storage: &Storage{DType: Int32, Data: make([]byte, 5)}, Shape: []int64{}},
		"bad utf8":            "\xff",
		"unsupported type":    struct{}{},
		"invalid dtype":       DType(200),
		"bad device":          Device("cuda:x"),
		"cycle":               cyc,
	}
	for name, v := range cases {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			err := WriteTo(&buf, v)
			require.Error(t, err)
			require.True(t, strings.HasPrefix(err.Error(), "pt: "), err.Error())
			require.Zero(t, buf.Len(), "nothing written on error")
		})
	}
}

// TestWriterValues checks that Go convenience types are written as the
// matching Python values.
func TestWriterValues(t *testing.T) {
	in := map[string]any{
		"int": 7, "i32": int32(-3), "u8": uint8(200), "f32": float32(0.5),
		"c64": complex64(complex(1, 2)), "big": int64(1) << 40, "neg": int64(-1) << 40,
		"min": int64(-1) << 63, "set": Set{int64(1)}, "fs": FrozenSet{"x"},
		"dev": Device("cuda:1"), "cpu": Device("cpu"), "dt": BFloat16, "size": Size{2, 0},
		"tuple": Tuple{int64(1), "a", nil, true, Tuple{}}, "bytes": []byte{1, 2}, "ba": ByteArray{3},
	}
	var buf bytes.Buffer
	require.NoError(t, WriteTo(&buf, in))
	v, err := LoadReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	require.NoError(t, err)
	d := v.(*OrderedDict)
	require.True(t, d.Plain)
	want := map[string]any{
		"int": int64(7), "i32": int64(-3), "u8": int64(200), "f32": 0.5,
		"c64": complex(1, 2), "big": int64(1) << 40, "neg": int64(-1) << 40,
		"min": int64(-1) << 63, "set": Set{int64(1)}, "fs": FrozenSet{"x"},
		"dev": Device("cuda:1"), "cpu": Device("cpu"), "dt": BFloat16, "size": Size{2, 0},
		"tuple": Tuple{int64(1), "a", nil, true, Tuple{}}, "bytes": []byte{1, 2}, "ba": ByteArray{3},
	}
	require.Equal(t, len(want), d.Len())
	for k, w := range want {
		got, ok := d.Get(k)
		require.True(t, ok, k)
		require.Equal(t, w, got, k)
	}
}
