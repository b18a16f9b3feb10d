package optim_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/optim"
)

// newOptCases are the optimizers added with Adadelta, Adamax, NAdam, RAdam
// and ASGD. They join optCases, so that TestOptimizersMatchPyTorch,
// TestStateDictRoundTripsThroughPython and
// TestStepInsideScopesKeepsStateAndLeaksNothing cover them too.
var newOptCases = []optCase{
	{"Adadelta", "O.Adadelta(P)", func(P []*torch.Tensor) (optim.Optimizer, error) {
		return optim.NewAdadelta(P, optim.AdadeltaOptions{})
	}},
	{"AdadeltaWDMaximize", "O.Adadelta(P, lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.1, maximize=True)", func(P []*torch.Tensor) (optim.Optimizer, error) {
		return optim.NewAdadelta(P, optim.AdadeltaOptions{LR: new(0.5), Rho: new(0.8), Eps: new(1e-5), WeightDecay: 0.1, Maximize: true})
	}},
	{"AdadeltaGroups", "O.Adadelta([{'params': P[:2]}, {'params': P[2:], 'lr': 2.0, 'rho': 0.5}], weight_decay=0.01)", func(P []*torch.Tensor) (optim.Optimizer, error) {
		return optim.NewAdadeltaGroups(groups(P, map[string]any{"lr": 2.0, "rho": 0.5}), optim.AdadeltaOptions{WeightDecay: 0.01})
	}},
	{"Adamax", "O.Adamax(P)", func(P []*torch.Tensor) (optim.Optimizer, error) {
		return optim.NewAdamax(P, optim.AdamaxOptions{})
	}},
	{"AdamaxWDMaximize", "O.Adamax(P, lr=0.01, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.2, maximize=True)", func(P []*torch.Tensor) (optim.Optimizer, error) {
		return optim.NewAdamax(P, optim.AdamaxOptions{LR: new(0.01), Betas: &[2]float64{0.8, 0.95}, Eps: new(1e-6), WeightDecay: 0.2, Maximize: true})
	}},
	{"AdamaxGroups", "O.Adamax([{'params': P[:2]}, {'params': P[2:], 'lr': 0.1, 'betas': (0.5, 0.6)}])", func(P []*torch.Tensor) (optim.Optimizer, error) {
		return optim.NewAdamaxGroups(groups(P, map[string]any{"lr": 0.1, "betas": [2]float64{0.5, 0.6}}), optim.AdamaxOptions{})
	}},
	{"NAdam", "O.NAdam(P)", func(P []*torch.Tensor) (optim.Optimizer, error) {
		return optim.NewNAdam(P, optim.NAdamOptions{})
	}},
	{"NAdamWDMomentumDecay", "O.NAdam(P, lr=0.05, betas=(0.85, 0.98), eps=1e-7, weight_decay=0.1, momentum_decay=0.01)", func(P []*torch.Tensor) (optim.Optimizer, error) {
		return optim.NewNAdam(P, optim.NAdamOptions{LR: new(0.05), Betas: &[2]float64{0.85, 0.98}, Eps: new(1e-7), WeightDecay: 0.1, MomentumDecay: new(0.01)})
	}},
	{"NAdamGroups", "O.NAdam([{'params': P[:2]}, {'params': P[2:], 'lr': 0.02, 'momentum_decay': 0.1}])", func(P []*torch.Tensor) (optim.Optimizer, error) {
		return optim.NewNAdamGroups(groups(P, map[string]any{"lr": 0.02, "momentum_decay": 0.1}), optim.NAdamOptions{})
	}},
	{"RAdam", "O.RAdam(P)", func(P []*torch.Tensor) (optim.Optimizer, error) {
		return optim.NewRAdam(P, optim.RAdamOptions{})
	}},
	{"RAdamRectifiedWD", "O.RAdam(P, lr=0.01, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.1)", func(P []*torch.Tensor) (optim.Optimizer, error) {
		return optim.NewRAdam(P, optim.RAdamOptions{LR: new(0.01), Betas: &[2]float64{0.8, 0.9}, Eps: new(1e-6), WeightDecay: 0.1})
	}},
	{"RAdamGroups", "O.RAdam([{'params': P[:2]}, {'params': P[2:], 'lr': 0.1, 'betas': (0.5, 0.7)}])", func(P []*torch.Tensor) (optim.Optimizer, error) {
		return optim.NewRAdamGroups(groups(P, map[string]any{"lr": 0.1, "betas": [2]float64{0.5, 0.7}}), optim.RAdamOptions{})
	}},
	{"ASGD", "O.ASGD(P)", func(P []*torch.Tensor) (optim.Optimizer, error) {
		return optim.NewASGD(P, optim.ASGDOptions{})
	}},
	{"ASGDAveragingWDMaximize", "O.ASGD(P, lr=0.05, lambd=0.01, alpha=0.5, t0=2.0, weight_decay=0.1, maximize=True)", func(P []*torch.Tensor) (optim.Optimizer, error) {
		return optim.NewASGD(P, optim.ASGDOptions{LR: new(0.05), Lambd: new(0.01), Alpha: new(0.5), T0: new(2.0), WeightDecay: 0.1, Maximize: true})
	}},
	// An int lr makes torch.tensor(lr) an int64 "eta", which truncates.
	{"ASGDGroupsIntLR", "O.ASGD([{'params': P[:2]}, {'params': P[2:], 'lr': 1, 't0': 1.0}])", func(P []*torch.Tensor) (optim.Optimizer, error) {
		return optim.NewASGDGroups(groups(P, map[string]any{"lr": 1, "t0": 1.0}), optim.ASGDOptions{})
	}},
}

func init() { optCases = append(optCases, newOptCases...) }

// TestNewOptimizersMatchPyTorchLonger runs the new optimizers for more steps
// than TestOptimizersMatchPyTorch (RAdam rectifies only once its SMA length
// exceeds 5, ASGD averages only after t0), comparing the parameters after
// every step and the state dict at the end.
func TestNewOptimizersMatchPyTorchLonger(t *testing.T) {
	pyref.RequireVersion(t, "1.13.", "", "optimizers follow PyTorch 1.13's arithmetic and state layout")
	const n = 12
	for _, c := range newOptCases {
		t.Run(c.name, func(t *testing.T) {
			var want struct {
				Params [][]any `json:"params"`
				State  any     `json:"state"`
				Groups any     `json:"groups"`
			}
			pyref.Run(t, paramsPy+pyTyped+`
opt = `+c.py+`
trace = []
for s in range(IN["steps"]):
    set_grads(s)
    opt.step()
    trace.append([enc(p) for p in P])
sd = opt.state_dict()
out({"params": trace, "state": typed(sd["state"]), "groups": typed(sd["param_groups"])})
`, map[string]any{"seed": 21, "steps": n}, &want)
			P, g := newParams(21)
			opt, err := c.mk(P)
			require.NoError(t, err)
			for s := 0; s < n; s++ {
				setGrads(P, g, s)
				opt.Step()
				var got []any
				for _, p := range P {
					got = append(got, enc(p))
				}
				require.Equal(t, normalizeJSON(t, want.Params[s]), normalizeJSON(t, got), "params after step %d", s+1)
			}
			sd := opt.StateDict()
			st, _ := sd.Get("state")
			gr, _ := sd.Get("param_groups")
			require.Equal(t, want.State, normalizeJSON(t, goTyped(t, st)), "state")
			require.Equal(t, sortedGroups(want.Groups), sortedGroups(normalizeJSON(t, goTyped(t, gr))), "param_groups")
		})
	}
}

func TestNewOptimizersBadOptions(t *testing.T) {
	P, _ := newParams(1)
	cases := []struct {
		name, want string
		mk         func() error
	}{
		{"AdadeltaLR", "lr", func() error { _, err := optim.NewAdadelta(P, optim.AdadeltaOptions{LR: new(-1.0)}); return err }},
		{"AdadeltaRho", "rho", func() error { _, err := optim.NewAdadelta(P, optim.AdadeltaOptions{Rho: new(1.5)}); return err }},
		{"AdadeltaEps", "eps", func() error { _, err := optim.NewAdadelta(P, optim.AdadeltaOptions{Eps: new(-1e-6)}); return err }},
		{"AdadeltaWD", "weight_decay", func() error { _, err := optim.NewAdadelta(P, optim.AdadeltaOptions{WeightDecay: -1}); return err }},
		{"AdamaxBeta", "index 1", func() error {
			_, err := optim.NewAdamax(P, optim.AdamaxOptions{Betas: &[2]float64{0.9, 1}})
			return err
		}},
		{"NAdamMomentumDecay", "momentum_decay", func() error {
			_, err := optim.NewNAdam(P, optim.NAdamOptions{MomentumDecay: new(-1.0)})
			return err
		}},
		{"NAdamMaximizeUnknown", "maximize", func() error {
			_, err := optim.NewNAdamGroups([]optim.Group{{Params: P, Options: map[string]any{"maximize": true}}}, optim.NAdamOptions{})
			return err
		}},
		{"RAdamBeta", "index 0", func() error {
			_, err := optim.NewRAdam(P, optim.RAdamOptions{Betas: &[2]float64{-0.1, 0.9}})
			return err
		}},
		{"ASGDLR", "lr", func() error { _, err := optim.NewASGD(P, optim.ASGDOptions{LR: new(-1.0)}); return err }},
		{"ASGDT0Type", "t0", func() error {
			_, err := optim.NewASGDGroups([]optim.Group{{Params: P, Options: map[string]any{"t0": "soon"}}}, optim.ASGDOptions{})
			return err
		}},
		{"LBFGSLineSearch", "line_search_fn", func() error {
			_, err := optim.NewLBFGS(P, optim.LBFGSOptions{LineSearchFn: "backtracking"})
			return err
		}},
		{"LBFGSHistory", "history_size", func() error {
			_, err := optim.NewLBFGS(P, optim.LBFGSOptions{HistorySize: -1})
			return err
		}},
		{"LBFGSNoParams", "empty parameter list", func() error { _, err := optim.NewLBFGS(nil, optim.LBFGSOptions{}); return err }},
		{"LBFGSGroups", "parameter groups", func() error {
			o, err := optim.NewLBFGS(P[:1], optim.LBFGSOptions{})
			require.NoError(t, err)
			return o.AddParamGroup(optim.Group{Params: P[1:]})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			require.NotPanics(t, func() { err = c.mk() })
			require.Error(t, err)
			require.Contains(t, err.Error(), c.want)
		})
	}
}
