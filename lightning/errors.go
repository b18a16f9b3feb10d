package lightning

import (
	"errors"
	"fmt"
)

// HookError is a failure inside user code (a module hook, a step, a
// callback or a loader), with where it happened.
type HookError struct {
	// Hook is Lightning's name of the hook ("training_step",
	// "on_train_epoch_end"), prefixed by the callback's type for callbacks
	// ("EarlyStopping.on_validation_end").
	Hook string
	// Epoch is the current epoch (0-based).
	Epoch int
	// Batch is the batch index in the epoch, or -1 outside batches.
	Batch int
	// Err is what the hook panicked with or returned (a *torch.Error for
	// failing tensor ops).
	Err error
}

func (e *HookError) Error() string {
	if e.Batch >= 0 {
		return fmt.Sprintf("lightning: %s failed at epoch %d, batch %d: %v", e.Hook, e.Epoch, e.Batch, e.Err)
	}
	return fmt.Sprintf("lightning: %s failed at epoch %d: %v", e.Hook, e.Epoch, e.Err)
}

func (e *HookError) Unwrap() error { return e.Err }

// ErrInterrupted is returned (wrapped) by Fit when SIGINT or Config.Stop
// stopped training early; the trainer finished the current step and, with
// checkpointing on, saved a checkpoint first.
var ErrInterrupted = errors.New("lightning: training interrupted")

// abort carries an error out of the loops by panic, to the run's recover.
type abort struct{ err error }

// fail stops the run with err (an error of the trainer itself, not of a hook).
func fail(err error) { panic(abort{err}) }

// failf stops the run with a formatted error.
func failf(format string, args ...any) { fail(fmt.Errorf(format, args...)) }

// asError turns a recovered value into an error.
func asError(r any) error {
	switch x := r.(type) {
	case error:
		return x
	default:
		return fmt.Errorf("panic: %v", x)
	}
}
