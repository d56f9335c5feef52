package craft

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/gopacket/gopacket/layers"
	"github.com/tracers/tracers/analyze"
)

// Filter returns the BPF expression, in libpcap's syntax, that lets
// through only the packets of one run probing dst from src with ICMP
// identifier id: its own Echo Requests, the Echo Replies to them, and the
// ICMP errors that quote them. The family of dst decides which: ICMP for
// IPv4, ICMPv6 for IPv6; src must be of the same family, as for Build. A
// zone on an address is left out (libpcap takes none).
//
// IPv4 (RFC 792): in an ICMP error (Destination Unreachable 3, Time
// Exceeded 11, Parameter Problem 12) the quoted IPv4 header starts at
// icmp[8]: its protocol is icmp[17], its source and destination icmp[20]
// and icmp[24], and the quoted ICMP header follows the quoted IHL.
//
// IPv6 (RFC 4443): libpcap's icmp6[] indexes the ICMPv6 header only when it
// follows the fixed IPv6 header directly, so packets with extension headers
// never pass; tracers' probes carry none, nor do the replies routers send.
// In an ICMPv6 error (Destination Unreachable 1, Packet Too Big 2, Time
// Exceeded 3, Parameter Problem 4) the quoted IPv6 header starts at
// icmp6[8]: its next header is icmp6[14], its source icmp6[16:16] and
// destination icmp6[32:16], compared in 4-byte pieces, and the quoted
// ICMPv6 Echo header is at icmp6[48], its identifier at icmp6[52:2].
func Filter(src, dst netip.Addr, id uint16) string {
	src, dst = src.WithZone(""), dst.WithZone("")
	if dst.Is4() {
		return filter4(src, dst, id)
	}
	return filter6(src, dst, id)
}

// filter4 is the expression trace.Filter has always given.
func filter4(src, dst netip.Addr, id uint16) string {
	q := "icmp[8 + ((icmp[8] & 15) << 2)"
	return fmt.Sprintf("icmp and ("+
		"(src host %s and dst host %s and icmp[0] = 8 and icmp[4:2] = %d) or "+
		"(src host %s and dst host %s and icmp[0] = 0 and icmp[4:2] = %d) or "+
		"(dst host %s and (icmp[0] = 3 or icmp[0] = 11 or icmp[0] = 12) and "+
		"icmp[17] = 1 and icmp[20:4] = %d and icmp[24:4] = %d and %s] = 8 and %s + 4:2] = %d))",
		src, dst, id, dst, src, id, src, word32(src, 0), word32(dst, 0), q, q, id)
}

func filter6(src, dst netip.Addr, id uint16) string {
	var quoted strings.Builder
	for i := range 4 {
		fmt.Fprintf(&quoted, "icmp6[%d:4] = 0x%08x and ", 16+4*i, word32(src, i))
	}
	for i := range 4 {
		fmt.Fprintf(&quoted, "icmp6[%d:4] = 0x%08x and ", 32+4*i, word32(dst, i))
	}
	return fmt.Sprintf("icmp6 and ("+
		"(src host %s and dst host %s and icmp6[0] = 128 and icmp6[4:2] = %d) or "+
		"(src host %s and dst host %s and icmp6[0] = 129 and icmp6[4:2] = %d) or "+
		"(dst host %s and (icmp6[0] = 1 or icmp6[0] = 2 or icmp6[0] = 3 or icmp6[0] = 4) and "+
		"icmp6[14] = 58 and %sicmp6[48] = 128 and icmp6[52:2] = %d))",
		src, dst, id, dst, src, id, src, quoted.String(), id)
}

// word32 is the i-th 32-bit big-endian word of a's bytes (4 of IPv4, 16
// of IPv6).
func word32(a netip.Addr, i int) uint32 {
	b := a.AsSlice()
	if len(b) < 4*i+4 {
		return 0
	}
	return uint32(b[4*i])<<24 | uint32(b[4*i+1])<<16 | uint32(b[4*i+2])<<8 | uint32(b[4*i+3])
}

// Filter returns the BPF expression, in libpcap's syntax, that lets
// through only this run's packets: its probes, and the answers to them.
//
// ICMP: the expression of the package-level Filter (Echo Requests, Echo
// Replies, errors quoting them, by identifier), Paris or not.
//
// UDP: the probes from the source to the destination with the run's
// constant ports (classic: the source port; Paris: both; Fixed: the
// destination port and the checksum that holds the run's tag), and the
// ICMP or ICMPv6 errors to the source (IPv4: Destination Unreachable,
// Time Exceeded, Parameter Problem; IPv6: those and Packet Too Big) whose
// quoted header is UDP from the source to the destination with those same
// constant fields, read at the quoted transport header: after the quoted
// IHL for IPv4 (icmp[8 + ((icmp[8] & 15) << 2)]), at icmp6[48] for IPv6.
// A port unreachable from the destination is one of these errors. And
// the destination's UDP answers (a DNS server, an echo service): UDP from
// the destination to the source with the probes' ports swapped (classic:
// to the source port; Paris: from the port to the source port; Fixed:
// from the port to a source port at or above the first), which the
// analyzer takes as the destination's reply, as Linux traceroute counts
// any UDP answer.
//
// TCP: the run's flow both ways, the probes and whatever the kernel sends
// on it (its RST to an unexpected SYN-ACK), the destination's SYN-ACK and
// RST to the run's source port, and the errors quoting TCP from the run's
// source port to its destination port.
//
// As for Filter, IPv6 packets with extension headers do not pass; an
// address's zone is left out.
func (p *Prober) Filter() string {
	m := &p.m
	if m.Proto == analyze.ICMP {
		return Filter(p.src, p.dst, m.ID)
	}
	f := filterParts{src: p.src, dst: p.dst, v6: p.v6}
	if m.Proto == analyze.TCP {
		return fmt.Sprintf("(tcp and src host %s and dst host %s and tcp src port %d and tcp dst port %d) or "+
			"(tcp and src host %s and dst host %s and tcp src port %d and tcp dst port %d and %s & 6 != 0) or "+
			"(%s and %s = %d and %s = %d)",
			p.src, p.dst, m.SrcPort, m.Port, p.dst, p.src, m.Port, m.SrcPort, f.tcpFlags(),
			f.quoting(layers.IPProtocolTCP), f.quoted(0), m.SrcPort, f.quoted(2), m.Port)
	}
	var probe, answer, quoted string
	switch {
	case m.Paris:
		probe = fmt.Sprintf("udp src port %d and udp dst port %d", m.SrcPort, m.Port)
		answer = fmt.Sprintf("udp src port %d and udp dst port %d", m.Port, m.SrcPort)
		quoted = fmt.Sprintf("%s = %d and %s = %d", f.quoted(0), m.SrcPort, f.quoted(2), m.Port)
	case m.Fixed:
		probe = fmt.Sprintf("udp dst port %d and %s = %d", m.Port, f.udpSum(), m.SrcPort)
		answer = fmt.Sprintf("udp src port %d and udp dst portrange %d-65535", m.Port, m.SrcPort)
		quoted = fmt.Sprintf("%s = %d and %s = %d", f.quoted(2), m.Port, f.quoted(udpChecksum), m.SrcPort)
	default:
		probe = fmt.Sprintf("udp src port %d", m.SrcPort)
		answer = fmt.Sprintf("udp dst port %d", m.SrcPort)
		quoted = fmt.Sprintf("%s = %d", f.quoted(0), m.SrcPort)
	}
	return fmt.Sprintf("(udp and src host %s and dst host %s and %s) or "+
		"(udp and src host %s and dst host %s and %s) or (%s and %s)",
		p.src, p.dst, probe, p.dst, p.src, answer, f.quoting(layers.IPProtocolUDP), quoted)
}

// filterParts writes the pieces of a run's filter that depend on the
// family.
type filterParts struct {
	src, dst netip.Addr
	v6       bool
}

// quoting is the condition for an ICMP or ICMPv6 error to the source
// quoting a packet of protocol proto from the source to the destination.
func (f filterParts) quoting(proto layers.IPProtocol) string {
	if !f.v6 {
		return fmt.Sprintf("icmp and dst host %s and (icmp[0] = 3 or icmp[0] = 11 or icmp[0] = 12) and "+
			"icmp[17] = %d and icmp[20:4] = %d and icmp[24:4] = %d",
			f.src, proto, word32(f.src, 0), word32(f.dst, 0))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "icmp6 and dst host %s and (icmp6[0] = 1 or icmp6[0] = 2 or icmp6[0] = 3 or icmp6[0] = 4) and icmp6[14] = %d", f.src, proto)
	for i := range 4 {
		fmt.Fprintf(&b, " and icmp6[%d:4] = 0x%08x", 16+4*i, word32(f.src, i))
	}
	for i := range 4 {
		fmt.Fprintf(&b, " and icmp6[%d:4] = 0x%08x", 32+4*i, word32(f.dst, i))
	}
	return b.String()
}

// quoted is the 16-bit field at off in the transport header an error
// quotes.
func (f filterParts) quoted(off int) string {
	if f.v6 {
		return fmt.Sprintf("icmp6[%d:2]", 48+off)
	}
	if off == 0 {
		return "icmp[8 + ((icmp[8] & 15) << 2):2]"
	}
	return fmt.Sprintf("icmp[8 + ((icmp[8] & 15) << 2) + %d:2]", off)
}

// tcpFlags is the byte of a TCP segment's flags (RFC 9293 section 3.1:
// SYN 2, RST 4).
func (f filterParts) tcpFlags() string {
	if f.v6 {
		// libpcap's tcp[] reads IPv4 only: the fixed header is 40 bytes.
		return fmt.Sprintf("ip6[%d]", ipv6HeaderLen+13)
	}
	return "tcp[13]"
}

// udpSum is the checksum field of a UDP datagram.
func (f filterParts) udpSum() string {
	if f.v6 {
		// libpcap indexes no udp[] over IPv6: the fixed header is 40 bytes.
		return fmt.Sprintf("ip6[%d:2]", ipv6HeaderLen+udpChecksum)
	}
	return fmt.Sprintf("udp[%d:2]", udpChecksum)
}
