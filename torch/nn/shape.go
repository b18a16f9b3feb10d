package nn

import (
	"github.com/torchgo/torchgo/torch"
	F "github.com/torchgo/torchgo/torch/nn/functional"
)

// FlattenConfig holds nn.Flatten's arguments; the zero value is PyTorch's
// defaults (start_dim 1, end_dim -1).
type FlattenConfig struct {
	StartDim *int64 // nil: 1
	EndDim   *int64 // nil: -1
}

// Flatten merges dims StartDim..EndDim into one (nn.Flatten).
type Flatten struct {
	Module
	StartDim, EndDim int64
}

// NewFlatten makes a Flatten layer; NewFlatten() merges every dim but the first.
func NewFlatten(c ...FlattenConfig) *Flatten {
	cfg := firstCfg(c)
	l := &Flatten{StartDim: ptrOr(cfg.StartDim, 1), EndDim: ptrOr(cfg.EndDim, -1)}
	l.typeName = "Flatten"
	return l
}

// Forward flattens x.
func (l *Flatten) Forward(x *torch.Tensor) *torch.Tensor { return x.Flatten(l.StartDim, l.EndDim) }

// Unflatten splits dim Dim into Sizes (nn.Unflatten with an int dim; one
// size may be -1).
type Unflatten struct {
	Module
	Dim   int64
	Sizes []int64 // unflattened_size
}

// NewUnflatten makes an Unflatten of dim into sizes.
func NewUnflatten(dim int64, sizes []int64) *Unflatten {
	l := &Unflatten{Dim: dim, Sizes: append([]int64(nil), sizes...)}
	l.typeName = "Unflatten"
	return l
}

// Forward unflattens x.
func (l *Unflatten) Forward(x *torch.Tensor) *torch.Tensor {
	return torch.MustFindOp("aten::unflatten", "int").Call(x, l.Dim, l.Sizes)[0].(*torch.Tensor)
}

// UpsampleConfig holds nn.Upsample's arguments: exactly one of Size and
// ScaleFactor, each one value for every spatial dim or one per dim.
type UpsampleConfig struct {
	Size        []int64
	ScaleFactor []float64
	// Mode is "nearest" (also ""), "linear", "bilinear", "bicubic",
	// "trilinear", "area" or "nearest-exact", as F.Interpolate.
	Mode string
	// AlignCorners aligns the corner pixels (interpolating modes); nil: false.
	AlignCorners         *bool
	RecomputeScaleFactor *bool
}

// Upsample resamples (N, C, d1, …) to a size or by a scale factor, as
// F.Interpolate (nn.Upsample, nn.UpsamplingNearest2d, nn.UpsamplingBilinear2d).
type Upsample struct {
	Module
	Size                 []int64
	ScaleFactor          []float64
	Mode                 string
	AlignCorners         *bool
	RecomputeScaleFactor *bool
}

// NewUpsample makes an Upsample layer.
func NewUpsample(c UpsampleConfig) *Upsample {
	return newUpsample("Upsample", c)
}

func newUpsample(name string, c UpsampleConfig) *Upsample {
	mode := c.Mode
	if mode == "" {
		mode = "nearest"
	}
	l := &Upsample{Size: c.Size, ScaleFactor: c.ScaleFactor, Mode: mode, AlignCorners: c.AlignCorners,
		RecomputeScaleFactor: c.RecomputeScaleFactor}
	l.typeName = name
	return l
}

// NewUpsamplingNearest2d is nn.UpsamplingNearest2d: Upsample in "nearest"
// mode (c's Size or ScaleFactor).
func NewUpsamplingNearest2d(c UpsampleConfig) *Upsample {
	return newUpsample("UpsamplingNearest2d", UpsampleConfig{Size: c.Size, ScaleFactor: c.ScaleFactor, Mode: "nearest"})
}

// NewUpsamplingBilinear2d is nn.UpsamplingBilinear2d: Upsample in
// "bilinear" mode with aligned corners (c's Size or ScaleFactor).
func NewUpsamplingBilinear2d(c UpsampleConfig) *Upsample {
	align := true
	return newUpsample("UpsamplingBilinear2d", UpsampleConfig{Size: c.Size, ScaleFactor: c.ScaleFactor, Mode: "bilinear", AlignCorners: &align})
}

// Forward resamples x.
func (l *Upsample) Forward(x *torch.Tensor) *torch.Tensor {
	return F.Interpolate(x, F.InterpolateOpts{Size: l.Size, ScaleFactor: l.ScaleFactor, Mode: l.Mode,
		AlignCorners: l.AlignCorners, RecomputeScaleFactor: l.RecomputeScaleFactor})
}

// PixelShuffle rearranges (…, C·r², H, W) into (…, C, H·r, W·r) for r =
// UpscaleFactor (nn.PixelShuffle).
type PixelShuffle struct {
	Module
	UpscaleFactor int64
}

// NewPixelShuffle makes a PixelShuffle by upscaleFactor.
func NewPixelShuffle(upscaleFactor int64) *PixelShuffle {
	l := &PixelShuffle{UpscaleFactor: upscaleFactor}
	l.typeName = "PixelShuffle"
	return l
}

// Forward shuffles x.
func (l *PixelShuffle) Forward(x *torch.Tensor) *torch.Tensor {
	return F.PixelShuffle(x, l.UpscaleFactor)
}

// PixelUnshuffle rearranges (…, C, H·r, W·r) into (…, C·r², H, W) for r =
// DownscaleFactor (nn.PixelUnshuffle).
type PixelUnshuffle struct {
	Module
	DownscaleFactor int64
}

// NewPixelUnshuffle makes a PixelUnshuffle by downscaleFactor.
func NewPixelUnshuffle(downscaleFactor int64) *PixelUnshuffle {
	l := &PixelUnshuffle{DownscaleFactor: downscaleFactor}
	l.typeName = "PixelUnshuffle"
	return l
}

// Forward unshuffles x.
func (l *PixelUnshuffle) Forward(x *torch.Tensor) *torch.Tensor {
	return F.PixelUnshuffle(x, l.DownscaleFactor)
}

// padding expands a padding module's argument: one value for every side,
// or 2·nd values (left, right, top, bottom, front, back).
func padding(op string, p []int64, nd int) []int64 {
	switch len(p) {
	case 1:
		out := make([]int64, 2*nd)
		for i := range out {
			out[i] = p[0]
		}
		return out
	case 2 * nd:
		return append([]int64(nil), p...)
	}
	layerPanic(op, "padding has %d values; want 1 or %d", len(p), 2*nd)
	return nil
}

// ConstantPad pads the last dims with Value: ConstantPad1d, ConstantPad2d,
// ConstantPad3d and ZeroPad2d.
type ConstantPad struct {
	Module
	// Padding is (left, right) for the last dim, then (top, bottom), then
	// (front, back).
	Padding []int64
	Value   float64
}

func newConstantPad(name string, nd int, p []int64, value float64) *ConstantPad {
	l := &ConstantPad{Padding: padding(name, p, nd), Value: value}
	l.typeName = name
	return l
}

// NewConstantPad1d pads the last dim of (N, C, W) or (C, W) by padding
// (one value, or left and right) with value (nn.ConstantPad1d).
func NewConstantPad1d(padding []int64, value float64) *ConstantPad {
	return newConstantPad("ConstantPad1d", 1, padding, value)
}

// NewConstantPad2d pads the last 2 dims by padding (one value, or left,
// right, top, bottom) with value (nn.ConstantPad2d).
func NewConstantPad2d(padding []int64, value float64) *ConstantPad {
	return newConstantPad("ConstantPad2d", 2, padding, value)
}

// NewConstantPad3d pads the last 3 dims by padding (one value, or left,
// right, top, bottom, front, back) with value (nn.ConstantPad3d).
func NewConstantPad3d(padding []int64, value float64) *ConstantPad {
	return newConstantPad("ConstantPad3d", 3, padding, value)
}

// NewZeroPad2d pads the last 2 dims with zeros (nn.ZeroPad2d).
func NewZeroPad2d(padding []int64) *ConstantPad {
	return newConstantPad("ZeroPad2d", 2, padding, 0)
}

// Forward pads x.
func (l *ConstantPad) Forward(x *torch.Tensor) *torch.Tensor {
	return F.Pad(x, l.Padding, F.PadOpts{Mode: "constant", Value: l.Value})
}

// ReflectionPad pads the last dims with the reflection of the input at
// the border (not repeating the edge): ReflectionPad1d, ReflectionPad2d and
// ReflectionPad3d.
type ReflectionPad struct {
	Module
	Padding []int64 // (left, right, top, bottom, front, back), the last dim first
}

func newReflectionPad(name string, nd int, p []int64) *ReflectionPad {
	l := &ReflectionPad{Padding: padding(name, p, nd)}
	l.typeName = name
	return l
}

// NewReflectionPad1d reflects the last dim (nn.ReflectionPad1d).
func NewReflectionPad1d(padding []int64) *ReflectionPad {
	return newReflectionPad("ReflectionPad1d", 1, padding)
}

// NewReflectionPad2d reflects the last 2 dims (nn.ReflectionPad2d).
func NewReflectionPad2d(padding []int64) *ReflectionPad {
	return newReflectionPad("ReflectionPad2d", 2, padding)
}

// NewReflectionPad3d reflects the last 3 dims (nn.ReflectionPad3d).
func NewReflectionPad3d(padding []int64) *ReflectionPad {
	return newReflectionPad("ReflectionPad3d", 3, padding)
}

// Forward pads x.
func (l *ReflectionPad) Forward(x *torch.Tensor) *torch.Tensor {
	return F.Pad(x, l.Padding, F.PadOpts{Mode: "reflect"})
}

// ReplicationPad pads the last dims by repeating the input's edge:
// ReplicationPad1d, ReplicationPad2d and ReplicationPad3d.
type ReplicationPad struct {
	Module
	Padding []int64 // (left, right, top, bottom, front, back), the last dim first
}

func newReplicationPad(name string, nd int, p []int64) *ReplicationPad {
	l := &ReplicationPad{Padding: padding(name, p, nd)}
	l.typeName = name
	return l
}

// NewReplicationPad1d replicates the last dim's edges (nn.ReplicationPad1d).
func NewReplicationPad1d(padding []int64) *ReplicationPad {
	return newReplicationPad("ReplicationPad1d", 1, padding)
}

// NewReplicationPad2d replicates the last 2 dims' edges (nn.ReplicationPad2d).
func NewReplicationPad2d(padding []int64) *ReplicationPad {
	return newReplicationPad("ReplicationPad2d", 2, padding)
}

// NewReplicationPad3d replicates the last 3 dims' edges (nn.ReplicationPad3d).
func NewReplicationPad3d(padding []int64) *ReplicationPad {
	return newReplicationPad("ReplicationPad3d", 3, padding)
}

// Forward pads x.
func (l *ReplicationPad) Forward(x *torch.Tensor) *torch.Tensor {
	return F.Pad(x, l.Padding, F.PadOpts{Mode: "replicate"})
}
