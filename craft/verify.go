package craft

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/gopacket/gopacket/layers"
	"github.com/tracers/tracers/analyze"
)

// Offsets and sizes in an IPv4 header (RFC 791 section 3.1), an IPv6
// header (RFC 8200 section 3) and an ICMP or ICMPv6 header (RFC 792, RFC
// 4443 section 2.1: the same first 4 bytes).
const (
	ipv4MinLen    = analyze.IPv4MinLen
	ipv4Checksum  = 10 // 16-bit header checksum
	ipv6HeaderLen = analyze.IPv6HeaderLen
	ipv6PayLen    = 4  // 16-bit payload length
	ipv6Next      = 6  // next header
	ipv6HopLimit  = 7  // hop limit
	ipv6Src       = 8  // 128-bit source address
	ipv6Dst       = 24 // 128-bit destination address
	icmpHeaderLen = analyze.ICMPHeaderLen
	icmpChecksum  = 2  // 16-bit checksum
	udpHeaderLen  = 8  // RFC 768
	udpLength     = 4  // 16-bit length, header included
	udpChecksum   = 6  // 16-bit checksum
	tcpMinLen     = 20 // RFC 9293 section 3.1, no options
	tcpChecksum   = 16 // 16-bit checksum
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
	errShortUDP    = errors.New("short udp header")
	errBadUDPLen   = errors.New("bad udp length")
	errNoUDPSum    = errors.New("udp checksum 0 (none)")
	errShortTCP    = errors.New("short tcp header")
	errBadTCPOff   = errors.New("bad tcp data offset")
)

// Verify checks a probe packet, pkt starting at the IP header; the version
// nibble says which family.
//
// IPv4: pkt carries ICMP, UDP or TCP. Verify recomputes with Checksum both the IPv4
// header checksum (RFC 791) and the ICMP checksum over the ICMP header and
// data (RFC 792), the ICMP message being bounded by the IPv4 total length
// field. A UDP datagram (RFC 768) or TCP segment (RFC 9293 section 3.1)
// is checked the same way over the IPv4 pseudo-header (source,
// destination, zero, protocol, upper-layer length) and the whole message;
// a UDP checksum of 0, which IPv4 reads as "none", is refused: tracers
// always sends one.
//
// IPv6: pkt carries ICMPv6, UDP or TCP right after the fixed header (next header 58,
// no extension headers, as Build makes it), the message bounded by the
// payload length. IPv6 has no header checksum (RFC 8200 section 3); Verify
// recomputes the ICMPv6 checksum over the IPv6 pseudo-header (RFC 8200
// section 8.1: source, destination, upper-layer length, next header 58)
// and the ICMPv6 message (RFC 4443 section 2.3), or with next header 17
// or 6 the UDP datagram or TCP segment, whose checksums cover the same
// pseudo-header (a UDP checksum of 0 is illegal over IPv6, RFC 8200
// section 8.1).
//
// A checksum that does not match gives an error naming it, as in
// "craft: ipv4 header checksum 0xbeef != computed 0xb861"; a short or
// malformed packet, or one that carries none of these, gives an error too.
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
	hdr, total, err := ipv4Of(pkt)
	if err != nil {
		return err
	}
	if Checksum(hdr) != 0 {
		return mismatch("ipv4 header checksum", hdr, ipv4Checksum)
	}
	switch p := hdr.Protocol(); p {
	case layers.IPProtocolUDP, layers.IPProtocolTCP:
		msg := pkt[len(hdr):total]
		return verifyTransport(p, pseudoSum4(hdr, len(msg), p), msg)
	}
	icmp, err := icmpOf(hdr, pkt, total)
	if err != nil {
		return err
	}
	if Checksum(icmp) != 0 {
		return mismatch("icmp checksum", icmp, icmpChecksum)
	}
	return nil
}

// ipv4Of returns the IPv4 header of pkt, options included, and the total
// length, once checked: a whole header of version 4 within pkt, a total
// length from the header's end to pkt's.
func ipv4Of(pkt []byte) (analyze.IPv4Header, int, error) {
	if len(pkt) < ipv4MinLen {
		return nil, 0, fmt.Errorf("%w: %d bytes", errShortIPv4, len(pkt))
	}
	h := analyze.IPv4Header(pkt)
	if v := h.Version(); v != ipv4Version {
		return nil, 0, fmt.Errorf("%w: version %d", errNotIPv4, v)
	}
	ihl := h.HeaderLen()
	if ihl < ipv4MinLen || ihl > len(pkt) {
		return nil, 0, fmt.Errorf("%w: %d bytes in a %d-byte packet", errBadIHL, ihl, len(pkt))
	}
	total := int(h.TotalLen())
	if total < ihl || total > len(pkt) {
		return nil, 0, fmt.Errorf("%w: %d in a %d-byte packet", errBadTotalLen, total, len(pkt))
	}
	return h[:ihl], total, nil
}

// icmpOf returns the ICMP message that follows hdr in pkt up to the total
// length, once checked: protocol ICMP, a whole ICMP header.
func icmpOf(hdr analyze.IPv4Header, pkt []byte, total int) (analyze.ICMPHeader, error) {
	if p := hdr.Protocol(); p != layers.IPProtocolICMPv4 {
		return nil, fmt.Errorf("%w: protocol %d", errNotICMP, p)
	}
	msg := analyze.ICMPHeader(pkt[len(hdr):total])
	if len(msg) < icmpHeaderLen {
		return nil, fmt.Errorf("%w: %d bytes", errShortICMP, len(msg))
	}
	return msg, nil
}

// verify6 is verify for an IPv6 packet.
func verify6(pkt []byte) error {
	if len(pkt) >= ipv6HeaderLen {
		h := analyze.IPv6Header(pkt)
		if p := h.NextHeader(); p == layers.IPProtocolUDP || p == layers.IPProtocolTCP {
			plen := int(h.PayloadLen())
			if ipv6HeaderLen+plen > len(pkt) {
				return fmt.Errorf("%w: %d in a %d-byte packet", errBadPayLen, plen, len(pkt))
			}
			msg := pkt[ipv6HeaderLen : ipv6HeaderLen+plen]
			ph := pseudoHeader6(h.Src().As16(), h.Dst().As16(), uint32(plen), p)
			return verifyTransport(p, sum(0, ph[:]), msg)
		}
	}
	msg, err := icmp6Of(pkt)
	if err != nil {
		return err
	}
	ph := pseudo6(analyze.IPv6Header(pkt), len(msg))
	if Checksum6(ph, msg) != 0 {
		got := msg.Checksum()
		return fmt.Errorf("icmpv6 checksum 0x%04x != computed 0x%04x (pseudo-header included)", got, checksum6(ph, msg))
	}
	return nil
}

// icmp6Of returns the ICMPv6 message of pkt, an IPv6 packet whose next
// header is ICMPv6, bounded by the payload length.
func icmp6Of(pkt []byte) (analyze.ICMPHeader, error) {
	if len(pkt) < ipv6HeaderLen {
		return nil, fmt.Errorf("%w: %d bytes", errShortIPv6, len(pkt))
	}
	h := analyze.IPv6Header(pkt)
	plen := int(h.PayloadLen())
	if ipv6HeaderLen+plen > len(pkt) {
		return nil, fmt.Errorf("%w: %d in a %d-byte packet", errBadPayLen, plen, len(pkt))
	}
	if p := h.NextHeader(); p != layers.IPProtocolICMPv6 {
		return nil, fmt.Errorf("%w: next header %d (extension headers are not walked)", errNotICMPv6, p)
	}
	if plen < icmpHeaderLen {
		return nil, fmt.Errorf("%w: %d bytes", errShortICMPv6, plen)
	}
	return analyze.ICMPHeader(pkt[ipv6HeaderLen : ipv6HeaderLen+plen]), nil
}

// pseudo6 is the pseudo-header of the ICMPv6 message of n bytes after h.
func pseudo6(h analyze.IPv6Header, n int) [PseudoHeaderLen]byte {
	return pseudoHeader6(h.Src().As16(), h.Dst().As16(), uint32(n), layers.IPProtocolICMPv6)
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

// pseudoSum4 is the one's complement sum (unfolded) of the IPv4
// pseudo-header (RFC 768; RFC 9293 section 3.1) of an upper-layer message
// of n bytes after h, of protocol p.
func pseudoSum4(h analyze.IPv4Header, n int, p layers.IPProtocol) uint64 {
	return sum(0, h[12:20]) + uint64(p) + uint64(n)
}

// verifyTransport checks the UDP datagram or TCP segment msg (protocol p)
// whose pseudo-header sums to ps.
func verifyTransport(p layers.IPProtocol, ps uint64, msg []byte) error {
	what, off := "tcp checksum", tcpChecksum
	if p == layers.IPProtocolUDP {
		what, off = "udp checksum", udpChecksum
		if len(msg) < udpHeaderLen {
			return fmt.Errorf("%w: %d bytes", errShortUDP, len(msg))
		}
		if n := analyze.UDPHeader(msg).Length(); int(n) != len(msg) {
			return fmt.Errorf("%w: %d in a %d-byte datagram", errBadUDPLen, n, len(msg))
		}
		if analyze.UDPHeader(msg).Checksum() == 0 {
			return errNoUDPSum
		}
	} else {
		if len(msg) < tcpMinLen {
			return fmt.Errorf("%w: %d bytes", errShortTCP, len(msg))
		}
		if n := int(msg[12]>>4) * 4; n < tcpMinLen || n > len(msg) {
			return fmt.Errorf("%w: %d bytes in a %d-byte segment", errBadTCPOff, n, len(msg))
		}
	}
	if ^fold(sum(ps, msg)) != 0 {
		got := binary.BigEndian.Uint16(msg[off:])
		want := ^fold(sum(sum(ps, msg[:off]), msg[off+2:]))
		return fmt.Errorf("%s 0x%04x != computed 0x%04x (pseudo-header included)", what, got, want)
	}
	return nil
}
