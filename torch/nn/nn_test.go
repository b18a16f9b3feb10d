package nn

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/internal/torchtest"
	"github.com/torchgo/torchgo/torch"
)

// The seed's network.
type Net struct {
	Module
	Conv     *Conv2d
	FC1, FC2 *Linear
}

func newSeedNet() *Net {
	n := &Net{}
	n.Conv = Add(n, "conv", NewConv2d(1, 4, 3, ConvConfig{Padding: 1}))
	n.FC1 = Add(n, "fc1", NewLinear(784, 100))
	n.FC2 = Add(n, "fc2", NewLinear(100, 10))
	return n
}

func (n *Net) Forward(x *torch.Tensor) *torch.Tensor {
	h := torch.MaxPool2d(n.Conv.Forward(x), torch.PoolOptions{Kernel: []int64{2}}).View(-1, 784)
	return n.FC2.Forward(n.FC1.Forward(h).ReLU())
}

const netPy = `
import torch.nn as nn, torch.nn.functional as F
from seednet import Net
`

// torch.ManualSeed(0) then the seed's Net gives the same weights as Python.
func TestSeedNetInitMatchesPyTorch(t *testing.T) {
	var want struct {
		Keys []string       `json:"keys"`
		SD   []pyref.Tensor `json:"sd"`
		Out  pyref.Tensor   `json:"out"`
	}
	pyref.Run(t, netPy+`
torch.manual_seed(0)
net = Net()
sd = net.state_dict()
x = torch.rand(2, 1, 28, 28, generator=torch.Generator().manual_seed(1))
out({"keys": list(sd.keys()), "sd": [enc(v) for v in sd.values()], "out": enc(net(x))})
`, nil, &want)
	torch.ManualSeed(0)
	net := newSeedNet()
	sd := net.StateDict()
	require.Len(t, sd, len(want.Keys))
	for i, n := range sd {
		require.Equal(t, want.Keys[i], n.Name)
		requireSame(t, want.SD[i], n.Tensor, n.Name)
	}
	x := torch.Rand([]int64{2, 1, 28, 28}, torch.NewGenerator(1))
	requireSame(t, want.Out, net.Forward(x))
	require.Equal(t, "Net", net.TypeName())
	require.Equal(t, int64(4*9+4+784*100+100+100*10+10), net.NumParameters())
}

// layerCase builds a layer in Go and Python after the same manual_seed, runs
// it forward on the same input and backward from sum(), and compares output,
// state dict and parameter gradients.
type layerCase struct {
	name, pyLayer, pyInput string
	layer                  func() Unary
	input                  func(g *torch.Generator) *torch.Tensor
	eval                   bool
}

func randn(shape ...int64) func(g *torch.Generator) *torch.Tensor {
	return func(g *torch.Generator) *torch.Tensor { return torch.Randn(shape, g) }
}

var layerCases = []layerCase{
	{"Linear", "nn.Linear(5, 3)", "torch.randn(4, 5, generator=g)", func() Unary { return NewLinear(5, 3) }, randn(4, 5), false},
	{"LinearNoBias", "nn.Linear(5, 3, bias=False)", "torch.randn(2, 7, 5, generator=g)", func() Unary { return NewLinearNoBias(5, 3) }, randn(2, 7, 5), false},
	{"Conv2d", "nn.Conv2d(3, 6, 3, stride=2, padding=1)", "torch.randn(2, 3, 9, 9, generator=g)", func() Unary { return NewConv2d(3, 6, 3, ConvConfig{Stride: 2, Padding: 1}) }, randn(2, 3, 9, 9), false},
	{"Conv2dSame", "nn.Conv2d(2, 4, 3, padding='same', dilation=2, groups=2, bias=False)", "torch.randn(1, 2, 8, 8, generator=g)", func() Unary {
		return NewConv2d(2, 4, 3, ConvConfig{PaddingSame: true, Dilation: 2, Groups: 2, NoBias: true})
	}, randn(1, 2, 8, 8), false},
	{"Conv1d", "nn.Conv1d(2, 3, 5, padding=2)", "torch.randn(2, 2, 11, generator=g)", func() Unary { return NewConv1d(2, 3, 5, ConvConfig{Padding: 2}) }, randn(2, 2, 11), false},
	{"ConvTranspose2d", "nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1)", "torch.randn(1, 4, 5, 5, generator=g)", func() Unary {
		return NewConvTranspose2d(4, 2, 3, ConvTranspose2dConfig{Stride: 2, Padding: 1, OutputPadding: 1})
	}, randn(1, 4, 5, 5), false},
	{"MaxPool2d", "nn.MaxPool2d(3, stride=2, padding=1)", "torch.randn(2, 3, 9, 9, generator=g)", func() Unary { return NewMaxPool2d(3, PoolConfig{Stride: 2, Padding: 1}) }, randn(2, 3, 9, 9), false},
	{"MaxPool2dCeil", "nn.MaxPool2d(2, ceil_mode=True)", "torch.randn(1, 1, 7, 7, generator=g)", func() Unary { return NewMaxPool2d(2, PoolConfig{CeilMode: true}) }, randn(1, 1, 7, 7), false},
	{"AvgPool2d", "nn.AvgPool2d(3, stride=2, padding=1)", "torch.randn(2, 3, 9, 9, generator=g)", func() Unary { return NewAvgPool2d(3, PoolConfig{Stride: 2, Padding: 1}) }, randn(2, 3, 9, 9), false},
	{"AvgPool2dExclude", "nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)", "torch.randn(2, 3, 9, 9, generator=g)", func() Unary {
		return NewAvgPool2d(3, PoolConfig{Stride: 2, Padding: 1, CountExcludePad: true})
	}, randn(2, 3, 9, 9), false},
	{"AdaptiveAvgPool2d", "nn.AdaptiveAvgPool2d((2, 3))", "torch.randn(2, 3, 7, 8, generator=g)", func() Unary { return NewAdaptiveAvgPool2d(2, 3) }, randn(2, 3, 7, 8), false},
	{"BatchNorm2dTrain", "nn.BatchNorm2d(3)", "torch.randn(4, 3, 5, 5, generator=g)", func() Unary { return NewBatchNorm2d(3, BatchNormConfig{}) }, randn(4, 3, 5, 5), false},
	{"BatchNorm2dEval", "nn.BatchNorm2d(3, momentum=0.3)", "torch.randn(4, 3, 5, 5, generator=g)", func() Unary { return NewBatchNorm2d(3, BatchNormConfig{Momentum: 0.3}) }, randn(4, 3, 5, 5), true},
	{"BatchNorm1dCumulative", "nn.BatchNorm1d(6, momentum=None)", "torch.randn(8, 6, generator=g)", func() Unary { return NewBatchNorm1d(6, BatchNormConfig{CumulativeAverage: true}) }, randn(8, 6), false},
	{"LayerNorm", "nn.LayerNorm([4, 5])", "torch.randn(3, 4, 5, generator=g)", func() Unary { return NewLayerNorm([]int64{4, 5}) }, randn(3, 4, 5), false},
	{"GroupNorm", "nn.GroupNorm(2, 6)", "torch.randn(3, 6, 4, generator=g)", func() Unary { return NewGroupNorm(2, 6) }, randn(3, 6, 4), false},
	{"Dropout", "nn.Dropout(0.3)", "torch.randn(6, 7, generator=g)", func() Unary { return NewDropout(0.3) }, randn(6, 7), false},
	{"DropoutEval", "nn.Dropout(0.3)", "torch.randn(6, 7, generator=g)", func() Unary { return NewDropout(0.3) }, randn(6, 7), true},
	{"ReLU", "nn.ReLU()", "torch.randn(3, 4, generator=g)", func() Unary { return NewReLU() }, randn(3, 4), false},
	{"LeakyReLU", "nn.LeakyReLU(0.2)", "torch.randn(3, 4, generator=g)", func() Unary { s := 0.2; return NewLeakyReLU(LeakyReLUConfig{NegativeSlope: &s}) }, randn(3, 4), false},
	{"GELU", "nn.GELU()", "torch.randn(3, 4, generator=g)", func() Unary { return NewGELU() }, randn(3, 4), false},
	{"SiLU", "nn.SiLU()", "torch.randn(3, 4, generator=g)", func() Unary { return NewSiLU() }, randn(3, 4), false},
	{"Sigmoid", "nn.Sigmoid()", "torch.randn(3, 4, generator=g)", func() Unary { return NewSigmoid() }, randn(3, 4), false},
	{"Tanh", "nn.Tanh()", "torch.randn(3, 4, generator=g)", func() Unary { return NewTanh() }, randn(3, 4), false},
	{"Softmax", "nn.Softmax(1)", "torch.randn(3, 4, generator=g)", func() Unary { return NewSoftmax(1) }, randn(3, 4), false},
	{"LogSoftmax", "nn.LogSoftmax(0)", "torch.randn(3, 4, generator=g)", func() Unary { return NewLogSoftmax(0) }, randn(3, 4), false},
	{"Flatten", "nn.Flatten()", "torch.randn(2, 3, 4, generator=g)", func() Unary { return NewFlatten() }, randn(2, 3, 4), false},
	{"Identity", "nn.Identity()", "torch.randn(2, 3, generator=g)", func() Unary { return NewIdentity() }, randn(2, 3), false},
	{"Sequential", "nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.BatchNorm1d(8), nn.Linear(8, 2))", "torch.randn(5, 4, generator=g)", func() Unary {
		return NewSequential(NewLinear(4, 8), NewReLU(), NewBatchNorm1d(8, BatchNormConfig{}), NewLinear(8, 2))
	}, randn(5, 4), false},
}

func TestLayersMatchPyTorch(t *testing.T) {
	script := "import torch.nn as nn\nres = {}\n"
	for i, c := range layerCases {
		script += fmt.Sprintf(`
torch.manual_seed(%d)
layer = %s
if %v: layer.eval()
g = torch.Generator().manual_seed(100)
x = (%s).requires_grad_()
y = layer(x)
y.sum().backward()
res[%q] = {"y": enc(y), "sd": [[k, enc(v)] for k, v in layer.state_dict().items()],
  "grads": [enc(p.grad) for p in layer.parameters()], "xgrad": enc(x.grad)}
`, i, c.pyLayer, map[bool]string{true: "True", false: "False"}[c.eval], c.pyInput, c.name)
	}
	script += "out(res)\n"
	type result struct {
		Y     pyref.Tensor   `json:"y"`
		SD    [][2]any       `json:"sd"`
		Grads []pyref.Tensor `json:"grads"`
		XGrad pyref.Tensor   `json:"xgrad"`
	}
	var want map[string]result
	pyref.Run(t, script, nil, &want)
	for i, c := range layerCases {
		t.Run(c.name, func(t *testing.T) {
			w := want[c.name]
			torch.ManualSeed(uint64(i))
			layer := c.layer()
			if c.eval {
				layer.module().Eval()
			}
			x := c.input(torch.NewGenerator(100)).SetRequiresGrad(true)
			y := layer.Forward(x)
			y.Sum().Backward()
			requireSame(t, w.Y, y, "output")
			requireSame(t, w.XGrad, x.Grad(), "input gradient")
			sd := layer.module().StateDict()
			require.Len(t, sd, len(w.SD))
			for j, n := range sd {
				require.Equal(t, w.SD[j][0], n.Name)
				var pt pyref.Tensor
				m := w.SD[j][1].(map[string]any)
				pt.DType, pt.Hex = m["dtype"].(string), m["hex"].(string)
				for _, d := range m["shape"].([]any) {
					pt.Shape = append(pt.Shape, int64(d.(float64)))
				}
				if pt.Shape == nil {
					pt.Shape = []int64{}
				}
				requireSame(t, pt, n.Tensor, n.Name)
			}
			params := layer.module().Parameters()
			require.Len(t, params, len(w.Grads))
			for j, p := range params {
				requireSame(t, w.Grads[j], p.Grad(), "grad of parameter", j)
			}
		})
	}
}

func TestLoadStateDictMessagesMatchPyTorch(t *testing.T) {
	var want map[string]string
	pyref.Run(t, netPy+`
def msg(f):
    try:
        return repr(f())
    except RuntimeError as e:
        return str(e)
net = Net()
sd = net.state_dict()
ok = msg(lambda: net.load_state_dict(sd))
bad = dict(sd); del bad["fc2.bias"]; bad["extra.w"] = torch.zeros(1); bad["fc1.weight"] = torch.zeros(100, 783)
lenient = dict(sd); del lenient["fc2.bias"]; lenient["extra.w"] = torch.zeros(1)
out({"ok": ok, "strict": msg(lambda: net.load_state_dict(bad)), "lenient": msg(lambda: net.load_state_dict(lenient, strict=False))})
`, nil, &want)
	net := newSeedNet()
	sd := net.StateDict()
	res, err := net.LoadStateDict(sd, true)
	require.NoError(t, err)
	require.Equal(t, want["ok"], res.String())

	before := net.FC2.Weight.Clone()
	var bad, lenient []Named
	for _, n := range sd {
		switch n.Name {
		case "fc2.bias":
			continue
		case "fc1.weight":
			bad = append(bad, Named{n.Name, torch.Zeros([]int64{100, 783})})
			lenient = append(lenient, n)
		case "fc2.weight":
			z := torch.Zeros([]int64{10, 100})
			bad = append(bad, Named{n.Name, z})
			lenient = append(lenient, n)
		default:
			bad = append(bad, n)
			lenient = append(lenient, n)
		}
	}
	bad = append(bad, Named{"extra.w", torch.Zeros([]int64{1})})
	lenient = append(lenient, Named{"extra.w", torch.Zeros([]int64{1})})
	_, err = net.LoadStateDict(bad, true)
	require.EqualError(t, err, want["strict"])
	require.True(t, before.Equal(net.FC2.Weight), "a failed load changes nothing")
	res, err = net.LoadStateDict(lenient, false)
	require.NoError(t, err)
	require.Equal(t, want["lenient"], res.String())
}

func TestModuleToKeepsIdentity(t *testing.T) {
	net := newSeedNet()
	w := net.FC1.Weight
	net.To(torch.Float64)
	require.Same(t, w, net.FC1.Weight)
	require.Equal(t, torch.Float64, w.DType())
	require.True(t, w.RequiresGrad())
	bn := NewBatchNorm2d(3, BatchNormConfig{})
	bn.To(torch.Float64)
	require.Equal(t, torch.Int64, bn.NumBatchesTracked.DType(), "integer buffers keep their dtype")
	require.Equal(t, torch.Float64, bn.RunningMean.DType())
}

func TestModuleTreeAndModes(t *testing.T) {
	type block struct {
		Module
		BN *BatchNorm
	}
	root := &struct {
		Module
	}{}
	list := Add(root, "layer1", NewModuleList())
	b := &block{}
	b.BN = Add(b, "bn1", NewBatchNorm2d(2, BatchNormConfig{}))
	list.Append(b)
	var keys []string
	for _, n := range root.StateDict() {
		keys = append(keys, n.Name)
	}
	require.Equal(t, []string{"layer1.0.bn1.weight", "layer1.0.bn1.bias", "layer1.0.bn1.running_mean", "layer1.0.bn1.running_var", "layer1.0.bn1.num_batches_tracked"}, keys)
	require.True(t, b.BN.IsTraining())
	root.Eval()
	require.False(t, b.BN.IsTraining())
	root.Train(true)
	require.True(t, b.BN.IsTraining())
	require.Panics(t, func() { Add(root, "layer1", NewReLU()) }, "duplicate names are refused")
	require.Panics(t, func() { Add(root, "a.b", NewReLU()) })
}

var (
	enc         = torchtest.Enc
	requireSame = torchtest.RequireSame
)
