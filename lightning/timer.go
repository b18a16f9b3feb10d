package lightning

import (
	"time"

	"github.com/torchgo/torchgo/torch"
)

// Timer stops training after a duration (Lightning's Timer) and measures
// the time spent in each stage.
type Timer struct {
	CallbackBase
	// Duration is the training time allowed; 0: unlimited.
	Duration time.Duration
	// Interval checks after each "step" (default) or "epoch".
	Interval string

	start   map[string]time.Time
	elapsed map[string]time.Duration
}

func (tm *Timer) begin(stage string) {
	if tm.start == nil {
		tm.start, tm.elapsed = map[string]time.Time{}, map[string]time.Duration{}
	}
	tm.start[stage] = time.Now()
}

func (tm *Timer) end(stage string) {
	if s, ok := tm.start[stage]; ok {
		tm.elapsed[stage] += time.Since(s)
		delete(tm.start, stage)
	}
}

// TimeElapsed is the time spent in stage ("train", "validate", "test",
// "predict") so far.
func (tm *Timer) TimeElapsed(stage string) time.Duration {
	d := tm.elapsed[stage]
	if s, ok := tm.start[stage]; ok {
		d += time.Since(s)
	}
	return d
}

// TimeRemaining is Duration minus the training time elapsed.
func (tm *Timer) TimeRemaining() time.Duration { return tm.Duration - tm.TimeElapsed("train") }

func (tm *Timer) OnTrainStart(*Trainer, Module)      { tm.begin("train") }
func (tm *Timer) OnTrainEnd(*Trainer, Module)        { tm.end("train") }
func (tm *Timer) OnValidationStart(*Trainer, Module) { tm.begin("validate") }
func (tm *Timer) OnValidationEnd(*Trainer, Module)   { tm.end("validate") }
func (tm *Timer) OnTestStart(*Trainer, Module)       { tm.begin("test") }
func (tm *Timer) OnTestEnd(*Trainer, Module)         { tm.end("test") }
func (tm *Timer) OnPredictStart(*Trainer, Module)    { tm.begin("predict") }
func (tm *Timer) OnPredictEnd(*Trainer, Module)      { tm.end("predict") }

// OnTrainBatchEnd checks the time limit after each step.
func (tm *Timer) OnTrainBatchEnd(t *Trainer, _ Module, _ *torch.Tensor, _ any, _ int) {
	if tm.Interval != "epoch" {
		tm.check(t)
	}
}

// OnTrainEpochEnd checks the time limit after each epoch.
func (tm *Timer) OnTrainEpochEnd(t *Trainer, _ Module) {
	if tm.Interval == "epoch" {
		tm.check(t)
	}
}

func (tm *Timer) check(t *Trainer) {
	if tm.Duration > 0 && tm.TimeElapsed("train") >= tm.Duration && !t.shouldStop {
		t.shouldStop = true
		t.info("Time limit reached. Elapsed time is %s. Signaling Trainer to stop.", tm.TimeElapsed("train").Round(time.Second))
	}
}
