package nn

import (
	"testing"

	"github.com/torchgo/torchgo/torch"
)

func TestLinearLayersMatchPyTorch(t *testing.T) {
	runPyCases(t, []pyCase{
		{name: "Linear", py: "nn.Linear(5, 3)", in: []string{"~torch.randn(4, 5, generator=g)"},
			build: func() Layer { return NewLinear(5, 3) }},
		{name: "LinearNoBias3d", py: "nn.Linear(5, 3, bias=False)", in: []string{"~torch.randn(2, 4, 5, generator=g)"},
			build: func() Layer { return NewLinear(5, 3, LinearConfig{NoBias: true}) }},
		{name: "LinearUnbatched", py: "nn.Linear(6, 2, bias=False)", in: []string{"~torch.randn(6, generator=g)"},
			build: func() Layer { return NewLinearNoBias(6, 2) }},
		{name: "LinearFloat64", py: "nn.Linear(4, 3, dtype=torch.float64)", in: []string{"~torch.randn(2, 4, generator=g, dtype=torch.float64)"},
			build: func() Layer { return NewLinear(4, 3, LinearConfig{Factory: []torch.Option{torch.Float64}}) }},
		{name: "Bilinear", py: "nn.Bilinear(3, 4, 5)", in: []string{"~torch.randn(6, 3, generator=g)", "~torch.randn(6, 4, generator=g)"},
			build: func() Layer { return NewBilinear(3, 4, 5) }},
		{name: "BilinearNoBias", py: "nn.Bilinear(2, 3, 4, bias=False)", in: []string{"~torch.randn(2, 5, 2, generator=g)", "~torch.randn(2, 5, 3, generator=g)"},
			build: func() Layer { return NewBilinear(2, 3, 4, LinearConfig{NoBias: true}) }},
		{name: "BilinearUnbatched", py: "nn.Bilinear(2, 3, 4)", in: []string{"~torch.randn(2, generator=g)", "~torch.randn(3, generator=g)"},
			build: func() Layer { return NewBilinear(2, 3, 4) }},
		{name: "Identity", py: "nn.Identity(54, unused='x')", in: []string{"~torch.randn(3, 2, generator=g)"},
			build: func() Layer { return NewIdentity() }},
	})
}
