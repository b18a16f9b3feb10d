package nn

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/internal/torchtest"
	"github.com/torchgo/torchgo/torch"
)

// tiedLM ties its decoder's weight to its embedding, as
// word_language_model's --tied does (decoder.weight = encoder.weight).
type tiedLM struct {
	Module
	Encoder *Embedding
	Decoder *Linear
}

func newTiedLM() *tiedLM {
	m := &tiedLM{}
	m.Encoder = Add(m, "encoder", NewEmbedding(10, 4, -1))
	m.Decoder = Add(m, "decoder", NewLinear(4, 10))
	m.Decoder.Weight = m.Decoder.SetParameter("weight", m.Encoder.Weight)
	return m
}

const tiedPy = `
import torch.nn as nn
class TiedLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Embedding(10, 4)
        self.decoder = nn.Linear(4, 10)
        self.decoder.weight = self.encoder.weight
`

// A tied weight is listed once in parameters() and under both keys in
// state_dict(), gets the gradient of both uses, and a state dict Python
// saved from a tied model loads strictly, keeping the tie.
func TestTiedWeights(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tied.pt")
	var want struct {
		Params []string       `json:"params"`
		State  []string       `json:"state"`
		Grads  []pyref.Tensor `json:"grads"`
	}
	pyref.Run(t, tiedPy+`
torch.manual_seed(0)
m = TiedLM()
m.decoder(m.encoder(torch.tensor([1, 2, 2, 7]))).sum().backward()
torch.save(m.state_dict(), IN["path"])
out({"params": [n for n, _ in m.named_parameters()], "state": list(m.state_dict().keys()),
     "grads": [enc(p.grad) for p in m.parameters()]})
`, map[string]string{"path": path}, &want)

	torch.ManualSeed(0)
	m := newTiedLM()
	var names []string
	for _, p := range m.NamedParameters() {
		names = append(names, p.Name)
	}
	require.Equal(t, want.Params, names)
	var keys []string
	for _, n := range m.StateDict() {
		keys = append(keys, n.Name)
	}
	require.Equal(t, want.State, keys)
	m.Decoder.Forward(m.Encoder.Forward(torch.FromSlice([]int64{1, 2, 2, 7}, []int64{4}))).Sum().Backward()
	for i, p := range m.Parameters() {
		torchtest.RequireSame(t, want.Grads[i], p.Grad(), names[i])
	}

	m2 := newTiedLM()
	res, err := m2.Load(path, true)
	require.NoError(t, err)
	require.Equal(t, "<All keys matched successfully>", res.String())
	require.Same(t, m2.Encoder.Weight, m2.Decoder.Weight)
	require.Equal(t, m.Encoder.Weight.Float32s(), m2.Decoder.Weight.Float32s())
	require.Len(t, m2.Parameters(), 2)
}

type reprNet struct {
	Module
	FC   *Linear
	Drop *Dropout
	RNN  *LSTM
	Head *Sequential
	Cell *GRUCell
	Conv *Conv2d
	Emb  *Embedding
	LN   *LayerNorm
	BN   *BatchNorm
	Pool *ModuleList // set by TestReprMatchesPyTorch only
}

func newReprNet() *reprNet {
	n := &reprNet{}
	n.FC = Add(n, "fc", NewLinear(3, 4))
	n.Drop = Add(n, "drop", NewDropout(0.25))
	n.RNN = Add(n, "rnn", NewLSTM(4, 5, RNNOptions{NumLayers: 2, BatchFirst: true, Dropout: 0.5}))
	n.Head = Add(n, "head", NewSequential(NewLinear(5, 2), NewReLU()))
	n.Cell = Add(n, "cell", NewGRUCell(2, 3, CellOptions{NoBias: true}))
	n.Conv = Add(n, "conv", NewConv2d(1, 4, 3, ConvConfig{Padding: 1, NoBias: true}))
	n.Emb = Add(n, "emb", NewEmbedding(10, 3, 0))
	n.LN = Add(n, "ln", NewLayerNorm([]int64{5}))
	n.BN = Add(n, "bn", NewBatchNorm2d(4, BatchNormConfig{}))
	return n
}

// Repr (and String) print what print(model) prints in PyTorch.
func TestReprMatchesPyTorch(t *testing.T) {
	var want string
	pyref.Run(t, `
import torch.nn as nn
class reprNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.drop = nn.Dropout(0.25)
        self.rnn = nn.LSTM(4, 5, num_layers=2, batch_first=True, dropout=0.5)
        self.head = nn.Sequential(nn.Linear(5, 2), nn.ReLU())
        self.cell = nn.GRUCell(2, 3, bias=False)
        self.conv = nn.Conv2d(1, 4, 3, padding=1, bias=False)
        self.emb = nn.Embedding(10, 3, padding_idx=0)
        self.ln = nn.LayerNorm(5)
        self.bn = nn.BatchNorm2d(4)
        self.pool = nn.ModuleList([nn.MaxPool2d(2), nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True),
            nn.AvgPool2d(3), nn.AvgPool1d(2, stride=1), nn.AdaptiveAvgPool2d((1, 1)), nn.ELU(),
            nn.ELU(alpha=0.5, inplace=True), nn.Bilinear(2, 3, 4, bias=False),
            nn.ConvTranspose2d(4, 2, 3, stride=2, output_padding=1), nn.RNNCell(3, 4, nonlinearity='relu'),
            nn.RNN(3, 4, nonlinearity='relu')])
out(repr(reprNet()))
`, nil, &want)
	n := newReprNet()
	n.Pool = Add(n, "pool", NewModuleList(NewMaxPool2d(2, PoolConfig{}), NewMaxPool2d(3, PoolConfig{Stride: 2, Padding: 1, CeilMode: true}),
		NewAvgPool2d(3, PoolConfig{}), NewAvgPool1d(2, PoolConfig{Stride: 1}), NewAdaptiveAvgPool2d(1, 1), NewELU(),
		NewELU(ELUConfig{Alpha: new(0.5), Inplace: true}), NewBilinear(2, 3, 4, LinearConfig{NoBias: true}),
		NewConvTranspose2d(4, 2, 3, ConvTransposeConfig{Stride: 2, OutputPadding: 1}), NewRNNCell(3, 4, CellOptions{Nonlinearity: "relu"}),
		NewRNN(3, 4, RNNOptions{Nonlinearity: "relu"})))
	require.Equal(t, want, Repr(n))
	require.Equal(t, want, n.String())
}

// Apply visits children first, NamedModules lists the tree as
// named_modules(), and RequiresGrad_(false) freezes every parameter.
func TestApplyNamedModulesFreeze(t *testing.T) {
	n := newReprNet()
	var order []string
	Apply(n, func(l Layer) { order = append(order, l.module().TypeName()) })
	require.Equal(t, []string{"Linear", "Dropout", "LSTM", "Linear", "ReLU", "Sequential", "GRUCell", "Conv2d", "Embedding", "LayerNorm", "BatchNorm2d", "reprNet"}, order)
	var names []string
	for _, nl := range NamedModules(n) {
		names = append(names, nl.Name)
	}
	require.Equal(t, []string{"", "fc", "drop", "rnn", "head", "head.0", "head.1", "cell", "conv", "emb", "ln", "bn"}, names)
	n.RequiresGrad_(false)
	for _, p := range n.Parameters() {
		require.False(t, p.RequiresGrad())
	}
}

// DeepCopy makes new tensors with the same values, keeps ties inside the
// copy, and points fields at the copies.
func TestDeepCopy(t *testing.T) {
	torch.ManualSeed(3)
	m := newTiedLM()
	c := DeepCopy(m)
	require.NotSame(t, m.Encoder.Weight, c.Encoder.Weight)
	require.Same(t, c.Encoder.Weight, c.Decoder.Weight)
	require.Same(t, c.Encoder, NamedModules(c)[1].Layer)
	require.Equal(t, m.Encoder.Weight.Float32s(), c.Encoder.Weight.Float32s())
	require.True(t, c.Encoder.Weight.RequiresGrad())
	torch.NoGrad(func() { c.Encoder.Weight.Zero_() })
	require.NotEqual(t, m.Encoder.Weight.Float32s(), c.Encoder.Weight.Float32s())
	require.Equal(t, make([]float32, 40), c.Decoder.Weight.Float32s())
	names := func(l *tiedLM) (out []string) {
		for _, n := range l.StateDict() {
			out = append(out, n.Name)
		}
		return out
	}
	require.Equal(t, names(m), names(c))

	r := newReprNet()
	r.Eval()
	rc := DeepCopy(r)
	require.False(t, rc.IsTraining())
	require.Same(t, rc.Head.Layers[0], rc.Head.NamedChildren()[0].Layer)
	require.NotSame(t, r.RNN.FlatWeights[0], rc.RNN.FlatWeights[0])
	require.Same(t, rc.RNN.FlatWeights[0], rc.RNN.NamedParameters()[0].Tensor)
	require.Equal(t, Repr(r), Repr(rc))
}
