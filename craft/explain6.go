package craft

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/gopacket/gopacket/layers"
	"github.com/tracers/tracers/analyze"
)

// noHeaderChecksum is what Check.Note says of the ICMPv6 checksum.
const noHeaderChecksum = "IPv6 has no header checksum (RFC 8200 section 3 dropped it): " +
	"the addresses are protected by this checksum, through the pseudo-header; the hop limit and flow label by none"

// isIPv6 reports whether pkt claims to be IPv6 by its version nibble.
func isIPv6(pkt []byte) bool { return len(pkt) > 0 && pkt[0]>>4 == ipv6Version }

// probeView6 is an IPv6 packet carrying ICMPv6 right after its fixed header
// whose lengths were checked: 40 + payload length <= len(pkt), payload
// length >= icmpHeaderLen.
type probeView6 struct {
	ip  analyze.IPv6Header // the fixed header
	msg analyze.ICMPHeader // the ICMPv6 message
}

// view6 checks the lengths of pkt as Verify does, but not its checksum.
func view6(pkt []byte) (probeView6, error) {
	msg, err := icmp6Of(pkt)
	if err != nil {
		return probeView6{}, fmt.Errorf("craft: %w", err)
	}
	return probeView6{ip: analyze.IPv6Header(pkt[:ipv6HeaderLen]), msg: msg}, nil
}

func (v probeView6) pseudo() [PseudoHeaderLen]byte { return pseudo6(v.ip, len(v.msg)) }

// check is the ICMPv6 checksum check.
func (v probeView6) check() Check {
	ph := v.pseudo()
	return Check{
		Layer: LayerICMPv6, Offset: ipv6HeaderLen + icmpChecksum, Covers: len(v.msg), Pseudo: PseudoHeaderLen,
		InPacket: v.msg.Checksum(), Computed: checksum6(ph, v.msg), Valid: Checksum6(ph, v.msg) == 0,
		Note: noHeaderChecksum,
	}
}

func (v probeView6) fields() []Field {
	hdr, msg := v.ip, v.msg
	c := v.check()
	echo := msg.Type() == layers.ICMPv6TypeEchoRequest || msg.Type() == layers.ICMPv6TypeEchoReply

	f := make([]Field, 0, 16)
	add := func(layer string, off, bit, bits int, name, value, meaning string) {
		f = append(f, Field{Layer: layer, Offset: off, Bit: bit, Bits: bits, Name: name, Value: value, Meaning: meaning})
	}

	// IPv6, RFC 8200 section 3.
	f = ipv6Fields(f, hdr, len(msg), "ICMPv6", [2]string{
		"no flow label: routers that balance load by flow hash the addresses alone",
		"labels the flow (RFC 6437): routers that balance load by flow keep one label on one path",
	}, "; summed into the ICMPv6 checksum through the pseudo-header")

	// ICMPv6, RFC 4443.
	base := ipv6HeaderLen
	icmp := icmpFamily{layer: LayerICMPv6, proto: "ICMPv6", covers: "ICMPv6 message", hops: "hop limit"}
	icmp.fields(add, base, msg, echo, icmp6TypeName(msg.Type()), icmp6CodeName(msg.Type(), msg.Code()), c)
	return f
}

// PseudoFields lists the fields of the IPv6 pseudo-header (RFC 8200
// section 8.1) that the ICMPv6 checksum of pkt covers (RFC 4443 section
// 2.3), Offset counted from the start of the pseudo-header, Layer
// LayerPseudo. The pseudo-header is never sent: it is summed before the
// ICMPv6 message so that a packet delivered to the wrong address fails the
// checksum. For an IPv4 packet carrying ICMP, whose checksum has no
// pseudo-header (RFC 792), it returns none. For a packet carrying UDP or
// TCP it lists the pseudo-header their checksum covers: the IPv6 one
// above, or the 12-byte IPv4 one (RFC 768; RFC 9293 section 3.1: source,
// destination, zero, protocol, length). It errs as Checks does.
func PseudoFields(pkt []byte) ([]Field, error) {
	if v, ok, err := transportOf(pkt); ok {
		if err != nil {
			return nil, err
		}
		return v.pseudoFields(), nil
	}
	if !isIPv6(pkt) {
		if _, err := view(pkt); err != nil {
			return nil, err
		}
		return nil, nil
	}
	v, err := view6(pkt)
	if err != nil {
		return nil, err
	}
	ph := v.pseudo()
	return []Field{
		{Layer: LayerPseudo, Offset: pseudoSrc, Bits: 128, Name: "source",
			Value: netip.AddrFrom16([16]byte(ph[pseudoSrc:pseudoDst])).String(), Meaning: "the IPv6 source address (packet bytes 8-23)"},
		{Layer: LayerPseudo, Offset: pseudoDst, Bits: 128, Name: "destination",
			Value:   netip.AddrFrom16([16]byte(ph[pseudoDst:pseudoLength])).String(),
			Meaning: "the IPv6 destination address (packet bytes 24-39; the final one were there a routing header)"},
		{Layer: LayerPseudo, Offset: pseudoLength, Bits: 32, Name: "upper-layer length",
			Value:   fmt.Sprintf("0x%08x (%d)", field32(ph[:], pseudoLength), field32(ph[:], pseudoLength)),
			Meaning: "bytes of the ICMPv6 message: the payload length less extension headers (none here)"},
		{Layer: LayerPseudo, Offset: pseudoZero, Bits: 24, Name: "zero", Value: fmt.Sprintf("0x%06x", field32(ph[:], pseudoZero)>>8),
			Meaning: "always zero"},
		{Layer: LayerPseudo, Offset: pseudoNext, Bits: 8, Name: "next header", Value: dec(uint64(ph[pseudoNext])),
			Meaning: "58, ICMPv6: the upper-layer protocol, the last next header of the chain"},
	}, nil
}

func icmp6TypeName(t uint8) string {
	switch t {
	case layers.ICMPv6TypeDestinationUnreachable:
		return "destination unreachable"
	case layers.ICMPv6TypePacketTooBig:
		return "packet too big"
	case layers.ICMPv6TypeTimeExceeded:
		return "time exceeded"
	case layers.ICMPv6TypeParameterProblem:
		return "parameter problem"
	case layers.ICMPv6TypeEchoRequest:
		return "echo request"
	case layers.ICMPv6TypeEchoReply:
		return "echo reply"
	}
	return strings.ToLower(layers.CreateICMPv6TypeCode(t, 0).String())
}

// icmp6CodeName names the codes of RFC 4443 sections 3 and 4.
func icmp6CodeName(t, c uint8) string {
	switch t {
	case layers.ICMPv6TypeEchoRequest, layers.ICMPv6TypeEchoReply:
		return echoCodeName(c)
	case layers.ICMPv6TypeTimeExceeded, layers.ICMPv6TypeDestinationUnreachable:
		if w := ICMPv6CodeWords(t, c); w != "" {
			return w
		}
	}
	return strings.ToLower(layers.CreateICMPv6TypeCode(t, c).String())
}

// ICMPv6CodeWords names the code c of an ICMPv6 error of type t in RFC
// 4443's words, all lower case ("address unreachable", "hop limit exceeded
// in transit"), or returns "" for a type or code that section 3 does not
// name. It is the one table of these words that craft's and report's
// explanations share.
func ICMPv6CodeWords(t, c uint8) string {
	var w []string
	switch t {
	case layers.ICMPv6TypeDestinationUnreachable:
		w = unreach6[:]
	case layers.ICMPv6TypeTimeExceeded:
		w = timeExceeded6[:]
	case layers.ICMPv6TypeParameterProblem:
		w = paramProblem6[:]
	}
	if int(c) < len(w) {
		return w[c]
	}
	return ""
}

// unreach6 names the Destination Unreachable codes of RFC 4443 section 3.1.
var unreach6 = [...]string{
	"no route to destination",
	"communication with destination administratively prohibited",
	"beyond scope of source address",
	"address unreachable",
	"port unreachable",
	"source address failed ingress/egress policy",
	"reject route to destination",
	"error in source routing header",
}

// timeExceeded6 names the Time Exceeded codes of RFC 4443 section 3.3.
var timeExceeded6 = [...]string{
	"hop limit exceeded in transit",
	"fragment reassembly time exceeded",
}

// paramProblem6 names the Parameter Problem codes of RFC 4443 section 3.4.
var paramProblem6 = [...]string{
	"erroneous header field encountered",
	"unrecognized Next Header type encountered",
	"unrecognized IPv6 option encountered",
}
