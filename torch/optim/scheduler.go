package optim

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/torchgo/torchgo/torch/pt"
)

// LRScheduler changes the learning rates of an optimizer's groups once per
// Step, as torch.optim.lr_scheduler's schedulers do. Like PyTorch's, a
// scheduler takes its first step when constructed (LastEpoch 0): call
// Step after each optimizer.Step (per epoch or per batch, as the schedule
// is meant).
type LRScheduler interface {
	// Step advances the schedule by one epoch and sets the groups' "lr".
	Step()
	// LastLR returns the learning rates the last step set, one per group.
	LastLR() []float64
	// LastEpoch returns the index of the last step (0 after construction).
	LastEpoch() int64
	// StateDict returns the scheduler's state with the entries of
	// PyTorch's scheduler.state_dict() (its __dict__ without the optimizer).
	StateDict() *pt.OrderedDict
	// LoadStateDict restores a state from StateDict or from PyTorch; the
	// entries present replace the current ones, as PyTorch's __dict__
	// update does. On error the scheduler is unchanged.
	LoadStateDict(sd *pt.OrderedDict) error

	core() *lrCore
}

// lrCore is PyTorch's _LRScheduler: the state and stepping every scheduler
// shares.
type lrCore struct {
	opt        ParamGrouper
	baseLRs    []float64
	lastEpoch  int64
	stepCount  int64
	lastLR     []float64
	getLR      func() []float64
	closedForm func() []float64 // nil when PyTorch has no closed form
	// override replaces step for a scheduler with its own step method
	// (CosineAnnealingWarmRestarts); epoch nil is step().
	override func(epoch *int64)
}

// checkGroups checks that opt has groups, each with a numeric "lr", as
// PyTorch's schedulers need (they raise KeyError otherwise).
func checkGroups(name string, opt ParamGrouper) error {
	if opt == nil {
		return fmt.Errorf("optim: %s: nil optimizer", name)
	}
	for i, g := range opt.ParamGroups() {
		if g == nil {
			return fmt.Errorf("optim: %s: param_groups[%d] is nil", name, i)
		}
		v, ok := g.Get("lr")
		if _, isBool := v.(bool); !ok || isBool {
			return fmt.Errorf("optim: %s: param_groups[%d] has no numeric \"lr\"", name, i)
		}
		if _, num := toFloat(v); !num {
			return fmt.Errorf("optim: %s: param_groups[%d] has no numeric \"lr\"", name, i)
		}
	}
	return nil
}

// attach attaches the optimizer, setting "initial_lr" where absent and the
// base learning rates, as _LRScheduler.__init__ does before its first
// step.
func (c *lrCore) attach(name string, opt ParamGrouper) error {
	if err := checkGroups(name, opt); err != nil {
		return err
	}
	c.opt = opt
	for _, g := range opt.ParamGroups() {
		if _, ok := g.Get("initial_lr"); !ok {
			lr, _ := g.Get("lr") // as stored: PyTorch's setdefault keeps an int an int
			g.dict().MustSet("initial_lr", lr)
		}
	}
	c.baseLRs = nil
	for _, g := range opt.ParamGroups() {
		c.baseLRs = append(c.baseLRs, g.Float("initial_lr"))
	}
	c.lastEpoch = -1
	return nil
}

// init attaches the optimizer and takes the initial step.
func (c *lrCore) init(name string, opt ParamGrouper, getLR, closedForm func() []float64) error {
	if err := c.attach(name, opt); err != nil {
		return err
	}
	c.getLR, c.closedForm = getLR, closedForm
	c.initialStep()
	return nil
}

func (c *lrCore) initialStep() {
	c.stepCount = 0
	c.doStep(nil)
}

// doStep is the scheduler's step(epoch): its own, or _LRScheduler's.
func (c *lrCore) doStep(epoch *int64) {
	if c.override != nil {
		c.override(epoch)
		return
	}
	c.step(epoch)
}

// step is _LRScheduler.step: with epoch, the closed form (if any) at that
// epoch.
func (c *lrCore) step(epoch *int64) {
	c.stepCount++
	var values []float64
	if epoch == nil {
		c.lastEpoch++
		values = c.getLR()
	} else {
		c.lastEpoch = *epoch
		if c.closedForm != nil {
			values = c.closedForm()
		} else {
			values = c.getLR()
		}
	}
	groups := c.opt.ParamGroups()
	for i := 0; i < len(groups) && i < len(values); i++ {
		groups[i].SetLR(values[i])
	}
	c.lastLR = groupLRs(c.opt)
}

func groupLRs(opt ParamGrouper) []float64 {
	var out []float64
	for _, g := range opt.ParamGroups() {
		out = append(out, g.LR())
	}
	return out
}

// lrs returns the current lr of each group.
func (c *lrCore) lrs() []float64 { return groupLRs(c.opt) }

func (c *lrCore) core() *lrCore { return c }

// SchedulerOptimizer returns what s drives (scheduler.optimizer) when s is
// an LRScheduler or a *ReduceLROnPlateau, else nil.
func SchedulerOptimizer(s any) ParamGrouper {
	switch x := s.(type) {
	case LRScheduler:
		return x.core().opt
	case *ReduceLROnPlateau:
		return x.opt
	}
	return nil
}

// Step advances the schedule by one epoch.
func (c *lrCore) Step() { c.doStep(nil) }

// LastLR returns the learning rates set by the last step.
func (c *lrCore) LastLR() []float64 { return slices.Clone(c.lastLR) }

// LastEpoch returns the index of the last step.
func (c *lrCore) LastEpoch() int64 { return c.lastEpoch }

// commonDict appends the _LRScheduler entries after a scheduler's own.
func (c *lrCore) commonDict(d *pt.OrderedDict) *pt.OrderedDict {
	d.MustSet("base_lrs", floatList(c.baseLRs))
	d.MustSet("last_epoch", c.lastEpoch)
	d.MustSet("verbose", false)
	d.MustSet("_step_count", c.stepCount)
	d.MustSet("_get_lr_called_within_step", false)
	d.MustSet("_last_lr", floatList(c.lastLR))
	return d
}

// loader parses state-dict entries into pending assignments, applied only
// when every entry is valid.
type loader struct {
	name    string
	err     error
	pending []func()
}

func (l *loader) fail(key string, v any, want string) {
	if l.err == nil {
		l.err = fmt.Errorf("optim: %s: LoadStateDict: %q is %v (%T), want %s", l.name, key, v, v, want)
	}
}

func (l *loader) float(sd *pt.OrderedDict, key string, dst *float64) {
	if v, ok := sd.Get(key); ok {
		f, ok := toFloat(v)
		if _, isBool := v.(bool); !ok || isBool {
			l.fail(key, v, "a number")
			return
		}
		l.pending = append(l.pending, func() { *dst = f })
	}
}

func (l *loader) int(sd *pt.OrderedDict, key string, dst *int64) {
	if v, ok := sd.Get(key); ok {
		n, ok := v.(int64)
		if !ok {
			l.fail(key, v, "an int")
			return
		}
		l.pending = append(l.pending, func() { *dst = n })
	}
}

func (l *loader) bool(sd *pt.OrderedDict, key string, dst *bool) {
	if v, ok := sd.Get(key); ok {
		b, ok := v.(bool)
		if !ok {
			l.fail(key, v, "a bool")
			return
		}
		l.pending = append(l.pending, func() { *dst = b })
	}
}

func (l *loader) str(sd *pt.OrderedDict, key string, dst *string, allowed ...string) {
	if v, ok := sd.Get(key); ok {
		s, ok := v.(string)
		if !ok || (len(allowed) > 0 && !slices.Contains(allowed, s)) {
			l.fail(key, v, fmt.Sprintf("one of %q", allowed))
			return
		}
		l.pending = append(l.pending, func() { *dst = s })
	}
}

func (l *loader) floats(sd *pt.OrderedDict, key string, dst *[]float64, n int) {
	if v, ok := sd.Get(key); ok {
		list, ok := v.([]any)
		if !ok || (n >= 0 && len(list) != n) {
			l.fail(key, v, fmt.Sprintf("a list of %d numbers", n))
			return
		}
		out := make([]float64, len(list))
		for i, it := range list {
			f, ok := toFloat(it)
			if _, isBool := it.(bool); !ok || isBool {
				l.fail(key, v, "a list of numbers")
				return
			}
			out[i] = f
		}
		l.pending = append(l.pending, func() { *dst = out })
	}
}

func (l *loader) ints(sd *pt.OrderedDict, key string, dst *[]int64) {
	if v, ok := sd.Get(key); ok {
		list, ok := v.([]any)
		if !ok {
			l.fail(key, v, "a list of ints")
			return
		}
		out := make([]int64, len(list))
		for i, it := range list {
			n, ok := it.(int64)
			if !ok {
				l.fail(key, v, "a list of ints")
				return
			}
			out[i] = n
		}
		l.pending = append(l.pending, func() { *dst = out })
	}
}

// common loads the _LRScheduler entries.
func (l *loader) common(sd *pt.OrderedDict, c *lrCore) {
	n := len(c.opt.ParamGroups())
	l.floats(sd, "base_lrs", &c.baseLRs, n)
	l.int(sd, "last_epoch", &c.lastEpoch)
	l.int(sd, "_step_count", &c.stepCount)
	l.floats(sd, "_last_lr", &c.lastLR, n)
}

// apply commits the pending assignments unless an entry was invalid.
func (l *loader) apply() error {
	if l.err != nil {
		return l.err
	}
	for _, f := range l.pending {
		f()
	}
	return nil
}

func floatList(fs []float64) []any {
	out := make([]any, len(fs))
	for i, f := range fs {
		out[i] = f
	}
	return out
}

// pyZero writes 0 as Python's int 0 (PyTorch's default where it is an int).
func pyZero(f float64) any {
	if f == 0 {
		return int64(0)
	}
	return f
}

func (c *lrCore) sameLRs(f func(lr float64) float64) []float64 {
	var out []float64
	for _, lr := range c.lrs() {
		out = append(out, f(lr))
	}
	return out
}

func keep(lr float64) float64 { return lr }

// StepLR multiplies the learning rate by Gamma every StepSize epochs, as
// torch.optim.lr_scheduler.StepLR.
type StepLR struct {
	lrCore
	stepSize int64
	gamma    float64
}

// NewStepLR returns a StepLR over opt (stepSize > 0 epochs; PyTorch's
// default gamma is 0.1). It takes the initial step.
func NewStepLR(opt ParamGrouper, stepSize int, gamma float64) (*StepLR, error) {
	if stepSize <= 0 {
		return nil, fmt.Errorf("optim: StepLR: step_size %d must be > 0", stepSize)
	}
	s := &StepLR{stepSize: int64(stepSize), gamma: gamma}
	if err := s.init("StepLR", opt, s.getLR, s.closed); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *StepLR) getLR() []float64 {
	if s.lastEpoch == 0 || floorMod(s.lastEpoch, s.stepSize) != 0 {
		return s.sameLRs(keep)
	}
	return s.sameLRs(func(lr float64) float64 { return lr * s.gamma })
}

func (s *StepLR) closed() []float64 {
	var out []float64
	for _, b := range s.baseLRs {
		out = append(out, b*cpow(s.gamma, float64(floorDiv(s.lastEpoch, s.stepSize))))
	}
	return out
}

// StateDict returns PyTorch's StepLR state entries.
func (s *StepLR) StateDict() *pt.OrderedDict {
	d := pt.NewDict()
	d.MustSet("step_size", s.stepSize)
	d.MustSet("gamma", s.gamma)
	return s.commonDict(d)
}

// LoadStateDict restores a StepLR state.
func (s *StepLR) LoadStateDict(sd *pt.OrderedDict) error {
	l := &loader{name: "StepLR"}
	l.int(sd, "step_size", &s.stepSize)
	l.float(sd, "gamma", &s.gamma)
	l.common(sd, &s.lrCore)
	return l.apply()
}

// MultiStepLR multiplies the learning rate by Gamma at each milestone
// epoch (by Gamma^k for a milestone listed k times), as
// torch.optim.lr_scheduler.MultiStepLR.
type MultiStepLR struct {
	lrCore
	milestones []int64         // distinct, in first-seen order (a Counter's order)
	counts     map[int64]int64 // times listed
	gamma      float64
}

// NewMultiStepLR returns a MultiStepLR over opt (PyTorch's default gamma is
// 0.1). It takes the initial step.
func NewMultiStepLR(opt ParamGrouper, milestones []int, gamma float64) (*MultiStepLR, error) {
	s := &MultiStepLR{counts: map[int64]int64{}, gamma: gamma}
	for _, m := range milestones {
		if s.counts[int64(m)] == 0 {
			s.milestones = append(s.milestones, int64(m))
		}
		s.counts[int64(m)]++
	}
	if err := s.init("MultiStepLR", opt, s.getLR, s.closed); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *MultiStepLR) getLR() []float64 {
	n, ok := s.counts[s.lastEpoch]
	if !ok {
		return s.sameLRs(keep)
	}
	return s.sameLRs(func(lr float64) float64 { return lr * cpow(s.gamma, float64(n)) })
}

func (s *MultiStepLR) closed() []float64 {
	var all []int64
	for _, m := range s.milestones {
		for i := int64(0); i < s.counts[m]; i++ {
			all = append(all, m)
		}
	}
	slices.Sort(all)
	k := sort.Search(len(all), func(i int) bool { return all[i] > s.lastEpoch }) // bisect_right
	var out []float64
	for _, b := range s.baseLRs {
		out = append(out, b*cpow(s.gamma, float64(k)))
	}
	return out
}

// StateDict returns PyTorch's MultiStepLR state entries; "milestones" (a
// collections.Counter in PyTorch) is a plain dict {epoch: times}.
func (s *MultiStepLR) StateDict() *pt.OrderedDict {
	d := pt.NewDict()
	ms := pt.NewDict()
	for _, m := range s.milestones {
		ms.MustSet(m, s.counts[m])
	}
	d.MustSet("milestones", ms)
	d.MustSet("gamma", s.gamma)
	return s.commonDict(d)
}

// LoadStateDict restores a MultiStepLR state.
func (s *MultiStepLR) LoadStateDict(sd *pt.OrderedDict) error {
	l := &loader{name: "MultiStepLR"}
	if v, ok := sd.Get("milestones"); ok {
		d, ok := v.(*pt.OrderedDict)
		var ms []int64
		counts := map[int64]int64{}
		if ok {
			ks, vs := d.Keys(), d.Values()
			for i := range ks {
				m, ok1 := ks[i].(int64)
				n, ok2 := vs[i].(int64)
				if !ok1 || !ok2 {
					ok = false
					break
				}
				ms = append(ms, m)
				counts[m] = n
			}
		}
		if !ok {
			l.fail("milestones", v, "a dict {int: int}")
		} else {
			l.pending = append(l.pending, func() { s.milestones, s.counts = ms, counts })
		}
	}
	l.float(sd, "gamma", &s.gamma)
	l.common(sd, &s.lrCore)
	return l.apply()
}

// ExponentialLR multiplies the learning rate by Gamma every epoch, as
// torch.optim.lr_scheduler.ExponentialLR.
type ExponentialLR struct {
	lrCore
	gamma float64
}

// NewExponentialLR returns an ExponentialLR over opt. It takes the initial
// step.
func NewExponentialLR(opt ParamGrouper, gamma float64) (*ExponentialLR, error) {
	s := &ExponentialLR{gamma: gamma}
	if err := s.init("ExponentialLR", opt, s.getLR, s.closed); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *ExponentialLR) getLR() []float64 {
	if s.lastEpoch == 0 {
		return s.sameLRs(keep)
	}
	return s.sameLRs(func(lr float64) float64 { return lr * s.gamma })
}

func (s *ExponentialLR) closed() []float64 {
	var out []float64
	for _, b := range s.baseLRs {
		out = append(out, b*cpow(s.gamma, float64(s.lastEpoch)))
	}
	return out
}

// StateDict returns PyTorch's ExponentialLR state entries.
func (s *ExponentialLR) StateDict() *pt.OrderedDict {
	d := pt.NewDict()
	d.MustSet("gamma", s.gamma)
	return s.commonDict(d)
}

// LoadStateDict restores an ExponentialLR state.
func (s *ExponentialLR) LoadStateDict(sd *pt.OrderedDict) error {
	l := &loader{name: "ExponentialLR"}
	l.float(sd, "gamma", &s.gamma)
	l.common(sd, &s.lrCore)
	return l.apply()
}

// CosineAnnealingLR anneals the learning rate from its initial value to
// EtaMin along half a cosine period of TMax epochs (and back up after,
// periodically), using PyTorch's recursive (chainable) form, as
// torch.optim.lr_scheduler.CosineAnnealingLR.
type CosineAnnealingLR struct {
	lrCore
	tMax   int64
	etaMin float64
}

// NewCosineAnnealingLR returns a CosineAnnealingLR over opt (tMax > 0
// epochs; PyTorch's default etaMin is 0). It takes the initial step.
func NewCosineAnnealingLR(opt ParamGrouper, tMax int, etaMin float64) (*CosineAnnealingLR, error) {
	if tMax <= 0 {
		return nil, fmt.Errorf("optim: CosineAnnealingLR: T_max %d must be > 0", tMax)
	}
	s := &CosineAnnealingLR{tMax: int64(tMax), etaMin: etaMin}
	if err := s.init("CosineAnnealingLR", opt, s.getLR, s.closed); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *CosineAnnealingLR) getLR() []float64 {
	e, T, eta := float64(s.lastEpoch), float64(s.tMax), s.etaMin
	switch {
	case s.lastEpoch == 0:
		return s.sameLRs(keep)
	case s.stepCount == 1 && s.lastEpoch > 0:
		var out []float64
		for _, b := range s.baseLRs {
			out = append(out, eta+float64((b-eta)*(1+ccos(e*math.Pi/T)))/2)
		}
		return out
	case floorMod(s.lastEpoch-1-s.tMax, 2*s.tMax) == 0:
		var out []float64
		for i, lr := range s.lrs() {
			b := s.baseLRs[i]
			out = append(out, lr+float64((b-eta)*(1-ccos(math.Pi/T)))/2)
		}
		return out
	}
	return s.sameLRs(func(lr float64) float64 {
		return float64((1+ccos(math.Pi*e/T))/(1+ccos(math.Pi*(e-1)/T))*(lr-eta)) + eta
	})
}

func (s *CosineAnnealingLR) closed() []float64 {
	e, T, eta := float64(s.lastEpoch), float64(s.tMax), s.etaMin
	var out []float64
	for _, b := range s.baseLRs {
		out = append(out, eta+float64((b-eta)*(1+ccos(math.Pi*e/T)))/2)
	}
	return out
}

// StateDict returns PyTorch's CosineAnnealingLR state entries.
func (s *CosineAnnealingLR) StateDict() *pt.OrderedDict {
	d := pt.NewDict()
	d.MustSet("T_max", s.tMax)
	d.MustSet("eta_min", pyZero(s.etaMin))
	return s.commonDict(d)
}

// LoadStateDict restores a CosineAnnealingLR state.
func (s *CosineAnnealingLR) LoadStateDict(sd *pt.OrderedDict) error {
	l := &loader{name: "CosineAnnealingLR"}
	l.int(sd, "T_max", &s.tMax)
	l.float(sd, "eta_min", &s.etaMin)
	l.common(sd, &s.lrCore)
	return l.apply()
}

// LinearLR multiplies the learning rate by a factor that changes linearly
// from StartFactor to EndFactor over TotalIters epochs, as
// torch.optim.lr_scheduler.LinearLR.
type LinearLR struct {
	lrCore
	startFactor, endFactor float64
	totalIters             int64
}

// NewLinearLR returns a LinearLR over opt; both factors are in [0, 1]
// (PyTorch's defaults: 1/3, 1.0 and 5 iterations). It takes the initial
// step.
func NewLinearLR(opt ParamGrouper, startFactor, endFactor float64, totalIters int) (*LinearLR, error) {
	if startFactor > 1 || startFactor < 0 {
		return nil, fmt.Errorf("optim: LinearLR: start_factor %v: expected between 0 and 1", startFactor)
	}
	if endFactor > 1 || endFactor < 0 {
		return nil, fmt.Errorf("optim: LinearLR: end_factor %v: expected between 0 and 1", endFactor)
	}
	if totalIters <= 0 {
		return nil, fmt.Errorf("optim: LinearLR: total_iters %d must be > 0", totalIters)
	}
	s := &LinearLR{startFactor: startFactor, endFactor: endFactor, totalIters: int64(totalIters)}
	if err := s.init("LinearLR", opt, s.getLR, s.closed); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *LinearLR) getLR() []float64 {
	if s.lastEpoch == 0 {
		return s.sameLRs(func(lr float64) float64 { return lr * s.startFactor })
	}
	if s.lastEpoch > s.totalIters {
		return s.sameLRs(keep)
	}
	d := s.endFactor - s.startFactor
	den := float64(float64(s.totalIters)*s.startFactor) + float64(float64(s.lastEpoch-1)*d)
	f := 1. + d/den
	return s.sameLRs(func(lr float64) float64 { return lr * f })
}

func (s *LinearLR) closed() []float64 {
	m := min(s.totalIters, s.lastEpoch)
	f := s.startFactor + float64((s.endFactor-s.startFactor)*float64(m))/float64(s.totalIters)
	var out []float64
	for _, b := range s.baseLRs {
		out = append(out, b*f)
	}
	return out
}

// StateDict returns PyTorch's LinearLR state entries.
func (s *LinearLR) StateDict() *pt.OrderedDict {
	d := pt.NewDict()
	d.MustSet("start_factor", s.startFactor)
	d.MustSet("end_factor", s.endFactor)
	d.MustSet("total_iters", s.totalIters)
	return s.commonDict(d)
}

// LoadStateDict restores a LinearLR state.
func (s *LinearLR) LoadStateDict(sd *pt.OrderedDict) error {
	l := &loader{name: "LinearLR"}
	l.float(sd, "start_factor", &s.startFactor)
	l.float(sd, "end_factor", &s.endFactor)
	l.int(sd, "total_iters", &s.totalIters)
	l.common(sd, &s.lrCore)
	return l.apply()
}

// SequentialLR runs schedulers one after another, switching at the
// milestone epochs, as torch.optim.lr_scheduler.SequentialLR.
type SequentialLR struct {
	opt        ParamGrouper
	schedulers []LRScheduler
	milestones []int64
	lastEpoch  int64
	lastLR     []float64
}

// NewSequentialLR returns a SequentialLR over opt running schedulers (all
// built on opt), switching to scheduler i+1 at epoch milestones[i]. Like
// PyTorch it resets the groups' lr to "initial_lr", undoes the schedulers'
// initial steps and re-takes the first one's.
func NewSequentialLR(opt ParamGrouper, schedulers []LRScheduler, milestones []int) (*SequentialLR, error) {
	for i, s := range schedulers {
		if s == nil || s.core().opt != opt {
			return nil, fmt.Errorf("optim: SequentialLR: scheduler %d belongs to another optimizer", i)
		}
	}
	if len(schedulers) == 0 || len(milestones) != len(schedulers)-1 {
		return nil, fmt.Errorf("optim: SequentialLR: expects one more scheduler than milestones, got %d schedulers and %d milestones", len(schedulers), len(milestones))
	}
	s := &SequentialLR{opt: opt, schedulers: slices.Clone(schedulers), lastEpoch: 0}
	for _, m := range milestones {
		s.milestones = append(s.milestones, int64(m))
	}
	for _, g := range opt.ParamGroups() {
		v, _ := g.Get("initial_lr")
		g.dict().MustSet("lr", v)
	}
	for _, sc := range s.schedulers {
		sc.core().lastEpoch--
	}
	s.schedulers[0].core().initialStep()
	s.lastLR = s.schedulers[0].LastLR()
	return s, nil
}

// Step advances the active scheduler; at a milestone the next one starts
// from epoch 0 (its closed form, where PyTorch has one).
func (s *SequentialLR) Step() {
	s.lastEpoch++
	idx := sort.Search(len(s.milestones), func(i int) bool { return s.milestones[i] > s.lastEpoch })
	sc := s.schedulers[idx]
	if idx > 0 && s.milestones[idx-1] == s.lastEpoch {
		zero := int64(0)
		sc.core().doStep(&zero)
	} else {
		sc.Step()
	}
	s.lastLR = sc.LastLR()
}

// LastLR returns the learning rates set by the last step.
func (s *SequentialLR) LastLR() []float64 { return slices.Clone(s.lastLR) }

// LastEpoch returns the index of the last step.
func (s *SequentialLR) LastEpoch() int64 { return s.lastEpoch }

func (s *SequentialLR) core() *lrCore { return s.schedulers[0].core() }

// StateDict returns PyTorch's SequentialLR state entries, with each
// scheduler's state dict under "_schedulers".
func (s *SequentialLR) StateDict() *pt.OrderedDict {
	d := pt.NewDict()
	ms := make([]any, len(s.milestones))
	for i, m := range s.milestones {
		ms[i] = m
	}
	d.MustSet("_milestones", ms)
	d.MustSet("last_epoch", s.lastEpoch)
	d.MustSet("_last_lr", floatList(s.lastLR))
	subs := make([]any, len(s.schedulers))
	for i, sc := range s.schedulers {
		subs[i] = sc.StateDict()
	}
	d.MustSet("_schedulers", subs)
	return d
}

// LoadStateDict restores a SequentialLR state and its schedulers'.
func (s *SequentialLR) LoadStateDict(sd *pt.OrderedDict) error {
	l := &loader{name: "SequentialLR"}
	l.ints(sd, "_milestones", &s.milestones)
	l.int(sd, "last_epoch", &s.lastEpoch)
	l.floats(sd, "_last_lr", &s.lastLR, -1)
	var subs []*pt.OrderedDict
	if v, ok := sd.Get("_schedulers"); ok {
		list, ok := v.([]any)
		if !ok || len(list) != len(s.schedulers) {
			l.fail("_schedulers", v, fmt.Sprintf("a list of %d dicts", len(s.schedulers)))
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
	// Check the sub-states on copies first, so that a failure changes nothing.
	saved := make([]*pt.OrderedDict, len(subs))
	for i := range subs {
		saved[i] = s.schedulers[i].StateDict()
		if err := s.schedulers[i].LoadStateDict(subs[i]); err != nil {
			for j := 0; j < i; j++ {
				_ = s.schedulers[j].LoadStateDict(saved[j])
			}
			return err
		}
	}
	return l.apply()
}
