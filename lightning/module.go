package lightning

import (
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/nn"
	"github.com/torchgo/torchgo/torch/optim"
)

// Module is what the Trainer trains: a model (a struct embedding
// nn.Module, which provides every method here except the last two) that
// computes a training loss and chooses its optimizer. Optional behaviour
// (validation, test and predict steps, data loaders, hooks) is found by
// interface assertion; see hooks.go.
type Module interface {
	nn.Layer
	// Parameters lists the trainable tensors (nn.Module's).
	Parameters() []*torch.Tensor
	// StateDict lists parameters and buffers by name (nn.Module's); the
	// trainer saves it in checkpoints under "state_dict".
	StateDict() []nn.Named
	// LoadStateDict loads a state dict (nn.Module's).
	LoadStateDict(sd []nn.Named, strict bool) (nn.LoadResult, error)
	// Train sets training (true) or evaluation (false) mode (nn.Module's).
	Train(on bool)
	// ZeroGrad clears every parameter's gradient (nn.Module's).
	ZeroGrad()
	// To moves parameters and buffers to a device or dtype (nn.Module's).
	To(opts ...torch.Option)

	// TrainingStep computes the loss of one batch (Lightning's
	// training_step); the trainer runs backward and the optimizer step.
	// batchIdx counts batches from 0 in each epoch. Returning nil skips
	// the optimization of this batch.
	TrainingStep(batch any, batchIdx int) *torch.Tensor
	// ConfigureOptimizers returns the optimizers and, optionally, LR
	// schedulers (Lightning's configure_optimizers). It is called once per
	// Fit, after the model is on its device.
	ConfigureOptimizers() (Optimization, error)
}

// Optimization is what ConfigureOptimizers returns: the optimizers and
// their LR schedulers. Automatic optimization drives exactly one
// optimizer; a module that optimizes itself (see AutomaticOptimizer) may
// have several, or none.
type Optimization struct {
	// Optimizer updates the parameters after each backward pass (or every
	// Config.AccumulateGradBatches batches).
	Optimizer optim.Optimizer
	// Optimizers are several optimizers, for manual optimization (what
	// configure_optimizers returns as a list, in its order); with
	// Optimizer set too, Optimizer is the first.
	Optimizers []optim.Optimizer
	// Schedulers are stepped by the trainer, as Lightning's
	// lr_scheduler_config dicts describe; in manual optimization the
	// module steps them itself (Base.LRSchedulers).
	Schedulers []Scheduler
}

// optimizers lists Optimizer and Optimizers in order, without nils.
func (o Optimization) optimizers() []optim.Optimizer {
	var out []optim.Optimizer
	if o.Optimizer != nil {
		out = append(out, o.Optimizer)
	}
	for _, opt := range o.Optimizers {
		if opt != nil {
			out = append(out, opt)
		}
	}
	return out
}

// Scheduler is Lightning's lr_scheduler_config: a scheduler and when to
// step it.
type Scheduler struct {
	// Scheduler is an optim.LRScheduler (stepped with Step()) or an
	// *optim.ReduceLROnPlateau (stepped with Step(metric), the metric
	// being Monitor's value in the callback metrics).
	Scheduler any
	// Interval is "epoch" (the default: step after the last batch of each
	// epoch) or "step" (after each optimizer step).
	Interval string
	// Frequency steps the scheduler every Frequency epochs or steps;
	// 0 means 1.
	Frequency int
	// Monitor names the metric a ReduceLROnPlateau steps on; "" means
	// "val_loss".
	Monitor string
	// NonStrict skips the step, instead of failing, when Monitor is not
	// among the callback metrics (Lightning's strict=False).
	NonStrict bool
	// Name is the LearningRateMonitor's key; "" means "lr-" followed by
	// the optimizer's type name ("lr-SGD").
	Name string
}

// plateau is the metric-driven scheduler kind (optim.ReduceLROnPlateau).
type plateau interface {
	Step(metric float64)
}

// stepper is every other scheduler kind.
type stepper interface {
	Step()
}

// Base gives a module Lightning's conveniences: Log, the trainer, the
// current epoch and step. Embed it next to nn.Module; the trainer attaches
// itself when a run starts. Its zero value is ready; outside a run Log
// does nothing.
type Base struct {
	t *Trainer
	// gradState is the requires_grad of every optimizer's parameters
	// before ToggleOptimizer (Lightning's _param_requires_grad_state).
	gradState map[*torch.Tensor]bool
}

func (b *Base) attach(t *Trainer) { b.t = t }

// attacher is implemented by modules that embed Base.
type attacher interface{ attach(*Trainer) }

// Trainer returns the trainer running the module, or nil outside a run.
func (b *Base) Trainer() *Trainer { return b.t }

// CurrentEpoch is the trainer's current epoch (0-based), or 0 outside a run.
func (b *Base) CurrentEpoch() int {
	if b.t == nil {
		return 0
	}
	return b.t.CurrentEpoch()
}

// GlobalStep is the number of optimizer steps taken so far, or 0 outside a run.
func (b *Base) GlobalStep() int {
	if b.t == nil {
		return 0
	}
	return b.t.GlobalStep()
}

// Device is the device the trainer runs the module on (CPU outside a run).
func (b *Base) Device() torch.Device {
	if b.t == nil {
		return torch.CPU
	}
	return b.t.device
}

// Log records a metric (Lightning's self.log): value is a float64, float32,
// int, int64 or a one-element *torch.Tensor, read at once into a float64.
// Without options it follows Lightning 2's defaults: in training hooks
// on_step=true, on_epoch=false; in validation and test hooks on_step=false,
// on_epoch=true, the epoch value being the mean weighted by batch size.
// See LogOptions.
func (b *Base) Log(name string, value any, opts ...LogOptions) {
	if b.t == nil {
		return
	}
	var o LogOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	b.t.log(name, value, o)
}

// LogDict logs every entry of metrics with the same options, in sorted key
// order (Lightning's log_dict).
func (b *Base) LogDict(metrics map[string]any, opts ...LogOptions) {
	for _, k := range sortedKeys(metrics) {
		b.Log(k, metrics[k], opts...)
	}
}

// ClipGradients clips the gradients of the optimizer's parameters
// (Lightning's clip_gradients): algorithm "norm" (the default, 2-norm at
// most val) or "value" (each element into [-val, val]). val <= 0 does
// nothing.
func (b *Base) ClipGradients(opt optim.Optimizer, val float64, algorithm string) {
	clipGradients(opt, val, algorithm)
}

func clipGradients(opt optim.Optimizer, val float64, algorithm string) {
	if val <= 0 || opt == nil {
		return
	}
	var params []*torch.Tensor
	for _, g := range opt.ParamGroups() {
		params = append(params, g.Params...)
	}
	if algorithm == "value" {
		optim.ClipGradValue(params, val)
		return
	}
	optim.ClipGradNorm(params, val, 2)
}
