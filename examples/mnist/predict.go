package main

import (
	"sort"
	"time"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/vision/models"
)

// predictLatency is the median time, in µs, of classifying one image
// (1, 28, 28) as the seed does: forward, argmax, read the class.
func predictLatency(net *models.Net, img *torch.Tensor) float64 {
	const runs = 2000
	times := make([]float64, runs)
	torch.NoGrad(func() {
		x := img.Unsqueeze(0)
		defer x.Close()
		for i := range times {
			start := time.Now()
			torch.WithScope(func(*torch.Scope) {
				net.Forward(x).ArgmaxDim(1, false).ItemInt()
			})
			times[i] = float64(time.Since(start).Nanoseconds()) / 1e3
		}
	})
	sort.Float64s(times)
	return times[runs/2]
}
