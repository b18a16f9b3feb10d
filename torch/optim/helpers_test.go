package optim_test

import (
	"encoding/hex"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/internal/torchtest"
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/pt"
)

// encPT is enc for a *pt.Tensor.
func encPT(tb testing.TB, p *pt.Tensor) pyref.Tensor {
	t, err := torch.FromPT(p)
	require.NoError(tb, err)
	defer t.Close()
	return enc(t)
}

// typed is a value as the Python side describes it: its Python type name
// and value, so that ints, floats, bools, None, tuples and tensors compare
// exactly.
type typed struct {
	T string `json:"t"`
	V any    `json:"v"`
}

// pyTyped is the Python counterpart of goTyped (appended to scripts).
const pyTyped = `
import struct
def typed(v):
    if torch.is_tensor(v):
        return {"t": "tensor", "v": enc(v)}
    if isinstance(v, bool):
        return {"t": "bool", "v": v}
    if isinstance(v, int):
        return {"t": "int", "v": str(v)}
    if isinstance(v, float):
        return {"t": "float", "v": str(struct.unpack("<Q", struct.pack("<d", v))[0])}
    if v is None:
        return {"t": "none", "v": None}
    if isinstance(v, str):
        return {"t": "str", "v": v}
    if isinstance(v, tuple):
        return {"t": "tuple", "v": [typed(x) for x in v]}
    if isinstance(v, (list,)):
        return {"t": "list", "v": [typed(x) for x in v]}
    if isinstance(v, dict):
        return {"t": "dict", "v": [[typed(k), typed(x)] for k, x in v.items()]}
    raise TypeError(type(v))
`

// goTyped describes a Go state-dict value like Python's typed().
func goTyped(tb testing.TB, v any) any {
	tb.Helper()
	switch x := v.(type) {
	case *pt.Tensor:
		e := encPT(tb, x)
		return map[string]any{"t": "tensor", "v": map[string]any{"dtype": e.DType, "shape": toAnySlice(e.Shape), "hex": e.Hex}}
	case bool:
		return map[string]any{"t": "bool", "v": x}
	case int64:
		return map[string]any{"t": "int", "v": fmt.Sprint(x)}
	case float64:
		return map[string]any{"t": "float", "v": fmt.Sprint(math.Float64bits(x))}
	case nil:
		return map[string]any{"t": "none", "v": nil}
	case string:
		return map[string]any{"t": "str", "v": x}
	case pt.Tuple:
		out := []any{}
		for _, it := range x {
			out = append(out, goTyped(tb, it))
		}
		return map[string]any{"t": "tuple", "v": out}
	case []any:
		out := []any{}
		for _, it := range x {
			out = append(out, goTyped(tb, it))
		}
		return map[string]any{"t": "list", "v": out}
	case *pt.OrderedDict:
		out := []any{}
		ks, vs := x.Keys(), x.Values()
		for i := range ks {
			out = append(out, []any{goTyped(tb, ks[i]), goTyped(tb, vs[i])})
		}
		return map[string]any{"t": "dict", "v": out}
	}
	tb.Fatalf("goTyped: unexpected %T", v)
	return nil
}

func toAnySlice(s []int64) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = float64(x)
	}
	return out
}

func hexDecode(dst []byte, s string) (int, error) { return hex.Decode(dst, []byte(s)) }

var (
	enc                = torchtest.Enc
	settledLiveTensors = torchtest.SettledLiveTensors
)
