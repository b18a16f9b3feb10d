package lightning

import (
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/optim"
	"github.com/torchgo/torchgo/torch/pt"
)

// Callback is Lightning's Callback: code run at the trainer's hooks, each
// receiving the trainer and the module. Embed CallbackBase to get a no-op
// for every hook and override the ones you need. A callback that keeps
// state for checkpoints also implements StatefulCallback.
//
// In every hook, callbacks run in the trainer's order before the module's
// hook of the same name, except on_train_epoch_end, where ModelCheckpoint
// and EarlyStopping run after the module (so they see what it logs there),
// and on_load_checkpoint, where the module runs first; as in Lightning.
type Callback interface {
	Setup(t *Trainer, m Module, stage string)
	Teardown(t *Trainer, m Module, stage string)
	OnFitStart(t *Trainer, m Module)
	OnFitEnd(t *Trainer, m Module)
	OnSanityCheckStart(t *Trainer, m Module)
	OnSanityCheckEnd(t *Trainer, m Module)
	OnTrainStart(t *Trainer, m Module)
	OnTrainEnd(t *Trainer, m Module)
	OnValidationStart(t *Trainer, m Module)
	OnValidationEnd(t *Trainer, m Module)
	OnTestStart(t *Trainer, m Module)
	OnTestEnd(t *Trainer, m Module)
	OnPredictStart(t *Trainer, m Module)
	OnPredictEnd(t *Trainer, m Module)
	OnTrainEpochStart(t *Trainer, m Module)
	OnTrainEpochEnd(t *Trainer, m Module)
	OnValidationEpochStart(t *Trainer, m Module)
	OnValidationEpochEnd(t *Trainer, m Module)
	OnTestEpochStart(t *Trainer, m Module)
	OnTestEpochEnd(t *Trainer, m Module)
	OnPredictEpochStart(t *Trainer, m Module)
	OnPredictEpochEnd(t *Trainer, m Module)
	OnTrainBatchStart(t *Trainer, m Module, batch any, batchIdx int)
	OnTrainBatchEnd(t *Trainer, m Module, loss *torch.Tensor, batch any, batchIdx int)
	OnValidationBatchStart(t *Trainer, m Module, batch any, batchIdx int)
	OnValidationBatchEnd(t *Trainer, m Module, outputs, batch any, batchIdx int)
	OnTestBatchStart(t *Trainer, m Module, batch any, batchIdx int)
	OnTestBatchEnd(t *Trainer, m Module, outputs, batch any, batchIdx int)
	OnPredictBatchStart(t *Trainer, m Module, batch any, batchIdx int)
	OnPredictBatchEnd(t *Trainer, m Module, outputs, batch any, batchIdx int)
	OnBeforeBackward(t *Trainer, m Module, loss *torch.Tensor)
	OnAfterBackward(t *Trainer, m Module)
	OnBeforeOptimizerStep(t *Trainer, m Module, opt optim.Optimizer)
	OnBeforeZeroGrad(t *Trainer, m Module, opt optim.Optimizer)
	OnSaveCheckpoint(t *Trainer, m Module, ckpt *pt.OrderedDict)
	OnLoadCheckpoint(t *Trainer, m Module, ckpt *pt.OrderedDict)
	// OnException runs when a run fails (a hook panicked or returned an
	// error); err is what Fit will return.
	OnException(t *Trainer, m Module, err error)
}

// StatefulCallback is a callback whose state goes into checkpoints under
// "callbacks"[StateKey()] (Lightning's state_key, state_dict,
// load_state_dict). An empty state dict is not saved.
type StatefulCallback interface {
	Callback
	StateKey() string
	StateDict() *pt.OrderedDict
	LoadStateDict(sd *pt.OrderedDict) error
}

// CallbackBase implements every Callback hook as a no-op; embed it.
type CallbackBase struct{}

var _ Callback = CallbackBase{}

func (CallbackBase) Setup(*Trainer, Module, string)                            {}
func (CallbackBase) Teardown(*Trainer, Module, string)                         {}
func (CallbackBase) OnFitStart(*Trainer, Module)                               {}
func (CallbackBase) OnFitEnd(*Trainer, Module)                                 {}
func (CallbackBase) OnSanityCheckStart(*Trainer, Module)                       {}
func (CallbackBase) OnSanityCheckEnd(*Trainer, Module)                         {}
func (CallbackBase) OnTrainStart(*Trainer, Module)                             {}
func (CallbackBase) OnTrainEnd(*Trainer, Module)                               {}
func (CallbackBase) OnValidationStart(*Trainer, Module)                        {}
func (CallbackBase) OnValidationEnd(*Trainer, Module)                          {}
func (CallbackBase) OnTestStart(*Trainer, Module)                              {}
func (CallbackBase) OnTestEnd(*Trainer, Module)                                {}
func (CallbackBase) OnPredictStart(*Trainer, Module)                           {}
func (CallbackBase) OnPredictEnd(*Trainer, Module)                             {}
func (CallbackBase) OnTrainEpochStart(*Trainer, Module)                        {}
func (CallbackBase) OnTrainEpochEnd(*Trainer, Module)                          {}
func (CallbackBase) OnValidationEpochStart(*Trainer, Module)                   {}
func (CallbackBase) OnValidationEpochEnd(*Trainer, Module)                     {}
func (CallbackBase) OnTestEpochStart(*Trainer, Module)                         {}
func (CallbackBase) OnTestEpochEnd(*Trainer, Module)                           {}
func (CallbackBase) OnPredictEpochStart(*Trainer, Module)                      {}
func (CallbackBase) OnPredictEpochEnd(*Trainer, Module)                        {}
func (CallbackBase) OnTrainBatchStart(*Trainer, Module, any, int)              {}
func (CallbackBase) OnTrainBatchEnd(*Trainer, Module, *torch.Tensor, any, int) {}
func (CallbackBase) OnValidationBatchStart(*Trainer, Module, any, int)         {}
func (CallbackBase) OnValidationBatchEnd(*Trainer, Module, any, any, int)      {}
func (CallbackBase) OnTestBatchStart(*Trainer, Module, any, int)               {}
func (CallbackBase) OnTestBatchEnd(*Trainer, Module, any, any, int)            {}
func (CallbackBase) OnPredictBatchStart(*Trainer, Module, any, int)            {}
func (CallbackBase) OnPredictBatchEnd(*Trainer, Module, any, any, int)         {}
func (CallbackBase) OnBeforeBackward(*Trainer, Module, *torch.Tensor)          {}
func (CallbackBase) OnAfterBackward(*Trainer, Module)                          {}
func (CallbackBase) OnBeforeOptimizerStep(*Trainer, Module, optim.Optimizer)   {}
func (CallbackBase) OnBeforeZeroGrad(*Trainer, Module, optim.Optimizer)        {}
func (CallbackBase) OnSaveCheckpoint(*Trainer, Module, *pt.OrderedDict)        {}
func (CallbackBase) OnLoadCheckpoint(*Trainer, Module, *pt.OrderedDict)        {}
func (CallbackBase) OnException(*Trainer, Module, error)                       {}
