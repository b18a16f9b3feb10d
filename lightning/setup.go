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
	callHook(t, "configure_callbacks", m, func(cc CallbackConfigurer) {
		t.callbacks = mergeCallbacks(t.callbacks, cc.ConfigureCallbacks())
	})
	t.callbacks = reorderCallbacks(t.callbacks)
	if stage == "fit" {
		t.checkManual()
	}
	callHook(t, "prepare_data", t.data.Module, DataPreparer.PrepareData)
	callHook(t, "prepare_data", m, DataPreparer.PrepareData)
	setup := func(s SetupHook) { s.Setup(stage) }
	callHook(t, "setup", t.data.Module, setup)
	t.cb("setup", func(c Callback) { c.Setup(t, m, stage) })
	callHook(t, "setup", m, setup)
}

// configureModel runs configure_model and moves the module to the device.
func (t *Trainer) configureModel() {
	callHook(t, "configure_model", t.module, ModelConfigurer.ConfigureModel)
	if t.device.IsCUDA() {
		t.call("to_device", func() { t.module.To(t.device) })
	}
}

// teardown runs the teardown hooks, as Lightning's _call_teardown_hook.
func (t *Trainer) teardown(stage string) {
	m := t.module
	teardown := func(s TeardownHook) { s.Teardown(stage) }
	callHook(t, "teardown", t.data.Module, teardown)
	t.cb("teardown", func(c Callback) { c.Teardown(t, m, stage) })
	callHook(t, "teardown", m, teardown)
}

// mergeCallbacks adds the module's callbacks; one of the same type as a
// trainer callback replaces it (Lightning's _attach_model_callbacks).
func mergeCallbacks(cbs, extra []Callback) []Callback {
	types := map[string]bool{}
	for _, c := range extra {
		types[typeName(c)] = true
	}
	var out []Callback
	for _, c := range cbs {
		if !types[typeName(c)] {
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

// loader resolves stage s's loader: Data's explicit loader, else the
// DataModule's, else the module's (calling its <kind>_dataloader hook).
func (t *Trainer) loader(s *stage) Loader {
	if l := s.data(&t.data); l != nil {
		return l
	}
	for _, src := range []any{t.data.Module, t.module} {
		if load, ok := s.provider(src); ok {
			var l Loader
			t.call(s.kind+"_dataloader", func() { l = load() })
			return l
		}
	}
	return nil
}

// hasLoader reports, without calling any hook, whether stage s has a
// loader.
func (t *Trainer) hasLoader(s *stage) bool {
	for _, src := range []any{t.data.Module, t.module} {
		if _, ok := s.provider(src); ok {
			return true
		}
	}
	return s.data(&t.data) != nil
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
