// Package optim provides optimizers (SGD, Adam, AdamW, RMSprop, Adagrad),
// learning-rate schedulers and gradient clipping that reproduce PyTorch
// 1.13's torch.optim bit for bit on CPU (its default single-tensor code
// paths), with state dicts in PyTorch's layout so that optimizer state moves
// between Go and Python through pt.Save / pt.Load.
//
// # Options and groups
//
// Each optimizer has an options struct (SGDOptions, AdamOptions, ...) whose
// fields are PyTorch's arguments; functions such as AdamDefaults return
// PyTorch's defaults. Constructors validate the options and return an error
// naming the invalid one (negative lr, betas outside [0, 1), nesterov
// without momentum, ...). Parameter groups (Group) override options by
// PyTorch's names, like PyTorch's {"params": ..., "lr": 0.01} dicts. At run
// time a ParamGroup keeps its options by PyTorch's names and types, as they
// appear in the state dict; schedulers change "lr" (and "momentum" or
// "betas") there.
//
// # Memory
//
// Step runs under torch.NoGrad inside its own torch.WithScope, so it leaves
// no temporaries; the optimizer's state tensors are persistent (they survive
// a caller's scope, such as a training step's) and are freed by Close or,
// as a backstop, when unreachable.
//
// # Schedulers
//
// LR schedulers (StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR,
// LinearLR, OneCycleLR, SequentialLR) follow PyTorch's chainable formulas
// and, like PyTorch, take their first step when constructed (last epoch 0).
// ReduceLROnPlateau steps on a metric. Their state dicts hold the same
// entries as PyTorch's scheduler.state_dict().
package optim
