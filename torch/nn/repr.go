package nn

import (
	"fmt"
	"strings"
)

// ExtraReprer is implemented by layers that describe their configuration
// inside their printed form, as extra_repr does in PyTorch:
// "in_features=784, out_features=100, bias=True".
type ExtraReprer interface {
	ExtraRepr() string
}

// Repr is PyTorch's repr of the layer tree rooted at l, what print(model)
// shows:
//
//	Net(
//	  (fc1): Linear(in_features=784, out_features=100, bias=True)
//	  (drop): Dropout(p=0.5, inplace=False)
//	)
func Repr(l Layer) string {
	m := l.module()
	var extra []string
	if e, ok := l.(ExtraReprer); ok {
		if s := e.ExtraRepr(); s != "" {
			extra = strings.Split(s, "\n")
		}
	}
	lines := append([]string(nil), extra...)
	for _, c := range m.children {
		lines = append(lines, "("+c.name+"): "+indent(Repr(c.layer)))
	}
	name := m.typeName
	if name == "" {
		name = typeName(l)
	}
	s := name + "("
	switch {
	case len(extra) == 1 && len(m.children) == 0:
		s += extra[0]
	case len(lines) > 0:
		s += "\n  " + strings.Join(lines, "\n  ") + "\n"
	}
	return s + ")"
}

// indent indents every line but the first by two spaces (_addindent).
func indent(s string) string {
	return strings.ReplaceAll(s, "\n", "\n  ")
}

// String is Repr of the layer embedding m, once known (it was added to a
// parent or given children); otherwise m's own description.
func (m *Module) String() string {
	if m.self != nil {
		return Repr(m.self)
	}
	return Repr(m)
}

func pyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// ExtraRepr is "in_features=784, out_features=100, bias=True".
func (l *Linear) ExtraRepr() string {
	s := l.Weight.Shape()
	return fmt.Sprintf("in_features=%d, out_features=%d, bias=%s", s[1], s[0], pyBool(l.Bias != nil))
}

// ExtraRepr is "p=0.5, inplace=False".
func (l *Dropout) ExtraRepr() string {
	return fmt.Sprintf("p=%s, inplace=False", pyFloat(l.P))
}

// pyFloat formats f as Python's repr does for simple values (0.5, 1.0).
func pyFloat(f float64) string {
	s := fmt.Sprintf("%v", f)
	if !strings.ContainsAny(s, ".eIN") {
		s += ".0"
	}
	return s
}

func allEqual(v []int64, x int64) bool {
	for _, y := range v {
		if y != x {
			return false
		}
	}
	return true
}

// convRepr is _ConvNd.extra_repr; outputPadding is nil but for transposed
// convolutions.
func convRepr(in, out int64, kernel, stride, padding, dilation, outputPadding []int64, same bool, groups int64, bias bool, mode string) string {
	s := fmt.Sprintf("%d, %d, kernel_size=%s, stride=%s", in, out, pyTuple(kernel...), pyTuple(stride...))
	if same {
		s += ", padding=same"
	} else if !allEqual(padding, 0) {
		s += ", padding=" + pyTuple(padding...)
	}
	if !allEqual(dilation, 1) {
		s += ", dilation=" + pyTuple(dilation...)
	}
	if !allEqual(outputPadding, 0) {
		s += ", output_padding=" + pyTuple(outputPadding...)
	}
	if groups != 1 {
		s += fmt.Sprintf(", groups=%d", groups)
	}
	if !bias {
		s += ", bias=False"
	}
	if mode != "" && mode != "zeros" {
		s += ", padding_mode=" + "'" + mode + "'"
	}
	return s
}

// ExtraRepr is "1, 4, kernel_size=(3,), stride=(1,)" and the options set.
func (l *Conv1d) ExtraRepr() string {
	return convRepr(l.InChannels, l.OutChannels, l.KernelSize, l.Stride, l.Padding, l.Dilation, nil, l.PaddingSame, l.Groups, l.Bias != nil, l.PaddingMode)
}

// ExtraRepr is "1, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1)".
func (l *Conv2d) ExtraRepr() string {
	return convRepr(l.InChannels, l.OutChannels, l.KernelSize, l.Stride, l.Padding, l.Dilation, nil, l.PaddingSame, l.Groups, l.Bias != nil, l.PaddingMode)
}

// ExtraRepr is "1, 4, kernel_size=(3, 3, 3), stride=(1, 1, 1)" and the
// options set.
func (l *Conv3d) ExtraRepr() string {
	return convRepr(l.InChannels, l.OutChannels, l.KernelSize, l.Stride, l.Padding, l.Dilation, nil, l.PaddingSame, l.Groups, l.Bias != nil, l.PaddingMode)
}

// ExtraRepr is "10, 3" with padding_idx, max_norm, norm_type and
// scale_grad_by_freq when set.
func (l *Embedding) ExtraRepr() string {
	s := fmt.Sprintf("%d, %d", l.NumEmbeddings, l.EmbeddingDim)
	if l.PaddingIdx >= 0 {
		s += fmt.Sprintf(", padding_idx=%d", l.PaddingIdx)
	}
	if l.MaxNorm != nil {
		s += ", max_norm=" + pyFloat(*l.MaxNorm)
	}
	if l.NormType != 0 && l.NormType != 2 {
		s += ", norm_type=" + pyFloat(l.NormType)
	}
	if l.ScaleGradByFreq {
		s += ", scale_grad_by_freq=True"
	}
	return s
}

// ExtraRepr is "(5,), eps=1e-05, elementwise_affine=True".
func (l *LayerNorm) ExtraRepr() string {
	return fmt.Sprintf("%s, eps=%s, elementwise_affine=%s", pyTuple(l.Shape...), pyFloat(l.Eps), pyBool(l.Weight != nil))
}

// ExtraRepr is "4, eps=1e-05, momentum=0.1, affine=True,
// track_running_stats=True".
func (l *BatchNorm) ExtraRepr() string {
	m := pyFloat(l.Momentum)
	if l.CumulativeAverage {
		m = "None"
	}
	return fmt.Sprintf("%d, eps=%s, momentum=%s, affine=%s, track_running_stats=%s",
		l.NumFeatures, pyFloat(l.Eps), m, pyBool(l.Weight != nil), pyBool(l.TrackRunningStats))
}

// ExtraRepr is "4, 5, kernel_size=(3,), stride=(1,)" and the options set.
func (l *ConvTranspose1d) ExtraRepr() string {
	return convRepr(l.InChannels, l.OutChannels, l.KernelSize, l.Stride, l.Padding, l.Dilation, l.OutputPadding, false, l.Groups, l.Bias != nil, "")
}

// ExtraRepr is "4, 5, kernel_size=(3, 3), stride=(1, 1)" and the options set.
func (l *ConvTranspose2d) ExtraRepr() string {
	return convRepr(l.InChannels, l.OutChannels, l.KernelSize, l.Stride, l.Padding, l.Dilation, l.OutputPadding, false, l.Groups, l.Bias != nil, "")
}

// ExtraRepr is "4, 5, kernel_size=(3, 3, 3), stride=(1, 1, 1)" and the
// options set.
func (l *ConvTranspose3d) ExtraRepr() string {
	return convRepr(l.InChannels, l.OutChannels, l.KernelSize, l.Stride, l.Padding, l.Dilation, l.OutputPadding, false, l.Groups, l.Bias != nil, "")
}

// ExtraRepr is "in1_features=2, in2_features=3, out_features=4, bias=True".
func (l *Bilinear) ExtraRepr() string {
	return fmt.Sprintf("in1_features=%d, in2_features=%d, out_features=%d, bias=%s", l.In1Features, l.In2Features, l.OutFeatures, pyBool(l.Bias != nil))
}

// ExtraRepr is "alpha=1.0", with ", inplace=True" when in place.
func (l *ELU) ExtraRepr() string { return "alpha=" + pyFloat(l.Alpha) + inplaceRepr(l.Inplace) }

func inplaceRepr(inplace bool) string {
	if inplace {
		return ", inplace=True"
	}
	return ""
}

// poolInt is a pooling option as nn.MaxPool2d(k, stride=s, ...) prints it
// when given ints: its single value, or dflt when unset.
func poolInt(v []int64, dflt int64) string {
	if len(v) == 0 {
		return fmt.Sprint(dflt)
	}
	if len(v) == 1 || allEqual(v, v[0]) {
		return fmt.Sprint(v[0])
	}
	return pyTuple(v...)
}

// ExtraRepr is what nn.MaxPool2d(kernel, stride, padding, dilation,
// ceil_mode=...) prints: "kernel_size=2, stride=2, padding=0, dilation=1,
// ceil_mode=False" (the stride defaults to the kernel).
func (l *MaxPool2d) ExtraRepr() string {
	k := poolInt(l.opts.Kernel, 0)
	s := k
	if len(l.opts.Stride) > 0 {
		s = poolInt(l.opts.Stride, 0)
	}
	return fmt.Sprintf("kernel_size=%s, stride=%s, padding=%s, dilation=%s, ceil_mode=%s",
		k, s, poolInt(l.opts.Padding, 0), poolInt(l.opts.Dilation, 1), pyBool(l.opts.CeilMode))
}

// ExtraRepr is what nn.AvgPool2d(kernel, stride, padding) prints:
// "kernel_size=3, stride=3, padding=0".
func (l *AvgPool2d) ExtraRepr() string {
	k := poolInt(l.opts.Kernel, 0)
	s := k
	if len(l.opts.Stride) > 0 {
		s = poolInt(l.opts.Stride, 0)
	}
	return fmt.Sprintf("kernel_size=%s, stride=%s, padding=%s", k, s, poolInt(l.opts.Padding, 0))
}

// ExtraRepr is "kernel_size=(2,), stride=(2,), padding=(0,)" (AvgPool1d
// keeps 1-tuples).
func (l *AvgPool1d) ExtraRepr() string {
	return fmt.Sprintf("kernel_size=%s, stride=%s, padding=%s", pyTuple(l.Kernel), pyTuple(l.Stride), pyTuple(l.Padding))
}

// ExtraRepr is what nn.AdaptiveAvgPool2d((h, w)) prints: "output_size=(1, 1)".
func (l *AdaptiveAvgPool2d) ExtraRepr() string { return "output_size=" + pyTuple(l.OutH, l.OutW) }
