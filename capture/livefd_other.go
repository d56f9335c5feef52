//go:build !linux

package capture

import "os"

// packetSockets is Linux's (livefd_linux.go): elsewhere the capture is
// read by its own goroutine.
func packetSockets() map[int]bool { return nil }

func newPacketFD(map[int]bool) *os.File { return nil }

func readable(int) bool { return false }
