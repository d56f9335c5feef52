// Package packet holds the one type the capture and the analyzer share: a
// captured packet. capture produces it (live or from a file) and analyze
// consumes it, and neither imports the other.
package packet

import (
	"time"

	"github.com/gopacket/gopacket/layers"
)

// Packet is one captured packet: its capture timestamp, the link type of the
// interface it was captured on, and its bytes (owned by the caller).
type Packet struct {
	Time time.Time
	Link layers.LinkType
	Data []byte
	Len  int // length on the wire, when more than len(Data) was sent
}
