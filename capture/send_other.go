//go:build !linux

package capture

import (
	"errors"
	"syscall"
)

func bindDevice(c syscall.RawConn, iface string) error {
	return errors.New("binding to an interface is supported on Linux only")
}
