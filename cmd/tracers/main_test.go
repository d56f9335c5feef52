package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/capture"
)

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

// TestClosedPipe: stdout closed under tracers (tracers replay FILE | head
// -1) ends it quietly with the status of a process SIGPIPE ended, after
// the command has closed what it writes (replay --write's file is a whole
// capture), rather than killing it mid-write.
func TestClosedPipe(t *testing.T) {
	if testing.Short() {
		t.Skip("builds tracers")
	}
	bin := builtTracers(t)
	out := filepath.Join(t.TempDir(), "kept.pcap")
	cmd := exec.Command(bin, "replay", "--write", out, "../../testdata/captures/traceroute-icmp.pcap")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close() // the reader is gone before the first line
	cmd.Stdout = w
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	w.Close()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 141 {
		t.Fatalf("exit %v, want status 141", err)
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr %q, want nothing", stderr.String())
	}
	f, err := capture.OpenFile(out)
	if err != nil {
		t.Fatalf("the --write file: %v", err)
	}
	defer f.Close()
	n := 0
	var p analyze.Packet
	for f.Read(&p) == nil {
		n++
	}
	if n == 0 {
		t.Error("the --write file holds no packet")
	}
}

// TestIgnoredFlagIsUsage: flags that an output would ignore, a command
// that does not exist, an empty host and a negative offset are usage
// errors (exit 2) that say what is wrong, before anything is read, opened
// or sent.
func TestIgnoredFlagIsUsage(t *testing.T) {
	const file = "../../testdata/captures/traceroute-icmp.pcap"
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"replay", "--stats", "--format", "json", file}, "--stats does not go with --format json"},
		{[]string{"replay", "--explain", "--format", "csv", file}, "--explain does not go with --format csv"},
		{[]string{"replay", "--packets", "--format", "json", file}, "--packets does not go with --format json"},
		{[]string{"replay", "--packets", "--stats", file}, "--packets lists packets"},
		{[]string{"replay", "--format", "fields", "-e", "ip.src", "--write", "/nonexistent/x.pcap", file}, "--write keeps"},
		{[]string{"replay", "--format", "fields", file}, "needs at least one field"},
		{[]string{"replay", "--format", "fields", "-e", "ip.src", "-e", "nosuch.field", file}, `unknown field "nosuch.field"`},
		{[]string{"run", "--explain", "--format", "json", "10.77.5.2"}, "--explain does not go with --format json"},
		{[]string{"run", " ", "-n"}, "empty HOST"},
		{[]string{"checksum", "--field-offset", "-1", "08", "00", "00", "00"}, "--field-offset -1"},
		{[]string{"bogus"}, `unknown command "bogus"`},
		{[]string{"help", "bogus"}, `unknown help topic "bogus"`},
		{[]string{"completion", "tcsh"}, `"tcsh"`},
		{[]string{"craft", "--dst", "10.77.5.2", "--paris", "--probe", "256"}, "probes 0..255 here"},
		{[]string{"craft", "--dst", "10.77.5.2", "-P", "udp", "--fixed", "--sport", "65000", "--probe", "536"}, "probes 0..535 here"},
		{[]string{"craft", "--dst", "10.77.5.2", "-P", "udp", "-p", "65535", "--probe", "1"}, "probes 0..0 here"},
	} {
		_, err := runCLI(t, "", tt.args...)
		if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("tracers %s: error %v (exit %d), want a usage error containing %q", strings.Join(tt.args, " "), err, exitCode(err), tt.want)
		}
	}
}
