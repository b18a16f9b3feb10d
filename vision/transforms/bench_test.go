package transforms

import (
	"testing"

	"github.com/torchgo/torchgo/torch"
)

// BenchmarkMNISTBatch times the batch path on one (256, 1, 28, 28) Uint8
// MNIST batch: ToTensor and Normalize, and with RandomCrop(28, padding 2)
// and RandomHorizontalFlip in front.
func BenchmarkMNISTBatch(b *testing.B) {
	batch := torch.Randint(0, 256, []int64{256, 1, 28, 28}, torch.Uint8, torch.NewGenerator(0))
	norm := Normalize{[]float64{0.1307}, []float64{0.3081}}
	g := torch.NewGenerator(1)
	for name, c := range map[string]Compose{
		"ToTensor+Normalize": {ToTensor{}, norm},
		"Crop+Flip+ToTensor+Normalize": {RandomCrop{Size: []int64{28}, Padding: []int64{2}, Gen: g},
			RandomHorizontalFlip{P: 0.5, Gen: g}, ToTensor{}, norm},
	} {
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				c.ApplyBatch(batch).Close()
			}
		})
	}
}
