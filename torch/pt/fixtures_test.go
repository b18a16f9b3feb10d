package pt

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// expectedFile is the JSON description scripts/gen_pt_fixtures.py writes
// next to each fixture.
type expectedFile struct {
	File          string                     `json:"file"`
	Format        string                     `json:"format"`
	Tensors       []expectedTensor           `json:"tensors"`
	Values        map[string]json.RawMessage `json:"values"`
	ErrorContains string                     `json:"error_contains"`
}

type expectedTensor struct {
	Key    string  `json:"key"`
	DType  string  `json:"dtype"`
	Shape  []int64 `json:"shape"`
	SHA256 string  `json:"sha256"`
}

// fixtures returns the parsed expectation files of testdata.
func fixtures(t testing.TB) []expectedFile {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, paths, "no fixtures: run /usr/bin/python3 scripts/gen_pt_fixtures.py")
	var out []expectedFile
	for _, p := range paths {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		var e expectedFile
		require.NoError(t, json.Unmarshal(b, &e), p)
		out = append(out, e)
	}
	return out
}

// loadAny loads a fixture with the loader its extension calls for.
func loadAny(path string) (any, error) {
	if strings.HasSuffix(path, ".safetensors") {
		d, _, err := LoadSafetensors(path)
		if err != nil {
			return nil, err
		}
		return d, nil
	}
	return Load(path)
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// normJSON decodes JSON with integers kept exact, for comparisons.
func normJSON(t testing.TB, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v))
	return normNumbers(v)
}

func normNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		// Integers and floats stay distinct: Python writes 2.0 for a float.
		if !strings.ContainsAny(string(x), ".eE") {
			if i, err := x.Int64(); err == nil {
				return i
			}
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = normNumbers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = normNumbers(x[k])
		}
	}
	return v
}

// describe flattens a loaded value the way the expectation files do.
func describe(t testing.TB, v any) ([]expectedTensor, map[string]any) {
	t.Helper()
	tensors, values, err := Flatten(v)
	require.NoError(t, err)
	var ts []expectedTensor
	for _, nt := range tensors {
		require.NoError(t, nt.Tensor.Validate(), nt.Name)
		shape := nt.Tensor.Shape
		if shape == nil {
			shape = []int64{}
		}
		ts = append(ts, expectedTensor{nt.Name, nt.Tensor.DType().String(), shape, sha256Hex(nt.Tensor.Contiguous())})
	}
	vals := make(map[string]any)
	for _, nv := range values {
		b, err := json.Marshal(JSONValue(nv.Value))
		require.NoError(t, err, nv.Name)
		vals[nv.Name] = normJSON(t, b)
	}
	return ts, vals
}

func expectedValues(t testing.TB, e expectedFile) map[string]any {
	vals := make(map[string]any)
	for k, raw := range e.Values {
		vals[k] = normJSON(t, raw)
	}
	return vals
}

func normShapes(ts []expectedTensor) []expectedTensor {
	for i := range ts {
		if ts[i].Shape == nil {
			ts[i].Shape = []int64{}
		}
	}
	return ts
}

// TestFixtures loads every fixture and compares it with what PyTorch said
// about it when the fixture was generated.
func TestFixtures(t *testing.T) {
	for _, e := range fixtures(t) {
		t.Run(e.File, func(t *testing.T) {
			path := filepath.Join("testdata", e.File)
			v, err := loadAny(path)
			if e.ErrorContains != "" {
				require.Error(t, err)
				require.Contains(t, err.Error(), e.ErrorContains)
				require.NotContains(t, err.Error(), "\n")
				require.True(t, strings.HasPrefix(err.Error(), "pt: "), err.Error())
				return
			}
			require.NoError(t, err)
			f, err := os.Open(path)
			require.NoError(t, err)
			defer f.Close()
			st, _ := f.Stat()
			require.Equal(t, e.Format, DetectFormat(f, st.Size()).String())

			ts, vals := describe(t, v)
			require.Equal(t, normShapes(e.Tensors), ts)
			require.Equal(t, expectedValues(t, e), vals)
		})
	}
}

// TestFixtureDetails checks what the hashes cannot: storage sharing, view
// geometry, OrderedDict versus dict, parameters and metadata.
func TestFixtureDetails(t *testing.T) {
	v, err := Load("testdata/shared.pt")
	require.NoError(t, err)
	d := v.(*OrderedDict)
	require.False(t, d.Plain)
	get := func(d *OrderedDict, k any) *Tensor {
		x, ok := d.Get(k)
		require.True(t, ok, k)
		return x.(*Tensor)
	}
	emb, dec, decT, row := get(d, "embedding.weight"), get(d, "decoder.weight"), get(d, "decoder.weight_t"), get(d, "first_row")
	require.Same(t, emb, dec, "the same tensor object twice stays one *Tensor")
	require.Same(t, emb.Storage, decT.Storage)
	require.Same(t, emb.Storage, row.Storage)
	require.Equal(t, []int64{1, 2}, decT.Stride)

	for _, name := range []string{"views.pt", "legacy_views.pt"} {
		v, err = Load("testdata/" + name)
		require.NoError(t, err)
		d = v.(*OrderedDict)
		base := get(d, "base")
		for _, k := range []string{"transposed", "rows_1_3", "col_2", "every_other", "narrow_tail", "scalar_of_view"} {
			require.Same(t, base.Storage, get(d, k).Storage, "%s %s", name, k)
		}
		require.Equal(t, int64(5), get(d, "rows_1_3").Offset)
		require.Equal(t, []int64{10, 2}, get(d, "every_other").Stride)
		require.Equal(t, []int64{0, 1}, get(d, "expanded").Stride)
		require.Equal(t, int64(13), get(d, "scalar_of_view").Offset)
		require.Empty(t, get(d, "scalar_of_view").Shape)
	}

	v, err = Load("testdata/mlp_state_dict.pt")
	require.NoError(t, err)
	d = v.(*OrderedDict)
	require.False(t, d.Plain)
	require.NotNil(t, d.Attrs)
	meta, ok := d.Attrs.Get("_metadata")
	require.True(t, ok)
	bn, ok := meta.(*OrderedDict).Get("2")
	require.True(t, ok)
	ver, _ := bn.(*OrderedDict).Get("version")
	require.Equal(t, int64(2), ver)
	nbt := get(d, "2.num_batches_tracked")
	require.Equal(t, Int64, nbt.DType())
	require.Empty(t, nbt.Shape)
	require.Equal(t, int64(1), nbt.Numel())

	for _, name := range []string{"checkpoint.pt", "checkpoint_protocol4.pt", "checkpoint_protocol5.pt", "legacy_checkpoint.pt"} {
		v, err = Load("testdata/" + name)
		require.NoError(t, err)
		d = v.(*OrderedDict)
		require.True(t, d.Plain, name)
		p := get(d, "param")
		require.True(t, p.IsParameter, name)
		require.True(t, p.RequiresGrad, name)
		require.False(t, get(d, "scalar").IsParameter)
		x, _ := d.Get(int64(3))
		require.Equal(t, "int key", x, name)
		x, _ = d.Get("set")
		require.Equal(t, Set{int64(1), int64(2), int64(3)}, x, name)
		x, _ = d.Get("frozenset")
		require.Equal(t, FrozenSet{"a"}, x, name)
		x, _ = d.Get("dtype")
		require.Equal(t, Float16, x, name)
		x, _ = d.Get("size")
		require.Equal(t, Size{2, 3}, x, name)
		x, _ = d.Get("device")
		require.Equal(t, Device("cpu"), x, name)
		x, _ = d.Get("complex")
		require.Equal(t, complex(1.5, -2), x, name)
		x, _ = d.Get("bytes")
		require.Equal(t, []byte{0, 1, 0xfe}, x, name)
		x, _ = d.Get("bytearray")
		require.Equal(t, ByteArray("ab"), x, name)
		hp, _ := d.Get("hyper_parameters")
		betas, _ := hp.(*OrderedDict).Get("betas")
		require.Equal(t, Tuple{0.9, 0.999}, betas, name)
		sd, _ := d.Get("state_dict")
		require.False(t, sd.(*OrderedDict).Plain, name)
	}
}

// TestErrorsAreTyped checks the sentinel errors of the refused fixtures.
func TestErrorsAreTyped(t *testing.T) {
	_, err := Load("testdata/bad_eval.pt")
	require.ErrorIs(t, err, ErrForbiddenGlobal)
	require.Regexp(t, `^pt: forbidden global "builtins.eval" in data.pkl \(byte \d+\)$`, err.Error())
	_, err = Load("testdata/bad_torchscript.pt")
	require.ErrorIs(t, err, ErrTorchScript)
	_, err = Load("testdata/bad_legacy_truncated.pt")
	require.ErrorIs(t, err, ErrTruncated)
	_, _, err = LoadSafetensors("testdata/mlp_state_dict.pt")
	require.Error(t, err)
	_, err = Load("testdata/model.safetensors")
	require.ErrorContains(t, err, "use LoadSafetensors")
	_, err = Load("testdata/does-not-exist.pt")
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestSafetensorsFixtureMetadata(t *testing.T) {
	d, meta, err := LoadSafetensors("testdata/model.safetensors")
	require.NoError(t, err)
	require.Equal(t, map[string]string{"format": "pt", "note": "hand-written"}, meta)
	require.True(t, reflect.DeepEqual(d.Keys()[:2], []any{"a.weight", "a.bias"}))
}
