package optim_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/optim"
	"github.com/torchgo/torchgo/torch/pt"
)

func TestBadOptionsAreErrorsNamingTheOption(t *testing.T) {
	P, _ := newParams(1)
	adam := func(f func(o *optim.AdamOptions)) func() error {
		return func() error {
			var o optim.AdamOptions
			f(&o)
			_, err := optim.NewAdam(P, o)
			return err
		}
	}
	cases := []struct {
		name, want string
		mk         func() error
	}{
		{"SGDNegativeLR", "lr", func() error { _, err := optim.NewSGD(P, optim.SGDOptions{LR: -0.1}); return err }},
		{"SGDNegativeMomentum", "momentum", func() error { _, err := optim.NewSGD(P, optim.SGDOptions{LR: 0.1, Momentum: -1}); return err }},
		{"SGDNegativeWD", "weight_decay", func() error { _, err := optim.NewSGD(P, optim.SGDOptions{LR: 0.1, WeightDecay: -1}); return err }},
		{"SGDNesterovNoMomentum", "nesterov", func() error { _, err := optim.NewSGD(P, optim.SGDOptions{LR: 0.1, Nesterov: true}); return err }},
		{"SGDNesterovDampening", "dampening", func() error {
			_, err := optim.NewSGD(P, optim.SGDOptions{LR: 0.1, Momentum: 0.9, Dampening: 0.1, Nesterov: true})
			return err
		}},
		{"SGDNoParams", "empty parameter list", func() error { _, err := optim.NewSGDGroups(nil, optim.SGDOptions{LR: 0.1}); return err }},
		{"SGDDuplicate", "more than once", func() error {
			_, err := optim.NewSGD([]*torch.Tensor{P[0], P[0]}, optim.SGDOptions{LR: 0.1})
			return err
		}},
		{"SGDNonLeaf", "non-leaf", func() error {
			_, err := optim.NewSGD([]*torch.Tensor{P[0].MulScalar(2)}, optim.SGDOptions{LR: 0.1})
			return err
		}},
		{"GroupUnknownOption", "weight_decy", func() error {
			_, err := optim.NewSGDGroups([]optim.Group{{Params: P, Options: map[string]any{"weight_decy": 0.1}}}, optim.SGDOptions{LR: 0.1})
			return err
		}},
		{"GroupBadValue", "lr", func() error {
			_, err := optim.NewSGDGroups([]optim.Group{{Params: P, Options: map[string]any{"lr": -1.0}}}, optim.SGDOptions{LR: 0.1})
			return err
		}},
		{"AdamNegativeLR", "lr", adam(func(o *optim.AdamOptions) { o.LR = new(-1.0) })},
		{"AdamNegativeEps", "eps", adam(func(o *optim.AdamOptions) { o.Eps = new(-1.0) })},
		{"AdamBeta1", "index 0", adam(func(o *optim.AdamOptions) { o.Betas = &[2]float64{1, 0.999} })},
		{"AdamBeta2", "index 1", adam(func(o *optim.AdamOptions) { o.Betas = &[2]float64{0.9, -0.1} })},
		{"AdamNegativeWD", "weight_decay", adam(func(o *optim.AdamOptions) { o.WeightDecay = new(-0.1) })},
		{"AdamWNegativeWD", "weight_decay", func() error {
			_, err := optim.NewAdamW(P, optim.AdamOptions{WeightDecay: new(-1.0)})
			return err
		}},
		{"RMSpropAlpha", "alpha", func() error {
			_, err := optim.NewRMSprop(P, optim.RMSpropOptions{Alpha: new(-1.0)})
			return err
		}},
		{"RMSpropMomentum", "momentum", func() error {
			_, err := optim.NewRMSprop(P, optim.RMSpropOptions{Momentum: -1})
			return err
		}},
		{"AdagradLRDecay", "lr_decay", func() error {
			_, err := optim.NewAdagrad(P, optim.AdagradOptions{LRDecay: -1})
			return err
		}},
		{"AdagradInitialAccumulator", "initial_accumulator_value", func() error {
			_, err := optim.NewAdagrad(P, optim.AdagradOptions{InitialAccumulatorValue: -1})
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.mk()
			require.Error(t, err)
			require.Contains(t, err.Error(), c.want)
		})
	}
}

func TestParamGroupSetValidates(t *testing.T) {
	P, _ := newParams(1)
	o, err := optim.NewAdam(P, optim.AdamOptions{})
	require.NoError(t, err)
	g := o.ParamGroups()[0]
	require.Error(t, g.Set("lr", -1.0))
	require.Error(t, g.Set("betas", [2]float64{0.9, 1.5}))
	require.Error(t, g.Set("amsgrad", 1.0))
	require.Equal(t, 1e-3, g.LR())
	require.NoError(t, g.Set("lr", 0.5))
	require.Equal(t, 0.5, g.LR())
	// An unknown name is an error on an optimizer's group; a scheduler's
	// entries are not unknown.
	err = g.Set("my_note", "x")
	require.Error(t, err)
	require.Contains(t, err.Error(), "my_note")
	require.NoError(t, g.Set("initial_lr", 0.5))
	g.SetLR(0.25)
	require.Equal(t, 0.25, g.Float("lr"))
}

// TestParamGroupSetNeverPanics: a zero ParamGroup (a user-written
// optimizer's) takes options through Set, and a wrong name or a value of
// the wrong type is an error that leaves the group unchanged, for Set and
// for the Group options of the constructors.
func TestParamGroupSetNeverPanics(t *testing.T) {
	var zero optim.ParamGroup
	require.NotPanics(t, func() {
		require.Equal(t, 0.0, zero.LR())
		require.Empty(t, zero.Keys())
		require.NoError(t, zero.Set("lr", 0.1))
		require.NoError(t, zero.Set("momentum", 0))
		require.NoError(t, zero.Set("betas", [2]float64{0.9, 0.99}))
		require.NoError(t, zero.Set("note", "x"))
		require.Error(t, zero.Set("lr", []float64{1}))
		require.Error(t, zero.Set("lr", map[string]any{}))
		require.Error(t, zero.Set("lr", struct{}{}))
	})
	require.Equal(t, 0.1, zero.LR())
	require.Equal(t, []string{"lr", "momentum", "betas", "note"}, zero.Keys())
	var other optim.ParamGroup
	require.NotPanics(t, func() { other.SetLR(0.3) })
	require.Equal(t, 0.3, other.LR())

	P, _ := newParams(1)
	adam, err := optim.NewAdam(P, optim.AdamOptions{})
	require.NoError(t, err)
	lbfgs, err := optim.NewLBFGS(P, optim.LBFGSOptions{})
	require.NoError(t, err)
	bad := []struct {
		g     *optim.ParamGroup
		name  string
		value any
	}{
		{adam.ParamGroups()[0], "lr", "fast"},
		{adam.ParamGroups()[0], "lr", true},
		{adam.ParamGroups()[0], "lr", nil},
		{adam.ParamGroups()[0], "lr", []float64{0.1}},
		{adam.ParamGroups()[0], "betas", [3]float64{0.9, 0.9, 0.9}},
		{adam.ParamGroups()[0], "betas", pt.Tuple{0.9, "x"}},
		{adam.ParamGroups()[0], "betas", pt.Tuple{true, 0.9}},
		{adam.ParamGroups()[0], "betas", 0.9},
		{adam.ParamGroups()[0], "amsgrad", 1},
		{adam.ParamGroups()[0], "foreach", true},
		{adam.ParamGroups()[0], "weight_decy", 0.1},
		{lbfgs.ParamGroups()[0], "max_iter", 2.5},
		{lbfgs.ParamGroups()[0], "history_size", 0},
		{lbfgs.ParamGroups()[0], "line_search_fn", "backtracking"},
		{lbfgs.ParamGroups()[0], "line_search_fn", 1},
	}
	for _, c := range bad {
		before := normalizeJSON(t, goTyped(t, c.g.Options()))
		var err error
		require.NotPanics(t, func() { err = c.g.Set(c.name, c.value) }, "%s=%v", c.name, c.value)
		require.Error(t, err, "%s=%v", c.name, c.value)
		require.Contains(t, err.Error(), c.name)
		require.Equal(t, before, normalizeJSON(t, goTyped(t, c.g.Options())), "%s=%v changed the group", c.name, c.value)
	}
	require.NoError(t, lbfgs.ParamGroups()[0].Set("line_search_fn", "strong_wolfe"))
	require.NoError(t, lbfgs.ParamGroups()[0].Set("line_search_fn", nil))

	badGroups := []map[string]any{
		{"lr": "0.1"}, {"lr": true}, {"betas": []float64{0.9, 0.99}}, {"amsgrad": "yes"},
		{"eps": nil}, {"weight_decy": 0.0}, {"lr": complex(1, 0)},
	}
	for _, opts := range badGroups {
		var err error
		require.NotPanics(t, func() {
			_, err = optim.NewAdamGroups([]optim.Group{{Params: P, Options: opts}}, optim.AdamOptions{})
		}, "%v", opts)
		require.Error(t, err, "%v", opts)
		for k := range opts {
			require.Contains(t, err.Error(), k)
		}
	}
}

// TestLoadStateDictRefusesMismatches checks that a state dict with the wrong
// number of groups or parameters, or wrongly shaped state, is an error that
// leaves the optimizer as it was.
func TestLoadStateDictRefusesMismatches(t *testing.T) {
	mk := func() (*optim.Adam, []*torch.Tensor, *torch.Generator) {
		P, g := newParams(3)
		o, err := optim.NewAdamGroups(groups(P, map[string]any{"lr": 0.1}), optim.AdamOptions{})
		require.NoError(t, err)
		for s := 1; s <= 2; s++ {
			setGrads(P, g, s)
			o.Step()
		}
		return o, P, g
	}
	src, _, _ := mk()
	good := src.StateDict()

	mutate := func(f func(sd *pt.OrderedDict)) *pt.OrderedDict {
		// Rebuild through a file-format copy so mutations do not touch good.
		sd := deepCopy(good).(*pt.OrderedDict)
		f(sd)
		return sd
	}
	cases := []struct {
		name, want string
		sd         *pt.OrderedDict
	}{
		{"OneGroupFewer", "parameter groups", mutate(func(sd *pt.OrderedDict) {
			gs, _ := sd.Get("param_groups")
			sd.MustSet("param_groups", gs.([]any)[:1])
		})},
		{"ParamCount", "parameters", mutate(func(sd *pt.OrderedDict) {
			gs, _ := sd.Get("param_groups")
			g0 := gs.([]any)[0].(*pt.OrderedDict)
			ps, _ := g0.Get("params")
			g0.MustSet("params", ps.([]any)[:1])
		})},
		{"Shape", "shape", mutate(func(sd *pt.OrderedDict) {
			st, _ := sd.Get("state")
			s0, _ := st.(*pt.OrderedDict).Get(int64(1))
			bad, _ := pt.NewTensor(pt.Float32, []int64{4}, make([]byte, 16))
			s0.(*pt.OrderedDict).MustSet("exp_avg", bad)
		})},
		{"MissingState", "exp_avg_sq", mutate(func(sd *pt.OrderedDict) {
			st, _ := sd.Get("state")
			s0, _ := st.(*pt.OrderedDict).Get(int64(1))
			d := s0.(*pt.OrderedDict)
			nd := pt.NewDict()
			for i, k := range d.Keys() {
				if k != "exp_avg_sq" {
					nd.MustSet(k, d.Values()[i])
				}
			}
			st.(*pt.OrderedDict).MustSet(int64(1), nd)
		})},
		{"BadOption", "lr", mutate(func(sd *pt.OrderedDict) {
			gs, _ := sd.Get("param_groups")
			gs.([]any)[1].(*pt.OrderedDict).MustSet("lr", "fast")
		})},
		{"UnknownParam", "unknown parameter", mutate(func(sd *pt.OrderedDict) {
			st, _ := sd.Get("state")
			s0, _ := st.(*pt.OrderedDict).Get(int64(1))
			st.(*pt.OrderedDict).MustSet(int64(9), s0)
		})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, P, g := mk()
			before := normalizeJSON(t, goTyped(t, o.StateDict()))
			err := o.LoadStateDict(c.sd)
			require.Error(t, err)
			require.Contains(t, err.Error(), c.want)
			require.Equal(t, before, normalizeJSON(t, goTyped(t, o.StateDict())))
			// And it still steps.
			setGrads(P, g, 3)
			o.Step()
		})
	}
	// The good one loads.
	o, _, _ := mk()
	require.NoError(t, o.LoadStateDict(good))
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case *pt.OrderedDict:
		out := &pt.OrderedDict{Plain: x.Plain}
		for i, k := range x.Keys() {
			out.MustSet(k, deepCopy(x.Values()[i]))
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, it := range x {
			out[i] = deepCopy(it)
		}
		return out
	}
	return v
}

// TestStepInsideScopesKeepsStateAndLeaksNothing steps optimizers inside a
// caller's WithScope, as the Trainer does, and checks that state survives
// and the live tensor count stays flat.
func TestStepInsideScopesKeepsStateAndLeaksNothing(t *testing.T) {
	for _, c := range optCases {
		t.Run(c.name, func(t *testing.T) {
			P, g := newParams(2)
			opt, err := c.mk(P)
			require.NoError(t, err)
			var counts []int64
			for s := 1; s <= 8; s++ {
				torch.WithScope(func(*torch.Scope) {
					x := torch.Randn([]int64{4}, g)
					loss := torch.Zeros([]int64{1})
					for _, p := range P {
						loss = loss.Add(p.Sum().Mul(x.Sum()))
					}
					loss.Backward()
					opt.Step()
					opt.ZeroGrad()
				})
				counts = append(counts, settledLiveTensors())
			}
			for i := 3; i < len(counts); i++ {
				require.Equal(t, counts[2], counts[i], "live tensors per step: %v", counts)
			}
			// State is usable after the scopes ended.
			_ = opt.StateDict()
		})
	}
}

func TestZeroGrad(t *testing.T) {
	P, g := newParams(4)
	o, err := optim.NewSGD(P, optim.SGDOptions{LR: 0.1})
	require.NoError(t, err)
	setGrads(P, g, 1)
	o.ZeroGradInPlace()
	for _, p := range P {
		gr := p.Grad()
		require.NotNil(t, gr)
		require.Equal(t, 0.0, gr.Abs().Sum().Item())
	}
	o.ZeroGrad()
	for _, p := range P {
		require.Nil(t, p.Grad())
	}
}

func TestClipGradMatchesPyTorch(t *testing.T) {
	cases := []struct {
		name, py string
		goF      func(P []*torch.Tensor) float64
	}{
		{"Value", "torch.nn.utils.clip_grad_value_(P, 0.5); tot = 0.0", func(P []*torch.Tensor) float64 { optim.ClipGradValue(P, 0.5); return 0 }},
		{"Norm2", "tot = float(torch.nn.utils.clip_grad_norm_(P, 1.0))", func(P []*torch.Tensor) float64 { return optim.ClipGradNorm(P, 1.0, 2) }},
		{"NormInf", "tot = float(torch.nn.utils.clip_grad_norm_(P, 0.3, float('inf')))", func(P []*torch.Tensor) float64 { return optim.ClipGradNorm(P, 0.3, math.Inf(1)) }},
		{"Norm1", "tot = float(torch.nn.utils.clip_grad_norm_(P, 2.0, 1))", func(P []*torch.Tensor) float64 { return optim.ClipGradNorm(P, 2.0, 1) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var want struct {
				Grads []pyref.Tensor `json:"grads"`
				Total any            `json:"total"`
			}
			pyref.Run(t, paramsPy+pyTyped+`
set_grads(0)
`+c.py+`
out({"grads": [enc(p.grad) if p.grad is not None else None for p in P], "total": typed(tot)})
`, map[string]any{"seed": 8}, &want)
			P, g := newParams(8)
			setGrads(P, g, 0)
			tot := c.goF(P)
			require.Equal(t, normalizeJSON(t, want.Total), normalizeJSON(t, goTyped(t, tot)))
			require.Nil(t, P[0].Grad())
			for i := 1; i < len(P); i++ {
				require.Equal(t, want.Grads[i], enc(P[i].Grad()), "grad %d", i)
			}
		})
	}
}
