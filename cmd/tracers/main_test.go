package main

import (
	"bytes"
	"os"
	"os/exec"
	"runtime"
	"strings"
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
	layers := bytes.Index(trace, []byte("init github.com/gopacket/gopacket/layers @"))
	if huge < 0 || layers < 0 {
		t.Fatalf("init trace lacks hugepage (%d) or gopacket/layers (%d):\n%s", huge, layers, trace)
	}
	if huge > layers {
		t.Errorf("gopacket/layers is initialised before internal/hugepage:\n%s", trace)
	}
}

// TestBadFormatIsUsage checks that an unknown --format is a usage error
// (exit 2, like any bad flag value), named in the message, for run and
// replay, before anything is opened or sent.
func TestBadFormatIsUsage(t *testing.T) {
	for _, args := range [][]string{
		{"replay", "--format", "xml", "/nonexistent.pcap"},
		{"run", "--format", "xml", "10.77.5.2"},
	} {
		_, err := runCLI(t, "", args...)
		if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), `"xml"`) {
			t.Errorf("tracers %s: error %v (exit %d), want a usage error naming \"xml\"", strings.Join(args, " "), err, exitCode(err))
		}
	}
}
