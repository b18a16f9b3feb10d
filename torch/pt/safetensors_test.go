package pt

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSafetensorsRoundTrip(t *testing.T) {
	d := NewOrderedDict()
	base := mustTensor(t, Float32, []int64{3, 4}, testBytes(48, 1))
	d.MustSet("u8", mustTensor(t, Uint8, []int64{3}, []byte{1, 2, 3}))
	d.MustSet("view", &Tensor{Storage: base.Storage, Offset: 1, Shape: []int64{4, 2}, Stride: []int64{1, 4}})
	d.MustSet("f64", mustTensor(t, Float64, nil, testBytes(8, 2)))
	d.MustSet("bf16", mustTensor(t, BFloat16, []int64{2}, testBytes(4, 3)))
	d.MustSet("empty", mustTensor(t, Int32, []int64{0}, nil))
	path := filepath.Join(t.TempDir(), "x.safetensors")
	require.NoError(t, SaveSafetensors(path, d, map[string]string{"a": "b"}))
	back, meta, err := LoadSafetensors(path)
	require.NoError(t, err)
	require.Equal(t, map[string]string{"a": "b"}, meta)
	// Laid out by decreasing element size, in the given order within a size.
	require.Equal(t, []any{"f64", "view", "empty", "bf16", "u8"}, back.Keys())
	require.Equal(t, 5, back.Len())
	for i := 0; i < d.Len(); i++ {
		k, v := d.entry(i)
		got, ok := back.Get(k)
		require.True(t, ok, k)
		require.Equal(t, v.(*Tensor).Contiguous(), got.(*Tensor).Contiguous(), k)
		require.Equal(t, v.(*Tensor).Shape, got.(*Tensor).Shape, k)
	}
	var buf bytes.Buffer
	require.NoError(t, WriteSafetensors(&buf, back, nil))
	require.Zero(t, binary.LittleEndian.Uint64(buf.Bytes())%8)

	bad := NewOrderedDict()
	bad.MustSet("c", mustTensor(t, Complex64, []int64{1}, make([]byte, 8)))
	require.ErrorContains(t, WriteSafetensors(&buf, bad, nil), "no safetensors equivalent")
	bad = NewOrderedDict()
	bad.MustSet(int64(1), base)
	require.ErrorContains(t, WriteSafetensors(&buf, bad, nil), "not a string")
}

// stFile builds a safetensors file from a raw header and data.
func stFile(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, data...)
}

func TestSafetensorsRefuses(t *testing.T) {
	eight := make([]byte, 8)
	cases := []struct {
		name string
		file []byte
		want string
	}{
		{"short", []byte{1, 2}, "too short"},
		{"header past end", binary.LittleEndian.AppendUint64(nil, 1<<40), "header of"},
		{"not json", stFile("{x", nil), "header"},
		{"not object", stFile("[]", nil), "not a JSON object"},
		{"trailing", stFile(`{}x`, nil), "after the JSON object"},
		{"dup", stFile(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}`, nil), "duplicate tensor name"},
		{"missing field", stFile(`{"a":{"dtype":"U8","shape":[0]}}`, nil), "needs dtype"},
		{"bad dtype", stFile(`{"a":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}}`, eight[:1]), "unsupported dtype"},
		{"size mismatch", stFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, eight[:4]), "needs 8 bytes"},
		{"past end", stFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, eight[:4]), "run past"},
		{"reversed", stFile(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}}`, eight), "not [begin, end]"},
		{"overlap", stFile(`{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}`, eight), "overlaps"},
		{"gap", stFile(`{"a":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}}`, eight), "gap"},
		{"uncovered", stFile(`{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}`, eight), "cover 4 bytes of the 8"},
		{"negative shape", stFile(`{"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}}`, nil), "negative"},
		{"huge shape", stFile(`{"a":{"dtype":"F64","shape":[4611686018427387904,4],"data_offsets":[0,0]}}`, nil), "elements"},
		{"overflow bytes", stFile(`{"a":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,0]}}`, nil), "needs 36893488147419103232 bytes, data_offsets [0 0] give 0"},
		{"overflow f32", stFile(`{"a":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}}`, nil), "shape [4611686018427387904] of float32 needs 18446744073709551616 bytes, data_offsets [0 0] give 0"},
		{"name not utf-8", stFile("{\"a\xff\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}", nil), "header: not valid UTF-8 (byte 11 is 0xff)"},
		{"metadata not utf-8", stFile("{\"__metadata__\":{\"k\":\"\xc3(\"}}", nil), "not valid UTF-8"},
		{"lone low surrogate", stFile(`{"a\udc80":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}`, nil), `lone surrogate escape \udc80 at byte 11`},
		{"lone high surrogate", stFile(`{"a\ud800x":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}`, nil), `lone surrogate escape \ud800`},
		{"reversed surrogates", stFile(`{"a\udc00\ud800":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}`, nil), `lone surrogate escape \udc00`},
		{"dup field", stFile(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0],"shape":[1]}}`, nil), `tensor "a": duplicate field "shape"`},
		{"dup escaped field", stFile(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0],"\u0064type":"F32"}}`, nil), `tensor "a": duplicate field "dtype"`},
		{"dup metadata key", stFile(`{"__metadata__":{"k":"a","k":"b"}}`, nil), `__metadata__: duplicate field "k"`},
		{"dup metadata", stFile(`{"__metadata__":{},"__metadata__":{}}`, nil), `duplicate __metadata__`},
		{"dup escaped name", stFile(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"\u0061":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}`, nil), `duplicate tensor name "a"`},
		{"bad metadata", stFile(`{"__metadata__":{"a":1}}`, nil), "__metadata__"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := LoadSafetensorsReader(bytes.NewReader(c.file), int64(len(c.file)))
			require.Error(t, err)
			require.Contains(t, err.Error(), c.want)
			require.True(t, strings.HasPrefix(err.Error(), "pt: safetensors: "), err.Error())
		})
	}
	// Valid surrogate pairs, other escapes, and keys repeated in different
	// objects are fine.
	f := stFile(`{"\ud83d\ude00\"\\":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"b":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"__metadata__":{"dtype":"x"}}`, nil)
	d, meta, err := LoadSafetensorsReader(bytes.NewReader(f), int64(len(f)))
	require.NoError(t, err)
	require.Equal(t, []any{"😀\"\\", "b"}, d.Keys())
	require.Equal(t, map[string]string{"dtype": "x"}, meta)

	// A valid minimal file, for contrast.
	h, _ := json.Marshal(map[string]any{"a": map[string]any{"dtype": "BOOL", "shape": []int{2}, "data_offsets": []int{0, 2}}})
	f = stFile(string(h), []byte{1, 0})
	d, meta, err = LoadSafetensorsReader(bytes.NewReader(f), int64(len(f)))
	require.NoError(t, err)
	require.Nil(t, meta)
	require.Equal(t, 1, d.Len())
}

// TestDetectSafetensorsHeaderLengths saves files whose header lengths are
// every multiple of 8 from 64 to 1024 bytes: all are detected as
// safetensors, including those whose length starts with the byte 0x80 (a
// pickle's PROTO opcode, which DetectFormat used to take for a legacy
// file: 1 file in 32).
func TestDetectSafetensorsHeaderLengths(t *testing.T) {
	seen := map[int]bool{}
	dir := t.TempDir()
	for pad := 0; pad < 1000; pad++ {
		d := NewOrderedDict()
		d.MustSet("w", mustTensor(t, Float32, []int64{1}, f32(1)))
		var buf bytes.Buffer
		require.NoError(t, WriteSafetensors(&buf, d, map[string]string{"pad": strings.Repeat("p", pad)}))
		n := int(binary.LittleEndian.Uint64(buf.Bytes()))
		if seen[n] || n > 1024 {
			continue
		}
		seen[n] = true
		path := filepath.Join(dir, "x.safetensors")
		require.NoError(t, SaveSafetensors(path, d, map[string]string{"pad": strings.Repeat("p", pad)}))
		got := DetectFormat(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		require.Equal(t, FormatSafetensors, got, "header of %d bytes", n)
		back, _, err := LoadSafetensors(path)
		require.NoError(t, err, "header of %d bytes", n)
		require.Equal(t, 1, back.Len())
		_, err = Load(path)
		require.ErrorContains(t, err, "use LoadSafetensors", "header of %d bytes", n)
	}
	require.True(t, seen[128] && seen[384] && seen[640] && seen[896], "headers of 128, 384, 640 and 896 bytes were tried")

	// Legacy and zip files are still told apart from safetensors.
	for file, want := range map[string]Format{
		"legacy_state_dict.pt": FormatLegacy,
		"mlp_state_dict.pt":    FormatZip,
		"model.safetensors":    FormatSafetensors,
	} {
		b, err := os.ReadFile(filepath.Join("testdata", file))
		require.NoError(t, err)
		require.Equal(t, want, DetectFormat(bytes.NewReader(b), int64(len(b))), file)
	}
	// A safetensors header whose length spells the zip signature.
	zipLike := binary.LittleEndian.AppendUint64(nil, 0x04034b50)
	zipLike = append(zipLike, '{')
	zipLike = append(zipLike, make([]byte, 0x04034b50-1)...)
	require.Equal(t, FormatSafetensors, DetectFormat(bytes.NewReader(zipLike), int64(len(zipLike))))
}
