package nn

import (
	"strings"

	"github.com/torchgo/torchgo/torch"
)

// ModuleInfo adapters (moduleinfo_test.go) for MultiheadAttention and the
// Transformer layers.
func init() {
	registerModuleInfo("MultiheadAttention", miAdapter{
		New: func(c miValues) (Layer, error) {
			// MultiheadAttention(embed_dim, num_heads, dropout=0., bias=True, add_bias_kv=False,
			// add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None, dtype=None)
			if err := c.Accept("embed_dim", "num_heads", "dropout", "bias", "add_bias_kv", "add_zero_attn",
				"kdim", "vdim", "batch_first"); err != nil {
				return nil, err
			}
			e := c.Int(0, "embed_dim", 0)
			kdim, vdim := c.Int(6, "kdim", e), c.Int(7, "vdim", e)
			if kdim == 0 || vdim == 0 {
				return nil, miNA("kdim=0 or vdim=0 cannot be expressed (0 means embed_dim)")
			}
			return NewMultiheadAttention(e, c.Int(1, "num_heads", 0), MultiheadAttentionConfig{
				Dropout:     c.Float(2, "dropout", 0),
				NoBias:      !c.Bool(3, "bias", true),
				AddBiasKV:   c.Bool(4, "add_bias_kv", false),
				AddZeroAttn: c.Bool(5, "add_zero_attn", false),
				KDim:        kdim, VDim: vdim,
				BatchFirst: c.Bool(8, "batch_first", false),
			}), nil
		},
		Forward: func(m Layer, f miValues) ([]*torch.Tensor, error) {
			// forward(query, key, value, key_padding_mask=None, need_weights=True,
			// attn_mask=None, average_attn_weights=True)
			if err := f.Accept("query", "key", "value", "key_padding_mask", "need_weights", "attn_mask", "average_attn_weights"); err != nil {
				return nil, err
			}
			out, w := m.(*MultiheadAttention).Forward(f.Tensor(0, "query"), f.Tensor(1, "key"), f.Tensor(2, "value"), AttentionOptions{
				KeyPaddingMask: f.Tensor(3, "key_padding_mask"),
				NoWeights:      !f.Bool(4, "need_weights", true),
				AttnMask:       f.Tensor(5, "attn_mask"),
				PerHeadWeights: !f.Bool(6, "average_attn_weights", true),
			})
			return []*torch.Tensor{out, w}, nil
		},
	})

	registerModuleInfo("TransformerEncoderLayer", miAdapter{
		New: func(c miValues) (Layer, error) {
			if err := miTorch113(); err != nil {
				return nil, err
			}
			d, h, lc, err := miTransformerLayerArgs(c)
			if err != nil {
				return nil, err
			}
			return NewTransformerEncoderLayer(d, h, lc), nil
		},
		Forward: func(m Layer, f miValues) ([]*torch.Tensor, error) {
			if err := f.Accept("src", "src_mask", "src_key_padding_mask"); err != nil {
				return nil, err
			}
			return []*torch.Tensor{m.(*TransformerEncoderLayer).ForwardMasked(f.Tensor(0, "src"),
				EncoderMasks{Mask: f.Tensor(1, "src_mask"), KeyPaddingMask: f.Tensor(2, "src_key_padding_mask")})}, nil
		},
	})

	registerModuleInfo("TransformerDecoderLayer", miAdapter{
		New: func(c miValues) (Layer, error) {
			if err := miTorch113(); err != nil {
				return nil, err
			}
			d, h, lc, err := miTransformerLayerArgs(c)
			if err != nil {
				return nil, err
			}
			return NewTransformerDecoderLayer(d, h, lc), nil
		},
		Forward: func(m Layer, f miValues) ([]*torch.Tensor, error) {
			if err := f.Accept("tgt", "memory", "tgt_mask", "memory_mask", "tgt_key_padding_mask", "memory_key_padding_mask"); err != nil {
				return nil, err
			}
			return []*torch.Tensor{m.(*TransformerDecoderLayer).Forward(f.Tensor(0, "tgt"), f.Tensor(1, "memory"), DecoderMasks{
				TgtMask: f.Tensor(2, "tgt_mask"), MemoryMask: f.Tensor(3, "memory_mask"),
				TgtKeyPaddingMask: f.Tensor(4, "tgt_key_padding_mask"), MemoryKeyPaddingMask: f.Tensor(5, "memory_key_padding_mask"),
			})}, nil
		},
	})

	registerModuleInfo("Transformer", miAdapter{
		New: func(c miValues) (Layer, error) {
			// Transformer(d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
			// dim_feedforward=2048, dropout=0.1, activation=F.relu, custom_encoder=None,
			// custom_decoder=None, layer_norm_eps=1e-5, batch_first=False, norm_first=False)
			if err := c.Accept("d_model", "nhead", "num_encoder_layers", "num_decoder_layers", "dim_feedforward",
				"dropout", "activation", "custom_encoder", "custom_decoder", "layer_norm_eps", "batch_first", "norm_first"); err != nil {
				return nil, err
			}
			if !c.IsNone(7, "custom_encoder") || !c.IsNone(8, "custom_decoder") {
				return nil, miNA("custom_encoder/custom_decoder modules cannot be passed through the adapter")
			}
			act, actErr := miActivation(c, 6)
			if actErr != nil {
				return nil, actErr
			}
			return NewTransformer(TransformerConfig{
				DModel:           new(c.Int(0, "d_model", 512)),
				NHead:            new(c.Int(1, "nhead", 8)),
				NumEncoderLayers: new(c.Int(2, "num_encoder_layers", 6)),
				NumDecoderLayers: new(c.Int(3, "num_decoder_layers", 6)),
				DimFeedforward:   new(c.Int(4, "dim_feedforward", 2048)),
				Dropout:          new(c.Float(5, "dropout", 0.1)),
				Activation:       act,
				LayerNormEps:     new(c.Float(9, "layer_norm_eps", 1e-5)),
				BatchFirst:       c.Bool(10, "batch_first", false),
				NormFirst:        c.Bool(11, "norm_first", false),
			}), nil
		},
		Forward: func(m Layer, f miValues) ([]*torch.Tensor, error) {
			// forward(src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
			// src_key_padding_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None)
			if err := f.Accept("src", "tgt", "src_mask", "tgt_mask", "memory_mask", "src_key_padding_mask",
				"tgt_key_padding_mask", "memory_key_padding_mask"); err != nil {
				return nil, err
			}
			return []*torch.Tensor{m.(*Transformer).Forward(f.Tensor(0, "src"), f.Tensor(1, "tgt"), TransformerMasks{
				SrcMask: f.Tensor(2, "src_mask"), TgtMask: f.Tensor(3, "tgt_mask"), MemoryMask: f.Tensor(4, "memory_mask"),
				SrcKeyPaddingMask: f.Tensor(5, "src_key_padding_mask"), TgtKeyPaddingMask: f.Tensor(6, "tgt_key_padding_mask"),
				MemoryKeyPaddingMask: f.Tensor(7, "memory_key_padding_mask"),
			})}, nil
		},
	})
}

// miActivation reads the activation argument (a string or F.relu / F.gelu).
func miActivation(c miValues, i int) (string, error) {
	switch a := c.Callable(i, "activation", "relu"); a {
	case "relu", "gelu":
		return string(a), nil
	default:
		return "", miNA("activation %q has no Go counterpart in the adapter", a)
	}
}

// miTransformerLayerArgs reads TransformerEncoderLayer's and
// TransformerDecoderLayer's arguments: (d_model, nhead,
// dim_feedforward=2048, dropout=0.1, activation=F.relu,
// layer_norm_eps=1e-5, batch_first=False, norm_first=False).
func miTransformerLayerArgs(c miValues) (d, h int64, lc TransformerLayerConfig, err error) {
	if err = c.Accept("d_model", "nhead", "dim_feedforward", "dropout", "activation", "layer_norm_eps",
		"batch_first", "norm_first"); err != nil {
		return
	}
	act, err := miActivation(c, 4)
	if err != nil {
		return
	}
	lc = TransformerLayerConfig{
		DimFeedforward: new(c.Int(2, "dim_feedforward", 2048)),
		Dropout:        new(c.Float(3, "dropout", 0.1)),
		Activation:     act,
		LayerNormEps:   new(c.Float(5, "layer_norm_eps", 1e-5)),
		BatchFirst:     c.Bool(6, "batch_first", false),
		NormFirst:      c.Bool(7, "norm_first", false),
	}
	return c.Int(0, "d_model", 0), c.Int(1, "nhead", 0), lc, nil
}

// miTorch113 makes a sample n/a on a libtorch other than 1.13: the layers'
// blocks follow 1.13's Python (_sa_block, _ff_block on
// multi_head_attention_forward); PyTorch 2.x computes them through
// scaled_dot_product_attention and rounds differently in the last bits.
func miTorch113() error {
	if v := torch.Version(); !strings.HasPrefix(v, "1.13") {
		return miNA("the Transformer layers follow torch 1.13's attention path; libtorch %s takes 2.x's", v)
	}
	return nil
}
