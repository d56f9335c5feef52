package analyze

import (
	"encoding/binary"
	"net/netip"

	"github.com/gopacket/gopacket/layers"
)

// Skip counts one packet that is not fed to the analyzer (a read filter
// dropped it), so that Event.Frame and Probe.Frame stay the packet numbers
// of the file, as Wireshark shows them.
func (a *Analyzer) Skip() { a.frame++ }

// HeaderKind names a protocol header in Layers.
type HeaderKind uint8

// Header kinds.
const (
	HdrIPv4 HeaderKind = iota + 1
	HdrIPv6
	HdrICMPv4
	HdrICMPv6
	HdrUDP
	HdrTCP
	HdrARP
)

// Has says which fields of a Header the captured bytes held.
type Has uint16

// Fields a Header may hold.
const (
	HasID       Has = 1 << iota // IPv4 identification
	HasTTL                      // IPv4 TTL, IPv6 hop limit
	HasProto                    // IPv4 protocol, IPv6 next header
	HasSrc                      // source address
	HasDst                      // destination address
	HasIdent                    // ICMP echo-like identifier
	HasSeq                      // ICMP echo-like sequence; TCP sequence
	HasPorts                    // UDP, TCP ports
	HasLength                   // UDP length; IPv6 payload length
	HasFlags                    // TCP flags
	HasFragment                 // IPv4 or IPv6 fragment (more fragments or offset non-zero)
	HasFlow                     // IPv6 flow label
	HasType                     // ICMP type
	HasCode                     // ICMP code
)

// Header is one protocol header of a packet, with as many of its fields as
// the captured bytes held (see Have). It keeps no reference to the packet.
type Header struct {
	Kind HeaderKind
	Have Has

	Src, Dst netip.Addr // IP addresses; ARP sender and target
	TTL      uint8
	Proto    layers.IPProtocol // IPv4 protocol; IPv6 next header (of the fixed header)
	ID       uint16            // IPv4 identification
	Flow     uint32            // IPv6 flow label (20 bits)

	Type, Code uint8  // ICMP; ARP operation in Code
	Ident, Seq uint16 // ICMP echo, timestamp, information and mask messages

	SrcPort, DstPort uint16 // UDP, TCP
	Length           uint16 // UDP length field; IPv6 payload length
	TCPSeq           uint32
	TCPFlags         uint8 // FIN 0x01 ... CWR 0x80
}

// MaxHeaders bounds the headers Dissect records for one packet.
const MaxHeaders = 8

// Layers is one packet dissected as Wireshark does, outermost header first:
// the packet an ICMP or ICMPv6 error quotes (RFC 792, RFC 4443) follows the
// error's own headers, and IP-in-IP tunnels are followed. IPv6 extension
// headers (RFC 8200: hop-by-hop, routing, fragment, destination options,
// and IPsec AH) are walked but not recorded. A header appears, with those
// of its fields its bytes cover, as soon as Wireshark would show any of it;
// so a packet cut short by a small snaplen keeps its leading fields. This
// is why Dissect reads views of the bytes instead of gopacket's layers,
// whose DecodeFromBytes rejects a truncated header as a whole.
type Layers struct {
	Link      layers.LinkType
	EtherType layers.EthernetType // 0 when the link carries none; past VLAN tags; 0x8847 for MPLS
	LinkSrc   [6]byte             // Ethernet addresses, when HasLink
	LinkDst   [6]byte
	HasLink   bool

	Hdr [MaxHeaders]Header
	N   int
}

// Headers returns the recorded headers, outermost first; the slice aliases l.
func (l *Layers) Headers() []Header { return l.Hdr[:l.N] }

// Dissect fills l from the packet b captured with link type lt. It never
// fails: bytes it cannot read are left out, and an unknown link type gives
// no headers. It keeps no reference to b and allocates nothing.
func Dissect(lt layers.LinkType, b []byte, l *Layers) {
	*l = Layers{Link: lt}
	switch lt {
	case layers.LinkTypeRaw, 12, 14: // 12, 14: DLT_RAW on some BSDs
		l.ip(b, 0)
		return
	case layers.LinkTypeIPv4:
		l.ipv4(b, 0)
		return
	case layers.LinkTypeIPv6:
		l.ipv6(b, 0)
		return
	case layers.LinkTypeEthernet:
		if len(b) >= 14 {
			l.HasLink = true
			copy(l.LinkDst[:], b[0:6])
			copy(l.LinkSrc[:], b[6:12])
		}
	}
	if et, p, ok := linkPayload(lt, b); ok && et >= 1536 { // else an IEEE 802.3 length: LLC follows
		l.ether(et, p)
	}
}

// maxTags bounds the VLAN tags Dissect walks.
const maxTags = 16

func (l *Layers) ether(et layers.EthernetType, b []byte) {
	// 802.1Q and 802.1ad tags (and 0x9100, an old QinQ type) each hold
	// the type of what follows.
	for n := 0; et == layers.EthernetTypeDot1Q || et == layers.EthernetTypeQinQ || et == 0x9100; n++ {
		if len(b) < 4 || n == maxTags {
			return
		}
		et, b = layers.EthernetType(binary.BigEndian.Uint16(b[2:4])), b[4:]
	}
	if et < 1536 { // an IEEE 802.3 length: LLC follows
		return
	}
	l.EtherType = et
	switch et {
	case layers.EthernetTypeIPv4:
		l.ip(b, 0) // Wireshark's IPv4 dissector hands version 6 to IPv6
	case layers.EthernetTypeIPv6:
		l.ipv6(b, 0)
	case layers.EthernetTypeARP:
		l.arp(b)
	case layers.EthernetTypeMPLSUnicast, layers.EthernetTypeMPLSMulticast:
		l.mpls(b)
	}
}

// mpls walks an MPLS label stack (RFC 3032) to its bottom entry and reads
// the IP packet under it by its first nibble, as Wireshark does (whatever
// the label, the explicit null ones included); a pseudowire's control word
// (nibble 0) gives no headers.
func (l *Layers) mpls(b []byte) {
	n, ok := mplsLen(b)
	if !ok || len(b) == n {
		return
	}
	switch b[n] >> 4 {
	case 4:
		l.ipv4(b[n:], 0)
	case 6:
		l.ipv6(b[n:], 0)
	}
}

// maxNest bounds IP-in-IP and quoted packets.
const maxNest = 4

func (l *Layers) add(h Header) *Header {
	if l.N == len(l.Hdr) {
		return nil
	}
	l.Hdr[l.N] = h
	l.N++
	return &l.Hdr[l.N-1]
}

func (l *Layers) ip(b []byte, depth int) {
	if len(b) > 0 && b[0]>>4 == 6 {
		l.ipv6(b, depth)
		return
	}
	l.ipv4(b, depth)
}

// ipv4 records an IPv4 header (RFC 791) the way Wireshark 4.0 does: nothing
// unless version, header length and total length make sense, then each
// field whose bytes were captured, then the payload only past a whole
// header, within the total length, and never for a fragment.
func (l *Layers) ipv4(b []byte, depth int) {
	if len(b) < 4 || b[0]>>4 != 4 || depth > maxNest {
		return
	}
	v := IPv4Header(b)
	ihl := v.HeaderLen()
	if ihl < IPv4MinLen {
		return
	}
	if tl := int(v.TotalLen()); tl != 0 { // 0: TCP segmentation offload
		if tl < ihl {
			return
		}
		if tl < len(b) {
			v = v[:tl]
		}
	}
	h := l.add(Header{Kind: HdrIPv4})
	if h == nil {
		return
	}
	if len(v) >= 6 {
		h.Have |= HasID
		h.ID = v.ID()
	}
	if len(v) >= 9 {
		h.Have |= HasTTL
		h.TTL = v.TTL()
	}
	if len(v) >= 10 {
		h.Have |= HasProto
		h.Proto = v.Protocol()
	}
	if len(v) >= 16 {
		h.Have |= HasSrc
		h.Src = v.Src()
	}
	if len(v) >= IPv4MinLen {
		h.Have |= HasDst
		h.Dst = v.Dst()
	}
	if len(v) < ihl {
		return
	}
	if v.Fragment() {
		h.Have |= HasFragment
		return
	}
	l.transport(h.Proto, v[ihl:], depth)
}

// ipv6 records an IPv6 header (RFC 8200) the way Wireshark 4.0 does: each
// field as soon as its bytes were captured (the flow label from 4 bytes,
// payload length and next header from 7, hop limit from 8), then, past a
// whole header and within the payload length, the extension headers are
// walked to the transport header. A fragment other than an atomic one
// (offset 0, no more fragments) carries no transport header here: Wireshark
// would wait to reassemble it.
func (l *Layers) ipv6(b []byte, depth int) {
	if len(b) < 4 || b[0]>>4 != 6 || depth > maxNest {
		return
	}
	h := l.add(Header{Kind: HdrIPv6, Have: HasFlow})
	if h == nil {
		return
	}
	v := IPv6Header(b)
	h.Flow = v.FlowLabel()
	if len(v) < 7 {
		return
	}
	h.Have |= HasLength | HasProto
	h.Length, h.Proto = v.PayloadLen(), v.NextHeader()
	if len(v) < 8 {
		return
	}
	h.Have |= HasTTL
	h.TTL = v.HopLimit()
	if len(v) < 24 {
		return
	}
	h.Have |= HasSrc
	h.Src = v.Src()
	if len(v) < IPv6HeaderLen {
		return
	}
	h.Have |= HasDst
	h.Dst = v.Dst()
	u := v.Walk()
	switch {
	case u.Fragment:
		h.Have |= HasFragment
	case !u.Short && !u.Long:
		l.transport(u.Proto, u.Payload(v), depth)
	}
}

func (l *Layers) transport(p layers.IPProtocol, b []byte, depth int) {
	switch p {
	case layers.IPProtocolICMPv4:
		l.icmp4(b, depth)
	case layers.IPProtocolICMPv6:
		l.icmp6(b, depth)
	case layers.IPProtocolUDP:
		h := l.ports(HdrUDP, b)
		if h != nil && len(b) >= 6 {
			h.Have |= HasLength
			h.Length = UDPHeader(b).Length()
		}
	case layers.IPProtocolTCP:
		h := l.ports(HdrTCP, b)
		if h == nil {
			return
		}
		if len(b) >= 8 {
			h.Have |= HasSeq
			h.TCPSeq = TCPHeader(b).Seq()
		}
		if len(b) >= 14 {
			h.Have |= HasFlags
			h.TCPFlags = TCPHeader(b).Flags()
		}
	case layers.IPProtocolIPv4:
		l.ipv4(b, depth+1)
	case layers.IPProtocolIPv6:
		l.ipv6(b, depth+1)
	}
}

// ports records a UDP or TCP header with its ports, the first 4 bytes of
// either; nil when b is shorter or the headers are full.
func (l *Layers) ports(kind HeaderKind, b []byte) *Header {
	if len(b) < 4 {
		return nil
	}
	h := l.add(Header{Kind: kind, Have: HasPorts})
	if h != nil {
		p := UDPHeader(b) // TCP's ports sit where UDP's do
		h.SrcPort, h.DstPort = p.SrcPort(), p.DstPort()
	}
	return h
}

// icmp4 records an ICMP header (RFC 792). Wireshark shows nothing of one
// shorter than 6 bytes; the identifier needs 6, the sequence 8.
func (l *Layers) icmp4(b []byte, depth int) {
	if len(b) < 6 {
		return
	}
	m := ICMPHeader(b)
	h := l.add(Header{Kind: HdrICMPv4, Have: HasType | HasCode, Type: m.Type(), Code: m.Code()})
	if h == nil {
		return
	}
	switch h.Type {
	case layers.ICMPv4TypeEchoReply, layers.ICMPv4TypeEchoRequest,
		layers.ICMPv4TypeTimestampRequest, layers.ICMPv4TypeTimestampReply,
		layers.ICMPv4TypeInfoRequest, layers.ICMPv4TypeInfoReply,
		layers.ICMPv4TypeAddressMaskRequest, layers.ICMPv4TypeAddressMaskReply:
		echoFields(h, m) // m has 6 bytes at least
	case layers.ICMPv4TypeDestinationUnreachable, layers.ICMPv4TypeSourceQuench,
		layers.ICMPv4TypeRedirect, layers.ICMPv4TypeTimeExceeded, layers.ICMPv4TypeParameterProblem:
		if len(m) > ICMPHeaderLen {
			l.ipv4(m.Body(), depth+1)
		}
	}
}

// echoFields records the identifier (bytes 4-5) and sequence number
// (bytes 6-7) of an ICMP or ICMPv6 echo-like message m as far as m holds
// them.
func echoFields(h *Header, m ICMPHeader) {
	if len(m) >= 6 {
		h.Have |= HasIdent
		h.Ident = m.Ident()
	}
	if len(m) >= 8 {
		h.Have |= HasSeq
		h.Seq = m.Seq()
	}
}

// icmp6 records an ICMPv6 header (RFC 4443) and the packet an error
// quotes. Wireshark shows the type from 1 byte, the code from 2, an echo's
// identifier from 6 and its sequence number from 8.
func (l *Layers) icmp6(b []byte, depth int) {
	if len(b) < 1 {
		return
	}
	m := ICMPHeader(b)
	h := l.add(Header{Kind: HdrICMPv6, Have: HasType, Type: m.Type()})
	if h == nil || len(m) < 2 {
		return
	}
	h.Have |= HasCode
	h.Code = m.Code()
	switch h.Type {
	case layers.ICMPv6TypeEchoRequest, layers.ICMPv6TypeEchoReply:
		echoFields(h, m)
	case layers.ICMPv6TypeDestinationUnreachable, layers.ICMPv6TypePacketTooBig,
		layers.ICMPv6TypeTimeExceeded, layers.ICMPv6TypeParameterProblem:
		if len(m) > ICMPHeaderLen {
			l.ipv6(m.Body(), depth+1)
		}
	}
}

// arp records an ARP packet for IPv4 over Ethernet (RFC 826).
func (l *Layers) arp(b []byte) {
	if len(b) < 28 || b[4] != 6 || b[5] != 4 {
		return
	}
	h := l.add(Header{Kind: HdrARP, Have: HasSrc | HasDst})
	if h == nil {
		return
	}
	h.Code = b[7]
	h.Src, h.Dst = netip.AddrFrom4([4]byte(b[14:18])), netip.AddrFrom4([4]byte(b[24:28]))
}
