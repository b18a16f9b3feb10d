package torch

// Option configures a created tensor: a DType, a Device, a *Generator (for
// random values) or RequiresGrad(). Unset options take PyTorch's defaults:
// Float32 for floating values (Int64 for integer ranges and Randint), the
// CPU, the default generator, no gradient.
type Option interface{ apply(*options) }

type options struct {
	dtype        DType
	hasDType     bool
	device       Device
	hasDevice    bool
	gen          *Generator
	requiresGrad bool
}

func (d DType) apply(o *options)      { o.dtype, o.hasDType = d, true }
func (d Device) apply(o *options)     { o.device, o.hasDevice = d, true }
func (g *Generator) apply(o *options) { o.gen = g }

type requiresGradOption struct{}

func (requiresGradOption) apply(o *options) { o.requiresGrad = true }

// RequiresGrad makes a created tensor a leaf that autograd tracks.
func RequiresGrad() Option { return requiresGradOption{} }

func collect(opts []Option) options {
	o := options{device: CPU}
	for _, op := range opts {
		if op != nil {
			op.apply(&o)
		}
	}
	return o
}

// finish applies RequiresGrad to a new tensor.
func (o options) finish(t *Tensor) *Tensor {
	if o.requiresGrad {
		t.SetRequiresGrad(true)
	}
	return t
}
