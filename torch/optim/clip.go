package optim

import "github.com/torchgo/torchgo/torch"

// ClipGradNorm scales the gradients of params in place so that their joint
// normType-norm (2 for the Euclidean norm, math.Inf(1) for the largest
// absolute value) is at most maxNorm, exactly as
// torch.nn.utils.clip_grad_norm_; it returns the norm before clipping.
// Parameters without a gradient are skipped. It is torch.ClipGradNorm.
func ClipGradNorm(params []*torch.Tensor, maxNorm, normType float64) float64 {
	return torch.ClipGradNorm(params, maxNorm, normType)
}

// ClipGradValue clamps every gradient of params in place into
// [-clipValue, clipValue], exactly as torch.nn.utils.clip_grad_value_.
// Parameters without a gradient are skipped.
func ClipGradValue(params []*torch.Tensor, clipValue float64) {
	torch.NoGrad(func() {
		for _, p := range params {
			if g := p.Grad(); g != nil {
				g.Clamp_(-clipValue, clipValue)
				g.Close()
			}
		}
	})
}
