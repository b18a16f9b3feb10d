package datasets

import (
	"archive/tar"
	"compress/gzip"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// Downloader fetches torchvision's data set files: from torchvision's
// mirrors (MNIST: yann.lecun.com, then ossci-datasets.s3.amazonaws.com;
// Fashion-MNIST and KMNIST: their single mirrors; CIFAR: cs.toronto.edu),
// checking each file's MD5 against torchvision's. A file already present
// and verified is not fetched again. Every file is written to a temporary
// file in its folder, synced and renamed into place, so that an interrupted
// or failed download leaves nothing partial behind. A nil *Downloader uses
// the defaults.
type Downloader struct {
	// Client makes the requests (nil: a client with a 30-minute timeout).
	Client *http.Client
	// Mirrors, when set, replaces torchvision's base URLs (a private mirror,
	// a test server): file URLs are mirror + "/" + file name.
	Mirrors []string
	// Log, when set, receives one line per file fetched or skipped.
	Log io.Writer
}

var mnistDownloads = map[string]struct {
	mirrors []string
	files   []fileMD5
}{
	"MNIST": {[]string{"http://yann.lecun.com/exdb/mnist/", "https://ossci-datasets.s3.amazonaws.com/mnist/"}, []fileMD5{
		{"train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"}, {"train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"},
		{"t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"}, {"t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"}}},
	"FashionMNIST": {[]string{"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"}, []fileMD5{
		{"train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"}, {"train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"},
		{"t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"}, {"t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"}}},
	"KMNIST": {[]string{"http://codh.rois.ac.jp/kmnist/dataset/kmnist/"}, []fileMD5{
		{"train-images-idx3-ubyte.gz", "bdb82020997e1d708af4cf47b453dcf7"}, {"train-labels-idx1-ubyte.gz", "e144d726b3acfaa3e44228e80efcd344"},
		{"t10k-images-idx3-ubyte.gz", "5c965bf0a639b31b8f53240b1b52f4d7"}, {"t10k-labels-idx1-ubyte.gz", "7320c461ea6c1c855c0b718fb2a4b134"}}},
}

// Download fetches data set name ("MNIST", "FashionMNIST", "KMNIST",
// "CIFAR10" or "CIFAR100") into root in torchvision's layout: the MNIST
// family's .gz files and their decompressed copies in root/NAME/raw, CIFAR's
// archive in root and its files extracted below it.
func (d *Downloader) Download(name, root string) error {
	switch name {
	case "CIFAR10":
		return d.cifar(cifar10, root)
	case "CIFAR100":
		return d.cifar(cifar100, root)
	}
	if _, ok := mnistDownloads[name]; ok {
		return d.mnist(name, root)
	}
	return fmt.Errorf("datasets: no download for %q (MNIST, FashionMNIST, KMNIST, CIFAR10, CIFAR100)", name)
}

// LoadMNIST is MNIST, FashionMNIST or KMNIST (by name) with options: with
// o.Download it first fetches the missing files as torchvision's
// download=True does.
func LoadMNIST(name, root string, train bool, o Options) (*MNISTFamily, error) {
	if _, ok := mnistSets[name]; !ok {
		return nil, fmt.Errorf("datasets: unknown MNIST-family data set %q", name)
	}
	if o.Download {
		if err := o.Downloader.mnist(name, root); err != nil {
			return nil, err
		}
	}
	return loadMNIST(name, root, train)
}

func (d *Downloader) logf(format string, args ...any) {
	if d != nil && d.Log != nil {
		fmt.Fprintf(d.Log, format+"\n", args...)
	}
}

func (d *Downloader) client() *http.Client {
	if d != nil && d.Client != nil {
		return d.Client
	}
	return &http.Client{Timeout: 30 * time.Minute}
}

func (d *Downloader) mirrors(defaults []string) []string {
	if d != nil && len(d.Mirrors) > 0 {
		return d.Mirrors
	}
	return defaults
}

func (d *Downloader) mnist(name, root string) error {
	set := mnistDownloads[name]
	folder := filepath.Join(root, mnistSets[name].folder, "raw")
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return fmt.Errorf("datasets: %s: %w", name, err)
	}
	for _, f := range set.files {
		raw := filepath.Join(folder, strings.TrimSuffix(f.name, ".gz"))
		if _, err := os.Stat(raw); err == nil {
			d.logf("%s: %s present", name, raw)
			continue
		}
		gz := filepath.Join(folder, f.name)
		if err := d.fetch(name, gz, f.md5, d.mirrors(set.mirrors)); err != nil {
			return err
		}
		if err := gunzipTo(gz, raw); err != nil {
			return fmt.Errorf("datasets: %s: extracting %s: %w", name, gz, err)
		}
	}
	return nil
}

func (d *Downloader) cifar(set cifarFiles, root string) error {
	folder := filepath.Join(root, set.folder)
	all := append(append(append([]fileMD5(nil), set.train...), set.test...), set.meta)
	ok := true
	for _, f := range all {
		if !fileHasMD5(filepath.Join(folder, f.name), f.md5) {
			ok = false
			break
		}
	}
	if ok {
		d.logf("%s: files already downloaded and verified", set.name)
		return nil
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return fmt.Errorf("datasets: %s: %w", set.name, err)
	}
	archive := filepath.Join(root, set.archive.name)
	base, _ := path.Split(set.url)
	if err := d.fetch(set.name, archive, set.archive.md5, d.mirrors([]string{base})); err != nil {
		return err
	}
	if err := extractTarGz(archive, root, set.folder); err != nil {
		return fmt.Errorf("datasets: %s: extracting %s: %w", set.name, archive, err)
	}
	for _, f := range all {
		if p := filepath.Join(folder, f.name); !fileHasMD5(p, f.md5) {
			return fmt.Errorf("datasets: %s: %s is missing or corrupt after extracting %s", set.name, p, archive)
		}
	}
	return nil
}

func fileMD5Of(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func fileHasMD5(p, want string) bool {
	got, err := fileMD5Of(p)
	return err == nil && got == want
}

// fetch puts the file with MD5 sum want at dest, trying each mirror in turn,
// unless dest already has it.
func (d *Downloader) fetch(name, dest, want string, mirrors []string) error {
	if fileHasMD5(dest, want) {
		d.logf("%s: using downloaded and verified file %s", name, dest)
		return nil
	}
	var errs []string
	for _, m := range mirrors {
		url := strings.TrimSuffix(m, "/") + "/" + filepath.Base(dest)
		err := d.fetchOne(url, dest, want)
		if err == nil {
			d.logf("%s: downloaded %s", name, url)
			return nil
		}
		errs = append(errs, err.Error())
	}
	return fmt.Errorf("datasets: %s: could not download %s: %s (offline? put the file there by hand)",
		name, filepath.Base(dest), strings.Join(errs, "; "))
}

var errMD5 = errors.New("MD5 mismatch")

func (d *Downloader) fetchOne(url, dest, want string) (err error) {
	resp, err := d.client().Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %s", url, resp.Status)
	}
	h := md5.New()
	if err := writeAtomic(dest, func(w io.Writer) error {
		if _, err := io.Copy(io.MultiWriter(w, h), resp.Body); err != nil {
			return fmt.Errorf("%s: %w", url, err)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != want {
			return fmt.Errorf("%s: %w: got %s, expected %s", url, errMD5, got, want)
		}
		return nil
	}); err != nil {
		return err
	}
	return nil
}

// writeAtomic writes dest through fill into a temporary file in dest's
// folder, syncs it and renames it into place; on any error the temporary
// file is removed and dest is untouched.
func writeAtomic(dest string, fill func(w io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".*.part")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = fill(tmp); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dest)
}

// gzFile is an opened .gz file; Close closes the decompressor and the file.
type gzFile struct {
	*gzip.Reader
	f *os.File
}

func (g gzFile) Close() error {
	g.Reader.Close()
	return g.f.Close()
}

func openGzip(path string) (gzFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return gzFile{}, err
	}
	gz, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return gzFile{}, err
	}
	return gzFile{gz, f}, nil
}

func gunzipTo(src, dest string) error {
	gz, err := openGzip(src)
	if err != nil {
		return err
	}
	defer gz.Close()
	return writeAtomic(dest, func(w io.Writer) error {
		_, err := io.Copy(w, gz)
		return err
	})
}

// extractTarGz extracts the regular files under folder/ of a .tar.gz into
// root, refusing paths that leave it.
func extractTarGz(archive, root, folder string) error {
	gz, err := openGzip(archive)
	if err != nil {
		return err
	}
	defer gz.Close()
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name := path.Clean(hdr.Name)
		if hdr.Typeflag != tar.TypeReg || !strings.HasPrefix(name, folder+"/") {
			continue
		}
		if strings.Contains(name, "..") || path.IsAbs(name) {
			return fmt.Errorf("unsafe path %q in archive", hdr.Name)
		}
		dest := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
			return err
		}
		if err := writeAtomic(dest, func(w io.Writer) error {
			_, err := io.Copy(w, tr)
			return err
		}); err != nil {
			return err
		}
	}
}
