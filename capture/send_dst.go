package capture

import (
	"errors"
	"fmt"
	"net/netip"
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
	case v == 4 && len(pkt) >= 20:
		return netip.AddrFrom4([4]byte(pkt[16:20])), nil
	case v == 6 && len(pkt) >= 40:
		return netip.AddrFrom16([16]byte(pkt[24:40])), nil
	}
	return netip.Addr{}, errShortPacket
}
