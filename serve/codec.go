package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	_ "image/jpeg" // JPEG bodies decode
	_ "image/png"  // PNG bodies decode
	"io"
	"net/http"
	"strconv"

	"github.com/torchgo/torchgo/torch"
)

// Error is a refused request: the HTTP status and a one-line reason, sent
// to the client as text. Decoders and encoders return it (see Errorf);
// any other error from a decoder is answered 400, from an encoder 500.
type Error struct {
	Status int    // the HTTP status, e.g. http.StatusBadRequest
	Msg    string // the reason, one line, sent as the body
}

func (e *Error) Error() string { return e.Msg }

// Errorf returns an *Error with status and a formatted reason.
func Errorf(status int, format string, args ...any) *Error {
	return &Error{Status: status, Msg: fmt.Sprintf(format, args...)}
}

// statusOf is err's status: an *Error's, else def.
func statusOf(err error, def int) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return def
}

// Decoder turns a prediction request into one input sample: a CPU tensor
// without the batch dimension. body is the request body, already read
// within Options.MaxBodyBytes. A decoder should check its input, and
// refuse it with an *Error, before it makes any tensor. It runs on the
// request's goroutine inside a torch.WithScope; the sample it returns is
// kept, and freed by the server once its batch ran.
type Decoder interface {
	Decode(r *http.Request, body []byte) (*torch.Tensor, error)
}

// DecoderFunc adapts a function to Decoder.
type DecoderFunc func(r *http.Request, body []byte) (*torch.Tensor, error)

// Decode calls f.
func (f DecoderFunc) Decode(r *http.Request, body []byte) (*torch.Tensor, error) { return f(r, body) }

// SampleSpec is implemented by decoders that know the shape (without the
// batch dimension) and dtype of the samples they make; New takes
// Options.InputShape and InputDType from it when they are unset.
type SampleSpec interface {
	SampleSpec() (shape []int64, dtype torch.DType)
}

// Encoder turns one row of the model's output (the output with the batch
// dimension removed, on the CPU) into the answer: a value that the server
// writes as JSON, or a Raw. It runs on the worker's thread inside the
// batch's torch.WithScope, so it may use tensor operations; it should be
// quick, since the batch's other answers wait for it.
type Encoder interface {
	Encode(row *torch.Tensor) (any, error)
}

// EncoderFunc adapts a function to Encoder.
type EncoderFunc func(row *torch.Tensor) (any, error)

// Encode calls f.
func (f EncoderFunc) Encode(row *torch.Tensor) (any, error) { return f(row) }

// Raw is an answer written as is, instead of as JSON.
type Raw struct {
	ContentType string // default "application/octet-stream"
	Body        []byte
}

// ImageDecoder decodes a PNG or JPEG body into a (C, Height, Width)
// Float32 sample with values in [0, 1] (torchvision's ToTensor), then
// (x - Mean[c]) / Std[c] per channel when Mean is set (Normalize); the
// arithmetic is float32, as in torchvision, so the values equal Python's
// for the same pixels. The image's dimensions are read from its header
// (image.DecodeConfig) and checked before any pixel is decoded: decoding
// allocates width×height×(up to 8) bytes whatever the body's size.
type ImageDecoder struct {
	// Width and Height are the size the model takes, in pixels; an image
	// of another size is refused with 400. Required.
	Width, Height int
	// Gray makes one channel (luma, as image/color converts) instead of
	// three (RGB).
	Gray bool
	// Mean and Std, when Mean is set, normalise each channel; both must
	// have one value per channel. Default: no normalisation.
	Mean, Std []float32
	// MaxSide bounds an image's width and height, read from its header;
	// a larger image is refused with 413. Default 4096.
	MaxSide int
	// MaxPixels bounds an image's width×height, read from its header; a
	// larger image is refused with 413. Default 1<<22.
	MaxPixels int64
}

func (d *ImageDecoder) channels() int {
	if d.Gray {
		return 1
	}
	return 3
}

// SampleSpec is (C, Height, Width), Float32.
func (d *ImageDecoder) SampleSpec() ([]int64, torch.DType) {
	return []int64{int64(d.channels()), int64(d.Height), int64(d.Width)}, torch.Float32
}

// Decode checks and decodes one image.
func (d *ImageDecoder) Decode(_ *http.Request, body []byte) (*torch.Tensor, error) {
	maxSide, maxPixels := d.MaxSide, d.MaxPixels
	if maxSide <= 0 {
		maxSide = 4096
	}
	if maxPixels <= 0 {
		maxPixels = 1 << 22
	}
	c := d.channels()
	if d.Mean != nil && (len(d.Mean) != c || len(d.Std) != c) {
		return nil, Errorf(http.StatusInternalServerError, "ImageDecoder: Mean and Std need %d values each", c)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(body))
	if err != nil {
		return nil, Errorf(http.StatusBadRequest, "body is not a PNG or JPEG image: %v", err)
	}
	w, h := int64(cfg.Width), int64(cfg.Height)
	if w > int64(maxSide) || h > int64(maxSide) || w*h > maxPixels {
		return nil, Errorf(http.StatusRequestEntityTooLarge,
			"image is %dx%d; at most %d pixels a side and %d in all accepted (the model wants %dx%d)",
			w, h, maxSide, maxPixels, d.Width, d.Height)
	}
	if w != int64(d.Width) || h != int64(d.Height) {
		return nil, Errorf(http.StatusBadRequest, "image is %dx%d; the model wants %dx%d", w, h, d.Width, d.Height)
	}
	img, _, err := image.Decode(bytes.NewReader(body))
	if err != nil {
		return nil, Errorf(http.StatusBadRequest, "body is not a PNG or JPEG image: %v", err)
	}
	b := img.Bounds()
	if b.Dx() != d.Width || b.Dy() != d.Height {
		return nil, Errorf(http.StatusBadRequest, "image is %dx%d; the model wants %dx%d", b.Dx(), b.Dy(), d.Width, d.Height)
	}
	plane := d.Width * d.Height
	data := make([]float32, c*plane)
	if d.Gray {
		g, ok := img.(*image.Gray)
		if !ok {
			g = image.NewGray(image.Rect(0, 0, d.Width, d.Height))
			draw.Draw(g, g.Bounds(), img, b.Min, draw.Src)
		}
		for y := 0; y < d.Height; y++ {
			row := g.Pix[y*g.Stride : y*g.Stride+d.Width]
			for x, p := range row {
				data[y*d.Width+x] = d.norm(0, p)
			}
		}
	} else {
		for y := 0; y < d.Height; y++ {
			for x := 0; x < d.Width; x++ {
				r, g, bl := rgb(img, b.Min.X+x, b.Min.Y+y)
				i := y*d.Width + x
				data[i], data[plane+i], data[2*plane+i] = d.norm(0, r), d.norm(1, g), d.norm(2, bl)
			}
		}
	}
	return torch.FromSlice(data, []int64{int64(c), int64(d.Height), int64(d.Width)}), nil
}

// norm is ToTensor and Normalize for one 8-bit value of channel c.
func (d *ImageDecoder) norm(c int, p uint8) float32 {
	v := float32(p) / 255
	if d.Mean != nil {
		v = (v - d.Mean[c]) / d.Std[c]
	}
	return v
}

// rgb is the 8-bit RGB of one pixel, read without the interface's 16-bit
// round trip for the common layouts (a JPEG's YCbCr, a PNG's RGBA).
func rgb(img image.Image, x, y int) (uint8, uint8, uint8) {
	switch m := img.(type) {
	case *image.YCbCr:
		yi, ci := m.YOffset(x, y), m.COffset(x, y)
		return color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
	case *image.RGBA:
		i := m.PixOffset(x, y)
		return m.Pix[i], m.Pix[i+1], m.Pix[i+2]
	case *image.NRGBA:
		i := m.PixOffset(x, y)
		return m.Pix[i], m.Pix[i+1], m.Pix[i+2]
	case *image.Gray:
		v := m.Pix[m.PixOffset(x, y)]
		return v, v, v
	}
	r, g, b, _ := img.At(x, y).RGBA()
	return uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)
}

// JSONDecoder decodes a JSON body {"data": [...]} (optionally with
// "shape": [...], which must then equal Shape) into a sample of Shape.
// "data" holds the values either flat in row-major order or as nested
// arrays of Shape. The body is read as a stream of tokens: a wrong shape
// or a value count other than Shape's is refused with 400 before the
// values are stored beyond Shape's count, and before any tensor is made.
type JSONDecoder struct {
	// Shape is the shape of one sample, without the batch dimension.
	// Required; at most 8 dimensions and 1<<24 values.
	Shape []int64
	// DType is the sample's dtype: Float32 (default, nil) or Int64 (token
	// ids, class indices).
	DType *torch.DType
}

// SampleSpec is Shape and DType.
func (d *JSONDecoder) SampleSpec() ([]int64, torch.DType) { return d.Shape, d.dtype() }

func (d *JSONDecoder) dtype() torch.DType {
	if d.DType == nil {
		return torch.Float32
	}
	return *d.DType
}

// jsonMaxValues bounds JSONDecoder.Shape's value count.
const jsonMaxValues = 1 << 24

// Decode checks and decodes one JSON sample.
func (d *JSONDecoder) Decode(_ *http.Request, body []byte) (*torch.Tensor, error) {
	want := int64(1)
	if len(d.Shape) > 8 {
		return nil, Errorf(http.StatusInternalServerError, "JSONDecoder: Shape %v has over 8 dimensions", d.Shape)
	}
	for _, s := range d.Shape {
		if s < 1 || s > jsonMaxValues || want*s > jsonMaxValues {
			return nil, Errorf(http.StatusInternalServerError, "JSONDecoder: Shape %v is empty or over %d values", d.Shape, jsonMaxValues)
		}
		want *= s
	}
	dt := d.dtype()
	if dt != torch.Float32 && dt != torch.Int64 {
		return nil, Errorf(http.StatusInternalServerError, "JSONDecoder: dtype %v is neither float32 nor int64", dt)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, Errorf(http.StatusBadRequest, `body is not a JSON object {"data": [...]}`)
	}
	var (
		floats  []float32
		ints    []int64
		gotData bool
	)
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, Errorf(http.StatusBadRequest, "bad JSON: %v", err)
		}
		switch t {
		case "shape":
			var shape []int64
			if err := dec.Decode(&shape); err != nil || len(shape) > 8 {
				return nil, Errorf(http.StatusBadRequest, `"shape" is not a list of at most 8 integers`)
			}
			if !equalShape(shape, d.Shape) {
				return nil, Errorf(http.StatusBadRequest, "shape %v; the model takes %v", shape, d.Shape)
			}
		case "data":
			gotData = true
			var n int64
			err := readValues(dec, d.Shape, want, func(v json.Number) error {
				if dt == torch.Int64 {
					i, err := v.Int64()
					if err != nil {
						return Errorf(http.StatusBadRequest, "value %s is not an integer", v)
					}
					ints = append(ints, i)
				} else {
					f, err := strconv.ParseFloat(v.String(), 32)
					if err != nil {
						return Errorf(http.StatusBadRequest, "value %s is not a float32", v)
					}
					floats = append(floats, float32(f))
				}
				n++
				return nil
			})
			if err != nil {
				return nil, err
			}
			if n != want {
				return nil, Errorf(http.StatusBadRequest, "%d values; the model takes %v (%d values)", n, d.Shape, want)
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, Errorf(http.StatusBadRequest, "bad JSON: %v", err)
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, Errorf(http.StatusBadRequest, "bad JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, Errorf(http.StatusBadRequest, "bad JSON: data after the object")
	}
	if !gotData {
		return nil, Errorf(http.StatusBadRequest, `body has no "data"`)
	}
	if dt == torch.Int64 {
		return torch.FromSlice(ints, d.Shape), nil
	}
	return torch.FromSlice(floats, d.Shape), nil
}

// readValues reads a JSON array of numbers, flat or nested as shape,
// calling f for each number in order; it fails as soon as more than max
// numbers come, or a nesting departs from shape.
func readValues(dec *json.Decoder, shape []int64, max int64, f func(json.Number) error) error {
	bad := func() error {
		return Errorf(http.StatusBadRequest, `"data" is not a flat or %v-nested list of numbers`, shape)
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('[') {
		return bad()
	}
	depth, nested := 1, false
	counts := []int64{0} // elements seen at each open level
	var n int64
	for depth > 0 {
		t, err := dec.Token()
		if err != nil {
			return bad()
		}
		switch v := t.(type) {
		case json.Delim:
			if v == '[' {
				nested = true
				counts[depth-1]++
				if depth >= len(shape) || counts[depth-1] > shape[depth-1] {
					return bad()
				}
				depth++
				counts = append(counts, 0)
				continue
			}
			if v != ']' {
				return bad()
			}
			if nested && counts[depth-1] != shape[depth-1] {
				return bad()
			}
			counts = counts[:depth-1]
			depth--
		case json.Number:
			if nested && depth != len(shape) {
				return bad()
			}
			counts[depth-1]++
			if nested && counts[depth-1] > shape[depth-1] {
				return bad()
			}
			if n++; n > max {
				return Errorf(http.StatusBadRequest, "over %d values; the model takes %v", max, shape)
			}
			if err := f(v); err != nil {
				return err
			}
		default:
			return bad()
		}
	}
	return nil
}

func equalShape(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Classifier answers a row of logits with its softmax and the most likely
// class: {"class": 7, "probabilities": [...]} and, with Labels, "label".
type Classifier struct {
	// Labels name the classes, in order; default none.
	Labels []string
}

// Prediction is Classifier's answer.
type Prediction struct {
	Class         int       `json:"class"`
	Label         string    `json:"label,omitempty"`
	Probabilities []float32 `json:"probabilities"`
}

// Encode computes the softmax of a 1-D row of logits.
func (c Classifier) Encode(row *torch.Tensor) (any, error) {
	if len(row.Shape()) != 1 {
		return nil, fmt.Errorf("Classifier: output row has shape %v, want 1-D logits", row.Shape())
	}
	probs := torch.Softmax(row.To(torch.Float32), 0)
	p := Prediction{Probabilities: probs.Float32s(), Class: int(probs.Argmax().ItemInt())}
	if p.Class < len(c.Labels) {
		p.Label = c.Labels[p.Class]
	}
	return p, nil
}

// TensorEncoder answers a row as it is: {"shape": [...], "dtype":
// "float32", "data": [...]} with the values flat in row-major order, as
// float32 (each value's shortest decimal form, which reads back to the
// same bits) for floating dtypes, else as integers.
type TensorEncoder struct{}

// TensorAnswer is TensorEncoder's answer.
type TensorAnswer struct {
	Shape []int64 `json:"shape"`
	DType string  `json:"dtype"`
	Data  any     `json:"data"`
}

// Encode copies the row.
func (TensorEncoder) Encode(row *torch.Tensor) (any, error) {
	a := TensorAnswer{Shape: row.Shape(), DType: row.DType().String()}
	if a.Shape == nil {
		a.Shape = []int64{}
	}
	if row.DType().IsFloatingPoint() {
		a.Data = row.Float32s()
		a.DType = "float32"
	} else {
		a.Data = row.Int64s()
	}
	return a, nil
}
