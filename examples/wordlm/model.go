package main

import (
	"fmt"
	"math"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/nn"
	"github.com/torchgo/torchgo/torch/nn/nninit"
)

// LM is a language model: log-probabilities (seq*batch, ntoken) of the next
// word for each word of x (seq, batch), carrying a recurrent state.
type LM interface {
	nn.Layer
	Forward(x *torch.Tensor, state []*torch.Tensor) (*torch.Tensor, []*torch.Tensor)
	InitState(bsz int64) []*torch.Tensor
}

// RNNModel is the example's RNNModel: dropout, embedding, a recurrent net
// (LSTM, GRU, RNN_TANH or RNN_RELU), dropout and a linear decoder, which
// --tied ties to the embedding.
type RNNModel struct {
	nn.Module
	Drop    *nn.Dropout
	Encoder *nn.Embedding
	RNN     nn.Layer
	Decoder *nn.Linear
	kind    string
	ntoken  int64
	nhid    int64
	nlayers int64
}

// NewRNNModel builds the model as the example does, consuming the default
// generator in the same order.
func NewRNNModel(kind string, ntoken, ninp, nhid, nlayers int64, dropout float64, tied bool) (*RNNModel, error) {
	m := &RNNModel{kind: kind, ntoken: ntoken, nhid: nhid, nlayers: nlayers}
	m.Drop = nn.Add(m, "drop", nn.NewDropout(dropout))
	m.Encoder = nn.Add(m, "encoder", nn.NewEmbedding(ntoken, ninp, -1))
	o := nn.RNNOptions{NumLayers: nlayers, Dropout: dropout}
	switch kind {
	case "LSTM":
		m.RNN = nn.Add[nn.Layer](m, "rnn", nn.NewLSTM(ninp, nhid, o))
	case "GRU":
		m.RNN = nn.Add[nn.Layer](m, "rnn", nn.NewGRU(ninp, nhid, o))
	case "RNN_TANH", "RNN_RELU":
		o.Nonlinearity = map[string]string{"RNN_TANH": "tanh", "RNN_RELU": "relu"}[kind]
		m.RNN = nn.Add[nn.Layer](m, "rnn", nn.NewRNN(ninp, nhid, o))
	default:
		return nil, fmt.Errorf("--model %q: want LSTM, GRU, RNN_TANH, RNN_RELU or Transformer", kind)
	}
	m.Decoder = nn.Add(m, "decoder", nn.NewLinear(nhid, ntoken))
	if tied {
		if nhid != ninp {
			return nil, fmt.Errorf("when using --tied, --nhid must be equal to --emsize")
		}
		m.Decoder.Weight = m.Decoder.SetParameter("weight", m.Encoder.Weight)
	}
	initWeights(m.Encoder.Weight, m.Decoder)
	return m, nil
}

// initWeights is the example's init_weights.
func initWeights(encoder *torch.Tensor, decoder *nn.Linear) {
	nninit.Uniform_(encoder, -0.1, 0.1, nil)
	nninit.Zeros_(decoder.Bias)
	nninit.Uniform_(decoder.Weight, -0.1, 0.1, nil)
}

// Forward runs x (seq, batch) from state.
func (m *RNNModel) Forward(x *torch.Tensor, state []*torch.Tensor) (*torch.Tensor, []*torch.Tensor) {
	emb := m.Drop.Forward(m.Encoder.Forward(x))
	var out *torch.Tensor
	switch r := m.RNN.(type) {
	case *nn.LSTM:
		var h, c *torch.Tensor
		out, h, c = r.Forward(emb, state[0], state[1])
		state = []*torch.Tensor{h, c}
	case *nn.GRU:
		var h *torch.Tensor
		out, h = r.Forward(emb, state[0])
		state = []*torch.Tensor{h}
	case *nn.RNN:
		var h *torch.Tensor
		out, h = r.Forward(emb, state[0])
		state = []*torch.Tensor{h}
	}
	decoded := m.Decoder.Forward(m.Drop.Forward(out)).View(-1, m.ntoken)
	return torch.LogSoftmax(decoded, 1), state
}

// InitState is zeros (nlayers, bsz, nhid): two of them for an LSTM.
func (m *RNNModel) InitState(bsz int64) []*torch.Tensor {
	z := func() *torch.Tensor { return torch.Zeros([]int64{m.nlayers, bsz, m.nhid}) }
	if m.kind == "LSTM" {
		return []*torch.Tensor{z(), z()}
	}
	return []*torch.Tensor{z()}
}

// PositionalEncoding adds the sinusoidal position table pe (max_len, 1,
// d_model) to its input, then dropout, as the example's.
type PositionalEncoding struct {
	nn.Module
	Dropout *nn.Dropout
	PE      *torch.Tensor
}

// NewPositionalEncoding builds the table for 5000 positions.
func NewPositionalEncoding(dModel int64, dropout float64) *PositionalEncoding {
	p := &PositionalEncoding{}
	p.Dropout = nn.Add(p, "dropout", nn.NewDropout(dropout))
	const maxLen = 5000
	var pe *torch.Tensor
	torch.WithScope(func(s *torch.Scope) {
		pe = torch.Zeros([]int64{maxLen, dModel})
		position := torch.Arange(int64(0), int64(maxLen), int64(1), torch.Float32).Unsqueeze(1)
		div := torch.Arange(int64(0), dModel, int64(2)).To(torch.Float32).MulScalar(-math.Log(10000.0) / float64(dModel)).Exp()
		arg := position.Mul(div)
		even := pe.Slice(1, 0, dModel, 2)
		odd := pe.Slice(1, 1, dModel, 2)
		torch.NoGrad(func() {
			even.Copy_(arg.Sin())
			odd.Copy_(arg.Cos())
		})
		pe = pe.Unsqueeze(0).Transpose(0, 1)
		s.Keep(pe)
	})
	p.PE = p.RegisterBuffer("pe", pe, true)
	return p
}

// Forward is dropout(x + pe[:seq]).
func (p *PositionalEncoding) Forward(x *torch.Tensor) *torch.Tensor {
	return p.Dropout.Forward(x.Add(p.PE.Narrow(0, 0, x.Size(0))))
}
