package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // JPEG uploads decode too
	"image/png"
	"io"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/nn"
)

// digitSide is the width and height of the digits the model takes (MNIST).
const digitSide = 28

// Prediction is the JSON answer to POST /predict.
type Prediction struct {
	Class         int       `json:"class"`
	Probabilities []float64 `json:"probabilities"`
}

// Limits bounds what one request, and all requests together, may cost the
// server. A zero field takes its value from DefaultLimits.
type Limits struct {
	// MaxBodyBytes bounds a request body; a larger one is refused with 413.
	// A 28×28 PNG is a few hundred bytes.
	MaxBodyBytes int64
	// MaxSide bounds an image's width and height, read from its header
	// before any pixel is decoded; a larger image is refused with 413.
	MaxSide int
	// MaxPixels bounds an image's width×height, read from its header before
	// any pixel is decoded; a larger image is refused with 413.
	MaxPixels int64
	// MaxInFlight bounds the /predict requests being served at once; one
	// more is answered 503 with Retry-After at once rather than queued.
	MaxInFlight int
}

// DefaultLimits returns the limits the server runs with unless told
// otherwise: a 1 MiB body, 4096 pixels a side, 1<<22 pixels in all and 64
// requests in flight (so at most about 64 MiB of bodies held at once).
func DefaultLimits() Limits {
	return Limits{MaxBodyBytes: 1 << 20, MaxSide: 4096, MaxPixels: 1 << 22, MaxInFlight: 64}
}

// withDefaults fills each zero (or negative) field of l from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = d.MaxBodyBytes
	}
	if l.MaxSide <= 0 {
		l.MaxSide = d.MaxSide
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = d.MaxPixels
	}
	if l.MaxInFlight <= 0 {
		l.MaxInFlight = d.MaxInFlight
	}
	return l
}

// Timeouts are the connection limits of the http.Server that newHTTPServer
// builds, so that slow or idle clients cannot hold connections open.
type Timeouts struct {
	ReadHeader     time.Duration // http.Server.ReadHeaderTimeout
	Read           time.Duration // http.Server.ReadTimeout: headers and body
	Write          time.Duration // http.Server.WriteTimeout
	Idle           time.Duration // http.Server.IdleTimeout between keep-alive requests
	MaxHeaderBytes int           // http.Server.MaxHeaderBytes
}

// DefaultTimeouts returns 5 s to read the headers, 10 s to read a request,
// 10 s to write an answer, 60 s idle between requests and 64 KiB of headers.
func DefaultTimeouts() Timeouts {
	return Timeouts{
		ReadHeader:     5 * time.Second,
		Read:           10 * time.Second,
		Write:          10 * time.Second,
		Idle:           60 * time.Second,
		MaxHeaderBytes: 64 << 10,
	}
}

// newHTTPServer returns an http.Server for h on addr with t's timeouts and
// header limit set.
func newHTTPServer(addr string, h http.Handler, t Timeouts) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		MaxHeaderBytes:    t.MaxHeaderBytes,
	}
}

// server classifies 28×28 grey digits with a model taking (N, 1, 28, 28)
// floats in [0, 1] (torchvision's ToTensor) and returning (N, 10) logits.
type server struct {
	mu       sync.Mutex // one forward at a time: libtorch parallelises inside the op
	model    nn.Unary
	limits   Limits
	inFlight chan struct{} // a slot per /predict being served
	// admitted, when set (tests only), runs once a request holds its slot.
	admitted func()
}

// newServer returns a server for model under lim (zero fields default).
func newServer(model nn.Unary, lim Limits) *server {
	model.(nn.Layer).(interface{ Eval() }).Eval()
	lim = lim.withDefaults()
	return &server{model: model, limits: lim, inFlight: make(chan struct{}, lim.MaxInFlight)}
}

func (s *server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /predict", s.predict)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	return mux
}

// requestError is a refused request: the HTTP status and a one-line reason.
type requestError struct {
	status int
	msg    string
}

func (e *requestError) Error() string { return e.msg }

func refuse(status int, format string, args ...any) error {
	return &requestError{status: status, msg: fmt.Sprintf(format, args...)}
}

// digitPixels decodes an image and returns its 28×28 grey pixels. It reads
// the image's dimensions from its header first and refuses, before
// decoding anything, an image over lim or other than 28×28: decoding
// allocates width×height×(up to 8) bytes whatever the body's size.
func digitPixels(body []byte, lim Limits) ([]byte, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(body))
	if err != nil {
		return nil, refuse(http.StatusBadRequest, "body is not a PNG or JPEG image: %v", err)
	}
	w, h := int64(cfg.Width), int64(cfg.Height)
	if w > int64(lim.MaxSide) || h > int64(lim.MaxSide) || w*h > lim.MaxPixels {
		return nil, refuse(http.StatusRequestEntityTooLarge,
			"image is %dx%d; at most %d pixels a side and %d in all accepted (the model wants %dx%d)",
			w, h, lim.MaxSide, lim.MaxPixels, digitSide, digitSide)
	}
	if w != digitSide || h != digitSide {
		return nil, refuse(http.StatusBadRequest, "image is %dx%d; want a %dx%d digit as in MNIST", w, h, digitSide, digitSide)
	}
	img, _, err := image.Decode(bytes.NewReader(body))
	if err != nil {
		return nil, refuse(http.StatusBadRequest, "body is not a PNG or JPEG image: %v", err)
	}
	b := img.Bounds()
	if b.Dx() != digitSide || b.Dy() != digitSide {
		return nil, refuse(http.StatusBadRequest, "image is %dx%d; want a %dx%d digit as in MNIST", b.Dx(), b.Dy(), digitSide, digitSide)
	}
	gray, ok := img.(*image.Gray)
	if !ok {
		gray = image.NewGray(image.Rect(0, 0, digitSide, digitSide))
		draw.Draw(gray, gray.Bounds(), img, b.Min, draw.Src)
	}
	pix := make([]byte, 0, digitSide*digitSide)
	for y := 0; y < digitSide; y++ {
		row := gray.Pix[y*gray.Stride : y*gray.Stride+digitSide]
		pix = append(pix, row...)
	}
	return pix, nil
}

func (s *server) classify(pix []byte) (Prediction, error) {
	var p Prediction
	err := torch.Catch(func() error {
		s.mu.Lock()
		defer s.mu.Unlock()
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		torch.NoGrad(func() {
			torch.WithScope(func(*torch.Scope) {
				x := torch.FromBytes(pix, torch.Uint8, []int64{1, 1, digitSide, digitSide}).To(torch.Float32).DivScalar(255)
				probs := torch.Softmax(s.model.Forward(x), 1).Select(0, 0)
				p.Probabilities = probs.Float64s()
				p.Class = int(probs.Argmax().ItemInt())
			})
		})
		return nil
	})
	return p, err
}

func (s *server) predict(w http.ResponseWriter, r *http.Request) {
	select {
	case s.inFlight <- struct{}{}:
		defer func() { <-s.inFlight }()
	default:
		w.Header().Set("Retry-After", "1")
		http.Error(w, fmt.Sprintf("server busy: %d requests already in flight; retry after 1 s", cap(s.inFlight)),
			http.StatusServiceUnavailable)
		return
	}
	if s.admitted != nil {
		s.admitted()
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.limits.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, fmt.Sprintf("request body is over %d bytes; a 28x28 PNG is a few hundred", s.limits.MaxBodyBytes),
				http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "reading request body: "+err.Error(), http.StatusBadRequest)
		return
	}
	pix, err := digitPixels(body, s.limits)
	if err != nil {
		status := http.StatusBadRequest
		var re *requestError
		if errors.As(err, &re) {
			status = re.status
		}
		http.Error(w, err.Error(), status)
		return
	}
	p, err := s.classify(pix)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(p)
}

// encodeDigit writes 28×28 grey pixels as a PNG (used by tests and clients).
func encodeDigit(w io.Writer, pix []byte) error {
	img := image.NewGray(image.Rect(0, 0, digitSide, digitSide))
	copy(img.Pix, pix)
	return png.Encode(w, img)
}
