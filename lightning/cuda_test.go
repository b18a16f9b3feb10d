package lightning

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/torchtest"
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/nn"
	"github.com/torchgo/torchgo/torch/pt"
)

// Accelerator "cuda" trains on the GPU, to float32 rounding of the CPU run,
// in float32 and in bf16-mixed, and its checkpoint holds CPU-loadable
// float32 weights. Skipped, saying so, without CUDA (fails under
// TORCHGO_REQUIRE_CUDA=1, as scripts/gpu-check.sh runs it).
func TestTrainerOnCUDA(t *testing.T) {
	torchtest.RequireCUDA(t)
	train := func(acc, precision string) (*boring, *Trainer) {
		torch.ManualSeed(0)
		m := newBoring()
		cfg := quietConfig(t)
		cfg.MaxEpochs, cfg.Accelerator, cfg.Precision = 2, acc, precision
		tr := newTrainer(t, cfg)
		require.NoError(t, tr.Fit(m, randomData(0), ""))
		return m, tr
	}
	cpu, _ := train("cpu", "32-true")
	for _, p := range []string{"32-true", "bf16-mixed", "16-mixed"} {
		gpu, tr := train("cuda", p)
		require.True(t, gpu.Layer.Weight.Device().IsCUDA())
		tol := 1e-4
		if p != "32-true" {
			tol = 5e-2
		}
		require.InDeltaSlice(t, torch.ToSlice[float32](cpu.Layer.Weight), torch.ToSlice[float32](gpu.Layer.Weight.To(torch.CPU)), tol, p)
		v, err := pt.Load(tr.CheckpointCallback().BestModelPath())
		require.NoError(t, err)
		sdv, ok := v.(*pt.OrderedDict).Get("state_dict")
		require.True(t, ok)
		sd, err := nn.StateDictFromPT(sdv.(*pt.OrderedDict))
		require.NoError(t, err)
		for _, n := range sd {
			require.Equal(t, torch.Float32, n.Tensor.DType(), n.Name)
			require.False(t, n.Tensor.Device().IsCUDA(), n.Name)
		}
	}
}
