package optim

import (
	"math"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/pt"
)

// AdamOptions are the options of Adam and AdamW, as torch.optim.Adam's
// and AdamW's arguments. The zero value is PyTorch's default: a nil pointer
// means PyTorch's default value (AdamOptions{LR: new(2e-4)} changes only lr).
type AdamOptions struct {
	// LR is the learning rate (lr), >= 0; nil means 1e-3.
	LR *float64
	// Betas are the decay rates of the first and second moment averages
	// (betas), each in [0, 1); nil means (0.9, 0.999).
	Betas *[2]float64
	// Eps is added to the denominator for stability (eps), >= 0; nil means
	// 1e-8.
	Eps *float64
	// WeightDecay is the weight decay (weight_decay), >= 0: an L2 penalty
	// for Adam (nil means 0), decoupled decay for AdamW (nil means 1e-2).
	WeightDecay *float64
	// AMSGrad uses the maximum of past second moments (amsgrad); default false.
	AMSGrad bool
	// Maximize maximizes the objective instead (maximize); default false.
	Maximize bool
}

var adamSpecs = []spec{
	num("lr"), betasOpt("betas"), num("eps"), numZero("weight_decay"), flag("amsgrad"),
	flag("maximize"), noneOpt("foreach"), offFlag("capturable"), offFlag("differentiable"), offFlag("fused"),
}

// AdamW's options come in another order and without differentiable/fused.
var adamWSpecs = []spec{
	num("lr"), betasOpt("betas"), num("eps"), num("weight_decay"), flag("amsgrad"),
	noneOpt("foreach"), flag("maximize"), offFlag("capturable"),
}

// Adam is the Adam optimizer, exactly as torch.optim.Adam (1.13,
// single-tensor path). Per parameter it keeps "step" (a float32 0-dim
// tensor), "exp_avg", "exp_avg_sq" and, with amsgrad, "max_exp_avg_sq".
type Adam struct {
	base
	decoupled bool
}

// AdamW is Adam with decoupled weight decay, exactly as torch.optim.AdamW
// (1.13, single-tensor path); it keeps the same state as Adam.
type AdamW struct{ Adam }

// NewAdam returns an Adam optimizer of params with options o, or an error
// naming the first invalid option.
func NewAdam(params []*torch.Tensor, o AdamOptions) (*Adam, error) {
	return NewAdamGroups([]Group{{Params: params}}, o)
}

// NewAdamGroups returns an Adam optimizer over parameter groups, each with o
// overridden by its Options.
func NewAdamGroups(groups []Group, o AdamOptions) (*Adam, error) {
	a := &Adam{}
	a.checkState = checkAdamState
	d := optionDict(adamSpecs, or(o.LR, 1e-3), orBetas(o.Betas), or(o.Eps, 1e-8), or(o.WeightDecay, 0), o.AMSGrad, o.Maximize, nil, false, false, false)
	if err := a.init("Adam", adamSpecs, d, groups); err != nil {
		return nil, err
	}
	return a, nil
}

// NewAdamW returns an AdamW optimizer of params with options o, or an
// error naming the first invalid option.
func NewAdamW(params []*torch.Tensor, o AdamOptions) (*AdamW, error) {
	return NewAdamWGroups([]Group{{Params: params}}, o)
}

// NewAdamWGroups returns an AdamW optimizer over parameter groups, each with
// o overridden by its Options.
func NewAdamWGroups(groups []Group, o AdamOptions) (*AdamW, error) {
	a := &AdamW{}
	a.decoupled = true
	a.checkState = checkAdamState
	d := optionDict(adamWSpecs, or(o.LR, 1e-3), orBetas(o.Betas), or(o.Eps, 1e-8), or(o.WeightDecay, 1e-2), o.AMSGrad, nil, o.Maximize, false)
	if err := a.init("AdamW", adamWSpecs, d, groups); err != nil {
		return nil, err
	}
	return a, nil
}

func checkAdamState(opts *pt.OrderedDict, p *torch.Tensor, st *pt.OrderedDict) error {
	if err := stepToTensor(st); err != nil {
		return err
	}
	if err := needTensors(st, "exp_avg", "exp_avg_sq"); err != nil {
		return err
	}
	if v, _ := opts.Get("amsgrad"); v == true {
		return needTensors(st, "max_exp_avg_sq")
	}
	return nil
}

// stepToTensor turns a numeric "step" (states older than torch 1.12) into
// a float32 0-dim tensor, as PyTorch's __setstate__ does, and checks it.
func stepToTensor(st *pt.OrderedDict) error {
	v, _ := st.Get("step")
	if f, ok := toFloat(v); ok {
		if _, isBool := v.(bool); !isBool {
			st.MustSet("step", torch.Scalar(float32(f)).Persist())
		}
	}
	return needStepTensor(st)
}

// Step performs one Adam (or AdamW) update of every parameter with a
// gradient.
func (a *Adam) Step() {
	a.step(func(g *ParamGroup, p, grad *torch.Tensor) {
		lr, eps, wd := g.Float("lr"), g.Float("eps"), g.Float("weight_decay")
		beta1, beta2 := g.betas()
		amsgrad := g.Bool("amsgrad")
		st := a.stateOf(p)
		if st.Len() == 0 {
			st.MustSet("step", torch.Scalar(float32(0)).Persist())
			st.MustSet("exp_avg", torch.ZerosLike(p).Persist())
			st.MustSet("exp_avg_sq", torch.ZerosLike(p).Persist())
			if amsgrad {
				st.MustSet("max_exp_avg_sq", torch.ZerosLike(p).Persist())
			}
		}
		stepT, expAvg, expAvgSq := stateTensor(st, "step"), stateTensor(st, "exp_avg"), stateTensor(st, "exp_avg_sq")
		if g.Bool("maximize") {
			grad = grad.Neg()
		}
		stepT.AddScalar_(1)
		if a.decoupled {
			p.MulScalar_(1 - float64(lr*wd))
		} else if wd != 0 {
			grad = grad.Clone().AddScaled_(p, wd)
		}
		expAvg.MulScalar_(beta1).AddScaled_(grad, 1-beta1)
		expAvgSq.MulScalar_(beta2).Addcmul_(grad, grad, 1-beta2)
		step := stepT.Item()
		bc1 := 1 - cpow(beta1, step)
		bc2 := 1 - cpow(beta2, step)
		stepSize := lr / bc1
		bc2Sqrt := math.Sqrt(bc2)
		var denom *torch.Tensor
		if amsgrad {
			maxSq := stateTensor(st, "max_exp_avg_sq")
			if maxSq == nil {
				panic(&torch.Error{Op: a.name + ".Step", Msg: "amsgrad was turned on after the first step: no max_exp_avg_sq state"})
			}
			maxSq.Copy_(maxSq.Maximum(expAvgSq))
			denom = maxSq.Sqrt().DivScalar(bc2Sqrt).AddScalar_(eps)
		} else {
			denom = expAvgSq.Sqrt().DivScalar(bc2Sqrt).AddScalar_(eps)
		}
		p.Addcdiv_(expAvg, denom, -stepSize)
	})
}
