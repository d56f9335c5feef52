// Command tracers is a traceroute that shows its work: it crafts every probe
// with gopacket, captures every reply with libpcap, writes what it saw to
// pcap, and replays any traceroute capture into hops.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/tracers/tracers/capture"
	"github.com/tracers/tracers/internal/linger"
	runs "github.com/tracers/tracers/run"
	// Populates the heap before the packages that allocate at start-up
	// touch it (TestPrefaultFirst checks the order), and keeps one malloc
	// arena for libpcap's threads.
	_ "github.com/tracers/tracers/internal/prefault"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// exiting is set by main: the process exits as soon as the command
// returns, so a command may leave to the exit what it would otherwise
// release itself (run's capture).
var exiting bool

func main() {
	exiting = true
	// A closed pipe on stdout (tracers run HOST | head -3) is a write
	// error like any other, not a signal that kills the process before it
	// closes its --write file: each command stops on it and keeps what it
	// captured, and the exit is then quiet, with the status a shell gives
	// a process that SIGPIPE ended.
	signal.Ignore(syscall.SIGPIPE)
	// Each command that runs for long takes Ctrl-C itself (runs.Interruptible).
	err := newRoot(os.Args[1:]).ExecuteContext(context.Background())
	code := 0
	switch {
	case errors.Is(err, syscall.EPIPE):
		code = 128 + int(syscall.SIGPIPE)
	case err != nil:
		fmt.Fprintf(os.Stderr, "tracers: %v\n", err)
		code = exitCode(err)
	}
	// Everything is written (stdout and stderr are unbuffered, the
	// commands flush their own writers); the kernel's release of the
	// process's memory and capture socket need not hold up the shell.
	linger.Exit(code)
}

// usageError marks a bad command line.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func exitCode(err error) int {
	var u usageError
	var sig runs.Signal
	switch {
	case errors.As(err, &sig):
		return 128 + int(sig.Signal) // as a shell reports a process the signal ended
	case errors.Is(err, capture.ErrPermission), errors.Is(err, capture.ErrBadHost), errors.As(err, &u),
		strings.HasPrefix(err.Error(), "unknown command "): // cobra's, for the root
		return 2
	}
	return 1
}
