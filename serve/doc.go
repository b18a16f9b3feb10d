// Package serve puts a model behind a production HTTP service: dynamic
// batching over a pool of model workers, a bounded queue, per-request
// deadlines, graceful shutdown, input limits checked before any tensor is
// made, server timeouts, health and readiness endpoints, Prometheus metrics
// and structured logs.
//
// A model is an nn module whose weights come from a .pt state dict or a
// safetensors file ([LoadWeights]), or a TorchScript file
// ([LoadTorchScript]). A [Decoder] turns a request into one input sample
// (no batch dimension) and an [Encoder] turns one row of the output into
// the answer; [ImageDecoder] (PNG and JPEG), [JSONDecoder], [Classifier] and
// [TensorEncoder] are built in:
//
//	net := models.NewNet()
//	if err := serve.LoadWeights(net, "mnist.pt"); err != nil { ... }
//	s, err := serve.New(net, serve.Options{
//		Decode: &serve.ImageDecoder{Width: 28, Height: 28, Gray: true},
//		Encode: serve.Classifier{},
//	})
//	...
//	err = s.Run(ctx, "127.0.0.1:8080") // until ctx is done (SIGTERM), then drains
//
// # Endpoints
//
//   - POST /predict (Options.Path): one sample in the body, its answer as
//     JSON. 400: the body is not a valid sample; 413: the body or image is
//     over the limits; 503 with Retry-After: the queue is full or the server
//     is shutting down; 504: the request's deadline passed before its batch
//     ran; 500: the model failed.
//   - GET /healthz: 200 "ok" while the process serves HTTP (liveness).
//   - GET /readyz: 200 "ready" once the workers run, 503 while starting or
//     shutting down (readiness).
//   - GET /metrics: Prometheus metrics (see [Server.Registry]).
//
// # Dynamic batching
//
// Requests wait in one queue. A free worker takes the oldest and then
// every request that arrives within Options.MaxDelay of the first one's
// arrival, up to the largest batch size it may run; it stops waiting early
// when no admitted request is left outside a batch. The samples are joined
// with torch.Stack into one forward and the output is split back by row,
// each row encoded for its request. Requests whose deadline has passed, or
// whose client has gone, are dropped from the batch before it runs.
//
// # Bit-identical answers
//
// By default each answer is bit-identical to what the model gives for that
// request alone (a batch of one). That does not follow from batching
// itself: libtorch picks kernels by shape. On x86 with AVX-512, for
// instance, OpenBLAS 0.3.21 uses a different SGEMM kernel when
// M·N·K ≤ 10⁶, so a Linear layer's rows differ in their last bits between
// batch sizes 1 and 13 (784→100); and libtorch 1.13 runs a 3×3
// convolution of a single 1×28×28 image through im2col+GEMM but a batch
// through oneDNN. So [New] probes, once, which of the candidate batch sizes
// give rows bit-identical to batch size 1 on random inputs, and the
// workers only run those sizes (a larger gathered batch is run as several
// forwards of allowed sizes). The result is logged and reported by
// [Server.BatchSizes]. Setting OPENBLAS_CORETYPE=Haswell in the
// environment before the process starts (cmd/serve's --openblas-coretype)
// avoids the small-matrix kernel and makes ResNet-18 batch-invariant at
// the sizes tried here, 2, 4, 8 and 9 (not 16: another kernel switch);
// the seed's Net is then invariant at batch size 1 only, because of its
// convolution (with OpenBLAS's own kernel choice the probe keeps sizes 1
// and 2 for it).
// Batch-invariance is a property of the machine's kernels, which is why it
// is measured rather than assumed. Options.Inexact skips the probe and batches
// any size up to MaxBatchSize: answers then differ from serving alone in
// the last bits (about 1e-7 relative for float32).
//
// # Threads, memory format and devices
//
// Each worker runs on its own OS thread (runtime.LockOSThread) and runs
// one forward at a time; libtorch's intra-op thread count, which is
// process-wide, is set to Options.ThreadsPerWorker. Workers share the model
// (an evaluation-mode forward does not change it). Options.MemoryFormat
// torch.ChannelsLast lays out batches and convolution weights channels
// last, which oneDNN runs faster on CPUs (ResNet-18: see the README's
// benchmark); the probe then checks batch-invariance in that format. With Options.Device a
// CUDA device, each stacked batch is copied to pinned host memory and then
// to the device without blocking, and the output is copied back; that path
// has not been run on a GPU in this project's tests.
package serve
