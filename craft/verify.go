package craft

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/gopacket/gopacket/layers"
)

// Offsets and sizes in an IPv4 header (RFC 791 section 3.1) and an ICMP
// header (RFC 792).
const (
	ipv4MinLen    = 20
	ipv4TotalLen  = 2  // 16-bit total length
	ipv4Proto     = 9  // protocol
	ipv4Checksum  = 10 // 16-bit header checksum
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
)

// Verify checks an IPv4 packet carrying ICMP, pkt starting at the IPv4
// header. It recomputes with Checksum both the IPv4 header checksum (RFC
// 791) and the ICMP checksum over the ICMP header and data (RFC 792), the
// ICMP message being bounded by the IPv4 total length field.
//
// A checksum that does not match gives an error naming it, as in
// "craft: ipv4 header checksum 0xbeef != computed 0xb861"; a short or
// malformed packet, or one that is not ICMP, gives an error too. Verify
// does not modify pkt and does not allocate when pkt is valid.
func Verify(pkt []byte) error {
	if err := verify(pkt); err != nil {
		return fmt.Errorf("craft: %w", err)
	}
	return nil
}

// verify is Verify without the package prefix on its errors.
func verify(pkt []byte) error {
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
