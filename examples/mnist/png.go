package main

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/torchgo/torchgo/torch"
	"github.com/torchgo/torchgo/vision/imageio"
)

// savePNG is torchvision's save_image (imageio.MakeGrid, then a PNG file),
// written atomically as imageio.SaveImage does but with the mode Python's
// open gives a new file, 0666 less the umask, so that other users read
// the sample as they read the run's other outputs.
func savePNG(img *torch.Tensor, path string) error {
	var grid *torch.Tensor
	if err := torch.Catch(func() error { grid = imageio.MakeGrid(img, imageio.GridOptions{}); return nil }); err != nil {
		return err
	}
	defer grid.Close()
	var buf bytes.Buffer
	if err := imageio.WritePNG(&buf, grid); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return writeFileAtomic(path, buf.Bytes())
}

// writeFileAtomic writes data to a temporary file next to path, created
// with mode 0666 (the umask applies), syncs it and renames it over path.
func writeFileAtomic(path string, data []byte) (err error) {
	var f *os.File
	for range 100 {
		name := filepath.Join(filepath.Dir(path), fmt.Sprintf(".%s.tmp-pid%d-%08x", filepath.Base(path), os.Getpid(), rand.Uint32()))
		f, err = os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
		if !errors.Is(err, os.ErrExist) {
			break
		}
	}
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
