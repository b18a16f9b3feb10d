package lightning

import (
	"fmt"
	"math"
	"time"

	"github.com/torchgo/torchgo/torch"
)

// limits are the run's resolved epoch and step limits.
func (t *Trainer) maxEpochs() int {
	if t.cfg.FastDevRun > 0 {
		return 1
	}
	if t.cfg.MaxEpochs != 0 {
		return t.cfg.MaxEpochs
	}
	if t.maxSteps() == -1 {
		return 1000
	}
	return -1
}

func (t *Trainer) maxSteps() int {
	if t.cfg.FastDevRun > 0 {
		return t.cfg.FastDevRun
	}
	if t.cfg.MaxSteps <= 0 {
		return -1
	}
	return t.cfg.MaxSteps
}

func (t *Trainer) accumulate() int {
	if t.cfg.AccumulateGradBatches <= 1 {
		return 1
	}
	return t.cfg.AccumulateGradBatches
}

// limitFor resolves the batch limit of a loader kind, with FastDevRun and
// OverfitBatches applied.
func (t *Trainer) limitFor(kind string, total int) (int, error) {
	if t.cfg.FastDevRun > 0 {
		return Batches(t.cfg.FastDevRun).of(total, Limit{}, "fast_dev_run")
	}
	var l Limit
	switch kind {
	case "train":
		l = t.cfg.LimitTrainBatches
	case "val":
		l = t.cfg.LimitValBatches
	case "test":
		l = t.cfg.LimitTestBatches
	case "predict":
		l = t.cfg.LimitPredictBatches
	}
	if !t.cfg.OverfitBatches.IsZero() && (kind == "train" || kind == "val") {
		l = t.cfg.OverfitBatches
	}
	return l.of(total, Limit{}, "limit_"+kind+"_batches")
}

// limitIsZero reports whether a kind's limit is known to be 0 before its
// loader is built.
func (t *Trainer) limitIsZero(kind string) bool {
	n, err := t.limitFor(kind, 1)
	return err == nil && n == 0
}

// valEnabled is Lightning's trainer.enable_validation.
func (t *Trainer) valEnabled() bool {
	if _, ok := t.module.(Validator); !ok {
		return false
	}
	if t.limitIsZero("val") {
		return false
	}
	if t.valLoaderSet {
		return t.valLoader != nil && t.numValBatches != 0
	}
	return t.hasLoader("val")
}

func (t *Trainer) fit(ckptPath string) {
	m := t.module
	t.start("fit")
	if t.ddpEnabled() {
		t.startDDP()
		defer func() {
			r := recover()
			err := t.stopDDP(r != nil)
			if r != nil {
				panic(r)
			}
			if err != nil {
				fail(err)
			}
		}()
	}
	t.valLoader, t.valLoaderSet, t.valHasRun = nil, false, false
	t.currentEpoch, t.globalStep, t.batchesThatStepped, t.resume = 0, 0, 0, nil
	t.lp.fit, t.lp.midEpoch, t.stepPending = newFitProgress(), false, false
	t.resumePath = ""
	t.resetMetrics()
	var ck *checkpoint
	if ckptPath != "" {
		p, err := t.resolveCkptPath("fit", ckptPath)
		if err != nil {
			fail(err)
		}
		t.resumePath = absPath(p)
		ck = t.loadCheckpointFor("fit", p)
		checkCounters(ck)
	}
	// Lightning 2.2+ runs configure_model before restoring the weights.
	t.configureModel()
	if ck != nil {
		t.restoreModulesAndCallbacks(ck)
	}
	if t.dist != nil {
		t.wrapDDP()
	}
	t.configureOptimizers()
	t.cb("on_fit_start", func(c Callback) { c.OnFitStart(t, m) })
	if h, ok := m.(OnFitStarter); ok {
		t.call("on_fit_start", h.OnFitStart)
	}
	t.logHyperparams()
	if ck != nil {
		t.restoreTrainingState(ck)
	}
	t.startTime = time.Now()
	t.call("zero_grad", m.ZeroGrad)
	t.sanityCheck()
	t.fitLoop()
	t.stageFn = ""
	t.cb("on_fit_end", func(c Callback) { c.OnFitEnd(t, m) })
	if h, ok := m.(OnFitEnder); ok {
		t.call("on_fit_end", h.OnFitEnd)
	}
	t.teardown("fit")
}

func (t *Trainer) configureOptimizers() {
	var o Optimization
	var err error
	t.call("configure_optimizers", func() { o, err = t.module.ConfigureOptimizers() })
	if err != nil {
		panic(&HookError{Hook: "configure_optimizers", Epoch: t.currentEpoch, Batch: -1, Err: err})
	}
	if o.Optimizer == nil {
		failf("lightning: configure_optimizers returned no optimizer; `Trainer.fit` needs one for automatic optimization")
	}
	for i, s := range o.Schedulers {
		switch s.Scheduler.(type) {
		case plateau, stepper:
		default:
			failf("lightning: scheduler %d is a %T, neither an optim.LRScheduler nor a ReduceLROnPlateau", i, s.Scheduler)
		}
		if s.Interval == "" {
			o.Schedulers[i].Interval = "epoch"
		} else if s.Interval != "epoch" && s.Interval != "step" {
			failf("lightning: the \"interval\" key in lr scheduler dict must be \"step\" or \"epoch\" but is %q", s.Interval)
		}
		if s.Frequency <= 0 {
			o.Schedulers[i].Frequency = 1
		}
		if _, ok := s.Scheduler.(plateau); ok && s.Monitor == "" {
			o.Schedulers[i].Monitor = "val_loss"
		}
	}
	t.opt, t.scheds = o.Optimizer, o.Schedulers
}

// sanityCheck runs a few validation batches before training, with the
// generators' state restored afterwards (Lightning's _run_sanity_check
// under isolate_rng); its metrics are discarded.
func (t *Trainer) sanityCheck() {
	if t.cfg.FastDevRun > 0 || !t.cfg.OverfitBatches.IsZero() || !t.valEnabled() {
		return
	}
	n, err := t.cfg.NumSanityValSteps.of(-1, Batches(2), "num_sanity_val_steps")
	if err != nil {
		fail(err)
	}
	if n == 0 {
		return
	}
	m := t.module
	gen := torch.DefaultGenerator(torch.CPU)
	var state []byte
	torch.WithScope(func(*torch.Scope) { state = gen.State().Bytes() })
	t.sanityChecking = true
	t.stageFn = "sanity_check"
	t.cb("on_sanity_check_start", func(c Callback) { c.OnSanityCheckStart(t, m) })
	t.runEval("validate", n)
	t.cb("on_sanity_check_end", func(c Callback) { c.OnSanityCheckEnd(t, m) })
	t.sanityChecking = false
	t.resetMetrics()
	t.lp.fit.val.reset() // Lightning's _reset_progress(val_loop)
	setGenState(gen, state)
}

func setGenState(gen *torch.Generator, state []byte) {
	torch.WithScope(func(*torch.Scope) {
		if err := gen.SetState(torch.FromBytes(state, torch.Uint8, []int64{int64(len(state))})); err != nil {
			fail(fmt.Errorf("lightning: restoring the generator state: %w", err))
		}
	})
}

// fitLoop is Lightning's _FitLoop.run.
func (t *Trainer) fitLoop() {
	m := t.module
	t.stageFn = "train"
	t.training = true
	t.trainLoader = t.shardLoader("train", t.loader("train"))
	if t.trainLoader == nil {
		failf("lightning: No `train_dataloader()` method defined. Lightning `Trainer` expects as minimum a `training_step()`, `train_dataloader()` and `configure_optimizers()` to be defined.")
	}
	n, err := t.limitFor("train", t.trainLoader.Len())
	if err != nil {
		fail(err)
	}
	t.numTrainingBatches = n
	t.valCheckBatch = 0
	switch vc := t.cfg.ValCheckInterval; {
	case t.cfg.FastDevRun > 0 || vc.IsZero():
	case vc.kind == 1:
		if n >= 0 && vc.n > n {
			failf("lightning: `val_check_interval` (%d) must be less than or equal to the number of the training batches (%d). If you want to disable validation set `limit_val_batches` to 0.0 instead.", vc.n, n)
		}
		t.valCheckBatch = vc.n
	case vc.kind == 2:
		if n < 0 {
			if vc.f != 1 {
				failf("lightning: a fractional `val_check_interval` needs a training loader with a known length")
			}
		} else {
			t.valCheckBatch = max(1, int(float64(n)*vc.f))
		}
	}
	if t.numTrainingBatches > 0 && t.numTrainingBatches < t.logEveryN() && len(t.loggers) > 0 && t.cfg.FastDevRun == 0 {
		t.info("The number of training batches (%d) is smaller than the logging interval Trainer(log_every_n_steps=%d). Set a lower value for log_every_n_steps if you want to see logs for the training epoch.", t.numTrainingBatches, t.logEveryN())
	}
	if res := t.resume; res != nil && n >= 0 && res.batches > n {
		failf("lightning: checkpoint %s: key \"loops.torchgo.batches_in_epoch\" is %d, more than the %d training batches of an epoch", t.resumePath, res.batches, n)
	}
	if t.numTrainingBatches != 0 && !t.valLoaderSet && t.valEnabled() && t.valEpoch() {
		// Lightning's _FitLoop.on_run_start asks for the validation loader
		// here when the sanity check did not.
		t.fitValLoader()
	}
	t.cb("on_train_start", func(c Callback) { c.OnTrainStart(t, m) })
	if h, ok := m.(OnTrainStarter); ok {
		t.call("on_train_start", h.OnTrainStart)
	}
	for !t.fitDone() {
		t.trainEpoch()
	}
	t.training = false
	t.cb("on_train_end", func(c Callback) { c.OnTrainEnd(t, m) })
	if h, ok := m.(OnTrainEnder); ok {
		t.call("on_train_end", h.OnTrainEnd)
	}
}

func (t *Trainer) logEveryN() int {
	if t.cfg.LogEveryNSteps <= 0 {
		return 50
	}
	return t.cfg.LogEveryNSteps
}

// canStopEarly: MinEpochs and MinSteps are met.
func (t *Trainer) canStopEarly() bool {
	return t.currentEpoch >= t.cfg.MinEpochs && t.globalStep >= t.cfg.MinSteps
}

// fitDone is Lightning's _FitLoop.done.
func (t *Trainer) fitDone() bool {
	if t.numTrainingBatches == 0 {
		t.info("`Trainer.fit` stopped: No training batches.")
		return true
	}
	if ms := t.maxSteps(); ms != -1 && t.globalStep >= ms {
		t.info("`Trainer.fit` stopped: `max_steps=%d` reached.", ms)
		return true
	}
	if me := t.maxEpochs(); me != -1 && t.currentEpoch >= me {
		t.info("`Trainer.fit` stopped: `max_epochs=%d` reached.", me)
		return true
	}
	return t.shouldStop && t.canStopEarly()
}

// epochDone is Lightning's _TrainingEpochLoop.done, checked after each batch.
func (t *Trainer) epochDone() bool {
	if ms := t.maxSteps(); ms != -1 && t.globalStep >= ms {
		return true
	}
	return t.shouldStop && t.canStopEarly()
}

// trainEpoch runs one training epoch (Lightning's _FitLoop.advance with
// its on_advance_start/end).
func (t *Trainer) trainEpoch() {
	m := t.module
	fp := &t.lp.fit
	mid := t.lp.midEpoch // resumed inside this epoch: its counters have started it
	t.lp.midEpoch = false
	if !mid {
		fp.epoch.incReady()
	}
	t.cb("on_train_epoch_start", func(c Callback) { c.OnTrainEpochStart(t, m) })
	if h, ok := m.(OnTrainEpochStarter); ok {
		t.call("on_train_epoch_start", h.OnTrainEpochStart)
	}
	if !mid {
		fp.epoch.incStarted()
		// _TrainingEpochLoop.reset: the epoch's counters restart; the
		// validation loop's total counts the validations of this epoch.
		fp.batch.resetOnRun()
		fp.sched.resetOnRun()
		fp.optStep.resetOnRun()
		fp.zeroGrad.resetOnRun()
		fp.val.total = tracker{}
	}
	rs := newResults(true)
	t.active = rs
	gen := torch.DefaultGenerator(torch.CPU)
	start := 0
	res := t.resume
	t.resume = nil
	if res != nil && res.rngEpochStart != nil {
		setGenState(gen, res.rngEpochStart)
	}
	torch.WithScope(func(*torch.Scope) { t.rngEpochStart = gen.State().Bytes() })
	if es, ok := t.trainLoader.(epochSetter); ok {
		es.setEpoch(t.currentEpoch)
	}
	var it BatchIterator
	t.call("train_dataloader", func() { it = t.trainLoader.Iter() })
	defer it.Close()
	t.batchesDone = 0
	if res != nil {
		for ; start < res.batches; start++ {
			t.batchIdx = start
			torch.WithScope(func(*torch.Scope) { t.next(it, "train_dataloader") })
		}
		if res.rng != nil {
			setGenState(gen, res.rng)
		}
		t.batchesDone = start
	}
	n := t.numTrainingBatches
	lastDone := false
	for i := start; n < 0 || i < n; i++ {
		t.batchIdx = i
		isLast := n >= 0 && i == n-1
		if !t.trainBatch(it, i, isLast) {
			break // the loader ran out
		}
		if t.cfg.MaxTime > 0 && time.Since(t.startTime) >= t.cfg.MaxTime && !t.shouldStop {
			t.shouldStop = true
			t.info("Time limit reached. Elapsed time is %s. Signaling Trainer to stop.", time.Since(t.startTime).Round(time.Second))
		}
		// Under DDP the ranks agree on stopping before anything depends on
		// it (validation now, the end of the epoch), and again after a
		// validation, whose EarlyStopping may have decided.
		t.syncShouldStop()
		if t.afterTrainBatch(i, isLast) {
			t.syncShouldStop()
		}
		lastDone = isLast
		if t.stopPending() {
			t.interrupt()
		}
		if t.epochDone() {
			lastDone = true
			break
		}
	}
	if !lastDone && t.batchIdx >= start {
		// The loader ended before Len (or Len was unknown): this was the
		// last batch; run what Lightning runs after the last batch.
		fp.batch.isLastBatch = true
		t.stepSchedulers("epoch", false)
		if t.valEnabled() && t.valEpoch() {
			t.validateInFit()
		}
	}
	t.batchIdx = -1
	t.trainEpochEnd(rs)
}

// trainEpochEnd is Lightning's _FitLoop.on_advance_end.
func (t *Trainer) trainEpochEnd(rs *results) {
	m := t.module
	t.epochProcessed = true
	t.lp.fit.epoch.incProcessed()
	t.syncResults(rs)
	rs.epochEnd = true
	t.active = rs
	for _, c := range t.callbacks {
		if !isMonitoring(c) {
			t.hook = callbackName(c) + ".on_train_epoch_end"
			c.OnTrainEpochEnd(t, m)
		}
	}
	t.hook = ""
	if h, ok := m.(OnTrainEpochEnder); ok {
		t.call("on_train_epoch_end", h.OnTrainEpochEnd)
	}
	for _, c := range t.callbacks {
		if isMonitoring(c) {
			t.hook = callbackName(c) + ".on_train_epoch_end"
			c.OnTrainEpochEnd(t, m)
		}
	}
	t.hook = ""
	v := rs.metrics(false)
	merge(t.callbackMetrics, v.callback)
	merge(t.progressBarMetrics, v.pbar)
	merge(t.loggedMetrics, v.log)
	t.stepSchedulers("epoch", true)
	t.logMetrics(v.log, t.batchesThatStepped-1, true)
	t.active = nil
	t.epochProcessed = false
	t.batchesDone = 0
	t.lp.fit.epoch.incCompleted()
	t.currentEpoch++
}

func isMonitoring(c Callback) bool {
	switch c.(type) {
	case *ModelCheckpoint, *EarlyStopping:
		return true
	}
	return false
}

func (t *Trainer) valEpoch() bool {
	n := t.cfg.CheckValEveryNEpoch
	return n <= 1 || (t.currentEpoch+1)%n == 0
}

func (t *Trainer) shouldAccumulate(batchIdx int, isLast bool) bool {
	return (batchIdx+1)%t.accumulate() != 0 && !isLast
}

// next reads the next batch inside the caller's scope.
func (t *Trainer) next(it BatchIterator, hook string) (any, bool) {
	prev := t.hook
	t.hook = hook
	b, ok, err := it.Next()
	t.hook = prev
	if err != nil {
		panic(&HookError{Hook: hook, Epoch: t.currentEpoch, Batch: t.batchIdx, Err: err})
	}
	return b, ok
}

// trainBatch runs one training batch in its own scope (Lightning's
// _TrainingEpochLoop.advance); it returns false when the loader is done.
func (t *Trainer) trainBatch(it BatchIterator, i int, isLast bool) (more bool) {
	m := t.module
	torch.WithScope(func(*torch.Scope) {
		batch, ok := t.next(it, "train_dataloader")
		if !ok {
			return
		}
		more = true
		batch = t.transfer(batch, 0)
		t.curBatch, t.curBatchSize = batch, 0
		bp := &t.lp.fit.batch
		bp.isLastBatch = isLast
		bp.incReady()
		t.cb("on_train_batch_start", func(c Callback) { c.OnTrainBatchStart(t, m, batch, i) })
		if h, ok := m.(OnTrainBatchStarter); ok {
			t.call("on_train_batch_start", func() { h.OnTrainBatchStart(batch, i) })
		}
		bp.incStarted()
		accumulate := t.shouldAccumulate(i, isLast)
		var loss *torch.Tensor
		closure := func() {
			t.call("training_step", t.forwardContext(func() { loss = m.TrainingStep(batch, i) }))
			if loss != nil && t.cfg.DetectAnomaly {
				if v := loss.Item(); math.IsNaN(v) || math.IsInf(v, 0) {
					failf("lightning: training_step returned a non-finite loss (%v) at epoch %d, batch %d; stopping (DetectAnomaly)", v, t.currentEpoch, i)
				}
			}
			if i%t.accumulate() == 0 {
				t.zeroGrad(i)
			}
			if loss == nil {
				return
			}
			if a := t.accumulate(); a > 1 {
				loss = loss.DivScalar(float64(a))
			}
			t.backwardMaybeNoSync(loss, accumulate)
		}
		if accumulate {
			closure()
		} else {
			t.optimizerStep(i, func() {
				closure()
				if loss == nil {
					return
				}
				if t.scaler != nil {
					// Gradients at their true size for the hooks and clipping.
					if err := t.scaler.Unscale(t.opt); err != nil {
						fail(err)
					}
				}
				t.cb("on_before_optimizer_step", func(c Callback) { c.OnBeforeOptimizerStep(t, m, t.opt) })
				if h, ok := m.(OnBeforeOptimizerStepper); ok {
					t.call("on_before_optimizer_step", func() { h.OnBeforeOptimizerStep(t.opt) })
				}
				t.clip()
			}, &loss)
		}
		bp.incProcessed()
		if !accumulate {
			t.stepSchedulers("step", false)
			if isLast {
				t.stepSchedulers("epoch", false)
			}
		}
		t.batchesDone = i + 1
		t.stepPending = !accumulate // counted in _batches_that_stepped by afterTrainBatch
		t.cb("on_train_batch_end", func(c Callback) { c.OnTrainBatchEnd(t, m, loss, batch, i) })
		if h, ok := m.(OnTrainBatchEnder); ok {
			t.call("on_train_batch_end", func() { h.OnTrainBatchEnd(loss, batch, i) })
		}
		bp.incCompleted()
		log := (t.batchesThatStepped+1)%t.logEveryN() == 0 || t.shouldStop
		t.flushStep(log, t.batchesThatStepped, true)
		t.curBatch = nil
	})
	return more
}

// afterTrainBatch is Lightning's _TrainingEpochLoop.on_advance_end.
// afterTrainBatch runs validation when due, the step schedulers and the
// step count; it reports whether validation ran.
func (t *Trainer) afterTrainBatch(i int, isLast bool) (validated bool) {
	accumulating := t.shouldAccumulate(i, isLast)
	if t.shouldCheckVal(i, isLast) {
		t.validateInFit()
		validated = true
	}
	t.stepSchedulers("step", true)
	if !accumulating {
		t.batchesThatStepped++
	}
	t.stepPending = false
	return validated
}

func (t *Trainer) shouldCheckVal(i int, isLast bool) bool {
	if !t.valEnabled() || !t.valEpoch() {
		return false
	}
	if t.shouldStop && t.canStopEarly() {
		return true
	}
	if t.valCheckBatch <= 0 {
		return isLast
	}
	return (i+1)%t.valCheckBatch == 0
}

// validateInFit runs the validation loop from inside training.
func (t *Trainer) validateInFit() {
	m := t.module
	if !t.shouldAccumulate(max(t.batchIdx, 0), true) {
		if h, ok := m.(OnValidationModelZeroGrader); ok {
			t.call("on_validation_model_zero_grad", h.OnValidationModelZeroGrad)
		} else {
			t.call("zero_grad", m.ZeroGrad)
		}
	}
	train := t.active
	t.training = false
	t.runEval("validate", -1)
	t.training = true
	t.stageFn = "train"
	t.active = train
}

func (t *Trainer) zeroGrad(i int) {
	m := t.module
	zp := &t.lp.fit.zeroGrad
	zp.incReady()
	t.cb("on_before_zero_grad", func(c Callback) { c.OnBeforeZeroGrad(t, m, t.opt) })
	if h, ok := m.(OnBeforeZeroGrader); ok {
		t.call("on_before_zero_grad", func() { h.OnBeforeZeroGrad(t.opt) })
	}
	zp.incStarted()
	if h, ok := m.(OptimizerZeroGrader); ok {
		t.call("optimizer_zero_grad", func() { h.OptimizerZeroGrad(t.currentEpoch, i, t.opt) })
	} else {
		t.call("optimizer_zero_grad", t.opt.ZeroGrad)
	}
	zp.incCompleted()
}

func (t *Trainer) backward(loss *torch.Tensor) {
	m := t.module
	if t.scaler != nil {
		loss = t.scaler.Scale(loss) // the hooks see the scaled loss, as in Lightning
	}
	t.cb("on_before_backward", func(c Callback) { c.OnBeforeBackward(t, m, loss) })
	if h, ok := m.(OnBeforeBackwarder); ok {
		t.call("on_before_backward", func() { h.OnBeforeBackward(loss) })
	}
	if h, ok := m.(Backwarder); ok {
		t.call("backward", func() { h.Backward(loss) })
	} else {
		t.call("backward", loss.Backward)
	}
	t.cb("on_after_backward", func(c Callback) { c.OnAfterBackward(t, m) })
	if h, ok := m.(OnAfterBackwarder); ok {
		t.call("on_after_backward", h.OnAfterBackward)
	}
}

func (t *Trainer) clip() {
	m := t.module
	val, algo := t.cfg.GradientClipVal, t.cfg.GradientClipAlgorithm
	if algo == "" {
		algo = "norm"
	}
	if h, ok := m.(GradientClippingConfigurer); ok {
		t.call("configure_gradient_clipping", func() { h.ConfigureGradientClipping(t.opt, val, algo) })
		return
	}
	if val <= 0 {
		return
	}
	if h, ok := m.(GradientClipper); ok {
		t.call("clip_gradients", func() { h.ClipGradients(t.opt, val, algo) })
		return
	}
	clipGradients(t.opt, val, algo)
}

// optimizerStep runs the closure and the optimizer step; the step counts
// (global_step, Lightning's optimizer step progress) unless the default
// step is skipped for a nil loss.
func (t *Trainer) optimizerStep(i int, closure func(), loss **torch.Tensor) {
	m := t.module
	sp := &t.lp.fit.optStep
	sp.incReady()
	defer func() {
		if sp.total.ready > sp.total.completed {
			sp.incCompleted()
		}
	}()
	if h, ok := m.(OptimizerStepper); ok {
		t.call("optimizer_step", func() { h.OptimizerStep(t.currentEpoch, i, t.opt, closure) })
		t.globalStep++
		return
	}
	closure()
	if *loss == nil {
		sp.total.ready--
		sp.current.ready--
		return
	}
	if t.scaler != nil {
		// Skips the step when a gradient overflowed; adapts the scale.
		t.call("optimizer_step", func() {
			if _, err := t.scaler.Step(t.opt); err != nil {
				fail(err)
			}
			if err := t.scaler.Update(); err != nil {
				fail(err)
			}
		})
		t.globalStep++
		return
	}
	t.call("optimizer_step", t.opt.Step)
	t.globalStep++
}

// stepSchedulers is Lightning's _update_learning_rates.
func (t *Trainer) stepSchedulers(interval string, plateaus bool) {
	if interval == "step" && t.batchIdx >= 0 && t.shouldAccumulate(t.batchIdx, t.numTrainingBatches >= 0 && t.batchIdx == t.numTrainingBatches-1) {
		return
	}
	for _, s := range t.scheds {
		p, isPlateau := s.Scheduler.(plateau)
		if plateaus != isPlateau || s.Interval != interval {
			continue
		}
		idx := t.currentEpoch + 1
		if interval == "step" {
			idx = t.batchIdx + 1
		}
		if idx%s.Frequency != 0 {
			continue
		}
		var metric *float64
		if isPlateau {
			t.syncActive()
			v, ok := t.callbackMetrics[s.Monitor]
			if !ok {
				if s.NonStrict {
					continue
				}
				failf("lightning: ReduceLROnPlateau conditioned on metric %s which is not available. Available metrics are: %v. Condition can be set using `monitor` key in lr scheduler dict", s.Monitor, sortedKeys(t.callbackMetrics))
			}
			metric = &v
		}
		sp := &t.lp.fit.sched
		sp.incReady()
		if h, ok := t.module.(LRSchedulerStepper); ok {
			t.call("lr_scheduler_step", func() { h.LRSchedulerStep(s, metric) })
		} else {
			t.call("lr_scheduler_step", func() {
				if isPlateau {
					p.Step(*metric)
				} else {
					s.Scheduler.(stepper).Step()
				}
			})
		}
		sp.incCompleted()
	}
}

// interrupt stops training after SIGINT or Config.Stop: it saves a
// checkpoint when checkpointing is on, then fails the run with
// ErrInterrupted.
func (t *Trainer) interrupt() {
	t.interrupted = true
	t.info("Detected KeyboardInterrupt, attempting graceful shutdown ...")
	if mc := t.CheckpointCallback(); mc != nil && !t.cfg.DisableCheckpointing {
		path := mc.formatName(map[string]float64{"epoch": float64(t.currentEpoch), "step": float64(t.globalStep)}, "last", 0)
		prev := mc.lastModelPath
		mc.lastModelPath = path // part of the state saved, as ModelCheckpoint does for last.ckpt
		if err := t.SaveCheckpoint(path, false); err != nil {
			mc.lastModelPath = prev
			fail(fmt.Errorf("%w; saving a checkpoint failed: %v", ErrInterrupted, err))
		}
		t.info("Saved a checkpoint to %s", path)
	}
	fail(fmt.Errorf("%w at epoch %d, step %d", ErrInterrupted, t.currentEpoch, t.globalStep))
}
