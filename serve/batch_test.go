package serve

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/cpu"

	"github.com/torchgo/torchgo/internal/childtest"
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/nn"
	"github.com/torchgo/torchgo/torch/pt"
	"github.com/torchgo/torchgo/vision/models"
)

// bitIdentical serves every body alone (one request at a time, so each
// forward has batch size 1), then all at once, and requires the same
// answers byte for byte, and that some forward of the second round held
// more than one request when the server runs batch sizes above 1.
func bitIdentical(t *testing.T, s *Server, url string, log *batchLog, bodies [][]byte) []string {
	t.Helper()
	alone := make([]string, len(bodies))
	for i, b := range bodies {
		a := post(url, b)
		require.NoError(t, a.err)
		require.Equal(t, 200, a.status, a.body)
		alone[i] = a.body
	}
	sizes, _ := log.settled(len(bodies))
	require.Equal(t, len(bodies), len(sizes))
	for _, n := range sizes {
		require.Equal(t, 1, n)
	}
	log.reset()
	together := postAll(url, bodies)
	for i, a := range together {
		require.NoError(t, a.err)
		require.Equal(t, 200, a.status, a.body)
		require.Equal(t, alone[i], a.body, "request %d: batched answer differs from its answer alone", i)
	}
	sizes, _ = log.settled(len(bodies))
	t.Logf("batch sizes run: %v (allowed %v)", sizes, s.BatchSizes())
	if len(s.BatchSizes()) > 1 {
		require.Greater(t, slices.Max(sizes), 1, "no request was batched with another")
	}
	return alone
}

// The seed's Net, with weights from a .pt state dict: 48 requests served
// together, in batches, get the answers they get alone, bit for bit; those
// equal the model's own forward of each sample alone.
func TestBatchedAnswersBitIdenticalNet(t *testing.T) {
	torch.ManualSeed(0)
	path := filepath.Join(t.TempDir(), "net.pt")
	require.NoError(t, models.NewNet().Save(path))
	net := models.NewNet()
	require.NoError(t, LoadWeights(net, path))

	var log batchLog
	s, url := start(t, net, Options{
		Decode: &JSONDecoder{Shape: []int64{1, 28, 28}}, Encode: TensorEncoder{},
		MaxBatchSize: 16, MaxDelay: time.Second, OnBatch: log.record,
	})
	t.Logf("batch sizes kept by the probe: %v", s.BatchSizes())
	gen := torch.NewGenerator(1)
	var bodies [][]byte
	var want []string
	torch.NoGrad(func() {
		torch.WithScope(func(*torch.Scope) {
			for i := 0; i < 48; i++ {
				x := torch.Rand([]int64{1, 28, 28}, gen)
				bodies = append(bodies, jsonSample(t, x))
				want = append(want, tensorJSON(t, net.Forward(x.Unsqueeze(0)).Select(0, 0)))
			}
		})
	})
	alone := bitIdentical(t, s, url, &log, bodies)
	require.Equal(t, want, alone)
}

// ResNet-18 with weights from a safetensors file, on 224×224 JPEGs
// normalised as torchvision's ImageNet transforms do: batched answers are
// bit-identical to answers alone, in contiguous and channels-last memory
// format. It runs in a child process with
// OPENBLAS_CORETYPE=Haswell on AVX-512 machines, where OpenBLAS's
// small-matrix SGEMM kernel otherwise makes every batch size above 1
// differ from batch size 1 in the fc layer (the probe would then, rightly,
// run batch size 1 only); the child requires the probe to keep at least one
// batch size above 1.
func TestBatchedAnswersBitIdenticalResNet18(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: ResNet-18 forwards take a few seconds")
	}
	if runtime.GOARCH == "amd64" && cpu.X86.HasAVX512F && os.Getenv("OPENBLAS_CORETYPE") == "" {
		t.Setenv("OPENBLAS_CORETYPE", "Haswell")
	}
	res := childtest.Run(t, 5*time.Minute, func(t *testing.T) {
		torch.ManualSeed(0)
		path := filepath.Join(t.TempDir(), "resnet18.safetensors")
		src := models.NewResNet18(1000)
		torch.WithScope(func(*torch.Scope) {
			require.NoError(t, pt.SaveSafetensors(path, nn.StateDictToPT(src.StateDict()), nil))
		})
		var bodies [][]byte
		for i := 0; i < 6; i++ {
			bodies = append(bodies, noiseJPEG(t, 224, 224, int64(i)))
		}
		for _, format := range []torch.MemoryFormat{torch.ContiguousFormat, torch.ChannelsLast} {
			m := models.NewResNet18(1000)
			require.NoError(t, LoadWeights(m, path))
			var log batchLog
			s, url := start(t, m, Options{
				Decode: &ImageDecoder{Width: 224, Height: 224,
					Mean: []float32{0.485, 0.456, 0.406}, Std: []float32{0.229, 0.224, 0.225}},
				Encode:       Classifier{},
				MaxBatchSize: 4, MaxDelay: 2 * time.Second, OnBatch: log.record, MemoryFormat: format,
			})
			t.Logf("OPENBLAS_CORETYPE=%q, %v: batch sizes kept by the probe: %v", os.Getenv("OPENBLAS_CORETYPE"), format, s.BatchSizes())
			// Which sizes are batch-invariant depends on the OpenBLAS build
			// (1.13's Debian 0.3.21 keeps 1, 2 and 4 here; trixie's 0.3.29
			// with libtorch 2.6 keeps 1 and 2): at least one batched size
			// must pass, and every answer must equal serving its request
			// alone.
			require.Greater(t, len(s.BatchSizes()), 1, "%v: no batch size above 1 is bit-identical", format)
			bitIdentical(t, s, url, &log, bodies)
		}
	})
	t.Logf("child: %v, peak RSS %.0f MiB\n%s", res.Elapsed, res.MiB(), res.Output)
	require.NoError(t, res.Err)
}

// noiseJPEG is a w×h JPEG of smooth pseudo-random colours.
func noiseJPEG(t *testing.T, w, h int, seed int64) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	s := uint32(seed*7919 + 1)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			s = s*1664525 + 1013904223
			img.Set(x, y, color.RGBA{uint8(x + int(seed)*40), uint8(y * 2), uint8(s >> 24), 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}))
	return buf.Bytes()
}

// The probe keeps exactly the batch sizes whose rows equal batch size 1:
// a model whose output depends on its batch size from 3 on runs batches
// of 1 and 2 only, and bit-identically; with Inexact it runs them all.
func TestProbeDropsBatchVariantSizes(t *testing.T) {
	variant := ModelFunc(func(x *torch.Tensor) *torch.Tensor {
		time.Sleep(5 * time.Millisecond) // so that requests queue up
		y := x.Flatten(1, -1)
		if x.Size(0) >= 3 {
			y = y.MulScalar(1 + 1e-6)
		}
		return y
	})
	var log batchLog
	s, url := start(t, variant, Options{
		Decode: &JSONDecoder{Shape: []int64{4}}, Encode: TensorEncoder{},
		MaxBatchSize: 8, MaxDelay: time.Second, OnBatch: log.record,
	})
	require.Equal(t, []int{1, 2}, s.BatchSizes())
	var bodies [][]byte
	for i := 0; i < 16; i++ {
		bodies = append(bodies, []byte(`{"data":[1,2,3,`+string(rune('4'+i%6))+`]}`))
	}
	bitIdentical(t, s, url, &log, bodies)
	sizes, _ := log.snapshot()
	for _, n := range sizes {
		require.LessOrEqual(t, n, 2)
	}

	in, _ := start(t, variant, Options{
		Decode: &JSONDecoder{Shape: []int64{4}}, Encode: TensorEncoder{}, MaxBatchSize: 8, Inexact: true,
	})
	require.Equal(t, []int{1, 2, 3, 4, 5, 6, 7, 8}, in.BatchSizes())
	withPref, _ := start(t, variant, Options{
		Decode: &JSONDecoder{Shape: []int64{4}}, Encode: TensorEncoder{}, MaxBatchSize: 8, PreferredBatchSizes: []int{2, 6}, Inexact: true,
	})
	require.Equal(t, []int{1, 2, 6}, withPref.BatchSizes())
}

// On this machine's OpenBLAS and oneDNN, the probe finds the seed's Net
// batch-variant above some size (the documented kernel switches); the
// test records what it keeps for each OPENBLAS_CORETYPE, so that a
// change of libtorch or BLAS shows in the log.
func TestProbeOnNetLogsKeptSizes(t *testing.T) {
	torch.ManualSeed(0)
	s, _ := start(t, models.NewNet(), Options{
		Decode: &JSONDecoder{Shape: []int64{1, 28, 28}}, Encode: TensorEncoder{}, MaxBatchSize: 32,
	})
	t.Logf("OPENBLAS_CORETYPE=%q, AVX-512 %v: Net batch sizes kept %v of [1 2 4 8 16 32]",
		os.Getenv("OPENBLAS_CORETYPE"), cpu.X86.HasAVX512F, s.BatchSizes())
	require.Equal(t, 1, s.BatchSizes()[0])
}
