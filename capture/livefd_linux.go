package capture

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// packetSockets returns the process's AF_PACKET sockets, by their
// descriptors in /proc/self/fd.
// gopacket does not expose the descriptor of a pcap handle; the socket
// libpcap opens in Activate is the one such descriptor that was not there
// before.
func packetSockets() map[int]bool {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil
	}
	fds := make(map[int]bool)
	for _, e := range ents {
		fd, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if d, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_DOMAIN); err == nil && d == unix.AF_PACKET {
			fds[fd] = true
		}
	}
	return fds
}

// newPacketFD finds the one AF_PACKET socket that is not in before and returns a pollable duplicate of it (the handle keeps its own
// descriptor and closes it), or nil when there is not exactly one.
func newPacketFD(before map[int]bool) *os.File {
	found := -1
	for fd := range packetSockets() {
		if before[fd] {
			continue
		}
		if found >= 0 {
			return nil // two captures opened at once: which is which is unknown
		}
		found = fd
	}
	if found < 0 {
		return nil
	}
	dup, err := unix.FcntlInt(uintptr(found), unix.F_DUPFD_CLOEXEC, 0)
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
