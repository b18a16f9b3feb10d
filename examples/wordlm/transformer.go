package main

import "errors"

// NewTransformerModel is the example's TransformerModel.
func NewTransformerModel(ntoken, ninp, nhead, nhid, nlayers int64, dropout float64) (LM, error) {
	return nil, errors.New("--model Transformer: not built yet")
}
