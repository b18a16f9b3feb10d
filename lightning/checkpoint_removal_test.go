package lightning

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/torchgo/torchgo/torch"
)

// tree maps every file under the roots to its mode and content hash, so
// that a test sees any file removed, added or rewritten there.
func tree(t *testing.T, roots ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, root := range roots {
		require.NoError(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			out[p] = fmt.Sprintf("%v %x", info.Mode(), sha256.Sum256(b))
			return nil
		}))
	}
	return out
}

func copyReadOnly(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(dst, b, 0o444))
}

// Resuming must not make ModelCheckpoint delete the file a checkpoint names
// as best_model_path when it lies outside the callback's dirpath, nor the
// checkpoint being resumed (Lightning's _should_remove_checkpoint). Before
// the fix the first resume below deleted the original run's checkpoint and
// the second resume from it failed with "no such file or directory".
func TestResumeDeletesNothingOutsideDirpath(t *testing.T) {
	data := tinyData()
	for name, cfg := range map[string]ModelCheckpointConfig{
		"default": {}, "monitor": {Monitor: "val_loss"}, "save_last": {SaveLast: true},
	} {
		t.Run(name, func(t *testing.T) {
			runDir := t.TempDir()
			cfg.Dirpath = filepath.Join(runDir, "checkpoints")
			torch.ManualSeed(0)
			mc := NewModelCheckpoint(cfg)
			require.NoError(t, newTrainer(t, resumeConfig(t, runDir, 1, mc)).Fit(newTiny(), data, ""))
			orig := mc.BestModelPath()
			require.FileExists(t, orig)

			keepDir := t.TempDir()
			kept := filepath.Join(keepDir, "kept.ckpt")
			copyReadOnly(t, orig, kept)
			require.NoError(t, os.Chmod(keepDir, 0o555))
			t.Cleanup(func() { os.Chmod(keepDir, 0o755) })
			before := tree(t, runDir, keepDir)

			// From the original, twice, then from the read-only copy,
			// each time into a fresh dirpath: nothing outside it changes.
			for _, from := range []string{orig, orig, kept} {
				newDir := t.TempDir()
				cfg2 := cfg
				cfg2.Dirpath = filepath.Join(newDir, "checkpoints")
				torch.ManualSeed(1)
				mc2 := NewModelCheckpoint(cfg2)
				require.NoError(t, newTrainer(t, resumeConfig(t, newDir, 3, mc2)).Fit(newTiny(), data, from))
				require.Equal(t, before, tree(t, runDir, keepDir), "files outside %s changed", newDir)
				require.NotEmpty(t, tree(t, newDir), "the resumed run saved nothing")
			}

			// Resuming inside the callback's own dirpath keeps the resume
			// file, while top-k files of that dirpath still rotate.
			torch.ManualSeed(1)
			mc3 := NewModelCheckpoint(cfg)
			require.NoError(t, newTrainer(t, resumeConfig(t, runDir, 3, mc3)).Fit(newTiny(), data, orig))
			require.FileExists(t, orig)
			require.FileExists(t, mc3.BestModelPath())
			require.Equal(t, cfg.Dirpath, filepath.Dir(mc3.BestModelPath()))
		})
	}
}

// Within one run, a default ModelCheckpoint (save_top_k=1, no monitor)
// still replaces its previous file, as Lightning's does.
func TestModelCheckpointRotatesItsOwnFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "checkpoints")
	torch.ManualSeed(0)
	mc := NewModelCheckpoint(ModelCheckpointConfig{Dirpath: dir})
	require.NoError(t, newTrainer(t, resumeConfig(t, t.TempDir(), 3, mc)).Fit(newTiny(), tinyData(), ""))
	files := tree(t, dir)
	require.Len(t, files, 1, "%v", files)
	require.Contains(t, files, mc.BestModelPath())
	require.Equal(t, "epoch=2-step=12.ckpt", filepath.Base(mc.BestModelPath()))
}
