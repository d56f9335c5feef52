//go:build darwin || dragonfly || netbsd

package capture

import "encoding/binary"

// wireOrder is the packet as a raw socket takes it: these systems want an
// IP_HDRINCL IPv4 header's total length and fragment offset in host byte
// order (as golang.org/x/net/ipv4's Header.Marshal knows), so those two
// fields are swapped in a copy. IPv6 packets go as they are.
func wireOrder(pkt []byte) []byte {
	if len(pkt) < 20 || pkt[0]>>4 != 4 {
		return pkt
	}
	b := append([]byte(nil), pkt...)
	binary.NativeEndian.PutUint16(b[2:], binary.BigEndian.Uint16(pkt[2:]))
	binary.NativeEndian.PutUint16(b[6:], binary.BigEndian.Uint16(pkt[6:]))
	return b
}
