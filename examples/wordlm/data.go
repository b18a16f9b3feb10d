package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/torchgo/torchgo/torch"
)

// Corpus is the example's data.Corpus: a dictionary of every word seen and
// the three splits as word ids, each line's words followed by "<eos>".
type Corpus struct {
	Word2Idx           map[string]int64
	Idx2Word           []string
	Train, Valid, Test []int64
}

// LoadCorpus reads DIR/train.txt, valid.txt and test.txt.
func LoadCorpus(dir string) (*Corpus, error) {
	c := &Corpus{Word2Idx: map[string]int64{}}
	for _, s := range []struct {
		name string
		dst  *[]int64
	}{{"train.txt", &c.Train}, {"valid.txt", &c.Valid}, {"test.txt", &c.Test}} {
		ids, err := c.tokenize(filepath.Join(dir, s.name))
		if err != nil {
			return nil, err
		}
		*s.dst = ids
	}
	return c, nil
}

func (c *Corpus) tokenize(path string) ([]int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ids []int64
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	for sc.Scan() {
		for _, w := range append(strings.Fields(sc.Text()), "<eos>") {
			id, ok := c.Word2Idx[w]
			if !ok {
				id = int64(len(c.Idx2Word))
				c.Word2Idx[w] = id
				c.Idx2Word = append(c.Idx2Word, w)
			}
			ids = append(ids, id)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%s holds no words", path)
	}
	return ids, nil
}

// Batchify cuts ids into bsz columns (seq, bsz), dropping the remainder,
// as the example's batchify.
func Batchify(ids []int64, bsz int64) *torch.Tensor {
	n := int64(len(ids)) / bsz
	if n == 0 {
		panic(&torch.Error{Op: "Batchify", Msg: fmt.Sprintf("%d words do not fill one row of %d", len(ids), bsz)})
	}
	return torch.FromSlice(ids[:n*bsz], []int64{bsz, n}).T().Contiguous().Persist()
}

// GetBatch is the window of at most bptt rows starting at row i and the
// next words as targets (bptt*bsz).
func GetBatch(source *torch.Tensor, i, bptt int64) (x, y *torch.Tensor) {
	n := min(bptt, source.Size(0)-1-i)
	return source.Narrow(0, i, n), source.Narrow(0, i+1, n).Reshape(-1)
}

// MakeLicenseCorpus writes a small real corpus to dir: the licence texts
// Debian's base-files installs in /usr/share/common-licenses (in name
// order, links skipped), whose lines are split 80/10/10 into train.txt,
// valid.txt and test.txt.
func MakeLicenseCorpus(dir string) error {
	const src = "/usr/share/common-licenses"
	entries, err := os.ReadDir(src)
	if err != nil {
		return fmt.Errorf("corpus: %w", err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var lines []string
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(src, n))
		if err != nil {
			return fmt.Errorf("corpus: %w", err)
		}
		lines = append(lines, strings.Split(strings.TrimRight(string(b), "\n"), "\n")...)
	}
	if len(lines) < 100 {
		return fmt.Errorf("corpus: %s holds only %d lines", src, len(lines))
	}
	a, b := len(lines)*8/10, len(lines)*9/10
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, s := range []struct {
		name  string
		lines []string
	}{{"train.txt", lines[:a]}, {"valid.txt", lines[a:b]}, {"test.txt", lines[b:]}} {
		if err := os.WriteFile(filepath.Join(dir, s.name), []byte(strings.Join(s.lines, "\n")+"\n"), 0o644); err != nil {
			return err
		}
	}
	return nil
}
