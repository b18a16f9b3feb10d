package nn

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/torch"
)

func bags(l Layer, xs []*torch.Tensor) []*torch.Tensor {
	var psw *torch.Tensor
	if len(xs) > 2 {
		psw = xs[2]
	}
	return []*torch.Tensor{l.(*EmbeddingBag).ForwardBags(xs[0], xs[1], psw)}
}

func TestEmbeddingLayersMatchPyTorch(t *testing.T) {
	idx := func(n int64, shape string) string {
		return "torch.randint(0, " + string(rune('0'+n)) + ", (" + shape + ",), generator=g)"
	}
	pretrained := "torch.randn(6, 3, generator=torch.Generator().manual_seed(3))"
	goPretrained := func() *torch.Tensor { return torch.Randn([]int64{6, 3}, torch.NewGenerator(3)) }
	runPyCases(t, []pyCase{
		{name: "Embedding", py: "nn.Embedding(9, 4)", in: []string{idx(9, "2, 5")},
			build: func() Layer { return NewEmbedding(9, 4, -1) }},
		{name: "EmbeddingPaddingIdx", py: "nn.Embedding(6, 3, padding_idx=2)", in: []string{"torch.tensor([[2, 1, 2], [0, 2, 5]])"},
			build: func() Layer { return NewEmbedding(6, 3, 2) }},
		{name: "EmbeddingNegativePaddingIdx", py: "nn.Embedding(6, 3, padding_idx=-2)", in: []string{"torch.tensor([4, 1, 4, 3])"},
			build: func() Layer { return NewEmbeddingWith(6, 3, EmbeddingConfig{PaddingIdx: ip(-2)}) }},
		{name: "EmbeddingMaxNorm", py: "nn.Embedding(7, 4, max_norm=1.0)", in: []string{"torch.tensor([[1, 3, 3], [6, 0, 1]])"},
			build: func() Layer { return NewEmbeddingWith(7, 4, EmbeddingConfig{MaxNorm: fp(1)}) }},
		{name: "EmbeddingMaxNormL1", py: "nn.Embedding(7, 4, max_norm=1.5, norm_type=1.0)", in: []string{"torch.tensor([2, 5, 2])"},
			build: func() Layer { return NewEmbeddingWith(7, 4, EmbeddingConfig{MaxNorm: fp(1.5), NormType: fp(1)}) }},
		{name: "EmbeddingScaleGradByFreq", py: "nn.Embedding(5, 2, scale_grad_by_freq=True, padding_idx=0)", in: []string{"torch.tensor([[1, 1, 1, 4], [0, 4, 3, 1]])"},
			build: func() Layer { return NewEmbeddingWith(5, 2, EmbeddingConfig{ScaleGradByFreq: true, PaddingIdx: ip(0)}) }},
		{name: "EmbeddingDiscontiguous", py: "nn.Embedding(4, 3)", in: []string{"torch.randint(0, 4, (1, 12), generator=g).expand(3, 12)"},
			build: func() Layer { return NewEmbedding(4, 3, -1) }},
		{name: "EmbeddingFromPretrainedFrozen", py: "nn.Embedding.from_pretrained(" + pretrained + ", padding_idx=1)", in: []string{"torch.tensor([1, 5, 0])"},
			build: func() Layer { return EmbeddingFromPretrained(goPretrained(), true, EmbeddingConfig{PaddingIdx: ip(1)}) }},
		{name: "EmbeddingFromPretrained", py: "nn.Embedding.from_pretrained(" + pretrained + ", freeze=False, max_norm=2.0)", in: []string{"torch.tensor([[1, 5], [0, 5]])"},
			build: func() Layer { return EmbeddingFromPretrained(goPretrained(), false, EmbeddingConfig{MaxNorm: fp(2)}) }},
		{name: "EmbeddingFactoryFloat64", py: "nn.Embedding(5, 2, dtype=torch.float64, padding_idx=4)", in: []string{"torch.tensor([4, 0, 1])"},
			build: func() Layer {
				return NewEmbeddingWith(5, 2, EmbeddingConfig{PaddingIdx: ip(4), Factory: []torch.Option{torch.Float64}})
			}},
		{name: "EmbeddingBagMean2D", py: "nn.EmbeddingBag(8, 3)", in: []string{idx(8, "3, 4")},
			build: func() Layer { return NewEmbeddingBag(8, 3) }},
		{name: "EmbeddingBagSum", py: "nn.EmbeddingBag(8, 3, mode='sum')", in: []string{idx(8, "7"), "torch.tensor([0, 2, 2, 5])"},
			pyFwd: "layer(xs[0], xs[1])", forward: bags,
			build: func() Layer { return NewEmbeddingBag(8, 3, EmbeddingBagConfig{Mode: "sum"}) }},
		{name: "EmbeddingBagMax", py: "nn.EmbeddingBag(8, 3, mode='max')", in: []string{idx(8, "7"), "torch.tensor([0, 3, 4])"},
			pyFwd: "layer(xs[0], xs[1])", forward: bags,
			build: func() Layer { return NewEmbeddingBag(8, 3, EmbeddingBagConfig{Mode: "max"}) }},
		{name: "EmbeddingBagPerSampleWeights", py: "nn.EmbeddingBag(8, 3, mode='sum')",
			in:    []string{idx(8, "6"), "torch.tensor([0, 1, 4])", "~torch.rand(6, generator=g)"},
			pyFwd: "layer(xs[0], xs[1], per_sample_weights=xs[2])", forward: bags,
			build: func() Layer { return NewEmbeddingBag(8, 3, EmbeddingBagConfig{Mode: "sum"}) }},
		{name: "EmbeddingBagPerSampleWeights2D", py: "nn.EmbeddingBag(8, 3, mode='sum')",
			in:    []string{idx(8, "2, 3"), "~torch.rand(2, 3, generator=g)"},
			pyFwd: "layer(xs[0], per_sample_weights=xs[1])",
			forward: func(l Layer, xs []*torch.Tensor) []*torch.Tensor {
				return []*torch.Tensor{l.(*EmbeddingBag).ForwardBags(xs[0], nil, xs[1])}
			},
			build: func() Layer { return NewEmbeddingBag(8, 3, EmbeddingBagConfig{Mode: "sum"}) }},
		{name: "EmbeddingBagIncludeLastOffset", py: "nn.EmbeddingBag(8, 2, include_last_offset=True)", in: []string{idx(8, "6"), "torch.tensor([0, 2, 3, 6])"},
			pyFwd: "layer(xs[0], xs[1])", forward: bags,
			build: func() Layer { return NewEmbeddingBag(8, 2, EmbeddingBagConfig{IncludeLastOffset: true}) }},
		{name: "EmbeddingBagPaddingIdx", py: "nn.EmbeddingBag(6, 2, padding_idx=-1, mode='mean')", in: []string{"torch.tensor([[5, 1, 5], [5, 5, 5], [2, 3, 5]])"},
			build: func() Layer { return NewEmbeddingBag(6, 2, EmbeddingBagConfig{PaddingIdx: ip(-1)}) }},
		{name: "EmbeddingBagMaxNorm", py: "nn.EmbeddingBag(6, 4, max_norm=1.0, mode='sum')", in: []string{"torch.tensor([[0, 2], [2, 4]])"},
			build: func() Layer { return NewEmbeddingBag(6, 4, EmbeddingBagConfig{MaxNorm: fp(1), Mode: "sum"}) }},
		{name: "EmbeddingBagFromPretrained", py: "nn.EmbeddingBag.from_pretrained(" + pretrained + ", freeze=False, mode='max')", in: []string{"torch.tensor([[1, 5], [0, 5]])"},
			build: func() Layer {
				return EmbeddingBagFromPretrained(goPretrained(), false, EmbeddingBagConfig{Mode: "max"})
			}},
	})
}

func TestEmbeddingArgumentErrors(t *testing.T) {
	for _, c := range []struct {
		f   func()
		msg string
	}{
		{func() { NewEmbeddingWith(4, 2, EmbeddingConfig{PaddingIdx: ip(4)}) }, "Padding_idx must be within num_embeddings"},
		{func() { NewEmbeddingWith(4, 2, EmbeddingConfig{PaddingIdx: ip(-5)}) }, "Padding_idx must be within num_embeddings"},
		{func() { NewEmbeddingBag(4, 2, EmbeddingBagConfig{PaddingIdx: ip(9)}) }, "padding_idx must be within num_embeddings"},
		{func() { EmbeddingFromPretrained(torch.Zeros([]int64{3}), true) }, "Embeddings parameter is expected to be 2-dimensional"},
		{func() { NewEmbeddingBag(4, 2).ForwardBags(torch.Zeros([]int64{3}, torch.Int64), nil, nil) }, "offsets has to be a 1D Tensor but got None"},
		{func() {
			NewEmbeddingBag(4, 2).ForwardBags(torch.Zeros([]int64{2, 3}, torch.Int64), torch.Zeros([]int64{2}, torch.Int64), nil)
		}, "if input is 2D, then offsets has to be None"},
		{func() {
			NewEmbeddingBag(4, 2).ForwardBags(torch.Zeros([]int64{2, 3}, torch.Int64), nil, torch.Ones([]int64{2, 3}))
		}, "per_sample_weights is only supported for mode='sum' (got mode='mean')"},
		{func() {
			NewEmbeddingBag(4, 2, EmbeddingBagConfig{Mode: "median"}).Forward(torch.Zeros([]int64{2, 3}, torch.Int64))
		}, "mode has to be one of sum, mean or max"},
	} {
		err := torch.Catch(func() error { c.f(); return nil })
		require.ErrorContains(t, err, c.msg)
	}
	e := EmbeddingFromPretrained(torch.Ones([]int64{3, 2}), true)
	require.False(t, e.Weight.RequiresGrad(), "freeze")
	require.Equal(t, int64(-1), e.PaddingIdx)
}
