//go:build unix

package capture

import (
	"context"
	"io"
	"os"
	"syscall"
	"time"
)

// stdin is standard input for a capture read. Where it is a pipe or a
// socket, a read waiting for data returns (os.ErrDeadlineExceeded) once
// ctx is done: `tcpdump -w - | tracers replay -` with tcpdump seeing
// nothing yet still stops on Ctrl-C. It does so through Go's poller, on a
// duplicate of descriptor 0 set non-blocking; Close gives standard input
// back as it was (blocking) and leaves descriptor 0 open. A terminal or a
// file is read as it is (a file's reads never wait).
func stdin(ctx context.Context) io.ReadCloser {
	plain := nopCloser{os.Stdin}
	sc, err := os.Stdin.SyscallConn()
	if err != nil {
		return plain
	}
	fd, wasNonblock := -1, false
	sc.Control(func(in uintptr) {
		var st syscall.Stat_t
		if syscall.Fstat(int(in), &st) != nil {
			return
		}
		if t := st.Mode & syscall.S_IFMT; t != syscall.S_IFIFO && t != syscall.S_IFSOCK {
			return
		}
		fl, _, errno := syscall.Syscall(syscall.SYS_FCNTL, in, syscall.F_GETFL, 0)
		if errno != 0 {
			return
		}
		if d, err := syscall.Dup(int(in)); err == nil {
			fd, wasNonblock = d, fl&syscall.O_NONBLOCK != 0
		}
	})
	if fd < 0 {
		return plain
	}
	syscall.CloseOnExec(fd)
	// O_NONBLOCK belongs to the open pipe, which fd shares with standard
	// input: os.NewFile then registers fd with the poller, whose deadlines
	// end a read.
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return plain
	}
	f := os.NewFile(uintptr(fd), "/dev/stdin")
	stop := context.AfterFunc(ctx, func() { f.SetReadDeadline(time.Now()) })
	return &pollStdin{File: f, stop: stop, nonblock: wasNonblock}
}

// pollStdin is standard input read through the poller.
type pollStdin struct {
	*os.File
	stop     func() bool
	nonblock bool // standard input's O_NONBLOCK before
}

// Close closes the duplicate and gives standard input its O_NONBLOCK back.
func (p *pollStdin) Close() error {
	p.stop()
	var err error
	if sc, serr := p.SyscallConn(); serr == nil {
		sc.Control(func(fd uintptr) { err = syscall.SetNonblock(int(fd), p.nonblock) })
	}
	if cerr := p.File.Close(); err == nil {
		err = cerr
	}
	return err
}
