package optim

import (
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/pt"
)

// NAdamOptions are the options of NAdam, as torch.optim.NAdam's arguments
// (PyTorch 1.13's NAdam has no maximize). The zero value is PyTorch's
// default: a nil pointer means PyTorch's default value.
type NAdamOptions struct {
	// LR is the learning rate (lr), >= 0; nil means 2e-3.
	LR *float64
	// Betas are the decay rates of the moment averages (betas), each in
	// [0, 1); nil means (0.9, 0.999).
	Betas *[2]float64
	// Eps is added to the denominator for stability (eps), >= 0; nil means
	// 1e-8.
	Eps *float64
	// WeightDecay is the L2 penalty (weight_decay), >= 0; default 0.
	WeightDecay float64
	// MomentumDecay is the momentum decay (momentum_decay), >= 0; nil
	// means 4e-3.
	MomentumDecay *float64
}

var nadamSpecs = []spec{
	num("lr"), betasOpt("betas"), num("eps"), numZero("weight_decay"), num("momentum_decay"), noneOpt("foreach"),
}

// NAdam is Adam with Nesterov momentum, exactly as torch.optim.NAdam (1.13,
// single-tensor path). Per parameter it keeps "step" and "mu_product"
// (float32 0-dim tensors), "exp_avg" and "exp_avg_sq".
type NAdam struct{ base }

// NewNAdam returns a NAdam optimizer of params with options o, or an error
// naming the first invalid option.
func NewNAdam(params []*torch.Tensor, o NAdamOptions) (*NAdam, error) {
	return NewNAdamGroups([]Group{{Params: params}}, o)
}

// NewNAdamGroups returns a NAdam optimizer over parameter groups, each with
// o overridden by its Options.
func NewNAdamGroups(groups []Group, o NAdamOptions) (*NAdam, error) {
	a := &NAdam{}
	a.scalarKeys = []string{"mu_product"}
	a.checkState = func(_ *pt.OrderedDict, _ *torch.Tensor, st *pt.OrderedDict) error {
		if err := stepToTensor(st); err != nil {
			return err
		}
		if err := numberToTensor(st, "mu_product"); err != nil {
			return err
		}
		return needTensors(st, "exp_avg", "exp_avg_sq")
	}
	d := optionDict(nadamSpecs, or(o.LR, 2e-3), orBetas(o.Betas), or(o.Eps, 1e-8), o.WeightDecay, or(o.MomentumDecay, 4e-3), nil)
	if err := a.init("NAdam", nadamSpecs, d, groups); err != nil {
		return nil, err
	}
	return a, nil
}

// numberToTensor turns a number under key (a state older than torch 1.12)
// into a 0-dim tensor as torch.tensor(v) does (float32 for a float, int64
// for an int), as PyTorch's __setstate__ does, and checks that the entry
// is a one-element tensor.
func numberToTensor(st *pt.OrderedDict, key string) error {
	v, _ := st.Get(key)
	switch x := v.(type) {
	case float64:
		st.MustSet(key, torch.Scalar(x).Persist())
	case int64:
		st.MustSet(key, torch.Scalar(x).Persist())
	}
	if err := needTensors(st, key); err != nil {
		return err
	}
	t := stateTensor(st, key)
	return torch.Catch(func() error {
		if t.Numel() != 1 {
			return &torch.Error{Op: "LoadStateDict", Msg: "\"" + key + "\" has more than one element"}
		}
		return nil
	})
}

// Step performs one NAdam update of every parameter with a gradient.
func (a *NAdam) Step() {
	a.step(func(g *ParamGroup, p, grad *torch.Tensor) {
		lr, eps, wd, md := g.Float("lr"), g.Float("eps"), g.Float("weight_decay"), g.Float("momentum_decay")
		beta1, beta2 := g.betas()
		st := a.stateOf(p)
		if st.Len() == 0 {
			st.MustSet("step", torch.Scalar(float32(0)).Persist())
			st.MustSet("mu_product", torch.Scalar(float32(1)).Persist())
			st.MustSet("exp_avg", torch.ZerosLike(p).Persist())
			st.MustSet("exp_avg_sq", torch.ZerosLike(p).Persist())
		}
		stepT, muProduct := stateTensor(st, "step"), stateTensor(st, "mu_product")
		expAvg, expAvgSq := stateTensor(st, "exp_avg"), stateTensor(st, "exp_avg_sq")
		stepT.AddScalar_(1)
		step := stepT.Item()
		bc2 := 1 - cpow(beta2, step)
		if wd != 0 {
			grad = grad.Clone().AddScaled_(p, wd)
		}
		mu := beta1 * (1. - float64(0.5*cpow(0.96, float64(step*md))))
		muNext := beta1 * (1. - float64(0.5*cpow(0.96, float64((step+1)*md))))
		muProduct.MulScalar_(mu)
		muProductNext := muProduct.MulScalar(mu).MulScalar(muNext)
		expAvg.MulScalar_(beta1).AddScaled_(grad, 1-beta1)
		expAvgSq.MulScalar_(beta2).Addcmul_(grad, grad, 1-beta2)
		denom := expAvgSq.DivScalar(bc2).Sqrt().AddScalar_(eps)
		p.Addcdiv_(grad, denom, float64(-lr*(1.-mu))/(1.-muProduct.Item()))
		p.Addcdiv_(expAvg, denom, float64(-lr*muNext)/(1.-muProductNext.Item()))
	})
}
