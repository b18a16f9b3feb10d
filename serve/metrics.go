package serve

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are a Server's Prometheus metrics, in a registry of its own (so
// that several servers in one process do not collide).
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	batch     prometheus.Histogram
	forward   prometheus.Histogram
	queueWait prometheus.Histogram
	dropped   *prometheus.CounterVec
}

func newMetrics(s *Server) *metrics {
	const ns, sub = "torchgo", "serve"
	var sizeBuckets []float64
	for b := 1; ; b *= 2 {
		if b >= s.opts.MaxBatchSize {
			sizeBuckets = append(sizeBuckets, float64(s.opts.MaxBatchSize))
			break
		}
		sizeBuckets = append(sizeBuckets, float64(b))
	}
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "requests_total",
			Help: "Prediction requests answered, by HTTP status (499: the client left first).",
		}, []string{"code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: sub, Name: "request_duration_seconds",
			Help:    "Time from a prediction request's headers to its answer, in seconds, by HTTP status.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16), // 0.5 ms to 16 s
		}, []string{"code"}),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: sub, Name: "batch_size",
			Help:    "Samples in each forward.",
			Buckets: sizeBuckets,
		}),
		forward: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: sub, Name: "forward_duration_seconds",
			Help:    "Time of each batch's stack, forward and encoding, in seconds.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 18), // 0.1 ms to 13 s
		}),
		queueWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: sub, Name: "queue_wait_seconds",
			Help:    "Time a request waited in the queue before its forward started, in seconds.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 18),
		}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "dropped_total",
			Help: "Requests dropped from their batch before it ran, by reason (deadline, client_gone).",
		}, []string{"reason"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.batch, m.forward, m.queueWait, m.dropped,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "queue_depth",
			Help: "Requests waiting in the queue for a batch.",
		}, func() float64 { return float64(len(s.queue)) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "requests_in_progress",
			Help: "Prediction requests admitted and not yet answered (bounded by Options.MaxQueue).",
		}, func() float64 { return float64(len(s.slots)) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: ns, Subsystem: sub, Name: "ready",
			Help: "1 while /readyz answers 200, else 0.",
		}, func() float64 {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.ready.Load() && !s.closed {
				return 1
			}
			return 0
		}),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	for _, r := range []string{"deadline", "client_gone"} {
		m.dropped.WithLabelValues(r)
	}
	return m
}
