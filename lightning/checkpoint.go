package lightning

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/nn"
	"github.com/torchgo/torchgo/torch/pt"
)

// checkpoint is a loaded .ckpt file.
type checkpoint struct {
	path string
	d    *pt.OrderedDict
}

// loopState is the loop position a checkpoint resumes from.
type loopState struct {
	epochProcessed bool   // the saved epoch had run all its batches
	batches        int    // batches done in the saved epoch
	rngEpochStart  []byte // default generator before the epoch's Iter
	rng            []byte // default generator when saved
}

// SaveCheckpoint writes the trainer's state to path, atomically (Lightning's
// trainer.save_checkpoint). weightsOnly leaves out optimizer, scheduler and
// callback states.
//
// Under DDP only rank 0 writes; other ranks return nil at once.
func (t *Trainer) SaveCheckpoint(path string, weightsOnly bool) error {
	if !t.IsGlobalZero() {
		return nil
	}
	if t.module == nil {
		return fmt.Errorf("lightning: SaveCheckpoint: no module attached (call it during or after Fit)")
	}
	var ck *pt.OrderedDict
	err := torch.Catch(func() error {
		ck = t.dumpCheckpoint(weightsOnly)
		return nil
	})
	if err != nil {
		return err
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	return pt.Save(path, ck)
}

// dumpCheckpoint builds the checkpoint dict with Lightning's keys, in
// Lightning's order, and runs the on_save_checkpoint hooks.
func (t *Trainer) dumpCheckpoint(weightsOnly bool) *pt.OrderedDict {
	m := t.module
	ck := pt.NewDict()
	ck.MustSet("epoch", int64(t.currentEpoch))
	ck.MustSet("global_step", int64(t.globalStep))
	ck.MustSet("pytorch-lightning_version", Version)
	var sd *pt.OrderedDict
	torch.WithScope(func(*torch.Scope) { sd = nn.StateDictToPT(m.StateDict()) })
	ck.MustSet("state_dict", sd)
	ck.MustSet("loops", t.loopsDict())
	if !weightsOnly {
		cbs := pt.NewDict()
		for _, c := range t.callbacks {
			if s, ok := c.(StatefulCallback); ok {
				var st *pt.OrderedDict
				t.call(callbackName(c)+".state_dict", func() { st = s.StateDict() })
				if st != nil && st.Len() > 0 {
					cbs.MustSet(s.StateKey(), st)
				}
			}
		}
		ck.MustSet("callbacks", cbs)
		var opts []any
		if t.opt != nil {
			opts = append(opts, t.opt.StateDict())
		}
		ck.MustSet("optimizer_states", opts)
		var scheds []any
		for _, s := range t.scheds {
			if st, ok := s.Scheduler.(interface{ StateDict() *pt.OrderedDict }); ok {
				scheds = append(scheds, st.StateDict())
			}
		}
		ck.MustSet("lr_schedulers", scheds)
	}
	if h, ok := m.(HyperParameterizer); ok {
		var hp map[string]any
		t.call("hparams", func() { hp = h.HyperParameters() })
		if len(hp) > 0 {
			ck.MustSet("hparams_name", "kwargs")
			d := pt.NewDict()
			for _, k := range sortedKeys(hp) {
				d.MustSet(k, hp[k])
			}
			ck.MustSet("hyper_parameters", d)
		}
	}
	t.cb("on_save_checkpoint", func(c Callback) { c.OnSaveCheckpoint(t, m, ck) })
	if h, ok := m.(OnSaveCheckpointer); ok {
		t.call("on_save_checkpoint", func() { h.OnSaveCheckpoint(ck) })
	}
	return ck
}

// loopsDict is the "loops" entry: Lightning 2's structure of loop
// progress counters (fit, validate, test and predict loops), so that
// Lightning can resume from it, and, under "torchgo", what exact
// resumption needs.
func (t *Trainer) loopsDict() *pt.OrderedDict {
	bts := t.batchesThatStepped
	batches := t.batchesDone
	if t.inBatch {
		bts++ // saved from on_train_batch_end, before the loop counts the batch
	}
	// Lightning counts an epoch processed only after on_train_epoch_end,
	// and runs that hook with _batches_that_stepped one lower.
	started, lbts := t.currentEpoch, bts
	if batches > 0 || t.epochProcessed {
		started++
	}
	if t.epochProcessed {
		lbts--
	}
	// progress is Lightning's _Progress: total and current counters with
	// the given fields, all equal to n except completed.
	progress := func(total, current, totalDone, currentDone int, fields ...string) *pt.OrderedDict {
		tracker := func(n, done int) *pt.OrderedDict {
			d := pt.NewDict()
			for _, f := range fields {
				v := n
				if f == "completed" {
					v = done
				}
				d.MustSet(f, int64(v))
			}
			return d
		}
		d := pt.NewDict()
		d.MustSet("total", tracker(total, totalDone))
		d.MustSet("current", tracker(current, currentDone))
		return d
	}
	batchFields := []string{"ready", "started", "processed", "completed"}
	batchProgress := func(total, current int, last bool, withLast bool) *pt.OrderedDict {
		d := progress(total, current, total, current, batchFields...)
		if withLast {
			d.MustSet("is_last_batch", last)
		}
		return d
	}
	steps, epochSteps := t.globalStep, t.globalStep-t.epochFirstStep
	optim := pt.NewDict()
	optim.MustSet("step", progress(steps, epochSteps, steps, epochSteps, "ready", "completed"))
	optim.MustSet("zero_grad", progress(steps, epochSteps, steps, epochSteps, "ready", "started", "completed"))
	optimProgress := pt.NewDict()
	optimProgress.MustSet("optimizer", optim)

	es := pt.NewDict()
	es.MustSet("_batches_that_stepped", int64(lbts))
	fitLoop := pt.NewDict()
	fitLoop.MustSet("state_dict", pt.NewDict())
	fitLoop.MustSet("epoch_loop.state_dict", es)
	fitLoop.MustSet("epoch_loop.batch_progress", batchProgress(t.totalBatches, batches,
		t.numTrainingBatches >= 0 && batches >= t.numTrainingBatches, true))
	fitLoop.MustSet("epoch_loop.scheduler_progress", progress(t.schedulerSteps, t.schedulerSteps-t.epochFirstSched,
		t.schedulerSteps, t.schedulerSteps-t.epochFirstSched, "ready", "completed"))
	fitLoop.MustSet("epoch_loop.manual_optimization.state_dict", pt.NewDict())
	fitLoop.MustSet("epoch_loop.manual_optimization.optim_step_progress", progress(0, 0, 0, 0, "ready", "completed"))
	fitLoop.MustSet("epoch_loop.automatic_optimization.state_dict", pt.NewDict())
	fitLoop.MustSet("epoch_loop.automatic_optimization.optim_progress", optimProgress)
	fitLoop.MustSet("epoch_loop.val_loop.state_dict", pt.NewDict())
	fitLoop.MustSet("epoch_loop.val_loop.batch_progress", batchProgress(0, 0, false, true))
	epochs := progress(started, started, t.currentEpoch, t.currentEpoch, batchFields...)
	for _, k := range []string{"total", "current"} {
		c, _ := get[*pt.OrderedDict](epochs, k)
		c.MustSet("processed", int64(t.currentEpoch))
	}
	fitLoop.MustSet("epoch_progress", epochs)

	ours := pt.NewDict()
	ours.MustSet("epoch_processed", t.epochProcessed)
	ours.MustSet("batches_in_epoch", int64(batches))
	ours.MustSet("batches_that_stepped", int64(bts))
	if t.rngEpochStart != nil {
		ours.MustSet("rng_epoch_start", bytesTensor(t.rngEpochStart))
	}
	var rng []byte
	torch.WithScope(func(*torch.Scope) { rng = torch.DefaultGenerator(torch.CPU).State().Bytes() })
	ours.MustSet("rng", bytesTensor(rng))

	loops := pt.NewDict()
	loops.MustSet("fit_loop", fitLoop)
	for _, name := range []string{"validate_loop", "test_loop", "predict_loop"} {
		l := pt.NewDict()
		l.MustSet("state_dict", pt.NewDict())
		l.MustSet("batch_progress", batchProgress(0, 0, false, name != "predict_loop"))
		loops.MustSet(name, l)
	}
	loops.MustSet("torchgo", ours)
	return loops
}

func bytesTensor(b []byte) *pt.Tensor {
	p, err := pt.NewTensor(pt.Uint8, []int64{int64(len(b))}, append([]byte(nil), b...))
	if err != nil {
		panic(err)
	}
	return p
}

// resolveCkptPath turns "best" and "last" into paths.
func (t *Trainer) resolveCkptPath(fn, path string) (string, error) {
	switch path {
	case "best":
		mc := t.CheckpointCallback()
		if mc == nil || mc.BestModelPath() == "" {
			return "", fmt.Errorf("lightning: `.%s(ckpt_path=\"best\")` is set but `ModelCheckpoint` is not configured to save the best model or has not saved one yet", fn)
		}
		return mc.BestModelPath(), nil
	case "last":
		if mc := t.CheckpointCallback(); mc != nil && mc.LastModelPath() != "" {
			return mc.LastModelPath(), nil
		}
		if p := findLast(t.DefaultRootDir()); p != "" {
			return p, nil
		}
		return "", fmt.Errorf("lightning: `.%s(ckpt_path=\"last\")` is set, but there is no last checkpoint available", fn)
	}
	return path, nil
}

// findLast returns the most recently written last*.ckpt under root.
func findLast(root string) string {
	type cand struct {
		path string
		mod  int64
	}
	var cs []cand
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if ok, _ := filepath.Match("last*.ckpt", d.Name()); ok {
			if info, err := d.Info(); err == nil {
				cs = append(cs, cand{p, info.ModTime().UnixNano()})
			}
		}
		return nil
	})
	if len(cs) == 0 {
		return ""
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].mod > cs[j].mod })
	return cs[0].path
}

// loadCheckpointFor reads a checkpoint for entry point fn.
func (t *Trainer) loadCheckpointFor(fn, path string) *checkpoint {
	p, err := t.resolveCkptPath(fn, path)
	if err != nil {
		fail(err)
	}
	v, err := pt.Load(p)
	if err != nil {
		failf("lightning: reading checkpoint %s: %w", p, err)
	}
	d, ok := v.(*pt.OrderedDict)
	if !ok {
		failf("lightning: checkpoint %s holds a %T, not a dict", p, v)
	}
	if t.fn == "fit" || fn == "fit" {
		t.info("Restoring states from the checkpoint path at %s", p)
	}
	return &checkpoint{path: p, d: d}
}

// restoreModulesAndCallbacks loads the module's weights and the callbacks'
// states (Lightning's _restore_modules_and_callbacks).
func (t *Trainer) restoreModulesAndCallbacks(ck *checkpoint) {
	m := t.module
	if h, ok := m.(OnLoadCheckpointer); ok {
		t.call("on_load_checkpoint", func() { h.OnLoadCheckpoint(ck.d) })
	}
	v, _ := ck.d.Get("state_dict")
	sdd, ok := v.(*pt.OrderedDict)
	if !ok {
		failf("lightning: checkpoint %s has no \"state_dict\" dict", ck.path)
	}
	sd, err := nn.StateDictFromPT(sdd)
	if err != nil {
		failf("lightning: checkpoint %s: %w", ck.path, err)
	}
	_, err = m.LoadStateDict(sd, true)
	for _, n := range sd {
		n.Tensor.Close()
	}
	if err != nil {
		failf("lightning: checkpoint %s: %w", ck.path, err)
	}
	t.cb("on_load_checkpoint", func(c Callback) { c.OnLoadCheckpoint(t, m, ck.d) })
	states, _ := ck.d.Get("callbacks")
	sd2, _ := states.(*pt.OrderedDict)
	if sd2 == nil {
		return
	}
	for _, c := range t.callbacks {
		s, ok := c.(StatefulCallback)
		if !ok {
			continue
		}
		st, ok := sd2.Get(s.StateKey())
		if !ok {
			continue
		}
		d, ok := st.(*pt.OrderedDict)
		if !ok {
			failf("lightning: checkpoint %s: callback state %q is a %T, not a dict", ck.path, s.StateKey(), st)
		}
		var err error
		t.call(callbackName(c)+".load_state_dict", func() { err = s.LoadStateDict(d) })
		if err != nil {
			failf("lightning: checkpoint %s: callback %q: %w", ck.path, s.StateKey(), err)
		}
	}
}

// restoreTrainingState restores optimizer, schedulers and loop counters
// (Lightning's restore_training_state).
func (t *Trainer) restoreTrainingState(ck *checkpoint) {
	d := ck.d
	if v, ok := d.Get("optimizer_states"); ok {
		list, _ := v.([]any)
		if len(list) > 0 {
			od, ok := list[0].(*pt.OrderedDict)
			if !ok {
				failf("lightning: checkpoint %s: optimizer state is a %T", ck.path, list[0])
			}
			if err := t.opt.LoadStateDict(od); err != nil {
				failf("lightning: checkpoint %s: optimizer: %w", ck.path, err)
			}
		}
	} else {
		failf("lightning: Trying to restore optimizer state but checkpoint %s contains only the model. This is probably due to `ModelCheckpoint.save_weights_only` being set to `True`.", ck.path)
	}
	if v, ok := d.Get("lr_schedulers"); ok {
		list, _ := v.([]any)
		for i, s := range t.scheds {
			if i >= len(list) {
				break
			}
			od, ok := list[i].(*pt.OrderedDict)
			ld, ok2 := s.Scheduler.(interface {
				LoadStateDict(*pt.OrderedDict) error
			})
			if !ok || !ok2 {
				continue
			}
			if err := ld.LoadStateDict(od); err != nil {
				failf("lightning: checkpoint %s: scheduler %d: %w", ck.path, i, err)
			}
		}
	}
	t.currentEpoch = int(asInt(d, "epoch"))
	t.globalStep = int(asInt(d, "global_step"))
	ls := &loopState{}
	loops, _ := get[*pt.OrderedDict](d, "loops")
	fit, _ := get[*pt.OrderedDict](loops, "fit_loop")
	if es, ok := get[*pt.OrderedDict](fit, "epoch_loop.state_dict"); ok {
		t.batchesThatStepped = int(asInt(es, "_batches_that_stepped"))
	}
	if bp, ok := get[*pt.OrderedDict](fit, "epoch_loop.batch_progress"); ok {
		tot, _ := get[*pt.OrderedDict](bp, "total")
		t.totalBatches = int(asInt(tot, "completed"))
	}
	if sp, ok := get[*pt.OrderedDict](fit, "epoch_loop.scheduler_progress"); ok {
		tot, _ := get[*pt.OrderedDict](sp, "total")
		t.schedulerSteps = int(asInt(tot, "completed"))
	}
	if od, ok := get[*pt.OrderedDict](loops, "torchgo"); ok {
		ls.epochProcessed, _ = get[bool](od, "epoch_processed")
		ls.batches = int(asInt(od, "batches_in_epoch"))
		t.batchesThatStepped = int(asInt(od, "batches_that_stepped"))
		ls.rngEpochStart = tensorBytes(od, "rng_epoch_start")
		ls.rng = tensorBytes(od, "rng")
	} else {
		// A checkpoint from Python Lightning, which saves at the end of
		// an epoch (or mid-epoch, where Lightning's own resume is not
		// exact either): resume at the next epoch.
		ls.epochProcessed = true
	}
	if ls.epochProcessed {
		t.currentEpoch++
		ls.batches = 0
	}
	if ls.batches == 0 {
		if ls.rng != nil {
			setGenState(torch.DefaultGenerator(torch.CPU), ls.rng)
		}
		return
	}
	t.resume = ls
}

// get returns d[key] as a T; false when d is nil, the key is missing or
// holds another type.
func get[T any](d *pt.OrderedDict, key string) (T, bool) {
	var zero T
	if d == nil {
		return zero, false
	}
	v, ok := d.Get(key)
	if !ok {
		return zero, false
	}
	x, ok := v.(T)
	return x, ok
}

func asInt(d *pt.OrderedDict, key string) int64 {
	if d == nil {
		return 0
	}
	v, _ := d.Get(key)
	switch x := v.(type) {
	case int64:
		return x
	case float64:
		return int64(x)
	case bool:
		if x {
			return 1
		}
	}
	return 0
}

func tensorBytes(d *pt.OrderedDict, key string) []byte {
	v, ok := d.Get(key)
	if !ok {
		return nil
	}
	p, ok := v.(*pt.Tensor)
	if !ok || p.Validate() != nil || p.Expands() {
		return nil // a generator state is a plain byte tensor; nothing else is used
	}
	return append([]byte(nil), p.Contiguous()...)
}

// logHyperparams sends the module's hyper-parameters to the loggers.
func (t *Trainer) logHyperparams() {
	h, ok := t.module.(HyperParameterizer)
	if !ok || len(t.loggers) == 0 {
		return
	}
	var hp map[string]any
	t.call("hparams", func() { hp = h.HyperParameters() })
	for _, l := range t.loggers {
		if err := l.LogHyperparams(hp); err != nil {
			fail(err)
		}
	}
}
