package datasets

import (
	"fmt"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/vision/transforms"
)

// Dataset is a map-style data set of labelled images, as torchvision's
// data sets: Len samples, each an image tensor and an Int64 class label.
type Dataset interface {
	// Len is the number of samples.
	Len() int
	// Get returns sample i (0 ≤ i < Len): the image (after the data set's
	// transform, if any) and its label. Errors name the file at fault.
	Get(i int) (image *torch.Tensor, label int64, err error)
}

// applyTransform runs t on img (nil: none), turning a transform's panic
// into an error naming the data set and sample.
func applyTransform(name string, i int, t transforms.Transform, img *torch.Tensor) (*torch.Tensor, error) {
	if t == nil {
		return img, nil
	}
	var out *torch.Tensor
	err := torch.Catch(func() error {
		out = t.Apply(img)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("datasets: %s: sample %d: transform: %w", name, i, err)
	}
	if out != img {
		img.Close()
	}
	return out, nil
}

func checkIndex(name string, i, n int) error {
	if i < 0 || i >= n {
		return fmt.Errorf("datasets: %s: index %d out of range [0, %d)", name, i, n)
	}
	return nil
}

// Transformed is a Dataset whose images go through Transform in Get.
type Transformed struct {
	Dataset   Dataset
	Transform transforms.Transform
}

// WithTransform wraps d so that Get applies t to each image (as a
// torchvision data set's transform=).
func WithTransform(d Dataset, t transforms.Transform) *Transformed {
	return &Transformed{Dataset: d, Transform: t}
}

// Len is the wrapped data set's length.
func (d *Transformed) Len() int { return d.Dataset.Len() }

// Get returns the wrapped sample with its image transformed.
func (d *Transformed) Get(i int) (*torch.Tensor, int64, error) {
	img, label, err := d.Dataset.Get(i)
	if err != nil {
		return nil, 0, err
	}
	img, err = applyTransform(fmt.Sprintf("%T", d.Dataset), i, d.Transform, img)
	return img, label, err
}

// Get returns image i of an MNIST-family split as a (1, 28, 28) Uint8 copy
// (torchvision's PIL image in tensor form; ToTensor turns it into floats)
// and its label. Wrap the data set with WithTransform to transform images.
func (m *MNISTFamily) Get(i int) (*torch.Tensor, int64, error) {
	if err := checkIndex("MNIST", i, m.Len()); err != nil {
		return nil, 0, err
	}
	var img *torch.Tensor
	var label int64
	err := torch.Catch(func() error {
		torch.WithScope(func(s *torch.Scope) {
			img = m.Images.Select(0, int64(i)).Unsqueeze(0).Clone()
			label = m.Labels.Select(0, int64(i)).ItemInt()
			s.Keep(img)
		})
		return nil
	})
	return img, label, err
}
