package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"net"
	"net/http"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/serve"
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/vision/models"
)

// started runs the command with args in the background and returns its
// server, address and exit status channel, with the test's hook in place.
func started(t *testing.T, ctx context.Context, args ...string) (*serve.Server, string, <-chan int, *bytes.Buffer) {
	t.Helper()
	type up struct {
		s    *serve.Server
		addr net.Addr
	}
	ready := make(chan up, 1)
	onListening = func(s *serve.Server, a net.Addr) { ready <- up{s, a} }
	t.Cleanup(func() { onListening = nil })
	code := make(chan int, 1)
	var logs syncBuffer
	go func() { code <- run(ctx, append(args, "--addr", "127.0.0.1:0"), &logs) }()
	select {
	case u := <-ready:
		return u.s, "http://" + u.addr.String(), code, &logs.buf
	case c := <-code:
		t.Fatalf("serve exited with %d:\n%s", c, logs.String())
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not start")
	}
	return nil, "", nil, nil
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func digitPNG(t *testing.T, seed int) []byte {
	img := image.NewGray(image.Rect(0, 0, 28, 28))
	for i := range img.Pix {
		img.Pix[i] = uint8(i*13 + seed*71)
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// answered sums the server's requests_total over codes.
func answered(t *testing.T, s *serve.Server) float64 {
	mfs, err := s.Registry().Gather()
	require.NoError(t, err)
	var n float64
	for _, mf := range mfs {
		if mf.GetName() == "torchgo_serve_requests_total" {
			for _, m := range mf.GetMetric() {
				n += m.GetCounter().GetValue()
			}
		}
	}
	return n
}

// `serve --model net.pt --arch seed-net` serves the seed's weights; SIGTERM
// under load from 16 clients drains it: every request the server took is
// answered (the server's count of answers equals the clients' count of
// responses), the answers are right, and the command exits 0.
func TestSeedNetSIGTERMUnderLoad(t *testing.T) {
	torch.ManualSeed(0)
	model := models.NewNet()
	path := filepath.Join(t.TempDir(), "mnist.pt")
	require.NoError(t, model.Save(path))
	digit := digitPNG(t, 0)
	var wantClass int
	torch.NoGrad(func() {
		torch.WithScope(func(*torch.Scope) {
			img, _ := png.Decode(bytes.NewReader(digit))
			x := torch.FromBytes(img.(*image.Gray).Pix, torch.Uint8, []int64{1, 1, 28, 28}).To(torch.Float32).DivScalar(255)
			wantClass = int(model.Forward(x).Argmax().ItemInt())
		})
	})

	// The command's own signal handling, as main sets it up.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	s, url, code, logs := started(t, ctx, "--model", path, "--arch", "seed-net", "--max-delay", "5ms", "--workers", "2", "--threads", "1")

	fresh := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	var responses, ok, refused, lost atomic.Int64
	var wrong, lastLost atomic.Value
	var wg sync.WaitGroup
	stopLoad := make(chan struct{})
	for c := 0; c < 16; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5000; i++ {
				select {
				case <-stopLoad:
					return
				default:
				}
				resp, err := fresh.Post(url+"/predict", "image/png", bytes.NewReader(digit))
				if err != nil {
					var op *net.OpError
					if strings.Contains(err.Error(), "connection refused") || (errorsAs(err, &op) && op.Op == "dial") {
						refused.Add(1)
						return
					}
					if strings.Contains(err.Error(), "connection reset") {
						// In the listen backlog when the listener closed: never accepted.
						refused.Add(1)
						return
					}
					lost.Add(1)
					lastLost.Store(err.Error())
					continue
				}
				text, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				responses.Add(1)
				if resp.StatusCode == http.StatusOK {
					var p serve.Prediction
					if json.Unmarshal(text, &p) != nil || p.Class != wantClass {
						wrong.Store(string(text))
					}
					ok.Add(1)
				}
			}
		}()
	}
	time.Sleep(time.Second)
	before := ok.Load()
	require.NoError(t, syscall.Kill(syscall.Getpid(), syscall.SIGTERM))
	select {
	case c := <-code:
		require.Equal(t, 0, c, logs.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not exit after SIGTERM")
	}
	close(stopLoad)
	wg.Wait()
	t.Logf("%d answered 200 before SIGTERM, %d in all; %d responses, %d clients refused after (connection refused or reset), %d requests sent without an answer",
		before, ok.Load(), responses.Load(), refused.Load(), lost.Load())
	require.Zero(t, lost.Load(), "e.g. %v", lastLost.Load())
	require.Nil(t, wrong.Load())
	require.Greater(t, before, int64(0))
	require.Equal(t, float64(responses.Load()), answered(t, s), "the server answered requests the clients never got")
	require.Contains(t, logs.String(), "serve: stopped")
}

func errorsAs(err error, target **net.OpError) bool {
	for err != nil {
		if op, ok := err.(*net.OpError); ok {
			*target = op
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

// `serve --torchscript` serves any TorchScript file, here Python's trace
// of the seed's Net with JSON input, answering the raw output row.
func TestTorchScriptFlag(t *testing.T) {
	path := filepath.Join(t.TempDir(), "net_script.pt")
	var want []float32
	pyref.Run(t, `
from seednet import Net
torch.manual_seed(0)
m = Net().eval()
torch.jit.trace(m, torch.rand(1, 1, 28, 28)).save(IN["path"])
with torch.no_grad():
    out(m(torch.full((1, 1, 28, 28), 0.5))[0].tolist())
`, map[string]string{"path": path}, &want)
	ctx, cancel := context.WithCancel(context.Background())
	_, url, code, logs := started(t, ctx, "--torchscript", path, "--input", "json", "--input-shape", "1,28,28", "--output", "tensor")
	data := make([]float32, 784)
	for i := range data {
		data[i] = 0.5
	}
	body, _ := json.Marshal(map[string]any{"data": data})
	resp, err := http.Post(url+"/predict", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	var got serve.TensorAnswer
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var raw struct {
		Data []float32 `json:"data"`
	}
	text, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, json.Unmarshal(text, &got))
	require.NoError(t, json.Unmarshal(text, &raw))
	require.Equal(t, []int64{10}, got.Shape)
	require.InDeltaSlice(t, want, raw.Data, 1e-5)
	resp, err = http.Get(url + "/readyz")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	cancel()
	require.Equal(t, 0, <-code, logs.String())
}

func TestFlagErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		text string
	}{
		{nil, "give --model (with --arch) or --torchscript"},
		{[]string{"--model", "x.pt", "--torchscript", "y.pt"}, "not both"},
		{[]string{"--model", "/nonexistent.pt"}, "no such file"},
		{[]string{"--model", "x.pt", "--max-batch", "0"}, "must be at least 1"},
		{[]string{"--torchscript", "x.pt", "--input", "json"}, "LoadScript"},
		{[]string{"--model", "x.pt", "--arch", "vgg"}, "--arch \"vgg\""},
	} {
		var out bytes.Buffer
		code := run(context.Background(), c.args, &out)
		require.NotEqual(t, 0, code, c.args)
		require.Contains(t, out.String(), c.text, c.args)
	}
}
