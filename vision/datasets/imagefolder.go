package datasets

import (
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // registers GIF decoding
	_ "image/jpeg"
	_ "image/png"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/vision/transforms"
)

// ImageExtensions are torchvision's IMG_EXTENSIONS: the file names (case
// insensitive) ImageFolder takes as samples. Only PNG, JPEG and GIF can be
// decoded here; the others are listed (so that sample indices match
// torchvision's) but fail in Get with an error naming the file.
var ImageExtensions = []string{".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp"}

// ImageFolder is torchvision.datasets.ImageFolder: root/CLASS/.../FILE,
// one folder per class. Classes are the sorted sub-folder names; samples
// are listed class by class, walking each class folder's directories in
// sorted path order and their files in sorted order, keeping files with an
// image extension, as torchvision does (symbolic links to directories are
// not followed). Images are decoded when read, converted to RGB.
type ImageFolder struct {
	Root    string
	Classes []string
	// Samples are the image paths with their class index.
	Samples []Sample
	// Transform, when set, is applied to each image in Get.
	Transform transforms.Transform
}

// Sample is one file of an ImageFolder and its class index.
type Sample struct {
	Path  string
	Class int64
}

func hasImageExtension(name string) bool {
	lower := strings.ToLower(name)
	for _, e := range ImageExtensions {
		if strings.HasSuffix(lower, e) {
			return true
		}
	}
	return false
}

// NewImageFolder lists root's classes and samples. A root without class
// folders, or a class folder without any image file, is an error (as in
// torchvision).
func NewImageFolder(root string) (*ImageFolder, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("datasets: ImageFolder: %w", err)
	}
	var classes []string
	for _, e := range entries {
		if isDir(filepath.Join(root, e.Name()), e) {
			classes = append(classes, e.Name())
		}
	}
	sort.Strings(classes)
	if len(classes) == 0 {
		return nil, fmt.Errorf("datasets: ImageFolder: couldn't find any class folder in %s", root)
	}
	f := &ImageFolder{Root: root, Classes: classes}
	var empty []string
	for ci, c := range classes {
		var dirs []string
		err := filepath.WalkDir(filepath.Join(root, c), func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if e.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("datasets: ImageFolder: %w", err)
		}
		sort.Strings(dirs)
		n := 0
		for _, dir := range dirs {
			files, err := os.ReadDir(dir)
			if err != nil {
				return nil, fmt.Errorf("datasets: ImageFolder: %w", err)
			}
			var names []string
			for _, e := range files {
				if !isDir(filepath.Join(dir, e.Name()), e) && hasImageExtension(e.Name()) {
					names = append(names, e.Name())
				}
			}
			sort.Strings(names)
			for _, name := range names {
				f.Samples = append(f.Samples, Sample{filepath.Join(dir, name), int64(ci)})
				n++
			}
		}
		if n == 0 {
			empty = append(empty, c)
		}
	}
	if len(empty) > 0 {
		return nil, fmt.Errorf("datasets: ImageFolder: found no valid file for the classes %s in %s; supported extensions are: %s",
			strings.Join(empty, ", "), root, strings.Join(ImageExtensions, ", "))
	}
	return f, nil
}

func isDir(p string, e fs.DirEntry) bool {
	if e.IsDir() {
		return true
	}
	if e.Type()&fs.ModeSymlink != 0 {
		st, err := os.Stat(p)
		return err == nil && st.IsDir()
	}
	return false
}

// Len is the number of samples.
func (f *ImageFolder) Len() int { return len(f.Samples) }

// Get decodes sample i as a (3, H, W) Uint8 RGB tensor (after Transform, if
// set) and returns it with its class index. An unreadable or undecodable
// file is an error naming it.
func (f *ImageFolder) Get(i int) (*torch.Tensor, int64, error) {
	if err := checkIndex("ImageFolder", i, f.Len()); err != nil {
		return nil, 0, err
	}
	s := f.Samples[i]
	img, err := ReadImage(s.Path)
	if err != nil {
		return nil, 0, fmt.Errorf("datasets: ImageFolder: %w", err)
	}
	img, err = applyTransform("ImageFolder", i, f.Transform, img)
	return img, s.Class, err
}

// ReadImage decodes a PNG, JPEG or GIF file into a (3, H, W) Uint8 RGB
// tensor, as PIL's Image.open(path).convert("RGB"): grey levels are
// repeated, palettes looked up, alpha dropped (colours are not
// premultiplied), 16-bit samples reduced to their high byte. PNG pixels
// equal PIL's. JPEG pixels come from Go's decoder: with full-resolution
// chroma (4:4:4) they are within 2 levels of PIL's (libjpeg's IDCT rounds
// differently); with subsampled chroma (4:2:0, most cameras) Go replicates
// chroma samples where libjpeg interpolates them ("fancy upsampling"), so
// colour edges can differ by tens of levels.
func ReadImage(path string) (*torch.Tensor, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	img, _, err := image.Decode(file)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot decode image: %w", path, err)
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	pix := make([]byte, 3*w*h)
	plane := w * h
	set := func(x, y int, r, g, bl uint8) {
		i := y*w + x
		pix[i], pix[plane+i], pix[2*plane+i] = r, g, bl
	}
	switch m := img.(type) {
	case *image.Gray:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				v := m.GrayAt(b.Min.X+x, b.Min.Y+y).Y
				set(x, y, v, v, v)
			}
		}
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				c := m.NRGBAAt(b.Min.X+x, b.Min.Y+y)
				set(x, y, c.R, c.G, c.B)
			}
		}
	default:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				r, g, bl := rgbOf(img.At(b.Min.X+x, b.Min.Y+y))
				set(x, y, r, g, bl)
			}
		}
	}
	return torch.FromBytes(pix, torch.Uint8, []int64{3, int64(h), int64(w)}), nil
}

// rgbOf returns a colour's straight (not premultiplied) 8-bit RGB.
func rgbOf(c color.Color) (uint8, uint8, uint8) {
	switch v := c.(type) {
	case color.NRGBA:
		return v.R, v.G, v.B
	case color.NRGBA64:
		return uint8(v.R >> 8), uint8(v.G >> 8), uint8(v.B >> 8)
	case color.Gray16:
		return uint8(v.Y >> 8), uint8(v.Y >> 8), uint8(v.Y >> 8)
	case color.RGBA64:
		if v.A == 0xffff {
			return uint8(v.R >> 8), uint8(v.G >> 8), uint8(v.B >> 8)
		}
	}
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	return n.R, n.G, n.B
}
