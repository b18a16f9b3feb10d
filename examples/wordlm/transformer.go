package main

import (
	"math"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/nn"
)

// TransformerModel is the example's TransformerModel: embedding scaled by
// √ninp, positional encoding, a causal Transformer encoder and a linear
// decoder, giving log-probabilities (seq*batch, ntoken).
type TransformerModel struct {
	nn.Module
	PosEncoder         *PositionalEncoding
	Encoder            *nn.Embedding
	TransformerEncoder *nn.TransformerEncoder
	Decoder            *nn.Linear
	ninp, ntoken       int64
	mask               *torch.Tensor
}

// NewTransformerModel builds the model as the example does, consuming the
// default generator in the same order.
func NewTransformerModel(ntoken, ninp, nhead, nhid, nlayers int64, dropout float64) (LM, error) {
	m := &TransformerModel{ninp: ninp, ntoken: ntoken}
	m.PosEncoder = nn.Add(m, "pos_encoder", NewPositionalEncoding(ninp, dropout))
	m.Encoder = nn.Add(m, "encoder", nn.NewEmbedding(ntoken, ninp, -1))
	layer := nn.NewTransformerEncoderLayer(ninp, nhead, nn.TransformerLayerConfig{DimFeedforward: &nhid, Dropout: &dropout})
	m.TransformerEncoder = nn.Add(m, "transformer_encoder", nn.NewTransformerEncoder(layer, nlayers, nn.TransformerEncoderConfig{}))
	m.Decoder = nn.Add(m, "decoder", nn.NewLinear(ninp, ntoken))
	initWeights(m.Encoder.Weight, m.Decoder)
	return m, nil
}

// Forward runs x (seq, batch) with the causal mask; the state is unused.
func (m *TransformerModel) Forward(x *torch.Tensor, state []*torch.Tensor) (*torch.Tensor, []*torch.Tensor) {
	n := x.Size(0)
	if m.mask == nil || m.mask.Size(0) != n {
		if m.mask != nil {
			m.mask.Close()
		}
		m.mask = nn.GenerateSquareSubsequentMask(n).Persist()
	}
	src := m.PosEncoder.Forward(m.Encoder.Forward(x).MulScalar(math.Sqrt(float64(m.ninp))))
	out := m.TransformerEncoder.ForwardMasked(src, nn.EncoderMasks{Mask: m.mask})
	return torch.LogSoftmax(m.Decoder.Forward(out), -1).View(-1, m.ntoken), nil
}

// InitState is nil: the Transformer carries no state between windows.
func (m *TransformerModel) InitState(int64) []*torch.Tensor { return nil }
