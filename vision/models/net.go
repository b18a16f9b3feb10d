package models

import (
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/nn"
)

// Net is the seed project's MNIST network: conv 1→4 3×3 (padding 1),
// max_pool 2, flatten to 784, fc1 784→100, ReLU, fc2 100→10. Its state dict
// keys are conv.weight, conv.bias, fc1.weight, fc1.bias, fc2.weight and
// fc2.bias. Input (N, 1, 28, 28), output (N, 10) logits.
type Net struct {
	nn.Module
	Conv     *nn.Conv2d
	FC1, FC2 *nn.Linear
}

// NewNet builds Net with PyTorch's default layer initialisation (conv, fc1,
// fc2 in that order from the default generator).
func NewNet() *Net {
	n := &Net{}
	n.Conv = nn.Add(n, "conv", nn.NewConv2d(1, 4, 3, nn.ConvConfig{Padding: 1}))
	n.FC1 = nn.Add(n, "fc1", nn.NewLinear(784, 100))
	n.FC2 = nn.Add(n, "fc2", nn.NewLinear(100, 10))
	return n
}

// Forward maps (N, 1, 28, 28) images to (N, 10) logits.
func (n *Net) Forward(x *torch.Tensor) *torch.Tensor {
	h := torch.MaxPool2d(n.Conv.Forward(x), torch.PoolOptions{Kernel: []int64{2}}).View(-1, 784)
	return n.FC2.Forward(n.FC1.Forward(h).ReLU())
}

// LeNet5 is LeNet-5 in its common modern form (as in d2l.ai and most
// PyTorch tutorials), for 28×28 inputs: conv1 1→6 5×5 padding 2, ReLU,
// max_pool 2 (→ 6×14×14); conv2 6→16 5×5, ReLU, max_pool 2 (→ 16×5×5);
// flatten to 400; fc1 400→120, ReLU; fc2 120→84, ReLU; fc3 84→10. (The 1998
// original used tanh-like squashing and average pooling; ReLU and max
// pooling train faster.) State dict keys: conv1.*, conv2.*, fc1.*, fc2.*,
// fc3.* (weight and bias). Input (N, 1, 28, 28), output (N, 10) logits.
type LeNet5 struct {
	nn.Module
	Conv1, Conv2  *nn.Conv2d
	FC1, FC2, FC3 *nn.Linear
}

// NewLeNet5 builds LeNet5 with PyTorch's default layer initialisation, in
// the order conv1, conv2, fc1, fc2, fc3.
func NewLeNet5() *LeNet5 {
	n := &LeNet5{}
	n.Conv1 = nn.Add(n, "conv1", nn.NewConv2d(1, 6, 5, nn.ConvConfig{Padding: 2}))
	n.Conv2 = nn.Add(n, "conv2", nn.NewConv2d(6, 16, 5, nn.ConvConfig{}))
	n.FC1 = nn.Add(n, "fc1", nn.NewLinear(400, 120))
	n.FC2 = nn.Add(n, "fc2", nn.NewLinear(120, 84))
	n.FC3 = nn.Add(n, "fc3", nn.NewLinear(84, 10))
	return n
}

// Forward maps (N, 1, 28, 28) images to (N, 10) logits.
func (n *LeNet5) Forward(x *torch.Tensor) *torch.Tensor {
	pool := torch.PoolOptions{Kernel: []int64{2}}
	h := torch.MaxPool2d(n.Conv1.Forward(x).ReLU(), pool)
	h = torch.MaxPool2d(n.Conv2.Forward(h).ReLU(), pool).Flatten(1, -1)
	h = n.FC1.Forward(h).ReLU()
	h = n.FC2.Forward(h).ReLU()
	return n.FC3.Forward(h)
}
