// Package cputime reads CPU time, for benchmarks on a machine shared with
// other work: wall time varies with the load, CPU time much less.
package cputime
