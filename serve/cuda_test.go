package serve

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/torchtest"
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/vision/models"
)

// With Options.Device a GPU, the seed's Net runs its batches there (staged
// through pinned memory): batched answers equal answers alone bit for bit,
// and both equal the CPU model's answers to float32 rounding. It skips
// without CUDA (scripts/gpu-check.sh runs it on a GPU, and fails it if
// none is found).
func TestCUDABatchedAnswers(t *testing.T) {
	torchtest.RequireCUDA(t)
	torch.ManualSeed(0)
	path := filepath.Join(t.TempDir(), "net.pt")
	require.NoError(t, models.NewNet().Save(path))
	cpu, gpu := models.NewNet(), models.NewNet()
	require.NoError(t, LoadWeights(cpu, path))
	require.NoError(t, LoadWeights(gpu, path))
	var log batchLog
	s, url := start(t, gpu, Options{
		Decode: &JSONDecoder{Shape: []int64{1, 28, 28}}, Encode: TensorEncoder{},
		MaxBatchSize: 16, MaxDelay: time.Second, OnBatch: log.record, Device: torch.CUDA(0),
	})
	t.Logf("batch sizes kept by the probe on %v: %v", torch.CUDA(0), s.BatchSizes())
	gen := torch.NewGenerator(1)
	var bodies [][]byte
	var want [][]float32
	cpu.Eval()
	torch.NoGrad(func() {
		torch.WithScope(func(*torch.Scope) {
			for i := 0; i < 32; i++ {
				x := torch.Rand([]int64{1, 28, 28}, gen)
				bodies = append(bodies, jsonSample(t, x))
				want = append(want, cpu.Forward(x.Unsqueeze(0)).Select(0, 0).Float32s())
			}
		})
	})
	for i, a := range bitIdentical(t, s, url, &log, bodies) {
		var got struct{ Data []float32 }
		require.NoError(t, json.Unmarshal([]byte(a), &got), a)
		require.InDeltaSlice(t, want[i], got.Data, 1e-4, "request %d: the GPU's answer against the CPU's", i)
	}
}
