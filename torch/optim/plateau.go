package optim

import (
	"fmt"
	"math"
	"slices"

	"github.com/torchgo/torchgo/torch/pt"
)

// PlateauOptions are the options of ReduceLROnPlateau, as
// torch.optim.lr_scheduler.ReduceLROnPlateau's arguments. The zero value
// is PyTorch's default: a nil pointer or "" means PyTorch's default value.
type PlateauOptions struct {
	// Mode is "min" ("" means it: the metric should decrease) or "max".
	Mode string
	// Factor multiplies the learning rate on a plateau (factor), < 1; nil
	// means 0.1.
	Factor *float64
	// Patience is the number of epochs without improvement tolerated
	// (patience); nil means 10.
	Patience *int
	// Threshold is the least change that counts as an improvement
	// (threshold); nil means 1e-4.
	Threshold *float64
	// ThresholdMode is "rel" ("" means it: relative to the best) or "abs".
	ThresholdMode string
	// Cooldown is the number of epochs to wait after a reduction before
	// counting bad epochs again (cooldown); default 0.
	Cooldown int
	// MinLR is the lower bound of the learning rate (min_lr): one value
	// for every group or one per group; nil (the default) means PyTorch's
	// default, the int 0.
	MinLR []float64
	// Eps is the least change of the learning rate worth applying (eps);
	// nil means 1e-8.
	Eps *float64
}

// ReduceLROnPlateau lowers the learning rates when a metric stops
// improving, as torch.optim.lr_scheduler.ReduceLROnPlateau. Unlike the
// other schedulers it steps on a metric and takes no initial step.
type ReduceLROnPlateau struct {
	opt                 ParamGrouper
	factor              float64
	minLRs              []float64
	minLRsInt           bool // PyTorch's default min_lr: ints
	patience, cooldown  int64
	cooldownCounter     int64
	mode, thresholdMode string
	threshold           float64
	best, modeWorse     float64
	numBadEpochs        int64
	eps                 float64
	lastEpoch           int64
	lastLR              []float64
}

// NewReduceLROnPlateau returns a ReduceLROnPlateau over opt, or an error
// naming an invalid option.
func NewReduceLROnPlateau(opt ParamGrouper, o PlateauOptions) (*ReduceLROnPlateau, error) {
	if err := checkGroups("ReduceLROnPlateau", opt); err != nil {
		return nil, err
	}
	factor, patience := or(o.Factor, 0.1), 10
	if o.Patience != nil {
		patience = *o.Patience
	}
	mode, thresholdMode := o.Mode, o.ThresholdMode
	if mode == "" {
		mode = "min"
	}
	if thresholdMode == "" {
		thresholdMode = "rel"
	}
	if factor >= 1 {
		return nil, fmt.Errorf("optim: ReduceLROnPlateau: factor %v should be < 1.0", factor)
	}
	n := len(opt.ParamGroups())
	var minLRs []float64
	switch len(o.MinLR) {
	case 0:
		minLRs = make([]float64, n)
	case 1:
		for i := 0; i < n; i++ {
			minLRs = append(minLRs, o.MinLR[0])
		}
	case n:
		minLRs = slices.Clone(o.MinLR)
	default:
		return nil, fmt.Errorf("optim: ReduceLROnPlateau: expected %d min_lrs, got %d", n, len(o.MinLR))
	}
	s := &ReduceLROnPlateau{opt: opt, factor: factor, minLRs: minLRs, patience: int64(patience),
		cooldown: int64(o.Cooldown), threshold: or(o.Threshold, 1e-4), eps: or(o.Eps, 1e-8), minLRsInt: len(o.MinLR) == 0}
	if err := s.initIsBetter(mode, thresholdMode); err != nil {
		return nil, err
	}
	s.best, s.cooldownCounter, s.numBadEpochs = s.modeWorse, 0, 0
	return s, nil
}

func (s *ReduceLROnPlateau) initIsBetter(mode, thresholdMode string) error {
	if mode != "min" && mode != "max" {
		return fmt.Errorf("optim: ReduceLROnPlateau: mode %q is unknown", mode)
	}
	if thresholdMode != "rel" && thresholdMode != "abs" {
		return fmt.Errorf("optim: ReduceLROnPlateau: threshold mode %q is unknown", thresholdMode)
	}
	s.mode, s.thresholdMode = mode, thresholdMode
	s.modeWorse = math.Inf(1)
	if mode == "max" {
		s.modeWorse = math.Inf(-1)
	}
	return nil
}

func (s *ReduceLROnPlateau) isBetter(a, best float64) bool {
	switch {
	case s.mode == "min" && s.thresholdMode == "rel":
		return a < best*(1.-s.threshold)
	case s.mode == "min":
		return a < best-s.threshold
	case s.thresholdMode == "rel":
		return a > best*(s.threshold+1.)
	}
	return a > best+s.threshold
}

// Step records one epoch's metric and lowers the learning rates after more
// than Patience epochs without improvement.
func (s *ReduceLROnPlateau) Step(metric float64) {
	s.lastEpoch++
	if s.isBetter(metric, s.best) {
		s.best = metric
		s.numBadEpochs = 0
	} else {
		s.numBadEpochs++
	}
	if s.cooldownCounter > 0 {
		s.cooldownCounter--
		s.numBadEpochs = 0
	}
	if s.numBadEpochs > s.patience {
		for i, g := range s.opt.ParamGroups() {
			old := g.LR()
			minLR := 0.0
			if i < len(s.minLRs) {
				minLR = s.minLRs[i]
			}
			nl := math.Max(old*s.factor, minLR)
			if old-nl > s.eps {
				g.SetLR(nl)
			}
		}
		s.cooldownCounter = s.cooldown
		s.numBadEpochs = 0
	}
	s.lastLR = groupLRs(s.opt)
}

// LastLR returns the learning rates after the last step (nil before).
func (s *ReduceLROnPlateau) LastLR() []float64 { return slices.Clone(s.lastLR) }

// StateDict returns PyTorch's ReduceLROnPlateau state entries.
func (s *ReduceLROnPlateau) StateDict() *pt.OrderedDict {
	d := pt.NewDict()
	d.MustSet("factor", s.factor)
	mins := make([]any, len(s.minLRs))
	for i, m := range s.minLRs {
		mins[i] = m
		if s.minLRsInt && m == 0 {
			mins[i] = int64(0)
		}
	}
	d.MustSet("min_lrs", mins)
	d.MustSet("patience", s.patience)
	d.MustSet("verbose", false)
	d.MustSet("cooldown", s.cooldown)
	d.MustSet("cooldown_counter", s.cooldownCounter)
	d.MustSet("mode", s.mode)
	d.MustSet("threshold", s.threshold)
	d.MustSet("threshold_mode", s.thresholdMode)
	d.MustSet("best", s.best)
	d.MustSet("num_bad_epochs", s.numBadEpochs)
	d.MustSet("mode_worse", s.modeWorse)
	d.MustSet("eps", s.eps)
	d.MustSet("last_epoch", s.lastEpoch)
	if s.lastLR != nil {
		d.MustSet("_last_lr", floatList(s.lastLR))
	}
	return d
}

// LoadStateDict restores a ReduceLROnPlateau state.
func (s *ReduceLROnPlateau) LoadStateDict(sd *pt.OrderedDict) error {
	l := &loader{name: "ReduceLROnPlateau"}
	l.float(sd, "factor", &s.factor)
	l.floats(sd, "min_lrs", &s.minLRs, len(s.opt.ParamGroups()))
	l.int(sd, "patience", &s.patience)
	l.int(sd, "cooldown", &s.cooldown)
	l.int(sd, "cooldown_counter", &s.cooldownCounter)
	mode, tmode := s.mode, s.thresholdMode
	l.str(sd, "mode", &mode, "min", "max")
	l.float(sd, "threshold", &s.threshold)
	l.str(sd, "threshold_mode", &tmode, "rel", "abs")
	l.float(sd, "best", &s.best)
	l.int(sd, "num_bad_epochs", &s.numBadEpochs)
	l.float(sd, "eps", &s.eps)
	l.int(sd, "last_epoch", &s.lastEpoch)
	l.floats(sd, "_last_lr", &s.lastLR, -1)
	if err := l.apply(); err != nil {
		return err
	}
	return s.initIsBetter(mode, tmode)
}
