// Package functional is torch.nn.functional: the stateless forms of the
// layers and the losses. Import it as F to read like the Python it replaces:
//
//	x = F.MaxPool2d(F.ReLU(conv.Forward(x)), 2)
//	loss := F.CrossEntropy(logits, labels)
package functional

import "github.com/torchgo/torchgo/torch"

// Conv2d convolves x (N, Cin, H, W) with w (Cout, Cin/groups, KH, KW) plus b (or nil).
func Conv2d(x, w, b *torch.Tensor, o torch.ConvOptions) *torch.Tensor {
	return torch.Conv2d(x, w, b, o)
}

// MaxPool2d takes maxima over kernel×kernel windows with stride kernel, as F.max_pool2d(x, kernel).
func MaxPool2d(x *torch.Tensor, kernel int64) *torch.Tensor {
	return torch.MaxPool2d(x, torch.PoolOptions{Kernel: []int64{kernel}})
}

// MaxPool2dWith is F.max_pool2d with every option.
func MaxPool2dWith(x *torch.Tensor, o torch.PoolOptions) *torch.Tensor { return torch.MaxPool2d(x, o) }

// ReLU is max(x, 0).
func ReLU(x *torch.Tensor) *torch.Tensor { return x.ReLU() }

// Dropout zeroes elements with probability p when training, scaling the rest by 1/(1-p).
func Dropout(x *torch.Tensor, p float64, training bool) *torch.Tensor {
	return torch.Dropout(x, p, training)
}

// Softmax normalises exp(x) along dim.
func Softmax(x *torch.Tensor, dim int64) *torch.Tensor { return torch.Softmax(x, dim) }

// LogSoftmax is log(softmax(x)) along dim.
func LogSoftmax(x *torch.Tensor, dim int64) *torch.Tensor { return torch.LogSoftmax(x, dim) }

// Pad pads x's last dims by pad = (left, right, top, bottom, …).
func Pad(x *torch.Tensor, pad []int64, mode torch.PadMode, value float64) *torch.Tensor {
	return torch.Pad(x, pad, mode, value)
}

// Interpolate resizes x (N, C, H, W) to size, nearest or bilinear.
func Interpolate(x *torch.Tensor, size []int64, bilinear, alignCorners bool) *torch.Tensor {
	return torch.Interpolate(x, size, bilinear, alignCorners)
}

// OneHot turns Int64 class indices into one-hot rows (numClasses -1: inferred).
func OneHot(x *torch.Tensor, numClasses int64) *torch.Tensor { return torch.OneHot(x, numClasses) }

// CrossEntropy is F.cross_entropy(logits, target) with PyTorch's defaults
// (mean reduction, ignore_index -100, no weight, no label smoothing).
func CrossEntropy(logits, target *torch.Tensor) *torch.Tensor {
	return torch.CrossEntropy(logits, target, torch.CrossEntropyOptions{})
}

// CrossEntropyWith is F.cross_entropy with weight, ignore_index, label_smoothing and reduction.
func CrossEntropyWith(logits, target *torch.Tensor, o torch.CrossEntropyOptions) *torch.Tensor {
	return torch.CrossEntropy(logits, target, o)
}

// NLLLoss is F.nll_loss of log-probabilities (mean reduction, ignore_index -100).
func NLLLoss(logProbs, target *torch.Tensor) *torch.Tensor {
	return torch.NLLLoss(logProbs, target, nil, torch.DefaultIgnoreIndex, torch.ReduceMean)
}

// MSELoss is the mean squared error.
func MSELoss(x, y *torch.Tensor) *torch.Tensor { return torch.MSELoss(x, y, torch.ReduceMean) }

// L1Loss is the mean absolute error.
func L1Loss(x, y *torch.Tensor) *torch.Tensor { return torch.L1Loss(x, y, torch.ReduceMean) }

// SmoothL1Loss is F.smooth_l1_loss with threshold beta (PyTorch's default 1).
func SmoothL1Loss(x, y *torch.Tensor, beta float64) *torch.Tensor {
	return torch.SmoothL1Loss(x, y, torch.ReduceMean, beta)
}

// BinaryCrossEntropy of probabilities x and targets y (mean).
func BinaryCrossEntropy(x, y *torch.Tensor) *torch.Tensor {
	return torch.BinaryCrossEntropy(x, y, nil, torch.ReduceMean)
}

// BinaryCrossEntropyWithLogits of logits x and targets y (mean).
func BinaryCrossEntropyWithLogits(x, y *torch.Tensor) *torch.Tensor {
	return torch.BinaryCrossEntropyWithLogits(x, y, nil, nil, torch.ReduceMean)
}

// KLDivBatchMean is F.kl_div(x, y, reduction="batchmean"): the summed
// divergence divided by the batch size (x's dim 0), the mathematically
// correct KL divergence for log-probabilities x and probabilities y.
func KLDivBatchMean(x, y *torch.Tensor) *torch.Tensor {
	var out *torch.Tensor
	torch.WithScope(func(s *torch.Scope) {
		out = torch.KLDiv(x, y, torch.ReduceSum, false).DivScalar(x.Size(0))
		s.Keep(out)
	})
	return out
}
