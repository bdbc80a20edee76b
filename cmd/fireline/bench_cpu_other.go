//go:build !unix

package main

import "time"

// processCPU is not measured here: the bench reports zero.
func processCPU() time.Duration { return 0 }
