//go:build unix

package replay_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tracers/tracers/replay"
)

// TestReplayStdinInterrupted: Ctrl-C stops a replay of standard input
// whose writer keeps the pipe open and sends nothing more (tcpdump -w -
// seeing no traffic): the read waiting for data ends, the error says
// interrupted, the trace read so far is printed, and standard input is
// left blocking, as it was.
func TestReplayStdinInterrupted(t *testing.T) {
	data, err := os.ReadFile("../testdata/captures/traceroute-icmp.pcap")
	if err != nil {
		t.Fatal(err)
	}
	// A blocking pipe, as a shell gives (os.Pipe's is non-blocking).
	var fds [2]int
	if err := syscall.Pipe(fds[:]); err != nil {
		t.Fatal(err)
	}
	pr, pw := os.NewFile(uintptr(fds[0]), "pipe"), os.NewFile(uintptr(fds[1]), "pipe")
	defer pr.Close()
	defer pw.Close()
	stdin := os.Stdin
	os.Stdin = pr
	defer func() { os.Stdin = stdin }()
	if _, err := pw.Write(data); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- replay.Run(ctx, replay.Options{File: "-", Format: "text"}, &out)
	}()
	time.Sleep(300 * time.Millisecond) // the capture read, the pipe idle
	cancel()
	select {
	case err := <-done:
		if err == nil || !strings.HasPrefix(err.Error(), "interrupted after ") || !errors.Is(err, context.Canceled) {
			t.Errorf("Run: %v; want \"interrupted after N packets\" wrapping context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run still waits for standard input 10 s after the context was cancelled")
	}
	if got := out.String(); !strings.Contains(got, "trace 10.77.") || !strings.Contains(got, "destination") {
		t.Errorf("interrupted replay printed %q; want the trace read before", got)
	}
	flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fds[0]), syscall.F_GETFL, 0)
	if errno != 0 || flags&syscall.O_NONBLOCK != 0 {
		t.Errorf("standard input's flags after the replay: %#x (errno %v), want O_NONBLOCK clear", flags, errno)
	}
}
