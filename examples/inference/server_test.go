package main

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/serve"
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/vision/datasets"
	"github.com/torchgo/torchgo/vision/models"
)

// handler starts the example's serve.Server for model under lim and
// returns its routes; the server closes when t ends.
func handler(t *testing.T, model serve.Model, lim Limits) http.Handler {
	t.Helper()
	s, err := serve.New(model, options(lim, Timeouts{}, slog.New(slog.NewTextHandler(io.Discard, nil))))
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s.Handler()
}

// newHTTPServer is the http.Server the example's Run builds (serve's).
func newHTTPServer(addr string, h http.Handler, t Timeouts) *http.Server {
	return serve.NewHTTPServer(addr, h, t)
}

// Python trains the seed's Net and saves its weights; the Go server loads
// them and classifies real MNIST test digits sent over loopback as PNGs,
// with exactly Python's predictions (and so its accuracy).
func TestServerMatchesPythonOnMNIST(t *testing.T) {
	py := pyref.Python(t)
	root, err := filepath.Abs("../../data")
	require.NoError(t, err)
	if _, err := os.Stat(filepath.Join(root, "MNIST", "raw")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("MNIST missing under CI in %s", root)
		}
		t.Skipf("MNIST not set up in %s: run scripts/setup.sh", root)
	}
	weights := filepath.Join(t.TempDir(), "py.pt")
	out, err := exec.Command(py, "../../scripts/train_seed_python.py", root, weights, "--eval", "500").Output()
	require.NoError(t, err)
	var want struct {
		Eval        int   `json:"eval"`
		Correct     int   `json:"correct"`
		Predictions []int `json:"predictions"`
	}
	require.NoError(t, json.Unmarshal(out, &want))

	net := models.NewNet()
	require.NoError(t, serve.LoadWeights(net, weights))
	srv := httptest.NewServer(handler(t, net, Limits{}))
	defer srv.Close()

	test, err := datasets.MNIST(root, false)
	require.NoError(t, err)
	defer test.Close()
	images := test.Images.Slice(0, 0, int64(want.Eval), 1).Bytes()
	labels := test.Labels.Int64s()
	correct := 0
	for i := 0; i < want.Eval; i++ {
		var body bytes.Buffer
		require.NoError(t, encodeDigit(&body, images[i*784:(i+1)*784]))
		resp, err := http.Post(srv.URL+"/predict", "image/png", &body)
		require.NoError(t, err)
		var p serve.Prediction
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&p))
		resp.Body.Close()
		require.Equal(t, want.Predictions[i], p.Class, "digit %d", i)
		require.Len(t, p.Probabilities, 10)
		if int64(p.Class) == labels[i] {
			correct++
		}
	}
	t.Logf("%d of %d test digits correct (Python: %d)", correct, want.Eval, want.Correct)
	require.Equal(t, want.Correct, correct)
}

func TestServerRejectsBadInput(t *testing.T) {
	srv := httptest.NewServer(handler(t, models.NewNet(), Limits{}))
	defer srv.Close()
	for name, body := range map[string][]byte{"garbage": []byte("not an image"), "empty": nil} {
		resp, err := http.Post(srv.URL+"/predict", "image/png", bytes.NewReader(body))
		require.NoError(t, err, name)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, name)
		resp.Body.Close()
	}
	var big bytes.Buffer
	require.NoError(t, encodeDigitSized(&big, 32))
	resp, err := http.Post(srv.URL+"/predict", "image/png", &big)
	require.NoError(t, err)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	resp.Body.Close()
}

func encodeDigitSized(w *bytes.Buffer, size int) error {
	img := image.NewGray(image.Rect(0, 0, size, size))
	return png.Encode(w, img)
}

// client bounds every test request in time; all traffic is to loopback.
var client = &http.Client{Timeout: 20 * time.Second}

// post sends body to url's /predict and returns the status, the
// Retry-After header and the answer's text.
func post(t *testing.T, url string, body []byte) (int, string, string) {
	t.Helper()
	resp, err := client.Post(url+"/predict", "image/png", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	text, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header.Get("Retry-After"), string(text)
}

func requireHealthy(t *testing.T, url string) {
	t.Helper()
	resp, err := client.Get(url + "/healthz")
	require.NoError(t, err)
	defer resp.Body.Close()
	text, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "ok\n", string(text))
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

// bombPNG is a well-formed PNG header claiming width×height RGBA at 16 bits
// a sample (8 bytes a pixel: 65535×65535 is 34 GB decoded), followed by one
// tiny IDAT and IEND.
func bombPNG(t *testing.T, width, height uint32) []byte {
	var buf bytes.Buffer
	buf.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := binary.BigEndian.AppendUint32(nil, width)
	ihdr = binary.BigEndian.AppendUint32(ihdr, height)
	ihdr = append(ihdr, 16, 6, 0, 0, 0) // depth 16, RGBA, deflate, adaptive filter, not interlaced
	pngChunk(&buf, "IHDR", ihdr)
	var idat bytes.Buffer
	zw := zlib.NewWriter(&idat)
	zw.Write(make([]byte, 9)) // filter byte and one pixel of the first row
	require.NoError(t, zw.Close())
	pngChunk(&buf, "IDAT", idat.Bytes())
	pngChunk(&buf, "IEND", nil)
	return buf.Bytes()
}

// Issue 16: a 74-byte PNG claiming 65535×65535 at 16 bits made image.Decode
// exhaust memory and kill the server. Its header is read first and the
// image refused before a pixel is allocated; the server stays up.
func TestServerRefusesDecompressionBomb(t *testing.T) {
	bomb := bombPNG(t, 65535, 65535)
	require.Less(t, len(bomb), 200)
	cfg, err := png.DecodeConfig(bytes.NewReader(bomb)) // the CRCs are right: a real PNG header
	require.NoError(t, err)
	require.Equal(t, image.Config{ColorModel: cfg.ColorModel, Width: 65535, Height: 65535}, cfg)

	srv := httptest.NewServer(handler(t, models.NewNet(), Limits{}))
	defer srv.Close()
	requireHealthy(t, srv.URL)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	for i := 0; i < 3; i++ {
		status, _, text := post(t, srv.URL, bomb)
		require.Equal(t, http.StatusRequestEntityTooLarge, status, text)
		require.Equal(t, "image is 65535x65535; at most 4096 pixels a side and 4194304 in all accepted (the model wants 28x28)\n", text)
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	t.Logf("%d-byte PNG claiming 65535x65535x16-bit RGBA: 3 refusals in %v, %d bytes allocated, heap %d -> %d",
		len(bomb), elapsed, after.TotalAlloc-before.TotalAlloc, before.HeapAlloc, after.HeapAlloc)
	require.Less(t, elapsed, 5*time.Second)
	require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<20))
	require.Less(t, int64(after.HeapAlloc)-int64(before.HeapAlloc), int64(64<<20))
	requireHealthy(t, srv.URL)
}

// A valid image over the side or pixel limit is refused before decoding, a
// body over the size limit with 413, and one within them but not 28×28
// with 400.
func TestServerRefusesOversizedImages(t *testing.T) {
	srv := httptest.NewServer(handler(t, models.NewNet(), Limits{MaxBodyBytes: 64 << 10}))
	defer srv.Close()
	encode := func(w, h int) []byte {
		var buf bytes.Buffer
		require.NoError(t, png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))))
		return buf.Bytes()
	}
	for _, c := range []struct {
		w, h   int
		status int
		text   string
	}{
		{5000, 1, http.StatusRequestEntityTooLarge, "image is 5000x1; at most 4096 pixels a side and 4194304 in all accepted (the model wants 28x28)\n"},
		{1, 5000, http.StatusRequestEntityTooLarge, "image is 1x5000; at most 4096 pixels a side and 4194304 in all accepted (the model wants 28x28)\n"},
		{2100, 2100, http.StatusRequestEntityTooLarge, "image is 2100x2100; at most 4096 pixels a side and 4194304 in all accepted (the model wants 28x28)\n"},
		{4096, 1, http.StatusBadRequest, "image is 4096x1; the model wants 28x28\n"},
		{28, 27, http.StatusBadRequest, "image is 28x27; the model wants 28x28\n"},
	} {
		body := encode(c.w, c.h)
		status, _, text := post(t, srv.URL, body)
		require.Equal(t, c.status, status, "%dx%d (%d bytes): %s", c.w, c.h, len(body), text)
		require.Equal(t, c.text, text)
	}
	status, _, text := post(t, srv.URL, make([]byte, 64<<10+1))
	require.Equal(t, http.StatusRequestEntityTooLarge, status, text)
	require.Equal(t, "request body is over 65536 bytes\n", text)
	status, _, text = post(t, srv.URL, encode(28, 28))
	require.Equal(t, http.StatusOK, status, text)
	requireHealthy(t, srv.URL)
}

// heldNet is the seed's Net whose forwards wait, once held is set, until
// release is closed; entered is closed when the first one waits.
type heldNet struct {
	*models.Net
	held             atomic.Bool
	entered, release chan struct{}
	once             sync.Once
}

func (h *heldNet) Forward(x *torch.Tensor) *torch.Tensor {
	if h.held.Load() {
		h.once.Do(func() { close(h.entered) })
		<-h.release
	}
	return h.Net.Forward(x)
}

// With one request allowed in flight and it held, a second is answered 503
// with Retry-After at once; /healthz still answers, and once the first
// finishes the next is served.
func TestServerBoundsRequestsInFlight(t *testing.T) {
	h := &heldNet{Net: models.NewNet(), entered: make(chan struct{}), release: make(chan struct{})}
	entered, release := h.entered, h.release
	srv := httptest.NewServer(handler(t, h, Limits{MaxInFlight: 1}))
	h.held.Store(true)
	defer srv.Close()
	var digit bytes.Buffer
	require.NoError(t, encodeDigit(&digit, make([]byte, 28*28)))

	first := make(chan int, 1)
	go func() {
		resp, err := client.Post(srv.URL+"/predict", "image/png", bytes.NewReader(digit.Bytes()))
		if err != nil {
			first <- -1
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		close(release)
		t.Fatal("first request never reached the handler")
	}
	start := time.Now()
	status, retry, text := post(t, srv.URL, digit.Bytes())
	require.Equal(t, http.StatusServiceUnavailable, status, text)
	require.Equal(t, "1", retry)
	require.Equal(t, "server busy: 1 requests already queued or in progress; retry after 1 s\n", text)
	require.Less(t, time.Since(start), 2*time.Second)
	requireHealthy(t, srv.URL)

	close(release)
	require.Equal(t, http.StatusOK, <-first)
	status, _, text = post(t, srv.URL, digit.Bytes())
	require.Equal(t, http.StatusOK, status, text)
}

// The package's http.Server has its timeouts and header limit set: a
// client sending its headers a byte at a time is cut off after
// ReadHeaderTimeout, and oversized headers get 431.
func TestHTTPServerTimeouts(t *testing.T) {
	d := newHTTPServer("127.0.0.1:0", http.NotFoundHandler(), DefaultTimeouts())
	require.Equal(t, 5*time.Second, d.ReadHeaderTimeout)
	require.Equal(t, 10*time.Second, d.ReadTimeout)
	require.Equal(t, 10*time.Second, d.WriteTimeout)
	require.Equal(t, 60*time.Second, d.IdleTimeout)
	require.Equal(t, 64<<10, d.MaxHeaderBytes)

	const readHeader = 200 * time.Millisecond
	hs := newHTTPServer("", handler(t, models.NewNet(), Limits{}),
		Timeouts{ReadHeader: readHeader, Read: 5 * time.Second, Write: 5 * time.Second, Idle: 5 * time.Second, MaxHeaderBytes: 1 << 10})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go hs.Serve(ln)
	defer hs.Close()
	url := "http://" + ln.Addr().String()
	requireHealthy(t, url)

	// A slowloris: 50 ms a byte, so its headers would take 3.6 s, within
	// ReadTimeout. The server drops it (with a 400 and Connection: close, or
	// without a word) once ReadHeaderTimeout has passed.
	conn, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	request := []byte("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + strings.Repeat("z", 20) + "\r\n\r\n")
	var wg sync.WaitGroup
	var sent int
	wg.Add(1)
	go func() {
		defer wg.Done()
		for _, b := range request {
			if _, err := conn.Write([]byte{b}); err != nil {
				return
			}
			sent++
			time.Sleep(50 * time.Millisecond)
		}
	}()
	start := time.Now()
	require.NoError(t, conn.SetReadDeadline(start.Add(5*time.Second)))
	got, err := io.ReadAll(conn) // to EOF, a reset or the deadline
	elapsed := time.Since(start)
	conn.Close()
	wg.Wait()
	t.Logf("slow client cut off after %v with %d of %d bytes sent: %q, %v", elapsed, sent, len(request), got, err)
	var ne net.Error
	require.False(t, errors.As(err, &ne) && ne.Timeout(), "server never cut the slow client off")
	require.Less(t, sent, len(request))
	require.GreaterOrEqual(t, elapsed, readHeader*9/10)
	require.Less(t, elapsed, 2*time.Second)
	if len(got) > 0 {
		require.True(t, bytes.HasPrefix(got, []byte("HTTP/1.1 400 ")), "%q", got)
		require.Contains(t, string(got), "Connection: close")
	}

	req, err := http.NewRequest("GET", url+"/healthz", nil)
	require.NoError(t, err)
	req.Header.Set("X-Big", strings.Repeat("b", 16<<10))
	resp, err := client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusRequestHeaderFieldsTooLarge, resp.StatusCode)
	requireHealthy(t, url)
}
