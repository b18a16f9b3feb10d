package optim

import (
	"fmt"
	"math"
	"slices"

	"github.com/torchgo/torchgo/torch/pt"
)

var (
	_ LRScheduler = (*LambdaLR)(nil)
	_ LRScheduler = (*MultiplicativeLR)(nil)
	_ LRScheduler = (*ConstantLR)(nil)
	_ LRScheduler = (*PolynomialLR)(nil)
	_ LRScheduler = (*ChainedScheduler)(nil)
	_ LRScheduler = (*CyclicLR)(nil)
	_ LRScheduler = (*CosineAnnealingWarmRestarts)(nil)
)

// lambdas spreads one function over n groups, or checks that there is one
// per group.
func lambdas(name string, fs []func(epoch int) float64, n int) ([]func(epoch int) float64, error) {
	for i, f := range fs {
		if f == nil {
			return nil, fmt.Errorf("optim: %s: lr_lambda %d is nil", name, i)
		}
	}
	switch len(fs) {
	case 1:
		out := make([]func(int) float64, n)
		for i := range out {
			out[i] = fs[0]
		}
		return out, nil
	case n:
		return slices.Clone(fs), nil
	}
	return nil, fmt.Errorf("optim: %s: Expected %d lr_lambdas, but got %d", name, n, len(fs))
}

// noneList is PyTorch's "lr_lambdas" entry for plain functions: [None]*n
// (a function is not saved; only a callable object's __dict__ would be).
func noneList(n int) []any { return make([]any, n) }

// lrLambdas checks a saved "lr_lambdas" entry: a list with one entry per
// lambda. Entries that are dicts (a Python callable object's attributes)
// have nothing to update on a Go function and are ignored.
func (l *loader) lrLambdas(sd *pt.OrderedDict, n int) {
	if v, ok := sd.Get("lr_lambdas"); ok {
		list, ok := v.([]any)
		if !ok || len(list) != n {
			l.fail("lr_lambdas", v, fmt.Sprintf("a list of %d entries", n))
		}
	}
}

// LambdaLR sets each group's learning rate to its initial one times a
// function of the epoch, as torch.optim.lr_scheduler.LambdaLR.
type LambdaLR struct {
	lrCore
	lambdas []func(epoch int) float64
}

// NewLambdaLR returns a LambdaLR over opt with one function for every group
// or one per group; lr = initial_lr * f(epoch). It takes the initial step
// (f(0)). Its state dict, like PyTorch's, does not save the functions.
func NewLambdaLR(opt ParamGrouper, lrLambda ...func(epoch int) float64) (*LambdaLR, error) {
	if err := checkGroups("LambdaLR", opt); err != nil {
		return nil, err
	}
	fs, err := lambdas("LambdaLR", lrLambda, len(opt.ParamGroups()))
	if err != nil {
		return nil, err
	}
	s := &LambdaLR{lambdas: fs}
	if err := s.init("LambdaLR", opt, s.getLR, nil); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *LambdaLR) getLR() []float64 {
	out := make([]float64, len(s.baseLRs))
	for i, b := range s.baseLRs {
		out[i] = b * s.lambdas[i](int(s.lastEpoch))
	}
	return out
}

// StateDict returns PyTorch's LambdaLR state entries; "lr_lambdas" is
// [None, ...], as PyTorch saves plain functions.
func (s *LambdaLR) StateDict() *pt.OrderedDict {
	d := s.commonDict(pt.NewDict())
	d.MustSet("lr_lambdas", noneList(len(s.lambdas)))
	return d
}

// LoadStateDict restores a LambdaLR state; the functions stay this
// scheduler's own.
func (s *LambdaLR) LoadStateDict(sd *pt.OrderedDict) error {
	l := &loader{name: "LambdaLR"}
	l.lrLambdas(sd, len(s.lambdas))
	l.common(sd, &s.lrCore)
	return l.apply()
}

// MultiplicativeLR multiplies each group's learning rate by a function of
// the epoch every epoch, as torch.optim.lr_scheduler.MultiplicativeLR.
type MultiplicativeLR struct {
	lrCore
	lambdas []func(epoch int) float64
}

// NewMultiplicativeLR returns a MultiplicativeLR over opt with one function
// for every group or one per group; from epoch 1 on, lr = lr * f(epoch). It
// takes the initial step. Its state dict, like PyTorch's, does not save the
// functions.
func NewMultiplicativeLR(opt ParamGrouper, lrLambda ...func(epoch int) float64) (*MultiplicativeLR, error) {
	if err := checkGroups("MultiplicativeLR", opt); err != nil {
		return nil, err
	}
	fs, err := lambdas("MultiplicativeLR", lrLambda, len(opt.ParamGroups()))
	if err != nil {
		return nil, err
	}
	s := &MultiplicativeLR{lambdas: fs}
	if err := s.init("MultiplicativeLR", opt, s.getLR, nil); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *MultiplicativeLR) getLR() []float64 {
	lrs := s.lrs()
	if s.lastEpoch > 0 {
		for i := range lrs {
			lrs[i] *= s.lambdas[i](int(s.lastEpoch))
		}
	}
	return lrs
}

// StateDict returns PyTorch's MultiplicativeLR state entries; "lr_lambdas"
// is [None, ...], as PyTorch saves plain functions.
func (s *MultiplicativeLR) StateDict() *pt.OrderedDict {
	d := s.commonDict(pt.NewDict())
	d.MustSet("lr_lambdas", noneList(len(s.lambdas)))
	return d
}

// LoadStateDict restores a MultiplicativeLR state; the functions stay this
// scheduler's own.
func (s *MultiplicativeLR) LoadStateDict(sd *pt.OrderedDict) error {
	l := &loader{name: "MultiplicativeLR"}
	l.lrLambdas(sd, len(s.lambdas))
	l.common(sd, &s.lrCore)
	return l.apply()
}

// ConstantLR multiplies the learning rate by a constant factor until epoch
// TotalIters, as torch.optim.lr_scheduler.ConstantLR.
type ConstantLR struct {
	lrCore
	factor     float64
	totalIters int64
}

// NewConstantLR returns a ConstantLR over opt; factor is in [0, 1]
// (PyTorch's defaults: factor 1/3, 5 iterations). It takes the initial
// step.
func NewConstantLR(opt ParamGrouper, factor float64, totalIters int) (*ConstantLR, error) {
	if factor > 1.0 || factor < 0 || math.IsNaN(factor) {
		return nil, fmt.Errorf("optim: ConstantLR: factor %v: constant multiplicative factor expected to be between 0 and 1", factor)
	}
	s := &ConstantLR{factor: factor, totalIters: int64(totalIters)}
	if err := s.init("ConstantLR", opt, s.getLR, s.closed); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *ConstantLR) getLR() []float64 {
	switch {
	case s.lastEpoch == 0:
		return s.sameLRs(func(lr float64) float64 { return lr * s.factor })
	case s.lastEpoch != s.totalIters:
		return s.sameLRs(keep)
	}
	return s.sameLRs(func(lr float64) float64 { return lr * (1.0 / s.factor) })
}

func (s *ConstantLR) closed() []float64 {
	done := 0.0
	if s.lastEpoch >= s.totalIters {
		done = 1
	}
	f := s.factor + float64(done*(1-s.factor))
	out := make([]float64, len(s.baseLRs))
	for i, b := range s.baseLRs {
		out[i] = b * f
	}
	return out
}

// StateDict returns PyTorch's ConstantLR state entries.
func (s *ConstantLR) StateDict() *pt.OrderedDict {
	d := pt.NewDict()
	d.MustSet("factor", s.factor)
	d.MustSet("total_iters", s.totalIters)
	return s.commonDict(d)
}

// LoadStateDict restores a ConstantLR state.
func (s *ConstantLR) LoadStateDict(sd *pt.OrderedDict) error {
	l := &loader{name: "ConstantLR"}
	l.float(sd, "factor", &s.factor)
	l.int(sd, "total_iters", &s.totalIters)
	l.common(sd, &s.lrCore)
	return l.apply()
}

// PolynomialLR decays the learning rate polynomially to 0 over TotalIters
// epochs, as torch.optim.lr_scheduler.PolynomialLR.
type PolynomialLR struct {
	lrCore
	totalIters int64
	power      float64
}

// NewPolynomialLR returns a PolynomialLR over opt (PyTorch's defaults: 5
// iterations, power 1.0). It takes the initial step.
func NewPolynomialLR(opt ParamGrouper, totalIters int, power float64) (*PolynomialLR, error) {
	if totalIters <= 0 {
		return nil, fmt.Errorf("optim: PolynomialLR: total_iters %d must be > 0", totalIters)
	}
	s := &PolynomialLR{totalIters: int64(totalIters), power: power}
	if err := s.init("PolynomialLR", opt, s.getLR, s.closed); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *PolynomialLR) getLR() []float64 {
	if s.lastEpoch == 0 || s.lastEpoch > s.totalIters {
		return s.sameLRs(keep)
	}
	e, T := float64(s.lastEpoch), float64(s.totalIters)
	f := cpow((1.0-e/T)/(1.0-(e-1)/T), s.power)
	return s.sameLRs(func(lr float64) float64 { return lr * f })
}

func (s *PolynomialLR) closed() []float64 {
	T := float64(s.totalIters)
	f := cpow(1.0-float64(min(s.totalIters, s.lastEpoch))/T, s.power)
	out := make([]float64, len(s.baseLRs))
	for i, b := range s.baseLRs {
		out[i] = b * f
	}
	return out
}

// StateDict returns PyTorch's PolynomialLR state entries.
func (s *PolynomialLR) StateDict() *pt.OrderedDict {
	d := pt.NewDict()
	d.MustSet("total_iters", s.totalIters)
	d.MustSet("power", s.power)
	return s.commonDict(d)
}

// LoadStateDict restores a PolynomialLR state.
func (s *PolynomialLR) LoadStateDict(sd *pt.OrderedDict) error {
	l := &loader{name: "PolynomialLR"}
	l.int(sd, "total_iters", &s.totalIters)
	l.float(sd, "power", &s.power)
	l.common(sd, &s.lrCore)
	return l.apply()
}

// ChainedScheduler steps several schedulers of one optimizer together, each
// Step, so that their changes compound, as
// torch.optim.lr_scheduler.ChainedScheduler. Like PyTorch's it takes no
// step of its own when constructed.
type ChainedScheduler struct {
	schedulers []LRScheduler
	lastLR     []float64
}

// NewChainedScheduler returns a ChainedScheduler of schedulers (at least
// one, all on the same optimizer).
func NewChainedScheduler(schedulers ...LRScheduler) (*ChainedScheduler, error) {
	if len(schedulers) == 0 {
		return nil, fmt.Errorf("optim: ChainedScheduler: no schedulers")
	}
	for i, s := range schedulers {
		if s == nil {
			return nil, fmt.Errorf("optim: ChainedScheduler: scheduler %d is nil", i)
		}
		if s.core().opt != schedulers[0].core().opt {
			return nil, fmt.Errorf("optim: ChainedScheduler: expects all schedulers to belong to the same optimizer, but got schedulers at index 0 and %d to be different", i)
		}
	}
	c := &ChainedScheduler{schedulers: slices.Clone(schedulers)}
	c.lastLR = groupLRs(c.core().opt)
	return c, nil
}

// Step steps every scheduler, in order.
func (c *ChainedScheduler) Step() {
	for _, s := range c.schedulers {
		s.Step()
	}
	c.lastLR = groupLRs(c.core().opt)
}

// LastLR returns the learning rates after the last step (at construction,
// the groups' then).
func (c *ChainedScheduler) LastLR() []float64 { return slices.Clone(c.lastLR) }

// LastEpoch returns the first scheduler's last epoch (PyTorch's
// ChainedScheduler has none of its own).
func (c *ChainedScheduler) LastEpoch() int64 { return c.schedulers[0].LastEpoch() }

func (c *ChainedScheduler) core() *lrCore { return c.schedulers[0].core() }

// StateDict returns PyTorch's ChainedScheduler state entries: "_last_lr"
// and each scheduler's state dict under "_schedulers".
func (c *ChainedScheduler) StateDict() *pt.OrderedDict {
	d := pt.NewDict()
	d.MustSet("_last_lr", floatList(c.lastLR))
	subs := make([]any, len(c.schedulers))
	for i, s := range c.schedulers {
		subs[i] = s.StateDict()
	}
	d.MustSet("_schedulers", subs)
	return d
}

// LoadStateDict restores a ChainedScheduler state and its schedulers'.
func (c *ChainedScheduler) LoadStateDict(sd *pt.OrderedDict) error {
	l := &loader{name: "ChainedScheduler"}
	l.floats(sd, "_last_lr", &c.lastLR, -1)
	return loadSubSchedulers(l, sd, c.schedulers)
}

// loadSubSchedulers loads sd["_schedulers"] into schedulers and then l's
// entries, changing nothing when any of them is invalid.
func loadSubSchedulers(l *loader, sd *pt.OrderedDict, schedulers []LRScheduler) error {
	var subs []*pt.OrderedDict
	if v, ok := sd.Get("_schedulers"); ok {
		list, ok := v.([]any)
		if !ok || len(list) != len(schedulers) {
			l.fail("_schedulers", v, fmt.Sprintf("a list of %d dicts", len(schedulers)))
		}
		for _, it := range list {
			d, ok := it.(*pt.OrderedDict)
			if !ok {
				l.fail("_schedulers", v, "a list of dicts")
				break
			}
			subs = append(subs, d)
		}
	}
	if l.err != nil {
		return l.err
	}
	saved := make([]*pt.OrderedDict, len(subs))
	for i := range subs {
		saved[i] = schedulers[i].StateDict()
		if err := schedulers[i].LoadStateDict(subs[i]); err != nil {
			for j := 0; j < i; j++ {
				_ = schedulers[j].LoadStateDict(saved[j])
			}
			return err
		}
	}
	return l.apply()
}

// CyclicLROptions are the options of CyclicLR, as
// torch.optim.lr_scheduler.CyclicLR's arguments. BaseLR and MaxLR are
// required; for the other fields the zero value is PyTorch's default.
type CyclicLROptions struct {
	// BaseLR and MaxLR are the cycle's lower and upper learning rates
	// (base_lr, max_lr): one value for every group, or one per group.
	BaseLR, MaxLR []float64
	// StepSizeUp is the number of iterations of the rising half of a
	// cycle (step_size_up), > 0; 0 means 2000.
	StepSizeUp float64
	// StepSizeDown is the number of iterations of the falling half
	// (step_size_down), >= 0; nil means StepSizeUp.
	StepSizeDown *float64
	// Mode is "triangular" (the default, for ""), "triangular2" (the
	// amplitude halves each cycle) or "exp_range" (it decays by
	// Gamma**iteration); ignored when ScaleFn is set (mode).
	Mode string
	// Gamma is exp_range's decay (gamma); nil means 1.0.
	Gamma *float64
	// ScaleFn, when set, replaces Mode's amplitude scaling: it gets the
	// cycle number (ScaleMode "cycle", the default for "") or the
	// iteration ("iterations") and returns a factor (scale_fn,
	// scale_mode). Like a Python function, it is not saved in the state
	// dict.
	ScaleFn   func(x float64) float64
	ScaleMode string
	// CycleMomentum cycles the group's "momentum" inversely to the
	// learning rate (cycle_momentum); nil means true. PyTorch 1.13 needs
	// an optimizer with "momentum" for it (Adam's "betas" is refused).
	CycleMomentum *bool
	// BaseMomentum and MaxMomentum bound the momentum (base_momentum,
	// max_momentum): one value, or one per group; nil means 0.8 and 0.9.
	BaseMomentum, MaxMomentum []float64
}

// CyclicLR cycles the learning rate (and the momentum, inversely) between
// two bounds, stepped after every batch, as
// torch.optim.lr_scheduler.CyclicLR (its policies triangular, triangular2
// and exp_range, or a custom scale function).
type CyclicLR struct {
	lrCore
	maxLRs        []float64
	totalSize     float64
	stepRatio     float64
	mode          string
	gamma         float64
	scaleFn       func(float64) float64 // nil: mode's
	scaleMode     string
	cycleMomentum bool
	baseMs, maxMs []float64
}

func formatParam(name string, v []float64, def float64, n int) ([]float64, error) {
	switch len(v) {
	case 0:
		if math.IsNaN(def) {
			return nil, fmt.Errorf("optim: CyclicLR: %s is required", name)
		}
		v = []float64{def}
		fallthrough
	case 1:
		out := make([]float64, n)
		for i := range out {
			out[i] = v[0]
		}
		return out, nil
	case n:
		return slices.Clone(v), nil
	}
	return nil, fmt.Errorf("optim: CyclicLR: expected %d values for %s, got %d", n, name, len(v))
}

// NewCyclicLR returns a CyclicLR over opt. Like PyTorch's it sets each
// group's lr to its base lr (and, when cycling momentum, its "momentum" to
// the base momentum), then takes the initial step.
func NewCyclicLR(opt ParamGrouper, o CyclicLROptions) (*CyclicLR, error) {
	if err := checkGroups("CyclicLR", opt); err != nil {
		return nil, err
	}
	groups := opt.ParamGroups()
	n := len(groups)
	baseLRs, err := formatParam("base_lr", o.BaseLR, math.NaN(), n)
	if err != nil {
		return nil, err
	}
	s := &CyclicLR{}
	if s.maxLRs, err = formatParam("max_lr", o.MaxLR, math.NaN(), n); err != nil {
		return nil, err
	}
	up := o.StepSizeUp
	if up == 0 {
		up = 2000
	}
	down := up
	if o.StepSizeDown != nil {
		down = *o.StepSizeDown
	}
	if !(up > 0) || !(down >= 0) {
		return nil, fmt.Errorf("optim: CyclicLR: step sizes must be > 0 (up) and >= 0 (down), got %v and %v", up, down)
	}
	s.totalSize = up + down
	s.stepRatio = up / s.totalSize
	s.mode = o.Mode
	if s.mode == "" {
		s.mode = "triangular"
	}
	if o.ScaleFn == nil && s.mode != "triangular" && s.mode != "triangular2" && s.mode != "exp_range" {
		return nil, fmt.Errorf("optim: CyclicLR: mode %q is invalid and scale_fn is None", o.Mode)
	}
	s.gamma = or(o.Gamma, 1.)
	if o.ScaleFn != nil {
		s.scaleFn = o.ScaleFn
		s.scaleMode = o.ScaleMode
		if s.scaleMode == "" {
			s.scaleMode = "cycle"
		}
		if s.scaleMode != "cycle" && s.scaleMode != "iterations" {
			return nil, fmt.Errorf("optim: CyclicLR: scale_mode %q must be 'cycle' or 'iterations'", o.ScaleMode)
		}
	} else if s.mode == "exp_range" {
		s.scaleMode = "iterations"
	} else {
		s.scaleMode = "cycle"
	}
	s.cycleMomentum = o.CycleMomentum == nil || *o.CycleMomentum
	if s.cycleMomentum {
		if !hasOption(opt, "momentum") {
			return nil, fmt.Errorf("optim: CyclicLR: optimizer must support momentum with `cycle_momentum` option enabled")
		}
		bm, err := formatParam("base_momentum", o.BaseMomentum, 0.8, n)
		if err != nil {
			return nil, err
		}
		if s.maxMs, err = formatParam("max_momentum", o.MaxMomentum, 0.9, n); err != nil {
			return nil, err
		}
		for i, g := range groups {
			if err := g.Set("momentum", bm[i]); err != nil {
				return nil, fmt.Errorf("optim: CyclicLR: base_momentum: %w", trimPrefix(err))
			}
		}
		for _, g := range groups {
			s.baseMs = append(s.baseMs, g.Float("momentum"))
		}
	}
	for i, g := range groups {
		g.SetLR(baseLRs[i])
	}
	if err := s.init("CyclicLR", opt, s.getLR, nil); err != nil {
		return nil, err
	}
	s.baseLRs = baseLRs
	return s, nil
}

func (s *CyclicLR) scale(x float64) float64 {
	switch {
	case s.scaleFn != nil:
		return s.scaleFn(x)
	case s.mode == "triangular2":
		return 1 / cpow(2., x-1)
	case s.mode == "exp_range":
		return cpow(s.gamma, x)
	}
	return 1.
}

func (s *CyclicLR) getLR() []float64 {
	e := float64(s.lastEpoch)
	cycle := math.Floor(1 + e/s.totalSize)
	x := 1. + e/s.totalSize - cycle
	var scaleFactor float64
	if x <= s.stepRatio {
		scaleFactor = x / s.stepRatio
	} else {
		scaleFactor = (x - 1) / (s.stepRatio - 1)
	}
	arg := cycle
	if s.scaleMode != "cycle" {
		arg = e
	}
	lrs := make([]float64, len(s.baseLRs))
	for i, b := range s.baseLRs {
		height := float64((s.maxLRs[i] - b) * scaleFactor)
		lrs[i] = b + float64(height*s.scale(arg))
	}
	if s.cycleMomentum {
		for i, g := range s.opt.ParamGroups() {
			if i >= len(s.baseMs) {
				break
			}
			height := float64((s.maxMs[i] - s.baseMs[i]) * scaleFactor)
			g.dict().MustSet("momentum", s.maxMs[i]-float64(height*s.scale(arg)))
		}
	}
	return lrs
}

// StateDict returns PyTorch's CyclicLR state entries except
// "_scale_fn_ref" (a weak reference to a method, which PyTorch 1.13's own
// torch.save cannot pickle: drop it from a Python state dict before
// saving; load_state_dict keeps the scheduler's own) and, with a ScaleFn,
// "_scale_fn_custom" (a function is not saved).
func (s *CyclicLR) StateDict() *pt.OrderedDict {
	d := pt.NewDict()
	d.MustSet("max_lrs", floatList(s.maxLRs))
	d.MustSet("total_size", s.totalSize)
	d.MustSet("step_ratio", s.stepRatio)
	d.MustSet("mode", s.mode)
	d.MustSet("gamma", s.gamma)
	if s.scaleFn == nil {
		d.MustSet("_scale_fn_custom", nil)
	}
	d.MustSet("scale_mode", s.scaleMode)
	d.MustSet("cycle_momentum", s.cycleMomentum)
	if s.cycleMomentum {
		d.MustSet("base_momentums", floatList(s.baseMs))
		d.MustSet("max_momentums", floatList(s.maxMs))
	}
	return s.commonDict(d)
}

// LoadStateDict restores a CyclicLR state (the scale function stays this
// scheduler's own).
func (s *CyclicLR) LoadStateDict(sd *pt.OrderedDict) error {
	l := &loader{name: "CyclicLR"}
	n := len(s.opt.ParamGroups())
	l.floats(sd, "max_lrs", &s.maxLRs, n)
	l.float(sd, "total_size", &s.totalSize)
	l.float(sd, "step_ratio", &s.stepRatio)
	l.str(sd, "mode", &s.mode)
	l.float(sd, "gamma", &s.gamma)
	l.str(sd, "scale_mode", &s.scaleMode, "cycle", "iterations")
	l.bool(sd, "cycle_momentum", &s.cycleMomentum)
	l.floats(sd, "base_momentums", &s.baseMs, n)
	l.floats(sd, "max_momentums", &s.maxMs, n)
	l.common(sd, &s.lrCore)
	return l.apply()
}

// CosineAnnealingWarmRestarts anneals the learning rate along a cosine from
// its initial value to EtaMin over T_i epochs and then restarts, with T_i
// starting at T0 and multiplied by TMult at each restart, as
// torch.optim.lr_scheduler.CosineAnnealingWarmRestarts.
type CosineAnnealingWarmRestarts struct {
	lrCore
	t0, tI, tMult int64
	etaMin        float64
	tCur          float64
	tCurFloat     bool // T_cur is a Python float (after a fractional epoch)
}

// NewCosineAnnealingWarmRestarts returns a CosineAnnealingWarmRestarts over
// opt: t0 > 0 epochs in the first period, tMult >= 1 (PyTorch's defaults:
// tMult 1, etaMin 0). It takes the initial step.
func NewCosineAnnealingWarmRestarts(opt ParamGrouper, t0, tMult int, etaMin float64) (*CosineAnnealingWarmRestarts, error) {
	if t0 <= 0 {
		return nil, fmt.Errorf("optim: CosineAnnealingWarmRestarts: Expected positive integer T_0, but got %d", t0)
	}
	if tMult < 1 {
		return nil, fmt.Errorf("optim: CosineAnnealingWarmRestarts: Expected integer T_mult >= 1, but got %d", tMult)
	}
	s := &CosineAnnealingWarmRestarts{t0: int64(t0), tI: int64(t0), tMult: int64(tMult), etaMin: etaMin, tCur: -1}
	if err := s.attach("CosineAnnealingWarmRestarts", opt); err != nil {
		return nil, err
	}
	s.getLR = s.lrsNow
	s.override = s.stepInt
	s.initialStep()
	return s, nil
}

func (s *CosineAnnealingWarmRestarts) lrsNow() []float64 {
	out := make([]float64, len(s.baseLRs))
	for i, b := range s.baseLRs {
		out[i] = s.etaMin + float64((b-s.etaMin)*(1+ccos(math.Pi*s.tCur/float64(s.tI))))/2
	}
	return out
}

// stepInt is step(epoch) with an int epoch (or none).
func (s *CosineAnnealingWarmRestarts) stepInt(epoch *int64) {
	if epoch == nil && s.lastEpoch < 0 {
		zero := int64(0)
		epoch = &zero
	}
	if epoch == nil {
		s.tCur++
		if s.tCur >= float64(s.tI) {
			s.tCur -= float64(s.tI)
			s.tI *= s.tMult
		}
		s.finish(float64(s.lastEpoch + 1))
		return
	}
	s.setEpoch(float64(*epoch), false)
}

// setEpoch is the explicit-epoch branch of step(epoch); isFloat says
// whether epoch is a Python float.
func (s *CosineAnnealingWarmRestarts) setEpoch(epoch float64, isFloat bool) {
	switch {
	case epoch >= float64(s.t0) && s.tMult == 1:
		s.tCur = math.Mod(epoch, float64(s.t0)) // exact, as Python's % for non-negative operands
		s.tCurFloat = isFloat
	case epoch >= float64(s.t0):
		m := float64(s.tMult)
		n := int64(clog(float64(epoch/float64(s.t0)*(m-1))+1) / clog(m)) // int(math.log(x, T_mult))
		pw := int64(1)
		for range n {
			pw *= s.tMult
		}
		s.tCur = epoch - float64(s.t0*(pw-1))/float64(s.tMult-1)
		s.tCurFloat = true
		s.tI = s.t0 * pw
	default:
		s.tI = s.t0
		s.tCur = epoch
		s.tCurFloat = isFloat
	}
	s.finish(epoch)
}

func (s *CosineAnnealingWarmRestarts) finish(epoch float64) {
	s.lastEpoch = int64(math.Floor(epoch))
	groups := s.opt.ParamGroups()
	for i, lr := range s.lrsNow() {
		if i < len(groups) {
			groups[i].SetLR(lr)
		}
	}
	s.lastLR = groupLRs(s.opt)
}

// StepEpoch sets the schedule to a possibly fractional epoch, as PyTorch's
// scheduler.step(epoch) with a float epoch (e.g. epoch + batch/batches,
// stepped after each batch). It returns an error for a negative epoch.
func (s *CosineAnnealingWarmRestarts) StepEpoch(epoch float64) error {
	if epoch < 0 || math.IsNaN(epoch) {
		return fmt.Errorf("optim: CosineAnnealingWarmRestarts: Expected non-negative epoch, but got %v", epoch)
	}
	s.setEpoch(epoch, true)
	return nil
}

// StateDict returns PyTorch's CosineAnnealingWarmRestarts state entries.
// Like PyTorch's, whose step does not count, "_step_count" stays 0.
func (s *CosineAnnealingWarmRestarts) StateDict() *pt.OrderedDict {
	d := pt.NewDict()
	d.MustSet("T_0", s.t0)
	d.MustSet("T_i", s.tI)
	d.MustSet("T_mult", s.tMult)
	d.MustSet("eta_min", pyZero(s.etaMin))
	if s.tCurFloat {
		d.MustSet("T_cur", s.tCur)
	} else {
		d.MustSet("T_cur", int64(s.tCur))
	}
	return s.commonDict(d)
}

// LoadStateDict restores a CosineAnnealingWarmRestarts state.
func (s *CosineAnnealingWarmRestarts) LoadStateDict(sd *pt.OrderedDict) error {
	l := &loader{name: "CosineAnnealingWarmRestarts"}
	l.int(sd, "T_0", &s.t0)
	l.int(sd, "T_i", &s.tI)
	l.int(sd, "T_mult", &s.tMult)
	l.float(sd, "eta_min", &s.etaMin)
	if v, ok := sd.Get("T_cur"); ok {
		f, isNum := toFloat(v)
		if _, isBool := v.(bool); !isNum || isBool {
			l.fail("T_cur", v, "a number")
		} else {
			_, isF := v.(float64)
			l.pending = append(l.pending, func() { s.tCur, s.tCurFloat = f, isF })
		}
	}
	l.common(sd, &s.lrCore)
	return l.apply()
}
