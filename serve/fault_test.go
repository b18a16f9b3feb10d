package serve

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/childtest"
	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/vision/models"
)

// digitOptions serve 28×28 grey PNGs to a (N, 1, 28, 28) model.
func digitOptions() Options {
	return Options{Decode: &ImageDecoder{Width: 28, Height: 28, Gray: true}, Encode: Classifier{}}
}

func digitPNG(t *testing.T, w, h int) []byte {
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))))
	return buf.Bytes()
}

// With the queue full (MaxQueue requests admitted, one held in a forward),
// a burst of 100 more is answered 503 with Retry-After at once; the
// service stays healthy, and the admitted requests are answered once the
// forward goes on.
func TestBurstBeyondQueueGetsFast503(t *testing.T) {
	g := newGate(func(x *torch.Tensor) *torch.Tensor { return models.NewNet().Forward(x) })
	o := digitOptions()
	o.MaxQueue, o.MaxBatchSize, o.MaxDelay = 4, 1, -1
	s, url := start(t, g, o)
	g.arm()
	digit := digitPNG(t, 28, 28)
	held := make(chan answer, 4)
	for i := 0; i < 4; i++ {
		go func() { held <- post(url, digit) }()
	}
	waitFor(t, "4 requests admitted", func() bool { return len(s.slots) == 4 })
	<-g.entered

	burst := postAll(url, slices.Repeat([][]byte{digit}, 100))
	var took []time.Duration
	for _, a := range burst {
		require.NoError(t, a.err)
		require.Equal(t, http.StatusServiceUnavailable, a.status, a.body)
		require.Equal(t, "1", a.retry)
		require.Equal(t, "server busy: 4 requests already queued or in progress; retry after 1 s\n", a.body)
		took = append(took, a.took)
	}
	slices.Sort(took)
	t.Logf("100 refusals: median %v, slowest %v", took[50], took[99])
	require.Less(t, took[99], 2*time.Second)
	requireHealthy(t, url)
	code, _ := get(t, url+"/readyz")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, 100.0, metric(t, url, `torchgo_serve_requests_total{code="503"}`))
	require.Equal(t, 4.0, metric(t, url, `torchgo_serve_requests_in_progress`))

	g.release()
	for i := 0; i < 4; i++ {
		a := <-held
		require.NoError(t, a.err)
		require.Equal(t, http.StatusOK, a.status, a.body)
	}
	a := post(url, digit)
	require.Equal(t, http.StatusOK, a.status, a.body)
	require.Equal(t, 5.0, metric(t, url, `torchgo_serve_requests_total{code="200"}`))
}

// A request whose deadline passes while it waits is answered 504 at its
// deadline and dropped from the batch it would have joined: the batch runs
// without it.
func TestDeadlineDropsRequestFromBatch(t *testing.T) {
	g := newGate(flat)
	var log batchLog
	s, url := start(t, g, Options{
		Decode: &JSONDecoder{Shape: []int64{2}}, Encode: TensorEncoder{},
		MaxBatchSize: 4, MaxDelay: -1, Inexact: true, OnBatch: log.record,
	})
	g.arm()
	first := make(chan answer, 1)
	go func() { first <- post(url, []byte(`{"data":[1,2]}`)) }()
	<-g.entered // the first request's forward holds the only worker
	late := make(chan answer, 1)
	go func() { late <- post(url, []byte(`{"data":[3,4]}`), "X-Timeout-Ms", "150") }()
	ontime := make(chan answer, 1)
	go func() { ontime <- post(url, []byte(`{"data":[5,6]}`)) }()
	waitFor(t, "both queued", func() bool { return len(s.queue) == 2 })

	a := <-late
	require.NoError(t, a.err)
	require.Equal(t, http.StatusGatewayTimeout, a.status, a.body)
	require.Equal(t, "deadline of 150ms passed before the request's batch ran\n", a.body)
	require.GreaterOrEqual(t, a.took, 140*time.Millisecond)
	require.Less(t, a.took, 3*time.Second)

	log.reset()
	g.release()
	a = <-first
	require.Equal(t, http.StatusOK, a.status, a.body)
	require.Equal(t, "{\"shape\":[2],\"dtype\":\"float32\",\"data\":[2,4]}\n", a.body)
	a = <-ontime
	require.Equal(t, http.StatusOK, a.status, a.body)
	require.Equal(t, "{\"shape\":[2],\"dtype\":\"float32\",\"data\":[10,12]}\n", a.body)
	waitFor(t, "the drop counted", func() bool {
		return metric(t, url, `torchgo_serve_dropped_total{reason="deadline"}`) == 1
	})
	sizes, drops := log.settled(3)
	require.Equal(t, []int{1, 1}, sizes, "the first request's forward, then the on-time one's alone")
	require.Equal(t, 1, drops)
	require.Equal(t, 1.0, metric(t, url, `torchgo_serve_requests_total{code="504"}`))

	a = post(url, []byte(`{"data":[1,2]}`), "X-Timeout-Ms", "soon")
	require.Equal(t, http.StatusBadRequest, a.status)
	require.Equal(t, "X-Timeout-Ms is \"soon\"; want a positive number of milliseconds\n", a.body)
}

// Bad input is refused with the right status before any tensor is made.
func TestBadInputRefusedBeforeAnyTensor(t *testing.T) {
	_, jurl := start(t, ModelFunc(flat), Options{
		Decode: &JSONDecoder{Shape: []int64{2, 3}}, Encode: TensorEncoder{}, MaxBodyBytes: 4096, Inexact: true,
	})
	_, iurl := start(t, ModelFunc(flat), digitOptions())
	for _, c := range []struct {
		url, name string
		body      []byte
		status    int
		text      string
	}{
		{jurl, "not JSON", []byte("garbage"), 400, "body is not a JSON object {\"data\": [...]}\n"},
		{jurl, "no data", []byte(`{"shape":[2,3]}`), 400, "body has no \"data\"\n"},
		{jurl, "wrong shape", []byte(`{"shape":[3,2],"data":[1,2,3,4,5,6]}`), 400, "shape [3 2]; the model takes [2 3]\n"},
		{jurl, "too few", []byte(`{"data":[1,2,3]}`), 400, "3 values; the model takes [2 3] (6 values)\n"},
		{jurl, "too many", []byte(`{"data":[1,2,3,4,5,6,7]}`), 400, "over 6 values; the model takes [2 3]\n"},
		{jurl, "bad nesting", []byte(`{"data":[[1,2],[3,4],[5,6]]}`), 400, "\"data\" is not a flat or [2 3]-nested list of numbers\n"},
		{jurl, "not numbers", []byte(`{"data":[1,2,3,4,5,"x"]}`), 400, "\"data\" is not a flat or [2 3]-nested list of numbers\n"},
		{jurl, "out of float32 range", []byte(`{"data":[1,2,3,4,5,1e39]}`), 400, "value 1e39 is not a float32\n"},
		{jurl, "trailing data", []byte(`{"data":[1,2,3,4,5,6]} {}`), 400, "bad JSON: data after the object\n"},
		{jurl, "body over the limit", bytes.Repeat([]byte(" "), 4097), 413, "request body is over 4096 bytes\n"},
		{iurl, "not an image", []byte("GIF89a"), 400, "body is not a PNG or JPEG image: image: unknown format\n"},
		{iurl, "empty", nil, 400, "body is not a PNG or JPEG image: image: unknown format\n"},
		{iurl, "wrong size", digitPNG(t, 28, 27), 400, "image is 28x27; the model wants 28x28\n"},
		{iurl, "over a side", digitPNG(t, 5000, 1), 413, "image is 5000x1; at most 4096 pixels a side and 4194304 in all accepted (the model wants 28x28)\n"},
		{iurl, "over the pixels", digitPNG(t, 2100, 2100), 413, "image is 2100x2100; at most 4096 pixels a side and 4194304 in all accepted (the model wants 28x28)\n"},
	} {
		live := torch.LiveTensors()
		a := post(c.url, c.body)
		require.NoError(t, a.err, c.name)
		require.Equal(t, c.status, a.status, "%s: %s", c.name, a.body)
		require.Equal(t, c.text, a.body, c.name)
		require.Equal(t, live, torch.LiveTensors(), "%s: a tensor was made", c.name)
	}
	// Nested data in the sample's shape is accepted too.
	a := post(jurl, []byte(`{"shape":[2,3],"data":[[1,2,3],[4,5,6]]}`))
	require.Equal(t, http.StatusOK, a.status, a.body)
	require.Equal(t, "{\"shape\":[6],\"dtype\":\"float32\",\"data\":[2,4,6,8,10,12]}\n", a.body)

	// A body over the limit without a Content-Length (chunked) is cut off
	// while being read.
	req, err := http.NewRequest("POST", jurl+"/predict", io.MultiReader(strings.NewReader(strings.Repeat(" ", 5000))))
	require.NoError(t, err)
	req.ContentLength = -1
	resp, err := client.Do(req)
	require.NoError(t, err)
	text, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	require.Equal(t, "request body is over 4096 bytes\n", string(text))
	requireHealthy(t, jurl)
	requireHealthy(t, iurl)
}

// pngChunk appends one PNG chunk: length, type, data and CRC-32 of type+data.
func pngChunk(buf *bytes.Buffer, typ string, data []byte) {
	binary.Write(buf, binary.BigEndian, uint32(len(data)))
	buf.WriteString(typ)
	buf.Write(data)
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	binary.Write(buf, binary.BigEndian, crc.Sum32())
}

// bombPNG is a well-formed PNG claiming width×height RGBA at 16 bits a
// sample (65535×65535 is 34 GB decoded), with one tiny IDAT.
func bombPNG(t *testing.T, width, height uint32) []byte {
	var buf bytes.Buffer
	buf.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := binary.BigEndian.AppendUint32(nil, width)
	ihdr = binary.BigEndian.AppendUint32(ihdr, height)
	ihdr = append(ihdr, 16, 6, 0, 0, 0)
	pngChunk(&buf, "IHDR", ihdr)
	var idat bytes.Buffer
	zw := zlib.NewWriter(&idat)
	zw.Write(make([]byte, 9))
	require.NoError(t, zw.Close())
	pngChunk(&buf, "IDAT", idat.Bytes())
	pngChunk(&buf, "IEND", nil)
	return buf.Bytes()
}

// A decompression bomb (a 74-byte PNG claiming 65535×65535) is refused
// from its header, quickly and without a memory spike, 20 times at once.
func TestDecompressionBombRefused(t *testing.T) {
	bomb := bombPNG(t, 65535, 65535)
	cfg, err := png.DecodeConfig(bytes.NewReader(bomb))
	require.NoError(t, err)
	require.Equal(t, 65535, cfg.Width)
	_, url := start(t, ModelFunc(flat), digitOptions())

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rss := rssMiB()
	startT := time.Now()
	for _, a := range postAll(url, slices.Repeat([][]byte{bomb}, 20)) {
		require.NoError(t, a.err)
		require.Equal(t, http.StatusRequestEntityTooLarge, a.status)
		require.Equal(t, "image is 65535x65535; at most 4096 pixels a side and 4194304 in all accepted (the model wants 28x28)\n", a.body)
	}
	elapsed := time.Since(startT)
	runtime.ReadMemStats(&after)
	grown := rssMiB() - rss
	t.Logf("%d-byte bomb: 20 refusals in %v, %d bytes allocated, RSS %+.1f MiB", len(bomb), elapsed, after.TotalAlloc-before.TotalAlloc, grown)
	require.Less(t, elapsed, 5*time.Second)
	require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<20))
	require.Less(t, grown, 64.0)
	requireHealthy(t, url)
}

// Slow clients are cut off by the server's timeouts: one sending its
// headers a byte at a time after ReadHeader, one trickling its body after
// Read; the slot the second held is freed and the server stays healthy.
func TestSlowClientsCutOff(t *testing.T) {
	o := digitOptions()
	o.HTTP = Timeouts{ReadHeader: 200 * time.Millisecond, Read: 600 * time.Millisecond, Write: 5 * time.Second, Idle: 5 * time.Second}
	o.Logger = quietLogger()
	s, err := New(ModelFunc(flat), o)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go s.Serve(ln)
	defer s.Close()
	url := "http://" + ln.Addr().String()
	requireHealthy(t, url)

	// cutOff sends request's first fast bytes at once, then the rest a
	// byte per pause, and reads until the server closes the connection.
	cutOff := func(name string, request []byte, fast int, pause time.Duration) (time.Duration, int, string) {
		conn, err := net.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		defer conn.Close()
		var wg sync.WaitGroup
		var sent atomic.Int64
		_, err = conn.Write(request[:fast])
		require.NoError(t, err)
		sent.Store(int64(fast))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, b := range request[fast:] {
				if _, err := conn.Write([]byte{b}); err != nil {
					return
				}
				sent.Add(1)
				time.Sleep(pause)
			}
		}()
		startT := time.Now()
		require.NoError(t, conn.SetReadDeadline(startT.Add(8*time.Second)))
		got, err := io.ReadAll(conn)
		elapsed := time.Since(startT)
		conn.Close()
		wg.Wait()
		var ne net.Error
		require.False(t, errors.As(err, &ne) && ne.Timeout(), "%s: never cut off", name)
		t.Logf("%s: cut off after %v with %d of %d bytes sent: %q", name, elapsed, sent.Load(), len(request), got)
		return elapsed, int(sent.Load()), string(got)
	}
	headers := []byte("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + strings.Repeat("z", 40) + "\r\n\r\n")
	elapsed, sent, got := cutOff("slow headers", headers, 0, 50*time.Millisecond)
	require.Less(t, sent, len(headers))
	require.GreaterOrEqual(t, elapsed, 180*time.Millisecond)
	require.Less(t, elapsed, 3*time.Second)

	digit := digitPNG(t, 28, 28)
	req := append([]byte("POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\nContent-Length: "+
		strconv.Itoa(len(digit))+"\r\n\r\n"), digit...)
	head := bytes.Index(req, []byte("\r\n\r\n")) + 4
	// The headers at once, then the body at 20 bytes a second: the handler
	// is admitted and reads until Read (600 ms from the request's start).
	elapsed, sent, got = cutOff("slow body", req, head, 50*time.Millisecond)
	require.Less(t, sent, len(req))
	require.GreaterOrEqual(t, elapsed, 500*time.Millisecond)
	require.Less(t, elapsed, 4*time.Second)
	if got != "" {
		require.True(t, strings.HasPrefix(got, "HTTP/1.1 400 ") || strings.HasPrefix(got, "HTTP/1.1 408 "), "%q", got)
	}
	waitFor(t, "slots freed", func() bool { return len(s.slots) == 0 })
	requireHealthy(t, url)
	a := post(url, digit)
	require.Equal(t, http.StatusOK, a.status, a.body)
}

// Shutdown under load: 32 requests admitted (queued or in a held forward)
// are all answered 200 before Shutdown returns; meanwhile /readyz answers
// 503 and new connections are refused.
func TestShutdownAnswersEveryAdmittedRequest(t *testing.T) {
	g := newGate(flat)
	o := Options{Decode: &JSONDecoder{Shape: []int64{2}}, Encode: TensorEncoder{}, MaxBatchSize: 4, MaxDelay: -1, Inexact: true, Logger: quietLogger()}
	s, err := New(g, o)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	url := "http://" + ln.Addr().String()
	g.arm()
	fresh := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	const n = 32
	answers := make(chan answer, n)
	for i := 0; i < n; i++ {
		go func() {
			resp, err := fresh.Post(url+"/predict", "application/json", strings.NewReader(`{"data":[1,2]}`))
			if err != nil {
				answers <- answer{err: err}
				return
			}
			text, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			answers <- answer{status: resp.StatusCode, body: string(text), err: err}
		}()
	}
	waitFor(t, "all admitted", func() bool { return len(s.slots) == n })
	<-g.entered

	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		shut <- s.Shutdown(ctx)
	}()
	waitFor(t, "not ready", func() bool {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		return rec.Code == http.StatusServiceUnavailable
	})
	waitFor(t, "listener closed", func() bool {
		c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v with requests held", err)
	default:
	}
	g.release()
	for i := 0; i < n; i++ {
		a := <-answers
		require.NoError(t, a.err)
		require.Equal(t, http.StatusOK, a.status, a.body)
		require.Equal(t, "{\"shape\":[2],\"dtype\":\"float32\",\"data\":[2,4]}\n", a.body)
	}
	require.NoError(t, <-shut)
	require.ErrorIs(t, <-served, http.ErrServerClosed)
	// A prediction reaching the handler after the drain is refused, not lost.
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("POST", "/predict", strings.NewReader(`{"data":[1,2]}`)))
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	require.Equal(t, "server shutting down; retry after 1 s\n", rec.Body.String())
}

// Health, readiness and metrics endpoints.
func TestHealthReadinessMetrics(t *testing.T) {
	s, url := start(t, ModelFunc(flat), Options{Decode: &JSONDecoder{Shape: []int64{2}}, Encode: TensorEncoder{}, MaxBatchSize: 4})
	requireHealthy(t, url)
	code, text := get(t, url+"/readyz")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "ready\n", text)
	for i := 0; i < 3; i++ {
		require.Equal(t, http.StatusOK, post(url, []byte(`{"data":[1,2]}`)).status)
	}
	require.Equal(t, http.StatusBadRequest, post(url, []byte(`{}`)).status)
	_, text = get(t, url+"/metrics")
	for _, name := range []string{
		`torchgo_serve_requests_total{code="200"} 3`,
		`torchgo_serve_requests_total{code="400"} 1`,
		`torchgo_serve_request_duration_seconds_bucket{code="200",le="+Inf"} 3`,
		`torchgo_serve_batch_size_count 3`,
		`torchgo_serve_batch_size_bucket{le="4"} 3`,
		`torchgo_serve_forward_duration_seconds_count 3`,
		`torchgo_serve_queue_wait_seconds_count 3`,
		`torchgo_serve_queue_depth 0`,
		`torchgo_serve_requests_in_progress 0`,
		`torchgo_serve_ready 1`,
		`torchgo_serve_dropped_total{reason="deadline"} 0`,
		"process_resident_memory_bytes ",
		"go_goroutines ",
	} {
		require.Contains(t, text, name)
	}
	require.NoError(t, s.Shutdown(context.Background()))
	code, _ = get(t, url+"/readyz")
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Equal(t, 0.0, metric(t, url, "torchgo_serve_ready"))
	requireHealthy(t, url)
}

// A TorchScript file traced by Python serves as the nn module does: each
// answer equals the script module's own forward of that sample alone, bit
// for bit, batched or not.
func TestTorchScriptModel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "net_script.pt")
	var done bool
	pyref.Run(t, `
from seednet import Net
torch.manual_seed(0)
m = Net().eval()
torch.jit.trace(m, torch.rand(1, 1, 28, 28)).save(IN["path"])
out(True)
`, map[string]string{"path": path}, &done)
	m, err := LoadTorchScript(path, torch.Device{})
	require.NoError(t, err)
	var log batchLog
	s, url := start(t, m, Options{
		Decode: &JSONDecoder{Shape: []int64{1, 28, 28}}, Encode: TensorEncoder{},
		MaxBatchSize: 8, MaxDelay: time.Second, OnBatch: log.record,
	})
	gen := torch.NewGenerator(3)
	var bodies [][]byte
	var want []string
	torch.NoGrad(func() {
		torch.WithScope(func(*torch.Scope) {
			for i := 0; i < 16; i++ {
				x := torch.Rand([]int64{1, 28, 28}, gen)
				bodies = append(bodies, jsonSample(t, x))
				want = append(want, tensorJSON(t, m.Forward(x.Unsqueeze(0)).Select(0, 0)))
			}
		})
	})
	require.Equal(t, want, bitIdentical(t, s, url, &log, bodies))

	_, err = LoadTorchScript(filepath.Join(t.TempDir(), "missing.pt"), torch.Device{})
	require.Error(t, err)
	require.Error(t, LoadWeights(models.NewNet(), path), "a TorchScript archive is not a state dict")
}

// Under steady load from 64 clients the process's resident memory stays
// flat: after a warm-up, no sample exceeds the first by more than 10%. It
// runs for 3 s, or 5 minutes with TORCHGO_SOAK=1 (scripts/test.sh sets
// it), in a child process so that other tests' memory does not count; no
// request fails.
func TestLoadRSSFlat(t *testing.T) {
	const soakClients = 64
	dur := 3 * time.Second
	if os.Getenv("TORCHGO_SOAK") == "1" {
		dur = 5 * time.Minute
	}
	res := childtest.Run(t, dur+2*time.Minute, func(t *testing.T) {
		torch.ManualSeed(0)
		o := digitOptions()
		o.MaxBatchSize = 16
		s, url := start(t, models.NewNet(), o)
		t.Logf("batch sizes %v", s.BatchSizes())
		var digits [][]byte
		for i := 0; i < 16; i++ {
			img := image.NewGray(image.Rect(0, 0, 28, 28))
			for p := range img.Pix {
				img.Pix[p] = uint8(p*7 + i*31)
			}
			var buf bytes.Buffer
			require.NoError(t, png.Encode(&buf, img))
			digits = append(digits, buf.Bytes())
		}
		// A connection per client, kept alive (the shared client keeps 2).
		keep := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: soakClients}}
		var ok, failed atomic.Int64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for c := 0; c < soakClients; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := c; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					resp, err := keep.Post(url+"/predict", "image/png", bytes.NewReader(digits[i%len(digits)]))
					if err == nil {
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
					if err == nil && resp.StatusCode == 200 {
						ok.Add(1)
					} else {
						failed.Add(1)
					}
				}
			}()
		}
		warm := max(dur/5, time.Second)
		time.Sleep(warm)
		base := rssMiB()
		peak := base
		startN, startT := ok.Load(), time.Now()
		tick := time.NewTicker(dur / 40)
		for time.Since(startT) < dur-warm {
			<-tick.C
			peak = max(peak, rssMiB())
		}
		tick.Stop()
		close(stop)
		wg.Wait()
		rate := float64(ok.Load()-startN) / time.Since(startT).Seconds()
		t.Logf("%v at concurrency %d: %d answered, %d failed, %.0f req/s; RSS after warm-up %.1f MiB, peak %.1f MiB (%+.1f%%)",
			dur, soakClients, ok.Load(), failed.Load(), rate, base, peak, 100*(peak-base)/base)
		require.Zero(t, failed.Load())
		require.LessOrEqual(t, peak, base*1.10)
		require.NoError(t, s.Shutdown(context.Background()))
	})
	t.Logf("child: %v, peak RSS %.0f MiB\n%s", res.Elapsed, res.MiB(), res.Output)
	require.NoError(t, res.Err)
}
