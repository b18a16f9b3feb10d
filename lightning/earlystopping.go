package lightning

import (
	"fmt"
	"math"

	"github.com/torchgo/torchgo/torch/pt"
)

// EarlyStoppingConfig are EarlyStopping's options (Lightning's arguments).
type EarlyStoppingConfig struct {
	// Monitor is the metric to watch (required), e.g. "val_loss".
	Monitor string
	// MinDelta is the least change that counts as an improvement (>= 0).
	MinDelta float64
	// Patience is the number of checks without improvement tolerated;
	// 0 means 3 (Lightning's default); use NoPatience for 0.
	Patience int
	// NoPatience stops at the first check without improvement (patience=0).
	NoPatience bool
	// Mode is "min" (default) or "max".
	Mode string
	// NonStrict ignores a missing Monitor instead of failing (strict=False).
	NonStrict bool
	// NoCheckFinite keeps training when the metric is NaN or infinite
	// (check_finite=False).
	NoCheckFinite bool
	// StoppingThreshold stops once the metric is better than this.
	StoppingThreshold *float64
	// DivergenceThreshold stops once the metric is worse than this.
	DivergenceThreshold *float64
	// Verbose prints the messages.
	Verbose bool
}

// EarlyStopping stops training when a monitored metric stops improving
// (Lightning's EarlyStopping, with its messages).
type EarlyStopping struct {
	CallbackBase
	cfg          EarlyStoppingConfig
	minDelta     float64
	WaitCount    int     // checks since the last improvement (wait_count)
	StoppedEpoch int     // epoch at which it stopped training, 0 if not (stopped_epoch)
	BestScore    float64 // best value so far (best_score)
	// Reason is the message of the last check ("" when none).
	Reason               string
	checkOnTrainEpochEnd bool
}

// NewEarlyStopping returns an EarlyStopping with cfg's options.
func NewEarlyStopping(cfg EarlyStoppingConfig) (*EarlyStopping, error) {
	if cfg.Mode == "" {
		cfg.Mode = "min"
	}
	if cfg.Mode != "min" && cfg.Mode != "max" {
		return nil, fmt.Errorf("lightning: `mode` can be min, max, got %s", cfg.Mode)
	}
	if cfg.Patience == 0 && !cfg.NoPatience {
		cfg.Patience = 3
	}
	es := &EarlyStopping{cfg: cfg, minDelta: math.Abs(cfg.MinDelta)}
	if cfg.Mode == "min" {
		es.minDelta = -es.minDelta
		es.BestScore = math.Inf(1)
	} else {
		es.BestScore = math.Inf(-1)
	}
	return es, nil
}

// StateKey is Lightning's key: "EarlyStopping{'monitor': 'val_loss', 'mode': 'min'}".
func (es *EarlyStopping) StateKey() string {
	return fmt.Sprintf("EarlyStopping{'monitor': %s, 'mode': %s}", pyQuote(es.cfg.Monitor), pyQuote(es.cfg.Mode))
}

// StateDict is Lightning's EarlyStopping.state_dict.
func (es *EarlyStopping) StateDict() *pt.OrderedDict {
	d := pt.NewDict()
	d.MustSet("wait_count", int64(es.WaitCount))
	d.MustSet("stopped_epoch", int64(es.StoppedEpoch))
	d.MustSet("best_score", scalarTensor(es.BestScore)) // a tensor, as Lightning's
	d.MustSet("patience", int64(es.cfg.Patience))
	return d
}

// LoadStateDict restores a state from StateDict.
func (es *EarlyStopping) LoadStateDict(sd *pt.OrderedDict) error {
	es.WaitCount = int(asInt(sd, "wait_count"))
	es.StoppedEpoch = int(asInt(sd, "stopped_epoch"))
	if v, ok := sd.Get("best_score"); ok {
		if f, ok := toF(v); ok {
			es.BestScore = f
		}
	}
	es.cfg.Patience = int(asInt(sd, "patience"))
	return nil
}

// Setup decides when to check: at the end of each training epoch when
// validation runs once per epoch, after validation otherwise.
func (es *EarlyStopping) Setup(t *Trainer, m Module, stage string) {
	vci := t.cfg.ValCheckInterval
	es.checkOnTrainEpochEnd = t.cfg.CheckValEveryNEpoch <= 1 && (vci.IsZero() || (vci.kind == 2 && vci.f == 1))
}

func (es *EarlyStopping) skip(t *Trainer) bool { return t.Fn() != "fit" || t.SanityChecking() }

// OnTrainEpochEnd checks when validation runs once per epoch.
func (es *EarlyStopping) OnTrainEpochEnd(t *Trainer, m Module) {
	if es.checkOnTrainEpochEnd && !es.skip(t) {
		es.check(t)
	}
}

// OnValidationEnd checks otherwise.
func (es *EarlyStopping) OnValidationEnd(t *Trainer, m Module) {
	if !es.checkOnTrainEpochEnd && !es.skip(t) {
		es.check(t)
	}
}

func (es *EarlyStopping) check(t *Trainer) {
	if t.cfg.FastDevRun > 0 {
		return
	}
	logs := t.CallbackMetrics()
	cur, ok := logs[es.cfg.Monitor]
	if !ok {
		msg := fmt.Sprintf("Early stopping conditioned on metric `%s` which is not available. Pass in or modify your `EarlyStopping` callback to use any of the following: `%s`",
			es.cfg.Monitor, joinKeys(sortedKeys(logs)))
		if !es.cfg.NonStrict {
			fail(fmt.Errorf("lightning: %s", msg))
		}
		if es.cfg.Verbose {
			t.info("%s", msg)
		}
		return
	}
	stop, reason := es.evaluate(cur)
	t.shouldStop = t.shouldStop || stop
	if stop {
		es.StoppedEpoch = t.CurrentEpoch()
	}
	es.Reason = reason
	if reason != "" && es.cfg.Verbose {
		t.info("%s", reason)
	}
}

func joinKeys(ks []string) string {
	out := ""
	for i, k := range ks {
		if i > 0 {
			out += "`, `"
		}
		out += k
	}
	return out
}

func (es *EarlyStopping) better(a, b float64) bool {
	if es.cfg.Mode == "max" {
		return a > b
	}
	return a < b
}

// evaluate is Lightning's _evaluate_stopping_criteria.
func (es *EarlyStopping) evaluate(cur float64) (bool, string) {
	order := "<"
	if es.cfg.Mode == "max" {
		order = ">"
	}
	switch {
	case !es.cfg.NoCheckFinite && (math.IsNaN(cur) || math.IsInf(cur, 0)):
		return true, fmt.Sprintf("Monitored metric %s = %s is not finite. Previous best value was %.3f. Signaling Trainer to stop.", es.cfg.Monitor, pyTensor(cur), es.BestScore)
	case es.cfg.StoppingThreshold != nil && es.better(cur, *es.cfg.StoppingThreshold):
		return true, fmt.Sprintf("Stopping threshold reached: %s = %s %s %s. Signaling Trainer to stop.", es.cfg.Monitor, pyTensor(cur), order, pyFloat(*es.cfg.StoppingThreshold))
	case es.cfg.DivergenceThreshold != nil && es.better(-cur, -*es.cfg.DivergenceThreshold):
		return true, fmt.Sprintf("Divergence threshold reached: %s = %s %s %s. Signaling Trainer to stop.", es.cfg.Monitor, pyTensor(cur), order, pyFloat(*es.cfg.DivergenceThreshold))
	case es.better(cur-es.minDelta, es.BestScore):
		var msg string
		if !math.IsInf(es.BestScore, 0) {
			msg = fmt.Sprintf("Metric %s improved by %.3f >= min_delta = %s. New best score: %.3f", es.cfg.Monitor, math.Abs(es.BestScore-cur), pyFloat(math.Abs(es.minDelta)), cur)
		} else {
			msg = fmt.Sprintf("Metric %s improved. New best score: %.3f", es.cfg.Monitor, cur)
		}
		es.BestScore = cur
		es.WaitCount = 0
		return false, msg
	}
	es.WaitCount++
	if es.WaitCount >= es.cfg.Patience {
		return true, fmt.Sprintf("Monitored metric %s did not improve in the last %d records. Best score: %.3f. Signaling Trainer to stop.", es.cfg.Monitor, es.WaitCount, es.BestScore)
	}
	return false, ""
}

// pyFloat writes f as Python's str(float) does (0.1, 1.0, nan, inf).
func pyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return formatPy(f, "", false)
}

// pyTensor writes f as str() of a 0-dim float tensor does ("tensor(0.1235)").
func pyTensor(f float64) string {
	switch {
	case math.IsNaN(f), math.IsInf(f, 0):
		return "tensor(" + pyFloat(f) + ")"
	}
	return fmt.Sprintf("tensor(%.4f)", f)
}
