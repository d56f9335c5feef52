package analyze

import (
	"encoding/binary"
	"net/netip"

	"github.com/gopacket/gopacket/layers"
)

// The header views below are the one reading of IPv4, IPv6, ICMP, UDP
// and TCP header bytes that the Decoder (its hand-written layers and the
// packet an ICMP error quotes), Dissect (the fields view) and craft (the
// explanation and verification of a probe) share. Each is a named byte
// slice whose getters read fixed offsets, in the manner of gVisor's
// header package: they allocate nothing and check nothing, so the caller
// checks the length first (a getter reads within the Min length its
// doc names) and keeps its own policy on what a short or odd header
// means: the Decoder refuses it, Dissect shows the fields the bytes
// cover as tshark does, craft explains the error.

// Header sizes.
const (
	IPv4MinLen    = 20 // an IPv4 header without options
	IPv6HeaderLen = 40 // the fixed IPv6 header
	ICMPHeaderLen = 8  // an ICMP or ICMPv6 header, the 32 bits after the checksum included
	UDPHeaderLen  = 8
)

// IPv4Header is a view of an IPv4 header (RFC 791 section 3.1):
//
//	 0                   1                   2                   3
//	|Version|  IHL  |Type of Service|          Total Length         |
//	|         Identification        |Flags|      Fragment Offset    |
//	|  Time to Live |    Protocol   |         Header Checksum       |
//	|                       Source Address                          |
//	|                    Destination Address                        |
//
// Version and HeaderLen need 1 byte, TotalLen 4, ID 6, Flags and
// FragOffset 8, TTL 9, Protocol 10, Checksum 12, Src 16, Dst 20.
type IPv4Header []byte

// Version is the version nibble (4).
func (h IPv4Header) Version() uint8 { return h[0] >> 4 }

// HeaderLen is the header length in bytes, the IHL field times 4.
func (h IPv4Header) HeaderLen() int { return int(h[0]&0x0f) * 4 }

// TOS is the type of service byte (DSCP and ECN).
func (h IPv4Header) TOS() uint8 { return h[1] }

// TotalLen is the total length field: header and data in bytes.
func (h IPv4Header) TotalLen() uint16 { return binary.BigEndian.Uint16(h[2:4]) }

// ID is the identification field.
func (h IPv4Header) ID() uint16 { return binary.BigEndian.Uint16(h[4:6]) }

// Flags is the 3-bit flags field: reserved, DF, MF.
func (h IPv4Header) Flags() uint8 { return h[6] >> 5 }

// FragOffset is the fragment offset in 8-byte units.
func (h IPv4Header) FragOffset() uint16 { return binary.BigEndian.Uint16(h[6:8]) & 0x1fff }

// Fragment reports whether the packet is a fragment: more fragments
// follow or the offset is not zero.
func (h IPv4Header) Fragment() bool { return binary.BigEndian.Uint16(h[6:8])&0x3fff != 0 }

// TTL is the time to live.
func (h IPv4Header) TTL() uint8 { return h[8] }

// Protocol is the protocol of the payload.
func (h IPv4Header) Protocol() layers.IPProtocol { return layers.IPProtocol(h[9]) }

// Checksum is the header checksum field.
func (h IPv4Header) Checksum() uint16 { return binary.BigEndian.Uint16(h[10:12]) }

// Src is the source address.
func (h IPv4Header) Src() netip.Addr { return netip.AddrFrom4([4]byte(h[12:16])) }

// Dst is the destination address.
func (h IPv4Header) Dst() netip.Addr { return netip.AddrFrom4([4]byte(h[16:20])) }

// IPv6Header is a view of the fixed IPv6 header (RFC 8200 section 3):
//
//	|Version| Traffic Class |              Flow Label               |
//	|         Payload Length        |  Next Header  |   Hop Limit   |
//	|                 Source Address (16 bytes)                     |
//	|              Destination Address (16 bytes)                   |
//
// Version needs 1 byte, TrafficClass 2, FlowLabel 4, PayloadLen 6,
// NextHeader 7, HopLimit 8, Src 24, Dst and Walk IPv6HeaderLen.
type IPv6Header []byte

// Version is the version nibble (6).
func (h IPv6Header) Version() uint8 { return h[0] >> 4 }

// TrafficClass is the traffic class byte (DSCP and ECN).
func (h IPv6Header) TrafficClass() uint8 { return h[0]<<4 | h[1]>>4 }

// FlowLabel is the 20-bit flow label.
func (h IPv6Header) FlowLabel() uint32 { return binary.BigEndian.Uint32(h[0:4]) & 0xfffff }

// PayloadLen is the payload length: bytes after the fixed header.
func (h IPv6Header) PayloadLen() uint16 { return binary.BigEndian.Uint16(h[4:6]) }

// NextHeader is the next header of the fixed header.
func (h IPv6Header) NextHeader() layers.IPProtocol { return layers.IPProtocol(h[6]) }

// HopLimit is the hop limit.
func (h IPv6Header) HopLimit() uint8 { return h[7] }

// Src is the source address.
func (h IPv6Header) Src() netip.Addr { return netip.AddrFrom16([16]byte(h[8:24])) }

// Dst is the destination address.
func (h IPv6Header) Dst() netip.Addr { return netip.AddrFrom16([16]byte(h[24:40])) }

// maxExtHeaders bounds the extension headers walked, so that a crafted
// chain costs little.
const maxExtHeaders = 16

// IPv6Upper is where the extension headers of an IPv6 packet lead: what
// IPv6Header.Walk found.
type IPv6Upper struct {
	// Proto is the last next header read: the upper-layer protocol,
	// or, when Short or Long, the extension header the walk stopped at.
	Proto layers.IPProtocol
	// Offset and End bound the upper-layer header and data within the
	// packet; End is IPv6HeaderLen plus the payload length, or the
	// captured length when that is shorter or the payload length 0.
	Offset, End int
	Short       bool // an extension header is cut short
	Long        bool // more than maxExtHeaders extension headers
	Fragment    bool // a fragment header with an offset or more fragments (not an atomic fragment)
	NonFirst    bool // a fragment header with a non-zero offset: no upper-layer header follows
}

// Payload is the upper-layer header and data of pkt, the packet walked.
func (u IPv6Upper) Payload(pkt []byte) []byte { return pkt[u.Offset:u.End] }

// Walk follows the extension headers after the fixed header h (RFC 8200
// section 4: hop-by-hop options, routing, fragment, destination options,
// and the authentication header of RFC 4302) to the upper-layer header,
// stopping after a non-first fragment's fragment header. h is the whole
// captured packet from its IPv6 header on, at least IPv6HeaderLen long;
// bytes past the payload length (a frame trailer) are no part of it.
func (h IPv6Header) Walk() IPv6Upper {
	u := IPv6Upper{End: len(h)}
	if n := IPv6HeaderLen + int(h.PayloadLen()); n != IPv6HeaderLen && n < len(h) {
		u.End = n
	}
	next, off := h.NextHeader(), IPv6HeaderLen
	for range maxExtHeaders {
		rest := h[off:u.End]
		n := 0
		switch next {
		case layers.IPProtocolIPv6HopByHop, layers.IPProtocolIPv6Routing, layers.IPProtocolIPv6Destination:
			if len(rest) >= 2 {
				n = (int(rest[1]) + 1) * 8
			}
		case layers.IPProtocolAH:
			if len(rest) >= 2 {
				n = (int(rest[1]) + 2) * 4
			}
		case layers.IPProtocolIPv6Fragment:
			if len(rest) >= 8 {
				fo := binary.BigEndian.Uint16(rest[2:4]) // offset, reserved, M
				u.Fragment = u.Fragment || fo&0xfff9 != 0
				u.NonFirst = fo>>3 != 0
			}
			n = 8
		default:
			u.Proto, u.Offset = next, off
			return u
		}
		if n == 0 || len(rest) < n {
			u.Short = true
			break
		}
		next, off = layers.IPProtocol(rest[0]), off+n
		if u.NonFirst {
			break
		}
	}
	if !u.Short && !u.NonFirst {
		u.Long = true
	}
	u.Proto, u.Offset = next, off
	return u
}

// ICMPHeader is a view of an ICMP (RFC 792) or ICMPv6 (RFC 4443 section
// 2.1) header, whose first 8 bytes are laid out alike:
//
//	|     Type      |     Code      |          Checksum             |
//	|     Identifier (echo)         |     Sequence Number (echo)    |
//
// Type needs 1 byte, Code 2, Checksum 4, Ident 6, Seq and Rest 8; Body
// is what follows the 8 bytes (an error's quoted packet, an echo's data).
type ICMPHeader []byte

// Type is the message type.
func (h ICMPHeader) Type() uint8 { return h[0] }

// Code is the message code.
func (h ICMPHeader) Code() uint8 { return h[1] }

// Checksum is the checksum field.
func (h ICMPHeader) Checksum() uint16 { return binary.BigEndian.Uint16(h[2:4]) }

// Ident is an echo's identifier.
func (h ICMPHeader) Ident() uint16 { return binary.BigEndian.Uint16(h[4:6]) }

// Seq is an echo's sequence number.
func (h ICMPHeader) Seq() uint16 { return binary.BigEndian.Uint16(h[6:8]) }

// Rest is the 32 bits after the checksum, whatever the type.
func (h ICMPHeader) Rest() uint32 { return binary.BigEndian.Uint32(h[4:8]) }

// Body is the message after the 8-byte header.
func (h ICMPHeader) Body() []byte { return h[ICMPHeaderLen:] }

// UDPHeader is a view of a UDP header (RFC 768): SrcPort and DstPort need
// 4 bytes, Length 6, Checksum 8.
type UDPHeader []byte

// SrcPort is the source port.
func (h UDPHeader) SrcPort() uint16 { return binary.BigEndian.Uint16(h[0:2]) }

// DstPort is the destination port.
func (h UDPHeader) DstPort() uint16 { return binary.BigEndian.Uint16(h[2:4]) }

// Length is the length field: header and data in bytes.
func (h UDPHeader) Length() uint16 { return binary.BigEndian.Uint16(h[4:6]) }

// Checksum is the checksum field.
func (h UDPHeader) Checksum() uint16 { return binary.BigEndian.Uint16(h[6:8]) }

// TCPHeader is a view of a TCP header (RFC 9293 section 3.1): SrcPort
// and DstPort need 4 bytes, Seq 8, Ack 12, Flags 14.
type TCPHeader []byte

// SrcPort is the source port.
func (h TCPHeader) SrcPort() uint16 { return binary.BigEndian.Uint16(h[0:2]) }

// DstPort is the destination port.
func (h TCPHeader) DstPort() uint16 { return binary.BigEndian.Uint16(h[2:4]) }

// Seq is the sequence number.
func (h TCPHeader) Seq() uint32 { return binary.BigEndian.Uint32(h[4:8]) }

// Ack is the acknowledgment number (12 bytes).
func (h TCPHeader) Ack() uint32 { return binary.BigEndian.Uint32(h[8:12]) }

// Flags is the flags byte: FIN 0x01 ... CWR 0x80.
func (h TCPHeader) Flags() uint8 { return h[13] }
