package nn

import (
	"github.com/torchgo/torchgo/torch"
	F "github.com/torchgo/torchgo/torch/nn/functional"
	"github.com/torchgo/torchgo/torch/nn/nninit"
)

// EmbeddingConfig holds nn.Embedding's optional arguments; the zero value
// is PyTorch's defaults (no padding row, no max norm, sparse=False only).
type EmbeddingConfig struct {
	// PaddingIdx is a row that starts at zero and gets no gradient;
	// negative counts from the end; nil: none.
	PaddingIdx *int64
	// MaxNorm, when set, renormalises in place (without gradient) the rows
	// looked up whose NormType-norm exceeds it.
	MaxNorm  *float64
	NormType *float64 // nil: 2
	// ScaleGradByFreq scales gradients by the inverse frequency of the
	// indices in the batch.
	ScaleGradByFreq bool
	Factory         []torch.Option // dtype=, device= of the weight
}

// Embedding maps Int64 indices of any shape to rows of Weight, giving (…,
// EmbeddingDim) (nn.Embedding).
type Embedding struct {
	Module
	// Weight is (NumEmbeddings, EmbeddingDim), from N(0, 1), with the
	// PaddingIdx row zeroed.
	Weight                      *torch.Tensor
	NumEmbeddings, EmbeddingDim int64
	PaddingIdx                  int64    // the padding row (counted from 0), -1: none
	MaxNorm                     *float64 // nil: none
	NormType                    float64
	ScaleGradByFreq             bool
}

// NewEmbedding makes an Embedding of num rows of size dim initialised as
// nn.Embedding; paddingIdx -1 means none.
func NewEmbedding(num, dim, paddingIdx int64) *Embedding {
	if paddingIdx < -1 || paddingIdx >= num {
		layerPanic("NewEmbedding", "padding_idx %d must be within num_embeddings %d", paddingIdx, num)
	}
	var c EmbeddingConfig
	if paddingIdx >= 0 {
		c.PaddingIdx = &paddingIdx
	}
	return NewEmbeddingWith(num, dim, c)
}

// paddingIdx is the padding_idx check and normalisation of nn.Embedding
// and nn.EmbeddingBag: -1 for none.
func paddingIdx(op, what string, p *int64, num int64) int64 {
	if p == nil {
		return -1
	}
	i := *p
	if i > 0 && i >= num || i < 0 && i < -num {
		layerPanic(op, "%s must be within num_embeddings", what)
	}
	if i < 0 {
		i += num
	}
	return i
}

func newEmbedding(num, dim int64, c EmbeddingConfig, weight *torch.Tensor) *Embedding {
	l := &Embedding{NumEmbeddings: num, EmbeddingDim: dim, PaddingIdx: paddingIdx("Embedding", "Padding_idx", c.PaddingIdx, num),
		MaxNorm: c.MaxNorm, NormType: ptrOr(c.NormType, 2.0), ScaleGradByFreq: c.ScaleGradByFreq}
	l.typeName = "Embedding"
	if weight != nil {
		l.Weight = l.RegisterParameter("weight", weight)
		return l
	}
	l.Weight = l.RegisterParameter("weight", torch.Empty([]int64{num, dim}, c.Factory...))
	nninit.Normal_(l.Weight, 0, 1, nil)
	zeroRow(l.Weight, l.PaddingIdx)
	return l
}

// zeroRow is _fill_padding_idx_with_zero.
func zeroRow(w *torch.Tensor, row int64) {
	if row < 0 {
		return
	}
	torch.NoGrad(func() {
		torch.WithScope(func(*torch.Scope) { w.Select(0, row).Fill_(int64(0)) })
	})
}

// NewEmbeddingWith makes an Embedding of num rows of size dim with every
// option of nn.Embedding, initialised as it.
func NewEmbeddingWith(num, dim int64, c EmbeddingConfig) *Embedding {
	return newEmbedding(num, dim, c, nil)
}

// pretrained checks and aliases from_pretrained's embeddings.
func pretrained(op string, weights *torch.Tensor) (rows, cols int64, w *torch.Tensor) {
	if weights.Dim() != 2 {
		layerPanic(op, "Embeddings parameter is expected to be 2-dimensional")
	}
	s := weights.Shape()
	return s[0], s[1], weights.Detach()
}

// EmbeddingFromPretrained is nn.Embedding.from_pretrained: an Embedding
// whose weight shares weights' memory (no initialisation, the padding row
// kept), trained only when freeze is false.
func EmbeddingFromPretrained(weights *torch.Tensor, freeze bool, c ...EmbeddingConfig) *Embedding {
	rows, cols, w := pretrained("EmbeddingFromPretrained", weights)
	l := newEmbedding(rows, cols, firstCfg(c), w)
	l.Weight.SetRequiresGrad(!freeze)
	return l
}

func (l *Embedding) opts() F.EmbeddingOpts {
	o := F.EmbeddingOpts{MaxNorm: l.MaxNorm, NormType: &l.NormType, ScaleGradByFreq: l.ScaleGradByFreq}
	if l.PaddingIdx >= 0 {
		o.PaddingIdx = &l.PaddingIdx
	}
	return o
}

// Forward looks up the rows at indices (any shape) giving (…, EmbeddingDim).
func (l *Embedding) Forward(indices *torch.Tensor) *torch.Tensor {
	return F.Embedding(indices, l.Weight, l.opts())
}

// EmbeddingBagConfig holds nn.EmbeddingBag's optional arguments; the zero
// value is PyTorch's defaults (mean mode, sparse=False only).
type EmbeddingBagConfig struct {
	MaxNorm         *float64 // renormalise the rows looked up, as EmbeddingConfig.MaxNorm
	NormType        *float64 // nil: 2
	ScaleGradByFreq bool
	Mode            string // "mean" (also ""), "sum" or "max"
	// IncludeLastOffset makes offsets one longer: its last entry ends the
	// last bag (the CSR format).
	IncludeLastOffset bool
	// PaddingIdx is a row that starts at zero and is left out of the bags;
	// negative counts from the end; nil: none.
	PaddingIdx *int64
	Factory    []torch.Option // dtype=, device= of the weight
}

// EmbeddingBag reduces bags of rows of Weight by their sum, mean or
// maximum without building the rows, giving (bags, EmbeddingDim)
// (nn.EmbeddingBag).
type EmbeddingBag struct {
	Module
	// Weight is (NumEmbeddings, EmbeddingDim), from N(0, 1), with the
	// PaddingIdx row zeroed.
	Weight                      *torch.Tensor
	NumEmbeddings, EmbeddingDim int64
	MaxNorm                     *float64
	NormType                    float64
	ScaleGradByFreq             bool
	Mode                        string // "mean", "sum" or "max"
	IncludeLastOffset           bool
	PaddingIdx                  int64 // -1: none
}

func newEmbeddingBag(num, dim int64, c EmbeddingBagConfig, weight *torch.Tensor) *EmbeddingBag {
	mode := c.Mode
	if mode == "" {
		mode = "mean"
	}
	l := &EmbeddingBag{NumEmbeddings: num, EmbeddingDim: dim, MaxNorm: c.MaxNorm, NormType: ptrOr(c.NormType, 2.0),
		ScaleGradByFreq: c.ScaleGradByFreq, PaddingIdx: paddingIdx("EmbeddingBag", "padding_idx", c.PaddingIdx, num),
		Mode: mode, IncludeLastOffset: c.IncludeLastOffset}
	l.typeName = "EmbeddingBag"
	if weight != nil {
		l.Weight = l.RegisterParameter("weight", weight)
		return l
	}
	l.Weight = l.RegisterParameter("weight", torch.Empty([]int64{num, dim}, c.Factory...))
	nninit.Normal_(l.Weight, 0, 1, nil)
	zeroRow(l.Weight, l.PaddingIdx)
	return l
}

// NewEmbeddingBag makes an EmbeddingBag of num rows of size dim,
// initialised as nn.EmbeddingBag.
func NewEmbeddingBag(num, dim int64, c ...EmbeddingBagConfig) *EmbeddingBag {
	return newEmbeddingBag(num, dim, firstCfg(c), nil)
}

// EmbeddingBagFromPretrained is nn.EmbeddingBag.from_pretrained: an
// EmbeddingBag whose weight shares weights' memory, trained only when
// freeze is false.
func EmbeddingBagFromPretrained(weights *torch.Tensor, freeze bool, c ...EmbeddingBagConfig) *EmbeddingBag {
	rows, cols, w := pretrained("EmbeddingBagFromPretrained", weights)
	l := newEmbeddingBag(rows, cols, firstCfg(c), w)
	l.Weight.SetRequiresGrad(!freeze)
	return l
}

// Forward reduces the bags of a 2-D input (B, N) of indices, one bag per
// row, giving (B, EmbeddingDim).
func (l *EmbeddingBag) Forward(input *torch.Tensor) *torch.Tensor {
	return l.ForwardBags(input, nil, nil)
}

// ForwardBags is forward(input, offsets, per_sample_weights): input is
// 2-D with offsets nil, or 1-D with offsets (B) (B+1 with
// IncludeLastOffset) the start of each bag; perSampleWeights (nil: none),
// shaped like input, weigh each index in "sum" mode.
func (l *EmbeddingBag) ForwardBags(input, offsets, perSampleWeights *torch.Tensor) *torch.Tensor {
	o := F.EmbeddingBagOpts{Offsets: offsets, MaxNorm: l.MaxNorm, NormType: &l.NormType, ScaleGradByFreq: l.ScaleGradByFreq,
		Mode: l.Mode, PerSampleWeights: perSampleWeights, IncludeLastOffset: l.IncludeLastOffset}
	if l.PaddingIdx >= 0 {
		o.PaddingIdx = &l.PaddingIdx
	}
	return F.EmbeddingBag(input, l.Weight, o)
}
