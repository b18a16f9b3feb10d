package nn

import (
	"math"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/nn/nninit"
)

// Linear is y = x·Wᵀ + b for x (…, In): weight (Out, In), bias (Out).
type Linear struct {
	weighted
}

// NewLinear makes a Linear layer with a bias, initialised as nn.Linear:
// kaiming_uniform_(weight, a=√5), then bias from U(±1/√in).
func NewLinear(in, out int64) *Linear { return newLinear(in, out, true) }

// NewLinearNoBias makes a Linear layer without bias (bias=False).
func NewLinearNoBias(in, out int64) *Linear { return newLinear(in, out, false) }

func newLinear(in, out int64, bias bool) *Linear {
	l := &Linear{}
	l.init("Linear", []int64{out, in}, out, bias)
	return l
}

// weighted is what Linear and the convolutions share: a weight, an
// optional bias (nil without), and PyTorch's initialisation of both.
type weighted struct {
	Module
	Weight, Bias *torch.Tensor
}

// init registers the weight of the given shape and, if bias, a bias of out
// elements, then initialises them as reset_parameters does.
func (w *weighted) init(name string, weightShape []int64, out int64, bias bool) {
	w.typeName = name
	w.Weight = w.RegisterParameter("weight", torch.Empty(weightShape))
	if bias {
		w.Bias = w.RegisterParameter("bias", torch.Empty([]int64{out}))
	}
	resetKaiming(w.Weight, w.Bias)
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
