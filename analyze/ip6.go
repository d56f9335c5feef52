package analyze

import (
	"encoding/binary"
	"errors"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

var errNotIPv6 = errors.New("not an ipv6 header")

// ip6View is a fixed IPv6 header (RFC 8200 section 3), at least 40 bytes:
//
//	+-------+---------------+---------------------------------------+
//	|Version| Traffic Class |              Flow Label               |
//	+-------+---------------+-------+---------------+---------------+
//	|         Payload Length        |  Next Header  |   Hop Limit   |
//	+-------------------------------+---------------+---------------+
//	|                 Source Address (16 bytes)                     |
//	|              Destination Address (16 bytes)                   |
type ip6View []byte

func (h ip6View) flow() uint32            { return binary.BigEndian.Uint32(h[0:4]) & 0xfffff }
func (h ip6View) payloadLen() uint16      { return binary.BigEndian.Uint16(h[4:6]) }
func (h ip6View) hopLimit() uint8         { return h[7] }
func (h ip6View) src() netip.Addr         { return netip.AddrFrom16([16]byte(h[8:24])) }
func (h ip6View) dst() netip.Addr         { return netip.AddrFrom16([16]byte(h[24:40])) }
func (h ip6View) next() layers.IPProtocol { return layers.IPProtocol(h[6]) }

// maxExtHeaders bounds the extension headers walked, so that a crafted
// chain costs little.
const maxExtHeaders = 16

// ip6Walk is a gopacket DecodingLayer for an IPv6 header and its
// extension headers (RFC 8200 section 4: hop-by-hop, routing, fragment,
// destination options, and the authentication header), walked over the
// bytes without allocating. Its next layer is the transport header, or
// none for a non-first fragment.
type ip6Walk struct {
	hdr      []byte            // the fixed header
	proto    layers.IPProtocol // after the extension headers
	payload  []byte            // the transport header on
	short    bool              // the extension headers are cut short
	nonFirst bool              // a fragment with a non-zero offset
}

// walk reads b, which starts with an IPv6 header.
func (w *ip6Walk) walk(b []byte) error {
	*w = ip6Walk{}
	if len(b) < 40 || b[0]>>4 != 6 {
		return errNotIPv6
	}
	h := ip6View(b[:40])
	w.hdr = h
	rest := b[40:]
	if n := int(h.payloadLen()); n != 0 && n < len(rest) {
		rest = rest[:n] // a frame trailer is no part of the packet
	}
	next := h.next()
	for range maxExtHeaders {
		var n int
		switch next {
		case layers.IPProtocolIPv6HopByHop, layers.IPProtocolIPv6Routing, layers.IPProtocolIPv6Destination:
			if len(rest) < 2 {
				w.short = true
				break
			}
			n = (int(rest[1]) + 1) * 8
		case layers.IPProtocolIPv6Fragment:
			if len(rest) < 8 {
				w.short = true
				break
			}
			if binary.BigEndian.Uint16(rest[2:4])>>3 != 0 {
				w.nonFirst = true
			}
			n = 8
		case layers.IPProtocolAH:
			if len(rest) < 2 {
				w.short = true
				break
			}
			n = (int(rest[1]) + 2) * 4
		default:
			w.proto, w.payload = next, rest
			return nil
		}
		if w.short || len(rest) < n {
			w.short = true
			break
		}
		next, rest = layers.IPProtocol(rest[0]), rest[n:]
		if w.nonFirst {
			break
		}
	}
	w.proto, w.payload = next, rest
	return nil
}

// DecodeFromBytes walks the IPv6 header and extension headers in data.
func (w *ip6Walk) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if err := w.walk(data); err != nil {
		df.SetTruncated()
		return err
	}
	return nil
}

// CanDecode is IPv6.
func (w *ip6Walk) CanDecode() gopacket.LayerClass { return layers.LayerTypeIPv6 }

// NextLayerType is the transport header's layer, or none.
func (w *ip6Walk) NextLayerType() gopacket.LayerType {
	if w.short || w.nonFirst {
		return gopacket.LayerTypeZero
	}
	switch w.proto {
	case layers.IPProtocolICMPv6:
		return layers.LayerTypeICMPv6
	case layers.IPProtocolUDP:
		return layers.LayerTypeUDP
	case layers.IPProtocolTCP:
		return layers.LayerTypeTCP
	}
	return gopacket.LayerTypeZero
}

// LayerPayload is the transport header on.
func (w *ip6Walk) LayerPayload() []byte { return w.payload }

// pppLink is a gopacket DecodingLayer for the PPP header (RFC 1661),
// with or without the HDLC address and control bytes of RFC 1662, or for
// Cisco HDLC (address, control, EtherType) when cisco is set.
type pppLink struct {
	cisco   bool
	next    gopacket.LayerType
	payload []byte
}

// DecodeFromBytes reads the header in data.
func (l *pppLink) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	l.next, l.payload = gopacket.LayerTypeZero, nil
	if l.cisco {
		if len(data) < 4 {
			df.SetTruncated()
			return errShortLink
		}
		l.next = layers.EthernetType(binary.BigEndian.Uint16(data[2:4])).LayerType()
		l.payload = data[4:]
		return nil
	}
	if len(data) >= 2 && data[0] == 0xff && data[1] == 0x03 {
		data = data[2:] // HDLC-like framing: all-stations address, UI
	}
	if len(data) < 1 {
		df.SetTruncated()
		return errShortLink
	}
	var proto uint16
	if data[0]&1 == 1 { // a compressed one-byte protocol field
		proto, data = uint16(data[0]), data[1:]
	} else {
		if len(data) < 2 {
			df.SetTruncated()
			return errShortLink
		}
		proto, data = binary.BigEndian.Uint16(data[0:2]), data[2:]
	}
	switch layers.PPPType(proto) {
	case layers.PPPTypeIPv4:
		l.next = layers.LayerTypeIPv4
	case layers.PPPTypeIPv6:
		l.next = layers.LayerTypeIPv6
	case layers.PPPTypeMPLSUnicast, layers.PPPTypeMPLSMulticast:
		l.next = layers.LayerTypeMPLS
	}
	l.payload = data
	return nil
}

// CanDecode is PPP.
func (l *pppLink) CanDecode() gopacket.LayerClass { return layers.LayerTypePPP }

// NextLayerType is the layer the protocol field names.
func (l *pppLink) NextLayerType() gopacket.LayerType { return l.next }

// LayerPayload is what follows the header.
func (l *pppLink) LayerPayload() []byte { return l.payload }

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

// mplsStack is a gopacket DecodingLayer for an MPLS label stack; the
// packet under the bottom label is IPv4 or IPv6 by its version nibble.
type mplsStack struct {
	payload []byte
}

// DecodeFromBytes skips the label stack in data.
func (m *mplsStack) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	n, ok := mplsLen(data)
	if !ok {
		m.payload = nil
		df.SetTruncated()
		return errShortLink
	}
	m.payload = data[n:]
	return nil
}

// CanDecode is MPLS.
func (m *mplsStack) CanDecode() gopacket.LayerClass { return layers.LayerTypeMPLS }

// NextLayerType is IPv4 or IPv6, by the version nibble.
func (m *mplsStack) NextLayerType() gopacket.LayerType {
	if len(m.payload) == 0 {
		return gopacket.LayerTypeZero
	}
	switch m.payload[0] >> 4 {
	case 4:
		return layers.LayerTypeIPv4
	case 6:
		return layers.LayerTypeIPv6
	}
	return gopacket.LayerTypeZero
}

// LayerPayload is the packet under the stack.
func (m *mplsStack) LayerPayload() []byte { return m.payload }
