package datasets

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func md5hex(b []byte) string { s := md5.Sum(b); return hex.EncodeToString(s[:]) }

func gzipped(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	_, err := w.Write(b)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return buf.Bytes()
}

// fakeMNIST returns small valid IDX files (n images) by file name, gzipped.
func fakeMNIST(t *testing.T, n byte) map[string][]byte {
	img := append([]byte{0, 0, 8, 3, 0, 0, 0, n, 0, 0, 0, 28, 0, 0, 0, 28}, bytes.Repeat([]byte{7}, int(n)*28*28)...)
	lbl := append([]byte{0, 0, 8, 1, 0, 0, 0, n}, bytes.Repeat([]byte{3}, int(n))...)
	return map[string][]byte{
		"train-images-idx3-ubyte.gz": gzipped(t, img), "train-labels-idx1-ubyte.gz": gzipped(t, lbl),
		"t10k-images-idx3-ubyte.gz": gzipped(t, img), "t10k-labels-idx1-ubyte.gz": gzipped(t, lbl),
	}
}

// serve serves files on loopback, counting requests.
func serve(t *testing.T, files map[string][]byte) (*httptest.Server, *atomic.Int64) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		b, ok := files[strings.TrimPrefix(r.URL.Path, "/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// withMNISTSums makes the MNIST table expect files' MD5s for the test.
func withMNISTSums(t *testing.T, files map[string][]byte) {
	old := mnistDownloads["MNIST"]
	t.Cleanup(func() { mnistDownloads["MNIST"] = old })
	next := old
	next.files = nil
	for _, f := range old.files {
		next.files = append(next.files, fileMD5{f.name, md5hex(files[f.name])})
	}
	mnistDownloads["MNIST"] = next
}

func noPartials(t *testing.T, dir string) {
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		require.False(t, strings.HasSuffix(p, ".part"), "partial file left: %s", p)
		return nil
	})
}

func TestDownloadMNIST(t *testing.T) {
	files := fakeMNIST(t, 3)
	withMNISTSums(t, files)
	srv, hits := serve(t, files)
	root := t.TempDir()
	// The first mirror is down; the second serves the files.
	d := &Downloader{Mirrors: []string{"http://127.0.0.1:1/", srv.URL + "/"}}
	ds, err := LoadMNIST("MNIST", root, true, Options{Download: true, Downloader: d})
	require.NoError(t, err)
	require.Equal(t, 3, ds.Len())
	img, label, err := ds.Get(2)
	require.NoError(t, err)
	require.Equal(t, []int64{1, 28, 28}, img.Shape())
	require.Equal(t, int64(3), label)
	require.Equal(t, int64(4), hits.Load())
	noPartials(t, root)
	for name := range files {
		require.FileExists(t, filepath.Join(root, "MNIST", "raw", strings.TrimSuffix(name, ".gz")))
	}
	// Files present: nothing is fetched again.
	_, err = LoadMNIST("MNIST", root, false, Options{Download: true, Downloader: d})
	require.NoError(t, err)
	require.Equal(t, int64(4), hits.Load())
}

func TestDownloadMD5Mismatch(t *testing.T) {
	files := fakeMNIST(t, 3)
	withMNISTSums(t, files)
	served := fakeMNIST(t, 2) // different content
	srv, _ := serve(t, served)
	root := t.TempDir()
	_, err := LoadMNIST("MNIST", root, true, Options{Download: true, Downloader: &Downloader{Mirrors: []string{srv.URL}}})
	require.ErrorContains(t, err, "MD5 mismatch")
	require.ErrorContains(t, err, "train-images-idx3-ubyte.gz")
	entries, err := os.ReadDir(filepath.Join(root, "MNIST", "raw"))
	require.NoError(t, err)
	require.Empty(t, entries, "nothing may be left behind")
}

// Unreachable mirrors (a closed loopback port, as on a machine offline)
// fail with a message saying what to do, and nothing is left behind.
func TestDownloadOffline(t *testing.T) {
	root := t.TempDir()
	d := &Downloader{Client: &http.Client{Timeout: 5 * time.Second}, Mirrors: []string{"http://127.0.0.1:1"}}
	_, err := LoadMNIST("FashionMNIST", root, true, Options{Download: true, Downloader: d})
	require.ErrorContains(t, err, "could not download train-images-idx3-ubyte.gz")
	require.ErrorContains(t, err, "offline?")
	noPartials(t, root)
	_, err = CIFAR10(root, true, Options{Download: true, Downloader: &Downloader{Mirrors: []string{"http://127.0.0.1:1"}}})
	require.ErrorContains(t, err, "could not download cifar-10-python.tar.gz")
	noPartials(t, root)
	require.ErrorContains(t, (&Downloader{}).Download("ImageNet", root), "no download")
}

func TestDownloadCIFAR(t *testing.T) {
	src, _ := makeFakeCIFAR(t)
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	sums := map[string]string{}
	for _, name := range []string{"data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch", "batches.meta"} {
		b, err := os.ReadFile(filepath.Join(src, "cifar-10-batches-py", name))
		require.NoError(t, err)
		sums[name] = md5hex(b)
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: "cifar-10-batches-py/" + name, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg}))
		_, err = tw.Write(b)
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	require.NoError(t, gz.Close())
	archive := buf.Bytes()

	old := cifar10
	t.Cleanup(func() { cifar10 = old })
	fix := func(fs []fileMD5) []fileMD5 {
		out := make([]fileMD5, len(fs))
		for i, f := range fs {
			out[i] = fileMD5{f.name, sums[f.name]}
		}
		return out
	}
	cifar10.train, cifar10.test = fix(old.train), fix(old.test)
	cifar10.meta = fileMD5{old.meta.name, sums[old.meta.name]}
	cifar10.archive = fileMD5{old.archive.name, md5hex(archive)}

	srv, hits := serve(t, map[string][]byte{"cifar-10-python.tar.gz": archive})
	root := t.TempDir()
	o := Options{Download: true, Downloader: &Downloader{Mirrors: []string{srv.URL}}}
	ds, err := CIFAR10(root, true, o)
	require.NoError(t, err)
	require.Equal(t, 35, ds.Len())
	require.Equal(t, int64(1), hits.Load())
	noPartials(t, root)
	_, err = CIFAR10(root, false, o)
	require.NoError(t, err)
	require.Equal(t, int64(1), hits.Load(), "verified files are not fetched again")
}
