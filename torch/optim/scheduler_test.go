package optim_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/optim"
	"github.com/torchgo/torchgo/torch/pt"
)

// schedCase is one scheduler built in Go and, by the Python expression py
// over the optimizer opt, in PyTorch. step(k) takes step k (the plateau
// scheduler gets metric k).
type schedCase struct {
	name string
	opt  string // "sgd" or "adam"
	py   string
	mk   func(o optim.Optimizer) (schedStepper, error)
}

// schedStepper is what the test drives: both LRScheduler and
// ReduceLROnPlateau (through plateauStepper).
type schedStepper interface {
	step(k int)
	StateDict() *pt.OrderedDict
	LoadStateDict(*pt.OrderedDict) error
}

type lrStepper struct{ optim.LRScheduler }

func (s lrStepper) step(int) { s.Step() }

type plateauStepper struct{ *optim.ReduceLROnPlateau }

func (s plateauStepper) step(k int) { s.Step(metrics[k]) }

func wrap[S optim.LRScheduler](s S, err error) (schedStepper, error) {
	if err != nil {
		return nil, err
	}
	return lrStepper{s}, nil
}

// metrics is the sequence ReduceLROnPlateau sees: improving, then stalling
// with small wiggles.
var metrics = func() []float64 {
	var m []float64
	for k := 0; k < 60; k++ {
		switch {
		case k < 5:
			m = append(m, 1/float64(k+1))
		case k < 30:
			m = append(m, 0.2+0.0001*float64(k%3))
		default:
			m = append(m, 0.1-0.001*float64(k%4))
		}
	}
	return m
}()

const schedSteps = 30

var schedCases = []schedCase{
	{"StepLR", "sgd", "S.StepLR(opt, step_size=4, gamma=0.5)", func(o optim.Optimizer) (schedStepper, error) {
		return wrap(optim.NewStepLR(o, 4, 0.5))
	}},
	{"MultiStepLR", "sgd", "S.MultiStepLR(opt, milestones=[3, 7, 7, 20], gamma=0.3)", func(o optim.Optimizer) (schedStepper, error) {
		return wrap(optim.NewMultiStepLR(o, []int{3, 7, 7, 20}, 0.3))
	}},
	{"ExponentialLR", "adam", "S.ExponentialLR(opt, gamma=0.93)", func(o optim.Optimizer) (schedStepper, error) {
		return wrap(optim.NewExponentialLR(o, 0.93))
	}},
	{"CosineAnnealingLR", "sgd", "S.CosineAnnealingLR(opt, T_max=7)", func(o optim.Optimizer) (schedStepper, error) {
		return wrap(optim.NewCosineAnnealingLR(o, 7, 0))
	}},
	{"CosineAnnealingLREtaMin", "adam", "S.CosineAnnealingLR(opt, T_max=10, eta_min=0.001)", func(o optim.Optimizer) (schedStepper, error) {
		return wrap(optim.NewCosineAnnealingLR(o, 10, 0.001))
	}},
	{"LinearLR", "sgd", "S.LinearLR(opt, start_factor=0.25, end_factor=0.9, total_iters=12)", func(o optim.Optimizer) (schedStepper, error) {
		return wrap(optim.NewLinearLR(o, 0.25, 0.9, 12))
	}},
	{"LinearLRDefaults", "adam", "S.LinearLR(opt)", func(o optim.Optimizer) (schedStepper, error) {
		return wrap(optim.NewLinearLR(o, 1.0/3, 1.0, 5))
	}},
	{"OneCycleCosSGD", "sgd", "S.OneCycleLR(opt, max_lr=[1.0, 0.5], total_steps=31)", func(o optim.Optimizer) (schedStepper, error) {
		return wrap(optim.NewOneCycleLR(o, optim.OneCycleOptions{MaxLR: []float64{1.0, 0.5}, TotalSteps: 31}))
	}},
	{"OneCycleLinearThreePhaseAdam", "adam", "S.OneCycleLR(opt, max_lr=0.01, epochs=4, steps_per_epoch=8, anneal_strategy='linear', three_phase=True, pct_start=0.25)", func(o optim.Optimizer) (schedStepper, error) {
		return wrap(optim.NewOneCycleLR(o, optim.OneCycleOptions{MaxLR: []float64{0.01}, Epochs: 4, StepsPerEpoch: 8,
			AnnealStrategy: "linear", ThreePhase: true, PctStart: new(0.25)}))
	}},
	{"OneCycleNoMomentum", "adam", "S.OneCycleLR(opt, max_lr=0.1, total_steps=40, cycle_momentum=False, div_factor=10.0, final_div_factor=100.0)", func(o optim.Optimizer) (schedStepper, error) {
		return wrap(optim.NewOneCycleLR(o, optim.OneCycleOptions{MaxLR: []float64{0.1}, TotalSteps: 40,
			CycleMomentum: new(false), DivFactor: new(10.0), FinalDivFactor: new(100.0)}))
	}},
	{"SequentialLR", "sgd", "S.SequentialLR(opt, [S.LinearLR(opt, start_factor=0.1, total_iters=5), S.CosineAnnealingLR(opt, T_max=9), S.StepLR(opt, 3)], milestones=[5, 17])", func(o optim.Optimizer) (schedStepper, error) {
		a, err := optim.NewLinearLR(o, 0.1, 1.0, 5)
		require.NoError(nil, err)
		b, err := optim.NewCosineAnnealingLR(o, 9, 0)
		require.NoError(nil, err)
		c, err := optim.NewStepLR(o, 3, 0.1)
		require.NoError(nil, err)
		return wrap(optim.NewSequentialLR(o, []optim.LRScheduler{a, b, c}, []int{5, 17}))
	}},
	{"ReduceLROnPlateau", "sgd", "S.ReduceLROnPlateau(opt, patience=3, cooldown=2, factor=0.5, min_lr=[0.01, 0.0])", func(o optim.Optimizer) (schedStepper, error) {
		s, err := optim.NewReduceLROnPlateau(o, optim.PlateauOptions{Patience: new(3), Cooldown: 2, Factor: new(0.5), MinLR: []float64{0.01, 0}})
		return plateauStepper{s}, err
	}},
	{"ReduceLROnPlateauMaxAbs", "adam", "S.ReduceLROnPlateau(opt, mode='max', threshold_mode='abs', threshold=0.01, patience=2)", func(o optim.Optimizer) (schedStepper, error) {
		s, err := optim.NewReduceLROnPlateau(o, optim.PlateauOptions{Mode: "max", ThresholdMode: "abs", Threshold: new(0.01), Patience: new(2)})
		return plateauStepper{s}, err
	}},
}

const schedPy = `
import torch.optim as O
import torch.optim.lr_scheduler as S
import collections
a = torch.zeros(2, requires_grad=True)
b = torch.zeros(3, requires_grad=True)
if IN["opt"] == "sgd":
    opt = O.SGD([{"params": [a]}, {"params": [b], "lr": 0.05}], lr=0.1, momentum=0.9)
else:
    opt = O.Adam([{"params": [a]}, {"params": [b], "lr": 0.05}], lr=0.1)
def snap():
    out = []
    for g in opt.param_groups:
        out.append(typed(float(g["lr"])))
        out.append(typed(g["momentum"] if "momentum" in g else g["betas"][0]))
    return out
def sched_sd(sch):
    sd = sch.state_dict()
    sd.pop("anneal_func", None)
    sd.pop("_scale_fn_ref", None)  # CyclicLR's weakref: torch.save cannot pickle it
    if isinstance(sd.get("milestones"), collections.Counter):
        sd["milestones"] = dict(sd["milestones"])
    if "_schedulers" in sd:
        sd["_schedulers"] = [dict(s) for s in sd["_schedulers"]]
        for s in sd["_schedulers"]:
            s.pop("anneal_func", None)
    return sd
def groups_sd():
    return [{k: v for k, v in g.items() if k != "params"} for g in opt.state_dict()["param_groups"]]
def step(sch, k):
    if isinstance(sch, S.ReduceLROnPlateau):
        sch.step(IN["metrics"][k])
    else:
        sch.step()
`

func newSchedOpt(tb testing.TB, kind string) optim.Optimizer {
	a := torch.Zeros([]int64{2}).SetRequiresGrad(true)
	b := torch.Zeros([]int64{3}).SetRequiresGrad(true)
	gs := []optim.Group{{Params: []*torch.Tensor{a}}, {Params: []*torch.Tensor{b}, Options: map[string]any{"lr": 0.05}}}
	if kind == "sgd" {
		o, err := optim.NewSGDGroups(gs, optim.SGDOptions{LR: 0.1, Momentum: 0.9})
		require.NoError(tb, err)
		return o
	}
	o, err := optim.NewAdamGroups(gs, optim.AdamOptions{LR: new(0.1)})
	require.NoError(tb, err)
	return o
}

// snap records each group's lr and momentum (or beta1) like Python's snap().
func snap(tb testing.TB, o optim.Optimizer) []any {
	var out []any
	for _, g := range o.ParamGroups() {
		out = append(out, goTyped(tb, g.LR()))
		if m, ok := g.Get("momentum"); ok {
			out = append(out, goTyped(tb, m))
		} else {
			v, _ := g.Get("betas")
			out = append(out, goTyped(tb, v.(pt.Tuple)[0]))
		}
	}
	return out
}

func goGroups(tb testing.TB, o optim.Optimizer) any {
	var gs []any
	for _, g := range o.ParamGroups() {
		gs = append(gs, g.Options())
	}
	return goTyped(tb, gs)
}

func TestSchedulersMatchPyTorch(t *testing.T) {
	pyref.RequireVersion(t, "1.13.", "", "optimizer and scheduler state dicts follow PyTorch 1.13's layout; 2.x adds and drops keys")
	for _, c := range schedCases {
		t.Run(c.name, func(t *testing.T) {
			var want struct {
				Trace  [][]any `json:"trace"`
				State  any     `json:"state"`
				Groups any     `json:"groups"`
			}
			pyref.Run(t, pyTyped+schedPy+`
sch = `+c.py+`
trace = [snap()]
for k in range(IN["steps"]):
    opt.step()
    step(sch, k)
    trace.append(snap())
out({"trace": trace, "state": typed(sched_sd(sch)), "groups": typed(groups_sd())})
`, map[string]any{"opt": c.opt, "steps": schedSteps, "metrics": metrics}, &want)

			o := newSchedOpt(t, c.opt)
			s, err := c.mk(o)
			require.NoError(t, err)
			trace := [][]any{snap(t, o)}
			for k := 0; k < schedSteps; k++ {
				s.step(k)
				trace = append(trace, snap(t, o))
			}
			got := normalizeJSON(t, trace).([]any)
			for k := range want.Trace {
				require.Equal(t, normalizeJSON(t, want.Trace[k]), got[k], "lr/momentum after step %d (0: construction)", k)
			}
			require.Equal(t, want.State, normalizeJSON(t, goTyped(t, s.StateDict())), "state dict")
			require.Equal(t, want.Groups, normalizeJSON(t, goGroups(t, o)), "param groups")
		})
	}
}

// TestSchedulerStateDictsMoveBetweenGoAndPython saves a Python scheduler
// (with its optimizer) mid-schedule, continues it in Go and back.
func TestSchedulerStateDictsMoveBetweenGoAndPython(t *testing.T) {
	pyref.RequireVersion(t, "1.13.", "", "optimizer and scheduler state dicts follow PyTorch 1.13's layout; 2.x adds and drops keys")
	for _, c := range schedCases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			pyFile, goFile := filepath.Join(dir, "py.pt"), filepath.Join(dir, "go.pt")
			var want struct {
				Trace  [][]any `json:"trace"`
				Resume [][]any `json:"resume"`
			}
			// Python: 10 steps, save; record the 10 next. Go: load, 10 steps,
			// save; Python loads Go's file into a fresh pair and takes 10 more.
			script := pyTyped + schedPy + `
sch = ` + c.py + `
for k in range(10):
    step(sch, k)
torch.save({"opt": opt.state_dict(), "sched": sched_sd(sch)}, IN["py"])
trace = []
for k in range(10, 20):
    step(sch, k)
    trace.append(snap())
out({"trace": trace})
`
			pyref.Run(t, script, map[string]any{"opt": c.opt, "metrics": metrics, "py": pyFile}, &want)

			o := newSchedOpt(t, c.opt)
			s, err := c.mk(o)
			require.NoError(t, err)
			raw, err := pt.Load(pyFile)
			require.NoError(t, err)
			d := raw.(*pt.OrderedDict)
			osd, _ := d.Get("opt")
			ssd, _ := d.Get("sched")
			require.NoError(t, o.LoadStateDict(osd.(*pt.OrderedDict)))
			require.NoError(t, s.LoadStateDict(ssd.(*pt.OrderedDict)))
			for k := 10; k < 20; k++ {
				s.step(k)
				require.Equal(t, normalizeJSON(t, want.Trace[k-10]), normalizeJSON(t, snap(t, o)), "step %d after loading Python's state", k)
			}
			sd := pt.NewDict()
			sd.MustSet("opt", o.StateDict())
			sd.MustSet("sched", s.StateDict())
			require.NoError(t, pt.Save(goFile, sd))

			pyref.Run(t, pyTyped+schedPy+`
sch = `+c.py+`
d = torch.load(IN["go"])
opt.load_state_dict(d["opt"])
sch.load_state_dict(d["sched"])
resume = []
for k in range(20, 30):
    step(sch, k)
    resume.append(snap())
out({"resume": resume})
`, map[string]any{"opt": c.opt, "metrics": metrics, "go": goFile}, &want)
			for k := 20; k < 30; k++ {
				s.step(k)
				require.Equal(t, normalizeJSON(t, want.Resume[k-20]), normalizeJSON(t, snap(t, o)), "step %d, Python after loading Go's state", k)
			}
		})
	}
}

func TestSchedulerBadOptions(t *testing.T) {
	o := newSchedOpt(t, "sgd")
	cases := []struct {
		name, want string
		mk         func() error
	}{
		{"StepLRZero", "step_size", func() error { _, err := optim.NewStepLR(o, 0, 0.1); return err }},
		{"CosineTMax", "T_max", func() error { _, err := optim.NewCosineAnnealingLR(o, 0, 0); return err }},
		{"LinearStart", "start_factor", func() error { _, err := optim.NewLinearLR(o, 1.5, 1, 5); return err }},
		{"LinearEnd", "end_factor", func() error { _, err := optim.NewLinearLR(o, 0.5, -1, 5); return err }},
		{"OneCyclePct", "pct_start", func() error {
			_, err := optim.NewOneCycleLR(o, optim.OneCycleOptions{MaxLR: []float64{1}, TotalSteps: 10, PctStart: new(1.5)})
			return err
		}},
		{"OneCycleAnneal", "anneal_strategy", func() error {
			_, err := optim.NewOneCycleLR(o, optim.OneCycleOptions{MaxLR: []float64{1}, TotalSteps: 10, AnnealStrategy: "exp"})
			return err
		}},
		{"OneCycleSteps", "epochs", func() error { _, err := optim.NewOneCycleLR(o, optim.OneCycleOptions{MaxLR: []float64{1}}); return err }},
		{"PlateauFactor", "factor", func() error {
			_, err := optim.NewReduceLROnPlateau(o, optim.PlateauOptions{Factor: new(1.0)})
			return err
		}},
		{"PlateauMode", "mode", func() error {
			_, err := optim.NewReduceLROnPlateau(o, optim.PlateauOptions{Mode: "median"})
			return err
		}},
		{"SequentialMilestones", "milestones", func() error {
			a, _ := optim.NewStepLR(o, 1, 0.1)
			_, err := optim.NewSequentialLR(o, []optim.LRScheduler{a}, []int{3})
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
	// A bad state dict changes nothing.
	s, err := optim.NewStepLR(o, 3, 0.5)
	require.NoError(t, err)
	before := fmt.Sprint(normalizeJSON(t, goTyped(t, s.StateDict())))
	bad := pt.NewDict()
	bad.MustSet("gamma", 0.9)
	bad.MustSet("last_epoch", "seven")
	require.Error(t, s.LoadStateDict(bad))
	require.Equal(t, before, fmt.Sprint(normalizeJSON(t, goTyped(t, s.StateDict()))))
}
