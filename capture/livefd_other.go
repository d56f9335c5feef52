//go:build !linux

package capture

import "os"

// newPacketFD is Linux's (livefd_linux.go): elsewhere the capture is
// read by its own goroutine.
func newPacketFD() *os.File { return nil }

func readable(int) bool { return false }
