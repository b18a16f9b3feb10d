package main

import (
	"encoding/json"
	"image/png"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/lightning"
	"github.com/torchgo/torchgo/torch/pt"
)

func mnistRoot(t *testing.T) string {
	root, err := filepath.Abs("../../data")
	require.NoError(t, err)
	if _, err := os.Stat(filepath.Join(root, "MNIST", "raw")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("MNIST missing under CI in %s", root)
		}
		t.Skipf("MNIST not set up in %s: run scripts/setup.sh", root)
	}
	return root
}

// The Go DCGAN, a Lightning module with manual optimization run by the
// Trainer, and scripts/gan_reference.py, dcgan/main.py's plain loop, from
// the same seed: against torch 1.13, every step's errD, errG, D(x),
// D(G(z)) before and after D's update are equal bit for bit over 32
// iterations (two epochs of 256 images, so both epochs' shuffles), and so
// are each epoch's samples and the final weights and batch-norm statistics
// of both networks. Against torch 2.x, whose Adam rounds differently, the
// step values agree within 1e-5.
func TestGANMatchesPython(t *testing.T) {
	root := mnistRoot(t)
	py := pyref.Python(t)
	args := []string{"--limit", "256", "--batch-size", "16", "--epochs", "2", "--nz", "16", "--ngf", "8", "--ndf", "8", "--seed", "3"}
	cmd := exec.Command(py, append([]string{"../../scripts/gan_reference.py", "--data", root}, args...)...)
	pyOut, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok {
		t.Fatalf("gan_reference.py: %v\n%s", err, ee.Stderr)
	}
	require.NoError(t, err)
	var want result
	require.NoError(t, json.Unmarshal(pyOut, &want))

	dir := t.TempDir()
	cfg, err := parseFlags(append(args, "--data", root, "--out", dir, "--json", filepath.Join(dir, "go.json"), "--log-every", "0"))
	require.NoError(t, err)
	require.NoError(t, run(cfg, io.Discard))
	var got result
	b, err := os.ReadFile(filepath.Join(dir, "go.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &got))

	require.Len(t, want.Steps, 32)
	require.Len(t, got.Steps, len(want.Steps))
	worst := 0.0
	for i := range want.Steps {
		for j := range want.Steps[i] {
			worst = math.Max(worst, math.Abs(want.Steps[i][j]-got.Steps[i][j]))
		}
		require.InDeltaSlice(t, want.Steps[i][:], got.Steps[i][:], 1e-5, "iteration %d: errD, errG, D(x), D(G(z)) before / after D's step", i)
	}
	t.Logf("largest difference from Python's step values: %.3g", worst)
	require.Len(t, got.Samples, 2)
	t.Run("bit for bit on torch 1.13", func(t *testing.T) {
		pyref.RequireVersion(t, "1.13.", "", "torch/optim's Adam follows 1.13's arithmetic; 2.x averages with lerp_, which rounds the last bits differently")
		for i := range want.Steps {
			require.Equal(t, want.Steps[i], got.Steps[i], "iteration %d: errD, errG, D(x), D(G(z)) before / after D's step", i)
		}
		require.Equal(t, want.Samples, got.Samples, "each epoch's G(fixed_noise)")
		require.Equal(t, want.Weights, got.Weights, "final state dicts (SHA-256 of each tensor)")
	})

	// Each epoch wrote its sample grid: 16 images of 32×32 in 8 columns
	// with 2-pixel padding, as vutils.save_image lays them out.
	for e := range 2 {
		f, err := os.Open(filepath.Join(dir, "fake_samples_epoch_00"+strconv.Itoa(e)+".png"))
		require.NoError(t, err)
		img, err := png.Decode(f)
		f.Close()
		require.NoError(t, err)
		require.Equal(t, 8*34+2, img.Bounds().Dx())
		require.Equal(t, 2*34+2, img.Bounds().Dy())
	}

	// The trainer counted two optimizer steps per iteration and saved both
	// optimizers' states, D's first.
	ckpts, err := filepath.Glob(filepath.Join(dir, "lightning_logs", "version_0", "checkpoints", "*.ckpt"))
	require.NoError(t, err)
	require.Len(t, ckpts, 1)
	require.Equal(t, "epoch=1-step=64.ckpt", filepath.Base(ckpts[0]))
	v, err := pt.Load(ckpts[0])
	require.NoError(t, err)
	ck := v.(*pt.OrderedDict)
	states, _ := ck.Get("optimizer_states")
	require.Len(t, states, 2)
	require.Equal(t, lightning.Version, mustGet(t, ck, "pytorch-lightning_version"))
}

func mustGet(t *testing.T, d *pt.OrderedDict, key string) any {
	v, ok := d.Get(key)
	require.True(t, ok, key)
	return v
}

// Bad flags are refused with a message naming them.
func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"--epochs", "0"}, {"--beta1", "1"}, {"--nz", "0"}, {"extra"}, {"--steps", "-1"}} {
		_, err := parseFlags(args)
		require.Error(t, err, "%v", args)
	}
}
