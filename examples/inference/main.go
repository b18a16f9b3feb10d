// Command inference serves the seed's MNIST model over HTTP: the
// "embedding in a Go program" use case. It loads a state dict saved by
// Python (scripts/train_seed_python.py) or by examples/mnist, and answers
// POST /predict with a 28×28 PNG (or JPEG) digit in the body:
//
//	go run ./examples/inference --weights out/mnist.pt --addr 127.0.0.1:8080
//	curl --data-binary @digit.png http://127.0.0.1:8080/predict
//	{"class":7,"probabilities":[...]}
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/torchgo/torchgo/vision/models"
)

func main() {
	weights := flag.String("weights", "out/mnist.pt", "state dict of the seed's Net (torch.save(net.state_dict(), ...))")
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	flag.Parse()
	net := models.NewNet()
	if _, err := net.Load(*weights, true); err != nil {
		fmt.Fprintln(os.Stderr, "inference:", err)
		os.Exit(1)
	}
	log.Printf("serving %s on http://%s/predict", *weights, *addr)
	if err := http.ListenAndServe(*addr, newServer(net).routes()); err != nil {
		fmt.Fprintln(os.Stderr, "inference:", err)
		os.Exit(1)
	}
}
