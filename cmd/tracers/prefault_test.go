package main

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

// TestPrefaultFirst checks that internal/prefault's init runs before the
// packages that allocate most at start-up (gopacket/layers, cobra,
// tracers' own): it populates the heap they are about to touch, and after
// them it would save nothing. An import added to prefault can change the
// order; this test says so.
func TestPrefaultFirst(t *testing.T) {
	if testing.Short() {
		t.Skip("builds tracers; skipped with -short")
	}
	if runtime.GOOS != "linux" {
		t.Skip("prefault is for Linux")
	}
	cmd := exec.Command(builtTracers(t), "version")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("tracers version: %v\n%s", err, out)
	}
	order := map[string]int{}
	for i, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 2 && f[0] == "init" {
			order[f[1]] = i + 1
		}
	}
	first := order["github.com/tracers/tracers/internal/prefault"]
	if first == 0 {
		t.Fatalf("no init line for internal/prefault in:\n%s", out)
	}
	for _, later := range []string{
		"github.com/gopacket/gopacket/layers",
		"github.com/spf13/cobra",
		"github.com/tracers/tracers/capture",
	} {
		if n := order[later]; n == 0 || n < first {
			t.Errorf("%s initialised at line %d, internal/prefault at %d: want prefault first", later, n, first)
		}
	}
}
