//go:build !linux

package capture

import (
	"os"

	"github.com/gopacket/gopacket/layers"
)

// packetSockets is Linux's (livefd_linux.go): elsewhere the capture is
// read by its own goroutine.
func packetSockets() map[int]bool { return nil }

func newPacketFD(map[int]bool) *os.File { return nil }

func readable(int) bool { return false }

func guessLinkType(string) (layers.LinkType, bool) { return 0, false }
