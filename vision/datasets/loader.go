package datasets

import "github.com/torchgo/torchgo/torch/data"

// ForLoader adapts a vision data set to torch/data: sample i is
// (image, label), so that data.DefaultCollate stacks a batch into images
// (N, C, H, W) and Int64 labels (N), as torchvision with a DataLoader does.
func ForLoader(d Dataset) data.Dataset { return loaderDataset{d} }

type loaderDataset struct{ d Dataset }

func (l loaderDataset) Len() int { return l.d.Len() }

func (l loaderDataset) Get(i int) (data.Sample, error) {
	img, label, err := l.d.Get(i)
	if err != nil {
		return nil, err
	}
	return data.Sample{img, label}, nil
}
