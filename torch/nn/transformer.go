package nn

import (
	"fmt"
	"math"
	"reflect"
	"sync"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/nn/nninit"
)

// TransformerLayerConfig holds the optional constructor arguments of
// nn.TransformerEncoderLayer and nn.TransformerDecoderLayer; the zero value
// is PyTorch's default. Set a pointer field with new: Dropout: new(0.0).
type TransformerLayerConfig struct {
	// DimFeedforward is the feedforward network's hidden width
	// (dim_feedforward); nil means 2048.
	DimFeedforward *int64
	// Dropout is the dropout probability of every dropout, the attention
	// weights' included (dropout); nil means 0.1.
	Dropout *float64
	// Activation is the feedforward activation, "relu" ("" too, PyTorch's
	// default) or "gelu" (exact).
	Activation string
	// ActivationFunc, when not nil, is a custom activation (a callable
	// activation); it keeps TransformerEncoderLayer off its fast path, as a
	// callable other than F.relu and F.gelu does in PyTorch.
	ActivationFunc func(*torch.Tensor) *torch.Tensor
	// LayerNormEps is the layer norms' eps (layer_norm_eps); nil means 1e-5.
	LayerNormEps *float64
	// BatchFirst takes and returns (N, S, E) instead of (S, N, E) (batch_first).
	BatchFirst bool
	// NormFirst normalises before the attention and feedforward blocks
	// instead of after them (norm_first).
	NormFirst bool
	// Factory holds a torch.DType and/or torch.Device for the parameters
	// (PyTorch's dtype= and device=), which are then initialised in them.
	Factory []torch.Option
}

func (c TransformerLayerConfig) values() (dimFF int64, dropout, eps float64) {
	dimFF, dropout, eps = 2048, 0.1, 1e-5
	if c.DimFeedforward != nil {
		dimFF = *c.DimFeedforward
	}
	if c.Dropout != nil {
		dropout = *c.Dropout
	}
	if c.LayerNormEps != nil {
		eps = *c.LayerNormEps
	}
	return dimFF, dropout, eps
}

func gelu(x *torch.Tensor) *torch.Tensor { return torch.GELU(x, false) }

// activation resolves the activation as _get_activation_fn does; kind is
// activation_relu_or_gelu (1 relu, 2 gelu, 0 another).
func (c TransformerLayerConfig) activation(op string) (f func(*torch.Tensor) *torch.Tensor, kind int) {
	if c.ActivationFunc != nil {
		return c.ActivationFunc, 0
	}
	switch c.Activation {
	case "", "relu":
		return (*torch.Tensor).ReLU, 1
	case "gelu":
		return gelu, 2
	}
	panic(attnError(op, "activation should be relu/gelu, not %s", c.Activation))
}

func newLayerNormEps(d int64, eps float64, factory []torch.Option) *LayerNorm {
	return NewLayerNorm([]int64{d}, LayerNormConfig{Eps: &eps, Factory: factory})
}

// EncoderMasks are the optional masks of an encoder's forward pass
// (src_mask or mask, and src_key_padding_mask); nil means none.
type EncoderMasks struct {
	// Mask (S, S) or (N·nhead, S, S) is the self-attention's attn_mask.
	Mask *torch.Tensor
	// KeyPaddingMask (N, S) marks padding: Bool true, or a float mask.
	KeyPaddingMask *torch.Tensor
}

// DecoderMasks are the optional masks of a decoder's forward pass; nil
// means none.
type DecoderMasks struct {
	// TgtMask (T, T) or (N·nhead, T, T) is the self-attention's attn_mask.
	TgtMask *torch.Tensor
	// MemoryMask (T, S) or (N·nhead, T, S) is the memory attention's attn_mask.
	MemoryMask *torch.Tensor
	// TgtKeyPaddingMask (N, T) and MemoryKeyPaddingMask (N, S) mark padding.
	TgtKeyPaddingMask, MemoryKeyPaddingMask *torch.Tensor
}

// EncoderLayer is what TransformerEncoder stacks and what a Transformer
// takes as its encoder: TransformerEncoderLayer, TransformerEncoder, or a
// custom layer with their forward(src, mask, src_key_padding_mask).
type EncoderLayer interface {
	Layer
	ForwardMasked(src *torch.Tensor, m EncoderMasks) *torch.Tensor
}

// DecoderLayer is what TransformerDecoder stacks and what a Transformer
// takes as its decoder: TransformerDecoderLayer, TransformerDecoder, or a
// custom layer with their forward(tgt, memory, tgt_mask, memory_mask, …).
type DecoderLayer interface {
	Layer
	Forward(tgt, memory *torch.Tensor, m DecoderMasks) *torch.Tensor
}

// TransformerEncoderLayer is nn.TransformerEncoderLayer: self-attention
// then a feedforward network, each with dropout, a residual connection and
// a layer norm (after, or before with NormFirst). Its state dict holds
// self_attn.*, linear1.*, linear2.*, norm1.* and norm2.*.
type TransformerEncoderLayer struct {
	Module
	SelfAttn           *MultiheadAttention
	Linear1            *Linear // d_model → dim_feedforward
	Dropout            *Dropout
	Linear2            *Linear // dim_feedforward → d_model
	Norm1, Norm2       *LayerNorm
	Dropout1, Dropout2 *Dropout
	NormFirst          bool
	// Activation follows Linear1. Whether the fast path may run is decided
	// at construction (activation_relu_or_gelu), as in PyTorch.
	Activation     func(*torch.Tensor) *torch.Tensor
	activationKind int
}

// NewTransformerEncoderLayer makes a TransformerEncoderLayer of dModel
// features and nhead heads, drawing its initial values as PyTorch does
// (self_attn, linear1, linear2, in that order).
func NewTransformerEncoderLayer(dModel, nhead int64, c TransformerLayerConfig) *TransformerEncoderLayer {
	dimFF, dropout, eps := c.values()
	l := &TransformerEncoderLayer{NormFirst: c.NormFirst}
	l.typeName = "TransformerEncoderLayer"
	lin := LinearConfig{Factory: c.Factory}
	l.SelfAttn = Add(l, "self_attn", NewMultiheadAttention(dModel, nhead, MultiheadAttentionConfig{Dropout: dropout, BatchFirst: c.BatchFirst, Factory: c.Factory}))
	l.Linear1 = Add(l, "linear1", NewLinear(dModel, dimFF, lin))
	l.Dropout = Add(l, "dropout", NewDropout(dropout))
	l.Linear2 = Add(l, "linear2", NewLinear(dimFF, dModel, lin))
	l.Norm1 = Add(l, "norm1", newLayerNormEps(dModel, eps, c.Factory))
	l.Norm2 = Add(l, "norm2", newLayerNormEps(dModel, eps, c.Factory))
	l.Dropout1 = Add(l, "dropout1", NewDropout(dropout))
	l.Dropout2 = Add(l, "dropout2", NewDropout(dropout))
	l.Activation, l.activationKind = c.activation("NewTransformerEncoderLayer")
	return l
}

// Forward encodes src (S, N, E), (N, S, E) with BatchFirst, or (S, E),
// without masks, giving the same shape.
func (l *TransformerEncoderLayer) Forward(src *torch.Tensor) *torch.Tensor {
	return l.ForwardMasked(src, EncoderMasks{})
}

// ForwardMasked encodes src as module(src, src_mask, src_key_padding_mask).
// Like PyTorch 1.13, it runs the fused aten::_transformer_encoder_layer_fwd
// when it may: batched input in evaluation mode with BatchFirst, relu or
// gelu, no gradient needed, no Mask, an even number of heads, no autocast.
func (l *TransformerEncoderLayer) ForwardMasked(src *torch.Tensor, m EncoderMasks) *torch.Tensor {
	return l.forward(src, m, false)
}

func checkKeyPaddingMask(op string, kpm *torch.Tensor) {
	if kpm != nil && kpm.DType() != torch.Bool && !kpm.DType().IsFloatingPoint() {
		panic(attnError(op, "only bool and floating types of key_padding_mask are supported"))
	}
}

// params are the tensors PyTorch's fast paths check, after the input.
func (l *TransformerEncoderLayer) params() []*torch.Tensor {
	a := l.SelfAttn
	return []*torch.Tensor{a.InProjWeight, a.InProjBias, a.OutProj.Weight, a.OutProj.Bias,
		l.Norm1.Weight, l.Norm1.Bias, l.Norm2.Weight, l.Norm2.Bias,
		l.Linear1.Weight, l.Linear1.Bias, l.Linear2.Weight, l.Linear2.Bias}
}

// whyNotFastPath is why_not_sparsity_fast_path of the layer's forward;
// nested says src is the nested tensor TransformerEncoder made (3-D).
func (l *TransformerEncoderLayer) whyNotFastPath(src *torch.Tensor, m EncoderMasks, nested bool) string {
	switch {
	case !nested && src.Dim() != 3:
		return fmt.Sprintf("input not batched; expected src.dim() of 3 but got %d", src.Dim())
	case l.IsTraining():
		return "training is enabled"
	case !l.SelfAttn.BatchFirst:
		return "self_attn.batch_first was not True"
	case !l.SelfAttn.qkvSameEmbedDim():
		return "self_attn._qkv_same_embed_dim was not True"
	case l.activationKind == 0:
		return "activation_relu_or_gelu was not True"
	case l.Norm1.Eps != l.Norm2.Eps:
		return "norm1.eps is not equal to norm2.eps"
	case m.Mask != nil:
		return "src_mask is not supported for fastpath"
	case nested && m.KeyPaddingMask != nil:
		return "src_key_padding_mask is not supported with NestedTensor input for fastpath"
	case l.SelfAttn.NumHeads%2 == 1:
		return "num_head is odd"
	}
	ps := l.params()
	if !nested {
		ps = append(ps, src)
	}
	switch {
	case !cpuOrCUDA(ps...):
		return "some Tensor argument is neither CUDA nor CPU"
	case anyRequiresGrad(ps...):
		return "grad is enabled and at least one of query or the input/output projection weights or biases requires_grad"
	case autocastEnabled(): // PyTorch tests it before the tensors; it costs most
		return "autocast is enabled"
	}
	return ""
}

var (
	encoderFwdOnce sync.Once
	encoderFwdOp   *torch.Op
	encoderFwdErr  error
)

func (l *TransformerEncoderLayer) forward(src *torch.Tensor, m EncoderMasks, nested bool) *torch.Tensor {
	const op = "TransformerEncoderLayer"
	if !nested {
		checkKeyPaddingMask(op, m.KeyPaddingMask)
	}
	why := l.whyNotFastPath(src, m, nested)
	if why == "" {
		encoderFwdOnce.Do(func() { encoderFwdOp, encoderFwdErr = torch.FindOp("aten::_transformer_encoder_layer_fwd", "") })
		if encoderFwdErr != nil {
			panic(encoderFwdErr)
		}
		a := l.SelfAttn
		var maskType any
		if m.KeyPaddingMask != nil {
			maskType = int64(1)
		}
		return encoderFwdOp.Call(src, a.EmbedDim, a.NumHeads, a.InProjWeight, a.InProjBias, a.OutProj.Weight, a.OutProj.Bias,
			l.activationKind == 2, l.NormFirst, l.Norm1.Eps, l.Norm1.Weight, l.Norm1.Bias, l.Norm2.Weight, l.Norm2.Bias,
			l.Linear1.Weight, l.Linear1.Bias, l.Linear2.Weight, l.Linear2.Bias, m.KeyPaddingMask, maskType)[0].(*torch.Tensor)
	}
	if nested {
		panic(attnError(op, "MultiheadAttention does not support NestedTensor outside of its fast path. The fast path was not hit because %s", why))
	}
	x := src
	if l.NormFirst {
		x = x.Add(l.saBlock(l.Norm1.Forward(x), m))
		x = x.Add(l.ffBlock(l.Norm2.Forward(x)))
	} else {
		x = l.Norm1.Forward(x.Add(l.saBlock(x, m)))
		x = l.Norm2.Forward(x.Add(l.ffBlock(x)))
	}
	return x
}

func (l *TransformerEncoderLayer) saBlock(x *torch.Tensor, m EncoderMasks) *torch.Tensor {
	y, _ := l.SelfAttn.Forward(x, x, x, AttentionOptions{AttnMask: m.Mask, KeyPaddingMask: m.KeyPaddingMask, NoWeights: true})
	return l.Dropout1.Forward(y)
}

func (l *TransformerEncoderLayer) ffBlock(x *torch.Tensor) *torch.Tensor {
	x = l.Linear2.Forward(l.Dropout.Forward(l.Activation(l.Linear1.Forward(x))))
	return l.Dropout2.Forward(x)
}

// TransformerDecoderLayer is nn.TransformerDecoderLayer: self-attention,
// attention over the encoder's memory, then a feedforward network, each
// with dropout, a residual connection and a layer norm (after, or before
// with NormFirst). Its state dict holds self_attn.*, multihead_attn.*,
// linear1.*, linear2.*, norm1.*, norm2.* and norm3.*.
type TransformerDecoderLayer struct {
	Module
	SelfAttn                     *MultiheadAttention
	MultiheadAttn                *MultiheadAttention
	Linear1                      *Linear // d_model → dim_feedforward
	Dropout                      *Dropout
	Linear2                      *Linear // dim_feedforward → d_model
	Norm1, Norm2, Norm3          *LayerNorm
	Dropout1, Dropout2, Dropout3 *Dropout
	NormFirst                    bool
	// Activation follows Linear1.
	Activation func(*torch.Tensor) *torch.Tensor
}

// NewTransformerDecoderLayer makes a TransformerDecoderLayer of dModel
// features and nhead heads, drawing its initial values as PyTorch does
// (self_attn, multihead_attn, linear1, linear2, in that order).
func NewTransformerDecoderLayer(dModel, nhead int64, c TransformerLayerConfig) *TransformerDecoderLayer {
	dimFF, dropout, eps := c.values()
	l := &TransformerDecoderLayer{NormFirst: c.NormFirst}
	l.typeName = "TransformerDecoderLayer"
	mc := MultiheadAttentionConfig{Dropout: dropout, BatchFirst: c.BatchFirst, Factory: c.Factory}
	lin := LinearConfig{Factory: c.Factory}
	l.SelfAttn = Add(l, "self_attn", NewMultiheadAttention(dModel, nhead, mc))
	l.MultiheadAttn = Add(l, "multihead_attn", NewMultiheadAttention(dModel, nhead, mc))
	l.Linear1 = Add(l, "linear1", NewLinear(dModel, dimFF, lin))
	l.Dropout = Add(l, "dropout", NewDropout(dropout))
	l.Linear2 = Add(l, "linear2", NewLinear(dimFF, dModel, lin))
	l.Norm1 = Add(l, "norm1", newLayerNormEps(dModel, eps, c.Factory))
	l.Norm2 = Add(l, "norm2", newLayerNormEps(dModel, eps, c.Factory))
	l.Norm3 = Add(l, "norm3", newLayerNormEps(dModel, eps, c.Factory))
	l.Dropout1 = Add(l, "dropout1", NewDropout(dropout))
	l.Dropout2 = Add(l, "dropout2", NewDropout(dropout))
	l.Dropout3 = Add(l, "dropout3", NewDropout(dropout))
	l.Activation, _ = c.activation("NewTransformerDecoderLayer")
	return l
}

// Forward decodes tgt (T, N, E) attending to memory (S, N, E) ((N, T, E)
// and (N, S, E) with BatchFirst; (T, E) and (S, E) unbatched), as
// module(tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask,
// memory_key_padding_mask), giving tgt's shape.
func (l *TransformerDecoderLayer) Forward(tgt, memory *torch.Tensor, m DecoderMasks) *torch.Tensor {
	x := tgt
	if l.NormFirst {
		x = x.Add(l.saBlock(l.Norm1.Forward(x), m))
		x = x.Add(l.mhaBlock(l.Norm2.Forward(x), memory, m))
		x = x.Add(l.ffBlock(l.Norm3.Forward(x)))
	} else {
		x = l.Norm1.Forward(x.Add(l.saBlock(x, m)))
		x = l.Norm2.Forward(x.Add(l.mhaBlock(x, memory, m)))
		x = l.Norm3.Forward(x.Add(l.ffBlock(x)))
	}
	return x
}

func (l *TransformerDecoderLayer) saBlock(x *torch.Tensor, m DecoderMasks) *torch.Tensor {
	y, _ := l.SelfAttn.Forward(x, x, x, AttentionOptions{AttnMask: m.TgtMask, KeyPaddingMask: m.TgtKeyPaddingMask, NoWeights: true})
	return l.Dropout1.Forward(y)
}

func (l *TransformerDecoderLayer) mhaBlock(x, mem *torch.Tensor, m DecoderMasks) *torch.Tensor {
	y, _ := l.MultiheadAttn.Forward(x, mem, mem, AttentionOptions{AttnMask: m.MemoryMask, KeyPaddingMask: m.MemoryKeyPaddingMask, NoWeights: true})
	return l.Dropout2.Forward(y)
}

func (l *TransformerDecoderLayer) ffBlock(x *torch.Tensor) *torch.Tensor {
	x = l.Linear2.Forward(l.Dropout.Forward(l.Activation(l.Linear1.Forward(x))))
	return l.Dropout3.Forward(x)
}

// TransformerEncoderConfig holds nn.TransformerEncoder's optional
// arguments; the zero value is PyTorch's default.
type TransformerEncoderConfig struct {
	// Norm, when not nil, follows the last layer (norm), usually a LayerNorm.
	Norm Unary
	// DisableNestedTensor keeps padded input padded (enable_nested_tensor=False).
	DisableNestedTensor bool
	// NoMaskCheck skips checking that the padding mask is left-aligned
	// before taking the nested-tensor path (mask_check=False).
	NoMaskCheck bool
}

// TransformerEncoder is nn.TransformerEncoder: NumLayers deep copies of
// an encoder layer, run in turn, then the optional Norm. Its state dict
// holds layers.0.*, layers.1.*, … and norm.*.
type TransformerEncoder struct {
	Module
	// Layers holds the copies, each an EncoderLayer.
	Layers *ModuleList
	// Norm follows the last layer; nil without.
	Norm      Unary
	NumLayers int64
	// EnableNestedTensor and MaskCheck are enable_nested_tensor and
	// mask_check: whether ForwardMasked may take the nested-tensor path,
	// and whether it first checks that the padding is left-aligned.
	EnableNestedTensor, MaskCheck bool
}

func isNil(l any) bool {
	if l == nil {
		return true
	}
	v := reflect.ValueOf(l)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// NewTransformerEncoder stacks numLayers deep copies of layer (as
// copy.deepcopy does: the copies start with layer's values and draw no
// random numbers; layer itself is not part of the encoder).
func NewTransformerEncoder(layer EncoderLayer, numLayers int64, c TransformerEncoderConfig) *TransformerEncoder {
	e := &TransformerEncoder{NumLayers: numLayers, EnableNestedTensor: !c.DisableNestedTensor, MaskCheck: !c.NoMaskCheck}
	e.typeName = "TransformerEncoder"
	e.Layers = Add(e, "layers", NewModuleList())
	for i := int64(0); i < numLayers; i++ {
		e.Layers.Append(DeepCopy(layer))
	}
	if !isNil(c.Norm) {
		e.Norm = Add(e, "norm", c.Norm)
	}
	return e
}

func (e *TransformerEncoder) layers() []EncoderLayer {
	out := make([]EncoderLayer, len(e.Layers.Items))
	for i, l := range e.Layers.Items {
		el, ok := l.(EncoderLayer)
		if !ok {
			panic(attnError("TransformerEncoder", "layers.%d (%T) is not an EncoderLayer", i, l))
		}
		out[i] = el
	}
	return out
}

// Forward encodes src (S, N, E), (N, S, E) with BatchFirst layers, or
// (S, E), without masks, giving the same shape.
func (e *TransformerEncoder) Forward(src *torch.Tensor) *torch.Tensor {
	return e.ForwardMasked(src, EncoderMasks{})
}

// ForwardMasked encodes src as module(src, mask, src_key_padding_mask).
// As in PyTorch 1.13, when the first layer could take its fast path and a
// left-aligned Bool KeyPaddingMask is given (and no Mask), src becomes a
// nested tensor without the padding, the layers run their fused kernel on
// it, and the result is padded back with zeros; its sequence length is
// then that of the longest unpadded sequence, which may be shorter than
// src's.
func (e *TransformerEncoder) ForwardMasked(src *torch.Tensor, m EncoderMasks) *torch.Tensor {
	kpm := m.KeyPaddingMask
	checkKeyPaddingMask("TransformerEncoder", kpm)
	layers := e.layers()
	if len(layers) == 0 {
		panic(attnError("TransformerEncoder", "index 0 is out of range (no layers)"))
	}
	output := src
	nested := false
	if first, ok := layers[0].(*TransformerEncoderLayer); ok && e.sparsityFastPath(first, src, m) {
		output = torch.CallOp("aten::_nested_tensor_from_mask", output, kpm.LogicalNot(), false)[0].(*torch.Tensor)
		nested = true
	}
	for i, l := range layers {
		if nested {
			tl, ok := l.(*TransformerEncoderLayer)
			if !ok {
				panic(attnError("TransformerEncoder", "layers.%d (%T) cannot take the nested tensor of the fast path", i, l))
			}
			output = tl.forward(output, EncoderMasks{Mask: m.Mask}, true)
		} else {
			output = l.ForwardMasked(output, m)
		}
	}
	if nested {
		output = torch.CallOp("aten::to_padded_tensor", output, 0.0)[0].(*torch.Tensor)
	}
	if e.Norm != nil {
		output = e.Norm.Forward(output)
	}
	return output
}

// sparsityFastPath is TransformerEncoder.forward's why_not_sparsity_fast_path test.
func (e *TransformerEncoder) sparsityFastPath(first *TransformerEncoderLayer, src *torch.Tensor, m EncoderMasks) bool {
	kpm := m.KeyPaddingMask
	switch {
	case first.NormFirst, first.IsTraining(), !first.SelfAttn.BatchFirst, !first.SelfAttn.qkvSameEmbedDim(),
		first.activationKind == 0, first.Norm1.Eps != first.Norm2.Eps, src.Dim() != 3, !e.EnableNestedTensor, kpm == nil:
		return false
	case e.MaskCheck && !torch.CallOp("aten::_nested_tensor_from_mask_left_aligned", src, kpm.LogicalNot())[0].(bool):
		return false
	case m.Mask != nil, first.SelfAttn.NumHeads%2 == 1:
		return false
	}
	args := append(first.params(), src)
	return cpuOrCUDA(src) && !anyRequiresGrad(args...) && !autocastEnabled()
}

// TransformerDecoder is nn.TransformerDecoder: NumLayers deep copies of a
// decoder layer, run in turn, then the optional Norm. Its state dict holds
// layers.0.*, layers.1.*, … and norm.*.
type TransformerDecoder struct {
	Module
	// Layers holds the copies, each a DecoderLayer.
	Layers *ModuleList
	// Norm follows the last layer; nil without.
	Norm      Unary
	NumLayers int64
}

// NewTransformerDecoder stacks numLayers deep copies of layer (which
// itself is not part of the decoder); norm, when not nil, follows them.
func NewTransformerDecoder(layer DecoderLayer, numLayers int64, norm Unary) *TransformerDecoder {
	d := &TransformerDecoder{NumLayers: numLayers}
	d.typeName = "TransformerDecoder"
	d.Layers = Add(d, "layers", NewModuleList())
	for i := int64(0); i < numLayers; i++ {
		d.Layers.Append(DeepCopy(layer))
	}
	if !isNil(norm) {
		d.Norm = Add(d, "norm", norm)
	}
	return d
}

// Forward decodes tgt (T, N, E) attending to memory (S, N, E) through
// every layer, then Norm, giving tgt's shape ((N, T, E) and (N, S, E)
// with BatchFirst layers).
func (d *TransformerDecoder) Forward(tgt, memory *torch.Tensor, m DecoderMasks) *torch.Tensor {
	output := tgt
	for i, l := range d.Layers.Items {
		dl, ok := l.(DecoderLayer)
		if !ok {
			panic(attnError("TransformerDecoder", "layers.%d (%T) is not a DecoderLayer", i, l))
		}
		output = dl.Forward(output, memory, m)
	}
	if d.Norm != nil {
		output = d.Norm.Forward(output)
	}
	return output
}

// TransformerConfig holds nn.Transformer's constructor arguments; the zero
// value is PyTorch's default. Set a pointer field with new: DModel: new(int64(64)).
type TransformerConfig struct {
	DModel           *int64   // d_model; nil means 512
	NHead            *int64   // nhead; nil means 8
	NumEncoderLayers *int64   // num_encoder_layers; nil means 6
	NumDecoderLayers *int64   // num_decoder_layers; nil means 6
	DimFeedforward   *int64   // dim_feedforward; nil means 2048
	Dropout          *float64 // dropout; nil means 0.1
	// Activation ("relu", the default, or "gelu") and ActivationFunc (a
	// custom one) are the layers' activation.
	Activation     string
	ActivationFunc func(*torch.Tensor) *torch.Tensor
	// CustomEncoder and CustomDecoder, when not nil, replace the stacks of
	// default layers (custom_encoder, custom_decoder).
	CustomEncoder EncoderLayer
	CustomDecoder DecoderLayer
	LayerNormEps  *float64 // layer_norm_eps; nil means 1e-5
	BatchFirst    bool     // batch_first
	NormFirst     bool     // norm_first
	// Factory holds a torch.DType and/or torch.Device for the parameters
	// (PyTorch's dtype= and device=), which are then initialised in them.
	Factory []torch.Option
}

// Transformer is nn.Transformer: an encoder over src and a decoder over
// tgt that attends to the encoder's output. Its state dict holds
// encoder.layers.*, encoder.norm.*, decoder.layers.* and decoder.norm.*.
type Transformer struct {
	Module
	// Encoder is a *TransformerEncoder unless CustomEncoder was given.
	Encoder EncoderLayer
	// Decoder is a *TransformerDecoder unless CustomDecoder was given.
	Decoder DecoderLayer
	// DModel, NHead and BatchFirst are d_model, nhead and batch_first.
	DModel, NHead int64
	BatchFirst    bool
}

func intOr(p *int64, d int64) int64 {
	if p == nil {
		return d
	}
	return *p
}

// NewTransformer makes a Transformer as nn.Transformer(…) does: an encoder
// layer, its copies and a LayerNorm, the same for the decoder, then
// xavier_uniform_ on every parameter of more than one dim, in
// parameters() order.
func NewTransformer(c TransformerConfig) *Transformer {
	dModel, nhead := intOr(c.DModel, 512), intOr(c.NHead, 8)
	lc := TransformerLayerConfig{DimFeedforward: c.DimFeedforward, Dropout: c.Dropout, Activation: c.Activation,
		ActivationFunc: c.ActivationFunc, LayerNormEps: c.LayerNormEps, BatchFirst: c.BatchFirst, NormFirst: c.NormFirst,
		Factory: c.Factory}
	_, _, eps := lc.values()
	t := &Transformer{DModel: dModel, NHead: nhead, BatchFirst: c.BatchFirst}
	t.typeName = "Transformer"
	if !isNil(c.CustomEncoder) {
		t.Encoder = Add(t, "encoder", c.CustomEncoder)
	} else {
		layer := NewTransformerEncoderLayer(dModel, nhead, lc)
		t.Encoder = Add[EncoderLayer](t, "encoder", NewTransformerEncoder(layer, intOr(c.NumEncoderLayers, 6),
			TransformerEncoderConfig{Norm: newLayerNormEps(dModel, eps, c.Factory)}))
	}
	if !isNil(c.CustomDecoder) {
		t.Decoder = Add(t, "decoder", c.CustomDecoder)
	} else {
		layer := NewTransformerDecoderLayer(dModel, nhead, lc)
		t.Decoder = Add[DecoderLayer](t, "decoder", NewTransformerDecoder(layer, intOr(c.NumDecoderLayers, 6), newLayerNormEps(dModel, eps, c.Factory)))
	}
	for _, p := range t.Parameters() {
		if p.Dim() > 1 {
			mustInit(nninit.XavierUniform_(p, 1, nil))
		}
	}
	return t
}

// TransformerMasks are Transformer.Forward's optional masks; nil means none.
type TransformerMasks struct {
	SrcMask    *torch.Tensor // (S, S) or (N·nhead, S, S)
	TgtMask    *torch.Tensor // (T, T) or (N·nhead, T, T); see GenerateSquareSubsequentMask
	MemoryMask *torch.Tensor // (T, S) or (N·nhead, T, S)
	// SrcKeyPaddingMask (N, S), TgtKeyPaddingMask (N, T) and
	// MemoryKeyPaddingMask (N, S) mark padding.
	SrcKeyPaddingMask, TgtKeyPaddingMask, MemoryKeyPaddingMask *torch.Tensor
}

// Forward runs src (S, N, E) through the encoder and tgt (T, N, E) through
// the decoder, giving (T, N, E) ((N, S, E), (N, T, E) and (N, T, E) with
// BatchFirst; unbatched (S, E), (T, E) and (T, E)), as module(src, tgt, …masks).
func (t *Transformer) Forward(src, tgt *torch.Tensor, m TransformerMasks) *torch.Tensor {
	const op = "Transformer"
	isBatched := src.Dim() == 3
	if !t.BatchFirst && isBatched && src.Size(1) != tgt.Size(1) {
		panic(attnError(op, "the batch number of src and tgt must be equal"))
	} else if t.BatchFirst && isBatched && src.Size(0) != tgt.Size(0) {
		panic(attnError(op, "the batch number of src and tgt must be equal"))
	}
	if src.Size(-1) != t.DModel || tgt.Size(-1) != t.DModel {
		panic(attnError(op, "the feature number of src and tgt must be equal to d_model"))
	}
	memory := t.Encoder.ForwardMasked(src, EncoderMasks{Mask: m.SrcMask, KeyPaddingMask: m.SrcKeyPaddingMask})
	return t.Decoder.Forward(tgt, memory, DecoderMasks{TgtMask: m.TgtMask, MemoryMask: m.MemoryMask,
		TgtKeyPaddingMask: m.TgtKeyPaddingMask, MemoryKeyPaddingMask: m.MemoryKeyPaddingMask})
}

// GenerateSquareSubsequentMask is Transformer.generate_square_subsequent_mask:
// a (sz, sz) float mask, -inf above the diagonal and 0 elsewhere, so that
// position i attends to positions ≤ i. opts may give a Device (or DType).
func GenerateSquareSubsequentMask(sz int64, opts ...torch.Option) *torch.Tensor {
	return torch.Full([]int64{sz, sz}, math.Inf(-1), opts...).Triu(torch.TriuOpts{Diagonal: 1})
}
