// Package parity holds end-to-end tests that train in Go and in Python
// PyTorch side by side and compare the runs step by step.
package parity
