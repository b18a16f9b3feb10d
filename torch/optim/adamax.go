package optim

import (
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/pt"
)

// AdamaxOptions are the options of Adamax, as torch.optim.Adamax's
// arguments. The zero value is PyTorch's default: a nil pointer means
// PyTorch's default value.
type AdamaxOptions struct {
	// LR is the learning rate (lr), >= 0; nil means 2e-3.
	LR *float64
	// Betas are the decay rates of the first moment and of the infinity
	// norm (betas), each in [0, 1); nil means (0.9, 0.999).
	Betas *[2]float64
	// Eps is added to the infinity norm for stability (eps), >= 0; nil
	// means 1e-8.
	Eps *float64
	// WeightDecay is the L2 penalty (weight_decay), >= 0; default 0.
	WeightDecay float64
	// Maximize maximizes the objective instead (maximize); default false.
	Maximize bool
}

var adamaxSpecs = []spec{
	num("lr"), betasOpt("betas"), num("eps"), numZero("weight_decay"), noneOpt("foreach"), flag("maximize"),
}

// orBetas returns *p as a tuple, or (0.9, 0.999) when p is nil.
func orBetas(p *[2]float64) pt.Tuple {
	if p == nil {
		return pt.Tuple{0.9, 0.999}
	}
	return pt.Tuple{p[0], p[1]}
}

// Adamax is the Adamax optimizer (Adam with the infinity norm), exactly as
// torch.optim.Adamax (1.13, single-tensor path). Per parameter it keeps
// "step" (a float32 0-dim tensor), "exp_avg" and "exp_inf".
type Adamax struct{ base }

// NewAdamax returns an Adamax optimizer of params with options o, or an
// error naming the first invalid option.
func NewAdamax(params []*torch.Tensor, o AdamaxOptions) (*Adamax, error) {
	return NewAdamaxGroups([]Group{{Params: params}}, o)
}

// NewAdamaxGroups returns an Adamax optimizer over parameter groups, each
// with o overridden by its Options.
func NewAdamaxGroups(groups []Group, o AdamaxOptions) (*Adamax, error) {
	a := &Adamax{}
	a.checkState = func(_ *pt.OrderedDict, _ *torch.Tensor, st *pt.OrderedDict) error {
		if err := stepToTensor(st); err != nil {
			return err
		}
		return needTensors(st, "exp_avg", "exp_inf")
	}
	d := optionDict(adamaxSpecs, or(o.LR, 2e-3), orBetas(o.Betas), or(o.Eps, 1e-8), o.WeightDecay, nil, o.Maximize)
	if err := a.init("Adamax", adamaxSpecs, d, groups); err != nil {
		return nil, err
	}
	return a, nil
}

// Step performs one Adamax update of every parameter with a gradient.
func (a *Adamax) Step() {
	a.step(func(g *ParamGroup, p, grad *torch.Tensor) {
		lr, eps, wd := g.Float("lr"), g.Float("eps"), g.Float("weight_decay")
		beta1, beta2 := g.betas()
		st := a.stateOf(p)
		if st.Len() == 0 {
			st.MustSet("step", torch.Scalar(float32(0)).Persist())
			st.MustSet("exp_avg", torch.ZerosLike(p).Persist())
			st.MustSet("exp_inf", torch.ZerosLike(p).Persist())
		}
		if g.Bool("maximize") {
			grad = grad.Neg()
		}
		stepT, expAvg, expInf := stateTensor(st, "step"), stateTensor(st, "exp_avg"), stateTensor(st, "exp_inf")
		stepT.AddScalar_(1)
		step := stepT.Item()
		if wd != 0 {
			grad = grad.Clone().AddScaled_(p, wd)
		}
		expAvg.MulScalar_(beta1).AddScaled_(grad, 1-beta1)
		normBuf := torch.Cat([]*torch.Tensor{
			expInf.MulScalar_(beta2).Unsqueeze(0),
			grad.Abs().AddScalar_(eps).Unsqueeze(0),
		}, 0)
		expInf.Copy_(normBuf.Amax([]int64{0}, false))
		clr := lr / (1 - cpow(beta1, step))
		p.Addcdiv_(expAvg, expInf, -clr)
	})
}
