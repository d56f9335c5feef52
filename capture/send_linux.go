//go:build linux

package capture

import (
	"syscall"
)

// bindDevice ties a socket to one interface (SO_BINDTODEVICE).
func bindDevice(c syscall.RawConn, iface string) error {
	var serr error
	if err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptString(int(fd), syscall.SOL_SOCKET, syscall.SO_BINDTODEVICE, iface)
	}); err != nil {
		return err
	}
	return serr
}

// wireOrder is the packet as a raw socket takes it: on Linux, the bytes
// that go on the wire, every field in network byte order. (raw(7): with
// IP_HDRINCL the kernel always fills in the IPv4 checksum and total
// length, and the IP ID and source when zero; craft sets all four right,
// so what the kernel writes is what craft built.)
func wireOrder(pkt []byte) []byte { return pkt }
