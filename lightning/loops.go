package lightning

import (
	"fmt"
	"time"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/pt"
)

// Lightning's loop progress counters (lightning/pytorch/loops/progress.py),
// kept as Lightning keeps them so that a checkpoint's "loops" entry holds
// what Lightning 2.6 writes at the same point (the end of an epoch, inside
// on_train_batch_end, after validation, on an interrupt) and Lightning
// resumes from it as from its own. Go's own resumption reads "torchgo".

// trackerKind says which counters a tracker has: Lightning's
// _ReadyCompletedTracker, _StartedTracker or _ProcessedTracker.
type trackerKind int8

const (
	readyCompleted trackerKind = iota // ready, completed
	withStarted                       // ready, completed, started
	withProcessed                     // ready, completed, started, processed
)

// tracker is one set of counters, in the order Lightning's dataclasses
// declare (and its state dicts list) them.
type tracker struct {
	ready, completed, started, processed int
}

func (k trackerKind) fields() []string {
	switch k {
	case readyCompleted:
		return []string{"ready", "completed"}
	case withStarted:
		return []string{"ready", "completed", "started"}
	}
	return []string{"ready", "completed", "started", "processed"}
}

func (tr *tracker) field(name string) *int {
	switch name {
	case "ready":
		return &tr.ready
	case "completed":
		return &tr.completed
	case "started":
		return &tr.started
	}
	return &tr.processed
}

// progress is Lightning's _Progress (total and current trackers), or with
// lastBatch its _BatchProgress, which adds is_last_batch.
type progress struct {
	kind           trackerKind
	lastBatch      bool // has is_last_batch (_BatchProgress)
	total, current tracker
	isLastBatch    bool
}

func newProgress(kind trackerKind, lastBatch bool) progress {
	return progress{kind: kind, lastBatch: lastBatch}
}

func (p *progress) incReady()     { p.total.ready++; p.current.ready++ }
func (p *progress) incStarted()   { p.total.started++; p.current.started++ }
func (p *progress) incProcessed() { p.total.processed++; p.current.processed++ }
func (p *progress) incCompleted() { p.total.completed++; p.current.completed++ }

// resetOnRun is Lightning's reset_on_run: the current counters restart.
func (p *progress) resetOnRun() {
	p.current = tracker{}
	p.isLastBatch = false
}

// reset zeroes everything (Lightning's reset).
func (p *progress) reset() {
	p.total, p.current = tracker{}, tracker{}
	p.isLastBatch = false
}

// setAll sets every counter of both trackers to n.
func (p *progress) setAll(n int) {
	p.total = tracker{n, n, n, n}
	p.current = p.total
}

// dict is the progress's state_dict: total, current (and is_last_batch).
func (p *progress) dict() *pt.OrderedDict {
	tr := func(t tracker) *pt.OrderedDict {
		d := pt.NewDict()
		for _, f := range p.kind.fields() {
			d.MustSet(f, int64(*t.field(f)))
		}
		return d
	}
	d := pt.NewDict()
	d.MustSet("total", tr(p.total))
	d.MustSet("current", tr(p.current))
	if p.lastBatch {
		d.MustSet("is_last_batch", p.isLastBatch)
	}
	return d
}

// load reads a state_dict written by dict (or Lightning). A missing d
// leaves p unchanged; counters must be integers >= 0, ready at least
// completed; key names the entry in errors.
func (p *progress) load(d *pt.OrderedDict, key string) error {
	if d == nil {
		return nil
	}
	for _, part := range []struct {
		name string
		t    *tracker
	}{{"total", &p.total}, {"current", &p.current}} {
		v, ok := d.Get(part.name)
		if !ok {
			continue
		}
		td, ok := v.(*pt.OrderedDict)
		if !ok {
			return fmt.Errorf("key %q is a %s, not a dict", key+"."+part.name, pyTypeName(v))
		}
		for _, f := range p.kind.fields() {
			fv, ok := td.Get(f)
			if !ok {
				continue
			}
			n, ok := fv.(int64)
			if !ok {
				return fmt.Errorf("key %q is a %s, not an int", key+"."+part.name+"."+f, pyTypeName(fv))
			}
			if n < 0 {
				return fmt.Errorf("key %q is %d, below 0", key+"."+part.name+"."+f, n)
			}
			*part.t.field(f) = int(n)
		}
		if part.t.ready < part.t.completed {
			return fmt.Errorf("key %q has ready %d below completed %d", key+"."+part.name, part.t.ready, part.t.completed)
		}
	}
	if p.lastBatch {
		if v, ok := d.Get("is_last_batch"); ok {
			b, ok := v.(bool)
			if !ok {
				return fmt.Errorf("key %q is a %s, not a bool", key+".is_last_batch", pyTypeName(v))
			}
			p.isLastBatch = b
		}
	}
	return nil
}

// pyTypeName names a decoded pickle value's Python type, for errors.
func pyTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "None"
	case int64:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case bool:
		return "bool"
	case *pt.OrderedDict:
		return "dict"
	case []any:
		return "list"
	case *pt.Tensor:
		return "tensor"
	}
	return fmt.Sprintf("%T", v)
}

// The loops. Each type is the Lightning loop of the same name: it owns its
// progress counters and the position it carries between batches and
// epochs, and writes and reads its part of a checkpoint's "loops" entry
// as Lightning's _Loop.state_dict does (each sub-loop's entries under its
// attribute name as a prefix). The Trainer runs them (fit.go, eval.go),
// calling the hooks.

// loops are a Trainer's loops: fit_loop, validate_loop, test_loop and
// predict_loop.
type loops struct {
	fit      fitLoop
	validate evaluationLoop
	test     evaluationLoop
	predict  predictionLoop
}

func newLoops() loops {
	l := loops{validate: newEvaluationLoop(), test: newEvaluationLoop(), predict: newPredictionLoop()}
	l.fit.reset()
	return l
}

// fitLoop is Lightning's _FitLoop: the epochs of a Fit. Its epoch loop is
// embedded, so that fit.batch is Lightning's
// fit_loop.epoch_loop.batch_progress.
type fitLoop struct {
	epoch             progress // epoch_progress
	trainingEpochLoop          // epoch_loop
	// currentEpoch is the epoch running (current_epoch); after Fit, the
	// number of epochs completed.
	currentEpoch int
	startTime    time.Time
	// resume is where Fit resumes inside an epoch; nil at an epoch's start.
	resume *loopState
	// midEpoch: Fit resumed inside an epoch, which its counters have
	// started already.
	midEpoch bool
}

// reset is the start of a Fit: counters, step counts and the resume
// position restart, and the validation loader is asked for again. The
// loaders' batch counts stay until the Fit sets them.
func (f *fitLoop) reset() {
	f.epoch = newProgress(withProcessed, false)
	f.currentEpoch, f.resume, f.midEpoch = 0, nil, false
	e := &f.trainingEpochLoop
	e.resetProgress()
	e.globalStep, e.batchesThatStepped, e.stepPending = 0, 0, false
	e.val.loader, e.val.loaderSet, e.val.hasRun = nil, false, false
}

// stateDict is Lightning's fit_loop.state_dict(): the loops' (empty)
// state dicts and progress, in the order Lightning's loops list them.
func (f *fitLoop) stateDict() *pt.OrderedDict {
	d := pt.NewDict()
	d.MustSet("state_dict", pt.NewDict())
	f.trainingEpochLoop.stateDict(d, "epoch_loop.")
	d.MustSet("epoch_progress", f.epoch.dict())
	return d
}

// loadStateDict reads the fit loop's counters from a checkpoint's
// loops["fit_loop"] (written by Go or Lightning); entries it lacks are
// zero. path names the file in errors; on an error nothing changes.
func (f *fitLoop) loadStateDict(path string, fit *pt.OrderedDict) {
	var fresh fitLoop
	fresh.epoch = newProgress(withProcessed, false)
	fresh.resetProgress()
	sub := func(d *pt.OrderedDict, key string) *pt.OrderedDict {
		v, _ := get[*pt.OrderedDict](d, key)
		return v
	}
	opt := sub(sub(fit, "epoch_loop.automatic_optimization.optim_progress"), "optimizer")
	const pre = "loops.fit_loop."
	for _, e := range []struct {
		p   *progress
		d   *pt.OrderedDict
		key string
	}{
		{&fresh.epoch, sub(fit, "epoch_progress"), pre + "epoch_progress"},
		{&fresh.batch, sub(fit, "epoch_loop.batch_progress"), pre + "epoch_loop.batch_progress"},
		{&fresh.sched, sub(fit, "epoch_loop.scheduler_progress"), pre + "epoch_loop.scheduler_progress"},
		{&fresh.optStep, sub(opt, "step"), pre + "epoch_loop.automatic_optimization.optim_progress.optimizer.step"},
		{&fresh.zeroGrad, sub(opt, "zero_grad"), pre + "epoch_loop.automatic_optimization.optim_progress.optimizer.zero_grad"},
		{&fresh.manualStep, sub(fit, "epoch_loop.manual_optimization.optim_step_progress"), pre + "epoch_loop.manual_optimization.optim_step_progress"},
		{&fresh.val.batch, sub(fit, "epoch_loop.val_loop.batch_progress"), pre + "epoch_loop.val_loop.batch_progress"},
	} {
		if err := e.p.load(e.d, e.key); err != nil {
			failf("lightning: checkpoint %s: %v", path, err)
		}
	}
	f.epoch = fresh.epoch
	f.batch, f.sched, f.optStep, f.zeroGrad, f.manualStep = fresh.batch, fresh.sched, fresh.optStep, fresh.zeroGrad, fresh.manualStep
	f.val.batch = fresh.val.batch
}

// trainingEpochLoop is Lightning's _TrainingEpochLoop, with the counters
// of its optimization loops (automatic_optimization, manual_optimization)
// and its validation loop.
type trainingEpochLoop struct {
	batch      progress       // batch_progress
	sched      progress       // scheduler_progress
	optStep    progress       // automatic_optimization.optim_progress.optimizer.step
	zeroGrad   progress       // automatic_optimization.optim_progress.optimizer.zero_grad
	manualStep progress       // manual_optimization.optim_step_progress
	val        evaluationLoop // val_loop

	// globalStep counts the optimizer steps (global_step): automatic
	// optimization's, or each LightningOptimizer.Step in manual optimization.
	globalStep int
	// batchesThatStepped is _batches_that_stepped, the loggers' step.
	batchesThatStepped int
	loader             Loader // the training loader of this Fit
	numBatches         int    // batches per epoch (num_training_batches; -1: unknown)
	valCheckBatch      int    // validate every valCheckBatch batches; 0: after the last
	batchesDone        int    // batches done in the running epoch
	epochProcessed     bool   // the running epoch ran all its batches; its end runs
	stepPending        bool   // the batch done stepped but is not in batchesThatStepped yet
	rngEpochStart      []byte // the default generator before the epoch's Iter
	// countSteps: a manual-optimization training_step runs, so that
	// LightningOptimizer.Step counts in manualStep and globalStep (the
	// _ManualOptimization loop's on_run_start / on_run_end).
	countSteps bool
}

// resetProgress sets every counter of the epoch loop and its sub-loops to
// zero, of the kinds Lightning's trackers have.
func (e *trainingEpochLoop) resetProgress() {
	e.batch = newProgress(withProcessed, true)
	e.sched = newProgress(readyCompleted, false)
	e.optStep = newProgress(readyCompleted, false)
	e.zeroGrad = newProgress(withStarted, false)
	e.manualStep = newProgress(readyCompleted, false)
	e.val.batch = newProgress(withProcessed, true)
}

// startEpoch is _TrainingEpochLoop.reset for an epoch that starts afresh:
// the epoch's counters restart, and the validation loop's total counts
// the validations of this epoch.
func (e *trainingEpochLoop) startEpoch() {
	e.batch.resetOnRun()
	e.sched.resetOnRun()
	e.optStep.resetOnRun()
	e.zeroGrad.resetOnRun()
	e.val.batch.total = tracker{}
}

// stateDict writes the epoch loop's entries into d under prefix.
func (e *trainingEpochLoop) stateDict(d *pt.OrderedDict, prefix string) {
	es := pt.NewDict()
	es.MustSet("_batches_that_stepped", int64(e.batchesThatStepped))
	d.MustSet(prefix+"state_dict", es)
	d.MustSet(prefix+"batch_progress", e.batch.dict())
	d.MustSet(prefix+"scheduler_progress", e.sched.dict())
	d.MustSet(prefix+"automatic_optimization.state_dict", pt.NewDict())
	opt := pt.NewDict()
	opt.MustSet("step", e.optStep.dict())
	opt.MustSet("zero_grad", e.zeroGrad.dict())
	op := pt.NewDict()
	op.MustSet("optimizer", opt)
	d.MustSet(prefix+"automatic_optimization.optim_progress", op)
	d.MustSet(prefix+"manual_optimization.state_dict", pt.NewDict())
	d.MustSet(prefix+"manual_optimization.optim_step_progress", e.manualStep.dict())
	e.val.stateDict(d, prefix+"val_loop.")
}

// exactState is what Go's exact resumption needs beyond Lightning's
// counters (the checkpoint's loops["torchgo"]): where in the epoch the
// loop is and the default generator's state.
func (e *trainingEpochLoop) exactState() *pt.OrderedDict {
	bts := e.batchesThatStepped
	if e.stepPending {
		// Saved after the batch (on_train_batch_end, the validation after
		// it), before the loop counts its step: Go resumes after it.
		bts++
	}
	ours := pt.NewDict()
	ours.MustSet("epoch_processed", e.epochProcessed)
	ours.MustSet("batches_in_epoch", int64(e.batchesDone))
	ours.MustSet("batches_that_stepped", int64(bts))
	if e.rngEpochStart != nil {
		ours.MustSet("rng_epoch_start", bytesTensor(e.rngEpochStart))
	}
	var rng []byte
	torch.WithScope(func(*torch.Scope) { rng = torch.DefaultGenerator(torch.CPU).State().Bytes() })
	ours.MustSet("rng", bytesTensor(rng))
	return ours
}

// evaluationLoop is Lightning's _EvaluationLoop: Validate's and Test's
// loops, and the validation loop inside Fit.
type evaluationLoop struct {
	batch progress // batch_progress
	// loader is Fit's validation loader, resolved once per Fit (loaderSet).
	loader     Loader
	loaderSet  bool
	numBatches int  // batches per pass (max_batches)
	hasRun     bool // a validation other than the sanity check ran (_has_run)
}

func newEvaluationLoop() evaluationLoop {
	return evaluationLoop{batch: newProgress(withProcessed, true)}
}

// stateDict writes the loop's entries into d under prefix.
func (e *evaluationLoop) stateDict(d *pt.OrderedDict, prefix string) {
	d.MustSet(prefix+"state_dict", pt.NewDict())
	d.MustSet(prefix+"batch_progress", e.batch.dict())
}

// predictionLoop is Lightning's _PredictionLoop.
type predictionLoop struct {
	batch progress // batch_progress
}

func newPredictionLoop() predictionLoop {
	return predictionLoop{batch: newProgress(withProcessed, false)}
}

// stateDict writes the loop's entries into d under prefix.
func (p *predictionLoop) stateDict(d *pt.OrderedDict, prefix string) {
	d.MustSet(prefix+"state_dict", pt.NewDict())
	d.MustSet(prefix+"batch_progress", p.batch.dict())
}

// stateDict is the checkpoint's "loops" entry: Lightning 2.6's loop state
// dicts with the counters Lightning holds at this point, so that Lightning
// resumes from it as from its own checkpoint, and, under "torchgo", what
// Go's exact resumption needs.
func (l *loops) stateDict() *pt.OrderedDict {
	d := pt.NewDict()
	d.MustSet("fit_loop", l.fit.stateDict())
	for _, e := range []struct {
		key  string
		loop interface {
			stateDict(*pt.OrderedDict, string)
		}
	}{{"validate_loop", &l.validate}, {"test_loop", &l.test}, {"predict_loop", &l.predict}} {
		sd := pt.NewDict()
		e.loop.stateDict(sd, "")
		d.MustSet(e.key, sd)
	}
	d.MustSet("torchgo", l.fit.exactState())
	return d
}

// evalLoop is the loop that runs stage s's evaluation: Fit's validation
// loop inside Fit, else Validate's or Test's.
func (t *Trainer) evalLoop(s *stage) *evaluationLoop {
	switch {
	case s == testStage:
		return &t.lp.test
	case t.fn == "fit":
		return &t.lp.fit.val
	}
	return &t.lp.validate
}

// loadFitProgress reads fit_loop's counters from a checkpoint's loops
// entry (written by Go or Lightning); entries it lacks stay at zero.
func (t *Trainer) loadFitProgress(path string, fit *pt.OrderedDict) {
	t.lp.fit.loadStateDict(path, fit)
}
