package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/torchgo/torchgo/torch"
)

// StatusClientClosed is the status recorded in the metrics (never sent)
// for a request whose client went away before its answer: nginx's 499.
const StatusClientClosed = 499

// Server serves one model over HTTP with dynamic batching. Create it with
// New; it is safe for concurrent use.
type Server struct {
	opts  Options
	model Model
	sizes []int // the batch sizes the workers run, ascending, from 1

	queue   chan *job     // requests waiting for a batch
	slots   chan struct{} // a token per admitted prediction request
	pending atomic.Int64  // admitted requests not yet taken into a batch

	mu        sync.Mutex
	draining  bool // Shutdown or Close began: Serve refuses new listeners
	closed    bool // the drain reached the handler: new predictions get 503
	https     []*http.Server
	listeners []net.Listener
	conns     map[net.Conn]http.ConnState // the connections of Serve, while open

	ready    atomic.Bool
	stop     chan struct{} // closed once no request is left, to stop the workers
	stopOnce sync.Once
	workers  sync.WaitGroup

	metrics *metrics
	mux     *http.ServeMux
}

// job is one admitted prediction on its way through the queue.
type job struct {
	input    *torch.Tensor // owned by the worker once queued
	ctx      context.Context
	deadline time.Time
	queued   time.Time
	done     chan result // buffered: the worker never blocks on it
	gone     atomic.Bool // the handler answered (deadline) or its client left
	refs     atomic.Int32
}

// result is a worker's answer to one job.
type result struct {
	status int
	value  any    // the encoder's answer when status is 200
	msg    string // the reason otherwise
}

// release drops one of the job's two holders of its admission slot (its
// handler and the queue); the last one frees the slot.
func (j *job) release(s *Server) {
	if j.refs.Add(-1) == 0 {
		<-s.slots
	}
}

// New checks opts, moves an nn module to opts.Device if needed, runs the
// batch-invariance probe (unless opts.Inexact; see the package
// documentation) and starts the workers. The server is then ready: use
// Handler, or ListenAndServe, Serve or Run.
func New(model Model, opts Options) (*Server, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if model == nil {
		return nil, fmt.Errorf("serve: New: nil model")
	}
	cuda := o.Device.Type == torch.DeviceCUDA
	if cuda && !torch.CUDAIsAvailable() {
		return nil, fmt.Errorf("serve: Options.Device is %v but CUDA is not available", o.Device)
	}
	if o.Device.Type != torch.DeviceCPU && !cuda {
		return nil, fmt.Errorf("serve: Options.Device %v is neither the CPU nor a CUDA device", o.Device)
	}
	setEval(model)
	if cuda || o.MemoryFormat != torch.ContiguousFormat {
		if m, ok := model.(interface{ To(...torch.Option) }); ok {
			if err := torch.Catch(func() error { m.To(o.Device, o.MemoryFormat); return nil }); err != nil {
				return nil, fmt.Errorf("serve: moving the model to %v, %v: %w", o.Device, o.MemoryFormat, err)
			}
		}
	}
	s := &Server{
		opts:  o,
		model: model,
		queue: make(chan *job, o.MaxQueue),
		slots: make(chan struct{}, o.MaxQueue),
		stop:  make(chan struct{}),
	}
	torch.SetNumThreads(o.ThreadsPerWorker)
	start := time.Now()
	if err := s.probe(); err != nil {
		return nil, err
	}
	s.metrics = newMetrics(s)
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST "+o.Path, s.predict)
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))
	for i := 0; i < o.Workers; i++ {
		s.workers.Add(1)
		go s.worker(i)
	}
	s.ready.Store(true)
	o.Logger.Info("serve: ready", "path", o.Path, "input_shape", o.InputShape, "input_dtype", o.InputDType.String(),
		"batch_sizes", s.sizes, "exact", !o.Inexact, "max_delay", o.MaxDelay, "workers", o.Workers,
		"threads_per_worker", o.ThreadsPerWorker, "max_queue", o.MaxQueue, "timeout", o.Timeout,
		"device", o.Device.String(), "memory_format", o.MemoryFormat.String(), "startup", time.Since(start))
	return s, nil
}

// BatchSizes returns the batch sizes the workers run, ascending: 1 and
// those of Options.PreferredBatchSizes that passed the batch-invariance
// probe (all of them with Inexact).
func (s *Server) BatchSizes() []int { return append([]int(nil), s.sizes...) }

// Handler returns the server's routes: the prediction path, /healthz,
// /readyz and /metrics.
func (s *Server) Handler() http.Handler { return s.mux }

// Registry returns the Prometheus registry behind /metrics, to add
// collectors to. It holds (names prefixed torchgo_serve_): requests_total
// {code}, request_duration_seconds{code} (histogram), batch_size
// (histogram), forward_duration_seconds (histogram), queue_wait_seconds
// (histogram), dropped_total{reason="deadline"|"client_gone"},
// queue_depth, requests_in_progress and ready (gauges), and the Go and
// process collectors (process_resident_memory_bytes, ...).
func (s *Server) Registry() *prometheus.Registry { return s.metrics.reg }

// forward stacks xs into a batch on the server's device, runs the model
// and returns the output on the CPU, checking its first dimension. It must
// run inside torch.NoGrad and torch.WithScope.
func (s *Server) forward(xs []*torch.Tensor) *torch.Tensor {
	x := torch.Stack(xs, 0)
	if s.opts.Device.Type == torch.DeviceCUDA {
		x = x.PinMemory().To(s.opts.Device, torch.NonBlocking)
	}
	if s.opts.MemoryFormat != torch.ContiguousFormat {
		x = x.To(s.opts.MemoryFormat)
	}
	y := s.model.Forward(x)
	if y.Device().Type != torch.DeviceCPU {
		y = y.To(torch.CPU)
	}
	if sh := y.Shape(); len(sh) == 0 || sh[0] != int64(len(xs)) {
		panic(&torch.Error{Op: "serve", Msg: fmt.Sprintf("model output has shape %v for a batch of %d; want the batch first", sh, len(xs))})
	}
	return y
}

// probe sets s.sizes: with Inexact every preferred size, else those whose
// rows are bit-identical to batch size 1 on probe samples. Either way it
// runs the model once, so that a model that cannot take InputShape fails
// New rather than the first request.
func (s *Server) probe() error {
	cands := s.opts.PreferredBatchSizes
	d := 1
	if !s.opts.Inexact {
		d = min(cands[len(cands)-1], 8)
	}
	var kept, dropped []int
	errc := make(chan error, 1)
	go func() { // on a locked thread with the workers' thread count, as they run
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		errc <- catchAll(func() error {
			torch.SetNumThreads(s.opts.ThreadsPerWorker)
			torch.NoGrad(func() {
				torch.WithScope(func(*torch.Scope) {
					gen := torch.NewGenerator(20240617)
					samples := make([]*torch.Tensor, d)
					alone := make([][]byte, d)
					for i := range samples {
						samples[i] = s.probeSample(i, gen)
						torch.WithScope(func(*torch.Scope) {
							alone[i] = s.forward(samples[i:i+1]).Select(0, 0).Contiguous().Bytes()
						})
					}
					kept = []int{1}
					if s.opts.Inexact {
						kept = cands
						return
					}
					for _, b := range cands[1:] {
						same := true
						torch.WithScope(func(*torch.Scope) { // one batch's tensors at a time
							xs := make([]*torch.Tensor, b)
							for k := range xs {
								xs[k] = samples[k%d]
							}
							y := s.forward(xs)
							for k := 0; k < b && same; k++ {
								same = string(y.Select(0, int64(k)).Contiguous().Bytes()) == string(alone[k%d])
							}
						})
						if same {
							kept = append(kept, b)
						} else {
							dropped = append(dropped, b)
						}
					}
				})
			})
			return nil
		})
	}()
	if err := <-errc; err != nil {
		return fmt.Errorf("serve: running the model on a probe batch of %v samples: %w", s.opts.InputShape, err)
	}
	s.sizes = kept
	if len(dropped) > 0 {
		s.opts.Logger.Warn("serve: batch sizes whose answers differ from batch size 1 are not run",
			"dropped", dropped, "kept", kept,
			"hint", "libtorch picks kernels by batch size; see the serve package documentation (OPENBLAS_CORETYPE), or set Inexact")
	}
	return nil
}

// probeSample is the i-th probe sample, on the server's device.
func (s *Server) probeSample(i int, gen *torch.Generator) *torch.Tensor {
	var x *torch.Tensor
	dt := *s.opts.InputDType
	switch {
	case s.opts.ProbeSample != nil:
		x = s.opts.ProbeSample(i)
	case dt.IsFloatingPoint():
		x = torch.Rand(s.opts.InputShape, dt, gen)
	default:
		x = torch.Randint(0, 10, s.opts.InputShape, dt, gen)
	}
	if s.opts.Device.Type == torch.DeviceCUDA {
		x = x.To(s.opts.Device)
	}
	return x
}

// catchAll runs f, turning any panic into an error.
func catchAll(f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			if e, ok := p.(error); ok {
				err = e
			} else {
				err = fmt.Errorf("panic: %v", p)
			}
		}
	}()
	return f()
}

// worker runs batches from the queue on its own OS thread until stop is
// closed and the queue is empty.
func (s *Server) worker(idx int) {
	defer s.workers.Done()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := catchAll(func() error { torch.SetNumThreads(s.opts.ThreadsPerWorker); return nil }); err != nil {
		s.opts.Logger.Error("serve: setting the worker's thread count", "worker", idx, "err", err)
	}
	var batch []*job
	for {
		var first *job
		select {
		case first = <-s.queue:
		case <-s.stop:
			select {
			case first = <-s.queue:
			default:
				return
			}
		}
		s.pending.Add(-1)
		batch = append(batch[:0], first)
		batch = s.gather(batch, first.queued)
		s.run(idx, batch)
		clear(batch)
	}
}

// gather adds to batch the requests that arrive until the largest batch
// size is reached, MaxDelay has passed since the first one's arrival, or
// no admitted request is left outside a batch.
func (s *Server) gather(batch []*job, arrived time.Time) []*job {
	maxN := s.sizes[len(s.sizes)-1]
	deadline := arrived.Add(s.opts.MaxDelay)
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for len(batch) < maxN {
		select {
		case j := <-s.queue:
			s.pending.Add(-1)
			batch = append(batch, j)
			continue
		default:
		}
		wait := time.Until(deadline)
		if wait <= 0 || s.pending.Load() <= 0 {
			break
		}
		if timer == nil {
			timer = time.NewTimer(wait)
		}
		select {
		case j := <-s.queue:
			s.pending.Add(-1)
			batch = append(batch, j)
		case <-timer.C:
			return batch
		}
	}
	return batch
}

// run answers a gathered batch: it drops the requests past their deadline
// or whose client left, and runs the rest as forwards of allowed sizes,
// largest first.
func (s *Server) run(worker int, batch []*job) {
	defer func() {
		for _, j := range batch {
			j.input.Close()
			j.release(s)
		}
	}()
	rest := batch
	for len(rest) > 0 {
		live, dropped := rest[:0:0], 0
		now := time.Now()
		for _, j := range rest {
			switch {
			case !now.Before(j.deadline):
				s.metrics.dropped.WithLabelValues("deadline").Inc()
				j.done <- result{status: http.StatusGatewayTimeout, msg: "deadline passed before the request's batch ran"}
				dropped++
			case j.gone.Load() || j.ctx.Err() != nil:
				s.metrics.dropped.WithLabelValues("client_gone").Inc()
				j.done <- result{status: StatusClientClosed, msg: "client gone"}
				dropped++
			default:
				live = append(live, j)
			}
		}
		if len(live) == 0 {
			return
		}
		n := 1
		for _, b := range s.sizes {
			if b <= len(live) {
				n = b
			}
		}
		s.runChunk(worker, live[:n], dropped)
		rest = live[n:]
	}
}

// runChunk runs one forward for chunk and answers each of its requests.
func (s *Server) runChunk(worker int, chunk []*job, dropped int) {
	start := time.Now()
	for _, j := range chunk {
		s.metrics.queueWait.Observe(start.Sub(j.queued).Seconds())
	}
	results := make([]result, len(chunk))
	err := catchAll(func() error {
		torch.NoGrad(func() {
			torch.WithScope(func(*torch.Scope) {
				xs := make([]*torch.Tensor, len(chunk))
				for k, j := range chunk {
					xs[k] = j.input
				}
				y := s.forward(xs)
				for k := range chunk {
					results[k] = s.encode(y.Select(0, int64(k)))
				}
			})
		})
		return nil
	})
	if err != nil {
		s.opts.Logger.Error("serve: forward failed", "worker", worker, "batch", len(chunk), "err", err)
		for k := range results {
			results[k] = result{status: http.StatusInternalServerError, msg: "model failed: " + err.Error()}
		}
	}
	for k, j := range chunk {
		j.done <- results[k]
	}
	elapsed := time.Since(start)
	s.metrics.batch.Observe(float64(len(chunk)))
	s.metrics.forward.Observe(elapsed.Seconds())
	if s.opts.OnBatch != nil {
		s.opts.OnBatch(BatchInfo{Worker: worker, Size: len(chunk), Dropped: dropped, Duration: elapsed, Err: err})
	}
}

// encode runs the encoder on one row; its failure fails that row only.
func (s *Server) encode(row *torch.Tensor) result {
	var v any
	err := catchAll(func() error {
		var err error
		v, err = s.opts.Encode.Encode(row)
		return err
	})
	if err != nil {
		return result{status: statusOf(err, http.StatusInternalServerError), msg: "encoding the answer: " + err.Error()}
	}
	return result{status: http.StatusOK, value: v}
}

func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if !s.ready.Load() || closed {
		http.Error(w, "not ready: shutting down", http.StatusServiceUnavailable)
		return
	}
	io.WriteString(w, "ready\n")
}

// busy answers 503 with Retry-After.
func (s *Server) busy(w http.ResponseWriter, msg string) int {
	secs := int64(math.Ceil(s.opts.RetryAfter.Seconds()))
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	http.Error(w, fmt.Sprintf("%s; retry after %d s", msg, secs), http.StatusServiceUnavailable)
	return http.StatusServiceUnavailable
}

func (s *Server) predict(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	code := s.handle(w, r, start)
	s.metrics.requests.WithLabelValues(strconv.Itoa(code)).Inc()
	s.metrics.latency.WithLabelValues(strconv.Itoa(code)).Observe(time.Since(start).Seconds())
}

// handle serves one prediction and returns the status it answered.
func (s *Server) handle(w http.ResponseWriter, r *http.Request, start time.Time) int {
	fail := func(status int, format string, args ...any) int {
		http.Error(w, fmt.Sprintf(format, args...), status)
		return status
	}
	if r.ContentLength > s.opts.MaxBodyBytes {
		return fail(http.StatusRequestEntityTooLarge, "request body is over %d bytes", s.opts.MaxBodyBytes)
	}
	timeout := s.opts.Timeout
	if h := r.Header.Get("X-Timeout-Ms"); h != "" {
		ms, err := strconv.ParseInt(h, 10, 64)
		if err != nil || ms <= 0 {
			return fail(http.StatusBadRequest, "X-Timeout-Ms is %q; want a positive number of milliseconds", h)
		}
		if d := time.Duration(min(ms, math.MaxInt64/int64(time.Millisecond))) * time.Millisecond; d < timeout {
			timeout = d
		}
	}
	deadline := start.Add(timeout)

	s.mu.Lock()
	closed, admitted := s.closed, false
	if !closed {
		select {
		case s.slots <- struct{}{}:
			admitted = true
		default:
		}
	}
	s.mu.Unlock()
	if closed {
		return s.busy(w, "server shutting down")
	}
	if !admitted {
		return s.busy(w, fmt.Sprintf("server busy: %d requests already queued or in progress", cap(s.slots)))
	}
	s.pending.Add(1)
	queued := false
	defer func() {
		if !queued {
			s.pending.Add(-1)
			<-s.slots
		}
	}()

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fail(http.StatusRequestEntityTooLarge, "request body is over %d bytes", s.opts.MaxBodyBytes)
		}
		return fail(http.StatusBadRequest, "reading request body: %v", err)
	}
	x, err := s.decode(r, body)
	if err != nil {
		return fail(statusOf(err, http.StatusBadRequest), "%s", err.Error())
	}
	if msg := s.checkSample(x); msg != "" {
		x.Close()
		return fail(http.StatusBadRequest, "%s", msg)
	}
	if !time.Now().Before(deadline) {
		x.Close()
		return fail(http.StatusGatewayTimeout, "deadline of %v passed while reading the request", timeout)
	}
	j := &job{input: x, ctx: r.Context(), deadline: deadline, queued: time.Now(), done: make(chan result, 1)}
	j.refs.Store(2)
	queued = true
	s.queue <- j // never blocks: every queued job holds one of cap(queue) slots
	defer j.release(s)

	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	var res result
	select {
	case res = <-j.done:
	case <-timer.C:
		j.gone.Store(true)
		return fail(http.StatusGatewayTimeout, "deadline of %v passed before the request's batch ran", timeout)
	case <-r.Context().Done():
		j.gone.Store(true)
		return StatusClientClosed
	}
	if res.status != http.StatusOK {
		if res.status == StatusClientClosed {
			return res.status
		}
		return fail(res.status, "%s", res.msg)
	}
	if raw, ok := res.value.(Raw); ok {
		ct := raw.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		w.Header().Set("Content-Type", ct)
		w.Write(raw.Body)
		return http.StatusOK
	}
	out, err := json.Marshal(res.value)
	if err != nil {
		s.opts.Logger.Error("serve: encoding the answer as JSON", "err", err)
		return fail(http.StatusInternalServerError, "encoding the answer as JSON: %v", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(append(out, '\n'))
	return http.StatusOK
}

// decode runs the decoder in a scope of its own, keeping only the sample.
func (s *Server) decode(r *http.Request, body []byte) (x *torch.Tensor, err error) {
	err = catchAll(func() error {
		var derr error
		torch.WithScope(func(sc *torch.Scope) {
			x, derr = s.opts.Decode.Decode(r, body)
			if derr == nil && x != nil {
				sc.Keep(x)
			}
		})
		return derr
	})
	if err == nil && x == nil {
		err = Errorf(http.StatusInternalServerError, "decoder returned no sample")
	}
	var te *torch.Error
	if errors.As(err, &te) {
		err = Errorf(http.StatusBadRequest, "decoding the request: %v", te)
	}
	return x, err
}

// checkSample says why x cannot join a batch, or "".
func (s *Server) checkSample(x *torch.Tensor) string {
	if !equalShape(x.Shape(), s.opts.InputShape) {
		return fmt.Sprintf("sample has shape %v; the model takes %v", x.Shape(), s.opts.InputShape)
	}
	if x.DType() != *s.opts.InputDType {
		return fmt.Sprintf("sample has dtype %v; the model takes %v", x.DType(), *s.opts.InputDType)
	}
	if x.Device().Type != torch.DeviceCPU {
		return fmt.Sprintf("sample is on %v; decoders make CPU samples", x.Device())
	}
	return ""
}

// ListenAndServe listens on addr (TCP) and serves until Shutdown or
// Close, with Options.HTTP's timeouts; it then returns
// http.ErrServerClosed.
func (s *Server) ListenAndServe(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ln)
}

// Serve serves on ln until Shutdown or Close, with Options.HTTP's
// timeouts; it then returns http.ErrServerClosed.
func (s *Server) Serve(ln net.Listener) error {
	hs := NewHTTPServer("", s.mux, s.opts.HTTP)
	hs.ConnState = s.trackConn
	s.mu.Lock()
	if s.draining {
		s.mu.Unlock()
		ln.Close()
		return http.ErrServerClosed
	}
	s.https = append(s.https, hs)
	s.listeners = append(s.listeners, ln)
	s.mu.Unlock()
	err := hs.Serve(ln)
	s.mu.Lock()
	draining := s.draining
	s.mu.Unlock()
	if draining {
		return http.ErrServerClosed // Shutdown closed ln
	}
	return err
}

// trackConn records the state of Serve's connections.
func (s *Server) trackConn(c net.Conn, st http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns == nil {
		s.conns = map[net.Conn]http.ConnState{}
	}
	if st == http.StateClosed || st == http.StateHijacked {
		delete(s.conns, c)
	} else {
		s.conns[c] = st
	}
}

// busyConns counts Serve's connections that are reading a first request
// or serving one.
func (s *Server) busyConns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, st := range s.conns {
		if st == http.StateNew || st == http.StateActive {
			n++
		}
	}
	return n
}

// Run listens on addr and serves until ctx is done (for instance by
// signal.NotifyContext on SIGTERM), then shuts down gracefully within
// Options.ShutdownTimeout. It returns nil after a complete drain.
func (s *Server) Run(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.RunListener(ctx, ln)
}

// RunListener is Run on a listener of the caller's.
func (s *Server) RunListener(ctx context.Context, ln net.Listener) error {
	s.opts.Logger.Info("serve: listening", "addr", ln.Addr().String(), "path", s.opts.Path)
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownTimeout)
	defer cancel()
	err := s.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

// Shutdown drains the server gracefully: /readyz answers 503 at once;
// Serve's listeners close, so no new connection is accepted; every request
// on a connection already accepted is read and answered (with Connection:
// close), by its batch or with 504 at its deadline; idle keep-alive
// connections are closed; predictions that still reach the handler
// afterwards are answered 503; then the workers stop. (http.Server's own
// Shutdown would close, unanswered, a connection whose request it reads
// after the drain began; this one waits for those.) If ctx ends first,
// Shutdown returns its error and the workers keep answering what is left
// (Close stops them).
func (s *Server) Shutdown(ctx context.Context) error {
	s.ready.Store(false)
	s.opts.Logger.Info("serve: shutting down", "in_progress", len(s.slots), "queued", len(s.queue))
	s.mu.Lock()
	s.draining = true
	hs := append([]*http.Server(nil), s.https...)
	lns := append([]net.Listener(nil), s.listeners...)
	s.mu.Unlock()
	for _, h := range hs {
		h.SetKeepAlivesEnabled(false) // also closes idle connections
	}
	for _, ln := range lns {
		ln.Close()
	}
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	waitUntil := func(done func() bool) error {
		for !done() {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-tick.C:
			}
		}
		return nil
	}
	if err := waitUntil(func() bool { return s.busyConns() == 0 }); err != nil {
		return err
	}
	for _, h := range hs {
		if err := h.Shutdown(ctx); err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	if err := waitUntil(func() bool { return len(s.slots) == 0 }); err != nil {
		return err
	}
	s.stopOnce.Do(func() { close(s.stop) })
	done := make(chan struct{})
	go func() { s.workers.Wait(); close(done) }()
	select {
	case <-done:
		s.opts.Logger.Info("serve: stopped")
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops the server at once: its http.Servers close their
// connections, new predictions are answered 503, and the workers stop
// once the queue is empty (what is queued still runs, its answers
// discarded when the connection is gone). It waits for the workers.
func (s *Server) Close() error {
	s.ready.Store(false)
	s.mu.Lock()
	s.draining, s.closed = true, true
	hs := append([]*http.Server(nil), s.https...)
	s.mu.Unlock()
	var err error
	for _, h := range hs {
		if e := h.Close(); e != nil && err == nil {
			err = e
		}
	}
	s.stopOnce.Do(func() { close(s.stop) })
	s.workers.Wait()
	return err
}
