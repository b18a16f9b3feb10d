package lightning

import (
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/optim"
	"github.com/torchgo/torchgo/torch/pt"
)

// Optional Module behaviour. A Module (or, for the data hooks, a
// DataModule) that has one of these methods gets it called at the point
// Lightning 2.x calls the hook of the same name (in snake_case). Each
// interface has one method, so a module implements exactly the hooks it
// needs.

// Step methods.
type (
	// Validator runs validation (validation_step); its result is passed
	// to OnValidationBatchEnd and may be nil.
	Validator interface {
		ValidationStep(batch any, batchIdx int) any
	}
	// Tester runs tests (test_step).
	Tester interface {
		TestStep(batch any, batchIdx int) any
	}
	// Predictor runs prediction (predict_step). Predict returns the
	// results; tensors among them (a *torch.Tensor, a []*torch.Tensor or
	// a map[string]*torch.Tensor) survive the step: close them when done.
	Predictor interface {
		PredictStep(batch any, batchIdx int) any
	}
)

// Data hooks, on a Module or a DataModule.
type (
	// TrainLoaderProvider supplies the training batches (train_dataloader).
	TrainLoaderProvider interface{ TrainDataloader() Loader }
	// ValLoaderProvider supplies the validation batches (val_dataloader).
	ValLoaderProvider interface{ ValDataloader() Loader }
	// TestLoaderProvider supplies the test batches (test_dataloader).
	TestLoaderProvider interface{ TestDataloader() Loader }
	// PredictLoaderProvider supplies the batches to predict (predict_dataloader).
	PredictLoaderProvider interface{ PredictDataloader() Loader }
	// DataPreparer downloads or writes data once per run (prepare_data).
	DataPreparer interface{ PrepareData() }
	// SetupHook runs at the start of a run; stage is "fit", "validate",
	// "test" or "predict" (setup).
	SetupHook interface{ Setup(stage string) }
	// TeardownHook runs at the end of a run (teardown).
	TeardownHook interface{ Teardown(stage string) }
)

// Configuration hooks.
type (
	// CallbackConfigurer adds callbacks to the trainer's (configure_callbacks);
	// one of the same type as a trainer callback replaces it.
	CallbackConfigurer interface{ ConfigureCallbacks() []Callback }
	// ModelConfigurer builds layers lazily before the optimizers are
	// configured (configure_model).
	ModelConfigurer interface{ ConfigureModel() }
	// HyperParameterizer returns the hyper-parameters saved in checkpoints
	// under "hyper_parameters" and in the logger's hparams.yaml
	// (save_hyperparameters). Values are strings, bools, ints and floats.
	HyperParameterizer interface{ HyperParameters() map[string]any }
)

// Lifecycle hooks without arguments.
type (
	OnFitStarter             interface{ OnFitStart() }             // on_fit_start
	OnFitEnder               interface{ OnFitEnd() }               // on_fit_end
	OnTrainStarter           interface{ OnTrainStart() }           // on_train_start
	OnTrainEnder             interface{ OnTrainEnd() }             // on_train_end
	OnValidationStarter      interface{ OnValidationStart() }      // on_validation_start
	OnValidationEnder        interface{ OnValidationEnd() }        // on_validation_end
	OnTestStarter            interface{ OnTestStart() }            // on_test_start
	OnTestEnder              interface{ OnTestEnd() }              // on_test_end
	OnPredictStarter         interface{ OnPredictStart() }         // on_predict_start
	OnPredictEnder           interface{ OnPredictEnd() }           // on_predict_end
	OnTrainEpochStarter      interface{ OnTrainEpochStart() }      // on_train_epoch_start
	OnTrainEpochEnder        interface{ OnTrainEpochEnd() }        // on_train_epoch_end
	OnValidationEpochStarter interface{ OnValidationEpochStart() } // on_validation_epoch_start
	OnValidationEpochEnder   interface{ OnValidationEpochEnd() }   // on_validation_epoch_end
	OnTestEpochStarter       interface{ OnTestEpochStart() }       // on_test_epoch_start
	OnTestEpochEnder         interface{ OnTestEpochEnd() }         // on_test_epoch_end
	OnPredictEpochStarter    interface{ OnPredictEpochStart() }    // on_predict_epoch_start
	OnPredictEpochEnder      interface{ OnPredictEpochEnd() }      // on_predict_epoch_end
	OnAfterBackwarder        interface{ OnAfterBackward() }        // on_after_backward
	// OnValidationModelZeroGrader replaces the module.ZeroGrad() the
	// trainer calls before validation inside Fit (on_validation_model_zero_grad).
	OnValidationModelZeroGrader interface{ OnValidationModelZeroGrad() }
	// OnValidationModelEvaler replaces the Train(false) the trainer calls
	// when a validation loop starts, before on_validation_start
	// (on_validation_model_eval).
	OnValidationModelEvaler interface{ OnValidationModelEval() }
	// OnValidationModelTrainer replaces the restoring of the training
	// flags (the module's and its layers') that the trainer does after
	// on_validation_end (on_validation_model_train).
	OnValidationModelTrainer interface{ OnValidationModelTrain() }
	// OnTestModelEvaler replaces the Train(false) the trainer calls when a
	// test loop starts, before on_test_start (on_test_model_eval).
	OnTestModelEvaler interface{ OnTestModelEval() }
	// OnTestModelTrainer replaces the restoring of the training flags
	// after on_test_end (on_test_model_train).
	OnTestModelTrainer interface{ OnTestModelTrain() }
	// OnPredictModelEvaler replaces the Train(false) the trainer calls
	// when a predict loop starts, before on_predict_start
	// (on_predict_model_eval). The flags are always restored afterwards,
	// as in Lightning, which never calls on_predict_model_train.
	OnPredictModelEvaler interface{ OnPredictModelEval() }
)

// Batch hooks. outputs is what the step returned (the loss for training).
type (
	OnTrainBatchStarter interface {
		OnTrainBatchStart(batch any, batchIdx int) // on_train_batch_start
	}
	OnTrainBatchEnder interface {
		OnTrainBatchEnd(loss *torch.Tensor, batch any, batchIdx int) // on_train_batch_end
	}
	OnValidationBatchStarter interface {
		OnValidationBatchStart(batch any, batchIdx int) // on_validation_batch_start
	}
	OnValidationBatchEnder interface {
		OnValidationBatchEnd(outputs, batch any, batchIdx int) // on_validation_batch_end
	}
	OnTestBatchStarter interface {
		OnTestBatchStart(batch any, batchIdx int) // on_test_batch_start
	}
	OnTestBatchEnder interface {
		OnTestBatchEnd(outputs, batch any, batchIdx int) // on_test_batch_end
	}
	OnPredictBatchStarter interface {
		OnPredictBatchStart(batch any, batchIdx int) // on_predict_batch_start
	}
	OnPredictBatchEnder interface {
		OnPredictBatchEnd(outputs, batch any, batchIdx int) // on_predict_batch_end
	}
)

// Optimization hooks.
type (
	OnBeforeBackwarder interface {
		OnBeforeBackward(loss *torch.Tensor) // on_before_backward
	}
	OnBeforeOptimizerStepper interface {
		OnBeforeOptimizerStep(opt optim.Optimizer) // on_before_optimizer_step
	}
	OnBeforeZeroGrader interface {
		OnBeforeZeroGrad(opt optim.Optimizer) // on_before_zero_grad
	}
	// Backwarder replaces loss.Backward() (backward).
	Backwarder interface {
		Backward(loss *torch.Tensor)
	}
	// OptimizerZeroGrader replaces opt.ZeroGrad() (optimizer_zero_grad).
	OptimizerZeroGrader interface {
		OptimizerZeroGrad(epoch, batchIdx int, opt optim.Optimizer)
	}
	// OptimizerStepper replaces the default optimizer step, which is
	// closure(); opt.Step() (optimizer_step). closure runs the training
	// step, zero_grad, backward, on_before_optimizer_step and gradient
	// clipping.
	OptimizerStepper interface {
		OptimizerStep(epoch, batchIdx int, opt optim.Optimizer, closure func())
	}
	// GradientClippingConfigurer replaces the default clipping, which
	// clips with Config.GradientClipVal and GradientClipAlgorithm
	// (configure_gradient_clipping).
	GradientClippingConfigurer interface {
		ConfigureGradientClipping(opt optim.Optimizer, val float64, algorithm string)
	}
	// GradientClipper replaces Base.ClipGradients (clip_gradients).
	GradientClipper interface {
		ClipGradients(opt optim.Optimizer, val float64, algorithm string)
	}
	// LRSchedulerStepper replaces the scheduler step (lr_scheduler_step);
	// metric is nil except for metric-driven schedulers.
	LRSchedulerStepper interface {
		LRSchedulerStep(s Scheduler, metric *float64)
	}
)

// Batch transfer hooks.
type (
	OnBeforeBatchTransferer interface {
		OnBeforeBatchTransfer(batch any, dataloaderIdx int) any // on_before_batch_transfer
	}
	// BatchTransferer replaces the default move of the batch's tensors to
	// the device (transfer_batch_to_device).
	BatchTransferer interface {
		TransferBatchToDevice(batch any, device torch.Device, dataloaderIdx int) any
	}
	OnAfterBatchTransferer interface {
		OnAfterBatchTransfer(batch any, dataloaderIdx int) any // on_after_batch_transfer
	}
)

// Checkpoint hooks: ckpt is the checkpoint dict, which the hook may read
// and, when saving, extend.
type (
	OnSaveCheckpointer interface {
		OnSaveCheckpoint(ckpt *pt.OrderedDict) // on_save_checkpoint
	}
	OnLoadCheckpointer interface {
		OnLoadCheckpoint(ckpt *pt.OrderedDict) // on_load_checkpoint
	}
)
