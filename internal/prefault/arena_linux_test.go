//go:build linux && cgo

package prefault

import (
	"runtime"
	"sync"
	"testing"
)

// TestOneArena: threads started after the package's C constructor share
// glibc's one malloc arena. Each thread of a cgo program mallocs as it
// starts (its thread-start record is freed there), which without the
// constructor gives it an arena of its own, up to 8 per CPU.
func TestOneArena(t *testing.T) {
	// Make the runtime start OS threads: goroutines that hold theirs
	// while the others start.
	const threads = 6
	var started, release sync.WaitGroup
	started.Add(threads)
	release.Add(1)
	for range threads {
		go func() {
			runtime.LockOSThread()
			started.Done()
			release.Wait()
			runtime.UnlockOSThread()
		}()
	}
	started.Wait()
	n := arenas()
	release.Done()
	if n != 1 {
		t.Errorf("%d malloc arenas with %d more threads running, want 1", n, threads)
	}
}
