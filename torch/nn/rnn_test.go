package nn

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/internal/torchtest"
	"github.com/torchgo/torchgo/torch"
)

// rnnCase builds a recurrent layer in Go and, by py, in Python after
// manual_seed(0), runs it on the same input after manual_seed(1) and
// backpropagates the sum of every output.
type rnnCase struct {
	name  string
	shape []int64 // the input's
	train bool
	py    string // builds m; then sets outs from m and x
	build func() Layer
	fwd   func(m Layer, x *torch.Tensor) []*torch.Tensor
}

func lstmOuts(o, h, c *torch.Tensor) []*torch.Tensor { return []*torch.Tensor{o, h, c} }

var rnnCases = []rnnCase{
	{"lstm", []int64{3, 2, 4}, false, "m = nn.LSTM(4, 5)\ny, (h, c) = m(x); outs = [y, h, c]",
		func() Layer { return NewLSTM(4, 5, RNNOptions{}) },
		func(m Layer, x *torch.Tensor) []*torch.Tensor { return lstmOuts(m.(*LSTM).Forward(x, nil, nil)) }},
	{"lstm_deep_bidir_dropout", []int64{2, 3, 4}, true,
		"m = nn.LSTM(4, 5, num_layers=2, bidirectional=True, batch_first=True, dropout=0.3)\ny, (h, c) = m(x); outs = [y, h, c]",
		func() Layer {
			return NewLSTM(4, 5, RNNOptions{NumLayers: 2, Bidirectional: true, BatchFirst: true, Dropout: 0.3})
		},
		func(m Layer, x *torch.Tensor) []*torch.Tensor { return lstmOuts(m.(*LSTM).Forward(x, nil, nil)) }},
	{"lstm_proj_nobias", []int64{3, 2, 4}, false, "m = nn.LSTM(4, 6, proj_size=3, bias=False)\ny, (h, c) = m(x); outs = [y, h, c]",
		func() Layer { return NewLSTM(4, 6, RNNOptions{ProjSize: 3, NoBias: true}) },
		func(m Layer, x *torch.Tensor) []*torch.Tensor { return lstmOuts(m.(*LSTM).Forward(x, nil, nil)) }},
	{"lstm_unbatched_h0", []int64{3, 4}, false,
		"m = nn.LSTM(4, 5)\nh0 = torch.full((1, 5), 0.25); c0 = torch.full((1, 5), -0.5)\ny, (h, c) = m(x, (h0, c0)); outs = [y, h, c]",
		func() Layer { return NewLSTM(4, 5, RNNOptions{}) },
		func(m Layer, x *torch.Tensor) []*torch.Tensor {
			return lstmOuts(m.(*LSTM).Forward(x, torch.Full([]int64{1, 5}, 0.25), torch.Full([]int64{1, 5}, -0.5)))
		}},
	{"lstm_packed_unsorted", []int64{3, 3, 4}, false,
		"m = nn.LSTM(4, 5)\np = nn.utils.rnn.pack_padded_sequence(x, [2, 3, 1], enforce_sorted=False)\npo, (h, c) = m(p)\ny, lens = nn.utils.rnn.pad_packed_sequence(po)\nouts = [y, h, c]",
		func() Layer { return NewLSTM(4, 5, RNNOptions{}) },
		func(m Layer, x *torch.Tensor) []*torch.Tensor {
			p := PackPaddedSequence(x, []int64{2, 3, 1}, PackOptions{Unsorted: true})
			po, h, c := m.(*LSTM).ForwardPacked(p, nil, nil)
			out, lens := PadPackedSequence(po, PadOptions{})
			if fmt.Sprint(lens) != "[2 3 1]" {
				panic(fmt.Sprint("lengths ", lens))
			}
			return []*torch.Tensor{out, h, c}
		}},
	{"gru_deep", []int64{3, 2, 4}, false, "m = nn.GRU(4, 5, num_layers=2)\ny, h = m(x); outs = [y, h]",
		func() Layer { return NewGRU(4, 5, RNNOptions{NumLayers: 2}) },
		func(m Layer, x *torch.Tensor) []*torch.Tensor {
			o, h := m.(*GRU).Forward(x, nil)
			return []*torch.Tensor{o, h}
		}},
	{"gru_bidir_nobias_h0", []int64{3, 2, 4}, false,
		"m = nn.GRU(4, 5, bidirectional=True, bias=False)\ny, h = m(x, torch.full((2, 2, 5), 0.1)); outs = [y, h]",
		func() Layer { return NewGRU(4, 5, RNNOptions{Bidirectional: true, NoBias: true}) },
		func(m Layer, x *torch.Tensor) []*torch.Tensor {
			o, h := m.(*GRU).Forward(x, torch.Full([]int64{2, 2, 5}, 0.1))
			return []*torch.Tensor{o, h}
		}},
	{"rnn_relu", []int64{3, 2, 4}, false, "m = nn.RNN(4, 5, nonlinearity='relu')\ny, h = m(x); outs = [y, h]",
		func() Layer { return NewRNN(4, 5, RNNOptions{Nonlinearity: "relu"}) },
		func(m Layer, x *torch.Tensor) []*torch.Tensor {
			o, h := m.(*RNN).Forward(x, nil)
			return []*torch.Tensor{o, h}
		}},
	{"rnn_tanh_packed_sorted", []int64{3, 2, 4}, true,
		"m = nn.RNN(4, 5, num_layers=2, dropout=0.5)\npo, h = m(nn.utils.rnn.pack_padded_sequence(x, [3, 2]))\ny, _ = nn.utils.rnn.pad_packed_sequence(po, total_length=4)\nouts = [y, h]",
		func() Layer { return NewRNN(4, 5, RNNOptions{NumLayers: 2, Dropout: 0.5}) },
		func(m Layer, x *torch.Tensor) []*torch.Tensor {
			po, h := m.(*RNN).ForwardPacked(PackPaddedSequence(x, []int64{3, 2}, PackOptions{}), nil)
			out, _ := PadPackedSequence(po, PadOptions{TotalLength: 4})
			return []*torch.Tensor{out, h}
		}},
	{"lstm_cell", []int64{2, 4}, false, "m = nn.LSTMCell(4, 5)\nh, c = m(x); outs = [h, c]",
		func() Layer { return NewLSTMCell(4, 5, CellOptions{}) },
		func(m Layer, x *torch.Tensor) []*torch.Tensor {
			h, c := m.(*LSTMCell).Forward(x, nil, nil)
			return []*torch.Tensor{h, c}
		}},
	{"gru_cell_unbatched_h", []int64{4}, false, "m = nn.GRUCell(4, 5)\nouts = [m(x, torch.full((5,), 0.3))]",
		func() Layer { return NewGRUCell(4, 5, CellOptions{}) },
		func(m Layer, x *torch.Tensor) []*torch.Tensor {
			return []*torch.Tensor{m.(*GRUCell).Forward(x, torch.Full([]int64{5}, 0.3))}
		}},
	{"rnn_cell_relu_nobias", []int64{2, 4}, false, "m = nn.RNNCell(4, 5, bias=False, nonlinearity='relu')\nouts = [m(x)]",
		func() Layer { return NewRNNCell(4, 5, CellOptions{NoBias: true, Nonlinearity: "relu"}) },
		func(m Layer, x *torch.Tensor) []*torch.Tensor { return []*torch.Tensor{m.(*RNNCell).Forward(x, nil)} }},
}

// Every recurrent layer and cell gets nn's weights from the same seed, and
// the same outputs and gradients, bit for bit, on libtorch's fused kernels.
func TestRecurrentLayersMatchPyTorch(t *testing.T) {
	// libtorch numbers autograd nodes per OS thread and accumulates
	// gradients in that order: a graph built across threads sums in
	// another order than Python's.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	g := torch.NewGenerator(5)
	inputs := map[string]*torch.Tensor{}
	enc := map[string]any{}
	script := "import torch.nn as nn\nres = {}\n"
	for _, c := range rnnCases {
		x := torch.Randn(c.shape, g)
		inputs[c.name] = x
		enc[c.name] = torchtest.Enc(x)
		script += fmt.Sprintf("torch.manual_seed(0)\nx = dec(IN[%q]).requires_grad_()\n", c.name)
		// The constructor runs first (after seed 0), then the forward
		// after seed 1, as on the Go side.
		lines := strings.SplitN(c.py, "\n", 2)
		script += lines[0] + "\n"
		script += fmt.Sprintf("m.train(%s)\nsd = [[k, enc(v)] for k, v in m.state_dict().items()]\ntorch.manual_seed(1)\n", map[bool]string{true: "True", false: "False"}[c.train])
		script += lines[1] + "\n"
		script += fmt.Sprintf("loss = sum(o.sum() for o in outs)\nloss.backward()\nres[%q] = {'sd': sd, 'outs': [enc(o) for o in outs], 'xgrad': enc(x.grad), 'pgrads': [enc(p.grad) for p in m.parameters()]}\n", c.name)
	}
	script += "out(res)\n"
	var want map[string]struct {
		SD     [][2]any       `json:"sd"`
		Outs   []pyref.Tensor `json:"outs"`
		XGrad  pyref.Tensor   `json:"xgrad"`
		PGrads []pyref.Tensor `json:"pgrads"`
	}
	pyref.Run(t, script, enc, &want)
	for _, c := range rnnCases {
		t.Run(c.name, func(t *testing.T) {
			w := want[c.name]
			torch.ManualSeed(0)
			m := c.build()
			m.module().Train(c.train)
			sd := m.module().StateDict()
			require.Len(t, sd, len(w.SD))
			for i, n := range sd {
				require.Equal(t, w.SD[i][0], n.Name)
				torchtest.RequireSame(t, decodePy(t, w.SD[i][1]), n.Tensor, n.Name)
			}
			x := inputs[c.name].Clone().SetRequiresGrad(true)
			torch.ManualSeed(1)
			outs := c.fwd(m, x)
			require.Len(t, outs, len(w.Outs))
			loss := outs[0].Sum()
			for i, o := range outs {
				torchtest.RequireSame(t, w.Outs[i], o, "output", i)
				if i > 0 {
					loss = loss.Add(o.Sum())
				}
			}
			loss.Backward()
			torchtest.RequireSame(t, w.XGrad, x.Grad(), "input grad")
			for i, p := range m.module().Parameters() {
				torchtest.RequireSame(t, w.PGrads[i], p.Grad(), "grad", sd[i].Name)
			}
		})
	}
}

func decodePy(t *testing.T, v any) pyref.Tensor {
	m := v.(map[string]any)
	var shape []int64
	for _, s := range m["shape"].([]any) {
		shape = append(shape, int64(s.(float64)))
	}
	return pyref.Tensor{DType: m["dtype"].(string), Shape: shape, Hex: m["hex"].(string)}
}
