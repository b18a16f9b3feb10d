package models

import (
	"fmt"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/nn"
	"github.com/torchgo/torchgo/torch/nn/nninit"
)

// BasicBlock is torchvision's ResNet BasicBlock: two 3×3 convolutions with
// batch norm and a residual connection (expansion 1). Keys: conv1, bn1,
// conv2, bn2 and, when the shape changes, downsample.0 (1×1 conv) and
// downsample.1 (batch norm).
type BasicBlock struct {
	nn.Module
	Conv1, Conv2 *nn.Conv2d
	BN1, BN2     *nn.BatchNorm
	Downsample   *nn.Sequential // nil when the identity fits
}

// Forward is relu(bn2(conv2(relu(bn1(conv1(x))))) + downsample(x)). It
// frees its intermediate tensors as it goes (see ResNet.Forward).
func (b *BasicBlock) Forward(x *torch.Tensor) *torch.Tensor {
	out := then(b.Conv1.Forward(x), b.BN1.Forward).ReLU_()
	out = then(then(out, b.Conv2.Forward), b.BN2.Forward)
	return residual(out, x, b.Downsample)
}

// KeepsNoTensors tells nn.Sequential that it may free the block's input
// and output once the next layer has consumed them.
func (*BasicBlock) KeepsNoTensors() {}

// KeepsNoTensors tells nn.Sequential that it may free the block's input
// and output once the next layer has consumed them.
func (*Bottleneck) KeepsNoTensors() {}

// then returns f(t) and frees t, which only f used, unless f returned it.
func then(t *torch.Tensor, f func(*torch.Tensor) *torch.Tensor) *torch.Tensor {
	y := f(t)
	if y != t {
		t.Close()
	}
	return y
}

// residual is relu(out + downsample(x)), or relu(out + x) when downsample
// is nil, computed in out.
func residual(out, x *torch.Tensor, downsample *nn.Sequential) *torch.Tensor {
	if downsample == nil {
		return out.Add_(x).ReLU_()
	}
	identity := x
	for _, l := range downsample.Layers {
		if identity == x {
			identity = l.Forward(x)
		} else {
			identity = then(identity, l.Forward)
		}
	}
	out.Add_(identity).ReLU_()
	if identity != x {
		identity.Close()
	}
	return out
}

// Bottleneck is torchvision's ResNet Bottleneck (ResNet V1.5: the stride is
// on the 3×3 convolution): 1×1, 3×3, 1×1 convolutions with batch norm,
// expansion 4. Keys: conv1..3, bn1..3, downsample.{0,1}.
type Bottleneck struct {
	nn.Module
	Conv1, Conv2, Conv3 *nn.Conv2d
	BN1, BN2, BN3       *nn.BatchNorm
	Downsample          *nn.Sequential
}

// Forward is relu(bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x)))))))) + downsample(x)).
func (b *Bottleneck) Forward(x *torch.Tensor) *torch.Tensor {
	out := b.BN1.Forward(b.Conv1.Forward(x)).ReLU()
	out = b.BN2.Forward(b.Conv2.Forward(out)).ReLU()
	out = b.BN3.Forward(b.Conv3.Forward(out))
	identity := x
	if b.Downsample != nil {
		identity = b.Downsample.Forward(x)
	}
	return out.Add_(identity).ReLU_()
}

// ResNet is torchvision.models.ResNet: conv1 7×7/2 → bn1 → ReLU → max_pool
// 3×3/2 → layer1..layer4 → adaptive average pool to 1×1 → fc. Input
// (N, 3, H, W) Float32 (ImageNet: 224×224; any size ≥ 32 works), output
// (N, classes) logits. Its state dict has torchvision's keys exactly.
type ResNet struct {
	nn.Module
	Conv1                          *nn.Conv2d
	BN1                            *nn.BatchNorm
	Layer1, Layer2, Layer3, Layer4 *nn.Sequential
	FC                             *nn.Linear
}

type blockKind int

const (
	basic blockKind = iota
	bottleneck
)

func conv3x3(in, out, stride int64) *nn.Conv2d {
	return nn.NewConv2d(in, out, 3, nn.ConvConfig{Stride: stride, Padding: 1, NoBias: true})
}

func conv1x1(in, out, stride int64) *nn.Conv2d {
	return nn.NewConv2d(in, out, 1, nn.ConvConfig{Stride: stride, NoBias: true})
}

func bn(c int64) *nn.BatchNorm { return nn.NewBatchNorm2d(c, nn.BatchNormConfig{}) }

// newResNet is ResNet.__init__ (groups 1, width 64, no dilation, BatchNorm2d,
// zero_init_residual False): layers are built in Python's order (in
// _make_layer a block's downsample before the block), so that the default
// generator is consumed identically, then every convolution is
// re-initialised with kaiming_normal_(mode="fan_out", nonlinearity="relu")
// in module order, and batch norms are set to weight 1, bias 0.
func newResNet(kind blockKind, layers [4]int, classes int64) *ResNet {
	if classes <= 0 {
		panic(&torch.Error{Op: "models.ResNet", Msg: fmt.Sprintf("num_classes must be positive, got %d", classes)})
	}
	expansion := int64(1)
	if kind == bottleneck {
		expansion = 4
	}
	r := &ResNet{}
	var convs []*nn.Conv2d
	r.Conv1 = nn.Add(r, "conv1", nn.NewConv2d(3, 64, 7, nn.ConvConfig{Stride: 2, Padding: 3, NoBias: true}))
	convs = append(convs, r.Conv1)
	r.BN1 = nn.Add(r, "bn1", bn(64))
	inplanes := int64(64)
	makeLayer := func(planes int64, blocks int, stride int64) *nn.Sequential {
		seq := nn.NewSequential()
		for i := 0; i < blocks; i++ {
			s := int64(1)
			if i == 0 {
				s = stride
			}
			var down *nn.Sequential
			if i == 0 && (stride != 1 || inplanes != planes*expansion) {
				down = nn.NewSequential(conv1x1(inplanes, planes*expansion, stride), bn(planes*expansion))
			}
			if kind == basic {
				b := &BasicBlock{}
				b.Conv1 = nn.Add(b, "conv1", conv3x3(inplanes, planes, s))
				b.BN1 = nn.Add(b, "bn1", bn(planes))
				b.Conv2 = nn.Add(b, "conv2", conv3x3(planes, planes, 1))
				b.BN2 = nn.Add(b, "bn2", bn(planes))
				convs = append(convs, b.Conv1, b.Conv2)
				if down != nil {
					b.Downsample = nn.Add(b, "downsample", down)
				}
				seq.Append(b)
			} else {
				b := &Bottleneck{}
				b.Conv1 = nn.Add(b, "conv1", conv1x1(inplanes, planes, 1))
				b.BN1 = nn.Add(b, "bn1", bn(planes))
				b.Conv2 = nn.Add(b, "conv2", conv3x3(planes, planes, s))
				b.BN2 = nn.Add(b, "bn2", bn(planes))
				b.Conv3 = nn.Add(b, "conv3", conv1x1(planes, planes*expansion, 1))
				b.BN3 = nn.Add(b, "bn3", bn(planes*expansion))
				convs = append(convs, b.Conv1, b.Conv2, b.Conv3)
				if down != nil {
					b.Downsample = nn.Add(b, "downsample", down)
				}
				seq.Append(b)
			}
			if down != nil {
				convs = append(convs, down.Layers[0].(*nn.Conv2d))
			}
			inplanes = planes * expansion
		}
		return seq
	}
	r.Layer1 = nn.Add(r, "layer1", makeLayer(64, layers[0], 1))
	r.Layer2 = nn.Add(r, "layer2", makeLayer(128, layers[1], 2))
	r.Layer3 = nn.Add(r, "layer3", makeLayer(256, layers[2], 2))
	r.Layer4 = nn.Add(r, "layer4", makeLayer(512, layers[3], 2))
	r.FC = nn.Add(r, "fc", nn.NewLinear(512*expansion, classes))
	// The re-initialisation loop over self.modules(): convs in module order
	// (a block's own convs, then its downsample's). Batch norms already hold
	// weight 1 and bias 0, which constant_ would write again.
	for _, c := range convs {
		if _, err := nninit.KaimingNormal_(c.Weight, 0, nninit.FanOut, "relu", nil); err != nil {
			panic(&torch.Error{Op: "models.ResNet", Msg: err.Error()})
		}
	}
	return r
}

// NewResNet18 is torchvision.models.resnet18(num_classes=classes) without
// pretrained weights: BasicBlocks [2, 2, 2, 2], 11.7M parameters for 1000
// classes (torchvision's default).
func NewResNet18(classes int64) *ResNet { return newResNet(basic, [4]int{2, 2, 2, 2}, classes) }

// NewResNet34 is torchvision.models.resnet34(num_classes=classes):
// BasicBlocks [3, 4, 6, 3].
func NewResNet34(classes int64) *ResNet { return newResNet(basic, [4]int{3, 4, 6, 3}, classes) }

// NewResNet50 is torchvision.models.resnet50(num_classes=classes):
// Bottlenecks [3, 4, 6, 3].
func NewResNet50(classes int64) *ResNet { return newResNet(bottleneck, [4]int{3, 4, 6, 3}, classes) }

// Forward maps (N, 3, H, W) images to (N, classes) logits.
//
// Like PyTorch, which frees a tensor when its last reference goes, it frees
// each intermediate tensor (its Go handle; autograd keeps what backward
// needs) as soon as the next layer has consumed it, instead of leaving them
// all to the caller's scope: an evaluation forward then holds a few
// activations at a time rather than all of them. x itself is left to the
// caller.
func (r *ResNet) Forward(x *torch.Tensor) *torch.Tensor {
	h := then(r.Conv1.Forward(x), r.BN1.Forward).ReLU_()
	h = then(h, func(t *torch.Tensor) *torch.Tensor {
		return torch.MaxPool2d(t, torch.PoolOptions{Kernel: []int64{3}, Stride: []int64{2}, Padding: []int64{1}})
	})
	for _, layer := range []*nn.Sequential{r.Layer1, r.Layer2, r.Layer3, r.Layer4} {
		h = then(h, layer.Forward) // which frees between its blocks
	}
	h = then(h, func(t *torch.Tensor) *torch.Tensor { return torch.AdaptiveAvgPool2d(t, 1, 1) })
	return then(h.Flatten(1, -1), r.FC.Forward)
}
