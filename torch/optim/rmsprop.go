package optim

import (
	"fmt"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/pt"
)

// RMSpropOptions are the options of RMSprop, as torch.optim.RMSprop's
// arguments. The zero value is PyTorch's default: a nil pointer means
// PyTorch's default value.
type RMSpropOptions struct {
	// LR is the learning rate (lr), >= 0; nil means 1e-2.
	LR *float64
	// Alpha is the smoothing constant (alpha), >= 0; nil means 0.99.
	Alpha *float64
	// Eps is added to the denominator for stability (eps), >= 0; nil means
	// 1e-8.
	Eps *float64
	// WeightDecay is the L2 penalty (weight_decay), >= 0; default 0.
	WeightDecay float64
	// Momentum is the momentum factor (momentum), >= 0; default 0.
	Momentum float64
	// Centered normalizes by an estimate of the gradient's variance
	// (centered); default false.
	Centered bool
	// Maximize maximizes the objective instead (maximize); default false.
	Maximize bool
}

var rmspropSpecs = []spec{
	num("lr"), numZero("momentum"), num("alpha"), num("eps"), flag("centered"),
	numZero("weight_decay"), noneOpt("foreach"), flag("maximize"), offFlag("differentiable"),
}

// RMSprop is the RMSprop optimizer, exactly as torch.optim.RMSprop (1.13,
// single-tensor path). Per parameter it keeps "step" (a Python int),
// "square_avg", "momentum_buffer" when momentum > 0 and "grad_avg" when
// centered.
type RMSprop struct{ base }

// NewRMSprop returns an RMSprop optimizer of params with options o, or an
// error naming the first invalid option.
func NewRMSprop(params []*torch.Tensor, o RMSpropOptions) (*RMSprop, error) {
	return NewRMSpropGroups([]Group{{Params: params}}, o)
}

// NewRMSpropGroups returns an RMSprop optimizer over parameter groups, each
// with o overridden by its Options.
func NewRMSpropGroups(groups []Group, o RMSpropOptions) (*RMSprop, error) {
	r := &RMSprop{}
	r.checkState = func(opts *pt.OrderedDict, _ *torch.Tensor, st *pt.OrderedDict) error {
		v, _ := st.Get("step")
		if _, ok := v.(int64); !ok {
			return fmt.Errorf("\"step\" is a %T, not an int", v)
		}
		keys := []string{"square_avg"}
		if m, _ := opts.Get("momentum"); toF(m) > 0 {
			keys = append(keys, "momentum_buffer")
		}
		if c, _ := opts.Get("centered"); c == true {
			keys = append(keys, "grad_avg")
		}
		return needTensors(st, keys...)
	}
	d := optionDict(rmspropSpecs, or(o.LR, 1e-2), o.Momentum, or(o.Alpha, 0.99), or(o.Eps, 1e-8), o.Centered, o.WeightDecay, nil, o.Maximize, false)
	if err := r.init("RMSprop", rmspropSpecs, d, groups); err != nil {
		return nil, err
	}
	return r, nil
}

func toF(v any) float64 { f, _ := toFloat(v); return f }

// Step performs one RMSprop update of every parameter with a gradient.
func (r *RMSprop) Step() {
	r.step(func(g *ParamGroup, p, grad *torch.Tensor) {
		lr, alpha, eps, wd, momentum := g.Float("lr"), g.Float("alpha"), g.Float("eps"), g.Float("weight_decay"), g.Float("momentum")
		centered := g.Bool("centered")
		st := r.stateOf(p)
		if st.Len() == 0 {
			st.MustSet("step", int64(0))
			st.MustSet("square_avg", torch.ZerosLike(p).Persist())
			if momentum > 0 {
				st.MustSet("momentum_buffer", torch.ZerosLike(p).Persist())
			}
			if centered {
				st.MustSet("grad_avg", torch.ZerosLike(p).Persist())
			}
		}
		n, _ := st.Get("step")
		st.MustSet("step", n.(int64)+1)
		if g.Bool("maximize") {
			grad = grad.Neg()
		}
		if wd != 0 {
			grad = grad.Clone().AddScaled_(p, wd)
		}
		squareAvg := stateTensor(st, "square_avg")
		squareAvg.MulScalar_(alpha).Addcmul_(grad, grad, 1-alpha)
		var avg *torch.Tensor
		if centered {
			gradAvg := stateTensor(st, "grad_avg")
			if gradAvg == nil {
				panic(&torch.Error{Op: "RMSprop.Step", Msg: "centered was turned on after the first step: no grad_avg state"})
			}
			gradAvg.MulScalar_(alpha).AddScaled_(grad, 1-alpha)
			avg = squareAvg.Clone().Addcmul_(gradAvg, gradAvg, -1).Sqrt_()
		} else {
			avg = squareAvg.Sqrt()
		}
		avg.AddScalar_(eps)
		if momentum > 0 {
			buf := stateTensor(st, "momentum_buffer")
			if buf == nil {
				panic(&torch.Error{Op: "RMSprop.Step", Msg: "momentum was turned on after the first step: no momentum_buffer state"})
			}
			buf.MulScalar_(momentum).Addcdiv_(grad, avg, 1)
			p.AddScaled_(buf, -lr)
		} else {
			p.Addcdiv_(grad, avg, -lr)
		}
	})
}
