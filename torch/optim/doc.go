// Package optim provides optimizers (SGD, Adam, AdamW, RMSprop, Adagrad,
// Adadelta, Adamax, NAdam, RAdam, ASGD and LBFGS), learning-rate schedulers
// and gradient clipping that reproduce PyTorch 1.13's torch.optim bit for
// bit on CPU (its default single-tensor code paths), with state dicts in
// PyTorch's layout so that optimizer state moves between Go and Python
// through pt.Save / pt.Load.
//
// # Options and groups
//
// Each optimizer has an options struct (SGDOptions, AdamOptions, ...) whose
// fields are PyTorch's arguments. The zero value is PyTorch's default, a
// nil pointer field meaning PyTorch's default value (AdamOptions{LR:
// new(2e-4)} changes only lr); SGD's lr, which PyTorch 1.13 requires, has
// no default. Constructors validate the options and return an error
// naming the invalid one (negative lr, betas outside [0, 1), nesterov
// without momentum, ...). Parameter groups (Group) override options by
// PyTorch's names, like PyTorch's {"params": ..., "lr": 0.01} dicts. At run
// time a ParamGroup keeps its options by PyTorch's names and types, as they
// appear in the state dict; schedulers change "lr" (and "momentum" or
// "betas") there. Unknown option names and values of the wrong type are
// errors, never panics.
//
// LBFGS re-evaluates the model several times per step: its Step takes a
// closure returning the loss, so it is not an Optimizer; it implements the
// rest (groups, state dicts) and, like PyTorch's, the strong-Wolfe line
// search.
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
// LR schedulers (LambdaLR, MultiplicativeLR, StepLR, MultiStepLR,
// ConstantLR, LinearLR, ExponentialLR, PolynomialLR, CosineAnnealingLR,
// CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR, SequentialLR,
// ChainedScheduler) follow PyTorch's chainable formulas and, like
// PyTorch's, take their first step when constructed (last epoch 0).
// ReduceLROnPlateau steps on a metric. Their state dicts hold the same
// entries as PyTorch's scheduler.state_dict(), except what Python cannot
// save either (functions: LambdaLR's lambdas are None, as in PyTorch).
//
// Schedulers drive any ParamGrouper: the optimizers of this package, LBFGS,
// or a user-written optimizer that returns its ParamGroups (see
// Example_customOptimizer).
package optim
