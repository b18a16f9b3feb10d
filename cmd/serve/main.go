// Command serve puts a PyTorch-trained model behind an HTTP service with
// dynamic batching (package serve): an architecture of vision/models with
// its weights from a state dict (.pt, as torch.save(model.state_dict())
// writes, or safetensors), or any TorchScript file.
//
//	go run ./cmd/serve --model out/mnist.pt --arch seed-net
//	curl --data-binary @digit.png http://127.0.0.1:8080/predict
//	{"class":7,"probabilities":[...]}
//
//	go run ./cmd/serve --model resnet18.pt --arch resnet18 --openblas-coretype Haswell
//	go run ./cmd/serve --torchscript net.pt --input json --input-shape 1,28,28 --output tensor
//
// Inputs: --input image (PNG or JPEG of --image-size; seed-net and lenet5
// take 28×28 grey digits, the ResNets 224×224 RGB normalised with
// ImageNet's mean and std, as torchvision's transforms do) or --input json
// ({"data": [...]} of --input-shape). Outputs: --output classify (softmax
// and class) or tensor (the raw output row). SIGTERM or SIGINT drains the
// requests in flight before the process exits. Endpoints: POST /predict,
// GET /healthz, /readyz and /metrics (Prometheus).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/torchgo/torchgo/serve"
	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/nn"
	"github.com/torchgo/torchgo/vision/models"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stderr))
}

// onListening, when set (tests), is called with the server and its address
// once it listens.
var onListening func(*serve.Server, net.Addr)

// archs are the architectures --arch names, with the input they take.
var archs = map[string]struct {
	build  func(classes int64) nn.Unary
	size   int
	gray   bool
	imgnet bool
}{
	"seed-net": {func(int64) nn.Unary { return models.NewNet() }, 28, true, false},
	"lenet5":   {func(int64) nn.Unary { return models.NewLeNet5() }, 28, true, false},
	"resnet18": {func(c int64) nn.Unary { return models.NewResNet18(c) }, 224, false, true},
	"resnet34": {func(c int64) nn.Unary { return models.NewResNet34(c) }, 224, false, true},
	"resnet50": {func(c int64) nn.Unary { return models.NewResNet50(c) }, 224, false, true},
}

// run is the command with its arguments; it returns the exit status.
func run(ctx context.Context, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o serve.Options
	to := serve.DefaultTimeouts()
	model := fs.String("model", "", "state dict (.pt or .safetensors) of --arch")
	arch := fs.String("arch", "seed-net", "architecture of --model: seed-net, lenet5, resnet18, resnet34 or resnet50")
	classes := fs.Int64("classes", 1000, "classes of a ResNet")
	script := fs.String("torchscript", "", "TorchScript file to serve instead of --model (forward: one tensor in, one out)")
	input := fs.String("input", "image", "request body: image (PNG or JPEG) or json ({\"data\": [...]})")
	shapeFlag := fs.String("input-shape", "", "sample shape without the batch dimension, e.g. 1,28,28 (--input json; with --torchscript and --input image: C,H,W, C 1 for grey or 3 for RGB)")
	imagenet := fs.Bool("imagenet-normalize", false, "--torchscript --input image: normalise with ImageNet's mean and std")
	output := fs.String("output", "classify", "answer: classify (softmax and class) or tensor (the output row)")
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	fs.IntVar(&o.MaxBatchSize, "max-batch", 32, "most samples in one forward")
	fs.DurationVar(&o.MaxDelay, "max-delay", 2*time.Millisecond, "longest a request waits for others to join its batch (negative: none)")
	prefs := fs.String("batch-sizes", "", "comma-separated batch sizes to run (default: powers of two up to --max-batch, or all sizes with --inexact)")
	fs.BoolVar(&o.Inexact, "inexact", false, "skip the batch-invariance probe: batch every size, answers may differ from serving alone in the last bits")
	fs.IntVar(&o.Workers, "workers", 1, "model workers, each on its own OS thread")
	fs.IntVar(&o.ThreadsPerWorker, "threads", 0, "libtorch intra-op threads (default: CPUs / workers)")
	fs.IntVar(&o.MaxQueue, "max-queue", 128, "prediction requests admitted at once; more are answered 503 with Retry-After")
	fs.DurationVar(&o.Timeout, "timeout", 5*time.Second, "each prediction's deadline (504 past it)")
	fs.Int64Var(&o.MaxBodyBytes, "max-body-bytes", 1<<20, "largest request body (413 beyond)")
	maxSide := fs.Int("max-side", 4096, "largest image width or height, read before decoding (413 beyond)")
	maxPixels := fs.Int64("max-pixels", 1<<22, "largest image width*height, read before decoding (413 beyond)")
	fs.DurationVar(&to.ReadHeader, "read-header-timeout", to.ReadHeader, "time to read a request's headers")
	fs.DurationVar(&to.Read, "read-timeout", to.Read, "time to read a whole request, body included")
	fs.DurationVar(&to.Write, "write-timeout", to.Write, "time to write an answer")
	fs.DurationVar(&to.Idle, "idle-timeout", to.Idle, "time a keep-alive connection may idle between requests")
	fs.IntVar(&to.MaxHeaderBytes, "max-header-bytes", to.MaxHeaderBytes, "largest request header (431 beyond)")
	fs.DurationVar(&o.ShutdownTimeout, "shutdown-timeout", 30*time.Second, "longest drain after SIGTERM")
	device := fs.String("device", "cpu", "cpu or cuda[:N]")
	channelsLast := fs.Bool("channels-last", false, "run batches and a --model's convolution weights in channels-last memory format (faster convolutions on CPUs)")
	coretype := fs.String("openblas-coretype", "", "re-run the process with OPENBLAS_CORETYPE set to this (e.g. Haswell: on AVX-512 CPUs it lets exact batching use sizes above 1 for ResNets)")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "serve: "+format+"\n", a...)
		return code
	}
	if fs.NArg() > 0 {
		return fail(2, "unexpected arguments %q", fs.Args())
	}
	if *coretype != "" && os.Getenv("OPENBLAS_CORETYPE") != *coretype {
		// OpenBLAS reads it when the library loads, before main: re-run.
		exe, err := os.Executable()
		if err != nil {
			return fail(1, "--openblas-coretype: %v", err)
		}
		env := append(os.Environ(), "OPENBLAS_CORETYPE="+*coretype)
		err = syscall.Exec(exe, append([]string{os.Args[0]}, args...), env)
		return fail(1, "--openblas-coretype: re-running %s: %v", exe, err)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fail(2, "--log-level: %v", err)
	}
	o.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	o.HTTP = to
	if o.MaxBatchSize < 1 || o.MaxQueue < 1 || o.Workers < 1 || o.MaxBodyBytes < 1 || o.ThreadsPerWorker < 0 ||
		*maxSide < 1 || *maxPixels < 1 || to.MaxHeaderBytes < 1 {
		return fail(2, "--max-batch, --max-queue, --workers, --max-body-bytes, --max-side, --max-pixels and --max-header-bytes must be at least 1")
	}
	if o.Timeout <= 0 || o.ShutdownTimeout <= 0 || to.ReadHeader <= 0 || to.Read <= 0 || to.Write <= 0 || to.Idle <= 0 {
		return fail(2, "the timeouts must be positive")
	}
	if *prefs != "" {
		for _, f := range strings.Split(*prefs, ",") {
			b, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				return fail(2, "--batch-sizes: %q is not an integer", f)
			}
			o.PreferredBatchSizes = append(o.PreferredBatchSizes, b)
		}
	}
	dev, err := torch.ParseDevice(*device)
	if err != nil {
		return fail(2, "--device: %v", err)
	}
	o.Device = dev
	if *channelsLast {
		o.MemoryFormat = torch.ChannelsLast
	}
	var shape []int64
	if *shapeFlag != "" {
		for _, f := range strings.Split(*shapeFlag, ",") {
			d, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
			if err != nil || d < 1 {
				return fail(2, "--input-shape: %q is not a positive integer", f)
			}
			shape = append(shape, d)
		}
	}

	var m serve.Model
	var what string
	img := &serve.ImageDecoder{MaxSide: *maxSide, MaxPixels: *maxPixels}
	switch {
	case *script != "" && *model != "":
		return fail(2, "give --model or --torchscript, not both")
	case *script != "":
		sm, err := serve.LoadTorchScript(*script, dev)
		if err != nil {
			return fail(1, "%v", err)
		}
		m, what = sm, *script
		if *input == "image" {
			if len(shape) != 3 || (shape[0] != 1 && shape[0] != 3) {
				return fail(2, "--torchscript with --input image needs --input-shape C,H,W with C 1 or 3")
			}
			img.Height, img.Width, img.Gray = int(shape[1]), int(shape[2]), shape[0] == 1
			if *imagenet && img.Gray {
				return fail(2, "--imagenet-normalize needs 3 channels")
			}
			if *imagenet {
				setImageNet(img)
			}
		}
	case *model != "":
		a, ok := archs[*arch]
		if !ok {
			return fail(2, "--arch %q: want seed-net, lenet5, resnet18, resnet34 or resnet50", *arch)
		}
		net := a.build(*classes)
		if err := serve.LoadWeights(net, *model); err != nil {
			return fail(1, "%v", err)
		}
		m, what = net, *model+" ("+*arch+")"
		img.Width, img.Height, img.Gray = a.size, a.size, a.gray
		if a.imgnet {
			setImageNet(img)
		}
		if *input == "json" && shape == nil {
			c := int64(3)
			if a.gray {
				c = 1
			}
			shape = []int64{c, int64(a.size), int64(a.size)}
		}
	default:
		return fail(2, "give --model (with --arch) or --torchscript")
	}
	switch *input {
	case "image":
		o.Decode = img
	case "json":
		if shape == nil {
			return fail(2, "--input json needs --input-shape")
		}
		o.Decode = &serve.JSONDecoder{Shape: shape}
	default:
		return fail(2, "--input %q: want image or json", *input)
	}
	switch *output {
	case "classify":
		o.Encode = serve.Classifier{}
	case "tensor":
		o.Encode = serve.TensorEncoder{}
	default:
		return fail(2, "--output %q: want classify or tensor", *output)
	}

	s, err := serve.New(m, o)
	if err != nil {
		return fail(1, "%v", err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		s.Close()
		return fail(1, "%v", err)
	}
	o.Logger.Info("serve: model loaded", "model", what, "openblas_coretype", os.Getenv("OPENBLAS_CORETYPE"))
	if onListening != nil {
		onListening(s, ln.Addr())
	}
	if err := s.RunListener(ctx, ln); err != nil && !errors.Is(err, context.Canceled) {
		return fail(1, "%v", err)
	}
	return 0
}

// setImageNet normalises with torchvision's ImageNet mean and std.
func setImageNet(d *serve.ImageDecoder) {
	d.Mean = []float32{0.485, 0.456, 0.406}
	d.Std = []float32{0.229, 0.224, 0.225}
}
