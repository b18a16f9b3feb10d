package nn

import (
	"fmt"

	"github.com/torchgo/torchgo/torch"
)

// ModuleInfo adapters (see moduleinfo_test.go) for the layers package nn
// had when TestModuleInfoMatchesPyTorch was written: Linear, Conv1d,
// Conv2d, ConvTranspose2d, BatchNorm2d, MaxPool2d, AdaptiveAvgPool2d,
// Embedding, ReLU, Sigmoid; and, wrapped in a test-only module because
// package nn has no loss modules, L1Loss, NLLLoss and CrossEntropyLoss on
// torch's functions. They are baseline adapters: an adapter registered with
// registerModuleInfo under the same name takes their place.
func init() {
	registerModuleInfoBaseline("Linear", false, miAdapter{
		New: func(c miValues) (Layer, error) {
			if err := c.Accept("in_features", "out_features", "bias"); err != nil {
				return nil, err
			}
			in, out := c.Int(0, "in_features", 0), c.Int(1, "out_features", 0)
			if c.Bool(2, "bias", true) {
				return NewLinear(in, out), nil
			}
			return NewLinearNoBias(in, out), nil
		},
		Forward: miUnary,
	})
	registerModuleInfoBaseline("Conv1d", false, miAdapter{
		New: func(c miValues) (Layer, error) {
			in, out, k, cfg, err := miConvArgs(c)
			if err != nil {
				return nil, err
			}
			return NewConv1d(in, out, k, cfg), nil
		},
		Forward: miUnary,
	})
	registerModuleInfoBaseline("Conv2d", false, miAdapter{
		New: func(c miValues) (Layer, error) {
			in, out, k, cfg, err := miConvArgs(c)
			if err != nil {
				return nil, err
			}
			return NewConv2d(in, out, k, cfg), nil
		},
		Forward: miUnary,
	})
	registerModuleInfoBaseline("ConvTranspose2d", false, miAdapter{
		New: func(c miValues) (Layer, error) {
			// ConvTranspose2d(in, out, kernel_size, stride=1, padding=0,
			// output_padding=0, groups=1, bias=True, dilation=1, padding_mode='zeros')
			if err := c.Accept("in_channels", "out_channels", "kernel_size", "stride", "padding",
				"output_padding", "groups", "bias", "dilation", "padding_mode"); err != nil {
				return nil, err
			}
			if pm := c.String(9, "padding_mode", "zeros"); pm != "zeros" {
				return nil, miNA("padding_mode=%q not supported by nn.ConvTranspose2d", pm)
			}
			var cfg ConvTranspose2dConfig
			var k int64
			var err error
			for _, f := range []struct {
				i    int
				name string
				dst  *int64
				dflt int64
			}{{2, "kernel_size", &k, 0}, {3, "stride", &cfg.Stride, 1}, {4, "padding", &cfg.Padding, 0},
				{5, "output_padding", &cfg.OutputPadding, 0}, {8, "dilation", &cfg.Dilation, 1}} {
				if *f.dst, err = miSquare(c, f.i, f.name, f.dflt); err != nil {
					return nil, err
				}
			}
			cfg.Groups = c.Int(6, "groups", 1)
			cfg.NoBias = !c.Bool(7, "bias", true)
			return NewConvTranspose2d(c.Int(0, "in_channels", 0), c.Int(1, "out_channels", 0), k, cfg), nil
		},
		Forward: func(m Layer, fwd miValues) ([]*torch.Tensor, error) {
			if !fwd.IsNone(1, "output_size") {
				return nil, miNA("output_size not supported by nn.ConvTranspose2d")
			}
			return miUnary(m, miValues{Args: fwd.Args[:min(len(fwd.Args), 1)], Kwargs: miWithout(fwd.Kwargs, "output_size")})
		},
	})
	registerModuleInfoBaseline("BatchNorm2d", false, miAdapter{
		New: func(c miValues) (Layer, error) {
			if err := c.Accept("num_features", "eps", "momentum", "affine", "track_running_stats"); err != nil {
				return nil, err
			}
			cfg := BatchNormConfig{
				Eps:                 c.Float(1, "eps", 1e-5),
				NoAffine:            !c.Bool(3, "affine", true),
				NoTrackRunningStats: !c.Bool(4, "track_running_stats", true),
			}
			if c.Has(2, "momentum") && c.IsNone(2, "momentum") {
				cfg.CumulativeAverage = true
			} else {
				cfg.Momentum = c.Float(2, "momentum", 0.1)
			}
			if cfg.Eps == 0 || (cfg.Momentum == 0 && !cfg.CumulativeAverage) {
				return nil, miNA("eps=0 or momentum=0 cannot be expressed in BatchNormConfig (0 means the default)")
			}
			return NewBatchNorm2d(c.Int(0, "num_features", 0), cfg), nil
		},
		Forward: miUnary,
	})
	registerModuleInfoBaseline("MaxPool2d", false, miAdapter{
		New: func(c miValues) (Layer, error) {
			// MaxPool2d(kernel_size, stride=None, padding=0, dilation=1,
			// return_indices=False, ceil_mode=False)
			if err := c.Accept("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"); err != nil {
				return nil, err
			}
			if c.Bool(4, "return_indices", false) {
				return nil, miNA("return_indices=True not supported by nn.MaxPool2d")
			}
			k, err := miSquare(c, 0, "kernel_size", 0)
			if err != nil {
				return nil, err
			}
			var cfg PoolConfig
			if !c.IsNone(1, "stride") {
				if cfg.Stride, err = miSquare(c, 1, "stride", 0); err != nil {
					return nil, err
				}
			}
			if cfg.Padding, err = miSquare(c, 2, "padding", 0); err != nil {
				return nil, err
			}
			if cfg.Dilation, err = miSquare(c, 3, "dilation", 1); err != nil {
				return nil, err
			}
			cfg.CeilMode = c.Bool(5, "ceil_mode", false)
			return NewMaxPool2d(k, cfg), nil
		},
		Forward: miUnary,
	})
	registerModuleInfoBaseline("AdaptiveAvgPool2d", false, miAdapter{
		New: func(c miValues) (Layer, error) {
			if err := c.Accept("output_size"); err != nil {
				return nil, err
			}
			if x, _ := c.Get(0, "output_size"); x != nil {
				if l, ok := x.([]any); ok {
					for _, e := range l {
						if e == nil {
							return nil, miNA("output_size with None (keep the input's size) not supported by nn.AdaptiveAvgPool2d")
						}
					}
				}
			}
			hw := c.Ints(0, "output_size")
			switch len(hw) {
			case 1:
				return NewAdaptiveAvgPool2d(hw[0], hw[0]), nil
			case 2:
				return NewAdaptiveAvgPool2d(hw[0], hw[1]), nil
			}
			return nil, fmt.Errorf("output_size %v", hw)
		},
		Forward: miUnary,
	})
	registerModuleInfoBaseline("Embedding", false, miAdapter{
		New: func(c miValues) (Layer, error) {
			if err := c.Accept("num_embeddings", "embedding_dim", "padding_idx"); err != nil {
				return nil, err
			}
			num, dim := c.Int(0, "num_embeddings", 0), c.Int(1, "embedding_dim", 0)
			pad := c.Int(2, "padding_idx", -1)
			if c.IsNone(2, "padding_idx") {
				pad = -1
			} else if pad < 0 {
				pad += num // PyTorch counts a negative padding_idx from the end
			}
			return NewEmbedding(num, dim, pad), nil
		},
		Forward: miUnary,
	})
	registerModuleInfoBaseline("ReLU", false, miAdapter{
		New: func(c miValues) (Layer, error) {
			if err := c.Accept("inplace"); err != nil {
				return nil, err
			}
			if c.Bool(0, "inplace", false) {
				return nil, miNA("inplace=True not supported by nn.ReLU")
			}
			return NewReLU(), nil
		},
		Forward: miUnary,
	})
	registerModuleInfoBaseline("Sigmoid", false, miAdapter{
		New: func(c miValues) (Layer, error) {
			if err := c.Accept(); err != nil {
				return nil, err
			}
			return NewSigmoid(), nil
		},
		Forward: miUnary,
	})

	// Losses: package nn has no loss modules, so these wrap torch's loss
	// functions in miLoss, which registers a weight buffer as
	// _WeightedLoss does (it is part of PyTorch's state dict).
	registerModuleInfoBaseline("L1Loss", true, miAdapter{
		New: func(c miValues) (Layer, error) {
			if err := c.Accept("size_average", "reduce", "reduction"); err != nil {
				return nil, err
			}
			r, err := miReduction(c, 2)
			if err != nil {
				return nil, err
			}
			return newMiLoss(func(l *miLoss, x, y *torch.Tensor) *torch.Tensor { return torch.L1Loss(x, y, r) }, nil), nil
		},
		Forward: miLossForward,
	})
	registerModuleInfoBaseline("NLLLoss", true, miAdapter{
		New: func(c miValues) (Layer, error) {
			if err := c.Accept("weight", "size_average", "ignore_index", "reduce", "reduction"); err != nil {
				return nil, err
			}
			r, err := miReduction(c, 4)
			if err != nil {
				return nil, err
			}
			ignore := c.Int(2, "ignore_index", torch.DefaultIgnoreIndex)
			return newMiLoss(func(l *miLoss, x, y *torch.Tensor) *torch.Tensor {
				return torch.NLLLoss(x, y, l.Weight, ignore, r)
			}, c.Tensor(0, "weight")), nil
		},
		Forward: miLossForward,
	})
	registerModuleInfoBaseline("CrossEntropyLoss", true, miAdapter{
		New: func(c miValues) (Layer, error) {
			if err := c.Accept("weight", "size_average", "ignore_index", "reduce", "reduction", "label_smoothing"); err != nil {
				return nil, err
			}
			r, err := miReduction(c, 4)
			if err != nil {
				return nil, err
			}
			ignore := c.Int(2, "ignore_index", torch.DefaultIgnoreIndex)
			smoothing := c.Float(5, "label_smoothing", 0)
			return newMiLoss(func(l *miLoss, x, y *torch.Tensor) *torch.Tensor {
				return torch.CrossEntropy(x, y, torch.CrossEntropyOptions{
					Weight: l.Weight, IgnoreIndex: &ignore, LabelSmoothing: smoothing, Reduction: r})
			}, c.Tensor(0, "weight")), nil
		},
		Forward: miLossForward,
	})
}

// miConvArgs reads Conv1d/Conv2d's arguments (in_channels, out_channels,
// kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
// padding_mode='zeros') into ConvConfig, which takes one value for all
// spatial dims.
func miConvArgs(c miValues) (in, out, k int64, cfg ConvConfig, err error) {
	if err = c.Accept("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation",
		"groups", "bias", "padding_mode"); err != nil {
		return
	}
	if pm := c.String(8, "padding_mode", "zeros"); pm != "zeros" {
		err = miNA("padding_mode=%q not supported by nn.ConvConfig", pm)
		return
	}
	in, out = c.Int(0, "in_channels", 0), c.Int(1, "out_channels", 0)
	if k, err = miSquare(c, 2, "kernel_size", 0); err != nil {
		return
	}
	if cfg.Stride, err = miSquare(c, 3, "stride", 1); err != nil {
		return
	}
	if x, _ := c.Get(4, "padding"); x != nil {
		if s, ok := x.(string); ok {
			switch s {
			case "same":
				cfg.PaddingSame = true
			case "valid":
			default:
				err = fmt.Errorf("padding=%q", s)
				return
			}
		} else if cfg.Padding, err = miSquare(c, 4, "padding", 0); err != nil {
			return
		}
	}
	if cfg.Dilation, err = miSquare(c, 5, "dilation", 1); err != nil {
		return
	}
	cfg.Groups = c.Int(6, "groups", 1)
	cfg.NoBias = !c.Bool(7, "bias", true)
	return
}

// miSquare reads an int-or-tuple argument whose values are all equal (the
// nn configs hold one value for every spatial dim).
func miSquare(c miValues, i int, name string, dflt int64) (int64, error) {
	v := c.Ints(i, name, dflt)
	if len(v) == 0 {
		return 0, fmt.Errorf("%s=()", name)
	}
	for _, x := range v[1:] {
		if x != v[0] {
			return 0, miNA("%s=%v: one value per dim not supported by package nn's configs", name, v)
		}
	}
	return v[0], nil
}

// miReduction reads reduction (at position i), refusing the deprecated
// size_average and reduce.
func miReduction(c miValues, i int) (torch.Reduction, error) {
	if !c.IsNone(-1, "size_average") || !c.IsNone(-1, "reduce") {
		return 0, miNA("size_average/reduce (deprecated) not supported")
	}
	switch r := c.String(i, "reduction", "mean"); r {
	case "mean":
		return torch.ReduceMean, nil
	case "sum":
		return torch.ReduceSum, nil
	case "none":
		return torch.ReduceNone, nil
	default:
		return 0, fmt.Errorf("reduction=%q", r)
	}
}

func miWithout(kw map[string]any, names ...string) map[string]any {
	out := map[string]any{}
	for k, v := range kw {
		out[k] = v
	}
	for _, n := range names {
		delete(out, n)
	}
	return out
}

// miLoss is a test-only module around a loss function of (input, target),
// with PyTorch's weight buffer when one is given.
type miLoss struct {
	Module
	Weight *torch.Tensor
	f      func(l *miLoss, x, y *torch.Tensor) *torch.Tensor
}

func newMiLoss(f func(l *miLoss, x, y *torch.Tensor) *torch.Tensor, weight *torch.Tensor) *miLoss {
	l := &miLoss{f: f}
	if weight != nil {
		l.Weight = l.RegisterBuffer("weight", weight, true)
	}
	return l
}

func miLossForward(m Layer, fwd miValues) ([]*torch.Tensor, error) {
	if err := fwd.Accept("input", "target"); err != nil {
		return nil, err
	}
	l := m.(*miLoss)
	return []*torch.Tensor{l.f(l, fwd.Tensor(0, "input"), fwd.Tensor(1, "target"))}, nil
}
