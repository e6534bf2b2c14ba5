// Package cputime reads the process's CPU time, for benchmarks that report CPU per
// operation beside wall time: unlike wall time it does not grow while other processes
// hold the cores, so runs one after the other compare. Only tests import it.
package cputime

import "time"

// Process is the CPU time (user + system, all threads) this process has used, and
// whether the platform can tell; where it cannot, it is 0 and false.
func Process() (time.Duration, bool) { return process() }
