package nn

import (
	"fmt"

	"github.com/torchgo/torchgo/torch"
	F "github.com/torchgo/torchgo/torch/nn/functional"
)

// ModuleInfo adapters (see moduleinfo_test.go) for the layers and losses
// of linear.go, conv.go, norm.go, pool.go, embedding.go, activation.go and
// loss.go.
func init() {
	registerModuleInfo("Linear", miAdapter{
		New: func(c miValues) (Layer, error) {
			if err := c.Accept("in_features", "out_features", "bias", "device", "dtype"); err != nil {
				return nil, err
			}
			f, err := mlFactory(c)
			if err != nil {
				return nil, err
			}
			return NewLinear(c.Int(0, "in_features", 0), c.Int(1, "out_features", 0),
				LinearConfig{NoBias: !c.Bool(2, "bias", true), Factory: f}), nil
		},
		Forward: miUnary,
	})
	registerModuleInfo("Bilinear", miAdapter{
		New: func(c miValues) (Layer, error) {
			if err := c.Accept("in1_features", "in2_features", "out_features", "bias", "device", "dtype"); err != nil {
				return nil, err
			}
			f, err := mlFactory(c)
			if err != nil {
				return nil, err
			}
			return NewBilinear(c.Int(0, "in1_features", 0), c.Int(1, "in2_features", 0), c.Int(2, "out_features", 0),
				LinearConfig{NoBias: !c.Bool(3, "bias", true), Factory: f}), nil
		},
		Forward: func(m Layer, fwd miValues) ([]*torch.Tensor, error) {
			if err := fwd.Accept("input1", "input2"); err != nil {
				return nil, err
			}
			return []*torch.Tensor{m.(*Bilinear).Forward(fwd.Tensor(0, "input1"), fwd.Tensor(1, "input2"))}, nil
		},
	})
	for nd, name := range []string{"", "Conv1d", "Conv2d", "Conv3d"} {
		if nd == 0 {
			continue
		}
		nd, name := nd, name
		registerModuleInfo(name, miAdapter{
			New: func(c miValues) (Layer, error) {
				in, out, cfg, err := mlConvArgs(c)
				if err != nil {
					return nil, err
				}
				switch nd {
				case 1:
					return NewConv1d(in, out, 0, cfg), nil
				case 2:
					return NewConv2d(in, out, 0, cfg), nil
				}
				return NewConv3d(in, out, 0, cfg), nil
			},
			Forward: miUnary,
		})
	}
	for nd, name := range []string{"", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"} {
		if nd == 0 {
			continue
		}
		nd, name := nd, name
		registerModuleInfo(name, miAdapter{
			New: func(c miValues) (Layer, error) {
				in, out, cfg, err := mlConvTransposeArgs(c)
				if err != nil {
					return nil, err
				}
				switch nd {
				case 1:
					return NewConvTranspose1d(in, out, 0, cfg), nil
				case 2:
					return NewConvTranspose2d(in, out, 0, cfg), nil
				}
				return NewConvTranspose3d(in, out, 0, cfg), nil
			},
			Forward: func(m Layer, fwd miValues) ([]*torch.Tensor, error) {
				if err := fwd.Accept("input", "output_size"); err != nil {
					return nil, err
				}
				x, size := fwd.Tensor(0, "input"), fwd.Ints(1, "output_size")
				type sized interface {
					ForwardOutputSize(x *torch.Tensor, outputSize []int64) *torch.Tensor
				}
				return []*torch.Tensor{m.(sized).ForwardOutputSize(x, size)}, nil
			},
		})
	}
	for _, name := range []string{"BatchNorm2d", "BatchNorm3d"} {
		name := name
		registerModuleInfo(name, miAdapter{
			New: func(c miValues) (Layer, error) {
				if err := c.Accept("num_features", "eps", "momentum", "affine", "track_running_stats", "device", "dtype"); err != nil {
					return nil, err
				}
				f, err := mlFactory(c)
				if err != nil {
					return nil, err
				}
				cfg := BatchNormConfig{Eps: c.Float(1, "eps", 1e-5), NoAffine: !c.Bool(3, "affine", true),
					NoTrackRunningStats: !c.Bool(4, "track_running_stats", true), Factory: f}
				if c.Has(2, "momentum") && c.IsNone(2, "momentum") {
					cfg.CumulativeAverage = true
				} else {
					cfg.Momentum = c.Float(2, "momentum", 0.1)
				}
				if cfg.Eps == 0 || (cfg.Momentum == 0 && !cfg.CumulativeAverage) {
					return nil, miNA("eps=0 or momentum=0 cannot be expressed in BatchNormConfig (0 means the default)")
				}
				if n := c.Int(0, "num_features", 0); name == "BatchNorm2d" {
					return NewBatchNorm2d(n, cfg), nil
				} else {
					return NewBatchNorm3d(n, cfg), nil
				}
			},
			Forward: miUnary,
		})
	}
	registerModuleInfo("MaxPool2d", miAdapter{
		New: func(c miValues) (Layer, error) {
			if err := c.Accept("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"); err != nil {
				return nil, err
			}
			k, err := mlOne(c, 0, "kernel_size", 0)
			if err != nil {
				return nil, err
			}
			var cfg PoolConfig
			if !c.IsNone(1, "stride") {
				if cfg.Stride, err = mlOne(c, 1, "stride", 0); err != nil {
					return nil, err
				}
			}
			if cfg.Padding, err = mlOne(c, 2, "padding", 0); err != nil {
				return nil, err
			}
			if cfg.Dilation, err = mlOne(c, 3, "dilation", 1); err != nil {
				return nil, err
			}
			cfg.CeilMode = c.Bool(5, "ceil_mode", false)
			return &mlMaxPool2d{MaxPool2d: NewMaxPool2d(k, cfg), returnIndices: c.Bool(4, "return_indices", false)}, nil
		},
		ReprNA: "module_db passes (3, 3)-style tuples; NewMaxPool2d's square kernel prints as nn.MaxPool2d(3) does",
		Forward: func(m Layer, fwd miValues) ([]*torch.Tensor, error) {
			if err := fwd.Accept("input"); err != nil {
				return nil, err
			}
			p := m.(*mlMaxPool2d)
			if p.returnIndices {
				out, idx := p.ForwardWithIndices(fwd.Tensor(0, "input"))
				return []*torch.Tensor{out, idx}, nil
			}
			return []*torch.Tensor{p.Forward(fwd.Tensor(0, "input"))}, nil
		},
	})
	registerModuleInfo("AvgPool1d", miAdapter{
		New: func(c miValues) (Layer, error) {
			if err := c.Accept("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"); err != nil {
				return nil, err
			}
			k, err := mlOne(c, 0, "kernel_size", 0)
			if err != nil {
				return nil, err
			}
			var cfg PoolConfig
			if !c.IsNone(1, "stride") {
				if cfg.Stride, err = mlOne(c, 1, "stride", 0); err != nil {
					return nil, err
				}
			}
			if cfg.Padding, err = mlOne(c, 2, "padding", 0); err != nil {
				return nil, err
			}
			cfg.CeilMode = c.Bool(3, "ceil_mode", false)
			cfg.CountExcludePad = !c.Bool(4, "count_include_pad", true)
			return NewAvgPool1d(k, cfg), nil
		},
		Forward: miUnary,
	})
	registerModuleInfo("AdaptiveAvgPool2d", miAdapter{
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
		ReprNA:  "module_db passes output_size=3; NewAdaptiveAvgPool2d(h, w) prints as nn.AdaptiveAvgPool2d((h, w)) does",
		Forward: miUnary,
	})
	registerModuleInfo("Embedding", miAdapter{
		New: func(c miValues) (Layer, error) {
			if err := c.Accept("num_embeddings", "embedding_dim", "padding_idx", "max_norm", "norm_type",
				"scale_grad_by_freq", "sparse", "_weight", "device", "dtype"); err != nil {
				return nil, err
			}
			if c.Bool(6, "sparse", false) {
				return nil, miNA("sparse=True not supported by nn.Embedding")
			}
			f, err := mlFactory(c)
			if err != nil {
				return nil, err
			}
			cfg := EmbeddingConfig{NormType: mlFloatPtr(c, 4, "norm_type"), ScaleGradByFreq: c.Bool(5, "scale_grad_by_freq", false),
				MaxNorm: mlFloatPtr(c, 3, "max_norm"), Factory: f}
			if !c.IsNone(2, "padding_idx") {
				p := c.Int(2, "padding_idx", 0)
				cfg.PaddingIdx = &p
			}
			if w := c.Tensor(7, "_weight"); w != nil {
				return EmbeddingFromPretrained(w, false, cfg), nil
			}
			return NewEmbeddingWith(c.Int(0, "num_embeddings", 0), c.Int(1, "embedding_dim", 0), cfg), nil
		},
		Forward: miUnary,
	})
	registerModuleInfo("ELU", miAdapter{
		New: func(c miValues) (Layer, error) {
			if err := c.Accept("alpha", "inplace"); err != nil {
				return nil, err
			}
			return NewELU(ELUConfig{Alpha: mlFloatPtr(c, 0, "alpha"), Inplace: c.Bool(1, "inplace", false)}), nil
		},
		Forward: miUnary,
	})
	registerModuleInfo("Hardswish", miAdapter{
		New: func(c miValues) (Layer, error) {
			if err := c.Accept("inplace"); err != nil {
				return nil, err
			}
			return NewHardswish(InplaceConfig{Inplace: c.Bool(0, "inplace", false)}), nil
		},
		Forward: miUnary,
	})
	registerModuleInfo("ReLU", miAdapter{
		New: func(c miValues) (Layer, error) {
			if err := c.Accept("inplace"); err != nil {
				return nil, err
			}
			return NewReLU(InplaceConfig{Inplace: c.Bool(0, "inplace", false)}), nil
		},
		Forward: miUnary,
	})
	registerModuleInfo("Sigmoid", miAdapter{
		New: func(c miValues) (Layer, error) {
			if err := c.Accept(); err != nil {
				return nil, err
			}
			return NewSigmoid(), nil
		},
		Forward: miUnary,
	})
	registerModuleInfo("L1Loss", miAdapter{
		New: func(c miValues) (Layer, error) {
			if err := c.Accept("size_average", "reduce", "reduction"); err != nil {
				return nil, err
			}
			r, err := mlReduction(c, 0, 1, 2)
			if err != nil {
				return nil, err
			}
			return NewL1Loss(LossConfig{Reduction: r}), nil
		},
		Forward: mlLossForward,
	})
	registerModuleInfo("NLLLoss", miAdapter{
		New: func(c miValues) (Layer, error) {
			if err := c.Accept("weight", "size_average", "ignore_index", "reduce", "reduction"); err != nil {
				return nil, err
			}
			r, err := mlReduction(c, 1, 3, 4)
			if err != nil {
				return nil, err
			}
			ignore := c.Int(2, "ignore_index", -100)
			return NewNLLLoss(NLLLossConfig{Weight: c.Tensor(0, "weight"), IgnoreIndex: &ignore, Reduction: r}), nil
		},
		Forward: mlLossForward,
	})
	registerModuleInfo("CrossEntropyLoss", miAdapter{
		New: func(c miValues) (Layer, error) {
			if err := c.Accept("weight", "size_average", "ignore_index", "reduce", "reduction", "label_smoothing"); err != nil {
				return nil, err
			}
			r, err := mlReduction(c, 1, 3, 4)
			if err != nil {
				return nil, err
			}
			ignore := c.Int(2, "ignore_index", -100)
			return NewCrossEntropyLoss(CrossEntropyLossConfig{Weight: c.Tensor(0, "weight"), IgnoreIndex: &ignore,
				Reduction: r, LabelSmoothing: c.Float(5, "label_smoothing", 0)}), nil
		},
		Forward: mlLossForward,
	})
	registerModuleInfo("GaussianNLLLoss", miAdapter{
		New: func(c miValues) (Layer, error) {
			// GaussianNLLLoss(*, full=False, eps=1e-6, reduction='mean')
			if len(c.Args) > 0 {
				return nil, miNA("positional arguments: GaussianNLLLoss's are keyword-only")
			}
			for k := range c.Kwargs {
				if k != "full" && k != "eps" && k != "reduction" {
					return nil, miNA("argument %s not supported by the adapter", k)
				}
			}
			return NewGaussianNLLLoss(GaussianNLLLossConfig{Full: c.Bool(-1, "full", false), Eps: mlFloatPtr(c, -1, "eps"),
				Reduction: F.Reduction(c.String(-1, "reduction", "mean"))}), nil
		},
		Forward: func(m Layer, fwd miValues) ([]*torch.Tensor, error) {
			if err := fwd.Accept("input", "target", "var"); err != nil {
				return nil, err
			}
			return []*torch.Tensor{m.(*GaussianNLLLoss).Forward(fwd.Tensor(0, "input"), fwd.Tensor(1, "target"), fwd.Tensor(2, "var"))}, nil
		},
	})
}

// mlMaxPool2d is MaxPool2d with return_indices, which makes forward
// return the indices too.
type mlMaxPool2d struct {
	*MaxPool2d
	returnIndices bool
}

// mlFactory reads device= and dtype= into factory options.
func mlFactory(c miValues) ([]torch.Option, error) {
	var out []torch.Option
	if x, ok := c.Kwargs["dtype"]; ok && x != nil {
		d, ok := x.(torch.DType)
		if !ok {
			return nil, fmt.Errorf("dtype=%v", x)
		}
		out = append(out, d)
	}
	if x, ok := c.Kwargs["device"]; ok && x != nil {
		return nil, miNA("device=%v not supported by the adapter", x)
	}
	return out, nil
}

// mlFloatPtr is a float argument as a pointer, nil when absent or None.
func mlFloatPtr(c miValues, i int, name string) *float64 {
	if c.IsNone(i, name) {
		return nil
	}
	f := c.Float(i, name, 0)
	return &f
}

// mlOne reads an int-or-tuple argument whose values are all equal.
func mlOne(c miValues, i int, name string, dflt int64) (int64, error) {
	v := c.Ints(i, name, dflt)
	if len(v) == 0 {
		return 0, fmt.Errorf("%s=()", name)
	}
	for _, x := range v[1:] {
		if x != v[0] {
			return 0, miNA("%s=%v: one value per dim not supported by PoolConfig", name, v)
		}
	}
	return v[0], nil
}

// mlConvArgs reads Conv1d/2d/3d's (in_channels, out_channels, kernel_size,
// stride=1, padding=0, dilation=1, groups=1, bias=True,
// padding_mode='zeros', device, dtype).
func mlConvArgs(c miValues) (in, out int64, cfg ConvConfig, err error) {
	if err = c.Accept("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation",
		"groups", "bias", "padding_mode", "device", "dtype"); err != nil {
		return
	}
	in, out = c.Int(0, "in_channels", 0), c.Int(1, "out_channels", 0)
	cfg.KernelSize = c.Ints(2, "kernel_size")
	cfg.Strides = c.Ints(3, "stride", 1)
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
		} else {
			cfg.Paddings = c.Ints(4, "padding", 0)
		}
	}
	cfg.Dilations = c.Ints(5, "dilation", 1)
	cfg.Groups = c.Int(6, "groups", 1)
	cfg.NoBias = !c.Bool(7, "bias", true)
	cfg.PaddingMode = c.String(8, "padding_mode", "zeros")
	cfg.Factory, err = mlFactory(c)
	return
}

// mlConvTransposeArgs reads ConvTranspose1d/2d/3d's (in_channels,
// out_channels, kernel_size, stride=1, padding=0, output_padding=0,
// groups=1, bias=True, dilation=1, padding_mode='zeros', device, dtype).
func mlConvTransposeArgs(c miValues) (in, out int64, cfg ConvTransposeConfig, err error) {
	if err = c.Accept("in_channels", "out_channels", "kernel_size", "stride", "padding", "output_padding",
		"groups", "bias", "dilation", "padding_mode", "device", "dtype"); err != nil {
		return
	}
	if pm := c.String(9, "padding_mode", "zeros"); pm != "zeros" {
		err = fmt.Errorf("padding_mode=%q: PyTorch accepts only zeros", pm)
		return
	}
	in, out = c.Int(0, "in_channels", 0), c.Int(1, "out_channels", 0)
	cfg.KernelSize = c.Ints(2, "kernel_size")
	cfg.Strides = c.Ints(3, "stride", 1)
	cfg.Paddings = c.Ints(4, "padding", 0)
	cfg.OutputPaddings = c.Ints(5, "output_padding", 0)
	cfg.Groups = c.Int(6, "groups", 1)
	cfg.NoBias = !c.Bool(7, "bias", true)
	cfg.Dilations = c.Ints(8, "dilation", 1)
	cfg.Factory, err = mlFactory(c)
	return
}

// mlReduction reads reduction (position ri), or the deprecated
// size_average (si) and reduce (di) as _Reduction.legacy_get_string does.
func mlReduction(c miValues, si, di, ri int) (F.Reduction, error) {
	if !c.IsNone(si, "size_average") || !c.IsNone(di, "reduce") {
		sizeAverage, reduce := c.Bool(si, "size_average", true), c.Bool(di, "reduce", true)
		switch {
		case !reduce:
			return F.ReductionNone, nil
		case sizeAverage:
			return F.ReductionMean, nil
		}
		return F.ReductionSum, nil
	}
	return F.Reduction(c.String(ri, "reduction", "mean")), nil
}

// mlLossForward is the forward of a loss of (input, target).
func mlLossForward(m Layer, fwd miValues) ([]*torch.Tensor, error) {
	if err := fwd.Accept("input", "target"); err != nil {
		return nil, err
	}
	l, ok := m.(interface {
		Forward(input, target *torch.Tensor) *torch.Tensor
	})
	if !ok {
		return nil, fmt.Errorf("%T has no Forward(input, target)", m)
	}
	return []*torch.Tensor{l.Forward(fwd.Tensor(0, "input"), fwd.Tensor(1, "target"))}, nil
}
