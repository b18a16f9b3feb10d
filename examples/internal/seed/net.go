// Package seed holds the seed walkthrough's network, shared by the examples.
package seed

import (
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/nn"
	F "github.com/torchgo/torchgo/torch/nn/functional"
)

// Net is the seed's network: conv 1→4 3×3 (padding 1), max-pool 2,
// fc 784→100, ReLU, fc 100→10. Its state dict keys are conv.weight,
// conv.bias, fc1.weight, fc1.bias, fc2.weight, fc2.bias.
type Net struct {
	nn.Module
	Conv     *nn.Conv2d
	FC1, FC2 *nn.Linear
}

// NewNet builds the Net, consuming the default generator as Python's Net() does.
func NewNet() *Net {
	n := &Net{}
	n.Conv = nn.Add(n, "conv", nn.NewConv2d(1, 4, 3, nn.ConvConfig{Padding: 1}))
	n.FC1 = nn.Add(n, "fc1", nn.NewLinear(784, 100))
	n.FC2 = nn.Add(n, "fc2", nn.NewLinear(100, 10))
	return n
}

// Forward maps images (N, 1, 28, 28) to logits (N, 10).
func (n *Net) Forward(x *torch.Tensor) *torch.Tensor {
	h := F.MaxPool2d(n.Conv.Forward(x), 2).View(-1, 784)
	return n.FC2.Forward(F.ReLU(n.FC1.Forward(h)))
}
