package soak

import "syscall"

// childAttr makes a server die with the soak, so that an interrupted run
// leaves no fireline serving behind.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
