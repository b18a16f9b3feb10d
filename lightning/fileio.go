package lightning

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
)

// Files the trainer writes (checkpoints, metrics.csv, hparams.yaml) are
// written to a temporary file in the destination's directory and renamed
// into place, so that a reader never sees half a file. The temporary file
// is named .<name>.tmp-pid<PID>-<8 hex digits>: a later save can tell
// which process wrote it and remove it once that process is gone (a kill
// during a save leaves it behind).

// tempRE matches the temporary files of writeFileAtomic: the name, the
// writer's PID and a random suffix.
var tempRE = regexp.MustCompile(`^\.(.+)\.tmp-pid([1-9][0-9]{0,9})-[0-9a-f]{8}$`)

// maxPID is Linux's PID_MAX_LIMIT; a larger number is no process ID.
const maxPID = 1 << 22

// writeFileAtomic writes path through write into a temporary file in the
// same directory, created with mode 0666 less the umask (as Python's open
// does), and renames it over path; with sync the file, then the directory,
// is synced. On error the temporary file is removed and path is untouched.
func writeFileAtomic(path string, sync bool, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	var f *os.File
	for range 100 {
		name := filepath.Join(dir, fmt.Sprintf(".%s.tmp-pid%d-%08x", filepath.Base(path), os.Getpid(), rand.Uint32()))
		f, err = os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
		if !errors.Is(err, os.ErrExist) {
			break
		}
	}
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	if err = write(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if sync {
		if err = f.Sync(); err != nil {
			return fmt.Errorf("syncing %s: %w", tmp, err)
		}
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", tmp, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	if sync {
		if d, derr := os.Open(dir); derr == nil {
			derr = d.Sync()
			d.Close()
			if derr != nil {
				return fmt.Errorf("lightning: %s was written but its directory could not be synced: %w", path, derr)
			}
		}
	}
	return nil
}

// removeStaleTemps removes from dir the temporary files writeFileAtomic
// names whose writer process no longer exists. Nothing else is touched:
// not other names, not directories or links, not the files of this
// process or of a live one (nor of a process this one may not signal,
// which exists), not those whose PID cannot be a process ID.
func removeStaleTemps(dir string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		m := tempRE.FindStringSubmatch(e.Name())
		if m == nil || !e.Type().IsRegular() {
			continue
		}
		pid, err := strconv.Atoi(m[2])
		if err != nil || pid <= 0 || pid > maxPID || pid == os.Getpid() || processExists(pid) {
			continue
		}
		os.Remove(filepath.Join(dir, e.Name()))
	}
}

// processExists reports whether a process with this ID exists (kill(pid,
// 0) succeeds or is refused for permission).
func processExists(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || !errors.Is(err, syscall.ESRCH)
}
