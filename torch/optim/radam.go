package optim

import (
	"math"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/pt"
)

// RAdamOptions are the options of RAdam, as torch.optim.RAdam's arguments
// (PyTorch 1.13's RAdam has no maximize nor decoupled weight decay). The
// zero value is PyTorch's default: a nil pointer means PyTorch's default
// value.
type RAdamOptions struct {
	// LR is the learning rate (lr), >= 0; nil means 1e-3.
	LR *float64
	// Betas are the decay rates of the moment averages (betas), each in
	// [0, 1); nil means (0.9, 0.999).
	Betas *[2]float64
	// Eps is added to the denominator for stability (eps), >= 0; nil means
	// 1e-8.
	Eps *float64
	// WeightDecay is the L2 penalty (weight_decay), >= 0; default 0.
	WeightDecay float64
}

var radamSpecs = []spec{
	num("lr"), betasOpt("betas"), num("eps"), numZero("weight_decay"), noneOpt("foreach"),
}

// RAdam is the rectified Adam optimizer, exactly as torch.optim.RAdam
// (1.13, single-tensor path). Per parameter it keeps "step" (a float32
// 0-dim tensor), "exp_avg" and "exp_avg_sq".
type RAdam struct{ base }

// NewRAdam returns a RAdam optimizer of params with options o, or an error
// naming the first invalid option.
func NewRAdam(params []*torch.Tensor, o RAdamOptions) (*RAdam, error) {
	return NewRAdamGroups([]Group{{Params: params}}, o)
}

// NewRAdamGroups returns a RAdam optimizer over parameter groups, each with
// o overridden by its Options.
func NewRAdamGroups(groups []Group, o RAdamOptions) (*RAdam, error) {
	a := &RAdam{}
	a.checkState = func(_ *pt.OrderedDict, _ *torch.Tensor, st *pt.OrderedDict) error {
		if err := stepToTensor(st); err != nil {
			return err
		}
		return needTensors(st, "exp_avg", "exp_avg_sq")
	}
	d := optionDict(radamSpecs, or(o.LR, 1e-3), orBetas(o.Betas), or(o.Eps, 1e-8), o.WeightDecay, nil)
	if err := a.init("RAdam", radamSpecs, d, groups); err != nil {
		return nil, err
	}
	return a, nil
}

// Step performs one RAdam update of every parameter with a gradient.
func (a *RAdam) Step() {
	a.step(func(g *ParamGroup, p, grad *torch.Tensor) {
		lr, eps, wd := g.Float("lr"), g.Float("eps"), g.Float("weight_decay")
		beta1, beta2 := g.betas()
		st := a.stateOf(p)
		if st.Len() == 0 {
			st.MustSet("step", torch.Scalar(float32(0)).Persist())
			st.MustSet("exp_avg", torch.ZerosLike(p).Persist())
			st.MustSet("exp_avg_sq", torch.ZerosLike(p).Persist())
		}
		stepT, expAvg, expAvgSq := stateTensor(st, "step"), stateTensor(st, "exp_avg"), stateTensor(st, "exp_avg_sq")
		stepT.AddScalar_(1)
		step := stepT.Item()
		bc1 := 1 - cpow(beta1, step)
		bc2 := 1 - cpow(beta2, step)
		if wd != 0 {
			grad = grad.Clone().AddScaled_(p, wd)
		}
		expAvg.MulScalar_(beta1).AddScaled_(grad, 1-beta1)
		expAvgSq.MulScalar_(beta2).Addcmul_(grad, grad, 1-beta2)
		corrected := expAvg.DivScalar(bc1)
		rhoInf := 2/(1-beta2) - 1
		rhoT := rhoInf - float64(float64(2*step)*cpow(beta2, step))/bc2
		if rhoT > 5. {
			rect := math.Sqrt(float64(float64(float64(rhoT-4)*(rhoT-2))*rhoInf) / float64(float64(float64(rhoInf-4)*(rhoInf-2))*rhoT))
			// Python's float / tensor is tensor.reciprocal() * float.
			adaptiveLR := expAvgSq.Sqrt().AddScalar_(eps).Reciprocal().MulScalar(math.Sqrt(bc2))
			p.AddScaled_(corrected.MulScalar(lr).Mul(adaptiveLR).MulScalar(rect), -1.0)
		} else {
			p.AddScaled_(corrected.MulScalar(lr), -1.0)
		}
	})
}
