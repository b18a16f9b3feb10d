package lightning

import (
	"fmt"
	"math"
	"sort"

	"github.com/torchgo/torchgo/torch"
)

// Toggle is a three-state option: Default (Lightning's choice for the
// hook), On or Off.
type Toggle int8

// Toggle values.
const (
	Default Toggle = iota
	On
	Off
)

func (t Toggle) or(def bool) bool {
	switch t {
	case On:
		return true
	case Off:
		return false
	}
	return def
}

// LogOptions are the options of Log (Lightning's self.log arguments).
type LogOptions struct {
	// ProgBar shows the value in the progress bar (prog_bar).
	ProgBar bool
	// NoLogger keeps the value from the loggers (logger=False).
	NoLogger bool
	// OnStep logs the value of each step (on_step). Default: on in
	// training hooks, off in validation and test hooks.
	OnStep Toggle
	// OnEpoch logs the epoch aggregate (on_epoch). Default: off in
	// training steps and batch hooks, on elsewhere. With both OnStep and
	// OnEpoch the keys are name_step and name_epoch.
	OnEpoch Toggle
	// Reduce is the epoch aggregate: "mean" (default; weighted by batch
	// size), "sum", "max" or "min" (reduce_fx).
	Reduce string
	// BatchSize weights the value in the epoch mean; 0: the size of the
	// batch's first tensor along dim 0 (1 when it has none).
	BatchSize int
	// SyncDist reduces the epoch aggregate over the DDP ranks (sync_dist):
	// a mean becomes the mean over all ranks' samples.
	SyncDist bool
}

// result is one logged key of a loop: its options and aggregates. Values
// are held as Lightning's _ResultMetric holds them: float32 (torch's
// default dtype) unless they come as float64 tensors; the epoch mean is a
// float32 sum of value*batch_size divided by the summed batch sizes, in
// float32, so that epoch values equal Lightning's bit for bit.
type result struct {
	name             string
	onStep, onEpoch  bool
	progBar, logger  bool
	reduce           string
	last             float64 // value of the current step
	stepFresh        bool    // logged since the last step flush
	sum, weight, ext float64 // weighted sum (a float32's), total weight, max/min
	sum64            bool    // a float64 tensor was summed: the sum is float64 (torch's promotion)
	n                int     // values aggregated this epoch
	sync, synced     bool    // SyncDist; reduced over the ranks already
}

func (r *result) epochValue() float64 {
	switch r.reduce {
	case "sum":
		return r.sum
	case "max", "min":
		return r.ext
	}
	return float64(float32(r.sum) / float32(r.weight))
}

// add is _ResultMetric.update for the epoch aggregate: v (a float32's
// value unless f64) with weight w (the batch size for a mean).
func (r *result) add(v float64, f64 bool, w float64) {
	switch r.reduce {
	case "mean":
		// value + v.to(float32) * batch_size: two float32 roundings (the
		// conversions keep the compiler from fusing them).
		r.sum = float64(float32(r.sum) + float32(float32(v)*float32(w)))
		r.weight += w
	case "sum":
		if f64 || r.sum64 {
			r.sum += v
			r.sum64 = true
		} else {
			r.sum = float64(float32(r.sum) + float32(v))
		}
	case "max":
		if r.n == 0 || v > r.ext || math.IsNaN(v) {
			r.ext = v
		}
	case "min":
		if r.n == 0 || v < r.ext || math.IsNaN(v) {
			r.ext = v
		}
	}
	r.n++
}

// forked is the key of a step or epoch value: name_step / name_epoch when
// both are logged.
func (r *result) forked(onStep bool) string {
	if r.onStep && r.onEpoch {
		if onStep {
			return r.name + "_step"
		}
		return r.name + "_epoch"
	}
	return r.name
}

// results are the values logged in one loop (Lightning's _ResultCollection).
type results struct {
	training bool
	order    []*result
	byName   map[string]*result
	epochEnd bool // the loop reached its epoch end: views use epoch values
}

func newResults(training bool) *results {
	return &results{training: training, byName: map[string]*result{}}
}

// view is Lightning's _ResultCollection.metrics(on_step): the values for
// the loggers, the callbacks and the progress bar.
type view struct {
	log, callback, pbar map[string]float64
}

func (rs *results) metrics(onStep bool) view {
	v := view{log: map[string]float64{}, callback: map[string]float64{}, pbar: map[string]float64{}}
	for _, r := range rs.order {
		var val float64
		switch {
		case onStep && r.onStep && r.stepFresh:
			val = r.last
		case !onStep && r.onEpoch && r.n > 0:
			val = r.epochValue()
		default:
			continue
		}
		name, forked := r.name, r.forked(onStep)
		if r.logger {
			v.log[forked] = val
		}
		if rs.training || (r.onEpoch && !onStep) {
			v.callback[name] = val
			v.callback[forked] = val
		}
		if r.progBar {
			v.pbar[forked] = val
		}
	}
	return v
}

// stepDone marks the step values as flushed.
func (rs *results) stepDone() {
	for _, r := range rs.order {
		r.stepFresh = false
	}
}

// logValue reads a logged value as Lightning stores it: numbers become
// float32 tensors (torch's default dtype), tensors other than float64 ones
// become float32; f64 reports a float64 tensor, whose value is kept.
func logValue(name string, v any) (val float64, f64 bool, err error) {
	f32 := func(f float64) float64 { return float64(float32(f)) }
	switch x := v.(type) {
	case float64:
		return f32(x), false, nil
	case float32:
		return float64(x), false, nil
	case int:
		return f32(float64(x)), false, nil
	case int64:
		return f32(float64(x)), false, nil
	case int32:
		return f32(float64(x)), false, nil
	case bool:
		if x {
			return 1, false, nil
		}
		return 0, false, nil
	case *torch.Tensor:
		if x == nil {
			return 0, false, fmt.Errorf("lightning: self.log(%q, value) was called with a nil tensor", name)
		}
		if n := x.Numel(); n != 1 {
			return 0, false, fmt.Errorf("lightning: self.log(%s, %v) was called, but the tensor must have a single element. You can try doing `self.log(%s, your_tensor.mean())`", name, x.Shape(), name)
		}
		if x.DType() == torch.Float64 {
			return x.Item(), true, nil
		}
		return f32(x.Item()), false, nil
	}
	return 0, false, fmt.Errorf("lightning: self.log(%q, value) was called with a value of type %T; use a number or a one-element tensor", name, v)
}

// hookDefaults returns Lightning's default on_step and on_epoch for a
// hook (LightningModule.__auto_choose_log_on_step/epoch): on_step only in
// training steps and batch-level training hooks, on_epoch elsewhere.
func hookDefaults(hook string, training bool) (onStep, onEpoch bool) {
	if training {
		switch hook {
		case "training_step", "on_train_batch_start", "on_train_batch_end",
			"on_before_backward", "on_after_backward", "on_before_optimizer_step", "on_before_zero_grad":
			return true, false
		}
		return false, true
	}
	return false, true
}

// log is Base.Log's work, in the trainer's current loop and hook.
func (t *Trainer) log(name string, value any, o LogOptions) {
	if t.cfg.Barebones {
		return
	}
	rs := t.active
	if rs == nil {
		panic(fmt.Errorf("lightning: self.log(%q) was called outside a training, validation or test loop", name))
	}
	v, f64, err := logValue(name, value)
	if err != nil {
		panic(err)
	}
	defStep, defEpoch := hookDefaults(t.hook, rs.training)
	onStep, onEpoch := o.OnStep.or(defStep), o.OnEpoch.or(defEpoch)
	reduce := o.Reduce
	if reduce == "" {
		reduce = "mean"
	}
	switch reduce {
	case "mean", "sum", "max", "min":
	default:
		panic(fmt.Errorf("lightning: self.log(%q): reduce %q is not one of mean, sum, max, min", name, reduce))
	}
	r := rs.byName[name]
	if r == nil {
		r = &result{name: name}
		rs.byName[name] = r
		rs.order = append(rs.order, r)
	}
	r.onStep, r.onEpoch, r.progBar, r.logger, r.reduce, r.sync = onStep, onEpoch, o.ProgBar, !o.NoLogger, reduce, o.SyncDist
	r.last, r.stepFresh = v, true
	if onEpoch {
		w := 1.0
		if reduce == "mean" {
			bs := o.BatchSize
			if bs <= 0 {
				bs = t.batchSize()
			}
			w = float64(bs)
		}
		r.add(v, f64, w)
	}
}

// batchSize infers the current batch's size once per batch.
func (t *Trainer) batchSize() int {
	if t.curBatchSize == 0 {
		t.curBatchSize = 1
		if n, ok := inferBatchSize(t.curBatch); ok {
			t.curBatchSize = n
		}
	}
	return t.curBatchSize
}

// flushStep publishes the active loop's step values: callback and progress
// bar metrics always, the loggers when log is true (at step).
func (t *Trainer) flushStep(log bool, step int, withEpoch bool) {
	rs := t.active
	if rs == nil {
		return
	}
	v := rs.metrics(true)
	rs.stepDone()
	merge(t.callbackMetrics, v.callback)
	merge(t.progressBarMetrics, v.pbar)
	merge(t.loggedMetrics, v.log) // every batch, as Lightning's on_batch_end
	if log {
		t.logMetrics(v.log, step, withEpoch)
	}
}

// flushEpoch publishes the epoch aggregates of rs and sends them to the
// loggers (unless sanity checking); it returns the callback view.
func (t *Trainer) flushEpoch(rs *results, step int) map[string]float64 {
	v := rs.metrics(false)
	merge(t.callbackMetrics, v.callback)
	merge(t.progressBarMetrics, v.pbar)
	if !t.sanityChecking {
		merge(t.loggedMetrics, v.log)
		t.logMetrics(v.log, step, true)
	}
	return v.callback
}

// logMetrics sends metrics to the loggers (Lightning's
// _LoggerConnector.log_metrics): with a logger, logged metrics are
// updated; "epoch" is added for the loggers when withEpoch.
func (t *Trainer) logMetrics(m map[string]float64, step int, withEpoch bool) {
	if len(t.loggers) == 0 || len(m) == 0 {
		return
	}
	merge(t.loggedMetrics, m)
	out := make(map[string]float64, len(m)+1)
	merge(out, m)
	if withEpoch {
		if _, ok := out["epoch"]; !ok {
			out["epoch"] = float64(t.lp.fit.currentEpoch)
		}
	}
	t.toLoggers(out, step)
}

// toLoggers hands m to every logger at step, keeping the first error.
func (t *Trainer) toLoggers(m map[string]float64, step int) {
	for _, l := range t.loggers {
		if err := l.LogMetrics(m, step); err != nil && t.logErr == nil {
			t.logErr = err
		}
	}
}

// LogMetrics sends metrics straight to the loggers at step (what callbacks
// such as LearningRateMonitor do); they also become logged metrics.
func (t *Trainer) LogMetrics(m map[string]float64, step int) { t.logMetrics(m, step, true) }

func merge(dst, src map[string]float64) {
	for k, v := range src {
		dst[k] = v
	}
}

func copyMetrics(m map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(m))
	merge(out, m)
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
