package analyze

import (
	"encoding/binary"
	"errors"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

var (
	errNoIPv4       = errors.New("no ipv4 header")
	errShortLink    = errors.New("short link-layer header")
	errUnknownLink  = errors.New("unsupported link type")
	errFragment     = errors.New("ipv4 fragment")
	errShortPayload = errors.New("short transport header")
)

// LinkTypeLinuxSLL2 is Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, 276:
// tcpdump -i any since libpcap 1.10).
const LinkTypeLinuxSLL2 = layers.LinkTypeLinuxSLL2

// Info is what Decode extracts from one packet. It keeps no reference to the
// packet bytes.
type Info struct {
	Src, Dst netip.Addr
	TTL      uint8
	IPID     uint16
	Proto    layers.IPProtocol
	Length   int // IPv4 total length field

	// ICMP fields (Proto == ICMPv4).
	Type, Code uint8
	ID, Seq    uint16 // echo identifier and sequence

	// UDP and TCP fields.
	SrcPort, DstPort uint16
	TCPSeq, TCPAck   uint32
	SYN, ACK, RST    bool

	// Quote is the packet an ICMP error quotes back (RFC 792).
	Quote Quoted
}

// Quoted is the IPv4 header and first transport bytes quoted in an ICMP error.
type Quoted struct {
	OK               bool
	Src, Dst         netip.Addr
	TTL              uint8
	IPID             uint16
	Proto            layers.IPProtocol
	ID, Seq          uint16 // ICMP echo id/seq of the quoted probe
	Type             uint8  // ICMP type of the quoted probe
	SrcPort, DstPort uint16
	TCPSeq           uint32
}

// IsError reports whether the packet is an ICMP error that quotes a packet.
func (i *Info) IsError() bool {
	return i.Proto == layers.IPProtocolICMPv4 &&
		(i.Type == layers.ICMPv4TypeTimeExceeded || i.Type == layers.ICMPv4TypeDestinationUnreachable ||
			i.Type == layers.ICMPv4TypeParameterProblem || i.Type == layers.ICMPv4TypeSourceQuench ||
			i.Type == layers.ICMPv4TypeRedirect)
}

// Decoder decodes captured packets with gopacket DecodingLayerParsers, one per
// link type, reusing its layers: Decode allocates nothing.
type Decoder struct {
	eth   layers.Ethernet
	dot1q layers.Dot1Q
	sll   layers.LinuxSLL
	loop  layers.Loopback
	ip4   layers.IPv4
	icmp  layers.ICMPv4
	udp   layers.UDP
	tcp   layers.TCP

	ethP, sllP, loopP, ipP *gopacket.DecodingLayerParser
	decoded                []gopacket.LayerType
}

// NewDecoder returns a Decoder ready for use.
func NewDecoder() *Decoder {
	d := &Decoder{decoded: make([]gopacket.LayerType, 0, 8)}
	common := []gopacket.DecodingLayer{&d.ip4, &d.icmp, &d.udp, &d.tcp}
	mk := func(first gopacket.LayerType, link ...gopacket.DecodingLayer) *gopacket.DecodingLayerParser {
		p := gopacket.NewDecodingLayerParser(first)
		// A slice indexed by layer type rather than the default map: the
		// quickest of gopacket's containers for its small layer numbers.
		dlc := gopacket.DecodingLayerContainer(gopacket.DecodingLayerSparse(nil))
		for _, l := range append(link, common...) {
			dlc = dlc.Put(l)
		}
		p.SetDecodingLayerContainer(dlc)
		p.IgnoreUnsupported = true
		return p
	}
	d.ethP = mk(layers.LayerTypeEthernet, &d.eth, &d.dot1q)
	d.sllP = mk(layers.LayerTypeLinuxSLL, &d.sll)
	d.loopP = mk(layers.LayerTypeLoopback, &d.loop)
	d.ipP = mk(layers.LayerTypeIPv4)
	return d
}

// Decode fills inf from the packet b captured with link type lt. It returns
// an error for packets that hold no decodable IPv4 header; inf keeps no
// reference to b.
func (d *Decoder) Decode(lt layers.LinkType, b []byte, inf *Info) error {
	*inf = Info{}
	var p *gopacket.DecodingLayerParser
	switch lt {
	case layers.LinkTypeEthernet:
		p = d.ethP
	case layers.LinkTypeLinuxSLL:
		p = d.sllP
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		p = d.loopP
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, 12, 14: // 12, 14: DLT_RAW on some BSDs
		if len(b) > 0 && b[0]>>4 == 6 { // raw links carry IPv6 too
			return errNoIPv4
		}
		p = d.ipP
	case LinkTypeLinuxSLL2:
		// SLL2: protocol (2), reserved (2), ifindex (4), arphrd (2),
		// pkttype (1), addr len (1), addr (8).
		if len(b) < 20 {
			return errShortLink
		}
		if binary.BigEndian.Uint16(b[0:2]) != uint16(layers.EthernetTypeIPv4) {
			return errNoIPv4
		}
		b, p = b[20:], d.ipP
	default:
		return errUnknownLink
	}
	d.decoded = d.decoded[:0]
	err := p.DecodeLayers(b, &d.decoded)
	var haveIP, haveTransport bool
	for _, t := range d.decoded {
		switch t {
		case layers.LayerTypeIPv4:
			haveIP = true
			d.fillIP(inf)
		case layers.LayerTypeICMPv4:
			haveTransport = true
			inf.Type, inf.Code = d.icmp.TypeCode.Type(), d.icmp.TypeCode.Code()
			inf.ID, inf.Seq = d.icmp.Id, d.icmp.Seq
			if inf.IsError() {
				parseQuote(d.icmp.Payload, &inf.Quote)
			}
		case layers.LayerTypeUDP:
			haveTransport = true
			inf.SrcPort, inf.DstPort = uint16(d.udp.SrcPort), uint16(d.udp.DstPort)
		case layers.LayerTypeTCP:
			haveTransport = true
			inf.SrcPort, inf.DstPort = uint16(d.tcp.SrcPort), uint16(d.tcp.DstPort)
			inf.TCPSeq, inf.TCPAck = d.tcp.Seq, d.tcp.Ack
			inf.SYN, inf.ACK, inf.RST = d.tcp.SYN, d.tcp.ACK, d.tcp.RST
		}
	}
	if !haveIP {
		if err != nil {
			return err
		}
		return errNoIPv4
	}
	if d.ip4.FragOffset != 0 {
		return errFragment
	}
	if err != nil || (!haveTransport && protoOf(d.ip4.Protocol) != 0) {
		if d.ip4.Flags&layers.IPv4MoreFragments != 0 {
			return errFragment // a first fragment: gopacket stops at IPv4
		}
		// The IPv4 header decoded but its transport header did not
		// (a small snaplen): keep what the IP header says, but do not
		// pass the zeroed transport fields off as a packet.
		return errShortPayload
	}
	return nil
}

func (d *Decoder) fillIP(inf *Info) {
	inf.Src = addr4(d.ip4.SrcIP)
	inf.Dst = addr4(d.ip4.DstIP)
	inf.TTL = d.ip4.TTL
	inf.IPID = d.ip4.Id
	inf.Proto = d.ip4.Protocol
	inf.Length = int(d.ip4.Length)
}

func addr4(ip []byte) netip.Addr {
	if len(ip) != 4 {
		return netip.Addr{}
	}
	return netip.AddrFrom4([4]byte(ip))
}

// quote is the IPv4 header plus at least 8 bytes an ICMP error quotes back
// (RFC 792); check ok before reading.
type quote []byte

func (q quote) ihl() int   { return int(q[0]&0x0f) * 4 }
func (q quote) ok() bool   { return len(q) >= 20 && q[0]>>4 == 4 && q.ihl() >= 20 && len(q) >= q.ihl()+8 }
func (q quote) ttl() uint8 { return q[8] }
func (q quote) id() uint16 { return binary.BigEndian.Uint16(q[4:6]) }
func (q quote) proto() layers.IPProtocol {
	return layers.IPProtocol(q[9])
}
func (q quote) src() netip.Addr     { return netip.AddrFrom4([4]byte(q[12:16])) }
func (q quote) dst() netip.Addr     { return netip.AddrFrom4([4]byte(q[16:20])) }
func (q quote) transport() []byte   { return q[q.ihl():] }
func (q quote) fragOffset() uint16  { return binary.BigEndian.Uint16(q[6:8]) & 0x1fff }
func be16(b []byte, off int) uint16 { return binary.BigEndian.Uint16(b[off : off+2]) }
func be32(b []byte, off int) uint32 { return binary.BigEndian.Uint32(b[off : off+4]) }

func parseQuote(b []byte, out *Quoted) {
	q := quote(b)
	if !q.ok() || q.fragOffset() != 0 {
		return
	}
	out.OK = true
	out.Src, out.Dst = q.src(), q.dst()
	out.TTL, out.IPID, out.Proto = q.ttl(), q.id(), q.proto()
	t := q.transport()
	switch out.Proto {
	case layers.IPProtocolICMPv4:
		out.Type = t[0]
		out.ID, out.Seq = be16(t, 4), be16(t, 6)
	case layers.IPProtocolUDP:
		out.SrcPort, out.DstPort = be16(t, 0), be16(t, 2)
	case layers.IPProtocolTCP:
		out.SrcPort, out.DstPort = be16(t, 0), be16(t, 2)
		out.TCPSeq = be32(t, 4)
	}
}
