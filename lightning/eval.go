package lightning

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/nn"
)

// evaluate is Trainer.validate / Trainer.test (s is validateStage or
// testStage).
func (t *Trainer) evaluate(s *stage, ckptPath string) map[string]float64 {
	m := t.module
	t.start(s.fn)
	t.resetMetrics()
	t.lp.fit.val.loader, t.lp.fit.val.loaderSet = nil, false
	var ck *checkpoint
	if ckptPath != "" {
		ck = t.loadCheckpointFor(s.fn, ckptPath)
	}
	t.configureModel()
	if ck != nil {
		t.restoreModulesAndCallbacks(ck)
	}
	t.call("zero_grad", m.ZeroGrad)
	if !s.hasStep(m) {
		failf("%s", s.missingStep)
	}
	if !t.hasLoader(s) {
		failf("lightning: No `%s_dataloader()` method defined to run `Trainer.%s`.", s.kind, s.fn)
	}
	var out map[string]float64
	if !t.limitIsZero(s) {
		out = t.runEval(s, -1)
		t.printResults(s, out)
	}
	t.stageFn = ""
	t.teardown(s.fn)
	if out == nil {
		out = map[string]float64{}
	}
	return out
}

// runEval runs one validation or test pass (Lightning's
// _EvaluationLoop.run) of at most limit batches (-1: the configured
// limit) and returns the epoch's callback metrics.
func (t *Trainer) runEval(s *stage, limit int) map[string]float64 {
	m := t.module
	el := t.evalLoop(s)
	var loader Loader
	var n int
	if el == &t.lp.fit.val {
		if !el.loaderSet {
			t.fitValLoader()
		}
		loader, n = el.loader, el.numBatches
	} else {
		loader = t.loader(s)
		if loader == nil {
			failf("lightning: No `%s_dataloader()` method defined to run `Trainer.%s`.", s.kind, s.fn)
		}
		var err error
		if n, err = t.limitFor(s, loader.Len()); err != nil {
			fail(err)
		}
		el.numBatches = n
	}
	if loader == nil || n == 0 {
		return nil
	}
	if limit >= 0 && (n < 0 || limit < n) {
		n = limit
	}
	prevStage := t.stageFn
	if !t.sanityChecking {
		t.stageFn = s.fn
	}
	rs := newResults(false)
	t.active = rs
	p := &el.batch
	p.resetOnRun()
	modes := captureModes(m)
	t.modelEval(s)
	s.start.run(t, s, "start")
	s.epochStart.run(t, s, "epoch_start")
	t.evalBatches(s, loader, n, p, nil)
	t.syncResults(rs)
	rs.epochEnd = true
	s.epochEnd.run(t, s, "epoch_end")
	out := t.flushEpoch(rs, t.lp.fit.batchesThatStepped)
	s.end.run(t, s, "end")
	t.modelTrain(s, modes)
	if !t.sanityChecking && s == validateStage {
		el.hasRun = true
	}
	t.active = nil
	t.stageFn = prevStage
	return out
}

// fitValLoader resolves Fit's validation loader and its batch count, once
// per Fit (Lightning's val_loop.setup_data).
func (t *Trainer) fitValLoader() {
	el := &t.lp.fit.val
	el.loader = t.shardLoader(validateStage.kind, t.loader(validateStage))
	el.loaderSet = true
	if el.loader != nil {
		nv, err := t.limitFor(validateStage, el.loader.Len())
		if err != nil {
			fail(err)
		}
		el.numBatches = nv
	}
}

// modelEval puts the module in evaluation mode before a validation, test
// or predict loop: the module's on_<hook>_model_eval hook when it has one,
// else Train(false) (the hook's default, model.eval()).
func (t *Trainer) modelEval(s *stage) {
	m := t.module
	if !s.modelEval(t, "on_"+s.hook+"_model_eval", m) {
		t.call("train", func() { m.Train(false) })
	}
}

// modelTrain ends a validation or test loop: the module's
// on_<hook>_model_train hook when it has one, else the modes captured
// before the loop come back (Lightning calls the hook only when it is
// overridden; the predict loop always restores the modes).
func (t *Trainer) modelTrain(s *stage, modes *modes) {
	if s.modelTrain == nil || !s.modelTrain(t, "on_"+s.hook+"_model_train", t.module) {
		modes.restore()
	}
}

// evalBatches runs the batches of a validation, test or predict pass under
// NoGrad, each in its own scope, counting them in p; keep receives predict
// outputs.
func (t *Trainer) evalBatches(s *stage, loader Loader, n int, p *progress, keep func(s *torch.Scope, out any)) {
	m := t.module
	hookLoader := s.kind + "_dataloader"
	torch.NoGrad(func() {
		var it BatchIterator
		t.call(hookLoader, func() { it = loader.Iter() })
		defer it.Close()
		for i := 0; n < 0 || i < n; i++ {
			t.batchIdx = i
			more := false
			torch.WithScope(func(sc *torch.Scope) {
				batch, ok := t.next(it, hookLoader)
				if !ok {
					return
				}
				more = true
				batch = t.transfer(batch, 0)
				t.curBatch, t.curBatchSize = batch, 0
				p.isLastBatch = n >= 0 && i == n-1
				p.incReady()
				s.batchStart(t, m, batch, i)
				p.incStarted()
				var out any
				t.call(s.stepHook, t.forwardContext(func() { out = s.step(m, batch, i) }))
				p.incProcessed()
				if keep != nil {
					keep(sc, out)
				}
				s.batchEnd(t, m, out, batch, i)
				p.incCompleted()
				if s != predictStage && !t.sanityChecking {
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
	s := predictStage
	t.start(s.fn)
	var ck *checkpoint
	if ckptPath != "" {
		ck = t.loadCheckpointFor(s.fn, ckptPath)
	}
	t.configureModel()
	if ck != nil {
		t.restoreModulesAndCallbacks(ck)
	}
	t.call("zero_grad", m.ZeroGrad)
	if !s.hasStep(m) {
		failf("%s", s.missingStep)
	}
	var outs []any
	if !t.limitIsZero(s) {
		loader := t.loader(s)
		if loader == nil {
			failf("lightning: No `predict_dataloader()` method defined to run `Trainer.predict`.")
		}
		n, err := t.limitFor(s, loader.Len())
		if err != nil {
			fail(err)
		}
		if n != 0 {
			t.stageFn = s.fn
			p := &t.lp.predict.batch
			p.resetOnRun()
			modes := captureModes(m)
			t.modelEval(s)
			s.start.run(t, s, "start")
			s.epochStart.run(t, s, "epoch_start")
			t.evalBatches(s, loader, n, p, func(sc *torch.Scope, out any) {
				keepOutputs(sc, out)
				outs = append(outs, out)
			})
			s.epochEnd.run(t, s, "epoch_end")
			s.end.run(t, s, "end")
			modes.restore()
			t.stageFn = ""
		}
	}
	t.teardown(s.fn)
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
func (t *Trainer) printResults(s *stage, out map[string]float64) {
	if t.cfg.Barebones || t.cfg.DisableProgressBar || len(out) == 0 {
		return
	}
	title := s.title
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
