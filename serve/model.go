package serve

import (
	"fmt"
	"os"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/nn"
	"github.com/torchgo/torchgo/torch/pt"
)

// Model is what a Server runs: a forward pass from a batch (N, sample...)
// to an output whose first dimension is N. An nn module (nn.Unary, such as
// vision/models.Net) is one; so is what LoadTorchScript returns. Forward
// is called from several worker threads at once when Options.Workers > 1,
// always under torch.NoGrad and inside a torch.WithScope.
type Model interface {
	Forward(x *torch.Tensor) *torch.Tensor
}

// ModelFunc adapts a function to Model.
type ModelFunc func(x *torch.Tensor) *torch.Tensor

// Forward calls f.
func (f ModelFunc) Forward(x *torch.Tensor) *torch.Tensor { return f(x) }

// LoadWeights loads the state dict in path into m, strictly (every key
// present, none unexpected, shapes equal), and switches m to evaluation
// mode. The file is either what torch.save(model.state_dict(), path)
// writes (zip or legacy layout) or a safetensors file (as
// safetensors.torch.save_file writes); the layout is told from its first
// bytes.
func LoadWeights(m nn.Layer, path string) error {
	mod, ok := m.(interface {
		LoadStateDict([]nn.Named, bool) (nn.LoadResult, error)
		Load(string, bool) (nn.LoadResult, error)
	})
	if !ok {
		return fmt.Errorf("serve: LoadWeights: %T does not embed nn.Module", m)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("serve: %w", err)
	}
	format := pt.DetectFormat(f, st.Size())
	f.Close()
	switch format {
	case pt.FormatSafetensors:
		d, _, err := pt.LoadSafetensors(path)
		if err != nil {
			return fmt.Errorf("serve: %s: %w", path, err)
		}
		sd, err := nn.StateDictFromPT(d)
		if err != nil {
			return fmt.Errorf("serve: %s: %w", path, err)
		}
		defer func() {
			for _, n := range sd {
				n.Tensor.Close()
			}
		}()
		if _, err := mod.LoadStateDict(sd, true); err != nil {
			return fmt.Errorf("serve: %s: %w", path, err)
		}
	case pt.FormatZip, pt.FormatLegacy:
		if _, err := mod.Load(path, true); err != nil {
			return fmt.Errorf("serve: %s: %w", path, err)
		}
	default:
		return fmt.Errorf("serve: %s is neither a torch.save state dict nor a safetensors file (%s layout)", path, format)
	}
	setEval(m)
	return nil
}

// setEval switches an nn module or a TorchScript module to evaluation mode.
func setEval(m any) {
	switch v := m.(type) {
	case interface{ Eval() }:
		v.Eval()
	case interface{ Train(bool) }:
		v.Train(false)
	}
}

// scriptModel is a TorchScript module as a Model.
type scriptModel struct{ m *torch.ScriptModule }

func (s scriptModel) Forward(x *torch.Tensor) *torch.Tensor { return s.m.Forward(x) }

// LoadTorchScript loads a TorchScript file (torch.jit.save of a scripted
// or traced module whose forward takes one tensor and returns one) onto
// device (the CPU when zero) in evaluation mode.
func LoadTorchScript(path string, device torch.Device) (Model, error) {
	dev := []torch.Device{torch.CPU}
	if device.Type != torch.DeviceCPU {
		dev = []torch.Device{device}
	}
	m, err := torch.LoadScript(path, dev...)
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	m.Train(false)
	return scriptModel{m}, nil
}
