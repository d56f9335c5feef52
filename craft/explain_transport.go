package craft

import (
	"fmt"
	"net/netip"

	"github.com/gopacket/gopacket/layers"
	"github.com/tracers/tracers/analyze"
)

// Layers named in Field.Layer and Check.Layer for UDP and TCP probes.
const (
	LayerUDP = "udp"
	LayerTCP = "tcp"
)

// transportView is an IPv4 or IPv6 packet carrying UDP or TCP (IPv6: right
// after the fixed header) whose lengths were checked as Verify checks
// them, but not its checksums.
type transportView struct {
	ip4   analyze.IPv4Header // IPv4: the header, options included
	ip6   analyze.IPv6Header // IPv6: the fixed header
	proto layers.IPProtocol  // UDP or TCP
	msg   []byte             // the datagram or segment
}

// transportOf returns the view of pkt when it carries UDP or TCP; ok is
// false for anything else, which the ICMP explanations take.
func transportOf(pkt []byte) (v transportView, ok bool, err error) {
	if isIPv6(pkt) {
		if len(pkt) < ipv6HeaderLen {
			return v, false, nil
		}
		h := analyze.IPv6Header(pkt)
		if p := h.NextHeader(); p != layers.IPProtocolUDP && p != layers.IPProtocolTCP {
			return v, false, nil
		}
		plen := int(h.PayloadLen())
		if ipv6HeaderLen+plen > len(pkt) {
			return v, true, fmt.Errorf("craft: %w: %d in a %d-byte packet", errBadPayLen, plen, len(pkt))
		}
		v = transportView{ip6: h[:ipv6HeaderLen], proto: h.NextHeader(), msg: pkt[ipv6HeaderLen : ipv6HeaderLen+plen]}
	} else {
		hdr, total, err := ipv4Of(pkt)
		if err != nil || (hdr.Protocol() != layers.IPProtocolUDP && hdr.Protocol() != layers.IPProtocolTCP) {
			return v, false, nil // the ICMP path reports the error
		}
		v = transportView{ip4: hdr, proto: hdr.Protocol(), msg: pkt[len(hdr):total]}
	}
	if v.proto == layers.IPProtocolUDP && len(v.msg) < udpHeaderLen {
		return v, true, fmt.Errorf("craft: %w: %d bytes", errShortUDP, len(v.msg))
	}
	if v.proto == layers.IPProtocolTCP {
		if len(v.msg) < tcpMinLen {
			return v, true, fmt.Errorf("craft: %w: %d bytes", errShortTCP, len(v.msg))
		}
		if n := int(v.msg[12]>>4) * 4; n < tcpMinLen || n > len(v.msg) {
			return v, true, fmt.Errorf("craft: %w: %d bytes in a %d-byte segment", errBadTCPOff, n, len(v.msg))
		}
	}
	return v, true, nil
}

func (v transportView) v6() bool { return v.ip6 != nil }

// base is the offset of the transport header in the packet.
func (v transportView) base() int {
	if v.v6() {
		return ipv6HeaderLen
	}
	return len(v.ip4)
}

// layer, name and sumOff are the transport's Layer, its name and the
// offset of its checksum field.
func (v transportView) layer() string {
	if v.proto == layers.IPProtocolUDP {
		return LayerUDP
	}
	return LayerTCP
}

func (v transportView) name() string {
	if v.proto == layers.IPProtocolUDP {
		return "UDP"
	}
	return "TCP"
}

func (v transportView) sumOff() int {
	if v.proto == layers.IPProtocolUDP {
		return udpChecksum
	}
	return tcpChecksum
}

// pseudo is the pseudo-header the transport checksum covers: 12 bytes
// for IPv4, 40 for IPv6.
func (v transportView) pseudo() []byte {
	if v.v6() {
		ph := pseudoHeader6(v.ip6.Src().As16(), v.ip6.Dst().As16(), uint32(len(v.msg)), v.proto)
		return ph[:]
	}
	ph, _ := PseudoHeader4(v.ip4.Src(), v.ip4.Dst(), uint16(len(v.msg)), v.proto) // IPv4 addresses: no error
	return ph[:]
}

// check is the transport checksum check.
func (v transportView) check() Check {
	ps := sum(0, v.pseudo())
	off := v.sumOff()
	in := field16(v.msg, off)
	c := Check{
		Layer: v.layer(), Offset: v.base() + off, Covers: len(v.msg), Pseudo: len(v.pseudo()),
		InPacket: in, Computed: ^fold(sum(sum(ps, v.msg[:off]), v.msg[off+2:])),
		Valid: ^fold(sum(ps, v.msg)) == 0,
	}
	if v.proto == layers.IPProtocolUDP && c.Computed == 0 {
		// RFC 768: a computed 0 is sent as all ones, since 0 in a UDP
		// header means no checksum (IPv4) or is illegal (IPv6).
		c.Computed = 0xffff
	}
	switch {
	case v.proto == layers.IPProtocolUDP && in == 0 && v.v6():
		c.Valid, c.Note = false, "a UDP checksum of 0 is illegal over IPv6 (RFC 8200 section 8.1)"
	case v.proto == layers.IPProtocolUDP && in == 0:
		c.Valid, c.Note = false, "0 means no checksum over IPv4 (RFC 768); tracers always sends one"
	case v.v6():
		c.Note = "IPv6 has no header checksum (RFC 8200 section 3 dropped it): the addresses are protected by this checksum, " +
			"through the pseudo-header; the hop limit and flow label by none"
	}
	return c
}

// checks is Checks for a UDP or TCP packet.
func (v transportView) checks() []Check {
	if v.v6() {
		return []Check{v.check()}
	}
	return []Check{check(LayerIPv4, v.ip4, 0, ipv4Checksum), v.check()}
}

// fields is Fields for a UDP or TCP packet.
func (v transportView) fields() []Field {
	f := make([]Field, 0, 24)
	add := func(layer string, off, bit, bits int, name, value, meaning string) {
		f = append(f, Field{Layer: layer, Offset: off, Bit: bit, Bits: bits, Name: name, Value: value, Meaning: meaning})
	}
	checks := v.checks()
	c := checks[len(checks)-1]
	proto, msg, base := v.name(), v.msg, v.base()
	viaPseudo := fmt.Sprintf("; summed into the %s checksum through the pseudo-header", proto)
	if v.v6() {
		// IPv6, RFC 8200 section 3.
		f = ipv6Fields(f, v.ip6, len(msg), proto, [2]string{
			"no flow label: routers that balance load by flow hash the addresses and ports",
			"one label for the whole run (RFC 6437): routers that balance load by flow keep one label on one path",
		}, viaPseudo)
	} else {
		// IPv4, RFC 791 section 3.1.
		f = ipv4Fields(f, v.ip4, len(msg), proto, v.ipidMeaning(), viaPseudo, checks[0])
	}
	if v.proto == layers.IPProtocolUDP {
		u := analyze.UDPHeader(msg)
		// UDP, RFC 768.
		add(LayerUDP, base, 0, 16, "source port", dec(uint64(u.SrcPort())),
			"the run's port, chosen per run so that two runs never take each other's replies; fixed-port UDP: the run's first port + the probe number")
		add(LayerUDP, base+2, 0, 16, "destination port", dec(uint64(u.DstPort())),
			"classic: the base port (-p, 33434 by default) + the probe number (a new flow per probe, as traceroute); Paris and fixed-port UDP: the same for the whole run")
		add(LayerUDP, base+udpLength, 0, 16, "length", hex16(u.Length()), fmt.Sprintf("bytes of header (8) and data (%d)", len(msg)-udpHeaderLen))
		add(LayerUDP, base+udpChecksum, 0, 16, "checksum", hex16only(c.InPacket),
			checkMeaning(c, "UDP header and data")+"; Paris: the probe's identity (n+1), fixed-port UDP: the run's tag, set through the first two data bytes")
		dataFields(add, base+udpHeaderLen, msg[udpHeaderLen:], "UDP", "the probe's identity (Paris) or the run's tag (fixed-port UDP)")
		return f
	}
	t := analyze.TCPHeader(msg)
	hlen := int(msg[12]>>4) * 4
	// TCP, RFC 9293 section 3.1.
	add(LayerTCP, base, 0, 16, "source port", dec(uint64(t.SrcPort())), "the run's port, chosen per run so that two runs never take each other's replies")
	add(LayerTCP, base+2, 0, 16, "destination port", dec(uint64(t.DstPort())), "the service probed, the same for the whole run (Paris by construction)")
	seq := t.Seq()
	add(LayerTCP, base+4, 0, 32, "sequence number", fmt.Sprintf("0x%08x (%d)", seq, seq),
		fmt.Sprintf("the probe's identity (n+1): a SYN-ACK or RST from the destination acknowledges %d", uint64(seq)+1))
	add(LayerTCP, base+8, 0, 32, "acknowledgment number", fmt.Sprintf("0x%08x", field32(msg, 8)), plural(t.Flags()&0x10 == 0, "unused without ACK", "the next sequence number expected"))
	add(LayerTCP, base+12, 0, 4, "data offset", dec(uint64(hlen/4)), fmt.Sprintf("header length in 32-bit words: %d bytes", hlen))
	add(LayerTCP, base+12, 4, 4, "reserved", dec(uint64(msg[12]&0x0f)), "always 0")
	add(LayerTCP, base+13, 0, 8, "flags", fmt.Sprintf("0x%02x", t.Flags()), tcpFlagNames(t.Flags()))
	add(LayerTCP, base+14, 0, 16, "window", hex16(field16(msg, 14)), "receive window, as Linux advertises in its own SYN")
	add(LayerTCP, base+tcpChecksum, 0, 16, "checksum", hex16only(c.InPacket), checkMeaning(c, "TCP header and data"))
	add(LayerTCP, base+18, 0, 16, "urgent pointer", dec(uint64(field16(msg, 18))), "unused without URG")
	if hlen > tcpMinLen {
		add(LayerTCP, base+tcpMinLen, 0, (hlen-tcpMinLen)*8, "options", shortHex(msg[tcpMinLen:hlen]), tcpOptionsMeaning(msg[tcpMinLen:hlen]))
	}
	if len(msg) > hlen {
		add(LayerPayload, base+hlen, 0, (len(msg)-hlen)*8, "data", shortHex(msg[hlen:]), "TCP data")
	}
	return f
}

// ipidMeaning says what the IPv4 identification of a UDP or TCP probe
// holds, as Prober.Build sets it.
func (v transportView) ipidMeaning() string {
	id := v.ip4.ID()
	switch {
	case v.proto == layers.IPProtocolUDP && id == analyze.UDPHeader(v.msg).Checksum():
		return "same as the UDP checksum: the probe's identity (Paris) or the run's tag (fixed-port UDP), for whoever reads a capture"
	case v.proto == layers.IPProtocolTCP && uint32(id) == analyze.TCPHeader(v.msg).Seq():
		return "same as the TCP sequence number: the probe's identity"
	case v.proto == layers.IPProtocolUDP:
		return "the probe number + 1, for whoever reads a capture; also groups the fragments of one datagram"
	}
	return "groups the fragments of one datagram"
}

// dataFields adds the data of a UDP datagram or ICMP echo at off: when its
// first two bytes were chosen to set the checksum and the rest is tracers'
// filler, as two fields.
func dataFields(add func(layer string, off, bit, bits int, name, value, meaning string), off int, data []byte, proto, value string) {
	if len(data) == 0 {
		return
	}
	if len(data) >= 2 && !isFiller(data, 0) && isFiller(data[2:], 2) {
		add(LayerPayload, off, 0, 16, "checksum bytes", fmt.Sprintf("% x", data[:2]),
			fmt.Sprintf("chosen so that the %s checksum comes to %s (the filler would be 40 41)", proto, value))
		if len(data) > 2 {
			add(LayerPayload, off+2, 0, (len(data)-2)*8, "data", shortHex(data[2:]), "tracers' filler, byte i = 0x40 + i%64")
		}
		return
	}
	add(LayerPayload, off, 0, len(data)*8, "data", shortHex(data), payloadMeaning(data, false, proto))
}

// isFiller reports whether b is tracers' filler from byte from of the
// payload on.
func isFiller(b []byte, from int) bool {
	for i, c := range b {
		if c != byte(0x40+(from+i)%64) {
			return false
		}
	}
	return true
}

func tcpFlagNames(f uint8) string {
	names := [...]string{"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"}
	s := ""
	for i, n := range names {
		if f&(1<<i) != 0 {
			s += plural(s == "", "", "+") + n
		}
	}
	if f == 0x02 {
		return "SYN only: opens a connection; the destination answers SYN-ACK (port open) or RST (closed)"
	}
	return plural(s == "", "none", s)
}

// tcpOptionsMeaning names the options of a SYN.
func tcpOptionsMeaning(b []byte) string {
	s := ""
	for i := 0; i < len(b); {
		switch kind := b[i]; kind {
		case 0:
			return s + plural(s == "", "", ", ") + "end"
		case 1:
			s += plural(s == "", "", ", ") + "NOP"
			i++
		default:
			if i+1 >= len(b) || b[i+1] < 2 || i+int(b[i+1]) > len(b) {
				return s + plural(s == "", "", ", ") + "malformed"
			}
			if kind == layers.TCPOptionKindMSS && b[i+1] == 4 {
				s += plural(s == "", "", ", ") + fmt.Sprintf("MSS %d (RFC 9293 section 3.7.1)", field16(b, i+2))
			} else {
				s += plural(s == "", "", ", ") + fmt.Sprintf("kind %d", kind)
			}
			i += int(b[i+1])
		}
	}
	return s
}

// pseudoFields is PseudoFields for a UDP or TCP packet.
func (v transportView) pseudoFields() []Field {
	ph := v.pseudo()
	proto := v.name()
	if v.v6() {
		return []Field{
			{Layer: LayerPseudo, Offset: pseudoSrc, Bits: 128, Name: "source",
				Value: netip.AddrFrom16([16]byte(ph[pseudoSrc:pseudoDst])).String(), Meaning: "the IPv6 source address (packet bytes 8-23)"},
			{Layer: LayerPseudo, Offset: pseudoDst, Bits: 128, Name: "destination",
				Value: netip.AddrFrom16([16]byte(ph[pseudoDst:pseudoLength])).String(), Meaning: "the IPv6 destination address (packet bytes 24-39)"},
			{Layer: LayerPseudo, Offset: pseudoLength, Bits: 32, Name: "upper-layer length",
				Value:   fmt.Sprintf("0x%08x (%d)", field32(ph, pseudoLength), field32(ph, pseudoLength)),
				Meaning: "bytes of the " + proto + " header and data"},
			{Layer: LayerPseudo, Offset: pseudoZero, Bits: 24, Name: "zero", Value: fmt.Sprintf("0x%06x", field32(ph, pseudoZero)>>8), Meaning: "always zero"},
			{Layer: LayerPseudo, Offset: pseudoNext, Bits: 8, Name: "next header", Value: dec(uint64(ph[pseudoNext])),
				Meaning: fmt.Sprintf("%d, %s: the upper-layer protocol", ph[pseudoNext], proto)},
		}
	}
	return []Field{
		{Layer: LayerPseudo, Offset: pseudo4Src, Bits: 32, Name: "source",
			Value: netip.AddrFrom4([4]byte(ph[pseudo4Src:pseudo4Dst])).String(), Meaning: "the IPv4 source address (packet bytes 12-15)"},
		{Layer: LayerPseudo, Offset: pseudo4Dst, Bits: 32, Name: "destination",
			Value: netip.AddrFrom4([4]byte(ph[pseudo4Dst : pseudo4Dst+4])).String(), Meaning: "the IPv4 destination address (packet bytes 16-19)"},
		{Layer: LayerPseudo, Offset: pseudo4Dst + 4, Bits: 8, Name: "zero", Value: "0", Meaning: "always zero"},
		{Layer: LayerPseudo, Offset: pseudo4Proto, Bits: 8, Name: "protocol", Value: dec(uint64(ph[pseudo4Proto])),
			Meaning: fmt.Sprintf("%d, %s: the IPv4 protocol field", ph[pseudo4Proto], proto)},
		{Layer: LayerPseudo, Offset: pseudo4Length, Bits: 16, Name: proto + " length", Value: hex16(field16(ph, pseudo4Length)),
			Meaning: "bytes of the " + proto + " header and data: the IPv4 total length less the IPv4 header"},
	}
}
