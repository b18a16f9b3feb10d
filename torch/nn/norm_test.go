package nn

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/torch"
)

// trainThenEval runs a training step on 2x, then forwards x in evaluation
// mode (PyTorch: "[layer.train(), layer(xs[0] * 2), layer.eval()] and layer(xs[0])").
func trainThenEval(l Layer, xs []*torch.Tensor) []*torch.Tensor {
	m := l.module()
	m.Train(true)
	l.(Unary).Forward(xs[0].MulScalar(int64(2)))
	m.Eval()
	return []*torch.Tensor{l.(Unary).Forward(xs[0])}
}

const trainThenEvalPy = "[layer.train(), layer(xs[0] * 2), layer.eval()] and layer(xs[0])"

func TestNormLayersMatchPyTorch(t *testing.T) {
	x1 := func(shape string) []string { return []string{"~torch.randn(" + shape + ", generator=g)"} }
	runPyCases(t, []pyCase{
		{name: "BatchNorm1d2D", py: "nn.BatchNorm1d(5)", in: x1("8, 5"),
			build: func() Layer { return NewBatchNorm1d(5, BatchNormConfig{}) }},
		{name: "BatchNorm1d3DMomentum", py: "nn.BatchNorm1d(3, momentum=0.3, eps=1e-3)", in: x1("4, 3, 6"),
			build: func() Layer { return NewBatchNorm1d(3, BatchNormConfig{Momentum: 0.3, Eps: 1e-3}) }},
		{name: "BatchNorm1dTrainThenEval", py: "nn.BatchNorm1d(4, momentum=None)", in: x1("6, 4"), pyFwd: trainThenEvalPy,
			build: func() Layer { return NewBatchNorm1d(4, BatchNormConfig{CumulativeAverage: true}) }, forward: trainThenEval},
		{name: "BatchNorm2dNoAffine", py: "nn.BatchNorm2d(3, affine=False)", in: x1("2, 3, 4, 4"),
			build: func() Layer { return NewBatchNorm2d(3, BatchNormConfig{NoAffine: true}) }},
		{name: "BatchNorm2dNoTracking", py: "nn.BatchNorm2d(3, track_running_stats=False)", in: x1("2, 3, 4, 4"), eval: true,
			build: func() Layer { return NewBatchNorm2d(3, BatchNormConfig{NoTrackRunningStats: true}) }},
		{name: "BatchNorm3d", py: "nn.BatchNorm3d(2)", in: x1("3, 2, 2, 3, 4"),
			build: func() Layer { return NewBatchNorm3d(2, BatchNormConfig{}) }},
		{name: "BatchNorm3dTrainThenEval", py: "nn.BatchNorm3d(2).double()", in: x1("3, 2, 2, 3, 2, dtype=torch.float64"),
			pyFwd: trainThenEvalPy, double: true,
			build: func() Layer { return NewBatchNorm3d(2, BatchNormConfig{}) }, forward: trainThenEval},
		{name: "BatchNorm2dFactoryFloat64", py: "nn.BatchNorm2d(2, dtype=torch.float64)", in: x1("3, 2, 2, 2, dtype=torch.float64"),
			build: func() Layer { return NewBatchNorm2d(2, BatchNormConfig{Factory: []torch.Option{torch.Float64}}) }},
		{name: "LayerNormFactoryFloat64", py: "nn.LayerNorm(3, dtype=torch.float64)", in: x1("2, 3, dtype=torch.float64"),
			build: func() Layer { return NewLayerNorm([]int64{3}, LayerNormConfig{Factory: []torch.Option{torch.Float64}}) }},
		{name: "InstanceNorm1d", py: "nn.InstanceNorm1d(3)", in: x1("2, 3, 7"),
			build: func() Layer { return NewInstanceNorm1d(3) }},
		{name: "InstanceNorm1dUnbatchedAffine", py: "nn.InstanceNorm1d(3, affine=True, eps=1e-3)", in: x1("3, 7"),
			build: func() Layer { return NewInstanceNorm1d(3, InstanceNormConfig{Affine: true, Eps: fp(1e-3)}) }},
		{name: "InstanceNorm2dTracking", py: "nn.InstanceNorm2d(2, track_running_stats=True, momentum=0.2)", in: x1("3, 2, 4, 5"),
			build: func() Layer {
				return NewInstanceNorm2d(2, InstanceNormConfig{TrackRunningStats: true, Momentum: fp(0.2)})
			}},
		{name: "InstanceNorm2dTrainThenEval", py: "nn.InstanceNorm2d(2, affine=True, track_running_stats=True)", in: x1("3, 2, 4, 5"),
			pyFwd: trainThenEvalPy, forward: trainThenEval,
			build: func() Layer { return NewInstanceNorm2d(2, InstanceNormConfig{Affine: true, TrackRunningStats: true}) }},
		{name: "InstanceNorm2dEvalUntracked", py: "nn.InstanceNorm2d(2)", in: x1("2, 4, 5"), eval: true,
			build: func() Layer { return NewInstanceNorm2d(2) }},
		{name: "InstanceNorm3d", py: "nn.InstanceNorm3d(2, affine=True)", in: x1("2, 2, 3, 3, 4"),
			build: func() Layer { return NewInstanceNorm3d(2, InstanceNormConfig{Affine: true}) }},
		{name: "LayerNorm", py: "nn.LayerNorm([3, 4])", in: x1("2, 3, 4"),
			build: func() Layer { return NewLayerNorm([]int64{3, 4}) }},
		{name: "LayerNormNoAffineEps", py: "nn.LayerNorm(4, eps=1e-2, elementwise_affine=False)", in: x1("5, 4"),
			build: func() Layer {
				return NewLayerNorm([]int64{4}, LayerNormConfig{Eps: fp(1e-2), NoElementwiseAffine: true})
			}},
		{name: "GroupNorm", py: "nn.GroupNorm(3, 6)", in: x1("2, 6, 5"),
			build: func() Layer { return NewGroupNorm(3, 6) }},
		{name: "GroupNormNoAffine", py: "nn.GroupNorm(2, 4, eps=1e-3, affine=False)", in: x1("3, 4, 2, 3"),
			build: func() Layer { return NewGroupNorm(2, 4, GroupNormConfig{Eps: fp(1e-3), NoAffine: true}) }},
		{name: "LocalResponseNorm3D", py: "nn.LocalResponseNorm(3)", in: x1("2, 6, 5"),
			build: func() Layer { return NewLocalResponseNorm(3) }},
		{name: "LocalResponseNorm4D", py: "nn.LocalResponseNorm(4, alpha=1e-2, beta=0.5, k=2.0)", in: x1("2, 7, 3, 4"),
			build: func() Layer {
				return NewLocalResponseNorm(4, LocalResponseNormConfig{Alpha: fp(1e-2), Beta: fp(0.5), K: fp(2)})
			}},
		{name: "LocalResponseNorm5D", py: "nn.LocalResponseNorm(2)", in: x1("1, 5, 2, 3, 2"),
			build: func() Layer { return NewLocalResponseNorm(2) }},
	})
}

func TestNormArgumentErrors(t *testing.T) {
	for _, c := range []struct {
		f   func()
		msg string
	}{
		{func() { NewBatchNorm2d(3, BatchNormConfig{}).Forward(torch.Zeros([]int64{2, 3, 4})) }, "expected 4D input (got 3D input)"},
		{func() { NewBatchNorm1d(3, BatchNormConfig{}).Forward(torch.Zeros([]int64{2, 3, 4, 5})) }, "expected 2D or 3D input (got 4D input)"},
		{func() { NewBatchNorm1d(3, BatchNormConfig{}).Forward(torch.Zeros([]int64{1, 3})) }, "Expected more than 1 value per channel when training, got input size torch.Size([1, 3])"},
		{func() { NewInstanceNorm2d(3).Forward(torch.Zeros([]int64{2, 3, 1, 1})) }, "Expected more than 1 spatial element when training, got input size torch.Size([2, 3, 1, 1])"},
		{func() { NewInstanceNorm3d(3).Forward(torch.Zeros([]int64{3, 4})) }, "expected 4D or 5D input (got 2D input)"},
		{func() { NewGroupNorm(4, 6) }, "num_channels must be divisible by num_groups"},
		{func() { NewLocalResponseNorm(2).Forward(torch.Zeros([]int64{2, 3})) }, "Expected 3D or higher dimensionality input (got 2 dimensions)"},
	} {
		err := torch.Catch(func() error { c.f(); return nil })
		require.ErrorContains(t, err, c.msg)
	}
}
