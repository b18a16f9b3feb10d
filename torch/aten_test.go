package torch

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
)

// aten_gen.go is what scripts/gen_aten.py makes from the installed
// native_functions.yaml and this package's hand-written names.
func TestAtenGenIsCurrent(t *testing.T) {
	pyref.RequireVersion(t, "1.13", "", "aten_gen.go is generated from torch 1.13's native_functions.yaml, the API both releases get")
	py := pyref.Python(t)
	out := filepath.Join(t.TempDir(), "aten_gen.go")
	cmd := exec.Command(py, "../scripts/gen_aten.py", out, ".")
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", b)
	want, err := os.ReadFile(out)
	require.NoError(t, err)
	got, err := os.ReadFile("aten_gen.go")
	require.NoError(t, err)
	require.True(t, string(want) == string(got), "torch/aten_gen.go is stale: run go generate ./torch")
}

// The generated wrappers that ports of pytorch/examples missed equal
// Python's ops bit for bit, with defaults and optional fields.
func TestGeneratedOpsMatchPyTorch(t *testing.T) {
	cases := []struct {
		py  string
		got func(in map[string]*Tensor) *Tensor
	}{
		{"a.tril()", func(in map[string]*Tensor) *Tensor { return in["a"].Tril() }},
		{"a.triu(1)", func(in map[string]*Tensor) *Tensor { return in["a"].Triu(TriuOpts{Diagonal: 1}) }},
		{"a.t()", func(in map[string]*Tensor) *Tensor { return in["a"].T().Contiguous() }},
		{"torch.dot(v, v)", func(in map[string]*Tensor) *Tensor { return in["v"].Dot(in["v"]) }},
		{"a.view_as(b.reshape(4, 3))", func(in map[string]*Tensor) *Tensor { return in["a"].ViewAs(in["b"].Reshape(4, 3)) }},
		{"a.new_zeros((2, 3))", func(in map[string]*Tensor) *Tensor { return in["a"].NewZeros([]int64{2, 3}) }},
		{"a.new_zeros((2,), dtype=torch.int64)", func(in map[string]*Tensor) *Tensor {
			dt := Int64
			return in["a"].NewZeros([]int64{2}, NewZerosOpts{Dtype: &dt})
		}},
		{"torch.unsafe_chunk(a, 2, 1)[1]", func(in map[string]*Tensor) *Tensor {
			return in["a"].UnsafeChunk(2, UnsafeChunkOpts{Dim: 1})[1].Contiguous()
		}},
		{"a.reshape(1,3,4).baddbmm(a.reshape(1,3,4), w[:, :4].reshape(1,4,4), beta=0.5, alpha=2)", func(in map[string]*Tensor) *Tensor {
			x := in["a"].Reshape(1, 3, 4)
			w := in["w"].Narrow(1, 0, 4).Reshape(1, 4, 4)
			return x.Baddbmm(x, w, BaddbmmOpts{Beta: 0.5, Alpha: 2})
		}},
		{"torch.multinomial(p[0], 3, generator=torch.Generator().manual_seed(3))", func(in map[string]*Tensor) *Tensor {
			return in["p"].Select(0, 0).Multinomial(3, MultinomialOpts{Generator: NewGenerator(3)})
		}},
		{"torch.multinomial(p[0], 8, True, generator=torch.Generator().manual_seed(4))", func(in map[string]*Tensor) *Tensor {
			return in["p"].Select(0, 0).Multinomial(8, MultinomialOpts{Replacement: true, Generator: NewGenerator(4)})
		}},
		{"torch.logaddexp(a, b)", func(in map[string]*Tensor) *Tensor { return in["a"].Logaddexp(in["b"]) }},
		{"torch.histc(a, bins=5)", func(in map[string]*Tensor) *Tensor { return in["a"].Histc(HistcOpts{Bins: ptr[int64](5)}) }},
		{"torch.histc(a, bins=4, min=-1, max=1)", func(in map[string]*Tensor) *Tensor {
			return in["a"].Histc(HistcOpts{Bins: ptr[int64](4), Min: -1, Max: 1})
		}},
		{"torch.cumprod(a, 1, dtype=torch.float64)", func(in map[string]*Tensor) *Tensor {
			return in["a"].Cumprod(1, CumprodOpts{Dtype: ptr(Float64)})
		}},
		{"torch.roll(a, [1, -1], [0, 1])", func(in map[string]*Tensor) *Tensor {
			return in["a"].Roll([]int64{1, -1}, RollOpts{Dims: []int64{0, 1}})
		}},
	}
	script := inputsPy + "\nres = []\n"
	for _, c := range cases {
		script += "res.append(enc(" + c.py + "))\n"
	}
	script += "out(res)\n"
	var want []pyref.Tensor
	pyref.Run(t, script, nil, &want)
	in := inputs()
	for i, c := range cases {
		requireSameTensor(t, want[i], c.got(in), c.py)
	}
}

func ptr[T any](v T) *T { return &v }
