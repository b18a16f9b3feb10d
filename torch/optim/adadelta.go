package optim

import (
	"fmt"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/pt"
)

// AdadeltaOptions are the options of Adadelta, as torch.optim.Adadelta's
// arguments. The zero value is PyTorch's default: a nil pointer means
// PyTorch's default value (set one with, e.g., LR: new(0.5)).
type AdadeltaOptions struct {
	// LR scales the update (lr), >= 0; nil means 1.0.
	LR *float64
	// Rho is the decay of the running averages (rho), in [0, 1]; nil
	// means 0.9.
	Rho *float64
	// Eps is added inside the square roots for stability (eps), >= 0; nil
	// means 1e-6.
	Eps *float64
	// WeightDecay is the L2 penalty (weight_decay), >= 0; default 0.
	WeightDecay float64
	// Maximize maximizes the objective instead (maximize); default false.
	Maximize bool
}

var adadeltaSpecs = []spec{
	num("lr"), {key: "rho", kind: kNumber, nonNeg: true, atMostOne: true}, num("eps"),
	numZero("weight_decay"), flag("maximize"), noneOpt("foreach"),
}

// or returns *p, or def when p is nil.
func or(p *float64, def float64) float64 {
	if p == nil {
		return def
	}
	return *p
}

// Adadelta is the Adadelta optimizer, exactly as torch.optim.Adadelta
// (1.13, single-tensor path). Per parameter it keeps "step" (a Python int,
// as 1.13 stores it), "square_avg" and "acc_delta".
type Adadelta struct{ base }

// NewAdadelta returns an Adadelta optimizer of params with options o, or
// an error naming the first invalid option.
func NewAdadelta(params []*torch.Tensor, o AdadeltaOptions) (*Adadelta, error) {
	return NewAdadeltaGroups([]Group{{Params: params}}, o)
}

// NewAdadeltaGroups returns an Adadelta optimizer over parameter groups,
// each with o overridden by its Options.
func NewAdadeltaGroups(groups []Group, o AdadeltaOptions) (*Adadelta, error) {
	a := &Adadelta{}
	a.checkState = func(_ *pt.OrderedDict, _ *torch.Tensor, st *pt.OrderedDict) error {
		if err := intOrTensorStep(st); err != nil {
			return err
		}
		return needTensors(st, "square_avg", "acc_delta")
	}
	d := optionDict(adadeltaSpecs, or(o.LR, 1.0), or(o.Rho, 0.9), or(o.Eps, 1e-6), o.WeightDecay, o.Maximize, nil)
	if err := a.init("Adadelta", adadeltaSpecs, d, groups); err != nil {
		return nil, err
	}
	return a, nil
}

// intOrTensorStep checks a loaded "step" kept as a Python int: an int, or
// a one-element tensor (as PyTorch 2 saves it), which, like 1.13's
// `state['step'] += 1`, is then stepped in place.
func intOrTensorStep(st *pt.OrderedDict) error {
	v, _ := st.Get("step")
	if _, ok := v.(int64); ok {
		return nil
	}
	if _, ok := v.(*torch.Tensor); ok {
		return needStepTensor(st)
	}
	return fmt.Errorf("\"step\" is %s, not an int", typeName(v))
}

// bumpStep adds one to an int or tensor "step".
func bumpStep(st *pt.OrderedDict) {
	v, _ := st.Get("step")
	switch x := v.(type) {
	case int64:
		st.MustSet("step", x+1)
	case *torch.Tensor:
		x.AddScalar_(1)
	}
}

// Step performs one Adadelta update of every parameter with a gradient.
func (a *Adadelta) Step() {
	a.step(func(g *ParamGroup, p, grad *torch.Tensor) {
		lr, rho, eps, wd := g.Float("lr"), g.Float("rho"), g.Float("eps"), g.Float("weight_decay")
		st := a.stateOf(p)
		if st.Len() == 0 {
			st.MustSet("step", int64(0))
			st.MustSet("square_avg", torch.ZerosLike(p).Persist())
			st.MustSet("acc_delta", torch.ZerosLike(p).Persist())
		}
		bumpStep(st)
		if g.Bool("maximize") {
			grad = grad.Neg()
		}
		if wd != 0 {
			grad = grad.Clone().AddScaled_(p, wd)
		}
		squareAvg, accDelta := stateTensor(st, "square_avg"), stateTensor(st, "acc_delta")
		squareAvg.MulScalar_(rho).Addcmul_(grad, grad, 1-rho)
		std := squareAvg.AddScalar(eps).Sqrt_()
		delta := accDelta.AddScalar(eps).Sqrt_().Div_(std).Mul_(grad)
		accDelta.MulScalar_(rho).Addcmul_(delta, delta, 1-rho)
		p.AddScaled_(delta, -lr)
	})
}
