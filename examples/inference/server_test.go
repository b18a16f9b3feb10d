package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/pyref"
	"github.com/torchgo/torchgo/vision/datasets"
	"github.com/torchgo/torchgo/vision/models"
)

// Python trains the seed's Net and saves its weights; the Go server loads
// them and classifies real MNIST test digits sent over loopback as PNGs,
// with exactly Python's predictions (and so its accuracy).
func TestServerMatchesPythonOnMNIST(t *testing.T) {
	py := pyref.Python(t)
	root, err := filepath.Abs("../../data")
	require.NoError(t, err)
	if _, err := os.Stat(filepath.Join(root, "MNIST", "raw")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("MNIST missing under CI in %s", root)
		}
		t.Skipf("MNIST not set up in %s: run scripts/setup.sh", root)
	}
	weights := filepath.Join(t.TempDir(), "py.pt")
	out, err := exec.Command(py, "../../scripts/train_seed_python.py", root, weights, "--eval", "500").Output()
	require.NoError(t, err)
	var want struct {
		Eval        int   `json:"eval"`
		Correct     int   `json:"correct"`
		Predictions []int `json:"predictions"`
	}
	require.NoError(t, json.Unmarshal(out, &want))

	net := models.NewNet()
	_, err = net.Load(weights, true)
	require.NoError(t, err)
	srv := httptest.NewServer(newServer(net).routes())
	defer srv.Close()

	test, err := datasets.MNIST(root, false)
	require.NoError(t, err)
	defer test.Close()
	images := test.Images.Slice(0, 0, int64(want.Eval), 1).Bytes()
	labels := test.Labels.Int64s()
	correct := 0
	for i := 0; i < want.Eval; i++ {
		var body bytes.Buffer
		require.NoError(t, encodeDigit(&body, images[i*784:(i+1)*784]))
		resp, err := http.Post(srv.URL+"/predict", "image/png", &body)
		require.NoError(t, err)
		var p Prediction
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&p))
		resp.Body.Close()
		require.Equal(t, want.Predictions[i], p.Class, "digit %d", i)
		require.Len(t, p.Probabilities, 10)
		if int64(p.Class) == labels[i] {
			correct++
		}
	}
	t.Logf("%d of %d test digits correct (Python: %d)", correct, want.Eval, want.Correct)
	require.Equal(t, want.Correct, correct)
}

func TestServerRejectsBadInput(t *testing.T) {
	srv := httptest.NewServer(newServer(models.NewNet()).routes())
	defer srv.Close()
	for name, body := range map[string][]byte{"garbage": []byte("not an image"), "empty": nil} {
		resp, err := http.Post(srv.URL+"/predict", "image/png", bytes.NewReader(body))
		require.NoError(t, err, name)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, name)
		resp.Body.Close()
	}
	var big bytes.Buffer
	require.NoError(t, encodeDigitSized(&big, 32))
	resp, err := http.Post(srv.URL+"/predict", "image/png", &big)
	require.NoError(t, err)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	resp.Body.Close()
}

func encodeDigitSized(w *bytes.Buffer, size int) error {
	img := image.NewGray(image.Rect(0, 0, size, size))
	return png.Encode(w, img)
}
