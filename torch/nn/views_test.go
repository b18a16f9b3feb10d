package nn

import (
	"encoding/binary"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/childtest"
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/pt"
)

// view is a float32 tensor over a storage of n elements valued 7, 8, ...
func view(n int64, shape, stride []int64) *pt.Tensor {
	data := make([]byte, 4*n)
	for i := int64(0); i < n; i++ {
		binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(float32(7+i)))
	}
	return &pt.Tensor{Storage: &pt.Storage{DType: pt.Float32, Data: data, Device: "cpu"}, Shape: shape, Stride: stride}
}

func saveDict(t *testing.T, entries ...any) string {
	t.Helper()
	d := pt.NewOrderedDict()
	for i := 0; i < len(entries); i += 2 {
		d.MustSet(entries[i].(string), entries[i+1])
	}
	path := filepath.Join(t.TempDir(), "views.pt")
	require.NoError(t, pt.Save(path, d))
	return path
}

// A file holding an expanded view ([2^40] over one element, stride 0) or an
// overlapping one ([2^20, 2^20] with strides (1, 1)) is 523 bytes to a few
// MB; loading it used to materialise the logical size and die of
// "runtime: out of memory". Load now checks names and shapes first, and
// torch.FromPT keeps views as views, so memory follows the storage.
func TestLoadHostileViewsCostTheirStorage(t *testing.T) {
	cases := []struct {
		name   string
		tensor func() *pt.Tensor
	}{
		{"expanded 2^40", func() *pt.Tensor { return view(1, []int64{1 << 40}, []int64{0}) }},
		{"expanded 2^28", func() *pt.Tensor { return view(1, []int64{1 << 28}, []int64{0}) }},
		{"overlapping 2^20x2^20", func() *pt.Tensor { return view(1<<21-1, []int64{1 << 20, 1 << 20}, []int64{1, 1}) }},
	}
	var baseline childtest.Result
	t.Run("baseline", func(t *testing.T) {
		baseline = childtest.Run(t, time.Minute, func(t *testing.T) {
			m := NewLinear(4, 2)
			path := saveDict(t, "weight", view(8, []int64{2, 4}, []int64{4, 1}), "bias", view(2, []int64{2}, []int64{1}))
			_, err := m.Load(path, true)
			require.NoError(t, err)
		})
		require.NoError(t, baseline.Err, baseline.Output)
	})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := childtest.Run(t, time.Minute, func(t *testing.T) {
				path := saveDict(t, "weight", c.tensor(), "bias", view(2, []int64{2}, []int64{1}))
				_, err := NewLinear(4, 2).Load(path, true)
				require.ErrorContains(t, err, "size mismatch for weight")

				// The view itself, made in libtorch, is cheap too.
				v, err := pt.Load(path)
				require.NoError(t, err)
				w, _ := v.(*pt.OrderedDict).Get("weight")
				x, err := torch.FromPT(w.(*pt.Tensor))
				require.NoError(t, err)
				require.Equal(t, c.tensor().Shape, x.Shape())
				require.False(t, x.IsContiguous())
				x.Close()
			})
			require.NoError(t, r.Err, r.Output)
			t.Logf("peak RSS %.0f MiB (baseline %.0f MiB), %v", r.MiB(), baseline.MiB(), r.Elapsed)
			require.Less(t, r.MiB()-baseline.MiB(), 64.0, "peak RSS beyond the loading of a small file")
			require.Less(t, r.Elapsed, 20*time.Second)
		})
	}
}

// An expanded view that fits the module loads as torch.load +
// load_state_dict would: every element of the parameter takes the one
// stored value, and tensors sharing a storage read it from one copy.
func TestLoadExpandedAndSharedViews(t *testing.T) {
	shared := view(3, []int64{3}, []int64{1}) // 7, 8, 9
	weight := &pt.Tensor{Storage: shared.Storage, Offset: 2, Shape: []int64{2, 4}, Stride: []int64{0, 0}}
	bias := &pt.Tensor{Storage: shared.Storage, Offset: 0, Shape: []int64{2}, Stride: []int64{1}}
	path := saveDict(t, "weight", weight, "bias", bias)
	m := NewLinear(4, 2)
	res, err := m.Load(path, true)
	require.NoError(t, err)
	require.Equal(t, "<All keys matched successfully>", res.String())
	require.Equal(t, []float32{9, 9, 9, 9, 9, 9, 9, 9}, m.Weight.Float32s())
	require.Equal(t, []float32{7, 8}, m.Bias.Float32s())
}

// Unexpected entries are reported without being converted, in file order.
func TestLoadNonStrictListsUnexpectedKeys(t *testing.T) {
	path := saveDict(t, "extra", view(1, []int64{1 << 40}, []int64{0}),
		"weight", view(8, []int64{2, 4}, []int64{4, 1}), "bias", view(2, []int64{2}, []int64{1}))
	res, err := NewLinear(4, 2).Load(path, false)
	require.NoError(t, err)
	require.Equal(t, []string{"extra"}, res.UnexpectedKeys)
	require.Empty(t, res.MissingKeys)
}
