package nn

import (
	"fmt"
	"math"
	"sync"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/nn/nninit"
)

// RNNOptions are the options of RNN, LSTM and GRU (torch.nn.RNNBase's
// arguments); the zero value is PyTorch's default: one layer, with biases,
// (seq, batch, feature) tensors, no dropout, one direction, no projection,
// tanh.
type RNNOptions struct {
	// NumLayers stacks recurrent layers; 0 means 1.
	NumLayers int64
	// NoBias leaves out bias_ih and bias_hh (bias=False).
	NoBias bool
	// BatchFirst takes and returns (batch, seq, feature) tensors; hidden
	// states stay (layers*directions, batch, hidden).
	BatchFirst bool
	// Dropout is applied to the outputs of every layer but the last, in
	// training mode.
	Dropout float64
	// Bidirectional runs a second, reversed direction per layer.
	Bidirectional bool
	// ProjSize projects LSTM hidden states to this size (weight_hr_l*);
	// 0: none. LSTM only.
	ProjSize int64
	// Nonlinearity is the RNN's activation, "tanh" ("" ) or "relu". RNN only.
	Nonlinearity string
}

// recurrent is the state RNN, LSTM and GRU share (torch.nn.RNNBase).
type recurrent struct {
	Module
	mode                  string // "RNN_TANH", "RNN_RELU", "LSTM", "GRU"
	InputSize, HiddenSize int64
	Opts                  RNNOptions
	// FlatWeights are the parameters in the order the fused kernels take
	// them: per layer and direction, weight_ih, weight_hh, bias_ih, bias_hh,
	// weight_hr.
	FlatWeights []*torch.Tensor
}

func (r *recurrent) init(typ, mode string, input, hidden int64, o RNNOptions) {
	if o.NumLayers == 0 {
		o.NumLayers = 1
	}
	switch {
	case o.NumLayers < 1:
		panic(rnnError(typ, "num_layers must be at least 1, got %d", o.NumLayers))
	case o.Dropout < 0 || o.Dropout > 1 || math.IsNaN(o.Dropout):
		panic(rnnError(typ, "dropout should be a number in range [0, 1] representing the probability of an element being zeroed, got %g", o.Dropout))
	case o.ProjSize < 0:
		panic(rnnError(typ, "proj_size should be a positive integer or zero to disable projections"))
	case o.ProjSize > 0 && o.ProjSize >= hidden:
		panic(rnnError(typ, "proj_size has to be smaller than hidden_size"))
	case o.ProjSize > 0 && mode != "LSTM":
		panic(rnnError(typ, "proj_size argument is only supported for LSTM, not RNN or GRU"))
	case hidden <= 0:
		panic(rnnError(typ, "hidden_size must be greater than zero"))
	}
	if mode == "RNN_TANH" && o.Nonlinearity == "" {
		o.Nonlinearity = "tanh"
	}
	r.typeName, r.mode, r.InputSize, r.HiddenSize, r.Opts = typ, mode, input, hidden, o
	gates := map[string]int64{"LSTM": 4, "GRU": 3}[mode]
	if gates == 0 {
		gates = 1
	}
	gate := gates * hidden
	real := hidden
	if o.ProjSize > 0 {
		real = o.ProjSize
	}
	dirs := r.directions()
	for layer := int64(0); layer < o.NumLayers; layer++ {
		for dir := int64(0); dir < dirs; dir++ {
			in := input
			if layer > 0 {
				in = real * dirs
			}
			suffix := fmt.Sprintf("_l%d", layer)
			if dir == 1 {
				suffix += "_reverse"
			}
			r.param("weight_ih"+suffix, gate, in)
			r.param("weight_hh"+suffix, gate, real)
			if !o.NoBias {
				r.param("bias_ih"+suffix, gate)
				r.param("bias_hh"+suffix, gate)
			}
			if o.ProjSize > 0 {
				r.param("weight_hr"+suffix, o.ProjSize, hidden)
			}
		}
	}
	r.ResetParameters()
}

func rnnError(typ, format string, args ...any) *torch.Error {
	return &torch.Error{Op: "nn.New" + typ, Msg: fmt.Sprintf(format, args...)}
}

func (r *recurrent) param(name string, shape ...int64) {
	r.FlatWeights = append(r.FlatWeights, r.RegisterParameter(name, torch.Empty(shape)))
}

func (r *recurrent) directions() int64 {
	if r.Opts.Bidirectional {
		return 2
	}
	return 1
}

// ResetParameters draws every parameter from U(-1/√hidden, 1/√hidden), in
// registration order, as reset_parameters does.
func (r *recurrent) ResetParameters() {
	uniformAll(r.Parameters(), r.HiddenSize)
}

func uniformAll(ps []*torch.Tensor, hidden int64) {
	stdv := 0.0
	if hidden > 0 {
		stdv = 1 / math.Sqrt(float64(hidden))
	}
	for _, p := range ps {
		nninit.Uniform_(p, -stdv, stdv, nil)
	}
}

// ExtraRepr is PyTorch's: "10, 20, num_layers=2, batch_first=True".
func (r *recurrent) ExtraRepr() string {
	s := fmt.Sprintf("%d, %d", r.InputSize, r.HiddenSize)
	o := r.Opts
	if o.ProjSize != 0 {
		s += fmt.Sprintf(", proj_size=%d", o.ProjSize)
	}
	if o.NumLayers != 1 {
		s += fmt.Sprintf(", num_layers=%d", o.NumLayers)
	}
	if o.NoBias {
		s += ", bias=False"
	}
	if o.BatchFirst {
		s += ", batch_first=True"
	}
	if o.Dropout != 0 {
		s += ", dropout=" + pyFloat(o.Dropout)
	}
	if o.Bidirectional {
		s += ", bidirectional=True"
	}
	// RNNBase.extra_repr leaves the nonlinearity out (1.13 to 2.6).
	return s
}

// prepare is the common start of forward: it unbatches, makes zero hidden
// states (n of them; LSTM's first has the projected size) and permutes
// given ones for a packed input. It returns the input, whether it was
// batched, and the states.
func (r *recurrent) prepare(x *torch.Tensor, packed *PackedSequence, hx []*torch.Tensor) (*torch.Tensor, bool, []*torch.Tensor) {
	batched := true
	var maxBatch int64
	if packed != nil {
		x = packed.Data
		maxBatch = packed.BatchSizes.Int64s()[0]
	} else {
		if d := x.Dim(); d != 2 && d != 3 {
			panic(&torch.Error{Op: r.typeName, Msg: fmt.Sprintf("%s: Expected input to be 2D or 3D, got %dD tensor instead", r.typeName, d)})
		}
		batched = x.Dim() == 3
		if !batched {
			x = x.Unsqueeze(r.batchDim())
		}
		maxBatch = x.Size(1)
		if r.Opts.BatchFirst {
			maxBatch = x.Size(0)
		}
	}
	if hx == nil {
		n := r.Opts.NumLayers * r.directions()
		h := r.HiddenSize
		if r.Opts.ProjSize > 0 {
			h = r.Opts.ProjSize
		}
		hx = []*torch.Tensor{torch.Zeros([]int64{n, maxBatch, h}, x.DType(), x.Device())}
		if r.mode == "LSTM" {
			hx = append(hx, torch.Zeros([]int64{n, maxBatch, r.HiddenSize}, x.DType(), x.Device()))
		}
		return x, batched, hx
	}
	out := make([]*torch.Tensor, len(hx))
	for i, h := range hx {
		want := int64(3)
		if !batched {
			want = 2
		}
		if h.Dim() != want {
			panic(&torch.Error{Op: r.typeName, Msg: fmt.Sprintf("For %s input, hx should also be %dD but got %dD tensor", map[bool]string{true: "batched 3-D", false: "unbatched 2-D"}[batched], want, h.Dim())})
		}
		if !batched {
			h = h.Unsqueeze(1)
		}
		if packed != nil && packed.SortedIndices != nil {
			h = h.IndexSelect(1, packed.SortedIndices)
		}
		out[i] = h
	}
	return x, batched, out
}

func (r *recurrent) batchDim() int64 {
	if r.Opts.BatchFirst {
		return 0
	}
	return 1
}

// finish undoes prepare on the output and hidden states.
func (r *recurrent) finish(out *torch.Tensor, hidden []*torch.Tensor, batched bool, packed *PackedSequence) (*torch.Tensor, []*torch.Tensor) {
	if packed != nil {
		if packed.UnsortedIndices != nil {
			for i, h := range hidden {
				hidden[i] = h.IndexSelect(1, packed.UnsortedIndices)
			}
		}
		return out, hidden
	}
	if !batched {
		out = out.SqueezeDim(r.batchDim())
		for i, h := range hidden {
			hidden[i] = h.SqueezeDim(1)
		}
	}
	return out, hidden
}

// run calls the fused kernel of the mode, padded or packed.
func (r *recurrent) run(x *torch.Tensor, packed *PackedSequence, hx []*torch.Tensor) (*torch.Tensor, []*torch.Tensor) {
	o := r.Opts
	bias, train := !o.NoBias, r.IsTraining()
	if r.mode == "LSTM" {
		var y, h, c *torch.Tensor
		if packed != nil {
			y, h, c = torch.LSTMData(x, packed.BatchSizes, hx, r.FlatWeights, bias, o.NumLayers, o.Dropout, train, o.Bidirectional)
		} else {
			y, h, c = torch.LSTM(x, hx, r.FlatWeights, bias, o.NumLayers, o.Dropout, train, o.Bidirectional, o.BatchFirst)
		}
		return y, []*torch.Tensor{h, c}
	}
	type padded func(*torch.Tensor, *torch.Tensor, []*torch.Tensor, bool, int64, float64, bool, bool, bool) (*torch.Tensor, *torch.Tensor)
	type data func(*torch.Tensor, *torch.Tensor, *torch.Tensor, []*torch.Tensor, bool, int64, float64, bool, bool) (*torch.Tensor, *torch.Tensor)
	fp, fd := map[string]padded{"GRU": torch.GRU, "RNN_TANH": torch.RNNTanh, "RNN_RELU": torch.RNNReLU}[r.mode],
		map[string]data{"GRU": torch.GRUData, "RNN_TANH": torch.RNNTanhData, "RNN_RELU": torch.RNNReLUData}[r.mode]
	var y, h *torch.Tensor
	if packed != nil {
		y, h = fd(x, packed.BatchSizes, hx[0], r.FlatWeights, bias, o.NumLayers, o.Dropout, train, o.Bidirectional)
	} else {
		y, h = fp(x, hx[0], r.FlatWeights, bias, o.NumLayers, o.Dropout, train, o.Bidirectional, o.BatchFirst)
	}
	return y, []*torch.Tensor{h}
}

func (r *recurrent) forward(x *torch.Tensor, packed *PackedSequence, hx []*torch.Tensor) (*torch.Tensor, []*torch.Tensor) {
	x, batched, hx := r.prepare(x, packed, hx)
	y, hidden := r.run(x, packed, hx)
	return r.finish(y, hidden, batched, packed)
}

// RNN is an Elman recurrent network with tanh or ReLU (torch.nn.RNN), on
// libtorch's fused rnn_tanh / rnn_relu kernels. Parameters per layer k
// and direction: weight_ih_lk (hidden, in), weight_hh_lk (hidden, hidden),
// bias_ih_lk, bias_hh_lk (hidden); "_reverse" for the second direction.
type RNN struct{ recurrent }

// NewRNN makes an RNN of input features to hidden features, initialised as
// nn.RNN (every parameter from U(±1/√hidden), in registration order).
func NewRNN(input, hidden int64, o RNNOptions) *RNN {
	r := &RNN{}
	mode := "RNN_TANH"
	switch o.Nonlinearity {
	case "", "tanh":
	case "relu":
		mode = "RNN_RELU"
	default:
		panic(rnnError("RNN", "Unknown nonlinearity '%s'. Select from 'tanh' or 'relu'.", o.Nonlinearity))
	}
	r.init("RNN", mode, input, hidden, o)
	return r
}

// Forward runs x (seq, batch, in), or (batch, seq, in) with BatchFirst, or
// unbatched (seq, in), from the initial hidden state h0 (layers*directions,
// batch, hidden), or zeros when nil. It returns the last layer's outputs
// (seq, batch, directions*hidden) and the final hidden state.
func (r *RNN) Forward(x, h0 *torch.Tensor) (out, hn *torch.Tensor) {
	y, h := r.forward(x, nil, hidden1(h0))
	return y, h[0]
}

// ForwardPacked is Forward on a packed batch of sequences; the output is
// packed the same way.
func (r *RNN) ForwardPacked(x *PackedSequence, h0 *torch.Tensor) (*PackedSequence, *torch.Tensor) {
	y, h := r.forward(nil, x, hidden1(h0))
	return x.with(y), h[0]
}

func hidden1(h *torch.Tensor) []*torch.Tensor {
	if h == nil {
		return nil
	}
	return []*torch.Tensor{h}
}

// GRU is a gated recurrent unit network (torch.nn.GRU) on libtorch's fused
// gru kernel; parameters as RNN's with 3*hidden rows (r, z, n gates).
type GRU struct{ recurrent }

// NewGRU makes a GRU, initialised as nn.GRU.
func NewGRU(input, hidden int64, o RNNOptions) *GRU {
	g := &GRU{}
	g.init("GRU", "GRU", input, hidden, o)
	return g
}

// Forward is RNN.Forward for the GRU.
func (g *GRU) Forward(x, h0 *torch.Tensor) (out, hn *torch.Tensor) {
	y, h := g.forward(x, nil, hidden1(h0))
	return y, h[0]
}

// ForwardPacked is Forward on a packed batch of sequences.
func (g *GRU) ForwardPacked(x *PackedSequence, h0 *torch.Tensor) (*PackedSequence, *torch.Tensor) {
	y, h := g.forward(nil, x, hidden1(h0))
	return x.with(y), h[0]
}

// LSTM is a long short-term memory network (torch.nn.LSTM) on libtorch's
// fused lstm kernel; parameters as RNN's with 4*hidden rows (i, f, g, o
// gates), and weight_hr_lk (proj, hidden) with ProjSize.
type LSTM struct{ recurrent }

// NewLSTM makes an LSTM, initialised as nn.LSTM.
func NewLSTM(input, hidden int64, o RNNOptions) *LSTM {
	l := &LSTM{}
	l.init("LSTM", "LSTM", input, hidden, o)
	return l
}

// Forward runs x as RNN.Forward does from the states h0 (layers*directions,
// batch, proj or hidden) and c0 (layers*directions, batch, hidden), both
// nil for zeros, and returns the outputs and the final (hn, cn).
func (l *LSTM) Forward(x, h0, c0 *torch.Tensor) (out, hn, cn *torch.Tensor) {
	y, h := l.forward(x, nil, hidden2(h0, c0))
	return y, h[0], h[1]
}

// ForwardPacked is Forward on a packed batch of sequences.
func (l *LSTM) ForwardPacked(x *PackedSequence, h0, c0 *torch.Tensor) (out *PackedSequence, hn, cn *torch.Tensor) {
	y, h := l.forward(nil, x, hidden2(h0, c0))
	return x.with(y), h[0], h[1]
}

func hidden2(h, c *torch.Tensor) []*torch.Tensor {
	if h == nil && c == nil {
		return nil
	}
	if h == nil || c == nil {
		panic(&torch.Error{Op: "LSTM", Msg: "give both h0 and c0, or neither"})
	}
	return []*torch.Tensor{h, c}
}

// cell is the state the cells share (torch.nn.RNNCellBase): weight_ih
// (chunks*hidden, in), weight_hh (chunks*hidden, hidden), bias_ih and
// bias_hh (chunks*hidden) unless NoBias.
type cell struct {
	Module
	InputSize, HiddenSize int64
	WeightIH, WeightHH    *torch.Tensor
	BiasIH, BiasHH        *torch.Tensor // nil without biases
	nonlinearity          string
}

// CellOptions are the cells' options; the zero value is PyTorch's default
// (with biases, tanh).
type CellOptions struct {
	// NoBias leaves out bias_ih and bias_hh (bias=False).
	NoBias bool
	// Nonlinearity is RNNCell's activation, "tanh" ("") or "relu".
	Nonlinearity string
}

func (c *cell) init(typ string, input, hidden, chunks int64, o CellOptions) {
	c.typeName, c.InputSize, c.HiddenSize = typ, input, hidden
	c.WeightIH = c.RegisterParameter("weight_ih", torch.Empty([]int64{chunks * hidden, input}))
	c.WeightHH = c.RegisterParameter("weight_hh", torch.Empty([]int64{chunks * hidden, hidden}))
	if !o.NoBias {
		c.BiasIH = c.RegisterParameter("bias_ih", torch.Empty([]int64{chunks * hidden}))
		c.BiasHH = c.RegisterParameter("bias_hh", torch.Empty([]int64{chunks * hidden}))
	}
	uniformAll(c.Parameters(), hidden)
}

// ExtraRepr is PyTorch's: "10, 20" with ", bias=False" or the
// nonlinearity when not the default.
func (c *cell) ExtraRepr() string {
	s := fmt.Sprintf("%d, %d", c.InputSize, c.HiddenSize)
	if c.BiasIH == nil {
		s += ", bias=False"
	}
	if c.nonlinearity == "relu" {
		s += ", nonlinearity=relu" // formatted from __dict__, unquoted
	}
	return s
}

// unbatch adds a batch dimension to an unbatched input and states.
func (c *cell) unbatch(x *torch.Tensor, hx []*torch.Tensor) (*torch.Tensor, []*torch.Tensor, bool) {
	if d := x.Dim(); d != 1 && d != 2 {
		panic(&torch.Error{Op: c.typeName, Msg: fmt.Sprintf("%s: Expected input to be 1D or 2D, got %dD instead", c.typeName, d)})
	}
	batched := x.Dim() == 2
	if !batched {
		x = x.Unsqueeze(0)
	}
	for i, h := range hx {
		if !batched {
			hx[i] = h.Unsqueeze(0)
		}
	}
	return x, hx, batched
}

func (c *cell) zeros(x *torch.Tensor) *torch.Tensor {
	return torch.Zeros([]int64{x.Size(0), c.HiddenSize}, x.DType(), x.Device())
}

// RNNCell is one step of an Elman RNN (torch.nn.RNNCell).
type RNNCell struct{ cell }

// NewRNNCell makes an RNNCell, initialised as nn.RNNCell.
func NewRNNCell(input, hidden int64, o CellOptions) *RNNCell {
	switch o.Nonlinearity {
	case "", "tanh", "relu":
	default:
		panic(rnnError("RNNCell", "Unknown nonlinearity: %s", o.Nonlinearity))
	}
	c := &RNNCell{}
	c.nonlinearity = o.Nonlinearity
	c.init("RNNCell", input, hidden, 1, o)
	return c
}

// Forward steps x (batch, in) or (in) from h (batch, hidden), nil for
// zeros, giving the next h.
func (c *RNNCell) Forward(x, h *torch.Tensor) *torch.Tensor {
	x, hx, batched := c.unbatch(x, hidden1(h))
	if hx == nil {
		hx = []*torch.Tensor{c.zeros(x)}
	}
	var out *torch.Tensor
	if c.nonlinearity == "relu" {
		out = torch.RNNReLUCell(x, hx[0], c.WeightIH, c.WeightHH, torch.RNNReLUCellOpts{BIh: c.BiasIH, BHh: c.BiasHH})
	} else {
		out = torch.RNNTanhCell(x, hx[0], c.WeightIH, c.WeightHH, torch.RNNTanhCellOpts{BIh: c.BiasIH, BHh: c.BiasHH})
	}
	if !batched {
		out = out.SqueezeDim(0)
	}
	return out
}

// GRUCell is one step of a GRU (torch.nn.GRUCell).
type GRUCell struct{ cell }

// NewGRUCell makes a GRUCell, initialised as nn.GRUCell.
func NewGRUCell(input, hidden int64, o CellOptions) *GRUCell {
	c := &GRUCell{}
	c.init("GRUCell", input, hidden, 3, o)
	return c
}

// Forward steps x from h, nil for zeros, giving the next h.
func (c *GRUCell) Forward(x, h *torch.Tensor) *torch.Tensor {
	x, hx, batched := c.unbatch(x, hidden1(h))
	if hx == nil {
		hx = []*torch.Tensor{c.zeros(x)}
	}
	out := torch.GRUCell(x, hx[0], c.WeightIH, c.WeightHH, torch.GRUCellOpts{BIh: c.BiasIH, BHh: c.BiasHH})
	if !batched {
		out = out.SqueezeDim(0)
	}
	return out
}

// LSTMCell is one step of an LSTM (torch.nn.LSTMCell).
type LSTMCell struct{ cell }

// NewLSTMCell makes an LSTMCell, initialised as nn.LSTMCell.
func NewLSTMCell(input, hidden int64, o CellOptions) *LSTMCell {
	c := &LSTMCell{}
	c.init("LSTMCell", input, hidden, 4, o)
	return c
}

// Forward steps x from (h, c), both nil for zeros, giving the next (h, c).
func (c *LSTMCell) Forward(x, h, cs *torch.Tensor) (*torch.Tensor, *torch.Tensor) {
	x, hx, batched := c.unbatch(x, hidden2(h, cs))
	if hx == nil {
		z := c.zeros(x)
		hx = []*torch.Tensor{z, z}
	}
	h1, c1 := torch.LSTMCell(x, hx, c.WeightIH, c.WeightHH, torch.LSTMCellOpts{BIh: c.BiasIH, BHh: c.BiasHH})
	if !batched {
		h1, c1 = h1.SqueezeDim(0), c1.SqueezeDim(0)
	}
	return h1, c1
}

// PackedSequence is a batch of sequences of different lengths packed time
// step by time step (torch.nn.utils.rnn.PackedSequence): Data (sum of
// lengths, *), BatchSizes (max length) Int64 on the CPU, and, for a batch
// that was not sorted by length, SortedIndices and UnsortedIndices.
type PackedSequence struct {
	Data, BatchSizes               *torch.Tensor
	SortedIndices, UnsortedIndices *torch.Tensor
}

func (p *PackedSequence) with(data *torch.Tensor) *PackedSequence {
	q := *p
	q.Data = data
	return &q
}

var (
	packPadded = sync.OnceValue(func() *torch.Op { return torch.MustFindOp("aten::_pack_padded_sequence", "") })
	padPacked  = sync.OnceValue(func() *torch.Op { return torch.MustFindOp("aten::_pad_packed_sequence", "") })
)

// PackOptions are PackPaddedSequence's options; the zero value is
// PyTorch's default (time-major input, lengths sorted in decreasing order).
type PackOptions struct {
	// BatchFirst takes a (batch, seq, *) input.
	BatchFirst bool
	// Unsorted accepts lengths in any order (enforce_sorted=False): the
	// batch is sorted by decreasing length and the order remembered.
	Unsorted bool
}

// PackPaddedSequence packs a padded batch x (seq, batch, *) whose sequences
// have the given lengths (batch, Int64), as pack_padded_sequence.
func PackPaddedSequence(x *torch.Tensor, lengths []int64, o PackOptions) *PackedSequence {
	lens := torch.FromSlice(lengths, []int64{int64(len(lengths))})
	var sorted, unsorted *torch.Tensor
	if o.Unsorted {
		var idx *torch.Tensor
		lens, idx = lens.Sort(0, true)
		sorted = idx.To(x.Device())
		dim := int64(1)
		if o.BatchFirst {
			dim = 0
		}
		x = x.IndexSelect(dim, sorted)
		unsorted = invertPermutation(sorted)
	}
	r := packPadded().Call(x, lens, o.BatchFirst)
	return &PackedSequence{Data: r[0].(*torch.Tensor), BatchSizes: r[1].(*torch.Tensor), SortedIndices: sorted, UnsortedIndices: unsorted}
}

func invertPermutation(p *torch.Tensor) *torch.Tensor {
	out := torch.EmptyLike(p)
	return out.Scatter_(0, p, torch.Arange(int64(0), p.Numel(), int64(1), torch.Int64, p.Device()))
}

// PadOptions are PadPackedSequence's options; the zero value is PyTorch's
// default (time-major output, padding 0, padded to the longest sequence).
type PadOptions struct {
	BatchFirst   bool
	PaddingValue float64
	// TotalLength pads to this length instead (it must be at least the
	// longest sequence's); 0: the longest.
	TotalLength int64
}

// PadPackedSequence unpacks p to a padded batch (seq, batch, *) and the
// lengths, as pad_packed_sequence; the batch order is the original one.
func PadPackedSequence(p *PackedSequence, o PadOptions) (*torch.Tensor, []int64) {
	maxLen := p.BatchSizes.Size(0)
	total := int64(-1)
	if o.TotalLength > 0 {
		if o.TotalLength < maxLen {
			panic(&torch.Error{Op: "PadPackedSequence", Msg: fmt.Sprintf("Expected total_length to be at least the length of the longest sequence in input, but got total_length=%d and max sequence length being %d", o.TotalLength, maxLen)})
		}
		total = o.TotalLength
	}
	r := padPacked().Call(p.Data, p.BatchSizes, o.BatchFirst, o.PaddingValue, total)
	padded, lengths := r[0].(*torch.Tensor), r[1].(*torch.Tensor)
	if p.UnsortedIndices != nil {
		dim := int64(1)
		if o.BatchFirst {
			dim = 0
		}
		padded = padded.IndexSelect(dim, p.UnsortedIndices)
		lengths = lengths.IndexSelect(0, p.UnsortedIndices.To(torch.CPU))
	}
	return padded, lengths.Int64s()
}

// PadSequence stacks sequences of shapes (len_i, *) into a padded batch
// (max len, batch, *), or (batch, max len, *) with batchFirst, as
// pad_sequence.
func PadSequence(seqs []*torch.Tensor, batchFirst bool, paddingValue float64) *torch.Tensor {
	return torch.PadSequence(seqs, torch.PadSequenceOpts{BatchFirst: batchFirst, PaddingValue: paddingValue})
}

// PackSequence packs sequences of shapes (len_i, *) (pack_sequence);
// Unsorted accepts them in any order of length.
func PackSequence(seqs []*torch.Tensor, unsorted bool) *PackedSequence {
	lengths := make([]int64, len(seqs))
	for i, s := range seqs {
		lengths[i] = s.Size(0)
	}
	return PackPaddedSequence(PadSequence(seqs, false, 0), lengths, PackOptions{Unsorted: unsorted})
}
