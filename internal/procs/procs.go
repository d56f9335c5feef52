// Package procs starts tracers with one P (runtime.GOMAXPROCS(1)) and
// gives a command that computes in parallel the P's back.
//
// A trace is one goroutine waiting on the network, and its start-up is
// cgo calls and system calls: with one P the runtime starts fewer threads
// and wakes fewer to spin while they run, and that shows. Whole zero-delay
// runs of `tracers run` (scripts/bench-startup.sh --runs 100, three rounds
// in turns, 2026-12-02): 23.28/24.27/28.33 ms with the default, 22.65/
// 23.69/28.04 ms with one P from this init, 2-4 ms less CPU each. The
// environment variable GOMAXPROCS=1 gains more (1.2-1.65 ms, 2 x 80 runs)
// because it also spares the threads the runtime starts before any init;
// this init runs among the first (its package imports the runtime alone).
// A cgo call or system call still hands the P to another thread, so the
// capture still opens while the sender gets ready.
package procs

import "runtime"

// before is GOMAXPROCS as the runtime set it: the CPUs, a cgroup's limit,
// or the environment's GOMAXPROCS.
var before = runtime.GOMAXPROCS(1)

// All gives the process back the P's it started with.
func All() { runtime.GOMAXPROCS(before) }
