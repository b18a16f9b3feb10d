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

// limitFor resolves the batch limit of stage s's loader of total batches,
// with FastDevRun and OverfitBatches applied.
func (t *Trainer) limitFor(s *stage, total int) (int, error) {
	if t.cfg.FastDevRun > 0 {
		return Batches(t.cfg.FastDevRun).of(total, Limit{}, "fast_dev_run")
	}
	l := s.limit(&t.cfg)
	if !t.cfg.OverfitBatches.IsZero() && s.overfit {
		l = t.cfg.OverfitBatches
	}
	return l.of(total, Limit{}, "limit_"+s.kind+"_batches")
}

// limitIsZero reports whether a stage's limit is known to be 0 before its
// loader is built.
func (t *Trainer) limitIsZero(s *stage) bool {
	n, err := t.limitFor(s, 1)
	return err == nil && n == 0
}

// valEnabled is Lightning's trainer.enable_validation.
func (t *Trainer) valEnabled() bool {
	if !validateStage.hasStep(t.module) {
		return false
	}
	if t.limitIsZero(validateStage) {
		return false
	}
	if v := &t.lp.fit.val; v.loaderSet {
		return v.loader != nil && v.numBatches != 0
	}
	return t.hasLoader(validateStage)
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
	t.lp.fit.reset()
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
	callHook(t, "on_fit_start", m, OnFitStarter.OnFitStart)
	t.logHyperparams()
	if ck != nil {
		t.restoreTrainingState(ck)
	}
	t.lp.fit.startTime = time.Now()
	t.call("zero_grad", m.ZeroGrad)
	t.sanityCheck()
	t.fitLoop()
	t.stageFn = ""
	t.cb("on_fit_end", func(c Callback) { c.OnFitEnd(t, m) })
	callHook(t, "on_fit_end", m, OnFitEnder.OnFitEnd)
	t.teardown("fit")
}

func (t *Trainer) configureOptimizers() {
	var o Optimization
	var err error
	t.call("configure_optimizers", func() { o, err = t.module.ConfigureOptimizers() })
	if err != nil {
		panic(&HookError{Hook: "configure_optimizers", Epoch: t.lp.fit.currentEpoch, Batch: -1, Err: err})
	}
	opts := o.optimizers()
	switch auto := automatic(t.module); {
	case auto && len(opts) == 0:
		failf("lightning: configure_optimizers returned no optimizer; `Trainer.fit` needs one for automatic optimization")
	case auto && len(opts) > 1:
		failf("lightning: Training with multiple optimizers is only supported with manual optimization. Return false from the module's AutomaticOptimization, then access your optimizers in `TrainingStep` with `Optimizers()`.")
	case len(opts) == 0:
		t.info("`LightningModule.configure_optimizers` returned no optimizer, this fit will run with no optimizer")
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
	t.opts, t.opt, t.lopts, t.scheds = opts, nil, nil, o.Schedulers
	for _, opt := range opts {
		t.lopts = append(t.lopts, &LightningOptimizer{Optimizer: opt, t: t})
	}
	if len(opts) > 0 {
		t.opt = opts[0]
	}
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
	t.runEval(validateStage, n)
	t.cb("on_sanity_check_end", func(c Callback) { c.OnSanityCheckEnd(t, m) })
	t.sanityChecking = false
	t.resetMetrics()
	t.lp.fit.val.batch.reset() // Lightning's _reset_progress(val_loop)
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
	fl := &t.lp.fit
	t.stageFn = "train"
	t.training = true
	fl.loader = t.shardLoader(trainStage.kind, t.loader(trainStage))
	if fl.loader == nil {
		failf("lightning: No `train_dataloader()` method defined. Lightning `Trainer` expects as minimum a `training_step()`, `train_dataloader()` and `configure_optimizers()` to be defined.")
	}
	n, err := t.limitFor(trainStage, fl.loader.Len())
	if err != nil {
		fail(err)
	}
	fl.numBatches = n
	fl.valCheckBatch = 0
	switch vc := t.cfg.ValCheckInterval; {
	case t.cfg.FastDevRun > 0 || vc.IsZero():
	case vc.kind == 1:
		if n >= 0 && vc.n > n {
			failf("lightning: `val_check_interval` (%d) must be less than or equal to the number of the training batches (%d). If you want to disable validation set `limit_val_batches` to 0.0 instead.", vc.n, n)
		}
		fl.valCheckBatch = vc.n
	case vc.kind == 2:
		if n < 0 {
			if vc.f != 1 {
				failf("lightning: a fractional `val_check_interval` needs a training loader with a known length")
			}
		} else {
			fl.valCheckBatch = max(1, int(float64(n)*vc.f))
		}
	}
	if fl.numBatches > 0 && fl.numBatches < t.logEveryN() && len(t.loggers) > 0 && t.cfg.FastDevRun == 0 {
		t.info("The number of training batches (%d) is smaller than the logging interval Trainer(log_every_n_steps=%d). Set a lower value for log_every_n_steps if you want to see logs for the training epoch.", fl.numBatches, t.logEveryN())
	}
	if res := fl.resume; res != nil && n >= 0 && res.batches > n {
		failf("lightning: checkpoint %s: key \"loops.torchgo.batches_in_epoch\" is %d, more than the %d training batches of an epoch", t.resumePath, res.batches, n)
	}
	if fl.numBatches != 0 && !fl.val.loaderSet && t.valEnabled() && t.valEpoch() {
		// Lightning's _FitLoop.on_run_start asks for the validation loader
		// here when the sanity check did not.
		t.fitValLoader()
	}
	t.cb("on_train_start", func(c Callback) { c.OnTrainStart(t, m) })
	callHook(t, "on_train_start", m, OnTrainStarter.OnTrainStart)
	for !t.fitDone() {
		t.trainEpoch()
	}
	t.training = false
	t.cb("on_train_end", func(c Callback) { c.OnTrainEnd(t, m) })
	callHook(t, "on_train_end", m, OnTrainEnder.OnTrainEnd)
}

func (t *Trainer) logEveryN() int {
	if t.cfg.LogEveryNSteps <= 0 {
		return 50
	}
	return t.cfg.LogEveryNSteps
}

// canStopEarly: MinEpochs and MinSteps are met.
func (t *Trainer) canStopEarly() bool {
	return t.lp.fit.currentEpoch >= t.cfg.MinEpochs && t.lp.fit.globalStep >= t.cfg.MinSteps
}

// fitDone is Lightning's _FitLoop.done.
func (t *Trainer) fitDone() bool {
	fl := &t.lp.fit
	if fl.numBatches == 0 {
		t.info("`Trainer.fit` stopped: No training batches.")
		return true
	}
	if ms := t.maxSteps(); ms != -1 && fl.globalStep >= ms {
		t.info("`Trainer.fit` stopped: `max_steps=%d` reached.", ms)
		return true
	}
	if me := t.maxEpochs(); me != -1 && fl.currentEpoch >= me {
		t.info("`Trainer.fit` stopped: `max_epochs=%d` reached.", me)
		return true
	}
	return t.shouldStop && t.canStopEarly()
}

// epochDone is Lightning's _TrainingEpochLoop.done, checked after each batch.
func (t *Trainer) epochDone() bool {
	if ms := t.maxSteps(); ms != -1 && t.lp.fit.globalStep >= ms {
		return true
	}
	return t.shouldStop && t.canStopEarly()
}

// trainEpoch runs one training epoch (Lightning's _FitLoop.advance with
// its on_advance_start/end).
func (t *Trainer) trainEpoch() {
	m := t.module
	fl := &t.lp.fit
	mid := fl.midEpoch // resumed inside this epoch: its counters have started it
	fl.midEpoch = false
	if !mid {
		fl.epoch.incReady()
	}
	t.cb("on_train_epoch_start", func(c Callback) { c.OnTrainEpochStart(t, m) })
	callHook(t, "on_train_epoch_start", m, OnTrainEpochStarter.OnTrainEpochStart)
	if !mid {
		fl.epoch.incStarted()
		fl.startEpoch()
	}
	rs := newResults(true)
	t.active = rs
	gen := torch.DefaultGenerator(torch.CPU)
	start := 0
	res := fl.resume
	fl.resume = nil
	if res != nil && res.rngEpochStart != nil {
		setGenState(gen, res.rngEpochStart)
	}
	torch.WithScope(func(*torch.Scope) { fl.rngEpochStart = gen.State().Bytes() })
	if es, ok := fl.loader.(epochSetter); ok {
		es.setEpoch(fl.currentEpoch)
	}
	var it BatchIterator
	t.call("train_dataloader", func() { it = fl.loader.Iter() })
	defer it.Close()
	fl.batchesDone = 0
	if res != nil {
		for ; start < res.batches; start++ {
			t.batchIdx = start
			torch.WithScope(func(*torch.Scope) { t.next(it, "train_dataloader") })
		}
		if res.rng != nil {
			setGenState(gen, res.rng)
		}
		fl.batchesDone = start
	}
	n := fl.numBatches
	lastDone := false
	for i := start; n < 0 || i < n; i++ {
		t.batchIdx = i
		isLast := n >= 0 && i == n-1
		if !t.trainBatch(it, i, isLast) {
			break // the loader ran out
		}
		if t.cfg.MaxTime > 0 && time.Since(fl.startTime) >= t.cfg.MaxTime && !t.shouldStop {
			t.shouldStop = true
			t.info("Time limit reached. Elapsed time is %s. Signaling Trainer to stop.", time.Since(fl.startTime).Round(time.Second))
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
		fl.batch.isLastBatch = true
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
	fl := &t.lp.fit
	fl.epochProcessed = true
	fl.epoch.incProcessed()
	t.syncResults(rs)
	rs.epochEnd = true
	t.active = rs
	for _, c := range t.callbacks {
		if !isMonitoring(c) {
			t.hook = typeName(c) + ".on_train_epoch_end"
			c.OnTrainEpochEnd(t, m)
		}
	}
	t.hook = ""
	callHook(t, "on_train_epoch_end", m, OnTrainEpochEnder.OnTrainEpochEnd)
	for _, c := range t.callbacks {
		if isMonitoring(c) {
			t.hook = typeName(c) + ".on_train_epoch_end"
			c.OnTrainEpochEnd(t, m)
		}
	}
	t.hook = ""
	v := rs.metrics(false)
	merge(t.callbackMetrics, v.callback)
	merge(t.progressBarMetrics, v.pbar)
	merge(t.loggedMetrics, v.log)
	t.stepSchedulers("epoch", true)
	t.logMetrics(v.log, fl.batchesThatStepped-1, true)
	t.active = nil
	fl.epochProcessed = false
	fl.batchesDone = 0
	fl.epoch.incCompleted()
	fl.currentEpoch++
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
	return n <= 1 || (t.lp.fit.currentEpoch+1)%n == 0
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
		panic(&HookError{Hook: hook, Epoch: t.lp.fit.currentEpoch, Batch: t.batchIdx, Err: err})
	}
	return b, ok
}

// trainBatch runs one training batch in its own scope (Lightning's
// _TrainingEpochLoop.advance); it returns false when the loader is done.
func (t *Trainer) trainBatch(it BatchIterator, i int, isLast bool) (more bool) {
	m := t.module
	fl := &t.lp.fit
	torch.WithScope(func(*torch.Scope) {
		batch, ok := t.next(it, "train_dataloader")
		if !ok {
			return
		}
		more = true
		batch = t.transfer(batch, 0)
		t.curBatch, t.curBatchSize = batch, 0
		bp := &fl.batch
		bp.isLastBatch = isLast
		bp.incReady()
		t.cb("on_train_batch_start", func(c Callback) { c.OnTrainBatchStart(t, m, batch, i) })
		callHook(t, "on_train_batch_start", m, func(h OnTrainBatchStarter) { h.OnTrainBatchStart(batch, i) })
		bp.incStarted()
		accumulate := t.shouldAccumulate(i, isLast)
		var loss *torch.Tensor
		manual := !automatic(m)
		closure := func() {
			t.call("training_step", t.forwardContext(func() { loss = m.TrainingStep(batch, i) }))
			if loss != nil && t.cfg.DetectAnomaly {
				if v := loss.Item(); math.IsNaN(v) || math.IsInf(v, 0) {
					failf("lightning: training_step returned a non-finite loss (%v) at epoch %d, batch %d; stopping (DetectAnomaly)", v, fl.currentEpoch, i)
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
		switch {
		case manual:
			loss = t.manualTrainingStep(batch, i)
			if loss != nil && t.cfg.DetectAnomaly {
				if v := loss.Item(); math.IsNaN(v) || math.IsInf(v, 0) {
					failf("lightning: training_step returned a non-finite loss (%v) at epoch %d, batch %d; stopping (DetectAnomaly)", v, fl.currentEpoch, i)
				}
			}
		case accumulate:
			closure()
		default:
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
				callHook(t, "on_before_optimizer_step", m, func(h OnBeforeOptimizerStepper) { h.OnBeforeOptimizerStep(t.opt) })
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
		fl.batchesDone = i + 1
		fl.stepPending = !accumulate // counted in _batches_that_stepped by afterTrainBatch
		t.cb("on_train_batch_end", func(c Callback) { c.OnTrainBatchEnd(t, m, loss, batch, i) })
		callHook(t, "on_train_batch_end", m, func(h OnTrainBatchEnder) { h.OnTrainBatchEnd(loss, batch, i) })
		bp.incCompleted()
		log := (fl.batchesThatStepped+1)%t.logEveryN() == 0 || t.shouldStop
		t.flushStep(log, fl.batchesThatStepped, true)
		t.curBatch = nil
	})
	return more
}

// afterTrainBatch is Lightning's _TrainingEpochLoop.on_advance_end.
// afterTrainBatch runs validation when due, the step schedulers and the
// step count; it reports whether validation ran.
func (t *Trainer) afterTrainBatch(i int, isLast bool) (validated bool) {
	fl := &t.lp.fit
	accumulating := t.shouldAccumulate(i, isLast)
	if t.shouldCheckVal(i, isLast) {
		t.validateInFit()
		validated = true
	}
	t.stepSchedulers("step", true)
	if !accumulating {
		fl.batchesThatStepped++
	}
	fl.stepPending = false
	return validated
}

func (t *Trainer) shouldCheckVal(i int, isLast bool) bool {
	if !t.valEnabled() || !t.valEpoch() {
		return false
	}
	if t.shouldStop && t.canStopEarly() {
		return true
	}
	if t.lp.fit.valCheckBatch <= 0 {
		return isLast
	}
	return (i+1)%t.lp.fit.valCheckBatch == 0
}

// validateInFit runs the validation loop from inside training.
func (t *Trainer) validateInFit() {
	m := t.module
	if !t.shouldAccumulate(max(t.batchIdx, 0), true) {
		if !callHook(t, "on_validation_model_zero_grad", m, OnValidationModelZeroGrader.OnValidationModelZeroGrad) {
			t.call("zero_grad", m.ZeroGrad)
		}
	}
	train := t.active
	t.training = false
	t.runEval(validateStage, -1)
	t.training = true
	t.stageFn = "train"
	t.active = train
}

func (t *Trainer) zeroGrad(i int) {
	m := t.module
	zp := &t.lp.fit.zeroGrad
	zp.incReady()
	t.cb("on_before_zero_grad", func(c Callback) { c.OnBeforeZeroGrad(t, m, t.opt) })
	callHook(t, "on_before_zero_grad", m, func(h OnBeforeZeroGrader) { h.OnBeforeZeroGrad(t.opt) })
	zp.incStarted()
	if !callHook(t, "optimizer_zero_grad", m, func(h OptimizerZeroGrader) { h.OptimizerZeroGrad(t.lp.fit.currentEpoch, i, t.opt) }) {
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
	callHook(t, "on_before_backward", m, func(h OnBeforeBackwarder) { h.OnBeforeBackward(loss) })
	if !callHook(t, "backward", m, func(h Backwarder) { h.Backward(loss) }) {
		t.call("backward", loss.Backward)
	}
	t.cb("on_after_backward", func(c Callback) { c.OnAfterBackward(t, m) })
	callHook(t, "on_after_backward", m, OnAfterBackwarder.OnAfterBackward)
}

func (t *Trainer) clip() {
	m := t.module
	val, algo := t.cfg.GradientClipVal, t.cfg.GradientClipAlgorithm
	if algo == "" {
		algo = "norm"
	}
	if callHook(t, "configure_gradient_clipping", m, func(h GradientClippingConfigurer) { h.ConfigureGradientClipping(t.opt, val, algo) }) {
		return
	}
	if val <= 0 {
		return
	}
	if callHook(t, "clip_gradients", m, func(h GradientClipper) { h.ClipGradients(t.opt, val, algo) }) {
		return
	}
	clipGradients(t.opt, val, algo)
}

// optimizerStep runs the closure and the optimizer step; the step counts
// (global_step, Lightning's optimizer step progress) unless the default
// step is skipped for a nil loss.
func (t *Trainer) optimizerStep(i int, closure func(), loss **torch.Tensor) {
	m := t.module
	fl := &t.lp.fit
	sp := &fl.optStep
	sp.incReady()
	defer func() {
		if sp.total.ready > sp.total.completed {
			sp.incCompleted()
		}
	}()
	if callHook(t, "optimizer_step", m, func(h OptimizerStepper) { h.OptimizerStep(fl.currentEpoch, i, t.opt, closure) }) {
		fl.globalStep++
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
		fl.globalStep++
		return
	}
	t.call("optimizer_step", t.opt.Step)
	fl.globalStep++
}

// stepSchedulers is Lightning's _update_learning_rates; in manual
// optimization the module steps its schedulers itself.
func (t *Trainer) stepSchedulers(interval string, plateaus bool) {
	fl := &t.lp.fit
	if !automatic(t.module) {
		return
	}
	if interval == "step" && t.batchIdx >= 0 && t.shouldAccumulate(t.batchIdx, fl.numBatches >= 0 && t.batchIdx == fl.numBatches-1) {
		return
	}
	for _, s := range t.scheds {
		p, isPlateau := s.Scheduler.(plateau)
		if plateaus != isPlateau || s.Interval != interval {
			continue
		}
		idx := fl.currentEpoch + 1
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
		sp := &fl.sched
		sp.incReady()
		if !callHook(t, "lr_scheduler_step", t.module, func(h LRSchedulerStepper) { h.LRSchedulerStep(s, metric) }) {
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
	fl := &t.lp.fit
	t.interrupted = true
	t.info("Detected KeyboardInterrupt, attempting graceful shutdown ...")
	if mc := t.CheckpointCallback(); mc != nil && !t.cfg.DisableCheckpointing {
		path := mc.formatName(map[string]float64{"epoch": float64(fl.currentEpoch), "step": float64(fl.globalStep)}, "last", 0)
		prev := mc.lastModelPath
		mc.lastModelPath = path // part of the state saved, as ModelCheckpoint does for last.ckpt
		if err := t.SaveCheckpoint(path, false); err != nil {
			mc.lastModelPath = prev
			fail(fmt.Errorf("%w; saving a checkpoint failed: %v", ErrInterrupted, err))
		}
		t.info("Saved a checkpoint to %s", path)
	}
	fail(fmt.Errorf("%w at epoch %d, step %d", ErrInterrupted, fl.currentEpoch, fl.globalStep))
}
