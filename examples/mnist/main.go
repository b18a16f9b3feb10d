// Command mnist is the seed's walkthrough in Go: MNIST with ToTensor, an
// 80/20 random split with seed 0, the seed's Net, SGD lr 0.01, batch 256;
// it trains, validates each epoch, tests, saves mnist.pt (which Python's
// torch.load + load_state_dict read), reloads it into a fresh Net, predicts
// the first training sample as the seed does and writes it as a PNG.
//
//	go run ./examples/mnist --epochs 80
//
// Exit status: 2 for bad flags, 1 for any other failure, with one line on
// stderr saying what went wrong.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
)

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "mnist:", err)
		os.Exit(2)
	}
	// One OS thread for the whole run: libtorch's grad mode and glibc's
	// malloc arenas are per thread (see README, Memory).
	runtime.LockOSThread()
	if err := run(cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "mnist:", err)
		os.Exit(1)
	}
}
