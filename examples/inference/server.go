package main

import (
	"encoding/json"
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // JPEG uploads decode too
	"image/png"
	"io"
	"net/http"
	"runtime"
	"sync"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/nn"
)

// maxUpload bounds a request body: a 28×28 PNG is a few hundred bytes.
const maxUpload = 1 << 20

// Prediction is the JSON answer to POST /predict.
type Prediction struct {
	Class         int       `json:"class"`
	Probabilities []float64 `json:"probabilities"`
}

// server classifies 28×28 grey digits with a model taking (N, 1, 28, 28)
// floats in [0, 1] (torchvision's ToTensor) and returning (N, 10) logits.
type server struct {
	mu    sync.Mutex // one forward at a time: libtorch parallelises inside the op
	model nn.Unary
}

func newServer(model nn.Unary) *server {
	model.(nn.Layer).(interface{ Eval() }).Eval()
	return &server{model: model}
}

func (s *server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /predict", s.predict)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	return mux
}

// digitPixels decodes an image and returns its 28×28 grey pixels.
func digitPixels(r io.Reader) ([]byte, error) {
	img, _, err := image.Decode(r)
	if err != nil {
		return nil, fmt.Errorf("not a PNG or JPEG image: %w", err)
	}
	b := img.Bounds()
	if b.Dx() != 28 || b.Dy() != 28 {
		return nil, fmt.Errorf("image is %dx%d; want a 28x28 digit as in MNIST", b.Dx(), b.Dy())
	}
	gray, ok := img.(*image.Gray)
	if !ok {
		gray = image.NewGray(image.Rect(0, 0, 28, 28))
		draw.Draw(gray, gray.Bounds(), img, b.Min, draw.Src)
	}
	pix := make([]byte, 0, 28*28)
	for y := 0; y < 28; y++ {
		row := gray.Pix[y*gray.Stride : y*gray.Stride+28]
		pix = append(pix, row...)
	}
	return pix, nil
}

func (s *server) classify(pix []byte) (Prediction, error) {
	var p Prediction
	err := torch.Catch(func() error {
		s.mu.Lock()
		defer s.mu.Unlock()
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		torch.NoGrad(func() {
			torch.WithScope(func(*torch.Scope) {
				x := torch.FromBytes(pix, torch.Uint8, []int64{1, 1, 28, 28}).To(torch.Float32).DivScalar(255)
				probs := torch.Softmax(s.model.Forward(x), 1).Select(0, 0)
				p.Probabilities = probs.Float64s()
				p.Class = int(probs.Argmax().ItemInt())
			})
		})
		return nil
	})
	return p, err
}

func (s *server) predict(w http.ResponseWriter, r *http.Request) {
	pix, err := digitPixels(http.MaxBytesReader(w, r.Body, maxUpload))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p, err := s.classify(pix)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(p)
}

// encodeDigit writes 28×28 grey pixels as a PNG (used by tests and clients).
func encodeDigit(w io.Writer, pix []byte) error {
	img := image.NewGray(image.Rect(0, 0, 28, 28))
	copy(img.Pix, pix)
	return png.Encode(w, img)
}
