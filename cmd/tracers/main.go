// Command tracers is a traceroute that shows its work: it crafts every probe
// with gopacket, captures every reply with libpcap, writes what it saw to
// pcap, and replays any traceroute capture into hops.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/tracers/tracers/capture"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	// Each command that runs for long takes Ctrl-C itself (runs.Interruptible).
	err := newRoot(os.Args[1:]).ExecuteContext(context.Background())
	if err != nil {
		fmt.Fprintf(os.Stderr, "tracers: %v\n", err)
		os.Exit(exitCode(err))
	}
}

// usageError marks a bad command line.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func exitCode(err error) int {
	var u usageError
	switch {
	case errors.Is(err, capture.ErrPermission), errors.As(err, &u):
		return 2
	}
	return 1
}
