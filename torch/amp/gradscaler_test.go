package amp

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/internal/torchtest"
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/optim"
)

// Four SGD steps under the scaler, the second with an overflowing
// gradient, give torch.amp.GradScaler("cpu")'s weights, scales and growth
// tracker at every step. The CPU kernels exist from libtorch 2.3: the test
// runs in the libtorch 2.6 check; against 1.13 it checks the error instead.
func TestGradScalerMatchesPyTorch(t *testing.T) {
	pyref.Python(t)
	g := torch.NewGenerator(0)
	w := torch.Randn([]int64{2, 4}, g).SetRequiresGrad(true)
	var xs []pyref.Tensor
	var inputs []*torch.Tensor
	for i := 0; i < 4; i++ {
		x := torch.Randn([]int64{3, 4}, g)
		if i == 1 {
			x = x.MulScalar(math.Inf(1))
		}
		inputs = append(inputs, x)
		xs = append(xs, enc(x))
	}
	init := enc(w)
	opt, err := optim.NewSGD([]*torch.Tensor{w}, optim.SGDOptions{LR: 0.1})
	require.NoError(t, err)
	s := NewGradScaler(torch.CPU, GradScalerOptions{InitScale: 1024, GrowthInterval: 2})
	if strings.HasPrefix(torch.Version(), "1.") {
		s.Scale(torch.Linear(inputs[0], w, nil).Sum()).Backward()
		_, err := s.Step(opt)
		require.ErrorContains(t, err, "_amp_foreach_non_finite_check_and_unscale_", "1.13 has no CPU kernel")
		pyref.RequireVersion(t, "2.", "", "torch.amp.GradScaler('cpu') needs PyTorch 2.3+")
	}
	type state struct {
		W       pyref.Tensor
		Scale   float64
		Tracker int64
		Stepped bool
	}
	var got []state
	for _, x := range inputs {
		opt.ZeroGrad()
		s.Scale(torch.Linear(x, w, nil).Square().Mean()).Backward()
		stepped, err := s.Step(opt)
		require.NoError(t, err)
		require.NoError(t, s.Update())
		got = append(got, state{enc(w), s.ScaleValue(), s.GrowthTracker(), stepped})
	}
	var want []state
	pyref.Run(t, `
w = dec(IN["w"]).requires_grad_()
opt = torch.optim.SGD([w], lr=0.1)
s = torch.amp.GradScaler("cpu", init_scale=1024, growth_interval=2)
res = []
for x in IN["xs"]:
    opt.zero_grad()
    s.scale(torch.nn.functional.linear(dec(x), w).square().mean()).backward()
    before = w.detach().clone()
    s.step(opt)
    s.update()
    res.append({"W": enc(w), "Scale": s.get_scale(), "Tracker": s._get_growth_tracker(),
                "Stepped": not torch.equal(before, w.detach())})
out(res)
`, map[string]any{"w": init, "xs": xs}, &want)
	require.Equal(t, want, got)
	require.False(t, got[1].Stepped, "the overflowing step is skipped")
}

var enc = torchtest.Enc
