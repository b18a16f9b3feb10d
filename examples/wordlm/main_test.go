package main

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
)

// corpusDir makes the licence corpus once per test binary.
func corpusDir(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "licenses")
	require.NoError(t, MakeLicenseCorpus(dir))
	return dir
}

func python(t *testing.T, args ...string) []byte {
	py := pyref.Python(t)
	cmd := exec.Command(py, append([]string{"../../scripts/wordlm_reference.py"}, args...)...)
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok {
		t.Fatalf("wordlm_reference.py: %v\n%s", err, ee.Stderr)
	}
	require.NoError(t, err)
	return out
}

// Every variant's training losses and validation loss equal the Python
// example's from the same seed, bit for bit; Python loads the state dict Go
// saved strictly and gets Go's validation loss.
func TestWordLMMatchesPython(t *testing.T) {
	data := corpusDir(t)
	for _, c := range []struct {
		name string
		args []string
	}{
		{"LSTM_tied", []string{"--model", "LSTM", "--tied"}},
		{"GRU", []string{"--model", "GRU", "--nlayers", "1"}},
		{"RNN_TANH", []string{"--model", "RNN_TANH"}},
		{"RNN_RELU", []string{"--model", "RNN_RELU", "--dropout", "0"}},
		{"Transformer", []string{"--model", "Transformer", "--nhead", "2"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			args := append([]string{"--data", data, "--emsize", "32", "--nhid", "32", "--bptt", "12", "--batch-size", "8",
				"--steps", "25", "--epochs", "2", "--seed", "7"}, c.args...)
			// 25 steps end the run inside epoch 1 or 2 depending on the
			// corpus: both sides stop at the same step.
			goJSON, goPt := filepath.Join(dir, "go.json"), filepath.Join(dir, "go.pt")
			cfg, err := parseFlags(append(args, "--json", goJSON, "--save", goPt, "--log-interval", "0"))
			require.NoError(t, err)
			require.NoError(t, run(cfg, io.Discard))
			var g, p result
			require.NoError(t, json.Unmarshal(readFile(t, goJSON), &g))
			require.NoError(t, json.Unmarshal(python(t, args...), &p))
			require.Equal(t, p.NTokens, g.NTokens)
			require.Len(t, g.Losses, 25)
			for i := range p.Losses {
				require.Equal(t, p.Losses[i], g.Losses[i], "step %d loss", i+1)
			}
			require.Equal(t, p.ValLosses, g.ValLosses)

			var loaded struct {
				ValLoss float64 `json:"val_loss"`
			}
			require.NoError(t, json.Unmarshal(python(t, append(args, "--load", goPt)...), &loaded))
			require.Equal(t, g.ValLosses[len(g.ValLosses)-1], loaded.ValLoss, "Python's validation loss of Go's weights")
		})
	}
}

func readFile(t *testing.T, path string) []byte {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

// Bad flags are refused with a message naming them.
func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"--dropout", "2"}, {"--bptt", "0"}, {"extra"}, {"--epochs", "0"}} {
		_, err := parseFlags(args)
		require.Error(t, err, "%v", args)
	}
	_, err := parseFlags([]string{"--steps", strconv.Itoa(3)})
	require.NoError(t, err)
}
