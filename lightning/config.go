package lightning

import (
	"fmt"
	"io"
	"math"
	"time"
)

// Config holds the Trainer's options, Lightning's Trainer arguments by Go
// names. Every zero value means Lightning 2's default; flags that Lightning
// turns on by default are spelled Disable*.
type Config struct {
	// MaxEpochs stops training after this many epochs. 0: 1000 when
	// MaxSteps is unset, otherwise unlimited (Lightning's max_epochs=None).
	// -1: unlimited.
	MaxEpochs int
	// MinEpochs keeps training at least this many epochs even when early
	// stopping asks to stop (min_epochs). 0: none.
	MinEpochs int
	// MaxSteps stops training after this many optimizer steps (max_steps).
	// 0 or -1: unlimited.
	MaxSteps int
	// MinSteps keeps training at least this many optimizer steps (min_steps).
	MinSteps int
	// MaxTime stops training after this wall-clock duration (max_time),
	// checked after each batch. 0: unlimited.
	MaxTime time.Duration

	// LimitTrainBatches, LimitValBatches, LimitTestBatches and
	// LimitPredictBatches cap the batches read per pass: Batches(n) or
	// Fraction(f) of the loader's Len (limit_*_batches). Zero: all.
	// Batches(0) for validation disables it.
	LimitTrainBatches, LimitValBatches, LimitTestBatches, LimitPredictBatches Limit
	// ValCheckInterval runs validation every Batches(n) training batches
	// or every Fraction(f) of an epoch (val_check_interval). Zero: once per
	// epoch, after its last batch.
	ValCheckInterval Limit
	// CheckValEveryNEpoch validates after every n-th epoch only
	// (check_val_every_n_epoch). 0: 1.
	CheckValEveryNEpoch int
	// NumSanityValSteps is the number of validation batches run before
	// training (num_sanity_val_steps): Batches(n), or Fraction(1) for all.
	// Zero: Batches(2). Batches(0) disables the sanity check.
	NumSanityValSteps Limit
	// FastDevRun runs n training, validation and test batches (one epoch)
	// with no sanity check, logger, checkpoints or early stopping
	// (fast_dev_run). 0: off.
	FastDevRun int
	// OverfitBatches trains and validates on the first n batches (or the
	// given fraction) of each loader, with no sanity check (overfit_batches).
	// Zero: off.
	OverfitBatches Limit

	// AccumulateGradBatches steps the optimizer every n batches, dividing
	// each loss by n (accumulate_grad_batches). 0: 1.
	AccumulateGradBatches int
	// GradientClipVal clips gradients before each optimizer step
	// (gradient_clip_val). 0: no clipping.
	GradientClipVal float64
	// GradientClipAlgorithm is "norm" (default: the 2-norm of all
	// gradients at most GradientClipVal) or "value".
	GradientClipAlgorithm string
	// DetectAnomaly stops training with an error when a training loss is
	// NaN or infinite (beyond Lightning's detect_anomaly, which checks the
	// backward pass).
	DetectAnomaly bool

	// Accelerator is "cpu", "cuda" (or "gpu") or "auto" (default: CUDA
	// when available).
	Accelerator string
	// Devices is the number of devices (devices=N); 0: 1. More than one
	// needs Strategy "ddp" (processes on the CPU).
	Devices int
	// DeviceIndex is the CUDA device of a single-device run
	// (Lightning's devices=[i]). Default 0.
	DeviceIndex int
	// Strategy is "" or "auto" (one process) or "ddp": Devices processes
	// training together, gradients averaged by torch/distributed over Gloo.
	// Fit launches the other Devices-1 processes itself (re-running the
	// program with torchrun's variables, as Lightning's subprocess
	// launcher) unless an external launcher set WORLD_SIZE and RANK. Only
	// rank 0 writes checkpoints and logs and shows progress; the loaders
	// (made with FromDataLoader) are sharded with a DistributedSampler;
	// values logged with SyncDist are reduced over the ranks. Validate,
	// Test and Predict run on the calling process alone.
	Strategy string
	// DDPTimeout bounds the rendezvous and each collective under "ddp"
	// (DDPStrategy's timeout); a rank that died or hangs makes the others
	// fail within it, with an error naming the collective. Zero means
	// PyTorch's default of 30 minutes (distributed.DefaultTimeout).
	DDPTimeout time.Duration
	// Precision is "32-true" (default; also "32"), "bf16-mixed" or
	// "16-mixed": the step hooks run under torch.Autocast(device, BFloat16
	// or Float16) while weights, gradients, optimizer states and
	// checkpoints stay float32. bf16-mixed works on the CPU too; 16-mixed
	// needs CUDA and scales the loss with an amp.GradScaler (steps whose
	// gradients overflow are skipped).
	Precision string
	// Deterministic makes libtorch use deterministic algorithms
	// (deterministic=True).
	Deterministic bool
	// Seed, when set, seeds every generator before the run
	// (seed_everything(seed)).
	Seed *uint64

	// DefaultRootDir is where logs and checkpoints go (default_root_dir).
	// "": the working directory.
	DefaultRootDir string
	// DisableProgressBar turns the progress bar off (enable_progress_bar=False).
	DisableProgressBar bool
	// DisableCheckpointing turns the default ModelCheckpoint off
	// (enable_checkpointing=False).
	DisableCheckpointing bool
	// DisableModelSummary turns the model summary off (enable_model_summary=False).
	DisableModelSummary bool
	// LogEveryNSteps sends training step metrics to the loggers every n
	// batches (log_every_n_steps). 0: 50.
	LogEveryNSteps int
	// Callbacks run in this order, before the default ones (progress bar,
	// model summary, checkpoint); checkpoint callbacks run last.
	Callbacks []Callback
	// Logger receives the metrics. nil: a CSVLogger in DefaultRootDir
	// (Lightning's default when TensorBoard is absent), unless DisableLogger.
	Logger Logger
	// DisableLogger runs without a logger (logger=False).
	DisableLogger bool
	// Barebones turns off everything that costs time besides the loops:
	// progress bar, model summary, checkpointing, logger and Log
	// (barebones=True).
	Barebones bool

	// Out receives what the trainer prints (progress, summary, messages).
	// nil: os.Stderr.
	Out io.Writer
	// Stop, when closed or sent to, stops training after the current step
	// as SIGINT does (the trainer saves a checkpoint when checkpointing is on).
	Stop <-chan struct{}
	// DisableSignalHandling leaves SIGINT to the program; by default Fit
	// catches it and stops after the current step.
	DisableSignalHandling bool
}

// Limit is an amount of batches: a count (Batches) or a fraction of a
// loader's length (Fraction). Its zero value means the option's default.
type Limit struct {
	kind uint8 // 0 default, 1 count, 2 fraction
	n    int
	f    float64
}

// Batches is a count of n batches.
func Batches(n int) Limit { return Limit{kind: 1, n: n} }

// Fraction is a fraction f in [0, 1] of the batches.
func Fraction(f float64) Limit { return Limit{kind: 2, f: f} }

// IsZero reports whether l is the zero value (the option's default).
func (l Limit) IsZero() bool { return l.kind == 0 }

// String shows the limit as Lightning's argument would be written.
func (l Limit) String() string {
	switch l.kind {
	case 1:
		return fmt.Sprint(l.n)
	case 2:
		return fmt.Sprint(l.f)
	}
	return "default"
}

// of resolves l against a loader of total batches (-1: unknown), with def
// standing for the zero value; -1 means all (unknown length).
func (l Limit) of(total int, def Limit, what string) (int, error) {
	if l.kind == 0 {
		l = def
	}
	switch l.kind {
	case 1:
		if l.n < 0 {
			return 0, fmt.Errorf("lightning: %s=%d must be >= 0", what, l.n)
		}
		if total >= 0 && l.n > total {
			return total, nil
		}
		return l.n, nil
	case 2:
		if l.f < 0 || l.f > 1 || math.IsNaN(l.f) {
			return 0, fmt.Errorf("lightning: %s=%v must be in [0, 1]", what, l.f)
		}
		if total < 0 {
			if l.f == 1 {
				return -1, nil
			}
			return 0, fmt.Errorf("lightning: %s=%v: a fraction needs a loader with a known length", what, l.f)
		}
		n := int(float64(total) * l.f)
		if n == 0 && l.f > 0 && total > 0 {
			return 0, fmt.Errorf("lightning: you requested to check %v of the %s dataloader but %v * %d < 1. Please increase the `%s` argument. Try at least `%s=%v`", l.f, what, l.f, total, what, what, 1/float64(total))
		}
		return n, nil
	}
	return total, nil
}
