package optim_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/torch/optim"
)

// newSchedCases are the schedulers added with LambdaLR, MultiplicativeLR,
// ConstantLR, PolynomialLR, ChainedScheduler, CyclicLR and
// CosineAnnealingWarmRestarts. They join schedCases, so that
// TestSchedulersMatchPyTorch (lr and momentum after each of 30 steps, the
// state dict, the groups) and TestSchedulerStateDictsMoveBetweenGoAndPython
// cover them. The lambdas compute the same bits in Go and Python.
var newSchedCases = []schedCase{
	{"LambdaLR", "sgd", "S.LambdaLR(opt, lambda e: 1.0 / (e + 1))", func(o optim.Optimizer) (schedStepper, error) {
		return wrap(optim.NewLambdaLR(o, func(e int) float64 { return 1.0 / float64(e+1) }))
	}},
	{"LambdaLRPerGroup", "adam", "S.LambdaLR(opt, [lambda e: 1.0 / (e + 1), lambda e: 0.5 if e % 3 else 1.0])", func(o optim.Optimizer) (schedStepper, error) {
		return wrap(optim.NewLambdaLR(o, func(e int) float64 { return 1.0 / float64(e+1) }, func(e int) float64 {
			if e%3 != 0 {
				return 0.5
			}
			return 1.0
		}))
	}},
	{"MultiplicativeLR", "sgd", "S.MultiplicativeLR(opt, lambda e: 0.9)", func(o optim.Optimizer) (schedStepper, error) {
		return wrap(optim.NewMultiplicativeLR(o, func(int) float64 { return 0.9 }))
	}},
	{"MultiplicativeLRPerGroup", "adam", "S.MultiplicativeLR(opt, [lambda e: 0.9, lambda e: 1.0 - 0.01 * e])", func(o optim.Optimizer) (schedStepper, error) {
		return wrap(optim.NewMultiplicativeLR(o, func(int) float64 { return 0.9 }, func(e int) float64 { return 1.0 - float64(0.01*float64(e)) }))
	}},
	{"ConstantLR", "sgd", "S.ConstantLR(opt, factor=0.5, total_iters=4)", func(o optim.Optimizer) (schedStepper, error) {
		return wrap(optim.NewConstantLR(o, 0.5, 4))
	}},
	{"ConstantLRDefaults", "adam", "S.ConstantLR(opt)", func(o optim.Optimizer) (schedStepper, error) {
		return wrap(optim.NewConstantLR(o, 1.0/3, 5))
	}},
	{"PolynomialLR", "sgd", "S.PolynomialLR(opt, total_iters=12, power=2.0)", func(o optim.Optimizer) (schedStepper, error) {
		return wrap(optim.NewPolynomialLR(o, 12, 2.0))
	}},
	{"PolynomialLRDefaults", "adam", "S.PolynomialLR(opt)", func(o optim.Optimizer) (schedStepper, error) {
		return wrap(optim.NewPolynomialLR(o, 5, 1.0))
	}},
	{"ChainedScheduler", "sgd", "S.ChainedScheduler([S.ConstantLR(opt, factor=0.1, total_iters=2), S.ExponentialLR(opt, gamma=0.9)])", func(o optim.Optimizer) (schedStepper, error) {
		a, err := optim.NewConstantLR(o, 0.1, 2)
		if err != nil {
			return nil, err
		}
		b, err := optim.NewExponentialLR(o, 0.9)
		if err != nil {
			return nil, err
		}
		return wrap(optim.NewChainedScheduler(a, b))
	}},
	{"CyclicLRTriangular", "sgd", "S.CyclicLR(opt, base_lr=[0.01, 0.005], max_lr=0.1, step_size_up=4)", func(o optim.Optimizer) (schedStepper, error) {
		return wrap(optim.NewCyclicLR(o, optim.CyclicLROptions{BaseLR: []float64{0.01, 0.005}, MaxLR: []float64{0.1}, StepSizeUp: 4}))
	}},
	{"CyclicLRTriangular2", "sgd", "S.CyclicLR(opt, base_lr=0.001, max_lr=[0.1, 0.05], step_size_up=3, step_size_down=5, mode='triangular2', base_momentum=0.7, max_momentum=[0.95, 0.9])", func(o optim.Optimizer) (schedStepper, error) {
		return wrap(optim.NewCyclicLR(o, optim.CyclicLROptions{BaseLR: []float64{0.001}, MaxLR: []float64{0.1, 0.05}, StepSizeUp: 3, StepSizeDown: new(5.0),
			Mode: "triangular2", BaseMomentum: []float64{0.7}, MaxMomentum: []float64{0.95, 0.9}}))
	}},
	{"CyclicLRExpRangeAdam", "adam", "S.CyclicLR(opt, base_lr=0.001, max_lr=0.01, step_size_up=2, mode='exp_range', gamma=0.9, cycle_momentum=False)", func(o optim.Optimizer) (schedStepper, error) {
		return wrap(optim.NewCyclicLR(o, optim.CyclicLROptions{BaseLR: []float64{0.001}, MaxLR: []float64{0.01}, StepSizeUp: 2, Mode: "exp_range", Gamma: new(0.9), CycleMomentum: new(false)}))
	}},
	{"CosineAnnealingWarmRestarts", "sgd", "S.CosineAnnealingWarmRestarts(opt, T_0=5)", func(o optim.Optimizer) (schedStepper, error) {
		return wrap(optim.NewCosineAnnealingWarmRestarts(o, 5, 1, 0))
	}},
	{"CosineAnnealingWarmRestartsMult", "adam", "S.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2, eta_min=0.001)", func(o optim.Optimizer) (schedStepper, error) {
		return wrap(optim.NewCosineAnnealingWarmRestarts(o, 3, 2, 0.001))
	}},
	// SequentialLR steps CosineAnnealingWarmRestarts through its own step(0).
	{"SequentialLRWarmRestarts", "sgd", "S.SequentialLR(opt, [S.ConstantLR(opt, factor=0.5, total_iters=2), S.CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=2)], milestones=[3])", func(o optim.Optimizer) (schedStepper, error) {
		a, err := optim.NewConstantLR(o, 0.5, 2)
		if err != nil {
			return nil, err
		}
		b, err := optim.NewCosineAnnealingWarmRestarts(o, 4, 2, 0)
		if err != nil {
			return nil, err
		}
		return wrap(optim.NewSequentialLR(o, []optim.LRScheduler{a, b}, []int{3}))
	}},
}

func init() { schedCases = append(schedCases, newSchedCases...) }

// TestCyclicLRCustomScaleFn compares a CyclicLR with a scale function (not
// part of either state dict) with PyTorch's, step by step.
func TestCyclicLRCustomScaleFn(t *testing.T) {
	pyref.RequireVersion(t, "1.13.", "", "schedulers follow PyTorch 1.13")
	for _, mode := range []string{"cycle", "iterations"} {
		t.Run(mode, func(t *testing.T) {
			var want struct {
				Trace [][]any `json:"trace"`
			}
			pyref.Run(t, pyTyped+schedPy+`
sch = S.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=3, scale_fn=lambda x: 0.5 ** x, scale_mode=IN["mode"])
trace = [snap()]
for k in range(IN["steps"]):
    sch.step()
    trace.append(snap())
out({"trace": trace})
`, map[string]any{"opt": "sgd", "steps": schedSteps, "mode": mode}, &want)
			o := newSchedOpt(t, "sgd")
			s, err := optim.NewCyclicLR(o, optim.CyclicLROptions{BaseLR: []float64{0.01}, MaxLR: []float64{0.1}, StepSizeUp: 3,
				ScaleFn: func(x float64) float64 { return math.Pow(0.5, x) }, ScaleMode: mode})
			require.NoError(t, err)
			trace := [][]any{snap(t, o)}
			for k := 0; k < schedSteps; k++ {
				s.Step()
				trace = append(trace, snap(t, o))
			}
			require.Equal(t, normalizeJSON(t, want.Trace), normalizeJSON(t, trace))
			_, has := s.StateDict().Get("_scale_fn_custom")
			require.False(t, has, "a custom scale function is not saved")
		})
	}
}

// TestCosineAnnealingWarmRestartsFractionalEpochs steps with fractional
// epochs (StepEpoch, PyTorch's step(epoch + i / iters)), through restarts
// with T_mult 1 and 2, comparing the learning rates and the state dict.
func TestCosineAnnealingWarmRestartsFractionalEpochs(t *testing.T) {
	pyref.RequireVersion(t, "1.13.", "", "schedulers follow PyTorch 1.13")
	for _, mult := range []int{1, 2} {
		t.Run("", func(t *testing.T) {
			var want struct {
				Trace [][]any `json:"trace"`
				State any     `json:"state"`
			}
			pyref.Run(t, pyTyped+schedPy+`
sch = S.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=IN["mult"], eta_min=0.01)
trace = [snap()]
for epoch in range(8):
    for i in range(4):
        sch.step(epoch + i / 4)
        trace.append(snap())
out({"trace": trace, "state": typed(sched_sd(sch))})
`, map[string]any{"opt": "sgd", "mult": mult}, &want)
			o := newSchedOpt(t, "sgd")
			s, err := optim.NewCosineAnnealingWarmRestarts(o, 3, mult, 0.01)
			require.NoError(t, err)
			trace := [][]any{snap(t, o)}
			for epoch := 0; epoch < 8; epoch++ {
				for i := 0; i < 4; i++ {
					require.NoError(t, s.StepEpoch(float64(epoch)+float64(i)/4))
					trace = append(trace, snap(t, o))
				}
			}
			require.Equal(t, normalizeJSON(t, want.Trace), normalizeJSON(t, trace))
			require.Equal(t, want.State, normalizeJSON(t, goTyped(t, s.StateDict())))
			require.Error(t, s.StepEpoch(-1))
		})
	}
}

func TestNewSchedulersBadOptions(t *testing.T) {
	o := newSchedOpt(t, "sgd")
	adam := newSchedOpt(t, "adam")
	cases := []struct {
		name, want string
		mk         func() error
	}{
		{"LambdaCount", "lr_lambdas", func() error {
			f := func(int) float64 { return 1 }
			_, err := optim.NewLambdaLR(o, f, f, f)
			return err
		}},
		{"LambdaNil", "nil", func() error { _, err := optim.NewLambdaLR(o, nil); return err }},
		{"MultiplicativeNone", "lr_lambdas", func() error { _, err := optim.NewMultiplicativeLR(o); return err }},
		{"ConstantFactor", "factor", func() error { _, err := optim.NewConstantLR(o, 1.5, 5); return err }},
		{"PolynomialIters", "total_iters", func() error { _, err := optim.NewPolynomialLR(o, 0, 1); return err }},
		{"ChainedEmpty", "no schedulers", func() error { _, err := optim.NewChainedScheduler(); return err }},
		{"ChainedOptimizers", "same optimizer", func() error {
			a, _ := optim.NewStepLR(o, 2, 0.5)
			b, _ := optim.NewStepLR(adam, 2, 0.5)
			_, err := optim.NewChainedScheduler(a, b)
			return err
		}},
		{"CyclicNoBase", "base_lr", func() error { _, err := optim.NewCyclicLR(o, optim.CyclicLROptions{MaxLR: []float64{1}}); return err }},
		{"CyclicMode", "mode", func() error {
			_, err := optim.NewCyclicLR(o, optim.CyclicLROptions{BaseLR: []float64{0.1}, MaxLR: []float64{1}, Mode: "sine"})
			return err
		}},
		{"CyclicMomentumAdam", "momentum", func() error {
			_, err := optim.NewCyclicLR(adam, optim.CyclicLROptions{BaseLR: []float64{0.1}, MaxLR: []float64{1}})
			return err
		}},
		{"CyclicCount", "max_lr", func() error {
			_, err := optim.NewCyclicLR(o, optim.CyclicLROptions{BaseLR: []float64{0.1}, MaxLR: []float64{1, 2, 3}})
			return err
		}},
		{"WarmRestartsT0", "T_0", func() error { _, err := optim.NewCosineAnnealingWarmRestarts(o, 0, 1, 0); return err }},
		{"WarmRestartsTMult", "T_mult", func() error { _, err := optim.NewCosineAnnealingWarmRestarts(o, 3, 0, 0); return err }},
		{"GroupWithoutLR", "lr", func() error {
			_, err := optim.NewStepLR(&customOpt{groups: []*optim.ParamGroup{{}}}, 2, 0.5)
			return err
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

// customOpt is the smallest ParamGrouper.
type customOpt struct{ groups []*optim.ParamGroup }

func (c *customOpt) ParamGroups() []*optim.ParamGroup { return c.groups }
