package lightning

import (
	"fmt"
	"io"
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
// callback states. The file is written through a temporary file in the
// same directory, named after this process's ID, synced and renamed into
// place; it gets mode 0666 less the umask, as Python's files. Temporary
// files left there by a process that died while saving are removed first.
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
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	removeStaleTemps(dir)
	return writeFileAtomic(path, true, func(w io.Writer) error { return pt.WriteTo(w, ck) })
}

// dumpCheckpoint builds the checkpoint dict with Lightning's keys, in
// Lightning's order, and runs the on_save_checkpoint hooks.
func (t *Trainer) dumpCheckpoint(weightsOnly bool) *pt.OrderedDict {
	m := t.module
	ck := pt.NewDict()
	ck.MustSet("epoch", int64(t.lp.fit.currentEpoch))
	ck.MustSet("global_step", int64(t.lp.fit.globalStep))
	ck.MustSet("pytorch-lightning_version", Version)
	var sd *pt.OrderedDict
	torch.WithScope(func(*torch.Scope) { sd = nn.StateDictToPT(m.StateDict()) })
	ck.MustSet("state_dict", sd)
	ck.MustSet("loops", t.lp.stateDict())
	if !weightsOnly {
		cbs := pt.NewDict()
		for _, c := range t.callbacks {
			if s, ok := c.(StatefulCallback); ok {
				var st *pt.OrderedDict
				t.call(typeName(c)+".state_dict", func() { st = s.StateDict() })
				if st != nil && st.Len() > 0 {
					cbs.MustSet(s.StateKey(), st)
				}
			}
		}
		ck.MustSet("callbacks", cbs)
		var opts []any
		for _, o := range t.opts {
			opts = append(opts, o.StateDict())
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
	var hp map[string]any
	if callHook(t, "hparams", m, func(h HyperParameterizer) { hp = h.HyperParameters() }) {
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
	callHook(t, "on_save_checkpoint", m, func(h OnSaveCheckpointer) { h.OnSaveCheckpoint(ck) })
	return ck
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
	callHook(t, "on_load_checkpoint", m, func(h OnLoadCheckpointer) { h.OnLoadCheckpoint(ck.d) })
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
		t.call(typeName(c)+".load_state_dict", func() { err = s.LoadStateDict(d) })
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
		// Lightning zips the optimizers with the states saved.
		list, _ := v.([]any)
		for i, opt := range t.opts {
			if i >= len(list) {
				break
			}
			od, ok := list[i].(*pt.OrderedDict)
			if !ok {
				failf("lightning: checkpoint %s: optimizer state %d is a %T", ck.path, i, list[i])
			}
			if err := opt.LoadStateDict(od); err != nil {
				if len(t.opts) == 1 {
					failf("lightning: checkpoint %s: optimizer: %w", ck.path, err)
				}
				failf("lightning: checkpoint %s: optimizer %d: %w", ck.path, i, err)
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
	fp := &t.lp.fit
	fp.currentEpoch = int(asInt(d, "epoch"))
	fp.globalStep = int(asInt(d, "global_step"))
	ls := &loopState{}
	loops, _ := get[*pt.OrderedDict](d, "loops")
	fit, _ := get[*pt.OrderedDict](loops, "fit_loop")
	fp.loadStateDict(ck.path, fit)
	if es, ok := get[*pt.OrderedDict](fit, "epoch_loop.state_dict"); ok {
		fp.batchesThatStepped = int(asInt(es, "_batches_that_stepped"))
	}
	if od, ok := get[*pt.OrderedDict](loops, "torchgo"); ok {
		ls.epochProcessed, _ = get[bool](od, "epoch_processed")
		ls.batches = int(asInt(od, "batches_in_epoch"))
		fp.batchesThatStepped = int(asInt(od, "batches_that_stepped"))
		ls.rngEpochStart = tensorBytes(od, "rng_epoch_start")
		ls.rng = tensorBytes(od, "rng")
	} else {
		// A checkpoint from Python Lightning, which saves at the end of
		// an epoch (or mid-epoch, where Lightning's own resume is not
		// exact either): resume at the next epoch.
		ls.epochProcessed = true
	}
	if ls.epochProcessed {
		fp.currentEpoch++
		ls.batches = 0
	}
	if ls.batches == 0 {
		// Epoch currentEpoch starts afresh: the epoch counters are those
		// of a run that completed currentEpoch epochs (Lightning counts
		// the saved epoch completed when it resumes at its end).
		fp.epoch.setAll(fp.currentEpoch)
		if ls.rng != nil {
			setGenState(torch.DefaultGenerator(torch.CPU), ls.rng)
		}
		return
	}
	// Inside an epoch, which has started. A checkpoint saved in
	// on_train_batch_end counts that batch processed, not completed: it
	// completes now, as the batch did in the run that saved it.
	for _, tr := range []*tracker{&fp.batch.total, &fp.batch.current} {
		if tr.completed < tr.processed {
			tr.completed++
		}
	}
	fp.midEpoch = true
	fp.resume = ls
}

// checkCounters refuses a checkpoint whose counters Fit cannot resume
// from: negative, of the wrong type, or disagreeing with each other; the
// error is one line naming the file and the key.
func checkCounters(ck *checkpoint) {
	d := ck.d
	bad := func(format string, args ...any) {
		failf("lightning: checkpoint %s: %s", ck.path, fmt.Sprintf(format, args...))
	}
	count := func(d *pt.OrderedDict, key, name string) (int64, bool) {
		v, ok := d.Get(key)
		if !ok {
			return 0, false
		}
		n, ok := v.(int64)
		if !ok {
			bad("key %q is a %s, not an int", name, pyTypeName(v))
		}
		if n < 0 {
			bad("key %q is %d; it must be 0 or more", name, n)
		}
		return n, true
	}
	epoch, hasEpoch := count(d, "epoch", "epoch")
	step, hasStep := count(d, "global_step", "global_step")
	loops, _ := get[*pt.OrderedDict](d, "loops")
	fit, _ := get[*pt.OrderedDict](loops, "fit_loop")
	if es, ok := get[*pt.OrderedDict](fit, "epoch_loop.state_dict"); ok {
		count(es, "_batches_that_stepped", "loops.fit_loop.epoch_loop.state_dict._batches_that_stepped")
	}
	if od, ok := get[*pt.OrderedDict](loops, "torchgo"); ok {
		count(od, "batches_in_epoch", "loops.torchgo.batches_in_epoch")
		count(od, "batches_that_stepped", "loops.torchgo.batches_that_stepped")
	}
	if fit == nil {
		return
	}
	var probe fitLoop
	probe.loadStateDict(ck.path, fit) // fails on negative progress counters
	fp := &probe
	if _, ok := get[*pt.OrderedDict](fit, "epoch_progress"); ok && hasEpoch && int64(fp.epoch.current.completed) != epoch {
		bad("key \"epoch\" is %d but loops.fit_loop.epoch_progress.current.completed is %d", epoch, fp.epoch.current.completed)
	}
	_, hasOpt := get[*pt.OrderedDict](fit, "epoch_loop.automatic_optimization.optim_progress")
	if hasStep && hasOpt && int64(fp.optStep.total.completed) != step && int64(fp.manualStep.total.completed) != step {
		bad("key \"global_step\" is %d but loops.fit_loop.epoch_loop.automatic_optimization.optim_progress.optimizer.step.total.completed is %d",
			step, fp.optStep.total.completed)
	}
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
	if len(t.loggers) == 0 {
		return
	}
	var hp map[string]any
	if !callHook(t, "hparams", t.module, func(h HyperParameterizer) { hp = h.HyperParameters() }) {
		return
	}
	for _, l := range t.loggers {
		if err := l.LogHyperparams(hp); err != nil {
			fail(err)
		}
	}
}
