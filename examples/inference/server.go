package main

import (
	"image"
	"image/png"
	"io"
	"log/slog"

	"github.com/torchgo/torchgo/serve"
)

// digitSide is the width and height of the digits the model takes (MNIST).
const digitSide = 28

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
	// MaxInFlight bounds the /predict requests admitted at once (reading,
	// queued or in a batch); one more is answered 503 with Retry-After at
	// once rather than queued (serve.Options.MaxQueue).
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

// Timeouts are the connection limits of the server's http.Server (see
// serve.Timeouts).
type Timeouts = serve.Timeouts

// DefaultTimeouts returns 5 s to read the headers, 10 s to read a request,
// 10 s to write an answer, 60 s idle between requests and 64 KiB of headers.
func DefaultTimeouts() Timeouts { return serve.DefaultTimeouts() }

// options is the serve configuration for a model taking (N, 1, 28, 28)
// floats in [0, 1] (torchvision's ToTensor) and returning (N, 10) logits:
// 28×28 grey PNG or JPEG digits in, {"class", "probabilities"} out,
// batched dynamically.
func options(lim Limits, to Timeouts, log *slog.Logger) serve.Options {
	lim = lim.withDefaults()
	return serve.Options{
		Decode:       &serve.ImageDecoder{Width: digitSide, Height: digitSide, Gray: true, MaxSide: lim.MaxSide, MaxPixels: lim.MaxPixels},
		Encode:       serve.Classifier{},
		MaxBodyBytes: lim.MaxBodyBytes,
		MaxQueue:     lim.MaxInFlight,
		HTTP:         to,
		Logger:       log,
	}
}

// encodeDigit writes 28×28 grey pixels as a PNG (used by tests and clients).
func encodeDigit(w io.Writer, pix []byte) error {
	img := image.NewGray(image.Rect(0, 0, digitSide, digitSide))
	copy(img.Pix, pix)
	return png.Encode(w, img)
}
