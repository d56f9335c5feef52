package analyze

import (
	"encoding/binary"

	"github.com/gopacket/gopacket/layers"
)

// The link-layer headers the Decoder's hand-written layers and Dissect
// both read by hand (gopacket's layers for them allocate, or do not
// exist): each finder returns the EtherType of what the link carries, the
// bytes after the link header, and false when the header is cut short.

// linkPayload finds the network-layer packet in b, a frame of link type
// lt, as Wireshark does: the EtherType of what the link carries (VLAN tags
// and MPLS labels still to walk; under 1536 an IEEE 802.3 length, 0 for
// what the link carries but IP, ARP or MPLS it does not name) and the
// bytes after the link header. It is false for a link header cut short
// and for a link type that carries no EtherType (the raw IP ones) or that
// it does not know: Ethernet, Linux cooked v1 and v2, BSD loopback (Null
// in host byte order, Loop in network order), PPP with or without
// HDLC-like framing, and Cisco HDLC, told from PPP by its address byte.
func linkPayload(lt layers.LinkType, b []byte) (layers.EthernetType, []byte, bool) {
	switch lt {
	case layers.LinkTypeEthernet:
		if len(b) < 14 {
			return 0, nil, false
		}
		return layers.EthernetType(binary.BigEndian.Uint16(b[12:14])), b[14:], true
	case layers.LinkTypeLinuxSLL:
		if len(b) < 16 {
			return 0, nil, false
		}
		return layers.EthernetType(binary.BigEndian.Uint16(b[14:16])), b[16:], true
	case layers.LinkTypeLinuxSLL2:
		return sll2Payload(b)
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		if len(b) < 4 {
			return 0, nil, false
		}
		af := binary.BigEndian.Uint32(b[0:4])
		if lt == layers.LinkTypeNull && b[0] != 0 { // host byte order
			af = binary.LittleEndian.Uint32(b[0:4])
		}
		switch af {
		case 2: // AF_INET
			return layers.EthernetTypeIPv4, b[4:], true
		case 10, 24, 28, 30: // AF_INET6 on Linux, OpenBSD, FreeBSD, macOS
			return layers.EthernetTypeIPv6, b[4:], true
		}
		return 0, b[4:], true
	case layers.LinkTypePPP, layers.LinkTypePPP_HDLC, layers.LinkTypeC_HDLC:
		if len(b) >= 4 && (b[0] == 0x0f || b[0] == 0x8f) && (lt != layers.LinkTypePPP || b[1] == 0) {
			return chdlcPayload(b)
		}
		if lt == layers.LinkTypeC_HDLC {
			return 0, nil, false
		}
		return pppPayload(b)
	}
	return 0, nil, false
}

// sll2Payload reads a Linux cooked v2 header (LINKTYPE_LINUX_SLL2):
// protocol (2), reserved (2), ifindex (4), arphrd (2), pkttype (1),
// address length (1), address (8).
func sll2Payload(b []byte) (layers.EthernetType, []byte, bool) {
	const sll2Len = 20
	if len(b) < sll2Len {
		return 0, nil, false
	}
	return layers.EthernetType(binary.BigEndian.Uint16(b[0:2])), b[sll2Len:], true
}

// chdlcPayload reads a Cisco HDLC header: address (0x0f unicast, 0x8f
// broadcast), control, EtherType.
func chdlcPayload(b []byte) (layers.EthernetType, []byte, bool) {
	const chdlcLen = 4
	if len(b) < chdlcLen {
		return 0, nil, false
	}
	return layers.EthernetType(binary.BigEndian.Uint16(b[2:4])), b[chdlcLen:], true
}

// pppPayload reads a PPP header (RFC 1661), with or without the address
// and control bytes of HDLC-like framing (RFC 1662), with a one-byte
// (compressed, odd) or two-byte protocol field. The EtherType is IPv4,
// IPv6 or MPLS unicast (for both MPLS protocols), 0 for any other
// protocol.
func pppPayload(b []byte) (layers.EthernetType, []byte, bool) {
	if len(b) >= 2 && b[0] == 0xff && b[1] == 0x03 {
		b = b[2:] // HDLC-like framing: all-stations address, UI
	}
	if len(b) == 0 {
		return 0, nil, false
	}
	var proto layers.PPPType
	if b[0]&1 == 1 { // a compressed one-byte protocol field
		proto, b = layers.PPPType(b[0]), b[1:]
	} else {
		if len(b) < 2 {
			return 0, nil, false
		}
		proto, b = layers.PPPType(binary.BigEndian.Uint16(b[0:2])), b[2:]
	}
	switch proto {
	case layers.PPPTypeIPv4:
		return layers.EthernetTypeIPv4, b, true
	case layers.PPPTypeIPv6:
		return layers.EthernetTypeIPv6, b, true
	case layers.PPPTypeMPLSUnicast, layers.PPPTypeMPLSMulticast:
		return layers.EthernetTypeMPLSUnicast, b, true
	}
	return 0, b, true
}

// maxLabels bounds the MPLS label stack walked.
const maxLabels = 16

// mplsLen is the length of the MPLS label stack (RFC 3032) that b starts
// with: 4-byte entries up to the one with the bottom-of-stack bit.
func mplsLen(b []byte) (int, bool) {
	for i := 0; i < maxLabels; i++ {
		off := 4 * i
		if len(b) < off+4 {
			return 0, false
		}
		if b[off+2]&1 == 1 {
			return off + 4, true
		}
	}
	return 0, false
}
