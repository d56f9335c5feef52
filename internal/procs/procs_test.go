package procs

import (
	"os"
	"runtime"
	"strconv"
	"testing"
)

// TestProcs checks that the package's init left one P and that All gives
// back what the runtime had chosen: the environment's GOMAXPROCS when set,
// otherwise at most the CPUs.
func TestProcs(t *testing.T) {
	if n := runtime.GOMAXPROCS(0); n != 1 {
		t.Fatalf("GOMAXPROCS after init = %d, want 1", n)
	}
	All()
	defer runtime.GOMAXPROCS(1)
	got := runtime.GOMAXPROCS(0)
	if env, err := strconv.Atoi(os.Getenv("GOMAXPROCS")); err == nil && env > 0 {
		if got != env {
			t.Errorf("GOMAXPROCS after All = %d, want the environment's %d", got, env)
		}
		return
	}
	if got != before || got < 1 || got > runtime.NumCPU() {
		t.Errorf("GOMAXPROCS after All = %d, want the runtime's own choice %d (1..%d CPUs)", got, before, runtime.NumCPU())
	}
}
