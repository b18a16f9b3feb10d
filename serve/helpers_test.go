package serve

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/torch"
)

// client bounds every test request in time; all traffic is to loopback.
var client = &http.Client{Timeout: 30 * time.Second}

// quietLogger drops the servers' logs below warnings in tests.
func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// start builds a Server and an httptest server in front of it, both
// closed when t ends.
func start(t *testing.T, m Model, o Options) (*Server, string) {
	t.Helper()
	if o.Logger == nil {
		o.Logger = quietLogger()
	}
	s, err := New(m, o)
	require.NoError(t, err)
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		hs.Close()
		s.Close()
	})
	return s, hs.URL
}

// answer is one request's outcome.
type answer struct {
	status int
	retry  string
	body   string
	err    error
	took   time.Duration
}

func post(url string, body []byte, header ...string) answer {
	req, err := http.NewRequest("POST", url+"/predict", bytes.NewReader(body))
	if err != nil {
		return answer{err: err}
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return answer{err: err, took: time.Since(start)}
	}
	defer resp.Body.Close()
	text, err := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, retry: resp.Header.Get("Retry-After"), body: string(text), err: err, took: time.Since(start)}
}

// postAll sends every body at once, each from its own goroutine.
func postAll(url string, bodies [][]byte, header ...string) []answer {
	out := make([]answer, len(bodies))
	var wg sync.WaitGroup
	for i, b := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = post(url, b, header...)
		}()
	}
	wg.Wait()
	return out
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := client.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	text, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(text)
}

func requireHealthy(t *testing.T, url string) {
	t.Helper()
	code, text := get(t, url+"/healthz")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "ok\n", text)
}

// jsonSample is a JSONDecoder body for x's values.
func jsonSample(t *testing.T, x *torch.Tensor) []byte {
	b, err := json.Marshal(map[string]any{"data": x.Float32s()})
	require.NoError(t, err)
	return b
}

// tensorJSON is what TensorEncoder answers for a float32 row.
func tensorJSON(t *testing.T, row *torch.Tensor) string {
	b, err := json.Marshal(TensorAnswer{Shape: row.Shape(), DType: "float32", Data: row.Float32s()})
	require.NoError(t, err)
	return string(b) + "\n"
}

// metric reads one sample's value from the server's /metrics text; name
// includes its labels, e.g. `torchgo_serve_requests_total{code="200"}`.
func metric(t *testing.T, url, name string) float64 {
	t.Helper()
	_, text := get(t, url+"/metrics")
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			v, err := strconv.ParseFloat(rest, 64)
			require.NoError(t, err)
			return v
		}
	}
	return 0
}

// batchLog records the sizes of the forwards a server ran.
type batchLog struct {
	mu    sync.Mutex
	sizes []int
	drops int
}

func (b *batchLog) record(i BatchInfo) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sizes = append(b.sizes, i.Size)
	b.drops += i.Dropped
}

func (b *batchLog) reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sizes, b.drops = nil, 0
}

// settled is snapshot once the logged batches hold n requests, or after
// 5 s: the server reports a batch after its answers have gone out, so a
// client can see its answer before the batch is logged.
func (b *batchLog) settled(n int) ([]int, int) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		sizes, drops := b.snapshot()
		total := drops
		for _, s := range sizes {
			total += s
		}
		if total >= n || time.Now().After(deadline) {
			return sizes, drops
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (b *batchLog) snapshot() ([]int, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]int(nil), b.sizes...), b.drops
}

// gate is a model that runs f, but waits first while closed (once armed),
// so that tests can hold requests in a forward.
type gate struct {
	mu      sync.Mutex
	armed   bool
	open    chan struct{}
	entered chan struct{} // receives once per forward while armed
	f       func(x *torch.Tensor) *torch.Tensor
}

func newGate(f func(x *torch.Tensor) *torch.Tensor) *gate {
	return &gate{open: make(chan struct{}), entered: make(chan struct{}, 1024), f: f}
}

func (g *gate) arm() {
	g.mu.Lock()
	g.armed = true
	g.mu.Unlock()
}

func (g *gate) release() { close(g.open) }

func (g *gate) Forward(x *torch.Tensor) *torch.Tensor {
	g.mu.Lock()
	armed := g.armed
	g.mu.Unlock()
	if armed {
		g.entered <- struct{}{}
		<-g.open
	}
	return g.f(x)
}

// flat is a tiny model: each sample flattened and doubled.
func flat(x *torch.Tensor) *torch.Tensor { return x.Flatten(1, -1).MulScalar(2) }

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// rssMiB is this process's resident set size in MiB.
func rssMiB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}
