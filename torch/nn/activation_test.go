package nn

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/torch"
)

// onClone forwards a clone of the input, so that an in-place layer does
// not write to a leaf (PyTorch: "layer(xs[0].clone())").
func onClone(l Layer, xs []*torch.Tensor) []*torch.Tensor {
	return []*torch.Tensor{l.(Unary).Forward(xs[0].Clone())}
}

func TestActivationLayersMatchPyTorch(t *testing.T) {
	x := []string{"~torch.randn(3, 5, generator=g) * 3"}
	x4 := []string{"~torch.randn(2, 3, 2, 4, generator=g) * 3"}
	const cl = "layer(xs[0].clone())"
	in := InplaceConfig{Inplace: true}
	cases := []pyCase{
		{name: "ReLU", py: "nn.ReLU()", build: func() Layer { return NewReLU() }},
		{name: "ReLUInplace", py: "nn.ReLU(inplace=True)", pyFwd: cl, forward: onClone, build: func() Layer { return NewReLU(in) }},
		{name: "ReLU6", py: "nn.ReLU6()", build: func() Layer { return NewReLU6() }},
		{name: "ReLU6Inplace", py: "nn.ReLU6(True)", pyFwd: cl, forward: onClone, build: func() Layer { return NewReLU6(in) }},
		{name: "LeakyReLU", py: "nn.LeakyReLU()", build: func() Layer { return NewLeakyReLU() }},
		{name: "LeakyReLUSlopeInplace", py: "nn.LeakyReLU(0.3, inplace=True)", pyFwd: cl, forward: onClone,
			build: func() Layer { return NewLeakyReLU(LeakyReLUConfig{NegativeSlope: fp(0.3), Inplace: true}) }},
		{name: "ELU", py: "nn.ELU()", build: func() Layer { return NewELU() }},
		{name: "ELUAlphaInplace", py: "nn.ELU(alpha=2.0, inplace=True)", pyFwd: cl, forward: onClone,
			build: func() Layer { return NewELU(ELUConfig{Alpha: fp(2), Inplace: true}) }},
		{name: "CELU", py: "nn.CELU(0.7)", build: func() Layer { return NewCELU(ELUConfig{Alpha: fp(0.7)}) }},
		{name: "CELUInplace", py: "nn.CELU(inplace=True)", pyFwd: cl, forward: onClone, build: func() Layer { return NewCELU(ELUConfig{Inplace: true}) }},
		{name: "SELU", py: "nn.SELU()", build: func() Layer { return NewSELU() }},
		{name: "SELUInplace", py: "nn.SELU(inplace=True)", pyFwd: cl, forward: onClone, build: func() Layer { return NewSELU(in) }},
		{name: "GELU", py: "nn.GELU()", build: func() Layer { return NewGELU() }},
		{name: "GELUTanh", py: "nn.GELU(approximate='tanh')", build: func() Layer { return NewGELU(GELUConfig{Approximate: "tanh"}) }},
		{name: "SiLU", py: "nn.SiLU()", build: func() Layer { return NewSiLU() }},
		{name: "SiLUInplace", py: "nn.SiLU(inplace=True)", pyFwd: cl, forward: onClone, build: func() Layer { return NewSiLU(in) }},
		{name: "Mish", py: "nn.Mish()", build: func() Layer { return NewMish() }},
		{name: "MishInplace", py: "nn.Mish(inplace=True)", pyFwd: cl, forward: onClone, build: func() Layer { return NewMish(in) }},
		{name: "Hardswish", py: "nn.Hardswish()", build: func() Layer { return NewHardswish() }},
		{name: "HardswishInplace", py: "nn.Hardswish(inplace=True)", pyFwd: cl, forward: onClone, build: func() Layer { return NewHardswish(in) }},
		{name: "Hardsigmoid", py: "nn.Hardsigmoid()", build: func() Layer { return NewHardsigmoid() }},
		{name: "HardsigmoidInplace", py: "nn.Hardsigmoid(inplace=True)", pyFwd: cl, forward: onClone, build: func() Layer { return NewHardsigmoid(in) }},
		{name: "Hardtanh", py: "nn.Hardtanh()", build: func() Layer { return NewHardtanh() }},
		{name: "HardtanhRange", py: "nn.Hardtanh(-2.5, 0.5, inplace=True)", pyFwd: cl, forward: onClone,
			build: func() Layer { return NewHardtanh(HardtanhConfig{MinVal: fp(-2.5), MaxVal: fp(0.5), Inplace: true}) }},
		{name: "Softplus", py: "nn.Softplus()", build: func() Layer { return NewSoftplus() }},
		{name: "SoftplusBetaThreshold", py: "nn.Softplus(beta=2, threshold=3)", build: func() Layer {
			return NewSoftplus(SoftplusConfig{Beta: fp(2), Threshold: fp(3)})
		}},
		{name: "Softsign", py: "nn.Softsign()", build: func() Layer { return NewSoftsign() }},
		{name: "PReLU", py: "nn.PReLU()", in: x4, build: func() Layer { return NewPReLU() }},
		{name: "PReLUChannels", py: "nn.PReLU(3, init=0.1)", in: x4, build: func() Layer {
			return NewPReLU(PReLUConfig{NumParameters: 3, Init: fp(0.1)})
		}},
		{name: "Threshold", py: "nn.Threshold(0.5, -2.0)", build: func() Layer { return NewThreshold(0.5, -2) }},
		{name: "ThresholdInplace", py: "nn.Threshold(-0.1, 20, inplace=True)", pyFwd: cl, forward: onClone,
			build: func() Layer { return NewThreshold(-0.1, 20, in) }},
		{name: "LogSigmoid", py: "nn.LogSigmoid()", build: func() Layer { return NewLogSigmoid() }},
		{name: "Sigmoid", py: "nn.Sigmoid()", build: func() Layer { return NewSigmoid() }},
		{name: "Tanh", py: "nn.Tanh()", build: func() Layer { return NewTanh() }},
		{name: "Tanhshrink", py: "nn.Tanhshrink()", build: func() Layer { return NewTanhshrink() }},
		{name: "Softshrink", py: "nn.Softshrink()", build: func() Layer { return NewSoftshrink() }},
		{name: "SoftshrinkLambd", py: "nn.Softshrink(1.5)", build: func() Layer { return NewSoftshrink(ShrinkConfig{Lambd: fp(1.5)}) }},
		{name: "Hardshrink", py: "nn.Hardshrink()", build: func() Layer { return NewHardshrink() }},
		{name: "HardshrinkLambd", py: "nn.Hardshrink(lambd=2.0)", build: func() Layer { return NewHardshrink(ShrinkConfig{Lambd: fp(2)}) }},
		{name: "GLU", py: "nn.GLU()", in: x4, build: func() Layer { return NewGLU() }},
		{name: "GLUDim", py: "nn.GLU(dim=2)", in: x4, build: func() Layer { return NewGLU(GLUConfig{Dim: ip(2)}) }},
		{name: "Softmax", py: "nn.Softmax(dim=1)", build: func() Layer { return NewSoftmax(1) }},
		{name: "Softmin", py: "nn.Softmin(dim=0)", build: func() Layer { return NewSoftmin(0) }},
		{name: "LogSoftmax", py: "nn.LogSoftmax(dim=-1)", build: func() Layer { return NewLogSoftmax(-1) }},
		{name: "Softmax2d", py: "nn.Softmax2d()", in: x4, build: func() Layer { return NewSoftmax2d() }},
		{name: "Softmax2dUnbatched", py: "nn.Softmax2d()", in: []string{"~torch.randn(3, 2, 4, generator=g)"}, build: func() Layer { return NewSoftmax2d() }},
		{name: "ELUFloat64", py: "nn.ELU(0.5)", in: []string{"~torch.randn(4, 3, generator=g, dtype=torch.float64)"}, double: true,
			build: func() Layer { return NewELU(ELUConfig{Alpha: fp(0.5)}) }},
	}
	for i := range cases {
		if cases[i].in == nil {
			cases[i].in = x
		}
	}
	runPyCases(t, cases)
}

func TestActivationArgumentErrors(t *testing.T) {
	for _, c := range []struct {
		f   func()
		msg string
	}{
		{func() { NewSoftmax2d().Forward(torch.Zeros([]int64{2, 3})) }, "Softmax2d requires a 3D or 4D tensor as input"},
		{func() { NewGLU().Forward(torch.Scalar(1.0)) }, "glu does not support scalars because halving size must be even"},
		{func() { NewHardtanh(HardtanhConfig{MinVal: fp(1)}) }, "must be greater than min_val"},
	} {
		err := torch.Catch(func() error { c.f(); return nil })
		require.ErrorContains(t, err, c.msg)
	}
}
