package datasets

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/torchgo/torchgo/torch"
)

// MNISTFamily is a data set in MNIST's format: 28×28 grey images with a
// class label. The whole split is held in memory as two tensors.
type MNISTFamily struct {
	// Images is (N, 28, 28) Uint8, as torchvision's .data.
	Images *torch.Tensor
	// Labels is (N) Int64, as torchvision's .targets.
	Labels *torch.Tensor
	// Classes names the labels 0..len-1.
	Classes []string
	// Folder is where the files were read from (root/MNIST/raw).
	Folder string
}

type mnistFiles struct {
	folder      string // below root: "MNIST", "FashionMNIST", "KMNIST"
	train, test [2]string
	classes     []string
}

var mnistSets = map[string]mnistFiles{
	"MNIST": {"MNIST", [2]string{"train-images-idx3-ubyte", "train-labels-idx1-ubyte"},
		[2]string{"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"},
		[]string{"0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"}},
	"FashionMNIST": {"FashionMNIST", [2]string{"train-images-idx3-ubyte", "train-labels-idx1-ubyte"},
		[2]string{"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"},
		[]string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}},
	"KMNIST": {"KMNIST", [2]string{"train-images-idx3-ubyte", "train-labels-idx1-ubyte"},
		[2]string{"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"},
		[]string{"o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"}},
}

// MNIST reads torchvision.datasets.MNIST(root, train): the files
// root/MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte (or their
// .gz). scripts/setup.sh puts the real MNIST there.
func MNIST(root string, train bool) (*MNISTFamily, error) { return loadMNIST("MNIST", root, train) }

// FashionMNIST reads torchvision.datasets.FashionMNIST(root, train) from
// root/FashionMNIST/raw.
func FashionMNIST(root string, train bool) (*MNISTFamily, error) {
	return loadMNIST("FashionMNIST", root, train)
}

// KMNIST reads torchvision.datasets.KMNIST(root, train) from root/KMNIST/raw.
func KMNIST(root string, train bool) (*MNISTFamily, error) { return loadMNIST("KMNIST", root, train) }

// existing returns path, or path.gz when only the compressed file is there.
func existing(path string) (string, error) {
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	if _, err := os.Stat(path + ".gz"); err == nil {
		return path + ".gz", nil
	}
	return "", fmt.Errorf("%s not found (nor %s.gz)", path, filepath.Base(path))
}

func loadMNIST(name, root string, train bool) (*MNISTFamily, error) {
	set := mnistSets[name]
	folder := filepath.Join(root, set.folder, "raw")
	files := set.test
	if train {
		files = set.train
	}
	imgPath, err := existing(filepath.Join(folder, files[0]))
	if err != nil {
		return nil, fmt.Errorf("datasets: %s: %w (run scripts/setup.sh, or point root at torchvision's data folder)", name, err)
	}
	lblPath, err := existing(filepath.Join(folder, files[1]))
	if err != nil {
		return nil, fmt.Errorf("datasets: %s: %w", name, err)
	}
	images, err := readIDX(imgPath, 3)
	if err != nil {
		return nil, fmt.Errorf("datasets: %s: %w", name, err)
	}
	labels, err := readIDX(lblPath, 1)
	if err != nil {
		return nil, fmt.Errorf("datasets: %s: %w", name, err)
	}
	if images.shape[0] != labels.shape[0] {
		return nil, fmt.Errorf("datasets: %s: %s holds %d images but %s holds %d labels", name, imgPath, images.shape[0], lblPath, labels.shape[0])
	}
	lbl := make([]int64, len(labels.data))
	for i, b := range labels.data {
		if int(b) >= len(set.classes) {
			return nil, fmt.Errorf("datasets: %s: %s: label %d of sample %d is out of range 0..%d", name, lblPath, b, i, len(set.classes)-1)
		}
		lbl[i] = int64(b)
	}
	return &MNISTFamily{
		Images:  torch.FromBytes(images.data, torch.Uint8, images.shape).Persist(),
		Labels:  torch.FromSlice(lbl, nil).Persist(),
		Classes: set.classes,
		Folder:  folder,
	}, nil
}

// Len is the number of samples.
func (m *MNISTFamily) Len() int { return int(m.Labels.Size(0)) }

// ToTensor returns every image as torchvision's ToTensor() makes it, in one
// batched op: (N, 1, 28, 28) Float32 in [0, 1], bit-identical to
// ToTensor()(img) sample by sample.
func (m *MNISTFamily) ToTensor() *torch.Tensor {
	return m.Images.Unsqueeze(1).To(torch.Float32).DivScalar(255)
}

// Close frees the tensors.
func (m *MNISTFamily) Close() {
	m.Images.Close()
	m.Labels.Close()
}
