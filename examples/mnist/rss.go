package main

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// rssMB is the process's resident set size in MiB (0 where /proc is missing).
func rssMB() float64 { return procStatusMB("VmRSS:") }

// peakRSSMB is the process's peak resident set size in MiB.
func peakRSSMB() float64 { return procStatusMB("VmHWM:") }

func procStatusMB(field string) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}
