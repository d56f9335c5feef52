package analyze

import (
	"errors"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

var errNotIPv6 = errors.New("not an ipv6 header")

// ip6Walk is a gopacket DecodingLayer for an IPv6 header and its
// extension headers, walked by IPv6Header.Walk over the bytes without
// allocating (gopacket's layers for them allocate). Its next layer is the
// transport header, or none for a non-first fragment.
type ip6Walk struct {
	hdr      IPv6Header        // the fixed header
	proto    layers.IPProtocol // after the extension headers
	payload  []byte            // the transport header on
	off      int               // where payload starts, from the fixed header
	short    bool              // the extension headers are cut short
	nonFirst bool              // a fragment with a non-zero offset
}

// walk reads b, which starts with an IPv6 header.
func (w *ip6Walk) walk(b []byte) error {
	*w = ip6Walk{}
	if len(b) < IPv6HeaderLen || b[0]>>4 != 6 {
		return errNotIPv6
	}
	h := IPv6Header(b)
	u := h.Walk()
	w.hdr = h[:IPv6HeaderLen]
	w.proto, w.payload, w.off = u.Proto, u.Payload(b), u.Offset
	w.short, w.nonFirst = u.Short, u.NonFirst
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
	return transportLayer(w.proto, layers.IPProtocolICMPv6)
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
		et, payload, ok := chdlcPayload(data)
		if !ok {
			df.SetTruncated()
			return errShortLink
		}
		l.next, l.payload = et.LayerType(), payload
		return nil
	}
	et, payload, ok := pppPayload(data)
	if !ok {
		df.SetTruncated()
		return errShortLink
	}
	switch et {
	case layers.EthernetTypeIPv4:
		l.next = layers.LayerTypeIPv4
	case layers.EthernetTypeIPv6:
		l.next = layers.LayerTypeIPv6
	case layers.EthernetTypeMPLSUnicast:
		l.next = layers.LayerTypeMPLS
	}
	l.payload = payload
	return nil
}

// CanDecode is PPP.
func (l *pppLink) CanDecode() gopacket.LayerClass { return layers.LayerTypePPP }

// NextLayerType is the layer the protocol field names.
func (l *pppLink) NextLayerType() gopacket.LayerType { return l.next }

// LayerPayload is what follows the header.
func (l *pppLink) LayerPayload() []byte { return l.payload }

// pppoeLink is a gopacket DecodingLayer for a PPPoE session header (RFC
// 2516; EtherType 0x8864), which PPP follows: the WAN side of a DSL
// router. gopacket's PPPoE layer decodes only through gopacket.Packet.
type pppoeLink struct {
	payload []byte
}

// DecodeFromBytes reads the header in data: version and type 1, code 0
// (session data), the session, and the length of what follows, which a
// capture cut at its snaplen may hold less of.
func (l *pppoeLink) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	l.payload = nil
	if len(data) < 6 || data[0] != 0x11 || data[1] != 0 {
		df.SetTruncated()
		return errShortLink
	}
	n := int(data[4])<<8 | int(data[5])
	l.payload = data[6:min(6+n, len(data))]
	return nil
}

// CanDecode is PPPoE.
func (l *pppoeLink) CanDecode() gopacket.LayerClass { return layers.LayerTypePPPoE }

// NextLayerType is PPP.
func (l *pppoeLink) NextLayerType() gopacket.LayerType { return layers.LayerTypePPP }

// LayerPayload is the PPP frame.
func (l *pppoeLink) LayerPayload() []byte { return l.payload }

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
