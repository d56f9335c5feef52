package main

import (
	"bytes"
	"os"
	"os/exec"
	"runtime"
	"testing"
)

// TestInitOrder checks that internal/hugepage is initialised before
// gopacket/layers fills its tables, which is its whole point: the test
// binary, which links what tracers links, is run again with Go's init
// trace and no tests.
func TestInitOrder(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("huge pages are advised on Linux only")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, stderr.Bytes())
	}
	trace := stderr.Bytes()
	huge := bytes.Index(trace, []byte("init github.com/tracers/tracers/internal/hugepage @"))
	layers := bytes.Index(trace, []byte("init github.com/google/gopacket/layers @"))
	if huge < 0 || layers < 0 {
		t.Fatalf("init trace lacks hugepage (%d) or gopacket/layers (%d):\n%s", huge, layers, trace)
	}
	if huge > layers {
		t.Errorf("gopacket/layers is initialised before internal/hugepage:\n%s", trace)
	}
}
