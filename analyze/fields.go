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
	HasLength                   // UDP length
	HasFlags                    // TCP flags
	HasFragment                 // IPv4 fragment (MF set or offset non-zero)
)

// Header is one protocol header of a packet, with as many of its fields as
// the captured bytes held (see Have). It keeps no reference to the packet.
type Header struct {
	Kind HeaderKind
	Have Has

	Src, Dst netip.Addr // IP addresses; ARP sender and target
	TTL      uint8
	Proto    layers.IPProtocol
	ID       uint16 // IPv4 identification

	Type, Code uint8  // ICMP; ARP operation in Code
	Ident, Seq uint16 // ICMP echo, timestamp, information and mask messages

	SrcPort, DstPort uint16 // UDP, TCP
	Length           uint16 // UDP length field
	TCPSeq           uint32
	TCPFlags         uint8 // FIN 0x01 ... CWR 0x80
}

// MaxHeaders bounds the headers Dissect records for one packet.
const MaxHeaders = 8

// Layers is one packet dissected as Wireshark does, outermost header first:
// the packet an ICMP error quotes (RFC 792) follows the error's own
// headers, and IP-in-IP tunnels are followed. A header appears, with those
// of its fields its bytes cover, as soon as Wireshark would show any of it;
// so a packet cut short by a small snaplen keeps its leading fields. This
// is why Dissect reads views of the bytes instead of gopacket's layers,
// whose DecodeFromBytes rejects a truncated header as a whole.
type Layers struct {
	Link      layers.LinkType
	EtherType layers.EthernetType // 0 when the link carries none
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
	case layers.LinkTypeEthernet:
		if len(b) < 14 {
			return
		}
		l.HasLink = true
		copy(l.LinkDst[:], b[0:6])
		copy(l.LinkSrc[:], b[6:12])
		et := layers.EthernetType(binary.BigEndian.Uint16(b[12:14]))
		b = b[14:]
		for et == layers.EthernetTypeDot1Q || et == layers.EthernetTypeQinQ || et == 0x9100 {
			if len(b) < 4 {
				return
			}
			et, b = layers.EthernetType(binary.BigEndian.Uint16(b[2:4])), b[4:]
		}
		if et < 1536 { // an IEEE 802.3 length: LLC follows
			return
		}
		l.ether(et, b)
	case layers.LinkTypeLinuxSLL:
		if len(b) < 16 {
			return
		}
		l.ether(layers.EthernetType(binary.BigEndian.Uint16(b[14:16])), b[16:])
	case LinkTypeLinuxSLL2:
		if len(b) < 20 {
			return
		}
		l.ether(layers.EthernetType(binary.BigEndian.Uint16(b[0:2])), b[20:])
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		if len(b) < 4 {
			return
		}
		af := binary.BigEndian.Uint32(b[0:4])
		if lt == layers.LinkTypeNull && b[0] != 0 { // host byte order
			af = binary.LittleEndian.Uint32(b[0:4])
		}
		switch af {
		case 2:
			l.ether(layers.EthernetTypeIPv4, b[4:])
		case 10, 24, 28, 30:
			l.ether(layers.EthernetTypeIPv6, b[4:])
		}
	case layers.LinkTypeRaw, 12, 14: // 12, 14: DLT_RAW on some BSDs
		l.ip(b, 0)
	case layers.LinkTypeIPv4:
		l.ipv4(b, 0)
	case layers.LinkTypeIPv6:
		l.ipv6(b, 0)
	}
}

func (l *Layers) ether(et layers.EthernetType, b []byte) {
	l.EtherType = et
	switch et {
	case layers.EthernetTypeIPv4:
		l.ip(b, 0) // Wireshark's IPv4 dissector hands version 6 to IPv6
	case layers.EthernetTypeIPv6:
		l.ipv6(b, 0)
	case layers.EthernetTypeARP:
		l.arp(b)
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
	ihl := int(b[0]&0x0f) * 4
	if ihl < 20 {
		return
	}
	if tl := int(binary.BigEndian.Uint16(b[2:4])); tl != 0 { // 0: TCP segmentation offload
		if tl < ihl {
			return
		}
		if tl < len(b) {
			b = b[:tl]
		}
	}
	h := l.add(Header{Kind: HdrIPv4})
	if h == nil {
		return
	}
	if len(b) >= 6 {
		h.Have |= HasID
		h.ID = binary.BigEndian.Uint16(b[4:6])
	}
	if len(b) >= 9 {
		h.Have |= HasTTL
		h.TTL = b[8]
	}
	if len(b) >= 10 {
		h.Have |= HasProto
		h.Proto = layers.IPProtocol(b[9])
	}
	if len(b) >= 16 {
		h.Have |= HasSrc
		h.Src = netip.AddrFrom4([4]byte(b[12:16]))
	}
	if len(b) >= 20 {
		h.Have |= HasDst
		h.Dst = netip.AddrFrom4([4]byte(b[16:20]))
	}
	if len(b) < ihl {
		return
	}
	if binary.BigEndian.Uint16(b[6:8])&0x3fff != 0 {
		h.Have |= HasFragment
		return
	}
	l.transport(h.Proto, b[ihl:], depth)
}

// ipv6 records an IPv6 header (RFC 8200), skipping hop-by-hop, routing and
// destination options headers; a fragment carries no transport header here.
func (l *Layers) ipv6(b []byte, depth int) {
	if len(b) < 40 || b[0]>>4 != 6 || depth > maxNest {
		return
	}
	if pl := int(binary.BigEndian.Uint16(b[4:6])); pl != 0 && 40+pl < len(b) {
		b = b[:40+pl]
	}
	h := l.add(Header{Kind: HdrIPv6, Have: HasTTL | HasProto | HasSrc | HasDst})
	if h == nil {
		return
	}
	h.TTL, h.Proto = b[7], layers.IPProtocol(b[6])
	h.Src, h.Dst = netip.AddrFrom16([16]byte(b[8:24])), netip.AddrFrom16([16]byte(b[24:40]))
	nh, b := h.Proto, b[40:]
	for {
		switch nh {
		case layers.IPProtocolIPv6HopByHop, layers.IPProtocolIPv6Routing, layers.IPProtocolIPv6Destination:
			if len(b) < 2 || len(b) < (int(b[1])+1)*8 {
				return
			}
			nh, b = layers.IPProtocol(b[0]), b[(int(b[1])+1)*8:]
			continue
		case layers.IPProtocolIPv6Fragment:
			return
		}
		l.transport(nh, b, depth)
		return
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
			h.Length = binary.BigEndian.Uint16(b[4:6])
		}
	case layers.IPProtocolTCP:
		h := l.ports(HdrTCP, b)
		if h == nil {
			return
		}
		if len(b) >= 8 {
			h.Have |= HasSeq
			h.TCPSeq = binary.BigEndian.Uint32(b[4:8])
		}
		if len(b) >= 14 {
			h.Have |= HasFlags
			h.TCPFlags = b[13]
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
		h.SrcPort, h.DstPort = binary.BigEndian.Uint16(b[0:2]), binary.BigEndian.Uint16(b[2:4])
	}
	return h
}

// icmp4 records an ICMP header (RFC 792). Wireshark shows nothing of one
// shorter than 6 bytes; the identifier needs 6, the sequence 8.
func (l *Layers) icmp4(b []byte, depth int) {
	if len(b) < 6 {
		return
	}
	h := l.add(Header{Kind: HdrICMPv4, Type: b[0], Code: b[1]})
	if h == nil {
		return
	}
	switch h.Type {
	case layers.ICMPv4TypeEchoReply, layers.ICMPv4TypeEchoRequest,
		layers.ICMPv4TypeTimestampRequest, layers.ICMPv4TypeTimestampReply,
		layers.ICMPv4TypeInfoRequest, layers.ICMPv4TypeInfoReply,
		layers.ICMPv4TypeAddressMaskRequest, layers.ICMPv4TypeAddressMaskReply:
		h.Have |= HasIdent
		h.Ident = binary.BigEndian.Uint16(b[4:6])
		if len(b) >= 8 {
			h.Have |= HasSeq
			h.Seq = binary.BigEndian.Uint16(b[6:8])
		}
	case layers.ICMPv4TypeDestinationUnreachable, layers.ICMPv4TypeSourceQuench,
		layers.ICMPv4TypeRedirect, layers.ICMPv4TypeTimeExceeded, layers.ICMPv4TypeParameterProblem:
		if len(b) > 8 {
			l.ipv4(b[8:], depth+1)
		}
	}
}

// icmp6 records an ICMPv6 header (RFC 4443) and the packet an error quotes.
func (l *Layers) icmp6(b []byte, depth int) {
	if len(b) < 4 {
		return
	}
	h := l.add(Header{Kind: HdrICMPv6, Type: b[0], Code: b[1]})
	if h == nil {
		return
	}
	switch h.Type {
	case layers.ICMPv6TypeEchoRequest, layers.ICMPv6TypeEchoReply:
		if len(b) >= 8 {
			h.Have |= HasIdent | HasSeq
			h.Ident, h.Seq = binary.BigEndian.Uint16(b[4:6]), binary.BigEndian.Uint16(b[6:8])
		}
	case layers.ICMPv6TypeDestinationUnreachable, layers.ICMPv6TypePacketTooBig,
		layers.ICMPv6TypeTimeExceeded, layers.ICMPv6TypeParameterProblem:
		if len(b) > 8 {
			l.ipv6(b[8:], depth+1)
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
