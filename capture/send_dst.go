package capture

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/tracers/tracers/analyze"
)

var (
	errShortPacket = errors.New("packet shorter than its IP header")
	errFamily      = errors.New("packet of the other address family than the socket's")
)

// dst is the destination address in the IPv4 (RFC 791: bytes 16-19) or
// IPv6 (RFC 8200: bytes 24-39) header of pkt.
func (s *Sender) dst(pkt []byte) (netip.Addr, error) {
	if len(pkt) == 0 {
		return netip.Addr{}, errShortPacket
	}
	switch v := int(pkt[0] >> 4); {
	case v != s.family:
		return netip.Addr{}, fmt.Errorf("IPv%d %w (IPv%d)", v, errFamily, s.family)
	case v == 4 && len(pkt) >= analyze.IPv4MinLen:
		return analyze.IPv4Header(pkt).Dst(), nil
	case v == 6 && len(pkt) >= analyze.IPv6HeaderLen:
		return analyze.IPv6Header(pkt).Dst(), nil
	}
	return netip.Addr{}, errShortPacket
}
