package nn

import "github.com/torchgo/torchgo/torch"

// activation is a parameterless layer applying f.
type activation struct {
	Module
	f func(*torch.Tensor) *torch.Tensor
}

// Forward applies the activation elementwise (or along its dim).
func (a *activation) Forward(x *torch.Tensor) *torch.Tensor { return a.f(x) }

func newActivation(name string, f func(*torch.Tensor) *torch.Tensor) *activation {
	a := &activation{f: f}
	a.typeName = name
	return a
}

// ReLU is max(x, 0).
type ReLU struct{ activation }

// NewReLU makes a ReLU layer.
func NewReLU() *ReLU { return &ReLU{*newActivation("ReLU", (*torch.Tensor).ReLU)} }

// LeakyReLU is x for x ≥ 0 and Slope·x below.
type LeakyReLU struct{ activation }

// NewLeakyReLU makes a LeakyReLU layer (PyTorch's default slope is 0.01).
func NewLeakyReLU(slope float64) *LeakyReLU {
	return &LeakyReLU{*newActivation("LeakyReLU", func(x *torch.Tensor) *torch.Tensor { return torch.LeakyReLU(x, slope) })}
}

// GELU is x·Φ(x), exact (approximate="none").
type GELU struct{ activation }

// NewGELU makes a GELU layer; tanhApprox selects approximate="tanh".
func NewGELU(tanhApprox bool) *GELU {
	return &GELU{*newActivation("GELU", func(x *torch.Tensor) *torch.Tensor { return torch.GELU(x, tanhApprox) })}
}

// SiLU is x·sigmoid(x).
type SiLU struct{ activation }

// NewSiLU makes a SiLU layer.
func NewSiLU() *SiLU { return &SiLU{*newActivation("SiLU", (*torch.Tensor).SiLU)} }

// Sigmoid is 1/(1+e^-x).
type Sigmoid struct{ activation }

// NewSigmoid makes a Sigmoid layer.
func NewSigmoid() *Sigmoid { return &Sigmoid{*newActivation("Sigmoid", (*torch.Tensor).Sigmoid)} }

// Tanh is the hyperbolic tangent.
type Tanh struct{ activation }

// NewTanh makes a Tanh layer.
func NewTanh() *Tanh { return &Tanh{*newActivation("Tanh", (*torch.Tensor).Tanh)} }

// Softmax normalises along Dim.
type Softmax struct{ activation }

// NewSoftmax makes a Softmax over dim.
func NewSoftmax(dim int64) *Softmax {
	return &Softmax{*newActivation("Softmax", func(x *torch.Tensor) *torch.Tensor { return torch.Softmax(x, dim) })}
}

// LogSoftmax is log(softmax) along Dim.
type LogSoftmax struct{ activation }

// NewLogSoftmax makes a LogSoftmax over dim.
func NewLogSoftmax(dim int64) *LogSoftmax {
	return &LogSoftmax{*newActivation("LogSoftmax", func(x *torch.Tensor) *torch.Tensor { return torch.LogSoftmax(x, dim) })}
}

// Identity returns its input.
type Identity struct{ activation }

// NewIdentity makes an Identity layer.
func NewIdentity() *Identity {
	return &Identity{*newActivation("Identity", func(x *torch.Tensor) *torch.Tensor { return x })}
}

// Flatten merges dims Start..End (PyTorch's defaults 1 and -1).
type Flatten struct{ activation }

// NewFlatten makes a Flatten of dims start..end.
func NewFlatten(start, end int64) *Flatten {
	return &Flatten{*newActivation("Flatten", func(x *torch.Tensor) *torch.Tensor { return x.Flatten(start, end) })}
}
