package nn

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/torch"
)

// The masks the attention cases share, in Python (attnPyMasks) and Go
// (attnMasks), built from literals so that both sides hold the same values.
const attnPyMasks = `
import contextlib, torch.nn as nn, torch.nn.functional as F
Fa, Tr = False, True
KPM35 = torch.tensor([[Fa, Fa, Fa, Fa, Tr], [Fa, Fa, Fa, Tr, Tr], [Fa, Fa, Fa, Fa, Fa]])
KPM37 = torch.tensor([[Fa] * 6 + [Tr], [Fa] * 5 + [Tr, Tr], [Fa] * 7])
KPM7 = torch.tensor([Fa] * 5 + [Tr, Tr])
NEST35 = torch.tensor([[Fa, Fa, Fa, Tr, Tr], [Fa, Fa, Tr, Tr, Tr], [Fa, Fa, Fa, Fa, Tr]])
NOTLEFT35 = torch.tensor([[Fa, Tr, Fa, Fa, Fa], [Fa, Fa, Fa, Fa, Tr], [Fa] * 5])
CAUSAL5 = nn.Transformer.generate_square_subsequent_mask(5)
BOOL55 = torch.triu(torch.ones(5, 5, dtype=torch.bool), diagonal=1)
BOOL3D = torch.arange(420).reshape(12, 5, 7) % 5 == 0
BOOL2x57 = torch.arange(70).reshape(2, 5, 7) % 3 == 0
UINT55 = (torch.arange(25).reshape(5, 5) % 4 == 1).to(torch.uint8)
`

type attnMaskSet struct {
	kpm35, kpm37, kpm7, nest35, notLeft35, causal5, bool55, bool3d, bool2x57, uint55 *torch.Tensor
}

func boolRows(rows ...[]bool) *torch.Tensor {
	var flat []bool
	for _, r := range rows {
		flat = append(flat, r...)
	}
	if len(rows) == 1 {
		return torch.FromSlice(flat, nil)
	}
	return torch.FromSlice(flat, []int64{int64(len(rows)), int64(len(rows[0]))})
}

func attnMasks() attnMaskSet {
	const F, T = false, true
	mod := func(n, m int64, shape ...int64) *torch.Tensor {
		return torch.Arange(0, n, 1).Reshape(shape...).RemainderScalar(m)
	}
	return attnMaskSet{
		kpm35:     boolRows([]bool{F, F, F, F, T}, []bool{F, F, F, T, T}, []bool{F, F, F, F, F}),
		kpm37:     boolRows([]bool{F, F, F, F, F, F, T}, []bool{F, F, F, F, F, T, T}, []bool{F, F, F, F, F, F, F}),
		kpm7:      boolRows([]bool{F, F, F, F, F, T, T}),
		nest35:    boolRows([]bool{F, F, F, T, T}, []bool{F, F, T, T, T}, []bool{F, F, F, F, T}),
		notLeft35: boolRows([]bool{F, T, F, F, F}, []bool{F, F, F, F, T}, []bool{F, F, F, F, F}),
		causal5:   GenerateSquareSubsequentMask(5),
		bool55:    torch.Ones([]int64{5, 5}, torch.Bool).Triu(torch.TriuOpts{Diagonal: 1}),
		bool3d:    mod(420, 5, 12, 5, 7).EqScalar(0),
		bool2x57:  mod(70, 3, 2, 5, 7).EqScalar(0),
		uint55:    mod(25, 4, 5, 5).EqScalar(1).To(torch.Uint8),
	}
}

// attnIn is an input drawn from torch.randn(shape, generator=g).
type attnIn struct {
	shape []int64
	grad  bool
}

func in(grad bool, shape ...int64) attnIn { return attnIn{shape, grad} }

// attnCase builds a module in Go and Python after the same manual_seed,
// runs it on the same inputs (after another same seed, for dropout), and
// backward from Σ sum(output · G) with the same G; state dict, outputs and
// the gradients of parameters and inputs must be equal byte for byte.
type attnCase struct {
	name   string
	pyCtor string // an expression making the module
	pyRun  string // an expression of m, x (the inputs) and the masks
	inputs []attnIn
	build  func() Layer
	run    func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor
	eval   bool
	noGrad bool // forward under torch.no_grad() (the fast paths), no backward
	f64    bool // float64 inputs (and output gradients)
}

func mhaOut(out, w *torch.Tensor) []*torch.Tensor { return []*torch.Tensor{out, w} }

func relu(x *torch.Tensor) *torch.Tensor { return x.ReLU() }

var attnCases = []attnCase{
	{name: "MHASelfSeqFirst", pyCtor: "nn.MultiheadAttention(8, 2)", pyRun: "m(x[0], x[0], x[0])",
		inputs: []attnIn{in(true, 5, 3, 8)},
		build:  func() Layer { return NewMultiheadAttention(8, 2, MultiheadAttentionConfig{}) },
		run: func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor {
			return mhaOut(m.(*MultiheadAttention).Forward(x[0], x[0], x[0], AttentionOptions{}))
		}},
	{name: "MHACrossKVPerHead", pyCtor: "nn.MultiheadAttention(8, 2)", pyRun: "m(x[0], x[1], x[1], average_attn_weights=False)",
		inputs: []attnIn{in(true, 5, 3, 8), in(true, 7, 3, 8)},
		build:  func() Layer { return NewMultiheadAttention(8, 2, MultiheadAttentionConfig{}) },
		run: func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor {
			return mhaOut(m.(*MultiheadAttention).Forward(x[0], x[1], x[1], AttentionOptions{PerHeadWeights: true}))
		}},
	{name: "MHADistinctQKVNoBias", pyCtor: "nn.MultiheadAttention(8, 2, bias=False)", pyRun: "m(x[0], x[1], x[2], key_padding_mask=KPM37)",
		inputs: []attnIn{in(true, 5, 3, 8), in(true, 7, 3, 8), in(true, 7, 3, 8)},
		build:  func() Layer { return NewMultiheadAttention(8, 2, MultiheadAttentionConfig{NoBias: true}) },
		run: func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor {
			return mhaOut(m.(*MultiheadAttention).Forward(x[0], x[1], x[2], AttentionOptions{KeyPaddingMask: k.kpm37}))
		}},
	{name: "MHAKdimVdimBatchFirstBoolMasks", pyCtor: "nn.MultiheadAttention(8, 4, kdim=6, vdim=5, batch_first=True)",
		pyRun:  "m(x[0], x[1], x[2], key_padding_mask=KPM37, attn_mask=BOOL3D)",
		inputs: []attnIn{in(true, 3, 5, 8), in(true, 3, 7, 6), in(true, 3, 7, 5)},
		build: func() Layer {
			return NewMultiheadAttention(8, 4, MultiheadAttentionConfig{KDim: 6, VDim: 5, BatchFirst: true})
		},
		run: func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor {
			return mhaOut(m.(*MultiheadAttention).Forward(x[0], x[1], x[2], AttentionOptions{KeyPaddingMask: k.kpm37, AttnMask: k.bool3d}))
		}},
	{name: "MHABiasKVZeroAttnFloatMask", pyCtor: "nn.MultiheadAttention(8, 2, add_bias_kv=True, add_zero_attn=True)",
		pyRun:  "m(x[0], x[1], x[1], key_padding_mask=KPM37, attn_mask=x[2])",
		inputs: []attnIn{in(true, 5, 3, 8), in(true, 7, 3, 8), in(false, 5, 7)},
		build: func() Layer {
			return NewMultiheadAttention(8, 2, MultiheadAttentionConfig{AddBiasKV: true, AddZeroAttn: true})
		},
		run: func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor {
			return mhaOut(m.(*MultiheadAttention).Forward(x[0], x[1], x[1], AttentionOptions{KeyPaddingMask: k.kpm37, AttnMask: x[2]}))
		}},
	{name: "MHADropoutTrainFloatKPM", pyCtor: "nn.MultiheadAttention(8, 2, dropout=0.3)",
		pyRun:  "m(x[0], x[0], x[0], key_padding_mask=x[1], attn_mask=BOOL55)",
		inputs: []attnIn{in(true, 5, 3, 8), in(false, 3, 5)},
		build:  func() Layer { return NewMultiheadAttention(8, 2, MultiheadAttentionConfig{Dropout: 0.3}) },
		run: func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor {
			return mhaOut(m.(*MultiheadAttention).Forward(x[0], x[0], x[0], AttentionOptions{KeyPaddingMask: x[1], AttnMask: k.bool55}))
		}},
	{name: "MHABoolAttnBoolKPMBiasKV", pyCtor: "nn.MultiheadAttention(8, 2, bias=False, add_bias_kv=True, batch_first=True)",
		pyRun:  "m(x[0], x[0], x[0], key_padding_mask=KPM35, attn_mask=BOOL55, need_weights=False)",
		inputs: []attnIn{in(true, 3, 5, 8)},
		build: func() Layer {
			return NewMultiheadAttention(8, 2, MultiheadAttentionConfig{NoBias: true, AddBiasKV: true, BatchFirst: true})
		},
		run: func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor {
			return mhaOut(m.(*MultiheadAttention).Forward(x[0], x[0], x[0], AttentionOptions{KeyPaddingMask: k.kpm35, AttnMask: k.bool55, NoWeights: true}))
		}},
	{name: "MHAUnbatched", pyCtor: "nn.MultiheadAttention(8, 2, batch_first=True)",
		pyRun:  "m(x[0], x[1], x[2], key_padding_mask=KPM7)",
		inputs: []attnIn{in(true, 5, 8), in(true, 7, 8), in(true, 7, 8)},
		build:  func() Layer { return NewMultiheadAttention(8, 2, MultiheadAttentionConfig{BatchFirst: true}) },
		run: func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor {
			return mhaOut(m.(*MultiheadAttention).Forward(x[0], x[1], x[2], AttentionOptions{KeyPaddingMask: k.kpm7}))
		}},
	{name: "MHAUnbatchedSelf3DMask", pyCtor: "nn.MultiheadAttention(8, 2, add_zero_attn=True)",
		pyRun:  "m(x[0], x[0], x[0], attn_mask=BOOL2x57[:, :, :5], average_attn_weights=False)",
		inputs: []attnIn{in(true, 5, 8)},
		build:  func() Layer { return NewMultiheadAttention(8, 2, MultiheadAttentionConfig{AddZeroAttn: true}) },
		run: func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor {
			return mhaOut(m.(*MultiheadAttention).Forward(x[0], x[0], x[0], AttentionOptions{AttnMask: k.bool2x57.Slice(2, 0, 5, 1), PerHeadWeights: true}))
		}},
	{name: "MHAUint8Mask", pyCtor: "nn.MultiheadAttention(8, 2)", pyRun: "m(x[0], x[0], x[0], attn_mask=UINT55)",
		inputs: []attnIn{in(true, 5, 3, 8)},
		build:  func() Layer { return NewMultiheadAttention(8, 2, MultiheadAttentionConfig{}) },
		run: func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor {
			return mhaOut(m.(*MultiheadAttention).Forward(x[0], x[0], x[0], AttentionOptions{AttnMask: k.uint55}))
		}},
	{name: "MHAEvalSlowPath", pyCtor: "nn.MultiheadAttention(8, 2, batch_first=True, dropout=0.5)",
		pyRun:  "m(x[0], x[0], x[0], key_padding_mask=KPM35)",
		inputs: []attnIn{in(true, 3, 5, 8)}, eval: true,
		build: func() Layer {
			return NewMultiheadAttention(8, 2, MultiheadAttentionConfig{BatchFirst: true, Dropout: 0.5})
		},
		run: func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor {
			return mhaOut(m.(*MultiheadAttention).Forward(x[0], x[0], x[0], AttentionOptions{KeyPaddingMask: k.kpm35}))
		}},
	{name: "MHAFastPathKPM", pyCtor: "nn.MultiheadAttention(8, 2, batch_first=True)",
		pyRun:  "m(x[0], x[0], x[0], key_padding_mask=KPM35)",
		inputs: []attnIn{in(false, 3, 5, 8)}, eval: true, noGrad: true,
		build: func() Layer { return NewMultiheadAttention(8, 2, MultiheadAttentionConfig{BatchFirst: true}) },
		run: func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor {
			return mhaOut(m.(*MultiheadAttention).Forward(x[0], x[0], x[0], AttentionOptions{KeyPaddingMask: k.kpm35}))
		}},
	{name: "MHAFastPathNoWeights", pyCtor: "nn.MultiheadAttention(8, 4, batch_first=True)",
		pyRun:  "m(x[0], x[0], x[0], need_weights=False)",
		inputs: []attnIn{in(false, 3, 5, 8)}, eval: true, noGrad: true,
		build: func() Layer { return NewMultiheadAttention(8, 4, MultiheadAttentionConfig{BatchFirst: true}) },
		run: func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor {
			return mhaOut(m.(*MultiheadAttention).Forward(x[0], x[0], x[0], AttentionOptions{NoWeights: true}))
		}},
	{name: "MHAFastPathPerHead", pyCtor: "nn.MultiheadAttention(8, 2, batch_first=True)",
		pyRun:  "m(x[0], x[0], x[0], average_attn_weights=False)",
		inputs: []attnIn{in(false, 3, 5, 8)}, eval: true, noGrad: true,
		build: func() Layer { return NewMultiheadAttention(8, 2, MultiheadAttentionConfig{BatchFirst: true}) },
		run: func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor {
			return mhaOut(m.(*MultiheadAttention).Forward(x[0], x[0], x[0], AttentionOptions{PerHeadWeights: true}))
		}},

	{name: "MHAFloat64Factory", pyCtor: "nn.MultiheadAttention(8, 2, kdim=6, add_bias_kv=True, dtype=torch.float64)",
		pyRun:  "m(x[0], x[1], x[2], key_padding_mask=KPM37)",
		inputs: []attnIn{in(true, 5, 3, 8), in(true, 7, 3, 6), in(true, 7, 3, 8)}, f64: true,
		build: func() Layer {
			return NewMultiheadAttention(8, 2, MultiheadAttentionConfig{KDim: 6, AddBiasKV: true, Factory: []torch.Option{torch.Float64}})
		},
		run: func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor {
			return mhaOut(m.(*MultiheadAttention).Forward(x[0], x[1], x[2], AttentionOptions{KeyPaddingMask: k.kpm37}))
		}},

	{name: "EncLayerDefaultTrain", pyCtor: "nn.TransformerEncoderLayer(8, 2, 16)", pyRun: "m(x[0])",
		inputs: []attnIn{in(true, 5, 3, 8)},
		build: func() Layer {
			return NewTransformerEncoderLayer(8, 2, TransformerLayerConfig{DimFeedforward: new(int64(16))})
		},
		run: func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor {
			return []*torch.Tensor{m.(*TransformerEncoderLayer).Forward(x[0])}
		}},
	{name: "EncLayerGeluNormFirstBatchFirstMasks",
		pyCtor: `nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation="gelu", batch_first=True, norm_first=True)`,
		pyRun:  "m(x[0], src_mask=CAUSAL5, src_key_padding_mask=KPM35)",
		inputs: []attnIn{in(true, 3, 5, 8)},
		build: func() Layer {
			return NewTransformerEncoderLayer(8, 2, TransformerLayerConfig{DimFeedforward: new(int64(16)), Dropout: new(0.0),
				Activation: "gelu", BatchFirst: true, NormFirst: true})
		},
		run: func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor {
			return []*torch.Tensor{m.(*TransformerEncoderLayer).ForwardMasked(x[0], EncoderMasks{Mask: k.causal5, KeyPaddingMask: k.kpm35})}
		}},
	{name: "EncLayerCustomActivationEval",
		pyCtor: "nn.TransformerEncoderLayer(8, 2, 16, activation=torch.tanh, layer_norm_eps=1e-3, batch_first=True)",
		pyRun:  "m(x[0])", inputs: []attnIn{in(true, 3, 5, 8)}, eval: true,
		build: func() Layer {
			return NewTransformerEncoderLayer(8, 2, TransformerLayerConfig{DimFeedforward: new(int64(16)),
				ActivationFunc: (*torch.Tensor).Tanh, LayerNormEps: new(1e-3), BatchFirst: true})
		},
		run: func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor {
			return []*torch.Tensor{m.(*TransformerEncoderLayer).Forward(x[0])}
		}},
	{name: "EncLayerFastPathKPM", pyCtor: "nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)",
		pyRun:  "m(x[0], src_key_padding_mask=KPM35)",
		inputs: []attnIn{in(false, 3, 5, 8)}, eval: true, noGrad: true,
		build: func() Layer {
			return NewTransformerEncoderLayer(8, 2, TransformerLayerConfig{DimFeedforward: new(int64(16)), BatchFirst: true})
		},
		run: func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor {
			return []*torch.Tensor{m.(*TransformerEncoderLayer).ForwardMasked(x[0], EncoderMasks{KeyPaddingMask: k.kpm35})}
		}},
	{name: "EncLayerFastPathGeluNormFirst", pyCtor: `nn.TransformerEncoderLayer(8, 2, 16, activation="gelu", batch_first=True, norm_first=True)`,
		pyRun:  "m(x[0])",
		inputs: []attnIn{in(false, 3, 5, 8)}, eval: true, noGrad: true,
		build: func() Layer {
			return NewTransformerEncoderLayer(8, 2, TransformerLayerConfig{DimFeedforward: new(int64(16)), Activation: "gelu", BatchFirst: true, NormFirst: true})
		},
		run: func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor {
			return []*torch.Tensor{m.(*TransformerEncoderLayer).Forward(x[0])}
		}},
	{name: "EncLayerNoGradSrcMaskSlow", pyCtor: "nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)",
		pyRun:  "m(x[0], src_mask=CAUSAL5)",
		inputs: []attnIn{in(false, 3, 5, 8)}, eval: true, noGrad: true,
		build: func() Layer {
			return NewTransformerEncoderLayer(8, 2, TransformerLayerConfig{DimFeedforward: new(int64(16)), BatchFirst: true})
		},
		run: func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor {
			return []*torch.Tensor{m.(*TransformerEncoderLayer).ForwardMasked(x[0], EncoderMasks{Mask: k.causal5})}
		}},

	{name: "DecLayerDefaultTrain", pyCtor: "nn.TransformerDecoderLayer(8, 2, 16)", pyRun: "m(x[0], x[1])",
		inputs: []attnIn{in(true, 5, 3, 8), in(true, 7, 3, 8)},
		build: func() Layer {
			return NewTransformerDecoderLayer(8, 2, TransformerLayerConfig{DimFeedforward: new(int64(16))})
		},
		run: func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor {
			return []*torch.Tensor{m.(*TransformerDecoderLayer).Forward(x[0], x[1], DecoderMasks{})}
		}},
	{name: "DecLayerMasksGeluNormFirstEval",
		pyCtor: `nn.TransformerDecoderLayer(8, 2, 16, activation="gelu", batch_first=True, norm_first=True)`,
		pyRun:  "m(x[0], x[1], tgt_mask=CAUSAL5, memory_mask=x[2], tgt_key_padding_mask=KPM35, memory_key_padding_mask=KPM37)",
		inputs: []attnIn{in(true, 3, 5, 8), in(true, 3, 7, 8), in(false, 5, 7)}, eval: true,
		build: func() Layer {
			return NewTransformerDecoderLayer(8, 2, TransformerLayerConfig{DimFeedforward: new(int64(16)), Activation: "gelu", BatchFirst: true, NormFirst: true})
		},
		run: func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor {
			return []*torch.Tensor{m.(*TransformerDecoderLayer).Forward(x[0], x[1], DecoderMasks{TgtMask: k.causal5, MemoryMask: x[2],
				TgtKeyPaddingMask: k.kpm35, MemoryKeyPaddingMask: k.kpm37})}
		}},
	{name: "DecLayerCustomActivation", pyCtor: `nn.TransformerDecoderLayer(8, 2, 16, activation=F.silu)`,
		pyRun:  "m(x[0], x[1], memory_mask=BOOL2x57[0])",
		inputs: []attnIn{in(true, 5, 2, 8), in(true, 7, 2, 8)},
		build: func() Layer {
			return NewTransformerDecoderLayer(8, 2, TransformerLayerConfig{DimFeedforward: new(int64(16)), ActivationFunc: (*torch.Tensor).SiLU})
		},
		run: func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor {
			return []*torch.Tensor{m.(*TransformerDecoderLayer).Forward(x[0], x[1], DecoderMasks{MemoryMask: k.bool2x57.Select(0, 0)})}
		}},

	{name: "EncoderStackNormTrain", pyCtor: "nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 3, norm=nn.LayerNorm(8))",
		pyRun:  "m(x[0], mask=CAUSAL5)",
		inputs: []attnIn{in(true, 5, 3, 8)},
		build: func() Layer {
			return NewTransformerEncoder(NewTransformerEncoderLayer(8, 2, TransformerLayerConfig{DimFeedforward: new(int64(16))}), 3,
				TransformerEncoderConfig{Norm: NewLayerNorm([]int64{8})})
		},
		run: func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor {
			return []*torch.Tensor{m.(*TransformerEncoder).ForwardMasked(x[0], EncoderMasks{Mask: k.causal5})}
		}},
	{name: "EncoderNestedFastPath", pyCtor: "nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, batch_first=True), 2, norm=nn.LayerNorm(8))",
		pyRun:  "m(x[0], src_key_padding_mask=NEST35)",
		inputs: []attnIn{in(false, 3, 5, 8)}, eval: true, noGrad: true,
		build: func() Layer {
			return NewTransformerEncoder(NewTransformerEncoderLayer(8, 2, TransformerLayerConfig{DimFeedforward: new(int64(16)), BatchFirst: true}), 2,
				TransformerEncoderConfig{Norm: NewLayerNorm([]int64{8})})
		},
		run: func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor {
			return []*torch.Tensor{m.(*TransformerEncoder).ForwardMasked(x[0], EncoderMasks{KeyPaddingMask: k.nest35})}
		}},
	{name: "EncoderNotLeftAligned", pyCtor: "nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, batch_first=True), 2)",
		pyRun:  "m(x[0], src_key_padding_mask=NOTLEFT35)",
		inputs: []attnIn{in(false, 3, 5, 8)}, eval: true, noGrad: true,
		build: func() Layer {
			return NewTransformerEncoder(NewTransformerEncoderLayer(8, 2, TransformerLayerConfig{DimFeedforward: new(int64(16)), BatchFirst: true}), 2,
				TransformerEncoderConfig{})
		},
		run: func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor {
			return []*torch.Tensor{m.(*TransformerEncoder).ForwardMasked(x[0], EncoderMasks{KeyPaddingMask: k.notLeft35})}
		}},
	{name: "EncoderNestedDisabled", pyCtor: "nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, batch_first=True), 2, enable_nested_tensor=False)",
		pyRun:  "m(x[0], src_key_padding_mask=NEST35)",
		inputs: []attnIn{in(false, 3, 5, 8)}, eval: true, noGrad: true,
		build: func() Layer {
			return NewTransformerEncoder(NewTransformerEncoderLayer(8, 2, TransformerLayerConfig{DimFeedforward: new(int64(16)), BatchFirst: true}), 2,
				TransformerEncoderConfig{DisableNestedTensor: true})
		},
		run: func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor {
			return []*torch.Tensor{m.(*TransformerEncoder).ForwardMasked(x[0], EncoderMasks{KeyPaddingMask: k.nest35})}
		}},
	{name: "DecoderStackNorm", pyCtor: "nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, norm_first=True), 2, norm=nn.LayerNorm(8))",
		pyRun:  "m(x[0], x[1], tgt_mask=CAUSAL5, memory_key_padding_mask=KPM37)",
		inputs: []attnIn{in(true, 5, 3, 8), in(true, 7, 3, 8)},
		build: func() Layer {
			return NewTransformerDecoder(NewTransformerDecoderLayer(8, 2, TransformerLayerConfig{DimFeedforward: new(int64(16)), NormFirst: true}), 2,
				NewLayerNorm([]int64{8}))
		},
		run: func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor {
			return []*torch.Tensor{m.(*TransformerDecoder).Forward(x[0], x[1], DecoderMasks{TgtMask: k.causal5, MemoryKeyPaddingMask: k.kpm37})}
		}},

	{name: "TransformerTrain", pyCtor: "nn.Transformer(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=16)",
		pyRun:  "m(x[0], x[1], tgt_mask=CAUSAL5)",
		inputs: []attnIn{in(true, 7, 3, 8), in(true, 5, 3, 8)},
		build: func() Layer {
			return NewTransformer(TransformerConfig{DModel: new(int64(8)), NHead: new(int64(2)), NumEncoderLayers: new(int64(2)),
				NumDecoderLayers: new(int64(1)), DimFeedforward: new(int64(16))})
		},
		run: func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor {
			return []*torch.Tensor{m.(*Transformer).Forward(x[0], x[1], TransformerMasks{TgtMask: k.causal5})}
		}},
	{name: "TransformerBatchFirstGeluNormFirstEval",
		pyCtor: `nn.Transformer(8, 2, 1, 2, 16, 0.1, "gelu", batch_first=True, norm_first=True, layer_norm_eps=1e-4)`,
		pyRun:  "m(x[0], x[1], tgt_mask=CAUSAL5, src_key_padding_mask=KPM37, tgt_key_padding_mask=KPM35, memory_key_padding_mask=KPM37)",
		inputs: []attnIn{in(true, 3, 7, 8), in(true, 3, 5, 8)}, eval: true,
		build: func() Layer {
			return NewTransformer(TransformerConfig{DModel: new(int64(8)), NHead: new(int64(2)), NumEncoderLayers: new(int64(1)),
				NumDecoderLayers: new(int64(2)), DimFeedforward: new(int64(16)), Activation: "gelu", BatchFirst: true, NormFirst: true,
				LayerNormEps: new(1e-4)})
		},
		run: func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor {
			return []*torch.Tensor{m.(*Transformer).Forward(x[0], x[1], TransformerMasks{TgtMask: k.causal5, SrcKeyPaddingMask: k.kpm37,
				TgtKeyPaddingMask: k.kpm35, MemoryKeyPaddingMask: k.kpm37})}
		}},
	{name: "TransformerFloat64Factory",
		pyCtor: "nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=16, dtype=torch.float64)",
		pyRun:  "m(x[0], x[1], tgt_mask=BOOL55)",
		inputs: []attnIn{in(true, 7, 3, 8), in(true, 5, 3, 8)}, f64: true,
		build: func() Layer {
			return NewTransformer(TransformerConfig{DModel: new(int64(8)), NHead: new(int64(2)), NumEncoderLayers: new(int64(1)),
				NumDecoderLayers: new(int64(1)), DimFeedforward: new(int64(16)), Factory: []torch.Option{torch.Float64}})
		},
		run: func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor {
			return []*torch.Tensor{m.(*Transformer).Forward(x[0], x[1], TransformerMasks{TgtMask: k.bool55})}
		}},
	{name: "TransformerCustomEncoderUnbatched",
		pyCtor: "nn.Transformer(d_model=8, nhead=2, num_decoder_layers=1, dim_feedforward=16, custom_encoder=nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 12), 1))",
		pyRun:  "m(x[0], x[1], src_mask=BOOL2x57[1, :, :5].T.contiguous()[:, :5], memory_mask=BOOL2x57[1, :, :5])",
		inputs: []attnIn{in(true, 5, 8), in(true, 5, 8)},
		build: func() Layer {
			enc := NewTransformerEncoder(NewTransformerEncoderLayer(8, 2, TransformerLayerConfig{DimFeedforward: new(int64(12))}), 1, TransformerEncoderConfig{})
			return NewTransformer(TransformerConfig{DModel: new(int64(8)), NHead: new(int64(2)), NumDecoderLayers: new(int64(1)),
				DimFeedforward: new(int64(16)), CustomEncoder: enc})
		},
		run: func(m Layer, x []*torch.Tensor, k attnMaskSet) []*torch.Tensor {
			mm := k.bool2x57.Select(0, 1).Slice(1, 0, 5, 1)
			return []*torch.Tensor{m.(*Transformer).Forward(x[0], x[1], TransformerMasks{SrcMask: mm.Transpose(0, 1).Contiguous().Slice(1, 0, 5, 1), MemoryMask: mm})}
		}},
}

func attnPyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

type attnNamed struct {
	K string        `json:"k"`
	T *pyref.Tensor `json:"t"`
}

type attnResult struct {
	SD     []attnNamed     `json:"sd"`
	Outs   []*pyref.Tensor `json:"outs"`
	Grads  []attnNamed     `json:"grads"`
	XGrads []*pyref.Tensor `json:"xgrads"`
}

const attnPyHarness = `
def flat(o):
    if isinstance(o, (tuple, list)):
        r = []
        for e in o:
            r += flat(e)
        return r
    return [o]
def opt(t):
    return None if t is None else enc(t)
res = {}
def case(name, seed, ctor, shapes, run, ev, nograd, dt):
    torch.manual_seed(seed)
    m = ctor()
    if ev:
        m.eval()
    g = torch.Generator().manual_seed(100)
    x = [torch.randn(s, generator=g, dtype=dt).requires_grad_(rg) for s, rg in shapes]
    torch.manual_seed(seed + 1000)
    with (torch.no_grad() if nograd else contextlib.nullcontext()):
        outs = flat(run(m, x))
    r = {"sd": [{"k": k, "t": enc(v)} for k, v in m.state_dict().items()], "outs": [opt(o) for o in outs]}
    if not nograd:
        g2 = torch.Generator().manual_seed(200)
        loss = None
        for o in outs:
            if o is None:
                continue
            term = (o * torch.randn(o.shape, generator=g2, dtype=o.dtype)).sum()
            loss = term if loss is None else loss + term
        loss.backward()
        r["grads"] = [{"k": k, "t": opt(p.grad)} for k, p in m.named_parameters()]
        r["xgrads"] = [opt(t.grad) for t, (s, rg) in zip(x, shapes) if rg]
    res[name] = r
`

func requireSameOpt(t *testing.T, want *pyref.Tensor, got *torch.Tensor, what string) {
	t.Helper()
	if want == nil {
		require.Nil(t, got, "%s: PyTorch has None", what)
		return
	}
	require.NotNil(t, got, "%s: PyTorch has a tensor", what)
	requireSame(t, *want, got, what)
}

func TestAttentionMatchesPyTorch(t *testing.T) {
	pyref.RequireVersion(t, "1.13", "", "the layers follow PyTorch 1.13's multi_head_attention_forward and fast paths")
	var b strings.Builder
	b.WriteString(attnPyMasks + attnPyHarness)
	for i, c := range attnCases {
		var shapes []string
		for _, s := range c.inputs {
			var dims []string
			for _, d := range s.shape {
				dims = append(dims, fmt.Sprint(d))
			}
			shapes = append(shapes, fmt.Sprintf("((%s,), %s)", strings.Join(dims, ", "), attnPyBool(s.grad)))
		}
		dt := "torch.float32"
		if c.f64 {
			dt = "torch.float64"
		}
		fmt.Fprintf(&b, "case(%q, %d, lambda: %s, [%s], lambda m, x: %s, %s, %s, %s)\n",
			c.name, i, c.pyCtor, strings.Join(shapes, ", "), c.pyRun, attnPyBool(c.eval), attnPyBool(c.noGrad), dt)
	}
	b.WriteString("out(res)\n")
	var want map[string]attnResult
	pyref.Run(t, b.String(), nil, &want)

	for i, c := range attnCases {
		t.Run(c.name, func(t *testing.T) {
			// autograd numbers its nodes per OS thread and runs ready nodes
			// in that order: a goroutine moving between threads mid-graph
			// can sum gradients in another order than Python does.
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			w, ok := want[c.name]
			require.True(t, ok)
			k := attnMasks()
			torch.ManualSeed(uint64(i))
			m := c.build()
			if c.eval {
				m.module().Eval()
			}
			g := torch.NewGenerator(100)
			var x, wrt []*torch.Tensor
			for _, s := range c.inputs {
				dt := torch.Float32
				if c.f64 {
					dt = torch.Float64
				}
				xi := torch.Randn(s.shape, g, dt)
				if s.grad {
					xi.SetRequiresGrad(true)
					wrt = append(wrt, xi)
				}
				x = append(x, xi)
			}
			torch.ManualSeed(uint64(i + 1000))
			var outs []*torch.Tensor
			if c.noGrad {
				torch.NoGrad(func() { outs = c.run(m, x, k) })
			} else {
				outs = c.run(m, x, k)
			}

			sd := m.module().StateDict()
			require.Len(t, sd, len(w.SD))
			for j, n := range sd {
				require.Equal(t, w.SD[j].K, n.Name)
				requireSame(t, *w.SD[j].T, n.Tensor, n.Name)
			}
			require.Len(t, outs, len(w.Outs))
			for j, o := range outs {
				requireSameOpt(t, w.Outs[j], o, fmt.Sprintf("output %d", j))
			}
			if c.noGrad {
				return
			}
			g2 := torch.NewGenerator(200)
			var loss *torch.Tensor
			for _, o := range outs {
				if o == nil {
					continue
				}
				term := o.Mul(torch.Randn(o.Shape(), g2, o.DType())).Sum()
				if loss == nil {
					loss = term
				} else {
					loss = loss.Add(term)
				}
			}
			loss.Backward()
			params := m.module().NamedParameters()
			require.Len(t, params, len(w.Grads))
			for j, p := range params {
				require.Equal(t, w.Grads[j].K, p.Name)
				requireSameOpt(t, w.Grads[j].T, p.Tensor.Grad(), "gradient of "+p.Name)
			}
			require.Len(t, wrt, len(w.XGrads))
			for j, xi := range wrt {
				requireSameOpt(t, w.XGrads[j], xi.Grad(), fmt.Sprintf("gradient of input %d", j))
			}
		})
	}
}

// The layers of TransformerEncoder are deep copies: equal values, their own tensors.
func TestTransformerEncoderCopiesLayer(t *testing.T) {
	layer := NewTransformerEncoderLayer(8, 2, TransformerLayerConfig{DimFeedforward: new(int64(16))})
	enc := NewTransformerEncoder(layer, 2, TransformerEncoderConfig{})
	require.Equal(t, int64(2), enc.NumLayers)
	l0, l1 := enc.Layers.Items[0].(*TransformerEncoderLayer), enc.Layers.Items[1].(*TransformerEncoderLayer)
	require.NotSame(t, layer, l0)
	require.NotSame(t, l0.SelfAttn.InProjWeight, l1.SelfAttn.InProjWeight)
	require.NotSame(t, layer.SelfAttn.InProjWeight, l0.SelfAttn.InProjWeight)
	require.True(t, l0.SelfAttn.InProjWeight.Equal(layer.SelfAttn.InProjWeight))
	require.True(t, l1.Linear2.Bias.Equal(layer.Linear2.Bias))
	require.Same(t, l0.SelfAttn.OutProj.Weight, l0.SelfAttn.module().NamedParameters()[2].Tensor, "fields and registered parameters stay one tensor")
	require.Equal(t, 1, l0.activationKind, "relu")
}

func TestGenerateSquareSubsequentMaskMatchesPyTorch(t *testing.T) {
	var want pyref.Tensor
	pyref.Run(t, "import torch.nn as nn\nout(enc(nn.Transformer.generate_square_subsequent_mask(6)))\n", nil, &want)
	requireSame(t, want, GenerateSquareSubsequentMask(6))
}

// ScaledDotProductAttention calls libtorch 1.13's private
// _scaled_dot_product_attention as F._scaled_dot_product_attention does.
func TestScaledDotProductAttentionMatchesPyTorch(t *testing.T) {
	pyref.RequireVersion(t, "1.13", "", "Python 1.13 names the op F._scaled_dot_product_attention")
	runtime.LockOSThread() // see TestAttentionMatchesPyTorch
	defer runtime.UnlockOSThread()
	var want map[string][]pyref.Tensor
	pyref.Run(t, attnPyMasks+`
g = torch.Generator().manual_seed(7)
q, k, v = [torch.randn(s, generator=g).requires_grad_() for s in ((2, 3, 5, 4), (2, 3, 7, 4), (2, 3, 7, 6))]
mask = ~BOOL2x57[0]
res = {}
o, w = F._scaled_dot_product_attention(q, k, v, attn_mask=mask, need_attn_weights=True)
(o.sum() + w.sum()).backward()
res["mask"] = [enc(o), enc(w), enc(q.grad), enc(k.grad), enc(v.grad)]
torch.manual_seed(3)
o, _ = F._scaled_dot_product_attention(q, k, v, dropout_p=0.4)
res["dropout"] = [enc(o)]
o, _ = F._scaled_dot_product_attention(q, k[:, :, :5], v[:, :, :5], is_causal=True)
res["causal"] = [enc(o)]
out(res)
`, nil, &want)
	g := torch.NewGenerator(7)
	q := torch.Randn([]int64{2, 3, 5, 4}, g).SetRequiresGrad(true)
	k := torch.Randn([]int64{2, 3, 7, 4}, g).SetRequiresGrad(true)
	v := torch.Randn([]int64{2, 3, 7, 6}, g).SetRequiresGrad(true)
	mask := attnMasks().bool2x57.Select(0, 0).LogicalNot()
	o, w, err := ScaledDotProductAttention(q, k, v, SDPAOptions{AttnMask: mask, NeedAttnWeights: true})
	require.NoError(t, err)
	o.Sum().Add(w.Sum()).Backward()
	for i, got := range []*torch.Tensor{o, w, q.Grad(), k.Grad(), v.Grad()} {
		requireSame(t, want["mask"][i], got, "mask", i)
	}
	torch.ManualSeed(3)
	o, w, err = ScaledDotProductAttention(q, k, v, SDPAOptions{DropoutP: 0.4})
	require.NoError(t, err)
	require.Nil(t, w)
	requireSame(t, want["dropout"][0], o, "dropout")
	o, _, err = ScaledDotProductAttention(q, k.Slice(2, 0, 5, 1), v.Slice(2, 0, 5, 1), SDPAOptions{IsCausal: true})
	require.NoError(t, err)
	requireSame(t, want["causal"][0], o, "causal")
}

// Errors carry PyTorch's messages.
func TestAttentionErrorsMatchPyTorch(t *testing.T) {
	pyref.RequireVersion(t, "1.13", "", "PyTorch 1.13's messages")
	var want map[string]string
	pyref.Run(t, attnPyMasks+`
def msg(f):
    try:
        f()
        return ""
    except (RuntimeError, AssertionError, TypeError) as e:
        return str(e)
x = torch.zeros(5, 3, 8)
m = nn.MultiheadAttention(8, 2)
mb = nn.MultiheadAttention(8, 2, bias=False, batch_first=True).eval()
out({
  "mask2d": msg(lambda: m(x, x, x, attn_mask=torch.zeros(5, 4))),
  "mask3d": msg(lambda: m(x, x, x, attn_mask=torch.zeros(5, 5, 5))),
  "embed": msg(lambda: m(torch.zeros(5, 3, 6), torch.zeros(5, 3, 6), torch.zeros(5, 3, 6))),
  "kpm": msg(lambda: m(x, x, x, key_padding_mask=torch.zeros(3, 5, dtype=torch.int64))),
  "query": msg(lambda: m(torch.zeros(8), torch.zeros(8), torch.zeros(8))),
  "activation": msg(lambda: nn.TransformerEncoderLayer(8, 2, activation="tanh")),
  "batch": msg(lambda: nn.Transformer(8, 2, 1, 1, 16)(torch.zeros(5, 3, 8), torch.zeros(5, 2, 8))),
})
`, nil, &want)
	m := NewMultiheadAttention(8, 2, MultiheadAttentionConfig{})
	x := torch.Zeros([]int64{5, 3, 8})
	msg := func(f func()) string {
		err := torch.Catch(func() error { f(); return nil })
		if err == nil {
			return ""
		}
		return err.(*torch.Error).Msg
	}
	z := func(s ...int64) *torch.Tensor { return torch.Zeros(s) }
	got := map[string]string{
		"mask2d": msg(func() { m.Forward(x, x, x, AttentionOptions{AttnMask: z(5, 4)}) }),
		"mask3d": msg(func() { m.Forward(x, x, x, AttentionOptions{AttnMask: z(5, 5, 5)}) }),
		"embed":  msg(func() { y := z(5, 3, 6); m.Forward(y, y, y, AttentionOptions{}) }),
		"kpm": msg(func() {
			m.Forward(x, x, x, AttentionOptions{KeyPaddingMask: torch.Zeros([]int64{3, 5}, torch.Int64)})
		}),
		"query":      msg(func() { y := z(8); m.Forward(y, y, y, AttentionOptions{}) }),
		"activation": msg(func() { NewTransformerEncoderLayer(8, 2, TransformerLayerConfig{Activation: "tanh"}) }),
		"batch": msg(func() {
			NewTransformer(TransformerConfig{DModel: new(int64(8)), NHead: new(int64(2)), NumEncoderLayers: new(int64(1)),
				NumDecoderLayers: new(int64(1)), DimFeedforward: new(int64(16))}).Forward(z(5, 3, 8), z(5, 2, 8), TransformerMasks{})
		}),
	}
	require.Equal(t, want, got)

	// PyTorch 1.13's fast path fails without biases (a TypeError there).
	noBias := NewMultiheadAttention(8, 2, MultiheadAttentionConfig{NoBias: true, BatchFirst: true})
	noBias.Eval()
	y := z(2, 3, 8)
	torch.NoGrad(func() {
		require.Contains(t, msg(func() { noBias.Forward(y, y, y, AttentionOptions{}) }), "argument 'qkv_bias' (position 7) must be Tensor, not NoneType")
	})
}
