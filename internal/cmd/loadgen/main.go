// Command loadgen is the closed-loop HTTP load generator of
// scripts/bench-serve.sh: --concurrency clients, each on its own
// keep-alive connection, POST bodies read from --files (round robin) to
// --url, back to back, for --warmup and then --duration (both bounded), to
// loopback only. It prints one JSON object: requests and errors counted
// after the warm-up, the answers by status, throughput (answers of status
// 200 per second), the p50 and p99 latency of all answers in
// milliseconds, the latency at each of the percentiles in
// latency_percentiles (pairs of percentile and milliseconds, for plots),
// and the peak resident memory (VmHWM) of the server process --pid in MiB.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

type report struct {
	Label       string         `json:"label"`
	Concurrency int            `json:"concurrency"`
	Seconds     float64        `json:"seconds"`
	Requests    int            `json:"requests"`
	Errors      int            `json:"errors"`
	Codes       map[string]int `json:"codes"`
	Throughput  float64        `json:"throughput"`
	P50ms       float64        `json:"p50_ms"`
	P99ms       float64        `json:"p99_ms"`
	Percentiles [][2]float64   `json:"latency_percentiles"`
	PeakRSSMiB  float64        `json:"peak_rss_mib"`
}

// percentiles are those reported in latency_percentiles.
var percentiles = []float64{1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9}

func main() {
	target := flag.String("url", "http://127.0.0.1:8080/predict", "endpoint (loopback only)")
	files := flag.String("files", "", "glob of request bodies")
	ctype := flag.String("content-type", "application/octet-stream", "Content-Type of the bodies")
	conc := flag.Int("concurrency", 1, "clients")
	dur := flag.Duration("duration", 10*time.Second, "measured time (at most 10 minutes)")
	warm := flag.Duration("warmup", 2*time.Second, "unmeasured time before it (at most 1 minute)")
	timeout := flag.Duration("timeout", 30*time.Second, "per-request client timeout")
	pid := flag.Int("pid", 0, "server process whose peak RSS to report")
	label := flag.String("label", "", "label for the report")
	flag.Parse()
	fail := func(format string, a ...any) {
		fmt.Fprintf(os.Stderr, "loadgen: "+format+"\n", a...)
		os.Exit(2)
	}
	u, err := url.Parse(*target)
	if err != nil {
		fail("--url: %v", err)
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		fail("--url %s: only loopback targets", *target)
	}
	if *conc < 1 || *conc > 1024 || *dur <= 0 || *dur > 10*time.Minute || *warm < 0 || *warm > time.Minute {
		fail("--concurrency 1..1024, --duration up to 10m, --warmup up to 1m")
	}
	paths, err := filepath.Glob(*files)
	if err != nil || len(paths) == 0 {
		fail("--files %q matches nothing", *files)
	}
	var bodies [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			fail("%v", err)
		}
		bodies = append(bodies, b)
	}
	client := &http.Client{Timeout: *timeout, Transport: &http.Transport{
		MaxIdleConns: *conc, MaxIdleConnsPerHost: *conc, MaxConnsPerHost: *conc, IdleConnTimeout: time.Minute,
	}}

	start := time.Now()
	measureFrom := start.Add(*warm)
	end := measureFrom.Add(*dur)
	type sample struct {
		code int // 0: transport error
		took time.Duration
	}
	per := make([][]sample, *conc)
	var wg sync.WaitGroup
	for c := 0; c < *conc; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := c; ; i++ {
				t0 := time.Now()
				if !t0.Before(end) {
					return
				}
				code := 0
				resp, err := client.Post(*target, *ctype, bytes.NewReader(bodies[i%len(bodies)]))
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					code = resp.StatusCode
				}
				if t0.After(measureFrom) {
					per[c] = append(per[c], sample{code, time.Since(t0)})
				}
			}
		}()
	}
	wg.Wait()
	r := report{Label: *label, Concurrency: *conc, Seconds: dur.Seconds(), Codes: map[string]int{}}
	var lat []time.Duration
	ok := 0
	for _, ss := range per {
		for _, s := range ss {
			r.Requests++
			if s.code == 0 {
				r.Errors++
				r.Codes["error"]++
				continue
			}
			r.Codes[strconv.Itoa(s.code)]++
			if s.code == http.StatusOK {
				ok++
			} else {
				r.Errors++
			}
			lat = append(lat, s.took)
		}
	}
	r.Throughput = float64(ok) / dur.Seconds()
	if len(lat) > 0 {
		slices.Sort(lat)
		q := func(p float64) float64 {
			return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
		}
		r.P50ms, r.P99ms = q(0.50), q(0.99)
		for _, p := range percentiles {
			r.Percentiles = append(r.Percentiles, [2]float64{p, q(p / 100)})
		}
	}
	if *pid > 0 {
		r.PeakRSSMiB = peakRSS(*pid)
	}
	json.NewEncoder(os.Stdout).Encode(r)
}

// peakRSS is a process's VmHWM in MiB (0 when unreadable).
func peakRSS(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}
