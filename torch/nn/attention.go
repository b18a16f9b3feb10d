package nn

import (
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/nn/nninit"
)

// MultiheadAttentionConfig holds nn.MultiheadAttention's optional
// constructor arguments; the zero value is PyTorch's default.
type MultiheadAttentionConfig struct {
	// Dropout is the probability of zeroing an attention weight in
	// training (dropout, default 0).
	Dropout float64
	// NoBias leaves out the input and output projection biases (bias=False).
	NoBias bool
	// AddBiasKV appends the learnt BiasK and BiasV to the key and value
	// sequences (add_bias_kv).
	AddBiasKV bool
	// AddZeroAttn appends a zero to the key and value sequences after the
	// projection (add_zero_attn).
	AddZeroAttn bool
	// KDim and VDim are the key's and value's feature counts (kdim, vdim);
	// 0 means the embedding dim.
	KDim, VDim int64
	// BatchFirst takes and returns (N, L, E) instead of (L, N, E) (batch_first).
	BatchFirst bool
	// Factory holds a torch.DType and/or torch.Device for the parameters
	// (PyTorch's dtype= and device=), which are then initialised in them.
	Factory []torch.Option
}

// MultiheadAttention is nn.MultiheadAttention: attention of NumHeads heads
// of HeadDim = EmbedDim/NumHeads features each, as "Attention Is All You
// Need" defines it, with learnt input and output projections.
//
// Its state dict holds, in this order, in_proj_weight (3·E, E) or, when
// KDim or VDim differs from E, q_proj_weight (E, E), k_proj_weight
// (E, KDim) and v_proj_weight (E, VDim); in_proj_bias (3·E); bias_k and
// bias_v (1, 1, E) with AddBiasKV; out_proj.weight (E, E) and
// out_proj.bias (E).
type MultiheadAttention struct {
	Module
	// InProjWeight packs the query, key and value projections (3·E, E);
	// nil when KDim or VDim differs from EmbedDim.
	InProjWeight *torch.Tensor
	// QProjWeight (E, E), KProjWeight (E, KDim) and VProjWeight (E, VDim)
	// are the separate projections used when KDim or VDim differs from
	// EmbedDim; nil otherwise.
	QProjWeight, KProjWeight, VProjWeight *torch.Tensor
	// InProjBias (3·E) is the packed projection bias; nil with NoBias.
	InProjBias *torch.Tensor
	// BiasK and BiasV (1, 1, E) are appended to the projected keys and
	// values; nil without AddBiasKV.
	BiasK, BiasV *torch.Tensor
	// OutProj is the output projection E → E.
	OutProj *Linear

	// EmbedDim is E, split across NumHeads heads of HeadDim features.
	EmbedDim, NumHeads, HeadDim int64
	// KDim and VDim are the key's and value's feature counts.
	KDim, VDim int64
	// Dropout is the attention weights' dropout probability in training.
	Dropout float64
	// AddZeroAttn and BatchFirst are add_zero_attn and batch_first.
	AddZeroAttn, BatchFirst bool
}

func attnError(op, format string, args ...any) *torch.Error {
	return &torch.Error{Op: op, Msg: fmt.Sprintf(format, args...)}
}

// NewMultiheadAttention makes a MultiheadAttention of embedDim features
// split across numHeads heads (embedDim must be divisible by numHeads),
// initialised as PyTorch does: the output projection as an nn.Linear, then
// xavier_uniform_ on the input projection weights, zeros for the biases and
// xavier_normal_ on BiasK and BiasV.
func NewMultiheadAttention(embedDim, numHeads int64, c MultiheadAttentionConfig) *MultiheadAttention {
	if numHeads <= 0 || embedDim/numHeads*numHeads != embedDim {
		panic(attnError("NewMultiheadAttention", "embed_dim must be divisible by num_heads (embed_dim %d, num_heads %d)", embedDim, numHeads))
	}
	m := &MultiheadAttention{
		EmbedDim: embedDim, NumHeads: numHeads, HeadDim: embedDim / numHeads,
		KDim: c.KDim, VDim: c.VDim, Dropout: c.Dropout, AddZeroAttn: c.AddZeroAttn, BatchFirst: c.BatchFirst,
	}
	m.typeName = "MultiheadAttention"
	if m.KDim == 0 {
		m.KDim = embedDim
	}
	if m.VDim == 0 {
		m.VDim = embedDim
	}
	if m.qkvSameEmbedDim() {
		m.InProjWeight = m.RegisterParameter("in_proj_weight", torch.Empty([]int64{3 * embedDim, embedDim}, c.Factory...))
	} else {
		m.QProjWeight = m.RegisterParameter("q_proj_weight", torch.Empty([]int64{embedDim, embedDim}, c.Factory...))
		m.KProjWeight = m.RegisterParameter("k_proj_weight", torch.Empty([]int64{embedDim, m.KDim}, c.Factory...))
		m.VProjWeight = m.RegisterParameter("v_proj_weight", torch.Empty([]int64{embedDim, m.VDim}, c.Factory...))
	}
	if !c.NoBias {
		m.InProjBias = m.RegisterParameter("in_proj_bias", torch.Empty([]int64{3 * embedDim}, c.Factory...))
	}
	// PyTorch builds out_proj (an nn.Linear, drawing its initial values)
	// before _reset_parameters draws the input projections.
	m.OutProj = NewLinear(embedDim, embedDim, LinearConfig{NoBias: c.NoBias, Factory: c.Factory})
	m.OutProj.typeName = "NonDynamicallyQuantizableLinear" // PyTorch's class, a Linear
	Add(m, "out_proj", m.OutProj)
	if c.AddBiasKV {
		m.BiasK = m.RegisterParameter("bias_k", torch.Empty([]int64{1, 1, embedDim}, c.Factory...))
		m.BiasV = m.RegisterParameter("bias_v", torch.Empty([]int64{1, 1, embedDim}, c.Factory...))
	}
	m.resetParameters()
	return m
}

func (m *MultiheadAttention) qkvSameEmbedDim() bool {
	return m.KDim == m.EmbedDim && m.VDim == m.EmbedDim
}

func mustInit(_ *torch.Tensor, err error) {
	if err != nil {
		panic(&torch.Error{Op: "nn.init", Msg: err.Error()})
	}
}

// resetParameters is _reset_parameters.
func (m *MultiheadAttention) resetParameters() {
	if m.InProjWeight != nil {
		mustInit(nninit.XavierUniform_(m.InProjWeight, 1, nil))
	} else {
		mustInit(nninit.XavierUniform_(m.QProjWeight, 1, nil))
		mustInit(nninit.XavierUniform_(m.KProjWeight, 1, nil))
		mustInit(nninit.XavierUniform_(m.VProjWeight, 1, nil))
	}
	if m.InProjBias != nil {
		nninit.Constant_(m.InProjBias, 0)
		nninit.Constant_(m.OutProj.Bias, 0)
	}
	if m.BiasK != nil {
		mustInit(nninit.XavierNormal_(m.BiasK, 1, nil))
	}
	if m.BiasV != nil {
		mustInit(nninit.XavierNormal_(m.BiasV, 1, nil))
	}
}

// AttentionOptions are MultiheadAttention.Forward's optional arguments;
// the zero value is PyTorch's default (no masks, weights averaged over
// the heads).
type AttentionOptions struct {
	// KeyPaddingMask (N, S), or (S) for unbatched input, marks keys to
	// ignore: Bool true (ignored) / false, or a float mask added to the
	// attention scores (key_padding_mask).
	KeyPaddingMask *torch.Tensor
	// AttnMask (L, S) or (N·NumHeads, L, S) keeps positions from
	// attending: Bool (or Uint8) true means not allowed; a float mask is
	// added to the attention scores (attn_mask).
	AttnMask *torch.Tensor
	// NoWeights skips returning the attention weights (need_weights=False).
	NoWeights bool
	// PerHeadWeights returns the weights of each head instead of their
	// mean (average_attn_weights=False).
	PerHeadWeights bool
}

// Forward attends from query to key and value, as module(query, key,
// value, key_padding_mask, need_weights, attn_mask, average_attn_weights):
//
//   - query (L, N, E), key (S, N, KDim), value (S, N, VDim); with
//     BatchFirst (N, L, E), (N, S, KDim), (N, S, VDim); unbatched (L, E),
//     (S, KDim), (S, VDim);
//   - out is (L, N, E), (N, L, E) with BatchFirst, or (L, E) unbatched;
//   - weights are (N, L, S) averaged over the heads, (N, NumHeads, L, S)
//     with PerHeadWeights ((L, S) and (NumHeads, L, S) unbatched), and nil
//     with NoWeights.
//
// Self-attention is query, key and value being the same *torch.Tensor
// (Python's `query is key`); it decides, as in PyTorch, whether the input
// projection is one matrix product, and whether the fused kernel
// aten::_native_multi_head_attention runs: it does, exactly when
// PyTorch 1.13 takes that fast path (batched self-attention in evaluation
// mode with BatchFirst, no gradient needed, no AttnMask, no dropout, no
// BiasK/BiasV or zero attention, an even number of heads, no autocast).
// Like PyTorch 1.13, the fast path fails for a layer made with NoBias.
func (m *MultiheadAttention) Forward(query, key, value *torch.Tensor, o AttentionOptions) (out, weights *torch.Tensor) {
	const op = "MultiheadAttention"
	isBatched := query.Dim() == 3
	kpm := o.KeyPaddingMask
	if kpm != nil && kpm.DType() != torch.Bool && !kpm.DType().IsFloatingPoint() {
		panic(attnError(op, "only bool and floating types of key_padding_mask are supported"))
	}
	if m.fastPathOK(query, key, value, o, isBatched) {
		return m.nativeForward(query, o)
	}
	if m.BatchFirst && isBatched {
		// Keep Python's identities: the transposes of one tensor are one tensor.
		if key == value {
			if query == key {
				query = query.Transpose(1, 0)
				key, value = query, query
			} else {
				query, key = query.Transpose(1, 0), key.Transpose(1, 0)
				value = key
			}
		} else {
			query, key, value = query.Transpose(1, 0), key.Transpose(1, 0), value.Transpose(1, 0)
		}
	}
	a := mhaArgs{
		embedDim: m.EmbedDim, numHeads: m.NumHeads,
		inProjWeight: m.InProjWeight, inProjBias: m.InProjBias,
		biasK: m.BiasK, biasV: m.BiasV, addZeroAttn: m.AddZeroAttn,
		dropoutP: m.Dropout, outProjWeight: m.OutProj.Weight, outProjBias: m.OutProj.Bias,
		training: m.IsTraining(), keyPaddingMask: kpm, needWeights: !o.NoWeights, attnMask: o.AttnMask,
		separate: !m.qkvSameEmbedDim(), qProjWeight: m.QProjWeight, kProjWeight: m.KProjWeight, vProjWeight: m.VProjWeight,
		average: !o.PerHeadWeights,
	}
	out, weights = multiHeadAttentionForward(query, key, value, a)
	if m.BatchFirst && isBatched {
		out = out.Transpose(1, 0)
	}
	return out, weights
}

// anyRequiresGrad reports whether grad mode is on and one of ts (nil
// entries skipped) requires grad.
func anyRequiresGrad(ts ...*torch.Tensor) bool {
	if !torch.IsGradEnabled() {
		return false
	}
	for _, t := range ts {
		if t != nil && t.RequiresGrad() {
			return true
		}
	}
	return false
}

// cpuOrCUDA reports whether every tensor of ts (nil skipped) is on the CPU
// or a CUDA device, as the fast paths require.
func cpuOrCUDA(ts ...*torch.Tensor) bool {
	for _, t := range ts {
		if t == nil {
			continue
		}
		if d := t.Device().Type; d != torch.DeviceCPU && d != torch.DeviceCUDA {
			return false
		}
	}
	return true
}

// autocastEnabled is torch.is_autocast_enabled(): whether CUDA autocast
// is on (CPU autocast does not count, as in PyTorch 1.13). Package torch
// does not expose autocast's state, so it is read from its effect: under
// CUDA autocast a float32 matrix product on the GPU gives a reduced
// precision result. Without CUDA it reports false.
func autocastEnabled() bool {
	if !torch.CUDAIsAvailable() {
		return false
	}
	on := false
	torch.WithScope(func(*torch.Scope) {
		dev := torch.Device{Type: torch.DeviceCUDA, Index: -1}
		a := torch.Ones([]int64{1, 1}, torch.Float32, dev)
		on = a.MatMul(a).DType() != torch.Float32
	})
	return on
}

// fastPathOK is MultiheadAttention.forward's why_not_fast_path test.
func (m *MultiheadAttention) fastPathOK(query, key, value *torch.Tensor, o AttentionOptions, isBatched bool) bool {
	switch {
	case !isBatched, query != key || key != value,
		m.InProjBias != nil && query.DType() != m.InProjBias.DType(),
		m.InProjWeight != nil && query.DType() != m.InProjWeight.DType(),
		m.IsTraining(), !m.BatchFirst, m.BiasK != nil, m.BiasV != nil,
		m.Dropout != 0, m.AddZeroAttn, !m.qkvSameEmbedDim(), o.AttnMask != nil,
		m.NumHeads%2 == 1:
		return false
	}
	args := []*torch.Tensor{query, key, value, m.InProjWeight, m.InProjBias, m.OutProj.Weight, m.OutProj.Bias}
	// PyTorch tests autocast before the tensors; the answer is the same,
	// and autocastEnabled costs most, so it comes last here.
	return cpuOrCUDA(args...) && !anyRequiresGrad(args...) && !autocastEnabled()
}

var (
	nativeMHAOnce sync.Once
	nativeMHAOp   *torch.Op
	nativeMHAErr  error
)

// nativeForward runs aten::_native_multi_head_attention as PyTorch's fast path does.
func (m *MultiheadAttention) nativeForward(x *torch.Tensor, o AttentionOptions) (out, weights *torch.Tensor) {
	if m.InProjBias == nil {
		panic(attnError("MultiheadAttention", "_native_multi_head_attention(): argument 'qkv_bias' (position 7) must be Tensor, not NoneType (PyTorch 1.13's fast path fails for bias=False too)"))
	}
	nativeMHAOnce.Do(func() { nativeMHAOp, nativeMHAErr = torch.FindOp("aten::_native_multi_head_attention", "") })
	if nativeMHAErr != nil {
		panic(nativeMHAErr)
	}
	var maskType any
	if o.KeyPaddingMask != nil {
		maskType = int64(1)
	}
	r := nativeMHAOp.Call(x, x, x, m.EmbedDim, m.NumHeads, m.InProjWeight, m.InProjBias,
		m.OutProj.Weight, m.OutProj.Bias, o.KeyPaddingMask, !o.NoWeights, !o.PerHeadWeights, maskType)
	out = r[0].(*torch.Tensor)
	if o.NoWeights {
		if w, ok := r[1].(*torch.Tensor); ok && w != nil {
			w.Close()
		}
		return out, nil
	}
	return out, r[1].(*torch.Tensor)
}

// mhaArgs are F.multi_head_attention_forward's arguments.
type mhaArgs struct {
	embedDim, numHeads                    int64
	inProjWeight, inProjBias              *torch.Tensor
	biasK, biasV                          *torch.Tensor
	addZeroAttn                           bool
	dropoutP                              float64
	outProjWeight, outProjBias            *torch.Tensor
	training                              bool
	keyPaddingMask                        *torch.Tensor
	needWeights                           bool
	attnMask                              *torch.Tensor
	separate                              bool
	qProjWeight, kProjWeight, vProjWeight *torch.Tensor
	average                               bool
}

func pyTuple(s ...int64) string {
	if len(s) == 1 {
		return fmt.Sprintf("(%d,)", s[0])
	}
	out := "("
	for i, d := range s {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprint(d)
	}
	return out + ")"
}

// mhaShapeCheck is _mha_shape_check: it reports whether the input is batched.
func mhaShapeCheck(query, key, value, kpm, attnMask *torch.Tensor, numHeads int64) bool {
	const op = "multi_head_attention_forward"
	switch query.Dim() {
	case 3:
		if key.Dim() != 3 || value.Dim() != 3 {
			panic(attnError(op, "For batched (3-D) `query`, expected `key` and `value` to be 3-D but found %d-D and %d-D tensors respectively", key.Dim(), value.Dim()))
		}
		if kpm != nil && kpm.Dim() != 2 {
			panic(attnError(op, "For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but found %d-D tensor instead", kpm.Dim()))
		}
		if attnMask != nil && attnMask.Dim() != 2 && attnMask.Dim() != 3 {
			panic(attnError(op, "For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found %d-D tensor instead", attnMask.Dim()))
		}
		return true
	case 2:
		if key.Dim() != 2 || value.Dim() != 2 {
			panic(attnError(op, "For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found %d-D and %d-D tensors respectively", key.Dim(), value.Dim()))
		}
		if kpm != nil && kpm.Dim() != 1 {
			panic(attnError(op, "For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D but found %d-D tensor instead", kpm.Dim()))
		}
		if attnMask != nil {
			if attnMask.Dim() != 2 && attnMask.Dim() != 3 {
				panic(attnError(op, "For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found %d-D tensor instead", attnMask.Dim()))
			}
			if attnMask.Dim() == 3 {
				want := []int64{numHeads, query.Size(0), key.Size(0)}
				if !slices.Equal(attnMask.Shape(), want) {
					panic(attnError(op, "Expected `attn_mask` shape to be %s but got %s", pyTuple(want...), torchSize(attnMask.Shape())))
				}
			}
		}
		return false
	}
	panic(attnError(op, "query should be unbatched 2D or batched 3D tensor but received %d-D query tensor", query.Dim()))
}

// inProjectionPacked is _in_projection_packed: the packed projection,
// one product for self-attention, two when key is value.
func inProjectionPacked(q, k, v, w, b *torch.Tensor) (*torch.Tensor, *torch.Tensor, *torch.Tensor) {
	e := q.Size(-1)
	if k == v {
		if q == k {
			qkv := torch.Linear(q, w, b).Chunk(3, -1)
			return qkv[0], qkv[1], qkv[2]
		}
		ws := w.SplitSizes([]int64{e, 2 * e}, 0)
		var bq, bkv *torch.Tensor
		if b != nil {
			bs := b.SplitSizes([]int64{e, 2 * e}, 0)
			bq, bkv = bs[0], bs[1]
		}
		qp := torch.Linear(q, ws[0], bq)
		kv := torch.Linear(k, ws[1], bkv).Chunk(2, -1)
		return qp, kv[0], kv[1]
	}
	ws := w.Chunk(3, 0)
	var bq, bk, bv *torch.Tensor
	if b != nil {
		bs := b.Chunk(3, 0)
		bq, bk, bv = bs[0], bs[1], bs[2]
	}
	return torch.Linear(q, ws[0], bq), torch.Linear(k, ws[1], bk), torch.Linear(v, ws[2], bv)
}

// inProjection is _in_projection: three separate projections.
func inProjection(q, k, v, wq, wk, wv, bq, bk, bv *torch.Tensor) (*torch.Tensor, *torch.Tensor, *torch.Tensor) {
	const op = "multi_head_attention_forward"
	eq, ek, ev := q.Size(-1), k.Size(-1), v.Size(-1)
	check := func(what string, t *torch.Tensor, want ...int64) {
		if t != nil && !slices.Equal(t.Shape(), want) {
			panic(attnError(op, "expecting %s shape of %s, but got %s", what, pyTuple(want...), torchSize(t.Shape())))
		}
	}
	check("query weights", wq, eq, eq)
	check("key weights", wk, eq, ek)
	check("value weights", wv, eq, ev)
	check("query bias", bq, eq)
	check("key bias", bk, eq)
	check("value bias", bv, eq)
	return torch.Linear(q, wq, bq), torch.Linear(k, wk, bk), torch.Linear(v, wv, bv)
}

// multiHeadAttentionForward is F.multi_head_attention_forward (without
// static_k and static_v), op for op, so that its results are PyTorch's bit
// for bit: query (L, N, E) or (L, E), key and value (S, N, ·) or (S, ·).
func multiHeadAttentionForward(query, key, value *torch.Tensor, a mhaArgs) (*torch.Tensor, *torch.Tensor) {
	const op = "multi_head_attention_forward"
	kpm, attnMask := a.keyPaddingMask, a.attnMask
	isBatched := mhaShapeCheck(query, key, value, kpm, attnMask, a.numHeads)
	if !isBatched {
		query, key, value = query.Unsqueeze(1), key.Unsqueeze(1), value.Unsqueeze(1)
		if kpm != nil {
			kpm = kpm.Unsqueeze(0)
		}
	}
	qs := query.Shape()
	tgtLen, bsz, embedDim := qs[0], qs[1], qs[2]
	srcLen := key.Size(0)
	if kpm != nil && kpm.DType() != torch.Bool && !kpm.DType().IsFloatingPoint() {
		panic(attnError(op, "only bool and floating types of key_padding_mask are supported"))
	}
	if embedDim != a.embedDim {
		panic(attnError(op, "was expecting embedding dimension of %d, but got %d", a.embedDim, embedDim))
	}
	h := a.numHeads
	headDim := embedDim / h
	if headDim*h != embedDim {
		panic(attnError(op, "embed_dim %d not divisible by num_heads %d", embedDim, h))
	}
	if a.separate {
		if ks, vs := key.Shape(), value.Shape(); !slices.Equal(ks[:2], vs[:2]) {
			panic(attnError(op, "key's sequence and batch dims %s do not match value's %s", torchSize(ks[:2]), torchSize(vs[:2])))
		}
	} else if ks, vs := key.Shape(), value.Shape(); !slices.Equal(ks, vs) {
		panic(attnError(op, "key shape %s does not match value shape %s", torchSize(ks), torchSize(vs)))
	}

	// In-projection.
	var q, k, v *torch.Tensor
	if !a.separate {
		if a.inProjWeight == nil {
			panic(attnError(op, "use_separate_proj_weight is False but in_proj_weight is None"))
		}
		q, k, v = inProjectionPacked(query, key, value, a.inProjWeight, a.inProjBias)
	} else {
		if a.qProjWeight == nil || a.kProjWeight == nil || a.vProjWeight == nil {
			panic(attnError(op, "use_separate_proj_weight is True but q_proj_weight, k_proj_weight or v_proj_weight is None"))
		}
		var bq, bk, bv *torch.Tensor
		if a.inProjBias != nil {
			bs := a.inProjBias.Chunk(3, 0)
			bq, bk, bv = bs[0], bs[1], bs[2]
		}
		q, k, v = inProjection(query, key, value, a.qProjWeight, a.kProjWeight, a.vProjWeight, bq, bk, bv)
	}

	// The attention mask, 3-D.
	if attnMask != nil {
		switch dt := attnMask.DType(); {
		case dt == torch.Uint8:
			// PyTorch warns that byte masks are deprecated.
			attnMask = attnMask.To(torch.Bool)
		case !dt.IsFloatingPoint() && dt != torch.Bool:
			panic(attnError(op, "Only float, byte, and bool types are supported for attn_mask, not torch.%s", dt))
		}
		switch attnMask.Dim() {
		case 2:
			if want := []int64{tgtLen, srcLen}; !slices.Equal(attnMask.Shape(), want) {
				panic(attnError(op, "The shape of the 2D attn_mask is %s, but should be %s.", torchSize(attnMask.Shape()), pyTuple(want...)))
			}
			attnMask = attnMask.Unsqueeze(0)
		case 3:
			if want := []int64{bsz * h, tgtLen, srcLen}; !slices.Equal(attnMask.Shape(), want) {
				panic(attnError(op, "The shape of the 3D attn_mask is %s, but should be %s.", torchSize(attnMask.Shape()), pyTuple(want...)))
			}
		default:
			panic(attnError(op, "attn_mask's dimension %d is not supported", attnMask.Dim()))
		}
	}

	// bias_k and bias_v along the batch dim (still the second).
	if a.biasK != nil && a.biasV != nil {
		k = torch.Cat([]*torch.Tensor{k, a.biasK.Repeat(1, bsz, 1)}, 0)
		v = torch.Cat([]*torch.Tensor{v, a.biasV.Repeat(1, bsz, 1)}, 0)
		if attnMask != nil {
			attnMask = torch.Pad(attnMask, []int64{0, 1}, torch.PadConstant, 0)
		}
		if kpm != nil {
			kpm = torch.Pad(kpm, []int64{0, 1}, torch.PadConstant, 0)
		}
	} else if a.biasK != nil || a.biasV != nil {
		panic(attnError(op, "bias_k and bias_v must both be given or both be None"))
	}

	// Heads, batch first.
	q = q.Contiguous().View(tgtLen, bsz*h, headDim).Transpose(0, 1)
	k = k.Contiguous().View(k.Size(0), bsz*h, headDim).Transpose(0, 1)
	v = v.Contiguous().View(v.Size(0), bsz*h, headDim).Transpose(0, 1)

	if a.addZeroAttn {
		zs := []int64{bsz * h, 1, headDim}
		k = torch.Cat([]*torch.Tensor{k, torch.Zeros(zs, k.DType(), k.Device())}, 1)
		v = torch.Cat([]*torch.Tensor{v, torch.Zeros(zs, v.DType(), v.Device())}, 1)
		if attnMask != nil {
			attnMask = torch.Pad(attnMask, []int64{0, 1}, torch.PadConstant, 0)
		}
		if kpm != nil {
			kpm = torch.Pad(kpm, []int64{0, 1}, torch.PadConstant, 0)
		}
	}
	srcLen = k.Size(1)

	// Merge the key padding and attention masks.
	if kpm != nil {
		if want := []int64{bsz, srcLen}; !slices.Equal(kpm.Shape(), want) {
			panic(attnError(op, "expecting key_padding_mask shape of %s, but got %s", pyTuple(want...), torchSize(kpm.Shape())))
		}
		kpm = kpm.View(bsz, 1, 1, srcLen).Expand(-1, h, -1, -1).Reshape(bsz*h, 1, srcLen)
		switch {
		case attnMask == nil:
			attnMask = kpm
		case attnMask.DType() == torch.Bool:
			attnMask = attnMask.LogicalOr(kpm)
		default:
			attnMask = attnMask.MaskedFill(kpm, math.Inf(-1))
		}
	}
	if attnMask != nil && attnMask.DType() == torch.Bool {
		f := torch.CallOp("aten::zeros_like", attnMask, torch.Kw{"dtype": q.DType()})[0].(*torch.Tensor)
		f.MaskedFill_(attnMask, math.Inf(-1))
		attnMask = f
	}
	dropoutP := a.dropoutP
	if !a.training {
		dropoutP = 0
	}

	// Attention and the output projection.
	e := q.Size(2)
	qScaled := q.DivScalar(math.Sqrt(float64(e)))
	var w *torch.Tensor
	if attnMask != nil {
		w = attnMask.Baddbmm(qScaled, k.Transpose(-2, -1))
	} else {
		w = qScaled.Bmm(k.Transpose(-2, -1))
	}
	w = torch.Softmax(w, -1)
	if dropoutP > 0 {
		w = torch.Dropout(w, dropoutP, true)
	}
	out := w.Bmm(v)
	out = out.Transpose(0, 1).Contiguous().View(tgtLen*bsz, embedDim)
	out = torch.Linear(out, a.outProjWeight, a.outProjBias)
	out = out.View(tgtLen, bsz, out.Size(1))
	if !a.needWeights {
		if !isBatched {
			out = out.SqueezeDim(1)
		}
		return out, nil
	}
	w = w.View(bsz, h, tgtLen, srcLen)
	if a.average {
		w = w.SumDim([]int64{1}, false).DivScalar(h)
	}
	if !isBatched {
		out, w = out.SqueezeDim(1), w.SqueezeDim(0)
	}
	return out, w
}

// SDPAOptions are ScaledDotProductAttention's optional arguments; the
// zero value is PyTorch's default.
type SDPAOptions struct {
	// AttnMask (N, …, L, S) or (L, S): with libtorch 1.13 a Bool mask whose
	// true entries take part in attention.
	AttnMask *torch.Tensor
	// DropoutP is the dropout probability on the attention weights.
	DropoutP float64
	// NeedAttnWeights also returns the attention weights (libtorch 1.13's
	// private op only).
	NeedAttnWeights bool
	// IsCausal masks out the future (AttnMask must then be nil).
	IsCausal bool
}

// ScaledDotProductAttention is softmax(q·kᵀ/√E)·v with an optional mask
// and dropout, on query (N, …, L, E), key (N, …, S, E) and value
// (N, …, S, Ev), giving out (N, …, L, Ev) and, with NeedAttnWeights, the
// weights (N, …, L, S) (unspecified otherwise).
//
// libtorch 1.13 has no public scaled_dot_product_attention: this calls its
// private aten::_scaled_dot_product_attention, which Python 1.13 exposes as
// torch.nn.functional._scaled_dot_product_attention, and on a libtorch
// that registers the public aten::scaled_dot_product_attention (2.0 on),
// that one (weights nil there). The error says when neither op exists, or
// when NeedAttnWeights asks the public op for weights it does not return.
func ScaledDotProductAttention(query, key, value *torch.Tensor, o SDPAOptions) (out, weights *torch.Tensor, err error) {
	if pub, e := torch.FindOp("aten::scaled_dot_product_attention", ""); e == nil {
		if o.NeedAttnWeights {
			return nil, nil, fmt.Errorf("nn.ScaledDotProductAttention: libtorch %s's aten::scaled_dot_product_attention returns no attention weights (NeedAttnWeights)", torch.Version())
		}
		r := pub.Call(query, key, value, o.AttnMask, o.DropoutP, o.IsCausal)
		return r[0].(*torch.Tensor), nil, nil
	}
	priv, e := torch.FindOp("aten::_scaled_dot_product_attention", "")
	if e != nil {
		return nil, nil, fmt.Errorf("nn.ScaledDotProductAttention: libtorch %s registers neither aten::scaled_dot_product_attention nor aten::_scaled_dot_product_attention", torch.Version())
	}
	r := priv.Call(query, key, value, o.AttnMask, o.DropoutP, o.NeedAttnWeights, o.IsCausal)
	out = r[0].(*torch.Tensor)
	if o.NeedAttnWeights {
		weights = r[1].(*torch.Tensor)
	} else if w, ok := r[1].(*torch.Tensor); ok && w != nil {
		w.Close()
	}
	return out, weights, nil
}
