package lightning

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/pt"
)

// loadDict reads a .ckpt as a dict.
func loadDict(t *testing.T, path string) *pt.OrderedDict {
	t.Helper()
	v, err := pt.Load(path)
	require.NoError(t, err)
	d, ok := v.(*pt.OrderedDict)
	require.True(t, ok, "%s holds a %T", path, v)
	return d
}

// layoutCheck compares two values read from checkpoints (diff lists
// where got differs from want): dicts must have the same keys in the same
// order and be of the same kind (dict or OrderedDict), lists the same
// length, every value the same type, ints, bools, strings and None equal,
// tensors the same dtype and shape (and bytes when 0-dim); floats are
// values of training and only typed. For a path in typesOnly only the type
// is compared; paths in baseName compare strings by their last element
// (file paths of another machine); extra names, by path, the one key that
// got may have after want's.
type layoutCheck struct {
	typesOnly, baseName map[string]bool
	extra               map[string]string // path -> the one key allowed after want's
}

func (lc layoutCheck) diff(path string, want, got any) []string {
	where := path
	if where == "" {
		where = "(top)"
	}
	if fmt.Sprintf("%T", want) != fmt.Sprintf("%T", got) {
		return []string{fmt.Sprintf("%s: %s, want %s", where, pyTypeName(got), pyTypeName(want))}
	}
	if lc.typesOnly[path] {
		return nil
	}
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch w := want.(type) {
	case *pt.OrderedDict:
		g := got.(*pt.OrderedDict)
		var out []string
		if w.Plain != g.Plain {
			out = append(out, fmt.Sprintf("%s: Plain=%v, want %v (dict vs OrderedDict)", where, g.Plain, w.Plain))
		}
		wk, gk := w.Keys(), g.Keys()
		if extra, ok := lc.extra[path]; ok && len(gk) == len(wk)+1 && gk[len(gk)-1] == extra {
			gk = gk[:len(wk)]
		}
		if fmt.Sprint(wk) != fmt.Sprint(gk) {
			return append(out, fmt.Sprintf("%s: keys %v, want %v", where, gk, wk))
		}
		for _, k := range wk {
			wv, _ := w.Get(k)
			gv, _ := g.Get(k)
			out = append(out, lc.diff(join(fmt.Sprint(k)), wv, gv)...)
		}
		return out
	case []any:
		g := got.([]any)
		if len(w) != len(g) {
			return []string{fmt.Sprintf("%s: %d items, want %d", where, len(g), len(w))}
		}
		var out []string
		for i := range w {
			out = append(out, lc.diff(join(fmt.Sprint(i)), w[i], g[i])...)
		}
		return out
	case *pt.Tensor:
		g := got.(*pt.Tensor)
		if w.DType() != g.DType() || fmt.Sprint(w.Shape) != fmt.Sprint(g.Shape) {
			return []string{fmt.Sprintf("%s: tensor %v%v, want %v%v", where, g.DType(), g.Shape, w.DType(), w.Shape)}
		}
		if len(w.Shape) == 0 && fmt.Sprint(w.Contiguous()) != fmt.Sprint(g.Contiguous()) {
			return []string{fmt.Sprintf("%s: 0-dim tensor bytes %v, want %v", where, g.Contiguous(), w.Contiguous())}
		}
		return nil
	case string:
		g := got.(string)
		if lc.baseName[path] {
			w, g = filepath.Base(w), filepath.Base(g)
		}
		if w != g {
			return []string{fmt.Sprintf("%s: %q, want %q", where, g, w)}
		}
		return nil
	case float64:
		return nil // values of training (compared where the run is reproduced)
	}
	if fmt.Sprint(want) != fmt.Sprint(got) {
		return []string{fmt.Sprintf("%s: %v, want %v", where, got, want)}
	}
	return nil
}

// seedCheck is how a Go checkpoint of the seed's shape compares with
// seed_1epoch.ckpt: the optimizer's state follows torch 2.x's layout
// there (out of scope), loops has Go's "torchgo" entry last, and the
// paths are another machine's.
func seedCheck(modelDiffers bool) layoutCheck {
	key := "callbacks.ModelCheckpoint{'monitor': None, 'mode': 'min', 'every_n_train_steps': 0, 'every_n_epochs': 1, 'train_time_interval': None}"
	lc := layoutCheck{
		typesOnly: map[string]bool{"optimizer_states.0": true},
		baseName:  map[string]bool{key + ".best_model_path": true, key + ".dirpath": true},
		extra:     map[string]string{"loops": "torchgo"},
	}
	if modelDiffers {
		lc.typesOnly["state_dict"] = true
	}
	return lc
}

// seedShapedRun trains the boring model (no scheduler) one epoch of 188
// batches, validating on 47, as the seed's run does (sanity check on,
// the default ModelCheckpoint), and returns the trainer.
func seedShapedRun(t *testing.T, mod func(*Config)) *Trainer {
	cfg := quietConfig(t)
	cfg.MaxEpochs = 1
	if mod != nil {
		mod(&cfg)
	}
	tr := newTrainer(t, cfg)
	m := newBoring()
	m.noSched = true
	require.NoError(t, tr.Fit(m, &Data{Train: randomBatches(188*2, 2, 1), Val: randomBatches(47*2, 2, 2)}, ""))
	return tr
}

// The checkpoint Go writes at the end of an epoch is, key by key, what
// Lightning 2.6.5 wrote for the seed run (seed_1epoch.ckpt): structure,
// key order, types and every loop counter; Lightning therefore resumes it
// as the end of epoch 0 (its RESUMED_ON_EPOCH_END), not mid-epoch.
func TestCheckpointMatchesLightning(t *testing.T) {
	want := loadDict(t, filepath.Join(sharedDir(t), "seed_1epoch.ckpt"))
	tr := seedShapedRun(t, nil)
	path := tr.CheckpointCallback().BestModelPath()
	require.Equal(t, "epoch=0-step=188.ckpt", filepath.Base(path))
	got := loadDict(t, path)
	require.Empty(t, seedCheck(true).diff("", want, got))

	// best_model_path names the file itself (Lightning sets it before
	// saving); the torchgo entry is Go's exact-resume state.
	cb, _ := get[*pt.OrderedDict](got, "callbacks")
	st, _ := get[*pt.OrderedDict](cb, tr.CheckpointCallback().StateKey())
	best, _ := get[string](st, "best_model_path")
	require.Equal(t, path, best)
	loops, _ := get[*pt.OrderedDict](got, "loops")
	_, ok := get[*pt.OrderedDict](loops, "torchgo")
	require.True(t, ok)
}

// restartStage is how Lightning 2.6's loops classify the counters they
// load (_FitLoop.update_restart_stage and _TrainingEpochLoop's, with the
// fit loop's restarting setter): the fit loop's stage and the epoch
// loop's.
func restartStage(t *testing.T, ck *pt.OrderedDict) (fit, epoch string) {
	loops, _ := get[*pt.OrderedDict](ck, "loops")
	fl, _ := get[*pt.OrderedDict](loops, "fit_loop")
	var tr Trainer
	tr.loadFitProgress("", fl)
	e, b := tr.lp.fit.epoch.total, tr.lp.fit.batch.total
	cur := tr.lp.fit.epoch.current
	// The fit loop restarts only when the last epoch is unfinished.
	restarting := cur.ready != cur.processed || cur.started != cur.processed
	switch {
	case restarting && e.started == e.ready-1 && e.processed == e.started && e.completed == e.processed:
		fit = "restarted_on_epoch_start"
	case restarting && e.started == e.ready && e.processed == e.started-1 && e.completed == e.processed:
		fit = "restarted_mid_epoch"
	case restarting && e.started == e.ready && e.processed == e.started && e.completed == e.processed-1:
		fit = "restarted_on_epoch_end"
	case e.started == e.ready && e.processed == e.started && e.completed == e.processed-1:
		fit = "resumed_on_epoch_end"
	default:
		fit = "none"
	}
	switch {
	case restarting && b.started == b.ready && b.processed == b.started && b.completed == b.processed-1:
		epoch = "restarted_on_train_batch_end"
	case restarting && b.started == b.ready && b.processed == b.started && b.completed == b.processed:
		epoch = "restarted_on_last"
	default:
		epoch = "none"
	}
	return fit, epoch
}

func loopInt(t *testing.T, ck *pt.OrderedDict, keys ...string) int64 {
	t.Helper()
	var v any = ck
	for _, k := range keys {
		d, ok := v.(*pt.OrderedDict)
		require.True(t, ok, "%v at %s", keys, k)
		v, ok = d.Get(k)
		require.True(t, ok, "%v: no %s", keys, k)
	}
	n, ok := v.(int64)
	require.True(t, ok, "%v is a %T", keys, v)
	return n
}

// stepsOf is the global step and Lightning's _batches_that_stepped of a
// checkpoint.
func stepsOf(t *testing.T, ck *pt.OrderedDict) (step, bts int64) {
	return loopInt(t, ck, "global_step"), loopInt(t, ck, "loops", "fit_loop", "epoch_loop.state_dict", "_batches_that_stepped")
}

// At the other points where a checkpoint is saved, Go writes what
// Lightning 2.6 holds there, in the recorded layout: inside
// on_train_batch_end (every_n_train_steps) the batch is processed but not
// completed and _batches_that_stepped does not count it yet (Lightning
// adds it on restart); in on_validation_end inside an epoch the batch is
// complete but not yet counted; after a SIGINT it is complete and
// counted; at the end of an epoch the epoch is processed, not completed.
// Lightning's restart logic classifies each as such, and Go resumes each
// exactly (weights and logging steps).
func TestCheckpointCountersAtEverySavePoint(t *testing.T) {
	// The tiny module has hyper-parameters, as the seed's module in
	// seed_1epoch_hparams.ckpt.
	want := loadDict(t, filepath.Join(sharedDir(t), "seed_1epoch_hparams.ckpt"))
	data := tinyData() // 4 batches per epoch, validation each epoch
	torch.ManualSeed(0)
	straight := newTiny()
	tr := newTrainer(t, resumeConfig(t, t.TempDir(), 3))
	require.NoError(t, tr.Fit(straight, data, ""))
	wantW := weights(straight)

	check := func(t *testing.T, path, fitStage, epochStage string, btsBehind int64) *pt.OrderedDict {
		ck := loadDict(t, path)
		lc := seedCheck(true)
		lc.typesOnly["hyper_parameters"] = true
		for k := range map[string]bool{"epoch": true, "global_step": true, "loops": true, "callbacks": true, "lr_schedulers": true} {
			lc.typesOnly[k] = true // values differ from the seed run's
		}
		require.Empty(t, lc.diff("", want, ck), "top-level layout")
		wl, _ := get[*pt.OrderedDict](want, "loops")
		gl, _ := get[*pt.OrderedDict](ck, "loops")
		require.Empty(t, layoutCheck{extra: map[string]string{"": "torchgo"}, typesOnly: map[string]bool{}}.diffKeysAndTypes(wl, gl), "loops layout")
		f, e := restartStage(t, ck)
		require.Equal(t, fitStage, f)
		require.Equal(t, epochStage, e)
		step, bts := stepsOf(t, ck)
		require.Equal(t, step-btsBehind, bts, "_batches_that_stepped")
		require.Equal(t, step, loopInt(t, ck, "loops", "fit_loop", "epoch_loop.automatic_optimization.optim_progress", "optimizer", "step", "total", "completed"))
		require.Equal(t, loopInt(t, ck, "epoch"), loopInt(t, ck, "loops", "fit_loop", "epoch_progress", "current", "completed"))
		return ck
	}
	resume := func(t *testing.T, path string) {
		torch.ManualSeed(9)
		m := newTiny()
		tr := newTrainer(t, resumeConfig(t, t.TempDir(), 3))
		require.NoError(t, tr.Fit(m, data, path))
		require.Equal(t, 12, tr.GlobalStep())
		require.Equal(t, 12, tr.lp.fit.batchesThatStepped, "the logging steps continue as in the straight run")
		require.Equal(t, wantW, weights(m))
	}

	t.Run("every_n_train_steps", func(t *testing.T) {
		torch.ManualSeed(0)
		mc := NewModelCheckpoint(ModelCheckpointConfig{EveryNTrainSteps: 6, Filename: "{step}"})
		tr := newTrainer(t, resumeConfig(t, t.TempDir(), 2, mc))
		require.NoError(t, tr.Fit(newTiny(), data, ""))
		path := mc.BestModelPath()
		require.Equal(t, "step=6.ckpt", filepath.Base(path))
		ck := check(t, path, "restarted_mid_epoch", "restarted_on_train_batch_end", 1)
		require.Equal(t, int64(1), loopInt(t, ck, "loops", "fit_loop", "epoch_loop.batch_progress", "current", "completed"))
		resume(t, path)
	})
	t.Run("on_validation_end", func(t *testing.T) {
		torch.ManualSeed(0)
		mc := NewModelCheckpoint(ModelCheckpointConfig{SaveTopK: -1, Filename: "{step}"})
		cfg := resumeConfig(t, t.TempDir(), 2, mc)
		cfg.ValCheckInterval = Batches(2) // ModelCheckpoint saves after each validation
		tr := newTrainer(t, cfg)
		require.NoError(t, tr.Fit(newTiny(), data, ""))
		path := filepath.Join(mc.Dirpath(), "step=6.ckpt")
		check(t, path, "restarted_mid_epoch", "restarted_on_last", 1)
		resume(t, path)
	})
	t.Run("sigint", func(t *testing.T) {
		torch.ManualSeed(0)
		stop := make(chan struct{})
		cfg := resumeConfig(t, t.TempDir(), 3, NewModelCheckpoint(ModelCheckpointConfig{}), &stopAt{step: 6, ch: stop})
		cfg.Stop = stop
		tr := newTrainer(t, cfg)
		require.ErrorIs(t, tr.Fit(newTiny(), data, ""), ErrInterrupted)
		path := tr.CheckpointCallback().LastModelPath()
		ck := check(t, path, "restarted_mid_epoch", "restarted_on_last", 0)
		cb, _ := get[*pt.OrderedDict](ck, "callbacks")
		st, _ := get[*pt.OrderedDict](cb, tr.CheckpointCallback().StateKey())
		last, _ := get[string](st, "last_model_path")
		require.Equal(t, path, last)
		resume(t, path)
	})
	t.Run("epoch_end", func(t *testing.T) {
		torch.ManualSeed(0)
		mc := NewModelCheckpoint(ModelCheckpointConfig{SaveTopK: -1})
		tr := newTrainer(t, resumeConfig(t, t.TempDir(), 2, mc))
		require.NoError(t, tr.Fit(newTiny(), data, ""))
		path := mc.BestModelPath()
		require.Equal(t, "epoch=1-step=8.ckpt", filepath.Base(path))
		check(t, path, "resumed_on_epoch_end", "none", 0)
		resume(t, path)
	})
}

// diffKeysAndTypes compares the layout of two dicts without their values.
func (lc layoutCheck) diffKeysAndTypes(want, got *pt.OrderedDict) []string {
	var walk func(path string, w, g any) []string
	walk = func(path string, w, g any) []string {
		if fmt.Sprintf("%T", w) != fmt.Sprintf("%T", g) {
			return []string{fmt.Sprintf("%s: %T, want %T", path, g, w)}
		}
		wd, ok := w.(*pt.OrderedDict)
		if !ok {
			return nil
		}
		gd := g.(*pt.OrderedDict)
		wk, gk := wd.Keys(), gd.Keys()
		if extra, ok := lc.extra[path]; ok && len(gk) == len(wk)+1 && gk[len(gk)-1] == extra {
			gk = gk[:len(wk)]
		}
		if fmt.Sprint(wk) != fmt.Sprint(gk) || wd.Plain != gd.Plain {
			return []string{fmt.Sprintf("%s: keys %v, want %v", path, gk, wk)}
		}
		var out []string
		for _, k := range wk {
			a, _ := wd.Get(k)
			b, _ := gd.Get(k)
			out = append(out, walk(strings.TrimPrefix(path+"."+fmt.Sprint(k), "."), a, b)...)
		}
		return out
	}
	return walk("", want, got)
}

// editCheckpoint rewrites a checkpoint's entry at keys (a path of dict
// keys) to v.
func editCheckpoint(t *testing.T, src, dst string, v any, keys ...string) {
	t.Helper()
	d := loadDict(t, src)
	cur := d
	for _, k := range keys[:len(keys)-1] {
		next, ok := get[*pt.OrderedDict](cur, k)
		require.True(t, ok, k)
		cur = next
	}
	require.NoError(t, cur.Set(keys[len(keys)-1], v))
	require.NoError(t, pt.Save(dst, d))
}

// A checkpoint with negative or inconsistent counters is refused before
// anything trains, with one line naming the file and the key (a file with
// epoch -3 and global_step -5 used to train epochs -2 to 2).
func TestResumeRefusesBadCounters(t *testing.T) {
	data := tinyData()
	dir := t.TempDir()
	torch.ManualSeed(0)
	mc := NewModelCheckpoint(ModelCheckpointConfig{})
	tr := newTrainer(t, resumeConfig(t, dir, 1, mc))
	require.NoError(t, tr.Fit(newTiny(), data, ""))
	good := mc.BestModelPath()

	fp := "loops.fit_loop."
	for _, tc := range []struct {
		name string
		v    any
		keys []string
		key  string
	}{
		{"negative epoch", int64(-3), []string{"epoch"}, `"epoch" is -3`},
		{"negative step", int64(-5), []string{"global_step"}, `"global_step" is -5`},
		{"float epoch", 1.5, []string{"epoch"}, `"epoch" is a float`},
		{"epoch disagrees", int64(4), []string{"epoch"}, `"epoch" is 4 but loops.fit_loop.epoch_progress.current.completed is 0`},
		{"step disagrees", int64(7), []string{"global_step"}, `"global_step" is 7`},
		{"negative progress", int64(-1), []string{"loops", "fit_loop", "epoch_loop.batch_progress", "total", "ready"},
			`"` + fp + `epoch_loop.batch_progress.total.ready" is -1`},
		{"negative batches_that_stepped", int64(-2), []string{"loops", "fit_loop", "epoch_loop.state_dict", "_batches_that_stepped"},
			`"` + fp + `epoch_loop.state_dict._batches_that_stepped" is -2`},
		{"negative torchgo batches", int64(-1), []string{"loops", "torchgo", "batches_in_epoch"}, `"loops.torchgo.batches_in_epoch" is -1`},
		{"torchgo batches beyond the epoch", int64(9), []string{"loops", "torchgo", "batches_in_epoch"},
			`"loops.torchgo.batches_in_epoch" is 9, more than the 4 training batches`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := filepath.Join(t.TempDir(), "bad.ckpt")
			editCheckpoint(t, good, bad, tc.v, tc.keys...)
			if tc.name == "torchgo batches beyond the epoch" {
				editCheckpoint(t, bad, bad, false, "loops", "torchgo", "epoch_processed")
			}
			epochs := &epochRecorder{}
			cfg := resumeConfig(t, t.TempDir(), 3, epochs)
			cfg.DisableCheckpointing = true
			tr := newTrainer(t, cfg)
			err := tr.Fit(newTiny(), data, bad)
			require.Error(t, err)
			require.NotContains(t, err.Error(), "\n")
			require.Contains(t, err.Error(), bad)
			require.Contains(t, err.Error(), tc.key)
			require.Empty(t, epochs.started, "no epoch ran")
		})
	}
}
