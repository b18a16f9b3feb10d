// Package functional is torch.nn.functional: the stateless forms of the
// layers and the losses. Import it as F to read like the Python it replaces:
//
//	x = F.MaxPool2d(F.ReLU(conv.Forward(x)), 2)
//	loss := F.CrossEntropy(logits, labels)
//	loss = F.CrossEntropy(logits, labels, F.CrossEntropyOpts{LabelSmoothing: 0.1, Reduction: "sum"})
//
// PyTorch's keyword arguments are an options struct, given last and
// optionally, whose zero value means PyTorch's defaults: fields whose
// default is not Go's zero are pointers, nil meaning the default
// (F.NLLLossOpts{IgnoreIndex: F.Ptr[int64](0)}), and boolean options that
// PyTorch turns on by default are negated (NoLogInput). Each function calls
// the aten operators PyTorch 1.13's Python function calls, in the same
// order, so that results and gradients are the same bit for bit. Invalid
// arguments panic with a *torch.Error carrying PyTorch's message.
package functional

import "github.com/torchgo/torchgo/torch"

// MaxPool2d takes maxima over kernel×kernel windows with stride kernel, as F.max_pool2d(x, kernel).
func MaxPool2d(x *torch.Tensor, kernel int64) *torch.Tensor {
	return torch.MaxPool2d(x, torch.PoolOptions{Kernel: []int64{kernel}})
}

// MaxPool2dWith is F.max_pool2d with every option.
func MaxPool2dWith(x *torch.Tensor, o torch.PoolOptions) *torch.Tensor { return torch.MaxPool2d(x, o) }

// Dropout zeroes elements with probability p when training, scaling the rest by 1/(1-p).
func Dropout(x *torch.Tensor, p float64, training bool) *torch.Tensor {
	return torch.Dropout(x, p, training)
}

// OneHot turns Int64 class indices into one-hot rows (numClasses -1: inferred).
func OneHot(x *torch.Tensor, numClasses int64) *torch.Tensor { return torch.OneHot(x, numClasses) }
