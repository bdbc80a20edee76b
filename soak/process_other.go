//go:build !linux

package soak

import "syscall"

// childAttr sets nothing where there is no parent-death signal; servers
// are still killed when the run's context ends.
func childAttr() *syscall.SysProcAttr { return nil }
