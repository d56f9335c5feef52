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
