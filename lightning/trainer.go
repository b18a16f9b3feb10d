package lightning

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"runtime"
	"sync/atomic"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/amp"
	"github.com/torchgo/torchgo/torch/optim"
)

// Version is the Lightning release whose behaviour and checkpoint layout
// this package follows; checkpoints carry it as "pytorch-lightning_version".
const Version = "2.6.5"

// Trainer runs the training, validation, test and predict loops of a
// Module (Lightning's Trainer). A Trainer may run several times (Fit, then
// Test); it is not safe for concurrent use.
type Trainer struct {
	cfg       Config
	out       io.Writer
	userCbs   []Callback
	callbacks []Callback
	loggers   []Logger
	device    torch.Device

	module  Module
	data    Data
	opts    []optim.Optimizer     // the optimizers of the current or last Fit
	opt     optim.Optimizer       // opts[0], automatic optimization's; nil without
	lopts   []*LightningOptimizer // opts as the module sees them (Base.Optimizers)
	scheds  []Scheduler
	fn      string // "fit", "validate", "test", "predict"
	stageFn string // the running loop: "train", "sanity_check", "validate", "test", "predict"

	// lp are the loops, with their counters and positions (loops.go).
	lp loops

	sanityChecking bool
	training       bool
	batchIdx       int // the batch being processed by the running loop; -1 outside batches
	shouldStop     bool
	stopRequested  atomic.Bool
	interrupted    bool
	hook           string

	// What Lightning's logger connector holds: the running loop's logged
	// values, the metrics views, the current batch (for its size) and the
	// step of evaluation loops' step logs.
	active             *results
	callbackMetrics    map[string]float64
	loggedMetrics      map[string]float64
	progressBarMetrics map[string]float64
	curBatch           any
	curBatchSize       int
	logErr             error
	evalLogStep        int

	// resumePath is the absolute path of the checkpoint Fit resumed from
	// (trainer.ckpt_path): ModelCheckpoint never deletes it.
	resumePath      string
	dist            *ddpRun         // the DDP group of a running Fit
	rank, worldSize int             // this process's place in the last DDP Fit
	scaler          *amp.GradScaler // Precision "16-mixed"
}

// NewTrainer returns a trainer with cfg's options, checked.
func NewTrainer(cfg Config) (*Trainer, error) {
	switch cfg.Precision {
	case "", "32", "32-true", "bf16-mixed", "16-mixed":
	default:
		return nil, fmt.Errorf("lightning: precision %q is not one of 32-true, 16-mixed, bf16-mixed", cfg.Precision)
	}
	switch cfg.GradientClipAlgorithm {
	case "", "norm", "value":
	default:
		return nil, fmt.Errorf("lightning: `gradient_clip_algorithm` %q is invalid. Allowed algorithms: ['value', 'norm']", cfg.GradientClipAlgorithm)
	}
	if cfg.AccumulateGradBatches < 0 || cfg.LogEveryNSteps < 0 || cfg.CheckValEveryNEpoch < 0 || cfg.FastDevRun < 0 {
		return nil, fmt.Errorf("lightning: AccumulateGradBatches, LogEveryNSteps, CheckValEveryNEpoch and FastDevRun must be >= 0")
	}
	t := &Trainer{cfg: cfg, out: cfg.Out, batchIdx: -1, lp: newLoops()}
	if t.out == nil {
		t.out = os.Stderr
	}
	dev, err := pickDevice(cfg.Accelerator, cfg.DeviceIndex)
	if err != nil {
		return nil, err
	}
	if cfg.Precision == "16-mixed" {
		if !dev.IsCUDA() {
			return nil, fmt.Errorf("lightning: `Trainer(accelerator='cpu', precision='16-mixed')` is not supported. Use `precision='bf16-mixed'` instead.")
		}
		t.scaler = amp.NewGradScaler(dev, amp.GradScalerOptions{})
	}
	switch cfg.Strategy {
	case "", "auto":
		if cfg.Devices > 1 {
			return nil, fmt.Errorf("lightning: devices=%d needs strategy \"ddp\"", cfg.Devices)
		}
	case "ddp":
		if dev.IsCUDA() {
			return nil, fmt.Errorf("lightning: strategy \"ddp\" on CUDA needs NCCL, which is not built yet; use accelerator \"cpu\"")
		}
		if cfg.Devices < 1 {
			t.cfg.Devices = 1
		}
	default:
		return nil, fmt.Errorf("lightning: strategy %q is not one of auto, ddp", cfg.Strategy)
	}
	if cfg.Devices < 0 {
		return nil, fmt.Errorf("lightning: devices=%d must be at least 1", cfg.Devices)
	}
	t.device = dev
	if cfg.Barebones {
		t.cfg.DisableProgressBar, t.cfg.DisableModelSummary, t.cfg.DisableCheckpointing, t.cfg.DisableLogger = true, true, true, true
	}
	if cfg.FastDevRun > 0 {
		t.cfg.DisableLogger, t.cfg.DisableCheckpointing = true, true
	}
	if !t.cfg.DisableLogger {
		if cfg.Logger != nil {
			t.loggers = []Logger{cfg.Logger}
		} else {
			t.loggers = []Logger{NewCSVLogger(cfg.DefaultRootDir, CSVLoggerConfig{})}
		}
	}
	t.userCbs = append(t.userCbs, cfg.Callbacks...)
	hasCkpt := false
	for _, c := range cfg.Callbacks {
		if _, ok := c.(*ModelCheckpoint); ok {
			hasCkpt = true
		}
	}
	if hasCkpt && t.cfg.DisableCheckpointing {
		return nil, fmt.Errorf("lightning: Trainer was configured with `enable_checkpointing=False` but found `ModelCheckpoint` in callbacks list")
	}
	if !t.cfg.DisableCheckpointing && !hasCkpt {
		t.userCbs = append(t.userCbs, NewModelCheckpoint(ModelCheckpointConfig{}))
	}
	if !t.cfg.DisableModelSummary {
		t.userCbs = append(t.userCbs, &ModelSummary{MaxDepth: 1})
	}
	if !t.cfg.DisableProgressBar {
		t.userCbs = append(t.userCbs, NewProgressBar())
	}
	t.resetMetrics()
	return t, nil
}

func pickDevice(acc string, idx int) (torch.Device, error) {
	switch acc {
	case "", "auto":
		if torch.CUDAIsAvailable() {
			return torch.CUDA(idx), nil
		}
		return torch.CPU, nil
	case "cpu":
		return torch.CPU, nil
	case "cuda", "gpu":
		if !torch.CUDAIsAvailable() {
			return torch.CPU, fmt.Errorf("lightning: accelerator %q requested but CUDA is not available", acc)
		}
		if idx < 0 || idx >= torch.CUDADeviceCount() {
			return torch.CPU, fmt.Errorf("lightning: CUDA device %d requested but %d are available", idx, torch.CUDADeviceCount())
		}
		return torch.CUDA(idx), nil
	}
	return torch.CPU, fmt.Errorf("lightning: accelerator %q is not one of cpu, cuda, gpu, auto", acc)
}

func (t *Trainer) resetMetrics() {
	t.callbackMetrics = map[string]float64{}
	t.loggedMetrics = map[string]float64{}
	t.progressBarMetrics = map[string]float64{}
}

// CurrentEpoch is the epoch being run (0-based); after Fit, the number of
// epochs completed (Lightning's current_epoch).
func (t *Trainer) CurrentEpoch() int { return t.lp.fit.currentEpoch }

// GlobalStep is the number of optimizer steps taken (global_step).
func (t *Trainer) GlobalStep() int { return t.lp.fit.globalStep }

// Device is the device the module runs on.
func (t *Trainer) Device() torch.Device { return t.device }

// Config returns the trainer's options (with the defaults filled in).
func (t *Trainer) Config() Config { return t.cfg }

// Out is where the trainer and its callbacks print.
func (t *Trainer) Out() io.Writer { return t.out }

// Callbacks lists the callbacks of the current or last run, in call order.
func (t *Trainer) Callbacks() []Callback { return t.callbacks }

// Loggers lists the loggers.
func (t *Trainer) Loggers() []Logger { return t.loggers }

// Logger is the first logger, or nil.
func (t *Trainer) Logger() Logger {
	if len(t.loggers) == 0 {
		return nil
	}
	return t.loggers[0]
}

// Optimizer is the (first) optimizer of the current or last Fit.
func (t *Trainer) Optimizer() optim.Optimizer { return t.opt }

// Optimizers are the optimizers of the current or last Fit, in the order
// ConfigureOptimizers gave them (trainer.optimizers).
func (t *Trainer) Optimizers() []optim.Optimizer { return append([]optim.Optimizer(nil), t.opts...) }

// Schedulers are the LR schedulers of the current or last Fit.
func (t *Trainer) Schedulers() []Scheduler { return t.scheds }

// ShouldStop reports whether training was asked to stop (should_stop).
func (t *Trainer) ShouldStop() bool { return t.shouldStop }

// SetShouldStop asks training to stop at the next opportunity, once
// MinEpochs and MinSteps are met (trainer.should_stop = True).
func (t *Trainer) SetShouldStop(v bool) { t.shouldStop = v }

// SanityChecking reports whether the sanity-check validation is running.
func (t *Trainer) SanityChecking() bool { return t.sanityChecking }

// Fn is the running entry point: "fit", "validate", "test" or "predict"
// (trainer.state.fn).
func (t *Trainer) Fn() string { return t.fn }

// Stage is the running loop: "train", "sanity_check", "validate", "test"
// or "predict" (trainer.state.stage), "" between loops.
func (t *Trainer) Stage() string { return t.stageFn }

// Interrupted reports whether the last Fit was stopped by SIGINT or Config.Stop.
func (t *Trainer) Interrupted() bool { return t.interrupted }

// NumTrainingBatches is the number of training batches per epoch (-1: unknown).
func (t *Trainer) NumTrainingBatches() int { return t.lp.fit.numBatches }

// NumValBatches is the number of validation batches per pass: of Fit's
// validation loop during and after Fit, else of Validate's
// (num_val_batches).
func (t *Trainer) NumValBatches() int {
	if t.fn == "fit" {
		return t.lp.fit.val.numBatches
	}
	return t.lp.validate.numBatches
}

// BatchIdx is the index of the batch being processed in its epoch, -1
// outside batches.
func (t *Trainer) BatchIdx() int { return t.batchIdx }

// CallbackMetrics are the latest metrics visible to callbacks
// (callback_metrics): step values of training metrics, epoch aggregates,
// by name and by name_step/name_epoch. It is a copy.
func (t *Trainer) CallbackMetrics() map[string]float64 {
	t.syncActive()
	return copyMetrics(t.callbackMetrics)
}

// LoggedMetrics are the latest values of the metrics logged for the
// loggers (logged_metrics): step values as of the last batch, epoch values
// as of the last epoch end, updated as Lightning updates them (whether or
// not a logger runs). It is a copy.
func (t *Trainer) LoggedMetrics() map[string]float64 {
	if t.active != nil {
		merge(t.loggedMetrics, t.active.metrics(!t.active.epochEnd).log)
	}
	return copyMetrics(t.loggedMetrics)
}

// ProgressBarMetrics are the latest metrics logged with ProgBar
// (progress_bar_metrics). It is a copy.
func (t *Trainer) ProgressBarMetrics() map[string]float64 {
	t.syncActive()
	return copyMetrics(t.progressBarMetrics)
}

// syncActive folds the active loop's current view into the metrics, as
// Lightning's callback_metrics property does.
func (t *Trainer) syncActive() {
	if t.active == nil {
		return
	}
	v := t.active.metrics(!t.active.epochEnd)
	merge(t.callbackMetrics, v.callback)
	merge(t.progressBarMetrics, v.pbar)
}

// CheckpointCallback is the first ModelCheckpoint, or nil.
func (t *Trainer) CheckpointCallback() *ModelCheckpoint {
	for _, c := range t.callbacks {
		if mc, ok := c.(*ModelCheckpoint); ok {
			return mc
		}
	}
	for _, c := range t.userCbs {
		if mc, ok := c.(*ModelCheckpoint); ok {
			return mc
		}
	}
	return nil
}

// EarlyStoppingCallback is the first EarlyStopping, or nil.
func (t *Trainer) EarlyStoppingCallback() *EarlyStopping {
	for _, c := range t.callbacks {
		if es, ok := c.(*EarlyStopping); ok {
			return es
		}
	}
	return nil
}

// DefaultRootDir is Config.DefaultRootDir, or the working directory.
func (t *Trainer) DefaultRootDir() string {
	if t.cfg.DefaultRootDir != "" {
		return t.cfg.DefaultRootDir
	}
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	return wd
}

// LogDir is the first logger's directory (log_dir), or DefaultRootDir.
func (t *Trainer) LogDir() string {
	if l := t.Logger(); l != nil {
		if d, ok := l.(interface{ LogDir() string }); ok {
			return d.LogDir()
		}
		return filepath.Join(l.SaveDir(), l.Name(), l.Version())
	}
	return t.DefaultRootDir()
}

// run executes body for entry point fn with the calling goroutine locked
// to its OS thread, turning panics into errors. It runs on the caller's
// goroutine rather than a new one: libtorch's CPU thread pool (OpenMP)
// keeps a team per calling thread, and a fresh thread per run would start
// a second team competing with the first for the cores (measured: steps
// several times slower on 2 cores).
func (t *Trainer) run(fn string, m Module, d *Data, body func()) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return t.runLocked(fn, m, d, body)
}

func (t *Trainer) runLocked(fn string, m Module, d *Data, body func()) (err error) {
	if m == nil {
		return fmt.Errorf("lightning: %s: nil module", fn)
	}
	t.fn, t.module, t.logErr, t.stageFn = fn, m, nil, ""
	t.batchIdx, t.hook, t.sanityChecking, t.training = -1, "", false, false
	t.shouldStop, t.interrupted = false, false
	t.stopRequested.Store(false)
	t.data = Data{}
	if d != nil {
		t.data = *d
	}
	if a, ok := m.(attacher); ok {
		a.attach(t)
	}
	if t.cfg.Seed != nil {
		SeedEverything(*t.cfg.Seed)
	}
	if t.cfg.Deterministic {
		torch.UseDeterministicAlgorithms(true, false)
	}
	if fn == "fit" && !t.cfg.DisableSignalHandling {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt)
		quit := make(chan struct{})
		go func() {
			select {
			case <-sig:
				t.stopRequested.Store(true)
			case <-quit:
			}
		}()
		defer func() { signal.Stop(sig); close(quit) }()
	}
	defer func() {
		if r := recover(); r != nil {
			err = t.wrapPanic(r)
			t.onException(err)
		}
		t.active = nil
		t.stageFn = ""
		t.batchIdx = -1
		status := "success"
		if err != nil {
			status = "failed"
		}
		for _, l := range t.loggers {
			if ferr := l.Finalize(status); ferr != nil && err == nil {
				err = ferr
			}
		}
		if err == nil && t.logErr != nil {
			err = t.logErr
		}
		if a, ok := m.(attacher); ok {
			a.attach(nil)
		}
	}()
	body()
	return nil
}

func (t *Trainer) wrapPanic(r any) error {
	if a, ok := r.(abort); ok {
		return a.err
	}
	if he, ok := r.(*HookError); ok {
		return he
	}
	hook := t.hook
	if hook == "" {
		hook = "trainer"
	}
	return &HookError{Hook: hook, Epoch: t.lp.fit.currentEpoch, Batch: t.batchIdx, Err: asError(r)}
}

func (t *Trainer) onException(err error) {
	for _, c := range t.callbacks {
		func() {
			defer func() { _ = recover() }()
			c.OnException(t, t.module, err)
		}()
	}
}

// stopPending reports whether SIGINT arrived or Config.Stop fired.
func (t *Trainer) stopPending() bool {
	if t.stopRequested.Load() {
		return true
	}
	if t.cfg.Stop == nil {
		return false
	}
	select {
	case <-t.cfg.Stop:
		t.stopRequested.Store(true)
		return true
	default:
		return false
	}
}

// call runs a user hook f under the name hook (for errors and Log defaults).
func (t *Trainer) call(hook string, f func()) {
	prev := t.hook
	t.hook = hook
	f()
	t.hook = prev
}

// cb runs f for every callback, under the name hook.
func (t *Trainer) cb(hook string, f func(c Callback)) {
	prev := t.hook
	for _, c := range t.callbacks {
		t.hook = typeName(c) + "." + hook
		f(c)
	}
	t.hook = prev
}

// typeName is the name of v's type without pointers: a callback's
// ("ModelCheckpoint"), an optimizer's ("SGD").
func typeName(v any) string {
	ty := reflect.TypeOf(v)
	for ty.Kind() == reflect.Pointer {
		ty = ty.Elem()
	}
	return ty.Name()
}

// SeedEverything seeds the CPU and CUDA default generators with seed
// (Lightning's seed_everything, for libtorch's generators).
func SeedEverything(seed uint64) {
	torch.ManualSeed(seed)
}

// Fit trains m (Lightning's trainer.fit). d supplies the loaders (nil: the
// module's). ckptPath resumes from a checkpoint: a path, "last" (the last
// checkpoint the ModelCheckpoint saved or finds) or "best"; "" starts
// afresh. The module, optimizer, schedulers, callbacks, epoch, step, the
// loader's position and the default generator are restored.
func (t *Trainer) Fit(m Module, d *Data, ckptPath string) error {
	return t.run("fit", m, d, func() { t.fit(ckptPath) })
}

// Validate runs one validation pass (trainer.validate) and returns the
// epoch metrics logged in it. ckptPath ("", "best", "last" or a path)
// loads weights first.
func (t *Trainer) Validate(m Module, d *Data, ckptPath string) (map[string]float64, error) {
	var out map[string]float64
	err := t.run("validate", m, d, func() { out = t.evaluate(validateStage, ckptPath) })
	return out, err
}

// Test runs one test pass (trainer.test) and returns the epoch metrics
// logged in it ({"test_loss": ..., "test_acc": ...}). ckptPath as for
// Validate.
func (t *Trainer) Test(m Module, d *Data, ckptPath string) (map[string]float64, error) {
	var out map[string]float64
	err := t.run("test", m, d, func() { out = t.evaluate(testStage, ckptPath) })
	return out, err
}

// Predict runs PredictStep over the predict loader (trainer.predict) and
// returns its results in order. ckptPath as for Validate.
func (t *Trainer) Predict(m Module, d *Data, ckptPath string) ([]any, error) {
	var out []any
	err := t.run("predict", m, d, func() { out = t.predict(ckptPath) })
	return out, err
}
