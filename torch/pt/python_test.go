package pt

import (
	"bytes"
	"encoding/json"
	"math"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
)

// The live tests hand files written here to PyTorch. They need
// /usr/bin/python3 with torch (Debian's python3-torch) and skip, saying
// why, without it.

// pythonPath is the PyTorch peer's interpreter (set by requireTorch).
var pythonPath string

// requireTorch finds the PyTorch peer through pyref: the test is skipped,
// with the reason, when it is missing, and fails under CI.
func requireTorch(t *testing.T) {
	t.Helper()
	pythonPath = pyref.Python(t)
}

// pyJob asks the Python side to load one file.
type pyJob struct {
	Path string `json:"path"`
	// Kind is "pt" or "safetensors".
	Kind string `json:"kind"`
	// Safe13 and Safe2: whether weights_only=True must work on torch 1.13
	// and on torch >= 2.
	Safe13 bool `json:"safe13"`
	Safe2  bool `json:"safe2"`
	// Original is a file torch wrote that Path must equal, if set.
	Original string `json:"original,omitempty"`
	// Module names a model whose load_state_dict(strict=True) must accept
	// the file, if set.
	Module string `json:"module,omitempty"`
}

type pyResult struct {
	Path             string                     `json:"path"`
	Error            string                     `json:"error"`
	Type             string                     `json:"type"`
	WeightsOnly      bool                       `json:"weights_only"`
	Tensors          []expectedTensor           `json:"tensors"`
	Values           map[string]json.RawMessage `json:"values"`
	Signature        []string                   `json:"signature"`
	Storages         []int                      `json:"storages"`
	Metadata         json.RawMessage            `json:"metadata"`
	OriginalSame     *bool                      `json:"original_same"`
	OriginalMismatch string                     `json:"original_mismatch"`
	LoadStateDict    string                     `json:"load_state_dict"`
	TorchVersion     string                     `json:"torch_version"`
}

// pyScript loads the files of the jobs read from stdin and describes them
// with the flatten of scripts/gen_pt_fixtures.py.
const pyScript = `
import collections, json, sys, traceback
sys.path.insert(0, sys.argv[1])
import torch
import gen_pt_fixtures as g

major = int(torch.__version__.split(".")[0])

def signature(v, path=""):
    if isinstance(v, torch.Tensor):
        return ["%s tensor param=%d grad=%d" % (path, isinstance(v, torch.nn.Parameter), v.requires_grad)]
    out = []
    if isinstance(v, dict):
        out.append("%s %s" % (path, type(v).__name__))
        for k, x in v.items():
            out += signature(x, path + "/" + g.key_string(k))
    elif isinstance(v, (list, tuple)) and not isinstance(v, torch.Size):
        out.append("%s %s" % (path, type(v).__name__))
        for i, x in enumerate(v):
            out += signature(x, path + "/" + str(i))
    else:
        n = type(v).__name__
        n = {"NoneType": "None", "Size": "torch.Size", "device": "torch.device", "dtype": "torch.dtype"}.get(n, n)
        out.append("%s %s" % (path, n))
    return out

def storages(v):
    """Index of the storage of each tensor, in flatten order."""
    ptrs, out = [], []
    def walk(v):
        if isinstance(v, torch.Tensor):
            p = v.storage().data_ptr() if v.numel() else None
            if p is None:
                out.append(-1)
                return
            if p not in ptrs:
                ptrs.append(p)
            out.append(ptrs.index(p))
        elif isinstance(v, dict):
            for x in v.values(): walk(x)
        elif isinstance(v, (list, tuple)) and not isinstance(v, torch.Size):
            for x in v: walk(x)
    walk(v)
    return out

def describe(v):
    tensors, values = [], {}
    g.flatten(v, "", tensors, values)
    return tensors, values

def model(name):
    if name == "mlp_bn":
        return torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2))
    raise ValueError(name)

def safetensors_load(path):
    import struct
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", None)
    dtypes = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "BF16": torch.bfloat16,
              "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8,
              "U8": torch.uint8, "BOOL": torch.bool}
    data = raw[8 + n:]
    out = collections.OrderedDict()
    for name, e in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
        b, end = e["data_offsets"]
        dt = dtypes[e["dtype"]]
        chunk = bytearray(data[b:end])
        t = torch.frombuffer(chunk, dtype=dt) if chunk else torch.empty(0, dtype=dt)
        out[name] = t.reshape(e["shape"])
    return out, meta

results = []
for job in json.load(sys.stdin):
    r = {"path": job["path"], "torch_version": torch.__version__}
    try:
        if job["kind"] == "safetensors":
            v, meta = safetensors_load(job["path"])
            r["metadata"] = meta
        else:
            strict = job["safe2"] if major >= 2 else job["safe13"]
            try:
                v = torch.load(job["path"], weights_only=True)
                r["weights_only"] = True
            except Exception:
                if strict:
                    raise
                v = torch.load(job["path"], weights_only=False)
            r["metadata"] = json.loads(json.dumps(getattr(v, "_metadata", None), default=str))
        r["type"] = type(v).__name__
        r["tensors"], r["values"] = describe(v)
        r["signature"] = signature(v)
        r["storages"] = storages(v)
        if job.get("original"):
            o = torch.load(job["original"], weights_only=False)  # our own fixture; 2.6 defaults to weights_only=True
            ot, ov = describe(o)
            same = {"tensors": ot == r["tensors"], "values": json.dumps(ov, sort_keys=True) == json.dumps(r["values"], sort_keys=True),
                    "signature": signature(o) == r["signature"], "storages": storages(o) == r["storages"],
                    "metadata": getattr(o, "_metadata", None) == getattr(v, "_metadata", None)}
            r["original_same"] = all(same.values())
            r["original_mismatch"] = ",".join(k for k, ok in same.items() if not ok)
            if not same["signature"]:
                r["original_mismatch"] += ": " + str([a for a in zip(signature(o), r["signature"]) if a[0] != a[1]][:3])
        if job.get("module"):
            m = model(job["module"])
            m.load_state_dict(v, strict=True)
            mt, _ = describe(m.state_dict())
            r["load_state_dict"] = "ok" if mt == r["tensors"] else "state_dict() differs after loading"
    except Exception as e:
        r["error"] = "".join(traceback.format_exception_only(type(e), e)).strip()
    results.append(r)
json.dump(results, sys.stdout)
`

// runPython runs pyScript on the jobs.
func runPython(t *testing.T, jobs []pyJob) []pyResult {
	t.Helper()
	in, err := json.Marshal(jobs)
	require.NoError(t, err)
	scripts, err := filepath.Abs(filepath.Join("..", "..", "scripts"))
	require.NoError(t, err)
	cmd := exec.Command(pythonPath, "-c", pyScript, scripts)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, stderr.String())
	var res []pyResult
	require.NoError(t, json.Unmarshal(out, &res), string(out))
	require.Len(t, res, len(jobs))
	for _, r := range res {
		require.Empty(t, r.Error, r.Path)
	}
	return res
}

// checkDescribed compares Python's description of a file with Go's of the
// value that was saved.
func checkDescribed(t *testing.T, v any, r pyResult) {
	t.Helper()
	ts, vals := describe(t, v)
	require.Equal(t, ts, normShapes(r.Tensors), r.Path)
	got := make(map[string]any)
	for k, raw := range r.Values {
		got[k] = normJSON(t, raw)
	}
	require.Equal(t, vals, got, r.Path)
}

// testBytes returns n deterministic bytes.
func testBytes(n int, seed byte) []byte {
	b := make([]byte, n)
	x := uint32(seed) + 1
	for i := range b {
		x = x*1664525 + 1013904223
		b[i] = byte(x >> 24)
	}
	return b
}

func mustTensor(t testing.TB, d DType, shape []int64, data []byte) *Tensor {
	t.Helper()
	x, err := NewTensor(d, shape, data)
	require.NoError(t, err)
	return x
}

// f32 encodes float32 values.
func f32(vals ...float32) []byte {
	var b []byte
	for _, v := range vals {
		bits := math.Float32bits(v)
		b = append(b, byte(bits), byte(bits>>8), byte(bits>>16), byte(bits>>24))
	}
	return b
}

// goFiles builds the values the live test saves, with the jobs for them.
func goFiles(t *testing.T, dir string) (map[string]any, []pyJob) {
	values := map[string]any{}
	var jobs []pyJob
	add := func(name string, v any, safe13, safe2 bool, module string) {
		path := filepath.Join(dir, name)
		require.NoError(t, Save(path, v))
		values[path] = v
		jobs = append(jobs, pyJob{Path: path, Kind: "pt", Safe13: safe13, Safe2: safe2, Module: module})
	}

	dtypes := NewOrderedDict()
	for d := Float32; d < numDTypes; d++ {
		data := testBytes(6*d.ElementSize(), byte(d))
		if d == Bool {
			for i := range data {
				data[i] &= 1
			}
		}
		dtypes.MustSet(d.String(), mustTensor(t, d, []int64{2, 3}, data))
	}
	dtypes.MustSet("scalar", mustTensor(t, Int64, nil, testBytes(8, 99)))
	dtypes.MustSet("empty", mustTensor(t, Float32, []int64{0, 4}, nil))
	add("dtypes.pt", dtypes, true, true, "")

	base := mustTensor(t, Float32, []int64{4, 5}, testBytes(80, 7))
	views := NewOrderedDict()
	views.MustSet("transposed_tail", &Tensor{Storage: base.Storage, Offset: 6, Shape: []int64{4, 3}, Stride: []int64{1, 5}})
	views.MustSet("every_other", &Tensor{Storage: base.Storage, Offset: 1, Shape: []int64{2, 2}, Stride: []int64{10, 2}})
	views.MustSet("broadcast", &Tensor{Storage: base.Storage, Offset: 3, Shape: []int64{3, 2}, Stride: []int64{0, 1}})
	views.MustSet("base", base)
	add("views.pt", views, true, true, "")

	nested := NewDict()
	inner := NewOrderedDict()
	inner.MustSet("w", mustTensor(t, Float64, []int64{3}, testBytes(24, 3)))
	nested.MustSet("model", inner)
	nested.MustSet("list", []any{mustTensor(t, Int32, []int64{2}, testBytes(8, 4)), int64(3), "s", true, nil, Tuple{int64(1), int64(-2)}})
	deep := NewDict()
	deep.MustSet("b", []any{mustTensor(t, Uint8, []int64{1, 2}, []byte{1, 2})})
	a := NewDict()
	a.MustSet("a", deep)
	nested.MustSet("nested", a)
	nested.MustSet("empty_list", []any{})
	nested.MustSet("empty_dict", NewDict())
	nested.MustSet("empty_ordered", NewOrderedDict())
	nested.MustSet(int64(7), "int key")
	nested.MustSet("size", Size{2, 3})
	nested.MustSet("big", int64(-1)<<40)
	nested.MustSet("param", &Tensor{Storage: base.Storage, Shape: []int64{5}, Stride: []int64{1}, IsParameter: true, RequiresGrad: true})
	nested.MustSet("grad", &Tensor{Storage: base.Storage, Shape: []int64{5}, Stride: []int64{1}, RequiresGrad: true})
	add("nested.pt", nested, true, true, "")

	floats := NewDict()
	floats.MustSet("lr", 0.1)
	floats.MustSet("betas", Tuple{0.9, 0.999})
	floats.MustSet("nan", math.NaN())
	floats.MustSet("neg_inf", math.Inf(-1))
	floats.MustSet("complex", complex(1.5, -2))
	floats.MustSet("bytes", []byte{0, 255})
	floats.MustSet("set", Set{int64(1), int64(2)})
	floats.MustSet("frozenset", FrozenSet{"x"})
	floats.MustSet("dtype", BFloat16)
	floats.MustSet("device", Device("cuda:1"))
	floats.MustSet("w", mustTensor(t, Float32, []int64{2}, f32(1, 2)))
	add("floats.pt", floats, false, false, "")

	// The state_dict() of Sequential(Linear(3, 4), BatchNorm1d(4), Linear(4, 2)).
	sd := NewOrderedDict()
	sd.MustSet("0.weight", mustTensor(t, Float32, []int64{4, 3}, testBytes(48, 10)))
	sd.MustSet("0.bias", mustTensor(t, Float32, []int64{4}, testBytes(16, 11)))
	sd.MustSet("1.weight", mustTensor(t, Float32, []int64{4}, f32(1, 1, 1, 1)))
	sd.MustSet("1.bias", mustTensor(t, Float32, []int64{4}, f32(0, 0, 0, 0)))
	sd.MustSet("1.running_mean", mustTensor(t, Float32, []int64{4}, f32(0.5, -0.5, 0.25, 0)))
	sd.MustSet("1.running_var", mustTensor(t, Float32, []int64{4}, f32(1, 2, 3, 4)))
	sd.MustSet("1.num_batches_tracked", mustTensor(t, Int64, nil, []byte{5, 0, 0, 0, 0, 0, 0, 0}))
	sd.MustSet("2.weight", mustTensor(t, Float32, []int64{2, 4}, testBytes(32, 12)))
	sd.MustSet("2.bias", mustTensor(t, Float32, []int64{2}, testBytes(8, 13)))
	meta := NewOrderedDict()
	for _, k := range []string{"", "0", "1", "2"} {
		v := NewDict()
		v.MustSet("version", int64(1))
		if k == "1" {
			v.MustSet("version", int64(2))
		}
		meta.MustSet(k, v)
	}
	sd.Attrs = NewDict()
	sd.Attrs.MustSet("_metadata", meta)
	add("mlp_bn.pt", sd, true, true, "mlp_bn")
	return values, jobs
}

// TestPythonLoadsGoFiles saves files in Go and checks what torch.load
// (weights_only=True wherever the torch version allows) makes of them.
func TestPythonLoadsGoFiles(t *testing.T) {
	requireTorch(t)
	dir := t.TempDir()
	values, jobs := goFiles(t, dir)

	st := NewOrderedDict()
	for i, name := range []string{"a", "b", "c"} {
		st.MustSet(name, mustTensor(t, []DType{Float32, BFloat16, Bool}[i], []int64{2}, []byte{1, 0, 0, 0, 1, 0, 0, 0}[:2*[]int{4, 2, 1}[i]]))
	}
	stPath := filepath.Join(dir, "go.safetensors")
	require.NoError(t, SaveSafetensors(stPath, st, map[string]string{"k": "v"}))
	jobs = append(jobs, pyJob{Path: stPath, Kind: "safetensors"})

	for _, r := range runPython(t, jobs) {
		if r.Path == stPath {
			back, _, err := LoadSafetensors(stPath)
			require.NoError(t, err)
			checkDescribed(t, back, r)
			require.JSONEq(t, `{"k":"v"}`, string(r.Metadata))
			continue
		}
		v := values[r.Path]
		checkDescribed(t, v, r)
		require.Equal(t, goSignature(v), pySignature(r.Signature), r.Path)
		base := filepath.Base(r.Path)
		if base != "floats.pt" {
			require.True(t, r.WeightsOnly, "%s must load with weights_only=True", r.Path)
		}
		switch base {
		case "mlp_bn.pt", "dtypes.pt", "views.pt":
			require.Equal(t, "OrderedDict", r.Type, r.Path)
		case "nested.pt", "floats.pt":
			require.Equal(t, "dict", r.Type, r.Path)
		}
		if base == "mlp_bn.pt" {
			require.Equal(t, "ok", r.LoadStateDict)
			require.JSONEq(t, `{"": {"version": 1}, "0": {"version": 1}, "1": {"version": 2}, "2": {"version": 1}}`, string(r.Metadata))
		}
		if base == "views.pt" {
			require.Equal(t, []int{0, 0, 0, 0}, r.Storages, "views share one storage in Python too")
		}
	}
}

// goSignature is sameTypes without the attrs flags Python does not show.
func goSignature(v any) []string {
	out := sameTypes(v)
	for i, s := range out {
		out[i] = strings.Replace(strings.Replace(s, " attrs=0", "", 1), " attrs=1", "", 1)
	}
	return out
}

// pySignature converts the Python type signature to sameTypes' form.
func pySignature(sig []string) []string {
	out := make([]string, len(sig))
	for i, s := range sig {
		s = strings.Replace(s, " OrderedDict", " dict plain=0", 1)
		s = strings.Replace(s, " dict", " dict plain=1", 1)
		s = strings.Replace(s, "plain=1 plain=0", "plain=0", 1)
		out[i] = s
	}
	return out
}

// TestPythonRoundTripFixtures re-saves every fixture in Go and checks with
// torch that the copy equals the original: values, tensor hashes, Python
// types, storage sharing and state_dict metadata.
func TestPythonRoundTripFixtures(t *testing.T) {
	requireTorch(t)
	dir := t.TempDir()
	var jobs []pyJob
	for _, e := range goodFixtures(t) {
		orig := filepath.Join("testdata", e.File)
		v, err := Load(orig)
		require.NoError(t, err)
		path := filepath.Join(dir, e.File)
		require.NoError(t, Save(path, v))
		jobs = append(jobs, pyJob{Path: path, Kind: "pt", Original: orig, Safe13: torch113Safe(t, v), Safe2: false})
	}
	for _, r := range runPython(t, jobs) {
		require.NotNil(t, r.OriginalSame, r.Path)
		require.True(t, *r.OriginalSame, "%s differs from the original in: %s", r.Path, r.OriginalMismatch)
	}
}

// torch113Safe reports whether torch 1.13's weights_only loader can read v
// once saved: no floats, complex numbers, bytes, sets, dtypes or devices.
func torch113Safe(t testing.TB, v any) bool {
	_, values, err := Flatten(v)
	require.NoError(t, err)
	for _, nv := range values {
		switch x := nv.Value.(type) {
		case nil, bool, int64, string, Size:
		case []any:
			if len(x) != 0 {
				return false
			}
		case Tuple:
			if len(x) != 0 {
				return false
			}
		case *OrderedDict:
		default:
			return false
		}
	}
	return true
}
