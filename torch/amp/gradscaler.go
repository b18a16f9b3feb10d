// Package amp is torch.amp's gradient scaler, the companion of
// torch.Autocast for float16 training: the loss is multiplied by a large
// scale before backward so that small float16 gradients do not flush to
// zero, the gradients are divided back before the optimizer step, steps
// whose gradients overflowed are skipped, and the scale adapts.
package amp

import (
	"fmt"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/optim"
)

// GradScalerOptions are torch.amp.GradScaler's arguments; zero values are
// its defaults.
type GradScalerOptions struct {
	// InitScale is the first scale (init_scale); 0: 65536.
	InitScale float64
	// GrowthFactor multiplies the scale after GrowthInterval steps without
	// overflow (growth_factor); 0: 2.
	GrowthFactor float64
	// BackoffFactor multiplies the scale after an overflow
	// (backoff_factor); 0: 0.5.
	BackoffFactor float64
	// GrowthInterval is the number of overflow-free steps before growing
	// (growth_interval); 0: 2000.
	GrowthInterval int
}

// GradScaler scales losses and unscales gradients as
// torch.amp.GradScaler(device) does, with libtorch's own kernels:
//
//	scaler.Scale(loss).Backward()
//	scaler.Step(opt) // unscales, then steps unless a gradient overflowed
//	scaler.Update()
//
// Between Backward and Step, Unscale lets gradients be clipped at their
// true size. Its kernels exist for CUDA in every libtorch and for the CPU
// from libtorch 2.3.
type GradScaler struct {
	dev     torch.Device
	opts    GradScalerOptions
	scale   *torch.Tensor // float32 scalar, made by the first Scale
	tracker *torch.Tensor // int32 scalar: overflow-free steps in a row
	perOpt  map[optim.Optimizer]*optState
}

type optState struct {
	unscaled, stepped bool
	foundInf          *torch.Tensor
}

// NewGradScaler returns a scaler for tensors on dev.
func NewGradScaler(dev torch.Device, o GradScalerOptions) *GradScaler {
	if o.InitScale == 0 {
		o.InitScale = 65536
	}
	if o.GrowthFactor == 0 {
		o.GrowthFactor = 2
	}
	if o.BackoffFactor == 0 {
		o.BackoffFactor = 0.5
	}
	if o.GrowthInterval == 0 {
		o.GrowthInterval = 2000
	}
	return &GradScaler{dev: dev, opts: o, perOpt: map[optim.Optimizer]*optState{}}
}

func (s *GradScaler) lazyInit() {
	if s.scale == nil {
		s.scale = torch.Full(nil, s.opts.InitScale, torch.Float32, s.dev).Persist()
		s.tracker = torch.Zeros(nil, torch.Int32, s.dev).Persist()
	}
}

// Scale returns loss multiplied by the current scale.
func (s *GradScaler) Scale(loss *torch.Tensor) *torch.Tensor {
	s.lazyInit()
	return loss.Mul(s.scale)
}

// Unscale divides opt's gradients by the scale, in place, and records
// whether any overflowed. Once per optimizer between Updates.
func (s *GradScaler) Unscale(opt optim.Optimizer) error {
	st := s.state(opt)
	if st.unscaled {
		return fmt.Errorf("amp: Unscale() has already been called on this optimizer since the last Update()")
	}
	if st.stepped {
		return fmt.Errorf("amp: Unscale() is being called after Step()")
	}
	s.lazyInit()
	err := torch.Catch(func() error {
		torch.NoGrad(func() {
			torch.WithScope(func(sc *torch.Scope) {
				// Python: self._scale.double().reciprocal().float().
				inv := s.scale.To(torch.Float64).Reciprocal().To(torch.Float32)
				st.foundInf = torch.Zeros(nil, torch.Float32, s.dev)
				sc.Keep(st.foundInf)
				byDType := map[torch.DType][]*torch.Tensor{}
				var order []torch.DType
				for _, g := range opt.ParamGroups() {
					for _, p := range g.Params {
						gr := p.Grad()
						if gr == nil {
							continue
						}
						if gr.DType() == torch.Float16 {
							panic(&torch.Error{Op: "GradScaler.Unscale", Msg: "Attempting to unscale FP16 gradients."})
						}
						if _, ok := byDType[gr.DType()]; !ok {
							order = append(order, gr.DType())
						}
						byDType[gr.DType()] = append(byDType[gr.DType()], gr)
					}
				}
				for _, dt := range order {
					torch.AmpUnscale_(byDType[dt], st.foundInf, inv)
				}
			})
		})
		return nil
	})
	if err != nil {
		return err
	}
	st.foundInf.Persist()
	st.unscaled = true
	return nil
}

// Step unscales opt's gradients (unless Unscale already did) and runs
// opt.Step unless one of them overflowed; it reports whether it stepped.
func (s *GradScaler) Step(opt optim.Optimizer) (bool, error) {
	st := s.state(opt)
	if st.stepped {
		return false, fmt.Errorf("amp: Step() has already been called since the last Update()")
	}
	if !st.unscaled {
		if err := s.Unscale(opt); err != nil {
			return false, err
		}
	}
	st.stepped = true
	if st.foundInf.Item() != 0 {
		return false, nil
	}
	return true, torch.Catch(func() error { opt.Step(); return nil })
}

// Update adapts the scale after the iteration's Steps: back off after an
// overflow, grow after GrowthInterval clean steps.
func (s *GradScaler) Update() error {
	if s.scale == nil {
		return nil
	}
	err := torch.Catch(func() error {
		torch.WithScope(func(*torch.Scope) {
			found := torch.Zeros(nil, torch.Float32, s.dev)
			for _, st := range s.perOpt {
				if st.foundInf != nil {
					found = found.Add(st.foundInf)
				}
			}
			torch.AmpUpdateScale_(s.scale, s.tracker, found, s.opts.GrowthFactor, s.opts.BackoffFactor, int64(s.opts.GrowthInterval))
		})
		return nil
	})
	for _, st := range s.perOpt {
		st.foundInf.Close()
	}
	s.perOpt = map[optim.Optimizer]*optState{}
	return err
}

// ScaleValue is the current scale (InitScale before the first Scale).
func (s *GradScaler) ScaleValue() float64 {
	if s.scale == nil {
		return s.opts.InitScale
	}
	return s.scale.Item()
}

// GrowthTracker is the number of overflow-free steps since the scale last
// changed.
func (s *GradScaler) GrowthTracker() int64 {
	if s.tracker == nil {
		return 0
	}
	return s.tracker.ItemInt()
}

func (s *GradScaler) state(opt optim.Optimizer) *optState {
	st := s.perOpt[opt]
	if st == nil {
		st = &optState{}
		s.perOpt[opt] = st
	}
	return st
}
