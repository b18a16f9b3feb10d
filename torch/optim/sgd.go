package optim

import (
	"fmt"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/pt"
)

// SGDOptions are the options of SGD, as torch.optim.SGD's arguments. The
// zero value is PyTorch's default for every field but LR, which PyTorch
// requires.
type SGDOptions struct {
	// LR is the learning rate (lr), >= 0.
	LR float64
	// Momentum is the momentum factor (momentum), >= 0; default 0.
	Momentum float64
	// Dampening is the dampening for momentum (dampening); default 0.
	Dampening float64
	// WeightDecay is the L2 penalty (weight_decay), >= 0; default 0.
	WeightDecay float64
	// Nesterov enables Nesterov momentum (nesterov); it needs Momentum > 0
	// and Dampening 0. Default false.
	Nesterov bool
	// Maximize maximizes the objective instead (maximize). Default false.
	Maximize bool
}

var sgdSpecs = []spec{
	num("lr"), numZero("momentum"), anyNumZero("dampening"), numZero("weight_decay"),
	flag("nesterov"), flag("maximize"), noneOpt("foreach"), offFlag("differentiable"),
}

func (o SGDOptions) dict() *pt.OrderedDict {
	return optionDict(sgdSpecs, o.LR, o.Momentum, o.Dampening, o.WeightDecay, o.Nesterov, o.Maximize, nil, false)
}

func checkSGD(d *pt.OrderedDict) error {
	v, _ := d.Get("nesterov")
	if nesterov, _ := v.(bool); nesterov {
		m, _ := d.Get("momentum")
		dp, _ := d.Get("dampening")
		mf, _ := toFloat(m)
		df, _ := toFloat(dp)
		if mf <= 0 || df != 0 {
			return fmt.Errorf("optim: nesterov momentum requires a momentum > 0 and zero dampening (momentum %v, dampening %v)", mf, df)
		}
	}
	return nil
}

// SGD is stochastic gradient descent, optionally with momentum, exactly as
// torch.optim.SGD (1.13, single-tensor path). Per parameter, with gradient
// g, it keeps the state "momentum_buffer" (a tensor, or None when momentum
// is 0).
type SGD struct{ base }

// NewSGD returns an SGD optimizer of params with options o, or an error
// naming the first invalid option.
func NewSGD(params []*torch.Tensor, o SGDOptions) (*SGD, error) {
	return NewSGDGroups([]Group{{Params: params}}, o)
}

// NewSGDGroups returns an SGD optimizer over parameter groups, each with o
// overridden by its Options.
func NewSGDGroups(groups []Group, o SGDOptions) (*SGD, error) {
	s := &SGD{}
	s.check = checkSGD
	s.checkState = func(_ *pt.OrderedDict, _ *torch.Tensor, st *pt.OrderedDict) error {
		if v, ok := st.Get("momentum_buffer"); ok && v != nil {
			return needTensors(st, "momentum_buffer")
		}
		return nil
	}
	if err := s.init("SGD", sgdSpecs, o.dict(), groups); err != nil {
		return nil, err
	}
	return s, nil
}

// Step performs one SGD update of every parameter with a gradient.
func (s *SGD) Step() {
	s.step(func(g *ParamGroup, p, grad *torch.Tensor) {
		wd, momentum, dampening, lr := g.Float("weight_decay"), g.Float("momentum"), g.Float("dampening"), g.Float("lr")
		dp := grad
		if g.Bool("maximize") {
			dp = grad.Neg()
		}
		if wd != 0 {
			dp = dp.Clone().AddScaled_(p, wd)
		}
		st := s.stateOf(p)
		if momentum != 0 {
			buf := stateTensor(st, "momentum_buffer")
			if buf == nil {
				buf = dp.Clone().Persist()
				st.MustSet("momentum_buffer", buf)
			} else {
				buf.MulScalar_(momentum).AddScaled_(dp, 1-dampening)
			}
			if g.Bool("nesterov") {
				dp = dp.Clone().AddScaled_(buf, momentum)
			} else {
				dp = buf
			}
		} else if _, ok := st.Get("momentum_buffer"); !ok {
			st.MustSet("momentum_buffer", nil)
		}
		p.AddScaled_(dp, -lr)
	})
}
