package lightning

import (
	"fmt"

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

// fitProgress are the counters of Lightning's _FitLoop and the loops under
// it (training epoch loop, optimization, its validation loop).
type fitProgress struct {
	epoch      progress // fit_loop.epoch_progress
	batch      progress // epoch_loop.batch_progress
	sched      progress // epoch_loop.scheduler_progress
	optStep    progress // automatic_optimization.optim_progress.optimizer.step
	zeroGrad   progress // automatic_optimization.optim_progress.optimizer.zero_grad
	manualStep progress // manual_optimization.optim_step_progress (never advances)
	val        progress // epoch_loop.val_loop.batch_progress
}

func newFitProgress() fitProgress {
	return fitProgress{
		epoch:      newProgress(withProcessed, false),
		batch:      newProgress(withProcessed, true),
		sched:      newProgress(readyCompleted, false),
		optStep:    newProgress(readyCompleted, false),
		zeroGrad:   newProgress(withStarted, false),
		manualStep: newProgress(readyCompleted, false),
		val:        newProgress(withProcessed, true),
	}
}

// loopProgress are the counters of every loop of a Trainer: fit's, and
// the validate, test and predict loops of Validate, Test and Predict.
type loopProgress struct {
	fit                     fitProgress
	validate, test, predict progress
	// midEpoch: Fit resumed inside an epoch, which has started already.
	midEpoch bool
}

func newLoopProgress() loopProgress {
	return loopProgress{
		fit:      newFitProgress(),
		validate: newProgress(withProcessed, true),
		test:     newProgress(withProcessed, true),
		predict:  newProgress(withProcessed, false),
	}
}

// evalProgress is the counter of the evaluation loop that runs stage.
func (t *Trainer) evalProgress(stage string) *progress {
	switch {
	case stage == "predict":
		return &t.lp.predict
	case stage == "test":
		return &t.lp.test
	case t.fn == "fit":
		return &t.lp.fit.val
	}
	return &t.lp.validate
}

// fitLoopDict is Lightning's fit_loop.state_dict(): the loops' state dicts
// (empty but for _batches_that_stepped) and progress, in the order
// Lightning's loops list them.
func (t *Trainer) fitLoopDict() *pt.OrderedDict {
	fp := &t.lp.fit
	d := pt.NewDict()
	d.MustSet("state_dict", pt.NewDict())
	es := pt.NewDict()
	es.MustSet("_batches_that_stepped", int64(t.batchesThatStepped))
	d.MustSet("epoch_loop.state_dict", es)
	d.MustSet("epoch_loop.batch_progress", fp.batch.dict())
	d.MustSet("epoch_loop.scheduler_progress", fp.sched.dict())
	d.MustSet("epoch_loop.automatic_optimization.state_dict", pt.NewDict())
	opt := pt.NewDict()
	opt.MustSet("step", fp.optStep.dict())
	opt.MustSet("zero_grad", fp.zeroGrad.dict())
	op := pt.NewDict()
	op.MustSet("optimizer", opt)
	d.MustSet("epoch_loop.automatic_optimization.optim_progress", op)
	d.MustSet("epoch_loop.manual_optimization.state_dict", pt.NewDict())
	d.MustSet("epoch_loop.manual_optimization.optim_step_progress", fp.manualStep.dict())
	d.MustSet("epoch_loop.val_loop.state_dict", pt.NewDict())
	d.MustSet("epoch_loop.val_loop.batch_progress", fp.val.dict())
	d.MustSet("epoch_progress", fp.epoch.dict())
	return d
}

// evalLoopDict is an evaluation loop's state_dict.
func evalLoopDict(p *progress) *pt.OrderedDict {
	d := pt.NewDict()
	d.MustSet("state_dict", pt.NewDict())
	d.MustSet("batch_progress", p.dict())
	return d
}

// loadFitProgress reads fit_loop's counters from a checkpoint's loops
// entry (written by Go or Lightning); entries it lacks stay at zero.
func (t *Trainer) loadFitProgress(path string, fit *pt.OrderedDict) {
	fp := newFitProgress()
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
		{&fp.epoch, sub(fit, "epoch_progress"), pre + "epoch_progress"},
		{&fp.batch, sub(fit, "epoch_loop.batch_progress"), pre + "epoch_loop.batch_progress"},
		{&fp.sched, sub(fit, "epoch_loop.scheduler_progress"), pre + "epoch_loop.scheduler_progress"},
		{&fp.optStep, sub(opt, "step"), pre + "epoch_loop.automatic_optimization.optim_progress.optimizer.step"},
		{&fp.zeroGrad, sub(opt, "zero_grad"), pre + "epoch_loop.automatic_optimization.optim_progress.optimizer.zero_grad"},
		{&fp.manualStep, sub(fit, "epoch_loop.manual_optimization.optim_step_progress"), pre + "epoch_loop.manual_optimization.optim_step_progress"},
		{&fp.val, sub(fit, "epoch_loop.val_loop.batch_progress"), pre + "epoch_loop.val_loop.batch_progress"},
	} {
		if err := e.p.load(e.d, e.key); err != nil {
			failf("lightning: checkpoint %s: %v", path, err)
		}
	}
	t.lp.fit = fp
}
