package lightning

import (
	"fmt"
	"reflect"
)

// LearningRateMonitor logs the learning rate of each parameter group
// (Lightning's LearningRateMonitor): keys "lr-SGD" (the optimizer's type)
// or the scheduler's Name, with "/pg2" ... for further groups.
type LearningRateMonitor struct {
	CallbackBase
	// LoggingInterval is "epoch" (log at each epoch start), "step" (log
	// with the step metrics) or "" (both, as Lightning's None).
	LoggingInterval string
}

func (lm *LearningRateMonitor) stats(t *Trainer) map[string]float64 {
	out := map[string]float64{}
	opt := t.Optimizer()
	if opt == nil {
		return out
	}
	ty := reflect.TypeOf(opt)
	for ty.Kind() == reflect.Pointer {
		ty = ty.Elem()
	}
	name := "lr-" + ty.Name()
	for _, s := range t.Schedulers() {
		if s.Name != "" {
			name = s.Name
		}
	}
	for i, g := range opt.ParamGroups() {
		k := name
		if len(opt.ParamGroups()) > 1 {
			k = fmt.Sprintf("%s/pg%d", name, i+1)
		}
		out[k] = g.LR()
	}
	return out
}

// OnTrainEpochStart logs at the start of each epoch.
func (lm *LearningRateMonitor) OnTrainEpochStart(t *Trainer, m Module) {
	if lm.LoggingInterval != "step" {
		t.LogMetrics(lm.stats(t), t.lp.fit.batchesThatStepped)
	}
}

// OnTrainBatchStart logs on logging steps.
func (lm *LearningRateMonitor) OnTrainBatchStart(t *Trainer, m Module, _ any, _ int) {
	if lm.LoggingInterval != "epoch" && (t.lp.fit.batchesThatStepped+1)%t.logEveryN() == 0 {
		t.LogMetrics(lm.stats(t), t.lp.fit.batchesThatStepped)
	}
}
