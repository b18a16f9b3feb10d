package lightning

// stage is one kind of loop the Trainer runs, with the names Lightning
// gives it in its three spellings (the entry point "validate", the
// loader and limit key "val", the hook infix "validation"), where its
// loader and batch limit come from, and its hooks. The four stages are
// trainStage, validateStage, testStage and predictStage.
type stage struct {
	fn   string // the entry point and trainer.state.stage: "train", "validate", "test", "predict"
	kind string // loaders and limits: "train", "val", "test", "predict" (val_dataloader, limit_val_batches)
	hook string // hook names: "train", "validation", "test", "predict" (on_validation_start)

	limit    func(c *Config) Limit // limit_<kind>_batches
	overfit  bool                  // OverfitBatches replaces the limit
	data     func(d *Data) Loader  // the loader passed in Data
	provider func(src any) (func() Loader, bool)

	// The evaluation stages' step and hooks (unset for training): the step
	// (validation_step, ...), its hook name, whether a module has it and
	// the error when it has not, and the lifecycle and batch hooks.
	step                             func(m Module, batch any, i int) any
	stepHook                         string // "validation_step"
	hasStep                          func(m Module) bool
	missingStep                      string // the error of a module without the step
	start, epochStart, epochEnd, end stageHook
	batchStart                       func(t *Trainer, m Module, batch any, i int)
	batchEnd                         func(t *Trainer, m Module, out, batch any, i int)
	// modelEval and modelTrain are the on_<hook>_model_eval/train hooks;
	// they report whether the module has them (else the trainer's default
	// runs). The predict stage has no model_train hook.
	modelEval, modelTrain moduleHook
	title                 string // the heading of Validate's and Test's result table
}

// stageHook is a lifecycle hook of a stage: the callbacks' and the
// module's, which run in that order under the same name.
type stageHook struct {
	cb  func(c Callback, t *Trainer, m Module)
	mod moduleHook
}

// moduleHook calls an optional module hook under name when m has it and
// reports whether it did.
type moduleHook func(t *Trainer, name string, m any) bool

// hookOf is the moduleHook of interface T's method f.
func hookOf[T any](f func(T)) moduleHook {
	return func(t *Trainer, name string, m any) bool { return callHook(t, name, m, f) }
}

// callHook runs f with m as a T under the hook name (for errors and Log's
// defaults) when m implements T, as Lightning calls a hook only where the
// module overrides it; it reports whether m did. m may be nil.
func callHook[T any](t *Trainer, name string, m any, f func(T)) bool {
	h, ok := m.(T)
	if !ok {
		return false
	}
	t.call(name, func() { f(h) })
	return true
}

// run calls the stage hook's callbacks, then the module's, as on_<hook>_<what>.
func (h stageHook) run(t *Trainer, s *stage, what string) {
	name := "on_" + s.hook + "_" + what
	m := t.module
	t.cb(name, func(c Callback) { h.cb(c, t, m) })
	h.mod(t, name, m)
}

func lifecycle[T any](cb func(Callback, *Trainer, Module), mod func(T)) stageHook {
	return stageHook{cb: cb, mod: hookOf(mod)}
}

func provider[T any](f func(T) Loader) func(src any) (func() Loader, bool) {
	return func(src any) (func() Loader, bool) {
		p, ok := src.(T)
		if !ok {
			return nil, false
		}
		return func() Loader { return f(p) }, true
	}
}

func stepOf[T any](f func(T, any, int) any) (func(m Module, batch any, i int) any, func(m Module) bool) {
	return func(m Module, batch any, i int) any { return f(m.(T), batch, i) },
		func(m Module) bool { _, ok := m.(T); return ok }
}

func batchStartOf[T any](name string, cb func(Callback, *Trainer, Module, any, int), mod func(T, any, int)) func(t *Trainer, m Module, batch any, i int) {
	return func(t *Trainer, m Module, batch any, i int) {
		t.cb(name, func(c Callback) { cb(c, t, m, batch, i) })
		callHook(t, name, m, func(h T) { mod(h, batch, i) })
	}
}

func batchEndOf[T any](name string, cb func(Callback, *Trainer, Module, any, any, int), mod func(T, any, any, int)) func(t *Trainer, m Module, out, batch any, i int) {
	return func(t *Trainer, m Module, out, batch any, i int) {
		t.cb(name, func(c Callback) { cb(c, t, m, out, batch, i) })
		callHook(t, name, m, func(h T) { mod(h, out, batch, i) })
	}
}

var trainStage = &stage{
	fn: "train", kind: "train", hook: "train",
	limit:    func(c *Config) Limit { return c.LimitTrainBatches },
	overfit:  true,
	data:     func(d *Data) Loader { return d.Train },
	provider: provider(TrainLoaderProvider.TrainDataloader),
}

var validateStage, testStage, predictStage = newValidateStage(), newTestStage(), newPredictStage()

func newValidateStage() *stage {
	s := &stage{
		fn: "validate", kind: "val", hook: "validation",
		limit:       func(c *Config) Limit { return c.LimitValBatches },
		overfit:     true,
		data:        func(d *Data) Loader { return d.Val },
		provider:    provider(ValLoaderProvider.ValDataloader),
		stepHook:    "validation_step",
		missingStep: "lightning: No `validation_step()` method defined to run `Trainer.validate`.",
		start:       lifecycle(Callback.OnValidationStart, OnValidationStarter.OnValidationStart),
		epochStart:  lifecycle(Callback.OnValidationEpochStart, OnValidationEpochStarter.OnValidationEpochStart),
		epochEnd:    lifecycle(Callback.OnValidationEpochEnd, OnValidationEpochEnder.OnValidationEpochEnd),
		end:         lifecycle(Callback.OnValidationEnd, OnValidationEnder.OnValidationEnd),
		batchStart:  batchStartOf("on_validation_batch_start", Callback.OnValidationBatchStart, OnValidationBatchStarter.OnValidationBatchStart),
		batchEnd:    batchEndOf("on_validation_batch_end", Callback.OnValidationBatchEnd, OnValidationBatchEnder.OnValidationBatchEnd),
		modelEval:   hookOf(OnValidationModelEvaler.OnValidationModelEval),
		modelTrain:  hookOf(OnValidationModelTrainer.OnValidationModelTrain),
		title:       "Validate metric",
	}
	s.step, s.hasStep = stepOf(Validator.ValidationStep)
	return s
}

func newTestStage() *stage {
	s := &stage{
		fn: "test", kind: "test", hook: "test",
		limit:       func(c *Config) Limit { return c.LimitTestBatches },
		data:        func(d *Data) Loader { return d.Test },
		provider:    provider(TestLoaderProvider.TestDataloader),
		stepHook:    "test_step",
		missingStep: "lightning: No `test_step()` method defined to run `Trainer.test`.",
		start:       lifecycle(Callback.OnTestStart, OnTestStarter.OnTestStart),
		epochStart:  lifecycle(Callback.OnTestEpochStart, OnTestEpochStarter.OnTestEpochStart),
		epochEnd:    lifecycle(Callback.OnTestEpochEnd, OnTestEpochEnder.OnTestEpochEnd),
		end:         lifecycle(Callback.OnTestEnd, OnTestEnder.OnTestEnd),
		batchStart:  batchStartOf("on_test_batch_start", Callback.OnTestBatchStart, OnTestBatchStarter.OnTestBatchStart),
		batchEnd:    batchEndOf("on_test_batch_end", Callback.OnTestBatchEnd, OnTestBatchEnder.OnTestBatchEnd),
		modelEval:   hookOf(OnTestModelEvaler.OnTestModelEval),
		modelTrain:  hookOf(OnTestModelTrainer.OnTestModelTrain),
		title:       "Test metric",
	}
	s.step, s.hasStep = stepOf(Tester.TestStep)
	return s
}

func newPredictStage() *stage {
	s := &stage{
		fn: "predict", kind: "predict", hook: "predict",
		limit:       func(c *Config) Limit { return c.LimitPredictBatches },
		data:        func(d *Data) Loader { return d.Predict },
		provider:    provider(PredictLoaderProvider.PredictDataloader),
		stepHook:    "predict_step",
		missingStep: "lightning: `predict_step` must be implemented to be used with the Lightning Trainer",
		start:       lifecycle(Callback.OnPredictStart, OnPredictStarter.OnPredictStart),
		epochStart:  lifecycle(Callback.OnPredictEpochStart, OnPredictEpochStarter.OnPredictEpochStart),
		epochEnd:    lifecycle(Callback.OnPredictEpochEnd, OnPredictEpochEnder.OnPredictEpochEnd),
		end:         lifecycle(Callback.OnPredictEnd, OnPredictEnder.OnPredictEnd),
		batchStart:  batchStartOf("on_predict_batch_start", Callback.OnPredictBatchStart, OnPredictBatchStarter.OnPredictBatchStart),
		batchEnd:    batchEndOf("on_predict_batch_end", Callback.OnPredictBatchEnd, OnPredictBatchEnder.OnPredictBatchEnd),
		modelEval:   hookOf(OnPredictModelEvaler.OnPredictModelEval),
	}
	s.step, s.hasStep = stepOf(Predictor.PredictStep)
	return s
}
