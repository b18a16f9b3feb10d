package lightning

import (
	"fmt"

	"github.com/torchgo/torchgo/torch"
)

// start runs the beginning of every entry point, as Lightning's
// Trainer._run: configure_callbacks, prepare_data, setup, (restore),
// configure_model, model to device.
func (t *Trainer) start(stage string) {
	m := t.module
	t.callbacks = append([]Callback(nil), t.userCbs...)
	if cc, ok := m.(CallbackConfigurer); ok {
		var extra []Callback
		t.call("configure_callbacks", func() { extra = cc.ConfigureCallbacks() })
		t.callbacks = mergeCallbacks(t.callbacks, extra)
	}
	t.callbacks = reorderCallbacks(t.callbacks)
	if p, ok := t.data.Module.(DataPreparer); ok {
		t.call("prepare_data", p.PrepareData)
	}
	if p, ok := m.(DataPreparer); ok {
		t.call("prepare_data", p.PrepareData)
	}
	if s, ok := t.data.Module.(SetupHook); ok {
		t.call("setup", func() { s.Setup(stage) })
	}
	t.cb("setup", func(c Callback) { c.Setup(t, m, stage) })
	if s, ok := m.(SetupHook); ok {
		t.call("setup", func() { s.Setup(stage) })
	}
}

// configureModel runs configure_model and moves the module to the device.
func (t *Trainer) configureModel() {
	if c, ok := t.module.(ModelConfigurer); ok {
		t.call("configure_model", c.ConfigureModel)
	}
	if t.device.IsCUDA() {
		t.call("to_device", func() { t.module.To(t.device) })
	}
}

// teardown runs the teardown hooks, as Lightning's _call_teardown_hook.
func (t *Trainer) teardown(stage string) {
	m := t.module
	if s, ok := t.data.Module.(TeardownHook); ok {
		t.call("teardown", func() { s.Teardown(stage) })
	}
	t.cb("teardown", func(c Callback) { c.Teardown(t, m, stage) })
	if s, ok := m.(TeardownHook); ok {
		t.call("teardown", func() { s.Teardown(stage) })
	}
}

// mergeCallbacks adds the module's callbacks; one of the same type as a
// trainer callback replaces it (Lightning's _attach_model_callbacks).
func mergeCallbacks(cbs, extra []Callback) []Callback {
	types := map[string]bool{}
	for _, c := range extra {
		types[callbackName(c)] = true
	}
	var out []Callback
	for _, c := range cbs {
		if !types[callbackName(c)] {
			out = append(out, c)
		}
	}
	return append(out, extra...)
}

// reorderCallbacks moves checkpoint callbacks to the end, keeping the
// order otherwise (Lightning's _reorder_callbacks).
func reorderCallbacks(cbs []Callback) []Callback {
	var rest, ckpt []Callback
	for _, c := range cbs {
		if _, ok := c.(*ModelCheckpoint); ok {
			ckpt = append(ckpt, c)
		} else {
			rest = append(rest, c)
		}
	}
	return append(rest, ckpt...)
}

// loader resolves the loader of kind ("train", "val", "test", "predict"):
// Data's explicit loader, else the DataModule's, else the module's.
func (t *Trainer) loader(kind string) Loader {
	var l Loader
	switch kind {
	case "train":
		l = t.data.Train
	case "val":
		l = t.data.Val
	case "test":
		l = t.data.Test
	case "predict":
		l = t.data.Predict
	}
	if l != nil {
		return l
	}
	for _, src := range []any{t.data.Module, t.module} {
		if src == nil {
			continue
		}
		hook := kind + "_dataloader"
		switch kind {
		case "train":
			if p, ok := src.(TrainLoaderProvider); ok {
				t.call(hook, func() { l = p.TrainDataloader() })
				return l
			}
		case "val":
			if p, ok := src.(ValLoaderProvider); ok {
				t.call(hook, func() { l = p.ValDataloader() })
				return l
			}
		case "test":
			if p, ok := src.(TestLoaderProvider); ok {
				t.call(hook, func() { l = p.TestDataloader() })
				return l
			}
		case "predict":
			if p, ok := src.(PredictLoaderProvider); ok {
				t.call(hook, func() { l = p.PredictDataloader() })
				return l
			}
		}
	}
	return nil
}

// hasLoader reports, without calling any hook, whether a loader of kind is
// available.
func (t *Trainer) hasLoader(kind string) bool {
	for _, src := range []any{t.data.Module, t.module} {
		switch kind {
		case "val":
			if _, ok := src.(ValLoaderProvider); ok {
				return true
			}
		case "test":
			if _, ok := src.(TestLoaderProvider); ok {
				return true
			}
		case "predict":
			if _, ok := src.(PredictLoaderProvider); ok {
				return true
			}
		}
	}
	switch kind {
	case "val":
		return t.data.Val != nil
	case "test":
		return t.data.Test != nil
	case "predict":
		return t.data.Predict != nil
	}
	return false
}

// info prints a message of the trainer's, on rank 0 only (as Lightning's
// rank_zero_info).
func (t *Trainer) info(format string, args ...any) {
	if t.cfg.Barebones || !t.IsGlobalZero() {
		return
	}
	fmt.Fprintf(t.out, format+"\n", args...)
}

// forwardContext wraps a step hook in the precision's autocast (Lightning's
// precision plugin forward_context).
func (t *Trainer) forwardContext(f func()) func() {
	switch t.cfg.Precision {
	case "bf16-mixed":
		return func() { torch.Autocast(t.device, torch.BFloat16, f) }
	case "16-mixed":
		return func() { torch.Autocast(t.device, torch.Float16, f) }
	}
	return f
}
