package reprfmt

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// randomShape returns a random shape; some are empty, some large enough to
// be summarized.
func randomShape(r *rand.Rand) []int64 {
	ndim := r.IntN(5)
	shape := make([]int64, ndim)
	for d := range shape {
		switch p := r.Float64(); {
		case p < 0.05:
			shape[d] = 0
		case p < 0.15:
			shape[d] = 1
		default:
			shape[d] = int64(1 + r.IntN(9))
		}
	}
	if ndim >= 1 && r.IntN(6) == 0 {
		// Large enough to summarize (numel > 1000) in some cases.
		shape[r.IntN(ndim)] = int64(200 + r.IntN(1300))
	}
	if n, _ := numel(shape); n > 20000 {
		return []int64{int64(1 + r.IntN(30))}
	}
	return shape
}

// randomFloat returns a value of the given magnitude, sometimes an integer,
// a special value or a signed zero.
func randomFloat(r *rand.Rand, scale float64, ints bool) float64 {
	switch p := r.Float64(); {
	case p < 0.02:
		return math.NaN()
	case p < 0.03:
		return math.Inf(1)
	case p < 0.04:
		return math.Inf(-1)
	case p < 0.06:
		return math.Copysign(0, -1)
	case p < 0.08:
		return 0
	}
	v := (r.Float64()*2 - 1) * scale
	if ints {
		v = math.Round(v)
	}
	return v
}

// randomTensor returns a random tensor of a random dtype.
func randomTensor(r *rand.Rand) Tensor {
	names := []string{"float32", "float64", "float16", "bfloat16", "int8", "int16",
		"int32", "int64", "uint8", "bool", "complex64", "complex128"}
	t := Tensor{DType: names[r.IntN(len(names))], Shape: randomShape(r)}
	n, _ := numel(t.Shape)
	scale := math.Pow(10, -9+r.Float64()*21) // 1e-9 .. 1e12
	if t.DType == "float16" {
		scale = math.Pow(10, -7+r.Float64()*11)
	}
	ints := r.IntN(3) == 0
	info := dtypes[t.DType]
	switch info.kind {
	case kindFloat:
		t.Floats = make([]float64, n)
		for i := range t.Floats {
			t.Floats[i] = randomFloat(r, scale, ints)
		}
	case kindComplex:
		t.Complex = make([]complex128, n)
		for i := range t.Complex {
			t.Complex[i] = complex(randomFloat(r, scale, ints), randomFloat(r, scale, ints))
		}
	case kindInt:
		lo, hi := info.minInt, info.maxInt
		if r.IntN(2) == 0 { // mostly small values, sometimes the full range
			lo, hi = max(lo, -int64(r.IntN(2000))), min(hi, int64(r.IntN(2000)))
		}
		t.Ints = make([]int64, n)
		for i := range t.Ints {
			if span := uint64(hi-lo) + 1; span == 0 { // the full int64 range
				t.Ints[i] = int64(r.Uint64())
			} else {
				t.Ints[i] = lo + int64(r.Uint64N(span))
			}
		}
	case kindBool:
		t.Bools = make([]bool, n)
		for i := range t.Bools {
			t.Bools[i] = r.IntN(2) == 0
		}
	}
	if info.kind == kindFloat || info.kind == kindComplex {
		switch r.IntN(6) {
		case 0:
			t.RequiresGrad = true
		case 1:
			// Add and Mul would change complex values (inf * 1 has a nan part).
			ops := []string{"CloneBackward0", "ViewBackward0", "AddBackward0", "MulBackward0"}
			if info.kind == kindComplex {
				ops = ops[:2]
			}
			t.GradFn = ops[r.IntN(len(ops))]
		}
	}
	return t
}

// TestReprRandomMatchesPyTorch compares 300 random tensors with PyTorch in
// one oracle run. Set REPRFMT_SEED to reproduce or vary the draw.
func TestReprRandomMatchesPyTorch(t *testing.T) {
	seed := uint64(20240613)
	if s := os.Getenv("REPRFMT_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		require.NoError(t, err)
		seed = v
	}
	r := rand.New(rand.NewPCG(seed, 1))
	tensors := make([]Tensor, 300)
	for i := range tensors {
		tensors[i] = randomTensor(r)
	}
	results := runOracle(t, tensors)
	for i, res := range results {
		tt := tensors[i]
		t.Run(fmt.Sprintf("%03d_%s_%v", i, tt.DType, tt.Shape), func(t *testing.T) {
			require.Empty(t, res.Error, "oracle could not build the tensor (seed %d)", seed)
			in, err := withOracleValues(tt, res)
			require.NoError(t, err)
			got, err := Repr(in)
			require.NoError(t, err)
			assert.Equal(t, res.Repr, got, "seed %d", seed)
		})
	}
}
