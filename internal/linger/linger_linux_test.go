//go:build linux && cgo

package linger

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestMain lets the test binary play the exiting process: with
// LINGER_TEST_EXIT set it writes a line and ends through Exit.
func TestMain(m *testing.M) {
	if os.Getenv("LINGER_TEST_EXIT") != "" {
		fmt.Println("written before the exit")
		Exit(3)
	}
	os.Exit(m.Run())
}

// TestExit runs a process that ends through Exit, with this test as its
// subreaper, and checks that the process's output and exit code arrive
// whole, and that a second process (the one that lingers) was left behind
// and ended by itself, reaped here.
func TestExit(t *testing.T) {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("cannot run in CI: no subreaper: %v", err)
		}
		t.Skipf("no subreaper: %v", err)
	}
	defer unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "LINGER_TEST_EXIT=1")
	out, err := cmd.Output()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Fatalf("exit: %v, want exit code 3", err)
	}
	if string(out) != "written before the exit\n" {
		t.Errorf("output %q, want the line written before the exit", out)
	}
	// The lingering process, orphaned, is this process's child now; it
	// ends once it sees the exit (at most 5 s).
	deadline := time.Now().Add(10 * time.Second)
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if err != nil {
			t.Fatalf("no lingering process was left to reap: %v", err)
		}
		if pid > 0 {
			if pid == cmd.Process.Pid {
				t.Fatalf("reaped the exiting process itself, pid %d", pid)
			}
			if !ws.Exited() || ws.ExitStatus() != 0 {
				t.Errorf("lingering process %d ended with %v, want exit 0", pid, ws)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the lingering process did not end within 10 s")
		}
		time.Sleep(time.Millisecond)
	}
}
