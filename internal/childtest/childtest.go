// Package childtest runs part of a test in a child process, so that a
// test can bound what the code under test costs (peak resident memory, as
// /usr/bin/time -v reports it, and wall time) and survive it dying (an
// out-of-memory abort, a signal) to report it as a failure.
package childtest

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

const envKey = "TORCHGO_CHILDTEST"

// Result is what the child run cost and said.
type Result struct {
	// PeakRSS is the child's maximum resident set size, in bytes.
	PeakRSS int64
	// Elapsed is the child's wall time.
	Elapsed time.Duration
	// Output is the child's combined stdout and stderr.
	Output string
	// Err is the child's exit error: nil when body passed.
	Err error
}

// MiB is PeakRSS in mebibytes.
func (r Result) MiB() float64 { return float64(r.PeakRSS) / (1 << 20) }

// Run runs body in a child process: the test binary re-executed for t alone
// (t.Name(), subtests included), in which Run calls body and returns a zero
// Result. In the parent it waits for the child, at most timeout, and returns
// its cost; the parent never calls body.
func Run(t *testing.T, timeout time.Duration, body func(t *testing.T)) Result {
	t.Helper()
	if os.Getenv(envKey) == t.Name() {
		body(t)
		return Result{}
	}
	parts := strings.Split(t.Name(), "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	cmd := exec.Command(os.Args[0], "-test.run="+strings.Join(parts, "/"), "-test.count=1", "-test.v", "-test.timeout="+timeout.String())
	cmd.Env = append(os.Environ(), envKey+"="+t.Name())
	start := time.Now()
	out, err := cmd.CombinedOutput()
	res := Result{Elapsed: time.Since(start), Output: string(out), Err: err}
	if ps := cmd.ProcessState; ps != nil {
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
			res.PeakRSS = ru.Maxrss * 1024 // kilobytes on Linux
		}
	}
	if err == nil && !strings.Contains(res.Output, "--- PASS: "+t.Name()+" ") {
		res.Err = errNoRun
	}
	return res
}

type childError string

func (e childError) Error() string { return string(e) }

const errNoRun = childError("childtest: the child ran no test")

// InChild reports whether this process is the child of a Run for t.
func InChild(t *testing.T) bool { return os.Getenv(envKey) == t.Name() }
