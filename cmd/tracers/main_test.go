package main

import (
	"strings"
	"testing"
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
