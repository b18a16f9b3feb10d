// Command wordlm is pytorch/examples' word_language_model in Go: an LSTM,
// GRU or Elman RNN (or, with --model Transformer, a Transformer encoder)
// language model trained with truncated backpropagation through time,
// gradient clipping and plain SGD, on a small real corpus: the licence
// texts Debian installs in /usr/share/common-licenses, split 80/10/10 into
// --data (made on first use). From the same --seed its losses equal the
// Python example's step for step (scripts/wordlm_reference.py), and Python
// loads the saved state dict strictly.
//
//	go run ./examples/wordlm --model LSTM --epochs 6 --tied --save lm.pt
//
// Exit status: 2 for bad flags, 1 for any other failure, with one line on
// stderr saying what went wrong.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"time"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/optim"
)

// config holds the flags, with the Python example's names and defaults.
type config struct {
	data, model, save, jsonOut          string
	emsize, nhid, nlayers, nhead        int64
	batchSize, bptt, steps, logInterval int64
	epochs                              int
	lr, clip, dropout                   float64
	tied                                bool
	seed                                uint64
}

func parseFlags(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("wordlm", flag.ContinueOnError)
	fs.StringVar(&c.data, "data", "data/licenses", "corpus folder with train.txt, valid.txt and test.txt (made from /usr/share/common-licenses when missing)")
	fs.StringVar(&c.model, "model", "LSTM", "LSTM, GRU, RNN_TANH, RNN_RELU or Transformer")
	fs.Int64Var(&c.emsize, "emsize", 200, "size of word embeddings")
	fs.Int64Var(&c.nhid, "nhid", 200, "hidden units per layer")
	fs.Int64Var(&c.nlayers, "nlayers", 2, "number of layers")
	fs.Float64Var(&c.lr, "lr", 20, "initial learning rate")
	fs.Float64Var(&c.clip, "clip", 0.25, "gradient clipping (max norm)")
	fs.IntVar(&c.epochs, "epochs", 40, "upper epoch limit")
	fs.Int64Var(&c.batchSize, "batch-size", 20, "batch size")
	fs.Int64Var(&c.bptt, "bptt", 35, "sequence length")
	fs.Float64Var(&c.dropout, "dropout", 0.2, "dropout applied to layers (0 = no dropout)")
	fs.BoolVar(&c.tied, "tied", false, "tie the word embedding and softmax weights")
	fs.Uint64Var(&c.seed, "seed", 1111, "random seed")
	fs.Int64Var(&c.nhead, "nhead", 2, "heads in the Transformer's attention")
	fs.Int64Var(&c.steps, "steps", 0, "stop after this many training steps (0: all)")
	fs.Int64Var(&c.logInterval, "log-interval", 200, "report interval, in steps")
	fs.StringVar(&c.save, "save", "", "write the final state dict here (torch.load + load_state_dict read it)")
	fs.StringVar(&c.jsonOut, "json", "", "write losses and step times as JSON here")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	switch {
	case fs.NArg() > 0:
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case c.emsize < 1 || c.nhid < 1 || c.nlayers < 1 || c.nhead < 1 || c.batchSize < 1 || c.bptt < 1:
		return c, errors.New("--emsize, --nhid, --nlayers, --nhead, --batch-size and --bptt must be positive")
	case c.epochs < 1 || c.steps < 0:
		return c, errors.New("--epochs must be positive and --steps not negative")
	case c.dropout < 0 || c.dropout > 1:
		return c, fmt.Errorf("--dropout %g is not in [0, 1]", c.dropout)
	}
	return c, nil
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "wordlm:", err)
		os.Exit(2)
	}
	runtime.LockOSThread() // libtorch's grad mode is per OS thread
	if err := run(cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "wordlm:", err)
		os.Exit(1)
	}
}

// result is what --json writes, as the Python peer prints it.
type result struct {
	Losses      []float64 `json:"losses"`
	ValLosses   []float64 `json:"val_losses"`
	StepSeconds []float64 `json:"step_seconds"`
	NTokens     int       `json:"ntokens"`
}

func run(cfg config, w io.Writer) error {
	if _, err := os.Stat(cfg.data); errors.Is(err, os.ErrNotExist) {
		if err := MakeLicenseCorpus(cfg.data); err != nil {
			return err
		}
	}
	corpus, err := LoadCorpus(cfg.data)
	if err != nil {
		return err
	}
	torch.ManualSeed(cfg.seed)
	ntokens := int64(len(corpus.Idx2Word))
	var res result
	err = torch.Catch(func() error {
		train := Batchify(corpus.Train, cfg.batchSize)
		val := Batchify(corpus.Valid, 10)
		model, err := newModel(cfg, ntokens)
		if err != nil {
			return err
		}
		res, err = fit(cfg, model, train, val, w)
		if err != nil {
			return err
		}
		if cfg.save != "" {
			return model.(interface{ Save(string) error }).Save(cfg.save)
		}
		return nil
	})
	if err != nil {
		return err
	}
	res.NTokens = int(ntokens)
	if cfg.jsonOut != "" {
		b, _ := json.Marshal(res)
		return os.WriteFile(cfg.jsonOut, b, 0o644)
	}
	return nil
}

func newModel(cfg config, ntokens int64) (LM, error) {
	if cfg.model == "Transformer" {
		return NewTransformerModel(ntokens, cfg.emsize, cfg.nhead, cfg.nhid, cfg.nlayers, cfg.dropout)
	}
	return NewRNNModel(cfg.model, ntokens, cfg.emsize, cfg.nhid, cfg.nlayers, cfg.dropout, cfg.tied)
}

// fit is the example's train() and evaluate() over the epochs, with its
// learning-rate annealing (lr /= 4 when validation loss stops improving).
func fit(cfg config, model LM, train, val *torch.Tensor, w io.Writer) (result, error) {
	var res result
	lr := cfg.lr
	params := model.(interface{ Parameters() []*torch.Tensor }).Parameters()
	var steps int64
	best := -1.0
	for epoch := 1; epoch <= cfg.epochs; epoch++ {
		start := time.Now()
		model.(interface{ Train(bool) }).Train(true)
		state := model.InitState(cfg.batchSize)
		persist(state)
		done := false
		for i := int64(0); i < train.Size(0)-1; i += cfg.bptt {
			t0 := time.Now()
			var loss float64
			torch.WithScope(func(s *torch.Scope) {
				x, y := GetBatch(train, i, cfg.bptt)
				model.(interface{ ZeroGrad() }).ZeroGrad()
				out, next := model.Forward(x, detach(state))
				l := torch.NLLLoss(out, y, nil, torch.DefaultIgnoreIndex, torch.ReduceMean)
				l.Backward()
				optim.ClipGradNorm(params, cfg.clip, 2)
				torch.NoGrad(func() {
					for _, p := range params {
						p.AddScaled_(p.Grad(), -lr)
					}
				})
				loss = l.Item()
				s.Keep(next...)
				release(state)
				state = next
				persist(state)
			})
			res.Losses = append(res.Losses, loss)
			res.StepSeconds = append(res.StepSeconds, time.Since(t0).Seconds())
			steps++
			if cfg.logInterval > 0 && steps%cfg.logInterval == 0 {
				fmt.Fprintf(w, "| epoch %3d | step %5d | lr %.2f | loss %5.2f | ppl %8.2f\n", epoch, steps, lr, loss, math.Exp(loss))
			}
			if cfg.steps > 0 && steps >= cfg.steps {
				done = true
				break
			}
		}
		release(state)
		v := evaluate(cfg, model, val)
		res.ValLosses = append(res.ValLosses, v)
		fmt.Fprintf(w, "| end of epoch %3d | time: %5.2fs | valid loss %5.2f | valid ppl %8.2f\n", epoch, time.Since(start).Seconds(), v, math.Exp(v))
		if best < 0 || v < best {
			best = v
		} else {
			lr /= 4
		}
		if done {
			break
		}
	}
	return res, nil
}

// evaluate is the mean loss per word of data, in eval mode, batch 10.
func evaluate(cfg config, model LM, data *torch.Tensor) float64 {
	model.(interface{ Train(bool) }).Train(false)
	total := 0.0
	state := model.InitState(10)
	persist(state)
	torch.NoGrad(func() {
		for i := int64(0); i < data.Size(0)-1; i += cfg.bptt {
			torch.WithScope(func(s *torch.Scope) {
				x, y := GetBatch(data, i, cfg.bptt)
				out, next := model.Forward(x, state)
				total += float64(x.Size(0)) * torch.NLLLoss(out, y, nil, torch.DefaultIgnoreIndex, torch.ReduceMean).Item()
				s.Keep(next...)
				release(state)
				state = next
				persist(state)
			})
		}
	})
	release(state)
	return total / float64(data.Size(0)-1)
}

func detach(ts []*torch.Tensor) []*torch.Tensor {
	out := make([]*torch.Tensor, len(ts))
	for i, t := range ts {
		if t != nil {
			out[i] = t.Detach()
		}
	}
	return out
}

func persist(ts []*torch.Tensor) {
	for _, t := range ts {
		if t != nil {
			t.Persist()
		}
	}
}

func release(ts []*torch.Tensor) {
	for _, t := range ts {
		if t != nil {
			t.Close()
		}
	}
}
