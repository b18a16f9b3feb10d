package optim

import (
	"fmt"
	"math"
	"slices"

	"github.com/torchgo/torchgo/torch/pt"
)

// OneCycleOptions are the options of OneCycleLR, as
// torch.optim.lr_scheduler.OneCycleLR's arguments. MaxLR and the cycle's
// length (TotalSteps, or Epochs and StepsPerEpoch) are required; for the
// other fields the zero value is PyTorch's default, a nil pointer meaning
// PyTorch's default value.
type OneCycleOptions struct {
	// MaxLR is the peak learning rate (max_lr): one value for every group,
	// or one per group.
	MaxLR []float64
	// TotalSteps is the length of the cycle in steps (total_steps); when 0,
	// Epochs*StepsPerEpoch.
	TotalSteps int
	// Epochs and StepsPerEpoch give the cycle's length when TotalSteps is 0.
	Epochs, StepsPerEpoch int
	// PctStart is the fraction of the cycle spent increasing the learning
	// rate (pct_start), in [0, 1]; nil means 0.3.
	PctStart *float64
	// AnnealStrategy is "cos" ("" means it) or "linear" (anneal_strategy).
	AnnealStrategy string
	// CycleMomentum cycles the momentum ("momentum", or beta1 of "betas")
	// inversely to the learning rate (cycle_momentum); nil means true.
	CycleMomentum *bool
	// BaseMomentum and MaxMomentum bound the momentum (base_momentum,
	// max_momentum): one value, or one per group; nil means 0.85 and 0.95.
	BaseMomentum, MaxMomentum []float64
	// DivFactor sets the initial lr to MaxLR/DivFactor (div_factor); nil
	// means 25.
	DivFactor *float64
	// FinalDivFactor sets the final lr to initial lr/FinalDivFactor
	// (final_div_factor); nil means 1e4.
	FinalDivFactor *float64
	// ThreePhase uses a third phase that annihilates the learning rate
	// (three_phase); default false.
	ThreePhase bool
}

type phase struct {
	endStep                    float64
	endIsInt                   bool // PyTorch's last phase ends at an int
	startLR, endLR             string
	startMomentum, endMomentum string
}

// OneCycleLR is the 1cycle policy, as torch.optim.lr_scheduler.OneCycleLR:
// the learning rate rises from MaxLR/DivFactor to MaxLR, then falls to
// far below the start, while the momentum moves the other way.
type OneCycleLR struct {
	lrCore
	totalSteps    int64
	phases        []phase
	linear        bool
	cycleMomentum bool
	useBeta1      bool
}

func perGroup(name string, v []float64, n int) ([]float64, error) {
	switch len(v) {
	case 1:
		out := make([]float64, n)
		for i := range out {
			out[i] = v[0]
		}
		return out, nil
	case n:
		return slices.Clone(v), nil
	}
	return nil, fmt.Errorf("optim: OneCycleLR: expected 1 or %d values for %s, got %d", n, name, len(v))
}

// NewOneCycleLR returns a OneCycleLR over opt. It sets each group's
// "initial_lr", "max_lr", "min_lr" and, with CycleMomentum, "max_momentum",
// "base_momentum" and the momentum, then takes the initial step.
func NewOneCycleLR(opt ParamGrouper, o OneCycleOptions) (*OneCycleLR, error) {
	if err := checkGroups("OneCycleLR", opt); err != nil {
		return nil, err
	}
	s := &OneCycleLR{}
	switch {
	case o.TotalSteps > 0:
		s.totalSteps = int64(o.TotalSteps)
	case o.TotalSteps < 0:
		return nil, fmt.Errorf("optim: OneCycleLR: expected positive integer total_steps, but got %d", o.TotalSteps)
	case o.Epochs <= 0:
		return nil, fmt.Errorf("optim: OneCycleLR: expected positive integer epochs, but got %d (or set total_steps)", o.Epochs)
	case o.StepsPerEpoch <= 0:
		return nil, fmt.Errorf("optim: OneCycleLR: expected positive integer steps_per_epoch, but got %d", o.StepsPerEpoch)
	default:
		s.totalSteps = int64(o.Epochs) * int64(o.StepsPerEpoch)
	}
	pct, div, finalDiv := or(o.PctStart, 0.3), or(o.DivFactor, 25), or(o.FinalDivFactor, 1e4)
	T := float64(s.totalSteps)
	if o.ThreePhase {
		s.phases = []phase{
			{endStep: float64(pct*T) - 1, startLR: "initial_lr", endLR: "max_lr", startMomentum: "max_momentum", endMomentum: "base_momentum"},
			{endStep: float64(2*pct*T) - 2, startLR: "max_lr", endLR: "initial_lr", startMomentum: "base_momentum", endMomentum: "max_momentum"},
			{endStep: T - 1, endIsInt: true, startLR: "initial_lr", endLR: "min_lr", startMomentum: "max_momentum", endMomentum: "max_momentum"},
		}
	} else {
		s.phases = []phase{
			{endStep: float64(pct*T) - 1, startLR: "initial_lr", endLR: "max_lr", startMomentum: "max_momentum", endMomentum: "base_momentum"},
			{endStep: T - 1, endIsInt: true, startLR: "max_lr", endLR: "min_lr", startMomentum: "base_momentum", endMomentum: "max_momentum"},
		}
	}
	if !(pct >= 0 && pct <= 1) {
		return nil, fmt.Errorf("optim: OneCycleLR: expected float between 0 and 1 pct_start, but got %v", pct)
	}
	switch o.AnnealStrategy {
	case "cos", "":
	case "linear":
		s.linear = true
	default:
		return nil, fmt.Errorf("optim: OneCycleLR: anneal_strategy must be one of 'cos' or 'linear', instead got %q", o.AnnealStrategy)
	}
	groups := opt.ParamGroups()
	maxLRs, err := perGroup("max_lr", o.MaxLR, len(groups))
	if err != nil {
		return nil, err
	}
	var maxMs, baseMs []float64
	s.cycleMomentum = o.CycleMomentum == nil || *o.CycleMomentum
	if s.cycleMomentum {
		hasM, hasB := hasOption(opt, "momentum"), hasOption(opt, "betas")
		if !hasM && !hasB {
			return nil, fmt.Errorf("optim: OneCycleLR: optimizer must support momentum with `cycle_momentum` option enabled")
		}
		s.useBeta1 = hasB
		if maxMs, err = perGroup("max_momentum", orSlice(o.MaxMomentum, 0.95), len(groups)); err != nil {
			return nil, err
		}
		if baseMs, err = perGroup("base_momentum", orSlice(o.BaseMomentum, 0.85), len(groups)); err != nil {
			return nil, err
		}
	}
	for i, g := range groups {
		initial := maxLRs[i] / div
		g.dict().MustSet("initial_lr", initial)
		g.dict().MustSet("max_lr", maxLRs[i])
		g.dict().MustSet("min_lr", initial/finalDiv)
	}
	if s.cycleMomentum {
		for i, g := range groups {
			if err := s.setMomentum(g, maxMs[i]); err != nil {
				return nil, err
			}
			g.dict().MustSet("max_momentum", maxMs[i])
			g.dict().MustSet("base_momentum", baseMs[i])
		}
	}
	if err := s.init("OneCycleLR", opt, s.getLR, nil); err != nil {
		return nil, err
	}
	return s, nil
}

// orSlice is v, or {def} when v is empty.
func orSlice(v []float64, def float64) []float64 {
	if len(v) == 0 {
		return []float64{def}
	}
	return v
}

// hasOption reports whether opt has the option name: in its Defaults()
// when it has that method (PyTorch's optimizer.defaults), else in its
// first group.
func hasOption(opt ParamGrouper, name string) bool {
	if d, ok := opt.(interface{ Defaults() *pt.OrderedDict }); ok {
		_, has := d.Defaults().Get(name)
		return has
	}
	if gs := opt.ParamGroups(); len(gs) > 0 {
		_, has := gs[0].Get(name)
		return has
	}
	return false
}

func (s *OneCycleLR) setMomentum(g *ParamGroup, m float64) error {
	if s.useBeta1 {
		_, b2 := g.betas()
		return g.Set("betas", pt.Tuple{m, b2})
	}
	return g.Set("momentum", m)
}

func (s *OneCycleLR) anneal(start, end, pct float64) float64 {
	if s.linear {
		return float64((end-start)*pct) + start
	}
	cosOut := ccos(math.Pi*pct) + 1
	return end + float64((start-end)/2.0*cosOut)
}

func (s *OneCycleLR) getLR() []float64 {
	step := s.lastEpoch
	if step > s.totalSteps {
		panic(fmt.Errorf("optim: OneCycleLR: tried to step %d times; the specified number of total steps is %d", step+1, s.totalSteps))
	}
	var lrs []float64
	for _, g := range s.opt.ParamGroups() {
		start := 0.0
		var lr, mom float64
		for i, ph := range s.phases {
			if float64(step) <= ph.endStep || i == len(s.phases)-1 {
				pct := (float64(step) - start) / (ph.endStep - start)
				lr = s.anneal(g.Float(ph.startLR), g.Float(ph.endLR), pct)
				if s.cycleMomentum {
					mom = s.anneal(g.Float(ph.startMomentum), g.Float(ph.endMomentum), pct)
				}
				break
			}
			start = ph.endStep
		}
		lrs = append(lrs, lr)
		if s.cycleMomentum {
			if err := s.setMomentum(g, mom); err != nil {
				panic(err)
			}
		}
	}
	return lrs
}

// StateDict returns PyTorch's OneCycleLR state entries, except
// "anneal_func" (a Python method; the strategy stays the scheduler's own,
// as PyTorch's load_state_dict keeps it when the entry is absent).
func (s *OneCycleLR) StateDict() *pt.OrderedDict {
	d := pt.NewDict()
	d.MustSet("total_steps", s.totalSteps)
	phases := make([]any, len(s.phases))
	for i, ph := range s.phases {
		p := pt.NewDict()
		if ph.endIsInt {
			p.MustSet("end_step", int64(ph.endStep))
		} else {
			p.MustSet("end_step", ph.endStep)
		}
		p.MustSet("start_lr", ph.startLR)
		p.MustSet("end_lr", ph.endLR)
		p.MustSet("start_momentum", ph.startMomentum)
		p.MustSet("end_momentum", ph.endMomentum)
		phases[i] = p
	}
	d.MustSet("_schedule_phases", phases)
	d.MustSet("cycle_momentum", s.cycleMomentum)
	if s.cycleMomentum {
		d.MustSet("use_beta1", s.useBeta1)
	}
	return s.commonDict(d)
}

// LoadStateDict restores a OneCycleLR state.
func (s *OneCycleLR) LoadStateDict(sd *pt.OrderedDict) error {
	l := &loader{name: "OneCycleLR"}
	l.int(sd, "total_steps", &s.totalSteps)
	if v, ok := sd.Get("_schedule_phases"); ok {
		list, ok := v.([]any)
		var phases []phase
		for _, it := range list {
			d, isDict := it.(*pt.OrderedDict)
			if !isDict {
				ok = false
				break
			}
			var ph phase
			e, _ := d.Get("end_step")
			f, isNum := toFloat(e)
			_, ph.endIsInt = e.(int64)
			ph.endStep = f
			strs := []*string{&ph.startLR, &ph.endLR, &ph.startMomentum, &ph.endMomentum}
			for i, k := range []string{"start_lr", "end_lr", "start_momentum", "end_momentum"} {
				x, _ := d.Get(k)
				str, isStr := x.(string)
				if !isStr {
					isNum = false
				}
				*strs[i] = str
			}
			if !isNum {
				ok = false
				break
			}
			phases = append(phases, ph)
		}
		if !ok || len(phases) == 0 {
			l.fail("_schedule_phases", v, "a list of phase dicts")
		} else {
			l.pending = append(l.pending, func() { s.phases = phases })
		}
	}
	l.bool(sd, "cycle_momentum", &s.cycleMomentum)
	l.bool(sd, "use_beta1", &s.useBeta1)
	l.common(sd, &s.lrCore)
	return l.apply()
}
