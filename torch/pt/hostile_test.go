package pt

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/internal/childtest"
	"github.com/torchgo/torchgo/internal/hostile"
)

// corpusDirEnv passes the folder of the generated corpus to the child
// processes of TestHostileCorpus.
const corpusDirEnv = "TORCHGO_HOSTILE_CORPUS"

// loadHostile loads a corpus file with the loader of its kind.
func loadHostile(path string, kind hostile.Kind) (any, error) {
	switch kind {
	case hostile.Safetensors:
		d, _, err := LoadSafetensors(path)
		if err != nil {
			return nil, err
		}
		return d, nil
	case hostile.Pickle:
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return nil, err
		}
		return LoadPickle(f, st.Size(), PickleOptions{})
	}
	return Load(path)
}

// pyTypeName names the Python type of a loaded value.
func pyTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case Tuple:
		return "tuple"
	case []any:
		return "list"
	}
	return typeName(v)
}

// checkHostile checks a loaded corpus file against what its case wants:
// a one-line error containing c.Err, or the described value.
func checkHostile(t *testing.T, c hostile.Case, v any, err error) {
	t.Helper()
	if c.Err != "" {
		require.Error(t, err, "%s must be refused", c.Name)
		msg := err.Error()
		require.Contains(t, msg, c.Err)
		require.NotContains(t, msg, "\n", "the error must be one line")
		require.True(t, strings.HasPrefix(msg, "pt: "), msg)
		return
	}
	require.NoError(t, err, c.Name)
	require.Equal(t, c.Want.Type, pyTypeName(v), c.Name)
	switch x := v.(type) {
	case *OrderedDict:
		require.Equal(t, c.Want.Len, x.Len(), c.Name)
	case []any:
		require.Equal(t, c.Want.Len, len(x), c.Name)
	}
	if len(c.Want.Tensors) == 0 {
		return
	}
	tensors, _, err := Flatten(v)
	require.NoError(t, err)
	require.Len(t, tensors, len(c.Want.Tensors))
	for i, w := range c.Want.Tensors {
		nt := tensors[i]
		require.Equal(t, w.Name, nt.Name)
		require.Equal(t, w.DType, nt.Tensor.DType().String(), w.Name)
		require.Equal(t, w.Shape, nt.Tensor.Shape, w.Name)
		data := nt.Tensor.Contiguous()
		if w.Zero {
			require.True(t, allZero(data), "%s is not all zero", w.Name)
		} else {
			sum := sha256.Sum256(data)
			require.Equal(t, w.SHA256, hex.EncodeToString(sum[:]), w.Name)
		}
	}
}

// allZero reports whether b holds only zero bytes.
func allZero(b []byte) bool {
	zeros := make([]byte, 1<<16)
	for len(b) > 0 {
		n := min(len(b), len(zeros))
		if !bytes.Equal(b[:n], zeros[:n]) {
			return false
		}
		b = b[n:]
	}
	return true
}

// TestHostileCorpus loads every file of the hostile corpus (internal/hostile
// at its Test scale: zip bombs, pickle floods, CPU-time bombs, malformed
// files) in a child process of its own, and checks that each gives its
// one-line error or its correct value, within its bounds of peak resident
// memory and time.
func TestHostileCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and loads about 100 MiB of hostile files")
	}
	require.Equal(t, []int64{DefaultMaxStack, DefaultMaxMemo, MaxNodes}, []int64{hostile.StackLimit, hostile.MemoLimit, hostile.NodeLimit},
		"the corpus is sized against pt's default limits")
	cases := hostile.Corpus(hostile.Test)
	dir := os.Getenv(corpusDirEnv)
	parent := dir == ""
	if parent {
		dir = t.TempDir()
		t.Setenv(corpusDirEnv, dir)
	}
	// The files are generated in a child too: a child's peak RSS, as
	// Linux counts it, starts from its parent's peak when it is started
	// (the exec replaces a memory map shared with the parent), so the
	// parent must stay small.
	t.Run("generate", func(t *testing.T) {
		r := childtest.Run(t, 5*time.Minute, func(t *testing.T) {
			_, err := hostile.Write(dir, hostile.Test, nil)
			require.NoError(t, err)
		})
		require.NoError(t, r.Err, r.Output)
	})
	var report []string
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			r := childtest.Run(t, c.MaxTime+2*time.Minute, func(t *testing.T) {
				v, err := loadHostile(filepath.Join(dir, c.Name+c.Ext()), c.Kind)
				checkHostile(t, c, v, err)
			})
			if childtest.InChild(t) {
				return
			}
			outcome := "ok"
			if r.Err != nil {
				outcome = "WRONG RESULT"
			}
			report = append(report, fmt.Sprintf("%-30s %7.1f MiB (bound %7.1f) %8v (bound %v) %s", c.Name, r.MiB(), c.MaxMiB, r.Elapsed.Round(time.Millisecond), c.MaxTime, outcome))
			require.NoError(t, r.Err, "%s (%s):\n%s", c.Name, c.What, r.Output)
			require.LessOrEqual(t, r.MiB(), c.MaxMiB, "%s (%s): peak memory", c.Name, c.What)
			require.LessOrEqual(t, r.Elapsed, c.MaxTime, "%s (%s): time", c.Name, c.What)
		})
	}
	if parent {
		t.Log("peak memory and time of each file:\n" + strings.Join(report, "\n"))
	}
}
