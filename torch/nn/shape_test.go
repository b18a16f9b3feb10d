package nn

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/torch"
)

func TestShapeLayersMatchPyTorch(t *testing.T) {
	x1 := func(shape string) []string { return []string{"~torch.randn(" + shape + ", generator=g)"} }
	yes := true
	runPyCases(t, []pyCase{
		{name: "Flatten", py: "nn.Flatten()", in: x1("2, 3, 4, 5"), build: func() Layer { return NewFlatten() }},
		{name: "FlattenDims", py: "nn.Flatten(0, 2)", in: x1("2, 3, 4, 5"),
			build: func() Layer { return NewFlatten(FlattenConfig{StartDim: ip(0), EndDim: ip(2)}) }},
		{name: "Unflatten", py: "nn.Unflatten(1, (2, -1, 3))", in: x1("2, 12, 5"),
			build: func() Layer { return NewUnflatten(1, []int64{2, -1, 3}) }},
		{name: "UpsampleNearest", py: "nn.Upsample(scale_factor=2)", in: x1("1, 2, 3, 4"),
			build: func() Layer { return NewUpsample(UpsampleConfig{ScaleFactor: []float64{2}}) }},
		{name: "UpsampleNearestSize1d", py: "nn.Upsample(size=7)", in: x1("2, 2, 3"),
			build: func() Layer { return NewUpsample(UpsampleConfig{Size: []int64{7}}) }},
		{name: "UpsampleNearest3d", py: "nn.Upsample(scale_factor=(1.5, 2, 2.5))", in: x1("1, 1, 2, 3, 2"),
			build: func() Layer { return NewUpsample(UpsampleConfig{ScaleFactor: []float64{1.5, 2, 2.5}}) }},
		{name: "UpsampleNearestExact", py: "nn.Upsample(size=(5, 7), mode='nearest-exact')", in: x1("1, 2, 3, 4"),
			build: func() Layer { return NewUpsample(UpsampleConfig{Size: []int64{5, 7}, Mode: "nearest-exact"}) }},
		{name: "UpsampleLinear", py: "nn.Upsample(scale_factor=1.7, mode='linear')", in: x1("2, 3, 5"),
			build: func() Layer { return NewUpsample(UpsampleConfig{ScaleFactor: []float64{1.7}, Mode: "linear"}) }},
		{name: "UpsampleBilinearAligned", py: "nn.Upsample(size=(5, 6), mode='bilinear', align_corners=True)", in: x1("2, 1, 3, 4"),
			build: func() Layer {
				return NewUpsample(UpsampleConfig{Size: []int64{5, 6}, Mode: "bilinear", AlignCorners: &yes})
			}},
		{name: "UpsampleBilinearRecompute", py: "nn.Upsample(scale_factor=1.3, mode='bilinear', recompute_scale_factor=True)", in: x1("1, 2, 5, 4"),
			build: func() Layer {
				return NewUpsample(UpsampleConfig{ScaleFactor: []float64{1.3}, Mode: "bilinear", RecomputeScaleFactor: &yes})
			}},
		{name: "UpsampleBicubic", py: "nn.Upsample(scale_factor=(2, 1.5), mode='bicubic')", in: x1("1, 2, 3, 4"),
			build: func() Layer { return NewUpsample(UpsampleConfig{ScaleFactor: []float64{2, 1.5}, Mode: "bicubic"}) }},
		{name: "UpsampleTrilinear", py: "nn.Upsample(size=(3, 4, 5), mode='trilinear', align_corners=True)", in: x1("1, 2, 2, 3, 2"),
			build: func() Layer {
				return NewUpsample(UpsampleConfig{Size: []int64{3, 4, 5}, Mode: "trilinear", AlignCorners: &yes})
			}},
		{name: "UpsampleArea", py: "nn.Upsample(scale_factor=0.5, mode='area')", in: x1("1, 2, 6, 5"),
			build: func() Layer { return NewUpsample(UpsampleConfig{ScaleFactor: []float64{0.5}, Mode: "area"}) }},
		{name: "UpsamplingNearest2d", py: "nn.UpsamplingNearest2d(size=(4, 6))", in: x1("1, 2, 3, 4"),
			build: func() Layer { return NewUpsamplingNearest2d(UpsampleConfig{Size: []int64{4, 6}}) }},
		{name: "UpsamplingBilinear2d", py: "nn.UpsamplingBilinear2d(scale_factor=2)", in: x1("1, 2, 3, 4"),
			build: func() Layer { return NewUpsamplingBilinear2d(UpsampleConfig{ScaleFactor: []float64{2}}) }},
		{name: "PixelShuffle", py: "nn.PixelShuffle(2)", in: x1("2, 8, 3, 4"), build: func() Layer { return NewPixelShuffle(2) }},
		{name: "PixelUnshuffle", py: "nn.PixelUnshuffle(3)", in: x1("2, 6, 3"), build: func() Layer { return NewPixelUnshuffle(3) }},
		{name: "ZeroPad2d", py: "nn.ZeroPad2d((1, 0, 2, 3))", in: x1("1, 2, 3, 3"),
			build: func() Layer { return NewZeroPad2d([]int64{1, 0, 2, 3}) }},
		{name: "ConstantPad1d", py: "nn.ConstantPad1d(2, 3.5)", in: x1("2, 3, 4"),
			build: func() Layer { return NewConstantPad1d([]int64{2}, 3.5) }},
		{name: "ConstantPad2d", py: "nn.ConstantPad2d((1, 2, 0, 1), -1.0)", in: x1("2, 3, 4"),
			build: func() Layer { return NewConstantPad2d([]int64{1, 2, 0, 1}, -1) }},
		{name: "ConstantPad3d", py: "nn.ConstantPad3d(1, 0.5)", in: x1("1, 2, 2, 3"),
			build: func() Layer { return NewConstantPad3d([]int64{1}, 0.5) }},
		{name: "ReflectionPad1d", py: "nn.ReflectionPad1d((2, 1))", in: x1("2, 3, 4"),
			build: func() Layer { return NewReflectionPad1d([]int64{2, 1}) }},
		{name: "ReflectionPad2d", py: "nn.ReflectionPad2d(2)", in: x1("1, 2, 3, 4"),
			build: func() Layer { return NewReflectionPad2d([]int64{2}) }},
		{name: "ReflectionPad3d", py: "nn.ReflectionPad3d((1, 0, 1, 2, 0, 1))", in: x1("1, 1, 2, 3, 4"),
			build: func() Layer { return NewReflectionPad3d([]int64{1, 0, 1, 2, 0, 1}) }},
		{name: "ReplicationPad1d", py: "nn.ReplicationPad1d(3)", in: x1("2, 3, 4"),
			build: func() Layer { return NewReplicationPad1d([]int64{3}) }},
		{name: "ReplicationPad2d", py: "nn.ReplicationPad2d((0, 1, 2, 3))", in: x1("2, 3, 4"),
			build: func() Layer { return NewReplicationPad2d([]int64{0, 1, 2, 3}) }},
		{name: "ReplicationPad3d", py: "nn.ReplicationPad3d(1)", in: x1("1, 1, 2, 3, 2"),
			build: func() Layer { return NewReplicationPad3d([]int64{1}) }},
	})
}

func TestUpsampleArgumentErrors(t *testing.T) {
	x := torch.Zeros([]int64{1, 1, 2, 2})
	for _, c := range []struct {
		cfg UpsampleConfig
		msg string
	}{
		{UpsampleConfig{}, "either size or scale_factor should be defined"},
		{UpsampleConfig{Size: []int64{3, 3}, ScaleFactor: []float64{2}}, "only one of size or scale_factor should be defined"},
		{UpsampleConfig{Size: []int64{3, 3, 3}}, "Input and output must have the same number of spatial dimensions, but got input with spatial dimensions of [2, 2] and output size of [3, 3, 3]"},
		{UpsampleConfig{Size: []int64{3}, AlignCorners: new(bool)}, "align_corners option can only be set with the interpolating modes"},
		{UpsampleConfig{Size: []int64{3}, Mode: "linear"}, "Got 4D input, but linear mode needs 3D input"},
	} {
		err := torch.Catch(func() error { NewUpsample(c.cfg).Forward(x); return nil })
		require.ErrorContains(t, err, c.msg)
	}
}
