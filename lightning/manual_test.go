package lightning

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/nn"
	"github.com/torchgo/torchgo/torch/optim"
	"github.com/torchgo/torchgo/torch/pt"
)

// hookedManual is test_hooks.py's TestModel with automatic_optimization =
// False: its training_step does
//
//	loss = self.step(batch[0]); opt = self.optimizers(); opt.zero_grad()
//	self.manual_backward(loss); opt.step(lambda: called.append({"name": "closure"}))
//
// and HookedModel records manual_backward when it returns.
type hookedManual struct{ *hooked }

func (h hookedManual) AutomaticOptimization() bool { return false }

func (h hookedManual) TrainingStep(b any, i int) *torch.Tensor {
	loss := h.step(b)
	opt := h.Optimizers()[0]
	opt.ZeroGrad()
	h.ManualBackward(loss)
	h.rec("manual_backward")
	opt.StepClosure(func() { h.rec("closure") })
	h.rec(fmt.Sprintf("training_step(%d)", i))
	return loss
}

// hookedManualTrain overrides on_validation_model_train and
// on_test_model_train too.
type hookedManualTrain struct{ hookedManual }

func (h hookedManualTrain) OnValidationModelTrain() { h.rec("on_validation_model_train") }
func (h hookedManualTrain) OnTestModelTrain()       { h.rec("on_test_model_train") }

// manualBatch is test_hooks.py's _manual_train_batch for batch i, from
// training_step on: what replaces the automatic batch's training_step ...
// optimizer_step (and lr_scheduler_step: Lightning steps no scheduler in
// manual optimization).
func manualBatch(i int) []string {
	return []string{
		"Callback.on_before_backward", "on_before_backward", "backward",
		"Callback.on_after_backward", "on_after_backward",
		"manual_backward", "closure",
		"Callback.on_before_optimizer_step", "on_before_optimizer_step",
		fmt.Sprintf("training_step(%d)", i),
	}
}

// toManual turns a recorded automatic-optimization fit (hooks.json) into
// Lightning's expected list for the manual TestModel: every training
// batch's hooks from training_step to on_train_batch_end become
// _manual_train_batch's; the rest (the fit, validation, checkpoint hooks)
// are the same in both modes (test_trainer_model_hook_system_fit
// parametrizes only _train_batch on automatic_optimization).
func toManual(t *testing.T, auto []string) []string {
	var out []string
	for k := 0; k < len(auto); k++ {
		var i int
		if n, _ := fmt.Sscanf(auto[k], "training_step(%d)", &i); n == 1 && strings.HasPrefix(auto[k], "training_step(") {
			end := k
			for end < len(auto) && auto[end] != fmt.Sprintf("Callback.on_train_batch_end(%d)", i) {
				end++
			}
			require.Less(t, end, len(auto), "no on_train_batch_end after training_step(%d)", i)
			out = append(out, manualBatch(i)...)
			k = end - 1
			continue
		}
		out = append(out, auto[k])
	}
	return out
}

// A module that optimizes itself gets Lightning's hooks in Lightning's
// order: for each recorded fit configuration, the recorded list with the
// training batches of test_hooks.py's _manual_train_batch (no zero_grad,
// optimizer_step or scheduler hooks; on_before_optimizer_step after the
// closure), and global_step counts its optimizer steps.
func TestManualOptimizationHooksMatchLightning(t *testing.T) {
	want := recordedHooks(t)
	for _, c := range []struct {
		key        string
		epochs, vb int
		overrides  bool
	}{
		{"fit_e1_t2_v2", 1, 2, true},
		{"fit_e2_t2_v1", 2, 1, true},
		{"fit_e1_t2_v2_no_on_validation_model_train", 1, 2, false},
		{"fit_e2_t2_v1_no_on_validation_model_train", 2, 1, false},
	} {
		t.Run(c.key, func(t *testing.T) {
			r := &recorder{}
			var m Module = hookedManual{newHooked(r)}
			if c.overrides {
				m = hookedManualTrain{hookedManual{newHooked(r)}}
			}
			tr := hookTrainer(t, r, func(cfg *Config) { cfg.MaxEpochs, cfg.LimitValBatches = c.epochs, Batches(c.vb) })
			require.NoError(t, tr.Fit(m, nil, ""))
			expected := toManual(t, want[c.key])
			require.NotEqual(t, want[c.key], expected)
			require.Equal(t, expected, r.calls)
			require.Equal(t, 2*c.epochs, tr.GlobalStep(), "one optimizer step per batch")
			require.Equal(t, c.epochs, tr.CurrentEpoch())
			// The StepLR was never stepped by the trainer.
			require.Equal(t, 0.1, tr.Optimizer().ParamGroups()[0].LR())
		})
	}
}

// duo is a two-optimizer module in manual optimization, as a GAN: A is
// trained with B frozen, then B with A frozen; SGD with momentum for A,
// Adam for B, a StepLR for each that the module steps at each epoch's end.
type duo struct {
	nn.Module
	Base
	A, B *nn.Linear
	// steps records GlobalStep before and after each optimizer step.
	steps []int
	// outside steps B's optimizer again in on_train_batch_end, where
	// Lightning does not count it.
	outside bool
	// grads records, for each backward, which parameters got gradients.
	grads []string
}

func newDuo() *duo {
	m := &duo{}
	m.A = nn.Add(m, "a", nn.NewLinear(4, 3))
	m.B = nn.Add(m, "b", nn.NewLinear(3, 3))
	return m
}

func (m *duo) AutomaticOptimization() bool { return false }

func (m *duo) gotGrads() string {
	var s []string
	for _, n := range m.NamedParameters() {
		if g := n.Tensor.Grad(); g != nil {
			s = append(s, n.Name)
		}
	}
	return strings.Join(s, ",")
}

func (m *duo) TrainingStep(batch any, i int) *torch.Tensor {
	b := batch.([]*torch.Tensor)
	opts := m.Optimizers()
	x := torch.Dropout(b[0], 0.2, m.IsTraining())
	ce := func(out *torch.Tensor) *torch.Tensor {
		return torch.CrossEntropy(out, b[1], torch.CrossEntropyOptions{})
	}
	step := func(o *LightningOptimizer) {
		m.steps = append(m.steps, m.GlobalStep())
		o.Step()
		m.steps = append(m.steps, m.GlobalStep())
	}
	var lossA, lossB *torch.Tensor
	m.ToggledOptimizer(opts[0], func() {
		lossA = ce(m.B.Forward(m.A.Forward(x)))
		opts[0].ZeroGrad()
		m.ManualBackward(lossA)
		m.grads = append(m.grads, m.gotGrads())
		step(opts[0])
	})
	m.ToggledOptimizer(opts[1], func() {
		lossB = ce(m.B.Forward(m.A.Forward(x).Tanh()))
		opts[1].ZeroGrad()
		m.ManualBackward(lossB)
		m.grads = append(m.grads, m.gotGrads())
		step(opts[1])
	})
	m.Log("loss_a", lossA, LogOptions{ProgBar: true})
	m.Log("loss_b", lossB)
	return lossB
}

func (m *duo) OnTrainBatchEnd(_ *torch.Tensor, _ any, _ int) {
	if m.outside {
		m.Optimizers()[1].Step()
	}
}

func (m *duo) OnTrainEpochEnd() {
	for _, s := range m.LRSchedulers() {
		s.(optim.LRScheduler).Step()
	}
}

func (m *duo) ConfigureOptimizers() (Optimization, error) {
	oa, err := optim.NewSGD(m.A.Parameters(), optim.SGDOptions{LR: 0.1, Momentum: 0.9})
	if err != nil {
		return Optimization{}, err
	}
	ob, err := optim.NewAdam(m.B.Parameters(), optim.AdamOptions{LR: new(0.01)})
	if err != nil {
		return Optimization{}, err
	}
	sa, err := optim.NewStepLR(oa, 1, 0.5)
	if err != nil {
		return Optimization{}, err
	}
	sb, err := optim.NewStepLR(ob, 1, 0.7)
	return Optimization{Optimizers: []optim.Optimizer{oa, ob}, Schedulers: []Scheduler{{Scheduler: sa}, {Scheduler: sb}}}, err
}

// Each LightningOptimizer.Step inside training_step is a global step (two
// per batch here), as Lightning's manual_optimization.optim_step_progress
// counts them, and max_steps stops on them; a step outside training_step
// (in on_train_batch_end) is not counted. _batches_that_stepped counts
// batches; the checkpoint's counters say so; the trainer steps no
// scheduler (the module does, at each epoch's end).
func TestManualOptimizationGlobalStep(t *testing.T) {
	data := tinyData() // 4 batches per epoch
	torch.ManualSeed(0)
	m := newDuo()
	m.outside = true
	dir := t.TempDir()
	mc := NewModelCheckpoint(ModelCheckpointConfig{SaveLast: true})
	cfg := resumeConfig(t, dir, 2, mc)
	tr := newTrainer(t, cfg)
	require.NoError(t, tr.Fit(m, data, ""))
	require.Equal(t, 16, tr.GlobalStep())
	want := []int{}
	for s := 0; s < 16; s++ {
		want = append(want, s, s+1)
	}
	require.Equal(t, want, m.steps)
	require.Equal(t, 8, tr.lp.fit.batchesThatStepped)
	require.Len(t, tr.Optimizers(), 2)
	require.InDelta(t, 0.1*0.25, tr.Optimizers()[0].ParamGroups()[0].LR(), 1e-15, "the module's two StepLR steps")
	require.InDelta(t, 0.01*0.49, tr.Optimizers()[1].ParamGroups()[0].LR(), 1e-15)

	ck := loadDict(t, mc.LastModelPath())
	require.Equal(t, int64(16), loopInt(t, ck, "global_step"))
	require.Equal(t, int64(16), loopInt(t, ck, "loops", "fit_loop", "epoch_loop.manual_optimization.optim_step_progress", "total", "completed"))
	require.Equal(t, int64(16), loopInt(t, ck, "loops", "fit_loop", "epoch_loop.manual_optimization.optim_step_progress", "total", "ready"))
	require.Equal(t, int64(0), loopInt(t, ck, "loops", "fit_loop", "epoch_loop.automatic_optimization.optim_progress", "optimizer", "step", "total", "completed"))
	require.Equal(t, int64(0), loopInt(t, ck, "loops", "fit_loop", "epoch_loop.scheduler_progress", "total", "completed"))
	require.Equal(t, int64(8), loopInt(t, ck, "loops", "fit_loop", "epoch_loop.state_dict", "_batches_that_stepped"))

	t.Run("max_steps", func(t *testing.T) {
		torch.ManualSeed(0)
		m := newDuo()
		cfg := resumeConfig(t, t.TempDir(), 10)
		cfg.MaxSteps = 5
		tr := newTrainer(t, cfg)
		require.NoError(t, tr.Fit(m, data, ""))
		require.Equal(t, 6, tr.GlobalStep(), "stops after the batch that reaches max_steps")
		require.Equal(t, 1, tr.CurrentEpoch(), "the stopped epoch counts completed, as in Lightning")
	})
}

// ToggleOptimizer leaves requires_grad on only for the toggled optimizer's
// parameters (those it had), so that backward fills no other gradient;
// UntoggleOptimizer restores every flag, a frozen parameter staying
// frozen, as Lightning's toggle_optimizer / untoggle_optimizer.
func TestToggleOptimizer(t *testing.T) {
	torch.ManualSeed(0)
	m := newDuo()
	m.B.Bias.SetRequiresGrad(false) // frozen before configure_optimizers
	var during, after [2]map[string]bool
	flags := func() map[string]bool {
		out := map[string]bool{}
		for _, n := range m.NamedParameters() {
			out[n.Name] = n.Tensor.RequiresGrad()
		}
		return out
	}
	probe := &toggleProbe{duo: m, flags: flags, during: &during, after: &after}
	cfg := resumeConfig(t, t.TempDir(), 1)
	cfg.MaxSteps = 2
	tr := newTrainer(t, cfg)
	require.NoError(t, tr.Fit(probe, tinyData(), ""))
	require.Equal(t, map[string]bool{"a.weight": true, "a.bias": true, "b.weight": false, "b.bias": false}, during[0])
	require.Equal(t, map[string]bool{"a.weight": false, "a.bias": false, "b.weight": true, "b.bias": false}, during[1])
	restored := map[string]bool{"a.weight": true, "a.bias": true, "b.weight": true, "b.bias": false}
	require.Equal(t, restored, after[0])
	require.Equal(t, restored, after[1])
	require.Equal(t, []string{"a.weight,a.bias", "b.weight"}, m.grads, "backward under a toggle fills the toggled optimizer's gradients only")
}

type toggleProbe struct {
	*duo
	flags         func() map[string]bool
	during, after *[2]map[string]bool
}

func (p *toggleProbe) TrainingStep(batch any, i int) *torch.Tensor {
	b := batch.([]*torch.Tensor)
	opts := p.Optimizers()
	for k, o := range opts {
		p.ToggleOptimizer(o)
		p.during[k] = p.flags()
		p.ZeroGrad() // every gradient, so that the backward's own show
		loss := torch.CrossEntropy(p.B.Forward(p.A.Forward(b[0])), b[1], torch.CrossEntropyOptions{})
		p.ManualBackward(loss)
		p.grads = append(p.grads, p.gotGrads())
		o.Step()
		p.UntoggleOptimizer(o)
		p.after[k] = p.flags()
	}
	return nil
}

// Two optimizers and two schedulers are saved in order
// (optimizer_states, lr_schedulers) and restored: 2 epochs, a checkpoint,
// 2 more give the weights of 4 epochs straight, bit for bit, from an
// epoch's end and from an interrupt mid-epoch; Python's torch.load reads
// the two states into torch.optim.SGD and Adam.
func TestManualOptimizationResume(t *testing.T) {
	data := tinyData()
	torch.ManualSeed(0)
	straight := newDuo()
	tr := newTrainer(t, resumeConfig(t, t.TempDir(), 4))
	require.NoError(t, tr.Fit(straight, data, ""))
	require.Equal(t, 32, tr.GlobalStep())
	want := weights(straight)

	t.Run("epoch boundary", func(t *testing.T) {
		dir := t.TempDir()
		torch.ManualSeed(0)
		m := newDuo()
		tr := newTrainer(t, resumeConfig(t, dir, 2, NewModelCheckpoint(ModelCheckpointConfig{SaveLast: true})))
		require.NoError(t, tr.Fit(m, data, ""))
		last := tr.CheckpointCallback().LastModelPath()
		ck := loadDict(t, last)
		states, _ := get[[]any](ck, "optimizer_states")
		require.Len(t, states, 2)
		for i, o := range tr.Optimizers() {
			got := states[i].(*pt.OrderedDict)
			groups, _ := get[[]any](got, "param_groups")
			lr, _ := get[float64](groups[0].(*pt.OrderedDict), "lr")
			require.Equal(t, o.ParamGroups()[0].LR(), lr, "optimizer_states[%d] is optimizer %d's", i, i)
		}
		scheds, _ := get[[]any](ck, "lr_schedulers")
		require.Len(t, scheds, 2)
		gamma, _ := get[float64](scheds[1].(*pt.OrderedDict), "gamma")
		require.Equal(t, 0.7, gamma)

		var res struct {
			Types []string  `json:"types"`
			Steps []float64 `json:"steps"`
		}
		pyref.Run(t, `
ck = torch.load(IN["path"], weights_only=False)
a = [torch.nn.Parameter(torch.zeros(3, 4)), torch.nn.Parameter(torch.zeros(3))]
b = [torch.nn.Parameter(torch.zeros(3, 3)), torch.nn.Parameter(torch.zeros(3))]
sgd = torch.optim.SGD(a, lr=1, momentum=0.9)
adam = torch.optim.Adam(b, lr=1)
sgd.load_state_dict(ck["optimizer_states"][0])
adam.load_state_dict(ck["optimizer_states"][1])
out({"types": [type(o).__name__ for o in (sgd, adam)],
     "steps": [float(adam.state[b[0]]["step"]), sgd.param_groups[0]["lr"], adam.param_groups[0]["lr"]]})
`, map[string]string{"path": last}, &res)
		require.Equal(t, []string{"SGD", "Adam"}, res.Types)
		lrB := 0.01
		for range 2 {
			lrB *= 0.7 // StepLR's steps, in float64 as Python's
		}
		require.Equal(t, []float64{8, 0.1 * 0.25, lrB}, res.Steps)

		torch.ManualSeed(123)
		m2 := newDuo()
		tr2 := newTrainer(t, resumeConfig(t, dir, 4))
		require.NoError(t, tr2.Fit(m2, data, last))
		require.Equal(t, 32, tr2.GlobalStep())
		require.Equal(t, want, weights(m2))
	})

	t.Run("interrupted mid-epoch", func(t *testing.T) {
		dir := t.TempDir()
		torch.ManualSeed(0)
		m := newDuo()
		stop := make(chan struct{})
		cfg := resumeConfig(t, dir, 4, NewModelCheckpoint(ModelCheckpointConfig{}), &stopAt{step: 14, ch: stop})
		cfg.Stop = stop
		tr := newTrainer(t, cfg)
		err := tr.Fit(m, data, "")
		require.True(t, errors.Is(err, ErrInterrupted), "%v", err)
		require.Equal(t, 14, tr.GlobalStep())
		last := tr.CheckpointCallback().LastModelPath()
		require.Equal(t, "last.ckpt", filepath.Base(last))

		torch.ManualSeed(5)
		m2 := newDuo()
		tr2 := newTrainer(t, resumeConfig(t, dir, 4))
		require.NoError(t, tr2.Fit(m2, data, last))
		require.Equal(t, 32, tr2.GlobalStep())
		require.Equal(t, want, weights(m2))
	})
}

// What Lightning refuses: several optimizers in automatic optimization,
// gradient clipping or accumulation in manual optimization, and
// manual_backward in automatic optimization.
func TestManualOptimizationErrors(t *testing.T) {
	data := tinyData()
	run := func(m Module, mod func(*Config)) error {
		cfg := resumeConfig(t, t.TempDir(), 1)
		if mod != nil {
			mod(&cfg)
		}
		return newTrainer(t, cfg).Fit(m, data, "")
	}
	err := run(autoDuo{newDuo()}, nil)
	require.ErrorContains(t, err, "Training with multiple optimizers is only supported with manual optimization")
	err = run(newDuo(), func(c *Config) { c.GradientClipVal = 1 })
	require.ErrorContains(t, err, "Automatic gradient clipping is not supported for manual optimization")
	err = run(newDuo(), func(c *Config) { c.AccumulateGradBatches = 2 })
	require.ErrorContains(t, err, "Automatic gradient accumulation is not supported for manual optimization")
	err = run(&autoBackward{tiny: *newTiny()}, nil)
	require.ErrorContains(t, err, "training_step failed at epoch 0, batch 0: lightning: to use ManualBackward, please disable automatic optimization")
}

type autoDuo struct{ *duo }

func (autoDuo) AutomaticOptimization() bool { return true }

type autoBackward struct{ tiny }

func (m *autoBackward) TrainingStep(batch any, i int) *torch.Tensor {
	loss := m.tiny.TrainingStep(batch, i)
	m.ManualBackward(loss)
	return loss
}
