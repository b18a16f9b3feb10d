package lightning

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/torchgo/torchgo/torch/optim"
	"github.com/torchgo/torchgo/torch/pt"
)

// LearningRateMonitor logs the learning rate of every parameter group of
// every optimizer, as Lightning's LearningRateMonitor does. Keys: the
// optimizers with a scheduler first, in the schedulers' order, under the
// scheduler's Name or else "lr-" and the optimizer's type ("lr-SGD"); then
// the other optimizers, "lr-" and their type. A second unnamed one of the
// same type gets "-1", a third "-2", and so on ("lr-Adam", "lr-Adam-1");
// an optimizer with several groups gets "/pg1", "/pg2", ... (or "/" and a
// group's "name" option) after its key. Values are logged with the step
// metrics (straight to the loggers, without "epoch") and also become
// callback metrics.
type LearningRateMonitor struct {
	CallbackBase
	// LoggingInterval is "epoch" (log at each epoch start), "step" (log
	// on logging steps) or "" (Lightning's None: a scheduler's groups at
	// its own Interval, the other optimizers' at both).
	LoggingInterval string
	// LogMomentum also logs "<key>-momentum": the first of the "betas"
	// of an optimizer that has them (Adam), else the group's "momentum"
	// (0 without one).
	LogMomentum bool
	// LogWeightDecay also logs "<key>-weight_decay", the group's
	// "weight_decay".
	LogWeightDecay bool
}

// lrKeys are the keys of one optimizer's groups, and the interval its
// scheduler steps at ("" without a scheduler).
type lrKeys struct {
	opt      optim.ParamGrouper
	keys     []string
	interval string
}

// keys names every optimizer's groups as Lightning's
// _find_names_from_schedulers and _find_names_from_optimizers do.
func (lm *LearningRateMonitor) keys(t *Trainer) ([]lrKeys, error) {
	var out []lrKeys
	var seen []optim.ParamGrouper
	types := map[reflect.Type]int{}
	name := func(opt optim.ParamGrouper, key string, counted bool) ([]string, error) {
		seen = append(seen, opt)
		ty := reflect.TypeOf(opt)
		if counted {
			types[ty]++
		}
		if n, ok := types[ty]; ok && n > 1 {
			key = fmt.Sprintf("%s-%d", key, n-1)
		}
		groups := opt.ParamGroups()
		keys := make([]string, len(groups))
		used := map[string]bool{}
		for i, g := range groups {
			gname, named := groupName(g)
			if !named {
				gname = fmt.Sprintf("pg%d", i+1)
			}
			if used[gname] {
				return nil, fmt.Errorf("lightning: LearningRateMonitor: a single optimizer cannot have several parameter groups named %q (%s)", gname, key)
			}
			used[gname] = true
			keys[i] = key
			if len(groups) > 1 || (named && gname != "") {
				keys[i] = key + "/" + gname
			}
		}
		return keys, nil
	}
	for _, s := range t.Schedulers() {
		opt := optim.SchedulerOptimizer(s.Scheduler)
		if opt == nil {
			continue
		}
		key := s.Name
		if key == "" {
			key = "lr-" + typeName(opt)
		}
		keys, err := name(opt, key, s.Name == "")
		if err != nil {
			return nil, err
		}
		interval := s.Interval
		if interval == "" {
			interval = "epoch"
		}
		out = append(out, lrKeys{opt, keys, interval})
	}
	for _, opt := range t.Optimizers() {
		if slices.Contains(seen, optim.ParamGrouper(opt)) {
			continue
		}
		keys, err := name(opt, "lr-"+typeName(opt), true)
		if err != nil {
			return nil, err
		}
		out = append(out, lrKeys{opt: opt, keys: keys})
	}
	return out, nil
}

// groupName is a group's "name" option as Python prints it, and whether it
// has one.
func groupName(g *optim.ParamGroup) (string, bool) {
	v, ok := g.Get("name")
	if !ok {
		return "", false
	}
	if s, isStr := v.(string); isStr {
		return s, true
	}
	return fmt.Sprint(v), true
}

// stats reads the groups due at interval ("epoch", "step" or "any").
func (lm *LearningRateMonitor) stats(t *Trainer, interval string) (map[string]float64, error) {
	all, err := lm.keys(t)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, o := range all {
		if o.interval != "" && interval != "any" && o.interval != interval {
			continue
		}
		var betas bool
		if d, ok := o.opt.(interface{ Defaults() *pt.OrderedDict }); ok {
			_, betas = d.Defaults().Get("betas")
		}
		for i, g := range o.opt.ParamGroups() {
			k := o.keys[i]
			out[k] = g.LR()
			if lm.LogMomentum {
				m := g.Float("momentum")
				if betas {
					m = firstBeta(g)
				}
				out[k+"-momentum"] = m
			}
			if lm.LogWeightDecay {
				out[k+"-weight_decay"] = g.Float("weight_decay")
			}
		}
	}
	return out, nil
}

// firstBeta is betas[0] of a group.
func firstBeta(g *optim.ParamGroup) float64 {
	v, _ := g.Get("betas")
	if b, ok := v.(pt.Tuple); ok && len(b) > 0 {
		f, _ := toF(b[0])
		return f
	}
	return 0
}

// log logs the groups due at interval.
func (lm *LearningRateMonitor) log(t *Trainer, interval string) {
	if lm.LoggingInterval != "" {
		interval = "any"
	}
	st, err := lm.stats(t, interval)
	if err != nil {
		panic(err)
	}
	if len(st) > 0 {
		// As Lightning: straight to the loggers (no "epoch" added, not
		// among the logged metrics) and into the callback metrics.
		merge(t.callbackMetrics, st)
		t.toLoggers(st, t.lp.fit.batchesThatStepped)
	}
}

// OnTrainStart fails Fit, as Lightning does, without a logger or when an
// optimizer has two parameter groups of the same name.
func (lm *LearningRateMonitor) OnTrainStart(t *Trainer, m Module) {
	if len(t.Loggers()) == 0 {
		panic(fmt.Errorf("lightning: cannot use LearningRateMonitor with a Trainer that has no logger"))
	}
	if _, err := lm.keys(t); err != nil {
		panic(err)
	}
	if lm.LoggingInterval != "" && lm.LoggingInterval != "step" && lm.LoggingInterval != "epoch" {
		panic(fmt.Errorf("lightning: LearningRateMonitor: LoggingInterval is %q; want \"step\", \"epoch\" or \"\"", lm.LoggingInterval))
	}
}

// OnTrainEpochStart logs at the start of each epoch.
func (lm *LearningRateMonitor) OnTrainEpochStart(t *Trainer, m Module) {
	if lm.LoggingInterval != "step" {
		lm.log(t, "epoch")
	}
}

// OnTrainBatchStart logs on logging steps.
func (lm *LearningRateMonitor) OnTrainBatchStart(t *Trainer, m Module, _ any, _ int) {
	if lm.LoggingInterval != "epoch" && (t.lp.fit.batchesThatStepped+1)%t.logEveryN() == 0 {
		lm.log(t, "step")
	}
}
