package craft

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/gopacket/gopacket/layers"
)

// Offsets and sizes in an IPv4 header (RFC 791 section 3.1), an IPv6
// header (RFC 8200 section 3) and an ICMP or ICMPv6 header (RFC 792, RFC
// 4443 section 2.1: the same first 4 bytes).
const (
	ipv4MinLen    = 20
	ipv4TotalLen  = 2  // 16-bit total length
	ipv4Proto     = 9  // protocol
	ipv4Checksum  = 10 // 16-bit header checksum
	ipv6HeaderLen = 40
	ipv6PayLen    = 4  // 16-bit payload length
	ipv6Next      = 6  // next header
	ipv6HopLimit  = 7  // hop limit
	ipv6Src       = 8  // 128-bit source address
	ipv6Dst       = 24 // 128-bit destination address
	icmpHeaderLen = 8
	icmpChecksum  = 2 // 16-bit checksum
)

var (
	errShortIPv4   = errors.New("short ipv4 header")
	errNotIPv4     = errors.New("not ipv4")
	errBadIHL      = errors.New("bad ipv4 header length")
	errBadTotalLen = errors.New("bad ipv4 total length")
	errNotICMP     = errors.New("not icmp")
	errShortICMP   = errors.New("short icmp header")
	errShortIPv6   = errors.New("short ipv6 header")
	errBadPayLen   = errors.New("bad ipv6 payload length")
	errNotICMPv6   = errors.New("not icmpv6")
	errShortICMPv6 = errors.New("short icmpv6 header")
)

// Verify checks a probe packet, pkt starting at the IP header; the version
// nibble says which family.
//
// IPv4: pkt carries ICMP. Verify recomputes with Checksum both the IPv4
// header checksum (RFC 791) and the ICMP checksum over the ICMP header and
// data (RFC 792), the ICMP message being bounded by the IPv4 total length
// field.
//
// IPv6: pkt carries ICMPv6 right after the fixed header (next header 58,
// no extension headers, as Build makes it), the message bounded by the
// payload length. IPv6 has no header checksum (RFC 8200 section 3); Verify
// recomputes the ICMPv6 checksum over the IPv6 pseudo-header (RFC 8200
// section 8.1: source, destination, upper-layer length, next header 58)
// and the ICMPv6 message (RFC 4443 section 2.3).
//
// A checksum that does not match gives an error naming it, as in
// "craft: ipv4 header checksum 0xbeef != computed 0xb861"; a short or
// malformed packet, or one that is not ICMP or ICMPv6, gives an error too.
// Verify does not modify pkt and does not allocate when pkt is valid.
func Verify(pkt []byte) error {
	if err := verify(pkt); err != nil {
		return fmt.Errorf("craft: %w", err)
	}
	return nil
}

// verify is Verify without the package prefix on its errors.
func verify(pkt []byte) error {
	if len(pkt) > 0 && pkt[0]>>4 == ipv6Version {
		return verify6(pkt)
	}
	if len(pkt) < ipv4MinLen {
		return fmt.Errorf("%w: %d bytes", errShortIPv4, len(pkt))
	}
	if v := pkt[0] >> 4; v != 4 {
		return fmt.Errorf("%w: version %d", errNotIPv4, v)
	}
	ihl := int(pkt[0]&0x0f) * 4
	if ihl < ipv4MinLen || ihl > len(pkt) {
		return fmt.Errorf("%w: %d bytes in a %d-byte packet", errBadIHL, ihl, len(pkt))
	}
	total := int(binary.BigEndian.Uint16(pkt[ipv4TotalLen:]))
	if total < ihl || total > len(pkt) {
		return fmt.Errorf("%w: %d in a %d-byte packet", errBadTotalLen, total, len(pkt))
	}
	hdr := pkt[:ihl]
	if Checksum(hdr) != 0 {
		return mismatch("ipv4 header checksum", hdr, ipv4Checksum)
	}
	if p := layers.IPProtocol(pkt[ipv4Proto]); p != layers.IPProtocolICMPv4 {
		return fmt.Errorf("%w: protocol %d", errNotICMP, p)
	}
	icmp := pkt[ihl:total]
	if len(icmp) < icmpHeaderLen {
		return fmt.Errorf("%w: %d bytes", errShortICMP, len(icmp))
	}
	if Checksum(icmp) != 0 {
		return mismatch("icmp checksum", icmp, icmpChecksum)
	}
	return nil
}

// verify6 is verify for an IPv6 packet.
func verify6(pkt []byte) error {
	msg, err := icmp6Of(pkt)
	if err != nil {
		return err
	}
	ph := pseudo6(pkt, len(msg))
	if Checksum6(ph, msg) != 0 {
		got := binary.BigEndian.Uint16(msg[icmpChecksum:])
		return fmt.Errorf("icmpv6 checksum 0x%04x != computed 0x%04x (pseudo-header included)", got, checksum6(ph, msg))
	}
	return nil
}

// icmp6Of returns the ICMPv6 message of pkt, an IPv6 packet whose next
// header is ICMPv6, bounded by the payload length.
func icmp6Of(pkt []byte) ([]byte, error) {
	if len(pkt) < ipv6HeaderLen {
		return nil, fmt.Errorf("%w: %d bytes", errShortIPv6, len(pkt))
	}
	plen := int(binary.BigEndian.Uint16(pkt[ipv6PayLen:]))
	if ipv6HeaderLen+plen > len(pkt) {
		return nil, fmt.Errorf("%w: %d in a %d-byte packet", errBadPayLen, plen, len(pkt))
	}
	if p := layers.IPProtocol(pkt[ipv6Next]); p != layers.IPProtocolICMPv6 {
		return nil, fmt.Errorf("%w: next header %d (extension headers are not walked)", errNotICMPv6, p)
	}
	if plen < icmpHeaderLen {
		return nil, fmt.Errorf("%w: %d bytes", errShortICMPv6, plen)
	}
	return pkt[ipv6HeaderLen : ipv6HeaderLen+plen], nil
}

// pseudo6 is the pseudo-header of pkt's ICMPv6 message of n bytes.
func pseudo6(pkt []byte, n int) [PseudoHeaderLen]byte {
	return pseudoHeader6([16]byte(pkt[ipv6Src:ipv6Dst]), [16]byte(pkt[ipv6Dst:ipv6HeaderLen]), uint32(n), layers.IPProtocolICMPv6)
}

// checksum6 is the value the checksum field of msg must hold under ph:
// the checksum of ph and msg with the field taken as zero.
func checksum6(ph [PseudoHeaderLen]byte, msg []byte) uint16 {
	return ^fold(sum(sum(sum(0, ph[:]), msg[:icmpChecksum]), msg[icmpChecksum+2:]))
}

// mismatch reports the checksum field at off in b next to the value it
// should hold: the checksum of b with that field taken as zero. off must be
// even so the two halves keep their word alignment.
//
// Validity is decided by Checksum(b) == 0, not by comparing these two: in
// one's complement 0x0000 and 0xffff are both zero, so a field may differ
// from the computed value and still be correct.
func mismatch(what string, b []byte, off int) error {
	got := binary.BigEndian.Uint16(b[off:])
	want := ^fold(sum(sum(0, b[:off]), b[off+2:]))
	return fmt.Errorf("%s 0x%04x != computed 0x%04x", what, got, want)
}
