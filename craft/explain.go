package craft

import (
	"fmt"
	"strings"

	"github.com/gopacket/gopacket/layers"
	"github.com/tracers/tracers/analyze"
)

// Layers named in Field.Layer and Check.Layer.
const (
	LayerIPv4    = "ipv4"
	LayerICMP    = "icmp"
	LayerIPv6    = "ipv6"
	LayerICMPv6  = "icmpv6"
	LayerPayload = "payload"
	LayerPseudo  = "pseudo" // the IPv6 pseudo-header: summed into the ICMPv6 checksum, never sent
)

// Field is one field of an IPv4 ICMP packet or an IPv6 ICMPv6 packet, as
// the header diagrams of RFC 791 section 3.1, RFC 792, RFC 8200 section 3
// and RFC 4443 draw them, or of the IPv6 pseudo-header (RFC 8200 section
// 8.1).
type Field struct {
	Layer   string // LayerIPv4, LayerICMP, LayerIPv6, LayerICMPv6, LayerPayload or LayerPseudo
	Offset  int    // of the field's first byte, from the start of the packet (of the pseudo-header for LayerPseudo)
	Bit     int    // of the field's first bit within that byte, 0 the most significant
	Bits    int    // size in bits
	Name    string // e.g. "TTL"
	Value   string // e.g. "3", "0x003c (60)", "10.77.1.1"
	Meaning string // what the value says, in words
}

// Check compares a checksum field of a packet with the value RFC 1071
// gives for it.
type Check struct {
	Layer    string // LayerIPv4 (the header checksum), LayerICMP or LayerICMPv6
	Offset   int    // of the checksum field, from the start of the packet
	Covers   int    // bytes of the packet the checksum covers: the IPv4 header, or the whole ICMP or ICMPv6 message
	Pseudo   int    // bytes of pseudo-header summed before them: PseudoHeaderLen for ICMPv6, 0 for IPv4 and ICMP
	InPacket uint16 // the field as found in the packet
	Computed uint16 // the hand-written RFC 1071 checksum over the pseudo-header and covered bytes, the field zeroed
	Valid    bool   // the checksum over the pseudo-header and covered bytes, field included, is 0
	Note     string // what else a reader should know of this checksum, or ""
}

// Agree reports whether the field in the packet is the value computed for
// it. A field may disagree and still be valid: 0x0000 and 0xffff are both
// zero in one's complement.
func (c Check) Agree() bool { return c.InPacket == c.Computed }

// probeView is an IPv4 packet carrying ICMP whose lengths were checked
// (see ipv4Of and icmpOf), read through analyze's header views.
type probeView struct {
	ip   analyze.IPv4Header // the header, options included
	icmp analyze.ICMPHeader // the message, up to the total length
}

// view checks the lengths of pkt as Verify does, but not its checksums.
func view(pkt []byte) (probeView, error) {
	ip, total, err := ipv4Of(pkt)
	if err != nil {
		return probeView{}, fmt.Errorf("craft: %w", err)
	}
	msg, err := icmpOf(ip, pkt, total)
	if err != nil {
		return probeView{}, fmt.Errorf("craft: %w", err)
	}
	return probeView{ip: ip, icmp: msg}, nil
}

// Checks returns the checksum checks of pkt, the version nibble saying
// which family. For a packet carrying UDP or TCP: the IPv4 header checksum
// check (IPv4 only) and the UDP or TCP checksum check over the IPv4 or
// IPv6 pseudo-header and the whole datagram or segment. For an IPv4 packet carrying ICMP: the IPv4 header checksum
// check and the ICMP checksum check, in that order, bytes past the IPv4
// total length ignored. For an IPv6 packet carrying ICMPv6 with no
// extension headers: the ICMPv6 checksum check alone, over the
// pseudo-header and the message, since IPv6 has no header checksum (RFC
// 8200 section 3), bytes past the payload length ignored. It errs, as
// Verify does, on a packet too short or malformed to hold the fields, but
// not on a bad checksum.
func Checks(pkt []byte) ([]Check, error) {
	if v, ok, err := transportOf(pkt); ok {
		if err != nil {
			return nil, err
		}
		return v.checks(), nil
	}
	if isIPv6(pkt) {
		v, err := view6(pkt)
		if err != nil {
			return nil, err
		}
		return []Check{v.check()}, nil
	}
	v, err := view(pkt)
	if err != nil {
		return nil, err
	}
	return []Check{
		check(LayerIPv4, v.ip, 0, ipv4Checksum),
		check(LayerICMP, v.icmp, len(v.ip), icmpChecksum),
	}, nil
}

// check checks the field at off of b, b starting at base in the packet.
func check(layer string, b []byte, base, off int) Check {
	want, _ := FieldChecksum(b, off) // off is even and inside b: view checked the lengths
	return Check{
		Layer: layer, Offset: base + off, Covers: len(b),
		InPacket: field16(b, off), Computed: want, Valid: Checksum(b) == 0,
	}
}

// Fields lists every field of pkt, a probe such as Builder.Build makes, in
// wire order; the version nibble says which family.
//
// IPv4 carrying ICMP: each IPv4 header field (RFC 791 section 3.1, options
// as one field), each ICMP header field (RFC 792; the identifier and
// sequence of an Echo, else the 32 bits after the checksum as one field)
// and the ICMP data as one payload field. Bytes past the IPv4 total length
// are ignored.
//
// IPv6 carrying ICMPv6 right after the fixed header: each IPv6 header
// field (RFC 8200 section 3), each ICMPv6 header field (RFC 4443; the
// identifier and sequence of an Echo, section 4.1, else the 32 bits after
// the checksum as one field) and the data. Bytes past the payload length
// are ignored. PseudoFields explains the pseudo-header its checksum
// covers.
//
// IPv4 or IPv6 carrying UDP (RFC 768) or TCP (RFC 9293 section 3.1), as
// Prober.Build makes them: the IP header fields, each UDP or TCP header
// field, options as one field, and the data (two fields when its first two
// bytes were chosen to set the checksum).
//
// It errs as Checks does; a bad checksum is explained, not refused. Fields
// does not modify pkt; the returned Fields keep no reference to it.
func Fields(pkt []byte) ([]Field, error) {
	if v, ok, err := transportOf(pkt); ok {
		if err != nil {
			return nil, err
		}
		return v.fields(), nil
	}
	if isIPv6(pkt) {
		v, err := view6(pkt)
		if err != nil {
			return nil, err
		}
		return v.fields(), nil
	}
	v, err := view(pkt)
	if err != nil {
		return nil, err
	}
	checks, _ := Checks(pkt)
	hdr, msg := v.ip, v.icmp
	ihl := len(hdr)
	echo := msg.Type() == layers.ICMPv4TypeEchoRequest || msg.Type() == layers.ICMPv4TypeEchoReply

	f := make([]Field, 0, 20)
	add := func(layer string, off, bit, bits int, name, value, meaning string) {
		f = append(f, Field{Layer: layer, Offset: off, Bit: bit, Bits: bits, Name: name, Value: value, Meaning: meaning})
	}

	ipid := hdr.ID()
	idMeaning := "groups the fragments of one datagram"
	if echo && ipid == msg.Seq() {
		idMeaning = "same as the ICMP sequence, as tracers sets it"
	}
	f = ipv4Fields(f, hdr, len(msg), "ICMP", idMeaning, "", checks[0])

	// ICMP, RFC 792.
	base := ihl
	icmp := icmpFamily{layer: LayerICMP, proto: "ICMP", covers: "ICMP header and data", hops: "TTL"}
	icmp.fields(add, base, msg, echo, icmpTypeName(msg.Type()), icmpCodeName(msg.Type(), msg.Code()), checks[1])
	return f, nil
}

// icmpFamily holds what Fields says differently of ICMP and of ICMPv6.
type icmpFamily struct {
	layer  string // LayerICMP or LayerICMPv6
	proto  string // "ICMP" or "ICMPv6"
	covers string // what the checksum covers, pseudo-header aside
	hops   string // what the IP header counts hops in
}

// fields adds with add the fields of the ICMP or ICMPv6 message msg, at
// base in the packet: type and code (named typ and code), the checksum
// (c), an echo's identifier and sequence or else the rest of the header,
// and the data.
func (fam icmpFamily) fields(add func(layer string, off, bit, bits int, name, value, meaning string),
	base int, msg analyze.ICMPHeader, echo bool, typ, code string, c Check) {
	add(fam.layer, base, 0, 8, "type", dec(uint64(msg.Type())), typ)
	add(fam.layer, base+1, 0, 8, "code", dec(uint64(msg.Code())), code)
	add(fam.layer, base+icmpChecksum, 0, 16, "checksum", hex16only(c.InPacket), checkMeaning(c, fam.covers))
	if echo {
		add(fam.layer, base+4, 0, 16, "identifier", hex16(msg.Ident()), "this run's identity: replies carry it back")
		seq := msg.Seq()
		hops, attempt := SplitSeq(seq)
		add(fam.layer, base+6, 0, 16, "sequence", hex16(seq),
			fmt.Sprintf("%s %d, attempt %d, as SeqFor packs them (%s<<8 | attempt)", fam.hops, hops, attempt, fam.hops))
	} else {
		add(fam.layer, base+4, 0, 32, "rest of header", fmt.Sprintf("0x%08x", msg.Rest()), "depends on the type")
	}
	if data := msg.Body(); echo && parisData(data, msg.Seq()) {
		dataFields(add, base+icmpHeaderLen, data, fam.proto, "that of sequence 0 for every probe of the run (Paris)")
	} else if len(data) > 0 {
		add(LayerPayload, base+icmpHeaderLen, 0, len(data)*8, "data", shortHex(data), payloadMeaning(data, echo, fam.proto))
	}
}

func field32(b []byte, off int) uint32 {
	return uint32(field16(b, off))<<16 | uint32(field16(b, off+2))
}

func dec(n uint64) string       { return fmt.Sprint(n) }
func hex8(n uint8) string       { return fmt.Sprintf("0x%02x (%d)", n, n) }
func hex16(n uint16) string     { return fmt.Sprintf("0x%04x (%d)", n, n) }
func hex16only(n uint16) string { return fmt.Sprintf("0x%04x", n) }

func plural(cond bool, yes, no string) string {
	if cond {
		return yes
	}
	return no
}

// shortHex shows up to 8 bytes of b in hex, then how many more there are.
func shortHex(b []byte) string {
	const show = 4
	if len(b) <= show {
		return fmt.Sprintf("% x", b)
	}
	return fmt.Sprintf("% x ... (%d bytes)", b[:show], len(b))
}

func ecnName(ecn uint8) string {
	return [...]string{" (not ECN-capable)", " (ECT(1))", " (ECT(0))", " (congestion experienced)"}[ecn&3]
}

func checkMeaning(c Check, what string) string {
	s := fmt.Sprintf("RFC 1071 over the %d-byte %s: ", c.Covers, what)
	if c.Pseudo > 0 {
		s = fmt.Sprintf("RFC 1071 over the %d-byte pseudo-header and the %d-byte %s: ", c.Pseudo, c.Covers, what)
	}
	switch {
	case c.Valid && c.Agree():
		return s + "good"
	case c.Valid:
		return s + fmt.Sprintf("good (0x%04x is the other zero)", c.Computed)
	}
	return s + fmt.Sprintf("bad, should be 0x%04x", c.Computed)
}

func icmpTypeName(t uint8) string {
	switch t {
	case layers.ICMPv4TypeEchoReply:
		return "echo reply"
	case layers.ICMPv4TypeDestinationUnreachable:
		return "destination unreachable"
	case layers.ICMPv4TypeEchoRequest:
		return "echo request"
	case layers.ICMPv4TypeTimeExceeded:
		return "time exceeded"
	}
	return layers.CreateICMPv4TypeCode(t, 0).String()
}

func icmpCodeName(t, c uint8) string {
	switch t {
	case layers.ICMPv4TypeEchoReply, layers.ICMPv4TypeEchoRequest:
		return echoCodeName(c)
	case layers.ICMPv4TypeTimeExceeded:
		switch c {
		case layers.ICMPv4CodeTTLExceeded:
			return "TTL exceeded in transit"
		case layers.ICMPv4CodeFragmentReassemblyTimeExceeded:
			return "fragment reassembly time exceeded"
		}
	}
	return strings.ToLower(layers.CreateICMPv4TypeCode(t, c).String())
}

// echoCodeName says what the code c of an ICMP or ICMPv6 echo should be.
func echoCodeName(c uint8) string {
	if c == 0 {
		return "always 0 for echo"
	}
	return "should be 0 for echo"
}

// payloadMeaning recognises the filler Build writes.
func payloadMeaning(data []byte, echo bool, proto string) string {
	filler := true
	for i, c := range data {
		if c != byte(0x40+i%64) {
			filler = false
			break
		}
	}
	switch {
	case filler:
		more := plural(len(data) > 8, "...", "")
		if !echo {
			return fmt.Sprintf("tracers' filler, byte i = 0x40 + i%%64 (%q%s)", data[:min(len(data), 8)], more)
		}
		return fmt.Sprintf("tracers' filler, byte i = 0x40 + i%%64 (%q%s), echoed back unchanged", data[:min(len(data), 8)], more)
	case echo:
		return "echo data, sent back unchanged in the reply"
	}
	return proto + " data"
}

// parisData reports whether data is the payload of a Paris ICMP probe of
// sequence seq: tracers' filler but for its first word, which is the
// filler's less seq in one's complement (see Prober.Build).
func parisData(data []byte, seq uint16) bool {
	if len(data) < 2 || isFiller(data[:2], 0) || !isFiller(data[2:], 2) {
		return false
	}
	w := fold(uint64(field16(data, 0)) + uint64(seq))
	return w == 0x4041
}

// ipv6Fields appends the fields of the IPv6 header hdr (RFC 8200 section
// 3) of a packet carrying payload bytes of proto, with no extension
// headers: flowMeaning says what its flow label means for this probe (zero
// or not), viaPseudo how the addresses reach the transport checksum.
func ipv6Fields(f []Field, hdr analyze.IPv6Header, payload int, proto string, flowMeaning [2]string, viaPseudo string) []Field {
	add := func(off, bit, bits int, name, value, meaning string) {
		f = append(f, Field{Layer: LayerIPv6, Offset: off, Bit: bit, Bits: bits, Name: name, Value: value, Meaning: meaning})
	}
	add(0, 0, 4, "version", dec(uint64(hdr.Version())), "IPv6")
	tc := hdr.TrafficClass()
	add(0, 4, 8, "traffic class", hex8(tc),
		fmt.Sprintf("DSCP %d%s, ECN %d%s", tc>>2, plural(tc>>2 == 0, " (default, best effort)", ""), tc&3, ecnName(tc&3)))
	flow := hdr.FlowLabel()
	add(1, 4, 20, "flow label", fmt.Sprintf("0x%05x (%d)", flow, flow), plural(flow == 0, flowMeaning[0], flowMeaning[1]))
	add(ipv6PayLen, 0, 16, "payload length", hex16(hdr.PayloadLen()),
		fmt.Sprintf("bytes after this 40-byte header: %d %s, no extension headers", payload, proto))
	add(ipv6Next, 0, 8, "next header", dec(uint64(hdr.NextHeader())), proto+", right after this header: no extension headers")
	add(ipv6HopLimit, 0, 8, "hop limit", dec(uint64(hdr.HopLimit())),
		"hops left (IPv4's TTL): the router that takes it to 0 answers ICMPv6 Time Exceeded")
	add(ipv6Src, 0, 128, "source", hdr.Src().String(), "sender"+viaPseudo)
	add(ipv6Dst, 0, 128, "destination", hdr.Dst().String(), "where the probe is going"+viaPseudo)
	return f
}

// ipv4Fields appends the fields of the IPv4 header hdr (RFC 791 section
// 3.1) of a packet carrying payload bytes of proto: idMeaning says what
// its identification holds, viaPseudo (or "") how the addresses reach the
// transport checksum, check is the header checksum's Check.
func ipv4Fields(f []Field, hdr analyze.IPv4Header, payload int, proto, idMeaning, viaPseudo string, check Check) []Field {
	add := func(off, bit, bits int, name, value, meaning string) {
		f = append(f, Field{Layer: LayerIPv4, Offset: off, Bit: bit, Bits: bits, Name: name, Value: value, Meaning: meaning})
	}
	ihl := len(hdr)
	add(0, 0, 4, "version", dec(uint64(hdr.Version())), "IPv4")
	add(0, 4, 4, "IHL", dec(uint64(ihl/4)),
		fmt.Sprintf("header length in 32-bit words: %d bytes%s", ihl, plural(ihl > ipv4MinLen, ", options included", ", no options")))
	tos := hdr.TOS()
	add(1, 0, 8, "DSCP/ECN (TOS)", hex8(tos),
		fmt.Sprintf("DSCP %d%s, ECN %d%s", tos>>2, plural(tos>>2 == 0, " (default, best effort)", ""), tos&3, ecnName(tos&3)))
	add(2, 0, 16, "total length", hex16(uint16(ihl+payload)),
		fmt.Sprintf("bytes in the packet: %d header + %d %s", ihl, payload, proto))
	add(4, 0, 16, "identification", hex16(hdr.ID()), idMeaning)
	flags := hdr.Flags()
	add(6, 0, 3, "flags", fmt.Sprintf("0b%03b", flags),
		fmt.Sprintf("reserved %d, DF %d%s, MF %d%s", flags>>2, flags>>1&1,
			plural(flags>>1&1 == 1, " (don't fragment)", " (may fragment)"), flags&1,
			plural(flags&1 == 1, " (more fragments follow)", " (last fragment)")))
	frag := hdr.FragOffset()
	add(6, 3, 13, "fragment offset", dec(uint64(frag)),
		fmt.Sprintf("in 8-byte units: %s", plural(frag == 0, "first fragment", fmt.Sprintf("data starts at byte %d of the datagram", int(frag)*8))))
	add(8, 0, 8, "TTL", dec(uint64(hdr.TTL())),
		"hops left: the router that takes it to 0 answers ICMP Time Exceeded")
	add(9, 0, 8, "protocol", dec(uint64(hdr.Protocol())), hdr.Protocol().String())
	add(ipv4Checksum, 0, 16, "header checksum", hex16only(check.InPacket), checkMeaning(check, "header"))
	add(12, 0, 32, "source", hdr.Src().String(), fmt.Sprintf("sender (0x%08x)%s", field32(hdr, 12), viaPseudo))
	add(16, 0, 32, "destination", hdr.Dst().String(), fmt.Sprintf("where the probe is going (0x%08x)%s", field32(hdr, 16), viaPseudo))
	if ihl > ipv4MinLen {
		add(ipv4MinLen, 0, (ihl-ipv4MinLen)*8, "options", shortHex(hdr[ipv4MinLen:]), "IPv4 options and padding")
	}
	return f
}
