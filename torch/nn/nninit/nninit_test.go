package nninit

import (
	"encoding/hex"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/torch"
)

// Each initialiser, from the same default-generator state, writes the same
// values as torch.nn.init.
func TestInitialisersMatchPyTorch(t *testing.T) {
	var want map[string]pyref.Tensor
	pyref.Run(t, `
import math, torch.nn.init as init
res = {}
def run(name, f, shape=(6, 4, 3)):
    torch.manual_seed(5)
    w = torch.empty(shape)
    f(w)
    res[name] = enc(w)
run("uniform", lambda w: init.uniform_(w, -0.3, 0.7))
run("normal", lambda w: init.normal_(w, 0.5, 2.0))
run("constant", lambda w: init.constant_(w, 0.25))
run("kaiming_uniform", lambda w: init.kaiming_uniform_(w, a=math.sqrt(5)))
run("kaiming_normal", lambda w: init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu"))
run("xavier_uniform", lambda w: init.xavier_uniform_(w, gain=init.calculate_gain("tanh")))
run("xavier_normal", lambda w: init.xavier_normal_(w))
run("trunc_normal", lambda w: init.trunc_normal_(w, std=0.02))
out(res)
`, nil, &want)
	run := func(name string, f func(w *torch.Tensor) error) {
		torch.ManualSeed(5)
		w := torch.Empty([]int64{6, 4, 3})
		require.NoError(t, f(w), name)
		require.Equal(t, want[name].Hex, hex.EncodeToString(w.Bytes()), name)
	}
	tanh, err := Gain("tanh", 0)
	require.NoError(t, err)
	run("uniform", func(w *torch.Tensor) error { Uniform_(w, -0.3, 0.7, nil); return nil })
	run("normal", func(w *torch.Tensor) error { Normal_(w, 0.5, 2.0, nil); return nil })
	run("constant", func(w *torch.Tensor) error { Constant_(w, 0.25); return nil })
	run("kaiming_uniform", func(w *torch.Tensor) error {
		_, err := KaimingUniform_(w, math.Sqrt(5), FanIn, "leaky_relu", nil)
		return err
	})
	run("kaiming_normal", func(w *torch.Tensor) error { _, err := KaimingNormal_(w, 0, FanOut, "relu", nil); return err })
	run("xavier_uniform", func(w *torch.Tensor) error { _, err := XavierUniform_(w, tanh, nil); return err })
	run("xavier_normal", func(w *torch.Tensor) error { _, err := XavierNormal_(w, 1, nil); return err })
	run("trunc_normal", func(w *torch.Tensor) error { TruncNormal_(w, 0, 0.02, -2, 2, nil); return nil })

	_, _, err = FanInFanOut(torch.Empty([]int64{3}))
	require.Error(t, err)
	_, err = Gain("swish", 0)
	require.ErrorContains(t, err, "swish")
}
