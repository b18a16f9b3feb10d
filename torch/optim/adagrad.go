package optim

import (
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/pt"
)

// AdagradOptions are the options of Adagrad, as torch.optim.Adagrad's
// arguments. The zero value is PyTorch's default: a nil pointer means
// PyTorch's default value.
type AdagradOptions struct {
	// LR is the learning rate (lr), >= 0; nil means 1e-2.
	LR *float64
	// LRDecay is the learning rate decay (lr_decay), >= 0; default 0.
	LRDecay float64
	// WeightDecay is the L2 penalty (weight_decay), >= 0; default 0.
	WeightDecay float64
	// InitialAccumulatorValue is the starting value of the sum of squares
	// (initial_accumulator_value), >= 0; default 0.
	InitialAccumulatorValue float64
	// Eps is added to the denominator for stability (eps), >= 0; nil means
	// 1e-10.
	Eps *float64
	// Maximize maximizes the objective instead (maximize); default false.
	Maximize bool
}

var adagradSpecs = []spec{
	num("lr"), numZero("lr_decay"), num("eps"), numZero("weight_decay"),
	numZero("initial_accumulator_value"), noneOpt("foreach"), flag("maximize"),
}

// Adagrad is the Adagrad optimizer, exactly as torch.optim.Adagrad (1.13,
// single-tensor path). Like PyTorch it creates the state of every parameter
// when its group is added: "step" (a float32 0-dim tensor) and "sum".
type Adagrad struct{ base }

// NewAdagrad returns an Adagrad optimizer of params with options o, or an
// error naming the first invalid option.
func NewAdagrad(params []*torch.Tensor, o AdagradOptions) (*Adagrad, error) {
	return NewAdagradGroups([]Group{{Params: params}}, o)
}

// NewAdagradGroups returns an Adagrad optimizer over parameter groups, each
// with o overridden by its Options.
func NewAdagradGroups(groups []Group, o AdagradOptions) (*Adagrad, error) {
	a := &Adagrad{}
	a.checkState = func(_ *pt.OrderedDict, _ *torch.Tensor, st *pt.OrderedDict) error {
		if err := stepToTensor(st); err != nil {
			return err
		}
		return needTensors(st, "sum")
	}
	a.initState = func(g *ParamGroup, p *torch.Tensor) *pt.OrderedDict {
		st := pt.NewDict()
		st.MustSet("step", torch.Scalar(float32(0)).Persist())
		init, _ := g.Get("initial_accumulator_value")
		st.MustSet("sum", torch.ZerosLike(p).Fill_(init).Persist())
		return st
	}
	d := optionDict(adagradSpecs, or(o.LR, 1e-2), o.LRDecay, or(o.Eps, 1e-10), o.WeightDecay, o.InitialAccumulatorValue, nil, o.Maximize)
	if err := a.init("Adagrad", adagradSpecs, d, groups); err != nil {
		return nil, err
	}
	return a, nil
}

// Step performs one Adagrad update of every parameter with a gradient.
func (a *Adagrad) Step() {
	a.step(func(g *ParamGroup, p, grad *torch.Tensor) {
		lr, wd, lrDecay, eps := g.Float("lr"), g.Float("weight_decay"), g.Float("lr_decay"), g.Float("eps")
		st := a.stateOf(p)
		stepT, sum := stateTensor(st, "step"), stateTensor(st, "sum")
		stepT.AddScalar_(1)
		step := stepT.Item()
		if g.Bool("maximize") {
			grad = grad.Neg()
		}
		if wd != 0 {
			grad = grad.Clone().AddScaled_(p, wd)
		}
		clr := lr / (1 + float64((step-1)*lrDecay))
		sum.Addcmul_(grad, grad, 1)
		std := sum.Sqrt().AddScalar_(eps)
		p.Addcdiv_(grad, std, -clr)
	})
}
