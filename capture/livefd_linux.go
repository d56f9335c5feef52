package capture

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// packetSockets returns the process's AF_PACKET sockets, by their
// descriptors in /proc/self/fd.
func packetSockets() []int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil
	}
	var fds []int
	for _, e := range ents {
		fd, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if d, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_DOMAIN); err == nil && d == unix.AF_PACKET {
			fds = append(fds, fd)
		}
	}
	return fds
}

// newPacketFD returns a pollable duplicate of the socket libpcap opened in
// Activate (the handle keeps its own descriptor and closes it), or nil
// when it cannot be told apart. gopacket does not expose the descriptor of
// a handle; the socket is the process's one AF_PACKET socket. A process
// with two captures open gets nil, and reads the new one with a goroutine.
// (One look at /proc/self/fd: looking before Activate too, to tell a new
// socket from older ones, made a whole run 1.1-1.6 ms longer:
// scripts/bench-startup.sh, 3 x 100 runs in turns.)
func newPacketFD() *os.File {
	fds := packetSockets()
	if len(fds) != 1 {
		return nil
	}
	dup, err := unix.FcntlInt(uintptr(fds[0]), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	// libpcap set the socket non-blocking (gopacket's Activate, for a
	// handle with a timeout), which the duplicate shares: os.NewFile then
	// registers it with Go's poller.
	return os.NewFile(uintptr(dup), "pcap")
}

// readable reports whether fd has data to read now, or an error to report
// (the interface went down: libpcap's read then says so).
func readable(fd int) bool {
	p := [1]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	n, err := unix.Poll(p[:], 0)
	return err == nil && n > 0 && p[0].Revents&(unix.POLLIN|unix.POLLERR|unix.POLLHUP) != 0
}
