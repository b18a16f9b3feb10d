// Command inference serves the seed's MNIST model over HTTP: the
// "embedding in a Go program" use case, a thin use of package serve. It
// loads a state dict saved by Python (scripts/train_seed_python.py) or by
// examples/mnist (.pt or safetensors), and answers POST /predict with a
// 28×28 PNG (or JPEG) digit in the body:
//
//	go run ./examples/inference --weights out/mnist.pt --addr 127.0.0.1:8080
//	curl --data-binary @digit.png http://127.0.0.1:8080/predict
//	{"class":7,"probabilities":[...]}
//
// An image's dimensions are read from its header and checked against
// --max-side and --max-pixels before it is decoded; at most --max-in-flight
// requests are admitted at once (more are answered 503 with Retry-After),
// and the connection timeouts and header limit below cut off slow
// clients. Requests arriving together are batched into one forward
// (cmd/serve has every batching and worker flag). SIGTERM drains the
// requests in flight before the process exits; /healthz, /readyz and
// /metrics are served too.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/torchgo/torchgo/serve"
	"github.com/torchgo/torchgo/vision/models"
)

func main() {
	lim, to := DefaultLimits(), DefaultTimeouts()
	weights := flag.String("weights", "out/mnist.pt", "state dict of the seed's Net (torch.save(net.state_dict(), ...) or safetensors)")
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	flag.Int64Var(&lim.MaxBodyBytes, "max-body-bytes", lim.MaxBodyBytes, "largest request body accepted (413 beyond)")
	flag.IntVar(&lim.MaxSide, "max-side", lim.MaxSide, "largest image width or height accepted, read before decoding (413 beyond)")
	flag.Int64Var(&lim.MaxPixels, "max-pixels", lim.MaxPixels, "largest image width*height accepted, read before decoding (413 beyond)")
	flag.IntVar(&lim.MaxInFlight, "max-in-flight", lim.MaxInFlight, "requests admitted at once; more are answered 503 with Retry-After")
	flag.DurationVar(&to.ReadHeader, "read-header-timeout", to.ReadHeader, "time to read a request's headers")
	flag.DurationVar(&to.Read, "read-timeout", to.Read, "time to read a whole request, body included")
	flag.DurationVar(&to.Write, "write-timeout", to.Write, "time to write an answer")
	flag.DurationVar(&to.Idle, "idle-timeout", to.Idle, "time a keep-alive connection may idle between requests")
	flag.IntVar(&to.MaxHeaderBytes, "max-header-bytes", to.MaxHeaderBytes, "largest request header accepted (431 beyond)")
	flag.Parse()
	if lim.MaxBodyBytes < 1 || lim.MaxSide < 1 || lim.MaxPixels < 1 || lim.MaxInFlight < 1 || to.MaxHeaderBytes < 1 {
		fmt.Fprintln(os.Stderr, "inference: --max-body-bytes, --max-side, --max-pixels, --max-in-flight and --max-header-bytes must be at least 1")
		os.Exit(2)
	}
	if to.ReadHeader <= 0 || to.Read <= 0 || to.Write <= 0 || to.Idle <= 0 {
		fmt.Fprintln(os.Stderr, "inference: the timeouts must be positive")
		os.Exit(2)
	}
	net := models.NewNet()
	if err := serve.LoadWeights(net, *weights); err != nil {
		fmt.Fprintln(os.Stderr, "inference:", err)
		os.Exit(1)
	}
	s, err := serve.New(net, options(lim, to, slog.Default()))
	if err != nil {
		fmt.Fprintln(os.Stderr, "inference:", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	slog.Info("serving", "weights", *weights, "url", "http://"+*addr+"/predict")
	if err := s.Run(ctx, *addr); err != nil {
		fmt.Fprintln(os.Stderr, "inference:", err)
		os.Exit(1)
	}
}
