package datasets

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/torch/pt"
	"github.com/torchgo/torchgo/vision/transforms"
)

// CIFAR is CIFAR-10 or CIFAR-100 (fine labels), held in memory.
type CIFAR struct {
	// Images is (N, 3, 32, 32) Uint8 (torchvision's .data is the same
	// pixels as (N, 32, 32, 3)).
	Images *torch.Tensor
	// Labels is (N) Int64, torchvision's .targets.
	Labels *torch.Tensor
	// Classes names the labels (from batches.meta or meta).
	Classes []string
	// Folder is where the files were read from (root/cifar-10-batches-py).
	Folder string
	// Transform, when set, is applied to each image in Get.
	Transform transforms.Transform

	name   string
	labels []int64
}

type cifarFiles struct {
	name, folder string
	train, test  []fileMD5
	meta         fileMD5
	metaKey      string
	archive      fileMD5
	url          string
	labelKeys    []string
	classCount   int
}

type fileMD5 struct{ name, md5 string }

var cifar10 = cifarFiles{
	name: "CIFAR10", folder: "cifar-10-batches-py",
	train: []fileMD5{{"data_batch_1", "c99cafc152244af753f735de768cd75f"}, {"data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"},
		{"data_batch_3", "54ebc095f3ab1f0389bbae665268c751"}, {"data_batch_4", "634d18415352ddfa80567beed471001a"},
		{"data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"}},
	test:      []fileMD5{{"test_batch", "40351d587109b95175f43aff81a1287e"}},
	meta:      fileMD5{"batches.meta", "5ff9c542aee3614f3951f8cda6e48888"},
	metaKey:   "label_names",
	archive:   fileMD5{"cifar-10-python.tar.gz", "c58f30108f718f92721af3b95e74349a"},
	url:       "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
	labelKeys: []string{"labels", "fine_labels"}, classCount: 10,
}

var cifar100 = cifarFiles{
	name: "CIFAR100", folder: "cifar-100-python",
	train:     []fileMD5{{"train", "16019d7e3df5f24257cddd939b257f8d"}},
	test:      []fileMD5{{"test", "f0ef6b0ae62326f3e7ffdfab6717acfc"}},
	meta:      fileMD5{"meta", "7973b15100ade9c7d40fb424638fde48"},
	metaKey:   "fine_label_names",
	archive:   fileMD5{"cifar-100-python.tar.gz", "eb9058c3a382ffc7106e4002c42a8d85"},
	url:       "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
	labelKeys: []string{"labels", "fine_labels"}, classCount: 100,
}

// Options are the optional arguments of the loaders; the zero value reads
// files already on disk.
type Options struct {
	// Download fetches missing or corrupt files first (download=True), from
	// torchvision's URLs, checking their MD5s.
	Download bool
	// Downloader overrides the HTTP client and mirrors (nil: the defaults).
	Downloader *Downloader
}

// CIFAR10 reads torchvision.datasets.CIFAR10(root, train): the pickled
// batches in root/cifar-10-batches-py (data_batch_1..5 or test_batch) and
// batches.meta for the class names. Files on disk are not MD5-checked
// unless o.Download is set (then they are verified, and fetched when wrong).
func CIFAR10(root string, train bool, o Options) (*CIFAR, error) {
	return loadCIFAR(cifar10, root, train, o)
}

// CIFAR100 reads torchvision.datasets.CIFAR100(root, train) from
// root/cifar-100-python (train or test, and meta), with the 100 fine labels.
func CIFAR100(root string, train bool, o Options) (*CIFAR, error) {
	return loadCIFAR(cifar100, root, train, o)
}

func loadCIFAR(set cifarFiles, root string, train bool, o Options) (*CIFAR, error) {
	if o.Download {
		if err := o.Downloader.cifar(set, root); err != nil {
			return nil, err
		}
	}
	folder := filepath.Join(root, set.folder)
	files := set.test
	if train {
		files = set.train
	}
	classes, err := readCIFARMeta(set, filepath.Join(folder, set.meta.name))
	if err != nil {
		return nil, err
	}
	var data []byte
	var labels []int64
	for _, f := range files {
		d, l, err := readCIFARBatch(set, filepath.Join(folder, f.name), len(classes))
		if err != nil {
			return nil, err
		}
		data = append(data, d...)
		labels = append(labels, l...)
	}
	n := int64(len(labels))
	return &CIFAR{
		Images:  torch.FromBytes(data, torch.Uint8, []int64{n, 3, 32, 32}).Persist(),
		Labels:  torch.FromSlice(labels, []int64{n}).Persist(),
		Classes: classes,
		Folder:  folder,
		name:    set.name,
		labels:  labels,
	}, nil
}

// cifarGlobals are the globals CIFAR's pickles name besides the data
// constructors pt.LoadPickle always allows (_codecs.encode is how Python 3
// pickles bytes at protocol 2): numpy's array reconstruction, mapped to Go
// code here, so that nothing from a file is executed.
var cifarGlobals = map[string]pt.Global{
	"numpy.core.multiarray._reconstruct":  {Call: newNDArray},
	"numpy._core.multiarray._reconstruct": {Call: newNDArray},
	"numpy.ndarray":                       {},
	"numpy.dtype":                         {Call: newNPDType},
}

// ndarray is a numpy array read from a pickle: uint8 data with a shape.
type ndarray struct {
	shape []int64
	data  []byte
}

// newNDArray is numpy.core.multiarray._reconstruct(numpy.ndarray, (0,),
// b'b'): an empty array that BUILD fills.
func newNDArray(args pt.Tuple) (any, error) {
	if len(args) != 3 || args[0] != pt.GlobalRef("numpy.ndarray") {
		return nil, errors.New("numpy _reconstruct of something else than numpy.ndarray")
	}
	return &ndarray{}, nil
}

// SetState is ndarray.__setstate__((version, shape, dtype, is_fortran,
// data)).
func (a *ndarray) SetState(state any) error {
	st, ok := state.(pt.Tuple)
	if !ok || len(st) != 5 {
		return errors.New("numpy array state is not a 5-tuple")
	}
	shape, ok1 := st[1].(pt.Tuple)
	dt, ok2 := st[2].(*npDType)
	fortran, _ := st[3].(bool)
	if !ok1 || !ok2 {
		return errors.New("numpy array state has no shape or dtype")
	}
	if fortran {
		return errors.New("Fortran-ordered numpy arrays are not supported")
	}
	if dt.str != "u1" {
		return fmt.Errorf("numpy array of dtype %q, expected uint8 (u1)", dt.str)
	}
	n := int64(1)
	for _, d := range shape {
		v, ok := d.(int64)
		if !ok || v < 0 {
			return errors.New("bad numpy shape")
		}
		a.shape = append(a.shape, v)
		if n *= v; n > 1<<40 {
			return errors.New("numpy shape too large")
		}
	}
	switch raw := st[4].(type) {
	case []byte:
		a.data = raw
	case string: // a str decoded as Latin-1
		b, err := latin1Bytes(raw)
		if err != nil {
			return err
		}
		a.data = b
	default:
		return fmt.Errorf("numpy array data is a %T", st[4])
	}
	if int64(len(a.data)) != n {
		return fmt.Errorf("numpy array of shape %v holds %d bytes, expected %d", a.shape, len(a.data), n)
	}
	return nil
}

// npDType is a numpy.dtype value.
type npDType struct{ str string }

// newNPDType is numpy.dtype(str, align, copy).
func newNPDType(args pt.Tuple) (any, error) {
	if len(args) < 1 {
		return nil, errors.New("numpy.dtype without arguments")
	}
	s, ok := text(args[0])
	if !ok {
		return nil, errors.New("numpy.dtype of a non-string")
	}
	return &npDType{s}, nil
}

// SetState takes the dtype's (version, byte order, ...) state: only uint8,
// which has none that matters, is accepted later.
func (*npDType) SetState(any) error { return nil }

// latin1Bytes is str.encode("latin1").
func latin1Bytes(s string) ([]byte, error) {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 255 {
			return nil, errors.New("character outside Latin-1 in an encoded byte string")
		}
		out = append(out, byte(r))
	}
	return out, nil
}

// text is a str, or a Python 2 str read as bytes, as a Go string (bytes
// as Latin-1, as pickle.load(f, encoding="latin1") in torchvision gives).
func text(v any) (string, bool) {
	switch s := v.(type) {
	case string:
		return s, true
	case []byte:
		r := make([]rune, len(s))
		for i, c := range s {
			r[i] = rune(c)
		}
		return string(r), true
	}
	return "", false
}

// field returns the value of a dict under the str key name or, in Python 2
// pickles, the same bytes key.
func field(d *pt.OrderedDict, name string) any {
	if v, ok := d.Get(name); ok {
		return v
	}
	v, _ := d.Get([]byte(name))
	return v
}

// openPickle reads one of CIFAR's Python pickles with pt.LoadPickle, Python
// 2 str values as bytes.
func openPickle(name, path string) (any, error) {
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("datasets: %s: %s not found (use Options{Download: true}, or point root at torchvision's data folder)", name, path)
		}
		return nil, fmt.Errorf("datasets: %s: %w", name, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("datasets: %s: %w", name, err)
	}
	magic := make([]byte, 1)
	if _, err := f.ReadAt(magic, 0); err != nil || magic[0] != 0x80 {
		return nil, fmt.Errorf("datasets: %s: %s is not a Python pickle (protocol ≥ 2)", name, path)
	}
	v, err := pt.LoadPickle(bufio.NewReader(f), st.Size(), pt.PickleOptions{Globals: cifarGlobals, Encoding: "bytes", Name: filepath.Base(path)})
	switch {
	case errors.Is(err, pt.ErrForbiddenGlobal):
		return nil, fmt.Errorf("datasets: %s: %s: %w (refused: CIFAR files use no other global)", name, path, err)
	case errors.Is(err, pt.ErrTruncated):
		return nil, fmt.Errorf("datasets: %s: %s: truncated pickle: %w", name, path, err)
	case err != nil:
		return nil, fmt.Errorf("datasets: %s: %s: %w", name, path, err)
	}
	return v, nil
}

func readCIFARMeta(set cifarFiles, path string) ([]string, error) {
	v, err := openPickle(set.name, path)
	if err != nil {
		return nil, err
	}
	d, ok := v.(*pt.OrderedDict)
	if !ok {
		return nil, fmt.Errorf("datasets: %s: %s holds a %T, not a dict", set.name, path, v)
	}
	list, ok := field(d, set.metaKey).([]any)
	if !ok {
		return nil, fmt.Errorf("datasets: %s: %s has no list %q", set.name, path, set.metaKey)
	}
	classes := make([]string, len(list))
	for i, c := range list {
		s, ok := text(c)
		if !ok {
			return nil, fmt.Errorf("datasets: %s: %s: class name %d is a %T", set.name, path, i, c)
		}
		classes[i] = s
	}
	if len(classes) != set.classCount {
		return nil, fmt.Errorf("datasets: %s: %s names %d classes, expected %d", set.name, path, len(classes), set.classCount)
	}
	return classes, nil
}

func readCIFARBatch(set cifarFiles, path string, classes int) ([]byte, []int64, error) {
	v, err := openPickle(set.name, path)
	if err != nil {
		return nil, nil, err
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("datasets: %s: %s: %s", set.name, path, fmt.Sprintf(format, args...))
	}
	d, ok := v.(*pt.OrderedDict)
	if !ok {
		return nil, nil, bad("holds a %T, not a dict", v)
	}
	arr, ok := field(d, "data").(*ndarray)
	if !ok {
		return nil, nil, bad(`no numpy array under "data"`)
	}
	if len(arr.shape) != 2 || arr.shape[1] != 3072 {
		return nil, nil, bad("data has shape %v, expected (N, 3072)", arr.shape)
	}
	var list []any
	for _, k := range set.labelKeys {
		if l, ok := field(d, k).([]any); ok {
			list = l
			break
		}
	}
	if list == nil {
		return nil, nil, bad("no label list (%v)", set.labelKeys)
	}
	if int64(len(list)) != arr.shape[0] {
		return nil, nil, bad("%d images but %d labels", arr.shape[0], len(list))
	}
	labels := make([]int64, len(list))
	for i, l := range list {
		x, ok := l.(int64)
		if !ok || x < 0 || x >= int64(classes) {
			return nil, nil, bad("label %v of sample %d is out of range 0..%d", l, i, classes-1)
		}
		labels[i] = x
	}
	return arr.data, labels, nil
}

// Len is the number of samples.
func (c *CIFAR) Len() int { return len(c.labels) }

// Get returns image i as a (3, 32, 32) Uint8 copy (after Transform, if
// set) and its label.
func (c *CIFAR) Get(i int) (*torch.Tensor, int64, error) {
	if err := checkIndex(c.name, i, c.Len()); err != nil {
		return nil, 0, err
	}
	var img *torch.Tensor
	err := torch.Catch(func() error {
		torch.WithScope(func(s *torch.Scope) {
			img = c.Images.Select(0, int64(i)).Clone()
			s.Keep(img)
		})
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	img, err = applyTransform(c.name, i, c.Transform, img)
	return img, c.labels[i], err
}

// Close frees the tensors.
func (c *CIFAR) Close() {
	c.Images.Close()
	c.Labels.Close()
}
