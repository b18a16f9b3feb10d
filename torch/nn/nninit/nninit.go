// Package nninit holds the weight initialisers of torch.nn.init. Each one
// fills a tensor in place without recording autograd and consumes the
// generator (nil: the default one) exactly as PyTorch 1.13 does, so that the
// same seed gives the same weights as Python.
package nninit

import (
	"fmt"
	"math"

	"github.com/torchgo/torchgo/torch"
)

// Uniform_ fills t with values from U(a, b). Returns t.
func Uniform_(t *torch.Tensor, a, b float64, gen *torch.Generator) *torch.Tensor {
	torch.NoGrad(func() { t.Uniform_(a, b, gen) })
	return t
}

// Normal_ fills t with values from N(mean, std²). Returns t.
func Normal_(t *torch.Tensor, mean, std float64, gen *torch.Generator) *torch.Tensor {
	torch.NoGrad(func() { t.Normal_(mean, std, gen) })
	return t
}

// Constant_ fills t with v. Returns t.
func Constant_(t *torch.Tensor, v float64) *torch.Tensor {
	torch.NoGrad(func() { t.Fill_(v) })
	return t
}

// Zeros_ fills t with 0. Returns t.
func Zeros_(t *torch.Tensor) *torch.Tensor { return Constant_(t, 0) }

// Ones_ fills t with 1. Returns t.
func Ones_(t *torch.Tensor) *torch.Tensor { return Constant_(t, 1) }

// FanInFanOut returns a weight's fan-in and fan-out as PyTorch computes
// them: dim 1 and dim 0 times the product of the remaining (receptive
// field) dims. t needs at least 2 dims.
func FanInFanOut(t *torch.Tensor) (fanIn, fanOut int64, err error) {
	shape := t.Shape()
	if len(shape) < 2 {
		return 0, 0, fmt.Errorf("nninit: fan in and fan out need a tensor of at least 2 dims, got %v", shape)
	}
	receptive := int64(1)
	for _, s := range shape[2:] {
		receptive *= s
	}
	return shape[1] * receptive, shape[0] * receptive, nil
}

// Gain returns torch.nn.init.calculate_gain(nonlinearity, param): 1 for
// "linear", "conv*d", "sigmoid"; 5/3 for "tanh"; √2 for "relu";
// √(2/(1+param²)) for "leaky_relu" (param is the negative slope, 0.01 when
// NaN is passed); 3/4 for "selu".
func Gain(nonlinearity string, param float64) (float64, error) {
	switch nonlinearity {
	case "linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid":
		return 1, nil
	case "tanh":
		return 5.0 / 3, nil
	case "relu":
		return math.Sqrt(2.0), nil
	case "leaky_relu":
		slope := param
		if math.IsNaN(param) {
			slope = 0.01
		}
		return math.Sqrt(2.0 / (1 + slope*slope)), nil
	case "selu":
		return 3.0 / 4, nil
	}
	return 0, fmt.Errorf("nninit: unsupported nonlinearity %q", nonlinearity)
}

// Mode says which fan Kaiming initialisation preserves.
type Mode int

// Kaiming modes; FanIn is PyTorch's default.
const (
	FanIn Mode = iota
	FanOut
)

func kaimingStd(t *torch.Tensor, a float64, mode Mode, nonlinearity string) (float64, error) {
	fanIn, fanOut, err := FanInFanOut(t)
	if err != nil {
		return 0, err
	}
	fan := fanIn
	if mode == FanOut {
		fan = fanOut
	}
	gain, err := Gain(nonlinearity, a)
	if err != nil {
		return 0, err
	}
	return gain / math.Sqrt(float64(fan)), nil
}

// KaimingUniform_ fills t from U(-b, b) with b = gain·√(3/fan), as
// kaiming_uniform_(t, a, mode, nonlinearity) (PyTorch's defaults: a=0,
// FanIn, "leaky_relu"). Layers use it with a=√5. Returns t.
func KaimingUniform_(t *torch.Tensor, a float64, mode Mode, nonlinearity string, gen *torch.Generator) (*torch.Tensor, error) {
	std, err := kaimingStd(t, a, mode, nonlinearity)
	if err != nil {
		return t, err
	}
	bound := math.Sqrt(3.0) * std
	return Uniform_(t, -bound, bound, gen), nil
}

// KaimingNormal_ fills t from N(0, std²) with std = gain/√fan. Returns t.
func KaimingNormal_(t *torch.Tensor, a float64, mode Mode, nonlinearity string, gen *torch.Generator) (*torch.Tensor, error) {
	std, err := kaimingStd(t, a, mode, nonlinearity)
	if err != nil {
		return t, err
	}
	return Normal_(t, 0, std, gen), nil
}

// XavierUniform_ fills t from U(-b, b) with b = gain·√(6/(fan_in+fan_out)). Returns t.
func XavierUniform_(t *torch.Tensor, gain float64, gen *torch.Generator) (*torch.Tensor, error) {
	fanIn, fanOut, err := FanInFanOut(t)
	if err != nil {
		return t, err
	}
	std := gain * math.Sqrt(2.0/float64(fanIn+fanOut))
	a := math.Sqrt(3.0) * std
	return Uniform_(t, -a, a, gen), nil
}

// XavierNormal_ fills t from N(0, std²) with std = gain·√(2/(fan_in+fan_out)). Returns t.
func XavierNormal_(t *torch.Tensor, gain float64, gen *torch.Generator) (*torch.Tensor, error) {
	fanIn, fanOut, err := FanInFanOut(t)
	if err != nil {
		return t, err
	}
	std := gain * math.Sqrt(2.0/float64(fanIn+fanOut))
	return Normal_(t, 0, std, gen), nil
}

// TruncNormal_ fills t from N(mean, std²) truncated to [a, b], by inverse
// CDF sampling exactly as trunc_normal_ (PyTorch's defaults: 0, 1, -2, 2). Returns t.
func TruncNormal_(t *torch.Tensor, mean, std, a, b float64, gen *torch.Generator) *torch.Tensor {
	normCDF := func(x float64) float64 { return (1 + math.Erf(x/math.Sqrt(2))) / 2 }
	l := normCDF((a - mean) / std)
	u := normCDF((b - mean) / std)
	torch.NoGrad(func() {
		t.Uniform_(2*l-1, 2*u-1, gen)
		t.Erfinv_()
		t.MulScalar_(std * math.Sqrt(2.0))
		t.AddScalar_(mean)
		t.Clamp_(a, b)
	})
	return t
}
