package lightning

import (
	"fmt"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/optim"
)

// Manual optimization (Lightning's automatic_optimization = False): the
// module's TrainingStep does the optimization itself, with the optimizers
// of Base.Optimizers:
//
//	func (m *GAN) AutomaticOptimization() bool { return false }
//
//	func (m *GAN) TrainingStep(batch any, i int) *torch.Tensor {
//		opts := m.Optimizers()
//		optD, optG := opts[0], opts[1]
//		m.ToggleOptimizer(optD)
//		lossD := ...
//		optD.ZeroGrad()
//		m.ManualBackward(lossD)
//		optD.Step()
//		m.UntoggleOptimizer(optD)
//		...
//		return nil
//	}
//
// The trainer then neither zeroes gradients, runs backward, steps the
// optimizers nor steps the LR schedulers; each LightningOptimizer.Step
// inside TrainingStep counts one global step (two optimizers stepped per
// batch make two), as Lightning counts them. Gradient clipping and
// accumulation are refused, as in Lightning.

// AutomaticOptimizer is a module that says whether the trainer optimizes
// it (Lightning's automatic_optimization property). Without it, or when it
// returns true, optimization is automatic.
type AutomaticOptimizer interface {
	AutomaticOptimization() bool
}

// automatic reports whether m's optimization is the trainer's.
func automatic(m any) bool {
	a, ok := m.(AutomaticOptimizer)
	return !ok || a.AutomaticOptimization()
}

// LightningOptimizer is one of the module's optimizers as the module sees
// it in a run (Lightning's LightningOptimizer, what self.optimizers()
// returns): the optimizer's methods, with Step running through the
// trainer, which calls on_before_optimizer_step, applies the precision
// (16-mixed's gradient scaler) and, in a manual TrainingStep, counts the
// step.
type LightningOptimizer struct {
	// Optimizer is the wrapped optimizer (LightningOptimizer.optimizer).
	optim.Optimizer
	t *Trainer
}

// Step performs one optimization step (optimizer.step()).
func (o *LightningOptimizer) Step() { o.StepClosure(nil) }

// StepClosure performs one optimization step after running closure
// (optimizer.step(closure)), which computes the loss and its gradients:
// closure, with grad enabled, then on_before_optimizer_step, then the
// update. closure may be nil.
func (o *LightningOptimizer) StepClosure(closure func()) {
	t := o.t
	if t == nil {
		if closure != nil {
			torch.EnableGrad(closure)
		}
		o.Optimizer.Step()
		return
	}
	fl := &t.lp.fit
	counts := fl.countSteps // _ManualOptimization's _on_before_step / _on_after_step
	if counts {
		fl.manualStep.incReady()
	}
	t.precisionStep(o.Optimizer, closure)
	if counts {
		fl.manualStep.incCompleted()
		fl.globalStep++
	}
}

// ToggleModel runs f with only this optimizer's parameters requiring
// gradients (Base.ToggleOptimizer, then UntoggleOptimizer); syncGrad false
// keeps DDP from averaging the gradients of f's backward passes, for
// accumulation (toggle_model(sync_grad)).
func (o *LightningOptimizer) ToggleModel(syncGrad bool, f func()) {
	if o.t == nil {
		f()
		return
	}
	b := o.t.base()
	b.ToggleOptimizer(o)
	if !syncGrad && o.t.dist != nil && o.t.dist.ddp != nil {
		o.t.dist.ddp.NoSync(f)
	} else {
		f()
	}
	b.UntoggleOptimizer(o)
}

// precisionStep is the precision plugin's optimizer_step: the closure,
// the gradients unscaled (16-mixed), on_before_optimizer_step (and, in
// automatic optimization, clipping), then the step: skipped by the scaler
// when a gradient overflowed.
func (t *Trainer) precisionStep(opt optim.Optimizer, closure func()) {
	m := t.module
	if closure != nil {
		torch.EnableGrad(closure)
	}
	if t.scaler != nil {
		if err := t.scaler.Unscale(opt); err != nil {
			fail(err)
		}
	}
	t.cb("on_before_optimizer_step", func(c Callback) { c.OnBeforeOptimizerStep(t, m, opt) })
	callHook(t, "on_before_optimizer_step", m, func(h OnBeforeOptimizerStepper) { h.OnBeforeOptimizerStep(opt) })
	if automatic(m) {
		t.clip()
	}
	if t.scaler != nil {
		if _, err := t.scaler.Step(opt); err != nil {
			fail(err)
		}
		if err := t.scaler.Update(); err != nil {
			fail(err)
		}
		return
	}
	opt.Step()
}

// base is the running module's Base.
func (t *Trainer) base() *Base {
	if b, ok := t.module.(interface{ lightningBase() *Base }); ok {
		return b.lightningBase()
	}
	panic(fmt.Errorf("lightning: the module (%T) does not embed lightning.Base", t.module))
}

func (b *Base) lightningBase() *Base { return b }

// manualTrainingStep runs training_step for a module that optimizes
// itself (Lightning's _ManualOptimization.run): its optimizer steps count
// while it runs. The returned loss is detached, as Lightning's
// ManualResult does.
func (t *Trainer) manualTrainingStep(batch any, i int) *torch.Tensor {
	m := t.module
	fl := &t.lp.fit
	var loss *torch.Tensor
	fl.countSteps = true
	defer func() { fl.countSteps = false }()
	t.call("training_step", t.forwardContext(func() { loss = m.TrainingStep(batch, i) }))
	if loss == nil {
		return nil
	}
	return loss.Detach()
}

// checkManual refuses what manual optimization does not support, as
// Lightning's configuration validator does.
func (t *Trainer) checkManual() {
	if automatic(t.module) {
		return
	}
	if t.cfg.GradientClipVal > 0 {
		failf("lightning: Automatic gradient clipping is not supported for manual optimization. Remove `Trainer(gradient_clip_val=%v)` or switch to automatic optimization.", t.cfg.GradientClipVal)
	}
	if t.cfg.AccumulateGradBatches > 1 {
		failf("lightning: Automatic gradient accumulation is not supported for manual optimization. Remove `Trainer(accumulate_grad_batches=%d)` or switch to automatic optimization.", t.cfg.AccumulateGradBatches)
	}
}

// Optimizers are the module's optimizers in the order ConfigureOptimizers
// gave them, as the module steps them (self.optimizers()); nil outside a
// Fit.
func (b *Base) Optimizers() []*LightningOptimizer {
	if b.t == nil {
		return nil
	}
	return append([]*LightningOptimizer(nil), b.t.lopts...)
}

// LRSchedulers are the schedulers ConfigureOptimizers gave, each an
// optim.LRScheduler or an *optim.ReduceLROnPlateau (self.lr_schedulers()),
// for manual optimization, where the module steps them; nil outside a Fit.
func (b *Base) LRSchedulers() []any {
	if b.t == nil {
		return nil
	}
	var out []any
	for _, s := range b.t.scheds {
		out = append(out, s.Scheduler)
	}
	return out
}

// ManualBackward runs the backward pass of loss in a manual TrainingStep
// (manual_backward): the precision's loss scaling, on_before_backward,
// Backward (the module's hook or loss.Backward()), on_after_backward, and
// under DDP the gradients' averaging.
func (b *Base) ManualBackward(loss *torch.Tensor) {
	t := b.attached("ManualBackward")
	if automatic(t.module) {
		panic(fmt.Errorf("lightning: to use ManualBackward, please disable automatic optimization: return false from the module's AutomaticOptimization"))
	}
	t.backward(loss)
}

// ToggleOptimizer makes only opt's parameters require gradients: every
// other optimizer's parameters stop requiring them until
// UntoggleOptimizer (toggle_optimizer), so that a backward pass for opt
// leaves no gradients in them. opt is a LightningOptimizer or the
// optimizer it wraps.
func (b *Base) ToggleOptimizer(opt optim.Optimizer) {
	t := b.attached("ToggleOptimizer")
	opt = t.ownOptimizer(opt, "ToggleOptimizer")
	state := map[*torch.Tensor]bool{}
	for _, o := range t.opts {
		for _, g := range o.ParamGroups() {
			for _, p := range g.Params {
				if _, seen := state[p]; seen {
					continue
				}
				state[p] = p.RequiresGrad()
				p.SetRequiresGrad(false)
			}
		}
	}
	for _, g := range opt.ParamGroups() {
		for _, p := range g.Params {
			p.SetRequiresGrad(state[p])
		}
	}
	b.gradState = state
}

// UntoggleOptimizer gives the parameters of the other optimizers back the
// requires_grad they had before ToggleOptimizer(opt) (untoggle_optimizer).
func (b *Base) UntoggleOptimizer(opt optim.Optimizer) {
	t := b.attached("UntoggleOptimizer")
	opt = t.ownOptimizer(opt, "UntoggleOptimizer")
	for _, o := range t.opts {
		if o == opt {
			continue
		}
		for _, g := range o.ParamGroups() {
			for _, p := range g.Params {
				if v, ok := b.gradState[p]; ok {
					p.SetRequiresGrad(v)
				}
			}
		}
	}
	b.gradState = nil
}

// ToggledOptimizer runs f between ToggleOptimizer(opt) and
// UntoggleOptimizer(opt), untoggling also when f panics
// (toggled_optimizer).
func (b *Base) ToggledOptimizer(opt optim.Optimizer, f func()) {
	b.ToggleOptimizer(opt)
	defer b.UntoggleOptimizer(opt)
	f()
}

func (b *Base) attached(what string) *Trainer {
	if b.t == nil {
		panic(fmt.Errorf("lightning: %s: the module is not attached to a Trainer (call it inside Fit)", what))
	}
	return b.t
}

// ownOptimizer unwraps a LightningOptimizer and checks that opt is one of
// the trainer's optimizers.
func (t *Trainer) ownOptimizer(opt optim.Optimizer, what string) optim.Optimizer {
	if lo, ok := opt.(*LightningOptimizer); ok {
		opt = lo.Optimizer
	}
	for _, o := range t.opts {
		if o == opt {
			return opt
		}
	}
	panic(fmt.Errorf("lightning: %s: the optimizer (%T) is not one that ConfigureOptimizers returned", what, opt))
}
