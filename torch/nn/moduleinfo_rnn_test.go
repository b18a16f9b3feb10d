package nn

import "github.com/torchgo/torchgo/torch"

// ModuleInfo adapters (moduleinfo_test.go) for the recurrent layers and
// cells of rnn.go.
func init() {
	rnnOpts := func(c miValues) (in, hidden int64, o RNNOptions, err error) {
		if err = c.Accept("input_size", "hidden_size", "num_layers", "nonlinearity", "bias", "batch_first",
			"dropout", "bidirectional", "proj_size"); err != nil {
			return
		}
		in, hidden = c.Int(0, "input_size", 0), c.Int(1, "hidden_size", 0)
		o = RNNOptions{NumLayers: c.Int(2, "num_layers", 1), NoBias: !c.Bool(-1, "bias", true),
			BatchFirst: c.Bool(-1, "batch_first", false), Dropout: c.Float(-1, "dropout", 0),
			Bidirectional: c.Bool(-1, "bidirectional", false), ProjSize: c.Int(-1, "proj_size", 0),
			Nonlinearity: c.String(-1, "nonlinearity", "")}
		return
	}
	outs := func(y *torch.Tensor, h ...*torch.Tensor) []*torch.Tensor { return append([]*torch.Tensor{y}, h...) }
	registerModuleInfo("RNN", miAdapter{
		New: func(c miValues) (Layer, error) {
			in, h, o, err := rnnOpts(c)
			if err != nil {
				return nil, err
			}
			return NewRNN(in, h, o), nil
		},
		Forward: func(m Layer, f miValues) ([]*torch.Tensor, error) {
			y, h := m.(*RNN).Forward(f.Tensor(0, "input"), f.Tensor(1, "hx"))
			return outs(y, h), nil
		},
	})
	registerModuleInfo("GRU", miAdapter{
		New: func(c miValues) (Layer, error) {
			in, h, o, err := rnnOpts(c)
			if err != nil {
				return nil, err
			}
			return NewGRU(in, h, o), nil
		},
		Forward: func(m Layer, f miValues) ([]*torch.Tensor, error) {
			y, h := m.(*GRU).Forward(f.Tensor(0, "input"), f.Tensor(1, "hx"))
			return outs(y, h), nil
		},
	})
	registerModuleInfo("LSTM", miAdapter{
		New: func(c miValues) (Layer, error) {
			in, h, o, err := rnnOpts(c)
			if err != nil {
				return nil, err
			}
			return NewLSTM(in, h, o), nil
		},
		Forward: func(m Layer, f miValues) ([]*torch.Tensor, error) {
			var h0, c0 *torch.Tensor
			if hx := f.Tensors(1, "hx"); len(hx) == 2 {
				h0, c0 = hx[0], hx[1]
			}
			y, h, c := m.(*LSTM).Forward(f.Tensor(0, "input"), h0, c0)
			return outs(y, h, c), nil
		},
	})
	cellOpts := func(c miValues) (in, hidden int64, o CellOptions, err error) {
		if err = c.Accept("input_size", "hidden_size", "bias", "nonlinearity"); err != nil {
			return
		}
		return c.Int(0, "input_size", 0), c.Int(1, "hidden_size", 0),
			CellOptions{NoBias: !c.Bool(2, "bias", true), Nonlinearity: c.String(3, "nonlinearity", "")}, nil
	}
	registerModuleInfo("RNNCell", miAdapter{
		New: func(c miValues) (Layer, error) {
			in, h, o, err := cellOpts(c)
			if err != nil {
				return nil, err
			}
			return NewRNNCell(in, h, o), nil
		},
		Forward: func(m Layer, f miValues) ([]*torch.Tensor, error) {
			return []*torch.Tensor{m.(*RNNCell).Forward(f.Tensor(0, "input"), f.Tensor(1, "hx"))}, nil
		},
	})
	registerModuleInfo("GRUCell", miAdapter{
		New: func(c miValues) (Layer, error) {
			in, h, o, err := cellOpts(c)
			if err != nil {
				return nil, err
			}
			return NewGRUCell(in, h, o), nil
		},
		Forward: func(m Layer, f miValues) ([]*torch.Tensor, error) {
			return []*torch.Tensor{m.(*GRUCell).Forward(f.Tensor(0, "input"), f.Tensor(1, "hx"))}, nil
		},
	})
	registerModuleInfo("LSTMCell", miAdapter{
		New: func(c miValues) (Layer, error) {
			in, h, o, err := cellOpts(c)
			if err != nil {
				return nil, err
			}
			if o.Nonlinearity != "" {
				return nil, miNA("LSTMCell takes no nonlinearity")
			}
			return NewLSTMCell(in, h, o), nil
		},
		Forward: func(m Layer, f miValues) ([]*torch.Tensor, error) {
			var h0, c0 *torch.Tensor
			if hx := f.Tensors(1, "hx"); len(hx) == 2 {
				h0, c0 = hx[0], hx[1]
			}
			h, c := m.(*LSTMCell).Forward(f.Tensor(0, "input"), h0, c0)
			return []*torch.Tensor{h, c}, nil
		},
	})
}
