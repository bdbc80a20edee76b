//go:build !unix

package bench

import "time"

// processCPU is not measured here: the bench reports zero.
func processCPU() time.Duration { return 0 }
