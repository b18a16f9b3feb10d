package optim

import (
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/pt"
)

// ASGDOptions are the options of ASGD, as torch.optim.ASGD's arguments.
// The zero value is PyTorch's default: a nil pointer means PyTorch's
// default value.
type ASGDOptions struct {
	// LR is the learning rate (lr), >= 0; nil means 1e-2.
	LR *float64
	// Lambd is the decay term (lambd); nil means 1e-4.
	Lambd *float64
	// Alpha is the power of the eta update (alpha); nil means 0.75.
	Alpha *float64
	// T0 is the step at which averaging starts (t0); nil means 1e6.
	T0 *float64
	// WeightDecay is the L2 penalty (weight_decay), >= 0; default 0.
	WeightDecay float64
	// Maximize maximizes the objective instead (maximize); default false.
	Maximize bool
}

var asgdSpecs = []spec{
	num("lr"), anyNum("lambd"), anyNum("alpha"), anyNum("t0"), numZero("weight_decay"),
	noneOpt("foreach"), flag("maximize"),
}

// ASGD is averaged stochastic gradient descent, exactly as torch.optim.ASGD
// (1.13, single-tensor path). Per parameter it keeps "step", "eta" and
// "mu" (0-dim tensors: float32, except that "eta" is int64 when the
// group's lr is an int, as torch.tensor(lr) makes it) and the average
// "ax".
type ASGD struct{ base }

// NewASGD returns an ASGD optimizer of params with options o, or an error
// naming the first invalid option.
func NewASGD(params []*torch.Tensor, o ASGDOptions) (*ASGD, error) {
	return NewASGDGroups([]Group{{Params: params}}, o)
}

// NewASGDGroups returns an ASGD optimizer over parameter groups, each with
// o overridden by its Options.
func NewASGDGroups(groups []Group, o ASGDOptions) (*ASGD, error) {
	a := &ASGD{}
	a.scalarKeys = []string{"eta", "mu"}
	a.checkState = func(_ *pt.OrderedDict, _ *torch.Tensor, st *pt.OrderedDict) error {
		if err := stepToTensor(st); err != nil {
			return err
		}
		if err := numberToTensor(st, "eta"); err != nil {
			return err
		}
		if v, _ := st.Get("mu"); v != nil {
			if f, ok := toFloat(v); ok {
				if _, isBool := v.(bool); !isBool {
					st.MustSet("mu", torch.Scalar(f).Persist()) // torch.tensor(float(mu))
				}
			}
		}
		if err := numberToTensor(st, "mu"); err != nil {
			return err
		}
		return needTensors(st, "ax")
	}
	d := optionDict(asgdSpecs, or(o.LR, 1e-2), or(o.Lambd, 1e-4), or(o.Alpha, 0.75), or(o.T0, 1e6), o.WeightDecay, nil, o.Maximize)
	if err := a.init("ASGD", asgdSpecs, d, groups); err != nil {
		return nil, err
	}
	return a, nil
}

// Step performs one ASGD update of every parameter with a gradient.
func (a *ASGD) Step() {
	a.step(func(g *ParamGroup, p, grad *torch.Tensor) {
		lr, lambd, alpha, t0, wd := g.Float("lr"), g.Float("lambd"), g.Float("alpha"), g.Float("t0"), g.Float("weight_decay")
		st := a.stateOf(p)
		if st.Len() == 0 {
			rawLR, _ := g.Get("lr")
			st.MustSet("step", torch.Scalar(float32(0)).Persist())
			st.MustSet("eta", torch.Scalar(rawLR).Persist())
			st.MustSet("mu", torch.Scalar(float32(1)).Persist())
			st.MustSet("ax", torch.ZerosLike(p).Persist())
		}
		if g.Bool("maximize") {
			grad = grad.Neg()
		}
		stepT, eta, mu, ax := stateTensor(st, "step"), stateTensor(st, "eta"), stateTensor(st, "mu"), stateTensor(st, "ax")
		stepT.AddScalar_(1)
		step := stepT.Item()
		if wd != 0 {
			grad = grad.Clone().AddScaled_(p, wd)
		}
		etaV := eta.Item()
		p.MulScalar_(1 - float64(lambd*etaV))
		p.AddScaled_(grad, -etaV)
		if mu.Item() != 1 {
			ax.Add_(p.Sub(ax).Mul(mu))
		} else {
			ax.Copy_(p)
		}
		newEta := torch.Scalar(lr / cpow(1+float64(float64(lambd*lr)*step), alpha))
		eta.Copy_(newEta)
		// 1 / max(1, step - t0): Python's max keeps the int 1 unless step-t0 > 1.
		den := 1.0
		if step-t0 > 1 {
			den = step - t0
		}
		mu.Copy_(torch.Scalar(1 / den))
	})
}
