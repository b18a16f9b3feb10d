package nn

import (
	"math"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/nn/nninit"
)

// Linear is y = x·Wᵀ + b for x (…, In): weight (Out, In), bias (Out).
type Linear struct {
	Module
	Weight, Bias *torch.Tensor // Bias is nil without bias
}

// NewLinear makes a Linear layer with a bias, initialised as nn.Linear:
// kaiming_uniform_(weight, a=√5), then bias from U(±1/√in).
func NewLinear(in, out int64) *Linear { return newLinear(in, out, true) }

// NewLinearNoBias makes a Linear layer without bias (bias=False).
func NewLinearNoBias(in, out int64) *Linear { return newLinear(in, out, false) }

func newLinear(in, out int64, bias bool) *Linear {
	l := &Linear{}
	l.typeName = "Linear"
	l.Weight = l.RegisterParameter("weight", torch.Empty([]int64{out, in}))
	if bias {
		l.Bias = l.RegisterParameter("bias", torch.Empty([]int64{out}))
	}
	resetKaiming(l.Weight, l.Bias)
	return l
}

// resetKaiming is reset_parameters of nn.Linear and the convolutions:
// kaiming_uniform_(weight, a=√5), then the bias from U(±1/√fan_in).
func resetKaiming(weight, bias *torch.Tensor) {
	if _, err := nninit.KaimingUniform_(weight, math.Sqrt(5), nninit.FanIn, "leaky_relu", nil); err != nil {
		panic(&torch.Error{Op: "nn.init", Msg: err.Error()})
	}
	if bias == nil {
		return
	}
	fanIn, _, err := nninit.FanInFanOut(weight)
	if err != nil {
		panic(&torch.Error{Op: "nn.init", Msg: err.Error()})
	}
	bound := 0.0
	if fanIn > 0 {
		bound = 1 / math.Sqrt(float64(fanIn))
	}
	nninit.Uniform_(bias, -bound, bound, nil)
}

// Forward applies the layer to x (…, In) giving (…, Out).
func (l *Linear) Forward(x *torch.Tensor) *torch.Tensor { return torch.Linear(x, l.Weight, l.Bias) }
