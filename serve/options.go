package serve

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"time"

	"github.com/torchgo/torchgo/torch"
)

// Options configure a Server. The zero value of every field but Decode and
// Encode is a sensible default, given in the field's comment.
type Options struct {
	// Decode turns a request into one input sample. Required.
	Decode Decoder
	// Encode turns one row of the model's output into the answer. Required.
	Encode Encoder

	// InputShape is the shape of one sample, without the batch dimension,
	// e.g. [1 28 28]. A decoded sample of another shape or dtype is refused
	// with 400, so that no request can spoil a batch. Default: the shape
	// the decoder declares (ImageDecoder and JSONDecoder do, through
	// SampleSpec); New fails when neither gives one.
	InputShape []int64
	// InputDType is the dtype of one sample. Default (nil): the decoder's,
	// else Float32.
	InputDType *torch.DType

	// MaxBatchSize is the most samples in one forward. Default 32.
	MaxBatchSize int
	// MaxDelay is how long a request may wait, from its arrival in the
	// queue, for others to join its batch. The wait ends early once no
	// admitted request is outside a batch, so a lone request does not wait.
	// Default 2 ms; negative means no wait (only what is already queued).
	MaxDelay time.Duration
	// PreferredBatchSizes are the batch sizes the workers run, besides 1;
	// a gathered batch is run as forwards of these sizes, largest first.
	// Default: every size from 1 to MaxBatchSize with Inexact, else the
	// powers of two up to MaxBatchSize and MaxBatchSize itself (the sizes
	// the probe tries; see the package documentation).
	PreferredBatchSizes []int
	// Inexact skips the batch-invariance probe and runs every preferred
	// size: answers may then differ from serving the request alone in the
	// last bits. Default false: only sizes whose answers are bit-identical
	// to batch size 1 run.
	Inexact bool
	// ProbeSample returns the i-th sample the probe runs (one sample, no
	// batch dimension, InputShape and InputDType). Default: uniform random
	// values in [0, 1) (Float32) or integers in [0, 10) (integer dtypes)
	// from a fixed seed.
	ProbeSample func(i int) *torch.Tensor

	// Workers is the number of model workers, each on its own OS thread
	// running one forward at a time. Default 1.
	Workers int
	// ThreadsPerWorker is libtorch's intra-op thread count
	// (torch.SetNumThreads, process-wide). Default: runtime.NumCPU() /
	// Workers, at least 1 (PyTorch's default for one worker). For
	// throughput, one thread per worker and a worker per core is often
	// faster: intra-op threads then do not take the cores that HTTP and
	// decoding need (see the README's benchmark).
	ThreadsPerWorker int
	// MaxQueue bounds the prediction requests admitted and not yet
	// answered (reading their body, queued, or in a batch). One more is
	// answered 503 with Retry-After at once, before its body is read.
	// Default 128.
	MaxQueue int
	// RetryAfter is what a 503 tells the client to wait, rounded up to
	// whole seconds. Default 1 s.
	RetryAfter time.Duration
	// Timeout is each prediction's deadline, from the time its headers
	// were read; a client may shorten it with the header X-Timeout-Ms (a
	// positive integer of milliseconds). A request past its deadline is
	// dropped from its batch and answered 504. Default 5 s.
	Timeout time.Duration
	// MaxBodyBytes bounds a request body; a larger one is refused with 413
	// (from Content-Length before reading, else while reading). Default
	// 1 MiB.
	MaxBodyBytes int64

	// Device is where the batches run. Default: the CPU. With a CUDA device
	// New moves an nn module there (a TorchScript model must be loaded
	// there, see LoadTorchScript); samples are staged in pinned memory.
	Device torch.Device
	// MemoryFormat lays out each stacked batch, and an nn module's 4- and
	// 5-dimensional weights, in this format (module.to(memory_format=...)):
	// torch.ChannelsLast speeds up convolutional networks on CPUs (ResNet-18
	// in the package benchmark). Default: torch's contiguous format, as
	// stacked.
	MemoryFormat torch.MemoryFormat
	// Path is the prediction endpoint. Default "/predict".
	Path string
	// HTTP holds the timeouts of the http.Server that ListenAndServe, Serve
	// and Run build. Zero fields take DefaultTimeouts' values.
	HTTP Timeouts
	// ShutdownTimeout bounds Run's drain after its context ends. Default
	// 30 s.
	ShutdownTimeout time.Duration
	// Logger receives the server's logs. Default slog.Default().
	Logger *slog.Logger
	// OnBatch, when set, is called on the worker's thread after each
	// forward (tests and custom telemetry). It must not block.
	OnBatch func(BatchInfo)
}

// BatchInfo describes one forward, for Options.OnBatch.
type BatchInfo struct {
	Worker   int           // the worker's index, from 0
	Size     int           // samples in the forward
	Dropped  int           // requests dropped from it before it ran (deadline or client gone)
	Duration time.Duration // stack, forward and encode
	Err      error         // the forward's error, if it failed
}

// Timeouts are the connection limits of the http.Server a Server builds,
// so that slow or idle clients cannot hold connections open.
type Timeouts struct {
	ReadHeader     time.Duration // http.Server.ReadHeaderTimeout; default 5 s
	Read           time.Duration // http.Server.ReadTimeout (headers and body); default 10 s
	Write          time.Duration // http.Server.WriteTimeout; default 10 s
	Idle           time.Duration // http.Server.IdleTimeout between keep-alive requests; default 60 s
	MaxHeaderBytes int           // http.Server.MaxHeaderBytes; default 64 KiB
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

// withDefaults fills each zero or negative field from DefaultTimeouts.
func (t Timeouts) withDefaults() Timeouts {
	d := DefaultTimeouts()
	if t.ReadHeader <= 0 {
		t.ReadHeader = d.ReadHeader
	}
	if t.Read <= 0 {
		t.Read = d.Read
	}
	if t.Write <= 0 {
		t.Write = d.Write
	}
	if t.Idle <= 0 {
		t.Idle = d.Idle
	}
	if t.MaxHeaderBytes <= 0 {
		t.MaxHeaderBytes = d.MaxHeaderBytes
	}
	return t
}

// NewHTTPServer returns an http.Server for h on addr with t's timeouts and
// header limit set (zero fields default).
func NewHTTPServer(addr string, h http.Handler, t Timeouts) *http.Server {
	t = t.withDefaults()
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

// withDefaults fills o's defaults and checks it; spec is what the decoder
// declares, if anything.
func (o Options) withDefaults() (Options, error) {
	if o.Decode == nil || o.Encode == nil {
		return o, fmt.Errorf("serve: Options.Decode and Options.Encode are required")
	}
	if s, ok := o.Decode.(SampleSpec); ok {
		shape, dt := s.SampleSpec()
		if o.InputShape == nil {
			o.InputShape = shape
		}
		if o.InputDType == nil {
			o.InputDType = &dt
		}
	}
	if o.InputShape == nil {
		return o, fmt.Errorf("serve: Options.InputShape is needed (the decoder declares no sample shape)")
	}
	for _, d := range o.InputShape {
		if d < 1 {
			return o, fmt.Errorf("serve: Options.InputShape %v has a dimension below 1", o.InputShape)
		}
	}
	o.InputShape = append([]int64(nil), o.InputShape...)
	if o.InputDType == nil {
		f := torch.Float32
		o.InputDType = &f
	}
	if o.MaxBatchSize <= 0 {
		o.MaxBatchSize = 32
	}
	if o.MaxDelay == 0 {
		o.MaxDelay = 2 * time.Millisecond
	} else if o.MaxDelay < 0 {
		o.MaxDelay = 0
	}
	if o.PreferredBatchSizes == nil {
		if o.Inexact {
			for b := 1; b <= o.MaxBatchSize; b++ {
				o.PreferredBatchSizes = append(o.PreferredBatchSizes, b)
			}
		} else {
			for b := 1; b < o.MaxBatchSize; b *= 2 {
				o.PreferredBatchSizes = append(o.PreferredBatchSizes, b)
			}
			o.PreferredBatchSizes = append(o.PreferredBatchSizes, o.MaxBatchSize)
		}
	}
	sizes := map[int]bool{1: true}
	for _, b := range o.PreferredBatchSizes {
		if b < 1 || b > o.MaxBatchSize {
			return o, fmt.Errorf("serve: preferred batch size %d is outside [1, MaxBatchSize=%d]", b, o.MaxBatchSize)
		}
		sizes[b] = true
	}
	o.PreferredBatchSizes = o.PreferredBatchSizes[:0:0]
	for b := 1; b <= o.MaxBatchSize; b++ {
		if sizes[b] {
			o.PreferredBatchSizes = append(o.PreferredBatchSizes, b)
		}
	}
	if o.Workers <= 0 {
		o.Workers = 1
	}
	if o.ThreadsPerWorker <= 0 {
		o.ThreadsPerWorker = max(1, runtime.NumCPU()/o.Workers)
	}
	if o.MaxQueue <= 0 {
		o.MaxQueue = 128
	}
	if o.RetryAfter <= 0 {
		o.RetryAfter = time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 1 << 20
	}
	if o.Path == "" {
		o.Path = "/predict"
	}
	o.HTTP = o.HTTP.withDefaults()
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o, nil
}
