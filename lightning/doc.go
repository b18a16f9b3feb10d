// Package lightning trains torch models the way PyTorch Lightning 2.x does:
// a Module says what one step computes, a Trainer runs the loops (epochs,
// validation, checkpoints, logging, callbacks) around it.
//
//	type Net struct {
//		nn.Module
//		lightning.Base
//		FC *nn.Linear
//	}
//
//	func (n *Net) TrainingStep(batch any, batchIdx int) *torch.Tensor {
//		b := batch.([]*torch.Tensor)
//		loss := torch.CrossEntropy(n.FC.Forward(b[0]), b[1], torch.CrossEntropyOptions{})
//		n.Log("loss", loss, lightning.LogOptions{ProgBar: true})
//		return loss
//	}
//
//	func (n *Net) ConfigureOptimizers() (lightning.Optimization, error) {
//		opt, err := optim.NewSGD(n.Parameters(), optim.SGDOptions{LR: 0.01})
//		return lightning.Optimization{Optimizer: opt}, err
//	}
//
//	trainer, err := lightning.NewTrainer(lightning.Config{MaxEpochs: 5})
//	err = trainer.Fit(net, &lightning.Data{Train: trainLoader, Val: valLoader}, "")
//
// # Modules and hooks
//
// A [Module] embeds nn.Module (parameters, state dict, train/eval mode)
// and usually [Base] (Log, the trainer, the epoch and step). Everything
// beyond TrainingStep and ConfigureOptimizers is optional and found by
// interface assertion, as net/http finds http.Flusher: a module that has
// a method ValidationStep(batch any, batchIdx int) any gets validation, one
// with OnTrainEpochEnd() gets that hook, and so on (see hooks.go). Hook
// names and their order equal Lightning 2.x's (tests/tests_pytorch/models/
// test_hooks.py), written in Go's CamelCase.
//
// Callbacks implement [Callback] by embedding [CallbackBase], which has a
// no-op for every hook, like Lightning's Callback base class.
//
// # Manual optimization and several optimizers
//
// A module whose AutomaticOptimization method returns false (Lightning's
// automatic_optimization = False) optimizes itself in TrainingStep, as a
// GAN's generator and discriminator take turns. ConfigureOptimizers may
// then return several optimizers (Optimization.Optimizers); the module
// steps them through Base.Optimizers, Lightning's LightningOptimizer
// wrappers, with Base.ManualBackward for the backward pass (loss scaling,
// the backward hooks) and Base.ToggleOptimizer / UntoggleOptimizer to keep
// the other optimizers' parameters out of a backward pass:
//
//	func (m *GAN) AutomaticOptimization() bool { return false }
//
//	func (m *GAN) TrainingStep(batch any, i int) *torch.Tensor {
//		opts := m.Optimizers()
//		optD, optG := opts[0], opts[1]
//		lossD := ...
//		optD.ZeroGrad()
//		m.ManualBackward(lossD)
//		optD.Step()
//		m.ToggledOptimizer(optG, func() {
//			lossG := ...
//			optG.ZeroGrad()
//			m.ManualBackward(lossG)
//			optG.Step()
//		})
//		return lossG
//	}
//
// As in Lightning, the trainer then neither zeroes gradients, runs
// backward, steps optimizers nor steps LR schedulers (Base.LRSchedulers
// are the module's to step), and each optimizer step inside TrainingStep
// is a global step: two optimizers stepped per batch make two, which
// MaxSteps and checkpoint names count. Gradient clipping and accumulation
// are refused. examples/gan is pytorch/examples' DCGAN written this way.
//
// # Data
//
// The trainer reads batches through [Loader]: Len (batches per pass, -1
// when unknown) and Iter, whose [BatchIterator] yields one batch (any
// value: a []*torch.Tensor, a struct, ...) per Next. [SliceLoader] serves
// batches built in advance.
//
// # Memory and threads
//
// Every training, validation, test and predict step runs inside
// torch.WithScope: tensors it creates (including a batch the loader
// collates on the trainer's goroutine, and batches moved to the device)
// are freed when the step ends. Logged values become Go float64s at once.
// Fit, Validate, Test and Predict lock the calling goroutine to its OS
// thread for their whole duration, so libtorch's per-thread state (grad
// mode, scopes) stays put; they run on the caller's thread, which keeps
// libtorch's CPU thread pool the same as for the caller's own tensor code.
//
// # Errors
//
// A panic in user code (a *torch.Error from a failing op, or any other)
// comes back from Fit, Validate, Test or Predict as an error naming the
// hook, the epoch and the batch:
//
//	lightning: training_step failed at epoch 2, batch 17: torch: MatMul: ...
//
// # Checkpoints
//
// .ckpt files are PyTorch zip pickles (written atomically through a
// temporary file named after the writing process, which a later save
// removes if that process died mid-save) holding Lightning 2.6.5's keys,
// in its order and with its types (epoch, global_step,
// pytorch-lightning_version, state_dict, loops, callbacks,
// optimizer_states and lr_schedulers, every optimizer's and scheduler's in
// ConfigureOptimizers' order, hyper_parameters): Python's
// torch.load(..., weights_only=False) reads them and their "state_dict"
// loads into the equivalent Python module. "loops" holds the loop counters
// Lightning holds at the same point (the end of an epoch, inside
// on_train_batch_end, after a validation, on an interrupt), so Lightning
// resumes a Go checkpoint as it resumes its own.
//
// Resuming (Fit with a checkpoint path) is exact, beyond Lightning: the
// checkpoint also holds, under loops["torchgo"], the CPU default
// generator's state and the loader's position, so training 2 epochs,
// saving and resuming for 2 more gives the same weights, bit for bit, as 4
// epochs straight (CPU, Deterministic). A checkpoint whose counters are
// negative or disagree with each other is refused.
//
// # Logs
//
// Logged values are held as Lightning holds them, float32 (torch's default
// dtype) unless they are float64 tensors, and epoch means are computed in
// float32 as Lightning's, so they equal Lightning's bit for bit. The
// CSVLogger writes metrics.csv with CRLF line ends (Python's csv module)
// and hparams.yaml only for a module with hyper-parameters; files get mode
// 0666 less the umask, as Python's.
package lightning
