package capture

import (
	"os"
	"strconv"
	"strings"

	"github.com/gopacket/gopacket/layers"

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

// guessLinkType is the link type libpcap gives a capture on dev, from the
// interface's ARPHRD type in sysfs: Ethernet for Ethernet, veth, bridges
// and loopback, DLT_RAW for TUN and other interfaces without a link
// header. known is false for any other kind.
func guessLinkType(dev string) (lt layers.LinkType, known bool) {
	if dev == "" || strings.ContainsRune(dev, '/') {
		return 0, false
	}
	b, err := os.ReadFile("/sys/class/net/" + dev + "/type")
	if err != nil {
		return 0, false
	}
	switch strings.TrimSpace(string(b)) {
	case "1", "772": // ARPHRD_ETHER, ARPHRD_LOOPBACK
		return layers.LinkTypeEthernet, true
	case "65534": // ARPHRD_NONE
		return dltRaw, true
	}
	return 0, false
}
