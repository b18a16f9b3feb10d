package lightning

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/nn"
)

// evaluate is Trainer.validate / Trainer.test.
func (t *Trainer) evaluate(stage, ckptPath string) map[string]float64 {
	m := t.module
	t.start(stage)
	t.resetMetrics()
	t.valLoader, t.valLoaderSet = nil, false
	var ck *checkpoint
	if ckptPath != "" {
		ck = t.loadCheckpointFor(stage, ckptPath)
	}
	t.configureModel()
	if ck != nil {
		t.restoreModulesAndCallbacks(ck)
	}
	t.call("zero_grad", m.ZeroGrad)
	kind := "val"
	if stage == "test" {
		kind = "test"
	}
	switch stage {
	case "validate":
		if _, ok := m.(Validator); !ok {
			failf("lightning: No `validation_step()` method defined to run `Trainer.validate`.")
		}
	case "test":
		if _, ok := m.(Tester); !ok {
			failf("lightning: No `test_step()` method defined to run `Trainer.test`.")
		}
	}
	if !t.hasLoader(kind) {
		failf("lightning: No `%s_dataloader()` method defined to run `Trainer.%s`.", kind, stage)
	}
	var out map[string]float64
	if !t.limitIsZero(kind) {
		out = t.runEval(stage, -1)
		t.printResults(stage, out)
	}
	t.stageFn = ""
	t.teardown(stage)
	if out == nil {
		out = map[string]float64{}
	}
	return out
}

// runEval runs one validation or test pass (Lightning's
// _EvaluationLoop.run) of at most limit batches (-1: the configured
// limit) and returns the epoch's callback metrics.
func (t *Trainer) runEval(stage string, limit int) map[string]float64 {
	m := t.module
	kind, name := "val", "validation"
	if stage == "test" {
		kind, name = "test", "test"
	}
	var loader Loader
	var n int
	if kind == "val" && t.fn == "fit" {
		if !t.valLoaderSet {
			t.fitValLoader()
		}
		loader, n = t.valLoader, t.numValBatches
	} else {
		loader = t.loader(kind)
		if loader == nil {
			failf("lightning: No `%s_dataloader()` method defined to run `Trainer.%s`.", kind, stage)
		}
		var err error
		if n, err = t.limitFor(kind, loader.Len()); err != nil {
			fail(err)
		}
		if kind == "val" {
			t.numValBatches = n
		}
	}
	if loader == nil || n == 0 {
		return nil
	}
	if limit >= 0 && (n < 0 || limit < n) {
		n = limit
	}
	prevStage := t.stageFn
	if !t.sanityChecking {
		t.stageFn = stage
	}
	rs := newResults(false)
	t.active = rs
	p := t.evalProgress(stage)
	p.resetOnRun()
	modes := captureModes(m)
	t.modelEval(name)
	t.evalStart(name)
	t.evalLoop(name, kind, loader, n, p, nil)
	t.syncResults(rs)
	rs.epochEnd = true
	t.evalHook(name, "epoch_end")
	out := t.flushEpoch(rs, t.batchesThatStepped)
	t.evalHook(name, "end")
	t.modelTrain(name, modes)
	if !t.sanityChecking && kind == "val" {
		t.valHasRun = true
	}
	t.active = nil
	t.stageFn = prevStage
	return out
}

// fitValLoader resolves Fit's validation loader and its batch count, once
// per Fit (Lightning's val_loop.setup_data).
func (t *Trainer) fitValLoader() {
	t.valLoader = t.shardLoader("val", t.loader("val"))
	t.valLoaderSet = true
	if t.valLoader != nil {
		nv, err := t.limitFor("val", t.valLoader.Len())
		if err != nil {
			fail(err)
		}
		t.numValBatches = nv
	}
}

// modelEval puts the module in evaluation mode before a validation, test
// or predict loop: the module's on_<name>_model_eval hook when it has one,
// else Train(false) (the hook's default, model.eval()).
func (t *Trainer) modelEval(name string) {
	m := t.module
	hook := "on_" + name + "_model_eval"
	switch name {
	case "validation":
		if h, ok := m.(OnValidationModelEvaler); ok {
			t.call(hook, h.OnValidationModelEval)
			return
		}
	case "test":
		if h, ok := m.(OnTestModelEvaler); ok {
			t.call(hook, h.OnTestModelEval)
			return
		}
	case "predict":
		if h, ok := m.(OnPredictModelEvaler); ok {
			t.call(hook, h.OnPredictModelEval)
			return
		}
	}
	t.call("train", func() { m.Train(false) })
}

// modelTrain ends a validation or test loop: the module's
// on_<name>_model_train hook when it has one, else the modes captured
// before the loop come back (Lightning calls the hook only when it is
// overridden; the predict loop always restores the modes).
func (t *Trainer) modelTrain(name string, modes *modes) {
	m := t.module
	if h, ok := m.(OnValidationModelTrainer); ok && name == "validation" {
		t.call("on_validation_model_train", h.OnValidationModelTrain)
		return
	}
	if h, ok := m.(OnTestModelTrainer); ok && name == "test" {
		t.call("on_test_model_train", h.OnTestModelTrain)
		return
	}
	modes.restore()
}

func (t *Trainer) evalStart(name string) {
	t.evalHook(name, "start")
	t.evalHook(name, "epoch_start")
}

// evalHook calls the callbacks' and the module's on_<name>_<what> hook
// (what: start, epoch_start, epoch_end, end).
func (t *Trainer) evalHook(name, what string) {
	m := t.module
	hook := "on_" + name + "_" + what
	type pair struct {
		cb  func(Callback)
		mod func()
	}
	var p pair
	switch name + "/" + what {
	case "validation/start":
		p.cb = func(c Callback) { c.OnValidationStart(t, m) }
		if h, ok := m.(OnValidationStarter); ok {
			p.mod = h.OnValidationStart
		}
	case "validation/epoch_start":
		p.cb = func(c Callback) { c.OnValidationEpochStart(t, m) }
		if h, ok := m.(OnValidationEpochStarter); ok {
			p.mod = h.OnValidationEpochStart
		}
	case "validation/epoch_end":
		p.cb = func(c Callback) { c.OnValidationEpochEnd(t, m) }
		if h, ok := m.(OnValidationEpochEnder); ok {
			p.mod = h.OnValidationEpochEnd
		}
	case "validation/end":
		p.cb = func(c Callback) { c.OnValidationEnd(t, m) }
		if h, ok := m.(OnValidationEnder); ok {
			p.mod = h.OnValidationEnd
		}
	case "test/start":
		p.cb = func(c Callback) { c.OnTestStart(t, m) }
		if h, ok := m.(OnTestStarter); ok {
			p.mod = h.OnTestStart
		}
	case "test/epoch_start":
		p.cb = func(c Callback) { c.OnTestEpochStart(t, m) }
		if h, ok := m.(OnTestEpochStarter); ok {
			p.mod = h.OnTestEpochStart
		}
	case "test/epoch_end":
		p.cb = func(c Callback) { c.OnTestEpochEnd(t, m) }
		if h, ok := m.(OnTestEpochEnder); ok {
			p.mod = h.OnTestEpochEnd
		}
	case "test/end":
		p.cb = func(c Callback) { c.OnTestEnd(t, m) }
		if h, ok := m.(OnTestEnder); ok {
			p.mod = h.OnTestEnd
		}
	case "predict/start":
		p.cb = func(c Callback) { c.OnPredictStart(t, m) }
		if h, ok := m.(OnPredictStarter); ok {
			p.mod = h.OnPredictStart
		}
	case "predict/epoch_start":
		p.cb = func(c Callback) { c.OnPredictEpochStart(t, m) }
		if h, ok := m.(OnPredictEpochStarter); ok {
			p.mod = h.OnPredictEpochStart
		}
	case "predict/epoch_end":
		p.cb = func(c Callback) { c.OnPredictEpochEnd(t, m) }
		if h, ok := m.(OnPredictEpochEnder); ok {
			p.mod = h.OnPredictEpochEnd
		}
	case "predict/end":
		p.cb = func(c Callback) { c.OnPredictEnd(t, m) }
		if h, ok := m.(OnPredictEnder); ok {
			p.mod = h.OnPredictEnd
		}
	default:
		panic("lightning: unknown hook " + hook)
	}
	t.cb(hook, p.cb)
	if p.mod != nil {
		t.call(hook, p.mod)
	}
}

// evalLoop runs the batches of a validation, test or predict pass under
// NoGrad, each in its own scope, counting them in p; keep receives predict
// outputs.
func (t *Trainer) evalLoop(name, kind string, loader Loader, n int, p *progress, keep func(s *torch.Scope, out any)) {
	m := t.module
	hookLoader := kind + "_dataloader"
	torch.NoGrad(func() {
		var it BatchIterator
		t.call(hookLoader, func() { it = loader.Iter() })
		defer it.Close()
		for i := 0; n < 0 || i < n; i++ {
			t.batchIdx = i
			more := false
			torch.WithScope(func(s *torch.Scope) {
				batch, ok := t.next(it, hookLoader)
				if !ok {
					return
				}
				more = true
				batch = t.transfer(batch, 0)
				t.curBatch, t.curBatchSize = batch, 0
				p.isLastBatch = n >= 0 && i == n-1
				p.incReady()
				var out any
				switch name {
				case "validation":
					t.cb("on_validation_batch_start", func(c Callback) { c.OnValidationBatchStart(t, m, batch, i) })
					if h, ok := m.(OnValidationBatchStarter); ok {
						t.call("on_validation_batch_start", func() { h.OnValidationBatchStart(batch, i) })
					}
					p.incStarted()
					t.call("validation_step", t.forwardContext(func() { out = m.(Validator).ValidationStep(batch, i) }))
					p.incProcessed()
					t.cb("on_validation_batch_end", func(c Callback) { c.OnValidationBatchEnd(t, m, out, batch, i) })
					if h, ok := m.(OnValidationBatchEnder); ok {
						t.call("on_validation_batch_end", func() { h.OnValidationBatchEnd(out, batch, i) })
					}
				case "test":
					t.cb("on_test_batch_start", func(c Callback) { c.OnTestBatchStart(t, m, batch, i) })
					if h, ok := m.(OnTestBatchStarter); ok {
						t.call("on_test_batch_start", func() { h.OnTestBatchStart(batch, i) })
					}
					p.incStarted()
					t.call("test_step", t.forwardContext(func() { out = m.(Tester).TestStep(batch, i) }))
					p.incProcessed()
					t.cb("on_test_batch_end", func(c Callback) { c.OnTestBatchEnd(t, m, out, batch, i) })
					if h, ok := m.(OnTestBatchEnder); ok {
						t.call("on_test_batch_end", func() { h.OnTestBatchEnd(out, batch, i) })
					}
				case "predict":
					t.cb("on_predict_batch_start", func(c Callback) { c.OnPredictBatchStart(t, m, batch, i) })
					if h, ok := m.(OnPredictBatchStarter); ok {
						t.call("on_predict_batch_start", func() { h.OnPredictBatchStart(batch, i) })
					}
					p.incStarted()
					t.call("predict_step", t.forwardContext(func() { out = m.(Predictor).PredictStep(batch, i) }))
					p.incProcessed()
					keep(s, out)
					t.cb("on_predict_batch_end", func(c Callback) { c.OnPredictBatchEnd(t, m, out, batch, i) })
					if h, ok := m.(OnPredictBatchEnder); ok {
						t.call("on_predict_batch_end", func() { h.OnPredictBatchEnd(out, batch, i) })
					}
				}
				p.incCompleted()
				if name != "predict" && !t.sanityChecking {
					t.flushEvalStep()
				}
				t.curBatch = nil
			})
			if !more {
				if i > 0 {
					p.isLastBatch = true // the loader ended before n (or n was unknown)
				}
				break
			}
		}
		t.batchIdx = -1
	})
}

// flushEvalStep sends the step values logged with OnStep in an evaluation
// step to the loggers (Lightning's update_eval_step_metrics).
func (t *Trainer) flushEvalStep() {
	rs := t.active
	v := rs.metrics(true)
	rs.stepDone()
	merge(t.progressBarMetrics, v.pbar)
	merge(t.loggedMetrics, v.log)
	if len(v.log) > 0 {
		t.logMetrics(v.log, t.evalLogStep, false)
		t.evalLogStep++
	}
}

// predict is Trainer.predict.
func (t *Trainer) predict(ckptPath string) []any {
	m := t.module
	t.start("predict")
	var ck *checkpoint
	if ckptPath != "" {
		ck = t.loadCheckpointFor("predict", ckptPath)
	}
	t.configureModel()
	if ck != nil {
		t.restoreModulesAndCallbacks(ck)
	}
	t.call("zero_grad", m.ZeroGrad)
	if _, ok := m.(Predictor); !ok {
		failf("lightning: `predict_step` must be implemented to be used with the Lightning Trainer")
	}
	var outs []any
	if !t.limitIsZero("predict") {
		loader := t.loader("predict")
		if loader == nil {
			failf("lightning: No `predict_dataloader()` method defined to run `Trainer.predict`.")
		}
		n, err := t.limitFor("predict", loader.Len())
		if err != nil {
			fail(err)
		}
		if n != 0 {
			t.stageFn = "predict"
			t.lp.predict.resetOnRun()
			modes := captureModes(m)
			t.modelEval("predict")
			t.evalStart("predict")
			t.evalLoop("predict", "predict", loader, n, &t.lp.predict, func(s *torch.Scope, out any) {
				keepOutputs(s, out)
				outs = append(outs, out)
			})
			t.evalHook("predict", "epoch_end")
			t.evalHook("predict", "end")
			modes.restore()
			t.stageFn = ""
		}
	}
	t.teardown("predict")
	return outs
}

// keepOutputs keeps the tensors of a predict output out of the step's scope.
func keepOutputs(s *torch.Scope, out any) {
	switch x := out.(type) {
	case *torch.Tensor:
		s.Keep(x)
	case []*torch.Tensor:
		s.Keep(x...)
	case map[string]*torch.Tensor:
		for _, v := range x {
			s.Keep(v)
		}
	case []any:
		for _, v := range x {
			keepOutputs(s, v)
		}
	}
}

// modeSetter is a layer's training flag (promoted from nn.Module).
type modeSetter interface {
	Train(on bool)
	IsTraining() bool
	Children() ([]string, []nn.Layer)
}

// modes is a capture of the training flag of a module and its
// descendants, in pre-order (Lightning's _ModuleMode).
type modes struct {
	layers []modeSetter
	flags  []bool
}

// captureModes records the modes of m's tree; m itself is reached
// through its embedded nn.Module, so restoring does not call an
// overridden Train (Lightning restores modes without calling train()).
func captureModes(m Module) *modes {
	ms := &modes{}
	var root modeSetter
	if base := baseModule(m); base != nil {
		root = base
	} else if r, ok := m.(modeSetter); ok {
		root = r
	}
	var walk func(l modeSetter)
	walk = func(l modeSetter) {
		ms.layers = append(ms.layers, l)
		ms.flags = append(ms.flags, l.IsTraining())
		_, kids := l.Children()
		for _, k := range kids {
			if ks, ok := k.(modeSetter); ok {
				walk(ks)
			}
		}
	}
	if root != nil {
		walk(root)
	}
	return ms
}

// restore sets every captured flag back; a parent's Train sets its
// subtree, then the children fix theirs.
func (ms *modes) restore() {
	for i, l := range ms.layers {
		if l.IsTraining() != ms.flags[i] || i == 0 {
			l.Train(ms.flags[i])
		}
	}
}

// baseModule finds the nn.Module embedded in m's struct, or nil.
func baseModule(m Module) *nn.Module {
	v := reflect.ValueOf(m)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil
	}
	f := v.FieldByName("Module")
	if !f.IsValid() || f.Type() != reflect.TypeOf(nn.Module{}) || !f.CanAddr() {
		return nil
	}
	return f.Addr().Interface().(*nn.Module)
}

// printResults prints a Validate or Test result table, as Lightning's
// verbose evaluation does.
func (t *Trainer) printResults(stage string, out map[string]float64) {
	if t.cfg.Barebones || t.cfg.DisableProgressBar || len(out) == 0 {
		return
	}
	title := "Validate metric"
	if stage == "test" {
		title = "Test metric"
	}
	keys := sortedKeys(out)
	w := len(title)
	for _, k := range keys {
		w = max(w, len(k))
	}
	vw := len("DataLoader 0")
	vals := make([]string, len(keys))
	for i, k := range keys {
		vals[i] = fmt.Sprintf("%.16g", out[k])
		vw = max(vw, len(vals[i]))
	}
	line := strings.Repeat("─", w+vw+7)
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n %*s   %*s\n%s\n", line, -w-1, title, -vw, "DataLoader 0", line)
	for i, k := range keys {
		fmt.Fprintf(&b, " %*s   %*s\n", -w-1, k, -vw, vals[i])
	}
	b.WriteString(line + "\n")
	fmt.Fprint(t.out, b.String())
}
