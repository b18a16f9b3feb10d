package lightning

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/optim"
	"github.com/torchgo/torchgo/torch/pt"
)

// The hook order is Lightning 2.x's, transcribed from
// tests/tests_pytorch/models/test_hooks.py. As there, a call is recorded
// when it returns, so a hook that calls another (training_step calling
// forward, configure_gradient_clipping calling clip_gradients) comes after
// it. Deliberate differences: hooks Go has no use for are absent
// (on_before_batch_transfer etc. are present; Python-only ones such as
// configure_sharded_model are not), "train" carries the Go bool, and
// Callback hooks do not list their arguments.

type recorder struct{ calls []string }

func (r *recorder) add(s string) { r.calls = append(r.calls, s) }

// hooked is BoringModel with every module hook recorded (HookedModel).
type hooked struct {
	boring
	r *recorder
}

func (h *hooked) rec(s string) { h.r.add(s) }

func (h *hooked) forward(x *torch.Tensor) *torch.Tensor {
	out := h.Layer.Forward(x)
	h.rec("forward")
	return out
}

func (h *hooked) step(batch any) *torch.Tensor {
	out := h.forward(batch.([]*torch.Tensor)[0])
	return torch.MSELoss(out, torch.OnesLike(out), torch.ReduceMean)
}

func (h *hooked) TrainingStep(b any, i int) *torch.Tensor {
	l := h.step(b)
	h.rec(fmt.Sprintf("training_step(%d)", i))
	return l
}

func (h *hooked) ValidationStep(b any, i int) any {
	l := h.step(b)
	h.Log("x", l)
	h.rec(fmt.Sprintf("validation_step(%d)", i))
	return l
}

func (h *hooked) TestStep(b any, i int) any {
	l := h.step(b)
	h.Log("y", l)
	h.rec(fmt.Sprintf("test_step(%d)", i))
	return l
}

func (h *hooked) PredictStep(b any, i int) any {
	out := h.forward(b.([]*torch.Tensor)[0])
	h.rec(fmt.Sprintf("predict_step(%d)", i))
	return out
}

func (h *hooked) ConfigureOptimizers() (Optimization, error) {
	o, err := h.boring.ConfigureOptimizers()
	h.rec("configure_optimizers")
	return o, err
}

func (h *hooked) Train(on bool)                         { h.boring.Train(on); h.rec(fmt.Sprintf("train(%v)", on)) }
func (h *hooked) ZeroGrad()                             { h.boring.ZeroGrad(); h.rec("zero_grad") }
func (h *hooked) ConfigureCallbacks() []Callback        { h.rec("configure_callbacks"); return nil }
func (h *hooked) PrepareData()                          { h.rec("prepare_data") }
func (h *hooked) Setup(stage string)                    { h.rec("setup(" + stage + ")") }
func (h *hooked) Teardown(stage string)                 { h.rec("teardown(" + stage + ")") }
func (h *hooked) ConfigureModel()                       { h.rec("configure_model") }
func (h *hooked) OnFitStart()                           { h.rec("on_fit_start") }
func (h *hooked) OnFitEnd()                             { h.rec("on_fit_end") }
func (h *hooked) OnTrainStart()                         { h.rec("on_train_start") }
func (h *hooked) OnTrainEnd()                           { h.rec("on_train_end") }
func (h *hooked) OnValidationStart()                    { h.rec("on_validation_start") }
func (h *hooked) OnValidationEnd()                      { h.rec("on_validation_end") }
func (h *hooked) OnTestStart()                          { h.rec("on_test_start") }
func (h *hooked) OnTestEnd()                            { h.rec("on_test_end") }
func (h *hooked) OnPredictStart()                       { h.rec("on_predict_start") }
func (h *hooked) OnPredictEnd()                         { h.rec("on_predict_end") }
func (h *hooked) OnTrainEpochStart()                    { h.rec("on_train_epoch_start") }
func (h *hooked) OnTrainEpochEnd()                      { h.rec("on_train_epoch_end") }
func (h *hooked) OnValidationEpochStart()               { h.rec("on_validation_epoch_start") }
func (h *hooked) OnValidationEpochEnd()                 { h.rec("on_validation_epoch_end") }
func (h *hooked) OnTestEpochStart()                     { h.rec("on_test_epoch_start") }
func (h *hooked) OnTestEpochEnd()                       { h.rec("on_test_epoch_end") }
func (h *hooked) OnPredictEpochStart()                  { h.rec("on_predict_epoch_start") }
func (h *hooked) OnPredictEpochEnd()                    { h.rec("on_predict_epoch_end") }
func (h *hooked) OnAfterBackward()                      { h.rec("on_after_backward") }
func (h *hooked) OnValidationModelZeroGrad()            { h.ZeroGrad(); h.rec("on_validation_model_zero_grad") }
func (h *hooked) OnBeforeBackward(*torch.Tensor)        { h.rec("on_before_backward") }
func (h *hooked) OnBeforeOptimizerStep(optim.Optimizer) { h.rec("on_before_optimizer_step") }
func (h *hooked) OnBeforeZeroGrad(optim.Optimizer)      { h.rec("on_before_zero_grad") }
func (h *hooked) Backward(l *torch.Tensor)              { l.Backward(); h.rec("backward") }
func (h *hooked) OptimizerZeroGrad(e, i int, o optim.Optimizer) {
	o.ZeroGrad()
	h.rec(fmt.Sprintf("optimizer_zero_grad(%d, %d)", e, i))
}
func (h *hooked) OptimizerStep(e, i int, o optim.Optimizer, closure func()) {
	closure()
	o.Step()
	h.rec(fmt.Sprintf("optimizer_step(%d, %d)", e, i))
}
func (h *hooked) ConfigureGradientClipping(o optim.Optimizer, v float64, a string) {
	h.ClipGradients(o, v, a)
	h.rec("configure_gradient_clipping")
}
func (h *hooked) ClipGradients(o optim.Optimizer, v float64, a string) {
	h.boring.ClipGradients(o, v, a)
	h.rec("clip_gradients")
}
func (h *hooked) LRSchedulerStep(s Scheduler, metric *float64) {
	s.Scheduler.(optim.LRScheduler).Step()
	h.rec(fmt.Sprintf("lr_scheduler_step(%v)", metric))
}
func (h *hooked) OnBeforeBatchTransfer(b any, dl int) any {
	h.rec("on_before_batch_transfer")
	return b
}
func (h *hooked) TransferBatchToDevice(b any, d torch.Device, dl int) any {
	h.rec("transfer_batch_to_device")
	return b
}
func (h *hooked) OnAfterBatchTransfer(b any, dl int) any { h.rec("on_after_batch_transfer"); return b }
func (h *hooked) OnTrainBatchStart(b any, i int)         { h.rec(fmt.Sprintf("on_train_batch_start(%d)", i)) }
func (h *hooked) OnTrainBatchEnd(l *torch.Tensor, b any, i int) {
	h.rec(fmt.Sprintf("on_train_batch_end(%d)", i))
}
func (h *hooked) OnValidationBatchStart(b any, i int) {
	h.rec(fmt.Sprintf("on_validation_batch_start(%d)", i))
}
func (h *hooked) OnValidationBatchEnd(o, b any, i int) {
	h.rec(fmt.Sprintf("on_validation_batch_end(%d)", i))
}
func (h *hooked) OnTestBatchStart(b any, i int)  { h.rec(fmt.Sprintf("on_test_batch_start(%d)", i)) }
func (h *hooked) OnTestBatchEnd(o, b any, i int) { h.rec(fmt.Sprintf("on_test_batch_end(%d)", i)) }
func (h *hooked) OnPredictBatchStart(b any, i int) {
	h.rec(fmt.Sprintf("on_predict_batch_start(%d)", i))
}
func (h *hooked) OnPredictBatchEnd(o, b any, i int) {
	h.rec(fmt.Sprintf("on_predict_batch_end(%d)", i))
}
func (h *hooked) OnSaveCheckpoint(*pt.OrderedDict) { h.rec("on_save_checkpoint") }
func (h *hooked) OnLoadCheckpoint(*pt.OrderedDict) { h.rec("on_load_checkpoint") }

// hookedCallback records every Callback hook (HookedCallback), with the
// state {"foo": true}.
type hookedCallback struct {
	CallbackBase
	r *recorder
}

func (c *hookedCallback) rec(s string) { c.r.add("Callback." + s) }

func (c *hookedCallback) StateKey() string { return "HookedCallback" }
func (c *hookedCallback) StateDict() *pt.OrderedDict {
	c.rec("state_dict")
	d := pt.NewDict()
	d.MustSet("foo", true)
	return d
}
func (c *hookedCallback) LoadStateDict(*pt.OrderedDict) error  { c.rec("load_state_dict"); return nil }
func (c *hookedCallback) Setup(_ *Trainer, _ Module, s string) { c.rec("setup(" + s + ")") }
func (c *hookedCallback) Teardown(_ *Trainer, _ Module, s string) {
	c.rec("teardown(" + s + ")")
}
func (c *hookedCallback) OnFitStart(*Trainer, Module)             { c.rec("on_fit_start") }
func (c *hookedCallback) OnFitEnd(*Trainer, Module)               { c.rec("on_fit_end") }
func (c *hookedCallback) OnSanityCheckStart(*Trainer, Module)     { c.rec("on_sanity_check_start") }
func (c *hookedCallback) OnSanityCheckEnd(*Trainer, Module)       { c.rec("on_sanity_check_end") }
func (c *hookedCallback) OnTrainStart(*Trainer, Module)           { c.rec("on_train_start") }
func (c *hookedCallback) OnTrainEnd(*Trainer, Module)             { c.rec("on_train_end") }
func (c *hookedCallback) OnValidationStart(*Trainer, Module)      { c.rec("on_validation_start") }
func (c *hookedCallback) OnValidationEnd(*Trainer, Module)        { c.rec("on_validation_end") }
func (c *hookedCallback) OnTestStart(*Trainer, Module)            { c.rec("on_test_start") }
func (c *hookedCallback) OnTestEnd(*Trainer, Module)              { c.rec("on_test_end") }
func (c *hookedCallback) OnPredictStart(*Trainer, Module)         { c.rec("on_predict_start") }
func (c *hookedCallback) OnPredictEnd(*Trainer, Module)           { c.rec("on_predict_end") }
func (c *hookedCallback) OnTrainEpochStart(*Trainer, Module)      { c.rec("on_train_epoch_start") }
func (c *hookedCallback) OnTrainEpochEnd(*Trainer, Module)        { c.rec("on_train_epoch_end") }
func (c *hookedCallback) OnValidationEpochStart(*Trainer, Module) { c.rec("on_validation_epoch_start") }
func (c *hookedCallback) OnValidationEpochEnd(*Trainer, Module)   { c.rec("on_validation_epoch_end") }
func (c *hookedCallback) OnTestEpochStart(*Trainer, Module)       { c.rec("on_test_epoch_start") }
func (c *hookedCallback) OnTestEpochEnd(*Trainer, Module)         { c.rec("on_test_epoch_end") }
func (c *hookedCallback) OnPredictEpochStart(*Trainer, Module)    { c.rec("on_predict_epoch_start") }
func (c *hookedCallback) OnPredictEpochEnd(*Trainer, Module)      { c.rec("on_predict_epoch_end") }
func (c *hookedCallback) OnTrainBatchStart(_ *Trainer, _ Module, _ any, i int) {
	c.rec(fmt.Sprintf("on_train_batch_start(%d)", i))
}
func (c *hookedCallback) OnTrainBatchEnd(_ *Trainer, _ Module, _ *torch.Tensor, _ any, i int) {
	c.rec(fmt.Sprintf("on_train_batch_end(%d)", i))
}
func (c *hookedCallback) OnValidationBatchStart(_ *Trainer, _ Module, _ any, i int) {
	c.rec(fmt.Sprintf("on_validation_batch_start(%d)", i))
}
func (c *hookedCallback) OnValidationBatchEnd(_ *Trainer, _ Module, _, _ any, i int) {
	c.rec(fmt.Sprintf("on_validation_batch_end(%d)", i))
}
func (c *hookedCallback) OnTestBatchStart(_ *Trainer, _ Module, _ any, i int) {
	c.rec(fmt.Sprintf("on_test_batch_start(%d)", i))
}
func (c *hookedCallback) OnTestBatchEnd(_ *Trainer, _ Module, _, _ any, i int) {
	c.rec(fmt.Sprintf("on_test_batch_end(%d)", i))
}
func (c *hookedCallback) OnPredictBatchStart(_ *Trainer, _ Module, _ any, i int) {
	c.rec(fmt.Sprintf("on_predict_batch_start(%d)", i))
}
func (c *hookedCallback) OnPredictBatchEnd(_ *Trainer, _ Module, _, _ any, i int) {
	c.rec(fmt.Sprintf("on_predict_batch_end(%d)", i))
}
func (c *hookedCallback) OnBeforeBackward(*Trainer, Module, *torch.Tensor) {
	c.rec("on_before_backward")
}
func (c *hookedCallback) OnAfterBackward(*Trainer, Module) { c.rec("on_after_backward") }
func (c *hookedCallback) OnBeforeOptimizerStep(*Trainer, Module, optim.Optimizer) {
	c.rec("on_before_optimizer_step")
}
func (c *hookedCallback) OnBeforeZeroGrad(*Trainer, Module, optim.Optimizer) {
	c.rec("on_before_zero_grad")
}
func (c *hookedCallback) OnSaveCheckpoint(*Trainer, Module, *pt.OrderedDict) {
	c.rec("on_save_checkpoint")
}
func (c *hookedCallback) OnLoadCheckpoint(*Trainer, Module, *pt.OrderedDict) {
	c.rec("on_load_checkpoint")
}

// HookedModel._auto_train_batch.
func autoTrainBatch(batches, epoch, first, numTraining int) []string {
	var out []string
	for i := first; i < batches; i++ {
		out = append(out,
			"on_before_batch_transfer", "transfer_batch_to_device", "on_after_batch_transfer",
			fmt.Sprintf("Callback.on_train_batch_start(%d)", i), fmt.Sprintf("on_train_batch_start(%d)", i),
			"forward", fmt.Sprintf("training_step(%d)", i),
			"Callback.on_before_zero_grad", "on_before_zero_grad", fmt.Sprintf("optimizer_zero_grad(%d, %d)", epoch, i),
			"Callback.on_before_backward", "on_before_backward", "backward",
			"Callback.on_after_backward", "on_after_backward",
			"Callback.on_before_optimizer_step", "on_before_optimizer_step",
			"clip_gradients", "configure_gradient_clipping",
			fmt.Sprintf("optimizer_step(%d, %d)", epoch, i))
		if i == numTraining-1 {
			out = append(out, "lr_scheduler_step(<nil>)")
		}
		out = append(out, fmt.Sprintf("Callback.on_train_batch_end(%d)", i), fmt.Sprintf("on_train_batch_end(%d)", i))
	}
	return out
}

// HookedModel._eval_epoch.
func evalEpoch(fn string, batches int) []string {
	out := []string{"Callback.on_" + fn + "_epoch_start", "on_" + fn + "_epoch_start"}
	for i := 0; i < batches; i++ {
		out = append(out,
			"on_before_batch_transfer", "transfer_batch_to_device", "on_after_batch_transfer",
			fmt.Sprintf("Callback.on_%s_batch_start(%d)", fn, i), fmt.Sprintf("on_%s_batch_start(%d)", fn, i),
			"forward", fmt.Sprintf("%s_step(%d)", fn, i),
			fmt.Sprintf("Callback.on_%s_batch_end(%d)", fn, i), fmt.Sprintf("on_%s_batch_end(%d)", fn, i))
	}
	return append(out, "Callback.on_"+fn+"_epoch_end", "on_"+fn+"_epoch_end")
}

func cat(parts ...any) []string {
	var out []string
	for _, p := range parts {
		switch x := p.(type) {
		case string:
			out = append(out, x)
		case []string:
			out = append(out, x...)
		}
	}
	return out
}

func hookTrainer(t *testing.T, r *recorder, mod func(*Config)) *Trainer {
	cfg := quietConfig(t)
	cfg.MaxEpochs = 1
	cfg.LimitTrainBatches, cfg.LimitValBatches = Batches(2), Batches(2)
	cfg.LimitTestBatches, cfg.LimitPredictBatches = Batches(2), Batches(2)
	cfg.Callbacks = []Callback{&hookedCallback{r: r}}
	if mod != nil {
		mod(&cfg)
	}
	return newTrainer(t, cfg)
}

// test_trainer_model_hook_system_fit (automatic optimization, no kwargs).
func TestHookOrderFit(t *testing.T) {
	r := &recorder{}
	m := &hooked{boring: *newBoring(), r: r}
	tr := hookTrainer(t, r, nil)
	require.NoError(t, tr.Fit(m, randomData(0), ""))
	want := cat(
		"configure_callbacks", "prepare_data", "Callback.setup(fit)", "setup(fit)",
		"configure_model", "configure_optimizers", "Callback.on_fit_start", "on_fit_start", "zero_grad",
		"Callback.on_sanity_check_start", "train(false)", "Callback.on_validation_start", "on_validation_start",
		evalEpoch("validation", 2),
		"Callback.on_validation_end", "on_validation_end", "Callback.on_sanity_check_end",
		"Callback.on_train_start", "on_train_start", "Callback.on_train_epoch_start", "on_train_epoch_start",
		autoTrainBatch(2, 0, 0, 2),
		"zero_grad", "on_validation_model_zero_grad", "train(false)",
		"Callback.on_validation_start", "on_validation_start",
		evalEpoch("validation", 2),
		"Callback.on_validation_end", "on_validation_end",
		"Callback.on_train_epoch_end", "on_train_epoch_end",
		"Callback.state_dict", "Callback.on_save_checkpoint", "on_save_checkpoint",
		"Callback.on_train_end", "on_train_end", "Callback.on_fit_end", "on_fit_end",
		"Callback.teardown(fit)", "teardown(fit)",
	)
	// Lightning calls val_dataloader and train_dataloader as module hooks;
	// here the loaders come from Data, so those two entries are absent.
	require.Equal(t, want, r.calls)
	require.Equal(t, 2, tr.GlobalStep())
	require.Equal(t, 1, tr.CurrentEpoch())
}

// test_trainer_model_hook_system_fit_no_val_and_resume_max_epochs.
func TestHookOrderResumeMaxEpochs(t *testing.T) {
	cfg := func(r *recorder, epochs int, dir string) func(*Config) {
		return func(c *Config) {
			c.MaxEpochs = epochs
			c.LimitValBatches = Batches(0)
			c.DefaultRootDir = dir
		}
	}
	dir := t.TempDir()
	tr := hookTrainer(t, &recorder{}, cfg(nil, 1, dir))
	require.NoError(t, tr.Fit(newBoring(), randomData(0), ""))
	best := tr.CheckpointCallback().BestModelPath()
	require.Equal(t, "epoch=0-step=2.ckpt", filepath.Base(best))

	r := &recorder{}
	m := &hooked{boring: *newBoring(), r: r}
	tr = hookTrainer(t, r, cfg(r, 2, dir))
	require.NoError(t, tr.Fit(m, randomData(0), best))
	want := cat(
		"configure_callbacks", "prepare_data", "Callback.setup(fit)", "setup(fit)",
		"on_load_checkpoint", "Callback.on_load_checkpoint", "Callback.load_state_dict",
		"configure_model", "configure_optimizers", "Callback.on_fit_start", "on_fit_start", "zero_grad",
		"Callback.on_train_start", "on_train_start", "Callback.on_train_epoch_start", "on_train_epoch_start",
		autoTrainBatch(2, 1, 0, 2),
		"Callback.on_train_epoch_end", "on_train_epoch_end",
		"Callback.state_dict", "Callback.on_save_checkpoint", "on_save_checkpoint",
		"Callback.on_train_end", "on_train_end", "Callback.on_fit_end", "on_fit_end",
		"Callback.teardown(fit)", "teardown(fit)",
	)
	require.Equal(t, want, r.calls)
	require.Equal(t, 4, tr.GlobalStep())
}

// test_trainer_model_hook_system_eval, both verbs, batches 0 and 2.
func TestHookOrderEval(t *testing.T) {
	for _, tc := range []struct{ verb, noun string }{{"validate", "validation"}, {"test", "test"}} {
		for _, batches := range []int{0, 2} {
			t.Run(fmt.Sprintf("%s/%d", tc.verb, batches), func(t *testing.T) {
				r := &recorder{}
				m := &hooked{boring: *newBoring(), r: r}
				tr := hookTrainer(t, r, func(c *Config) {
					c.LimitValBatches, c.LimitTestBatches = Batches(batches), Batches(batches)
				})
				var err error
				if tc.verb == "validate" {
					_, err = tr.Validate(m, randomData(0), "")
				} else {
					_, err = tr.Test(m, randomData(0), "")
				}
				require.NoError(t, err)
				var hooks []string
				if batches > 0 {
					hooks = cat("train(false)", "Callback.on_"+tc.noun+"_start", "on_"+tc.noun+"_start",
						evalEpoch(tc.noun, batches), "Callback.on_"+tc.noun+"_end", "on_"+tc.noun+"_end")
				}
				want := cat("configure_callbacks", "prepare_data", "Callback.setup("+tc.verb+")", "setup("+tc.verb+")",
					"configure_model", "zero_grad", hooks, "Callback.teardown("+tc.verb+")", "teardown("+tc.verb+")")
				require.Equal(t, want, r.calls)
			})
		}
	}
}

// test_trainer_model_hook_system_predict.
func TestHookOrderPredict(t *testing.T) {
	r := &recorder{}
	m := &hooked{boring: *newBoring(), r: r}
	tr := hookTrainer(t, r, nil)
	preds, err := tr.Predict(m, randomData(0), "")
	require.NoError(t, err)
	require.Len(t, preds, 2)
	var batches []string
	for i := 0; i < 2; i++ {
		batches = append(batches, "on_before_batch_transfer", "transfer_batch_to_device", "on_after_batch_transfer",
			fmt.Sprintf("Callback.on_predict_batch_start(%d)", i), fmt.Sprintf("on_predict_batch_start(%d)", i),
			"forward", fmt.Sprintf("predict_step(%d)", i),
			fmt.Sprintf("Callback.on_predict_batch_end(%d)", i), fmt.Sprintf("on_predict_batch_end(%d)", i))
	}
	want := cat("configure_callbacks", "prepare_data", "Callback.setup(predict)", "setup(predict)",
		"configure_model", "zero_grad", "train(false)",
		"Callback.on_predict_start", "on_predict_start", "Callback.on_predict_epoch_start", "on_predict_epoch_start",
		batches,
		"Callback.on_predict_epoch_end", "on_predict_epoch_end", "Callback.on_predict_end", "on_predict_end",
		"Callback.teardown(predict)", "teardown(predict)")
	require.Equal(t, want, r.calls)
	for _, p := range preds {
		require.Equal(t, []int64{2, 2}, p.(*torch.Tensor).Shape())
		p.(*torch.Tensor).Close()
	}
}
