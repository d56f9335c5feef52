package analyze

import (
	"encoding/binary"
	"errors"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

var (
	errNoIPv4       = errors.New("no ip header") // neither IPv4 nor IPv6
	errShortLink    = errors.New("short link-layer header")
	errUnknownLink  = errors.New("unsupported link type")
	errFragment     = errors.New("non-first ip fragment")
	errShortPayload = errors.New("short transport header")
)

// LinkTypeLinuxSLL2 is Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, 276:
// tcpdump -i any since libpcap 1.10).
const LinkTypeLinuxSLL2 = layers.LinkTypeLinuxSLL2

// Info is what Decode extracts from one packet, IPv4 or IPv6. It keeps no
// reference to the packet bytes.
type Info struct {
	Src, Dst netip.Addr
	TTL      uint8  // IPv4 TTL or IPv6 hop limit
	IPID     uint16 // IPv4 identification; 0 for IPv6
	TOS      uint8  // IPv4 type of service or IPv6 traffic class (DSCP and ECN)
	// Proto is the transport protocol; for IPv6 the one after the
	// extension headers (layers.IPProtocolICMPv6 for ICMPv6).
	Proto  layers.IPProtocol
	Length int // IPv4 total length field, or 40 + IPv6 payload length

	// FlowLabel is the IPv6 flow label (20 bits); 0 for IPv4.
	FlowLabel uint32

	// ICMP or ICMPv6 fields (Proto ICMPv4 or ICMPv6).
	Type, Code uint8
	ID, Seq    uint16 // echo identifier and sequence

	// UDP and TCP fields.
	SrcPort, DstPort uint16
	TCPSeq, TCPAck   uint32
	SYN, ACK, RST    bool
	// UDPSum and UDPLen are the UDP checksum and length fields of an IPv6
	// datagram, which stand in for the IP ID IPv6 lacks when probes
	// differ in nothing else (scamper's udp-paris); 0 for IPv4.
	UDPSum, UDPLen uint16
	// Checksum is the transport checksum (ICMP, ICMPv6, UDP or TCP) of
	// either family. Partial is set when it is a UDP or TCP checksum that
	// checksum offload left for the network card to complete: the sum of
	// the pseudo-header alone, as a capture of the packet on its way out
	// shows it, so that the checksum sent is unknown.
	Checksum uint16
	Partial  bool

	// Quote is the packet an ICMP or ICMPv6 error quotes back (RFC 792,
	// RFC 4443 section 3).
	Quote Quoted
}

// Quoted is the IP header and first transport bytes quoted in an ICMP or
// ICMPv6 error.
type Quoted struct {
	OK bool
	// Fragment says that the quote is of a fragment past the first (not
	// OK): it names no probe. IPv6 routers send an error for each
	// fragment of a probe.
	Fragment bool
	Src, Dst netip.Addr
	TTL      uint8  // IPv4 TTL or IPv6 hop limit left in the quoted probe
	IPID     uint16 // IPv4 only
	TOS      uint8  // IPv4 type of service or IPv6 traffic class
	// Length is the quoted IPv4 total length field, or 40 + the quoted
	// IPv6 payload length field, as Info.Length.
	Length int
	// Checksum is the quoted transport checksum (ICMP, ICMPv6, UDP, or
	// TCP when the quote reaches it: HasChecksum).
	Checksum    uint16
	HasChecksum bool
	Proto       layers.IPProtocol
	ID, Seq     uint16 // ICMP or ICMPv6 echo id/seq of the quoted probe
	Type        uint8  // ICMP or ICMPv6 type of the quoted probe
	// IPv6 only: the flow label and payload length of the quoted header,
	// and the quoted UDP checksum and length (see Info.UDPSum).
	FlowLabel        uint32
	PayloadLen       uint16
	SrcPort, DstPort uint16
	TCPSeq           uint32
	UDPSum, UDPLen   uint16
}

// IsError reports whether the packet is an ICMP or ICMPv6 error that
// quotes a packet.
func (i *Info) IsError() bool {
	switch i.Proto {
	case layers.IPProtocolICMPv4:
		return i.Type == layers.ICMPv4TypeTimeExceeded || i.Type == layers.ICMPv4TypeDestinationUnreachable ||
			i.Type == layers.ICMPv4TypeParameterProblem || i.Type == layers.ICMPv4TypeSourceQuench ||
			i.Type == layers.ICMPv4TypeRedirect
	case layers.IPProtocolICMPv6:
		return i.Type >= layers.ICMPv6TypeDestinationUnreachable && i.Type <= layers.ICMPv6TypeParameterProblem
	}
	return false
}

// Decoder decodes captured packets of either family with gopacket
// DecodingLayerParsers, one per link type, reusing its layers; the IPv6
// extension headers, PPP and MPLS are walked over checked byte views
// (gopacket's layers for them allocate). Decode allocates nothing.
type Decoder struct {
	eth    layers.Ethernet
	dot1q  layers.Dot1Q
	more   []gopacket.LayerType // layers decoded past a 0x9100 tag
	sll    layers.LinuxSLL
	loop   layers.Loopback
	ppp    pppLink
	pppoe  pppoeLink
	chdlc  pppLink
	mpls   mplsStack
	ip4    layers.IPv4
	ip6    ip6Walk
	icmp   layers.ICMPv4
	icmp6  layers.ICMPv6
	echo6  layers.ICMPv6Echo
	udp    layers.UDP
	tcp    layers.TCP
	ethP   *gopacket.DecodingLayerParser
	sllP   *gopacket.DecodingLayerParser
	loopP  *gopacket.DecodingLayerParser
	pppP   *gopacket.DecodingLayerParser
	chdlcP *gopacket.DecodingLayerParser
	ipP    *gopacket.DecodingLayerParser
	ip6P   *gopacket.DecodingLayerParser
	mplsP  *gopacket.DecodingLayerParser
	vlanP  *gopacket.DecodingLayerParser // from an 802.1Q tag (after a Linux cooked v2 header)

	decoded []gopacket.LayerType
}

// NewDecoder returns a Decoder ready for use.
func NewDecoder() *Decoder {
	d := &Decoder{decoded: make([]gopacket.LayerType, 0, 16)}
	d.chdlc.cisco = true
	common := []gopacket.DecodingLayer{&d.mpls, &d.ip4, &d.ip6, &d.icmp, &d.icmp6, &d.echo6, &d.udp, &d.tcp}
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
	d.ethP = mk(layers.LayerTypeEthernet, &d.eth, &d.dot1q, &d.pppoe, &d.ppp)
	// tcpdump -i any puts a frame's VLAN tag back into the cooked header's
	// protocol (0x8100), with the tag after it.
	d.sllP = mk(layers.LayerTypeLinuxSLL, &d.sll, &d.dot1q)
	d.vlanP = mk(layers.LayerTypeDot1Q, &d.dot1q)
	d.loopP = mk(layers.LayerTypeLoopback, &d.loop)
	d.pppP = mk(layers.LayerTypePPP, &d.ppp)
	d.chdlcP = mk(layers.LayerTypePPP, &d.chdlc)
	d.ipP = mk(layers.LayerTypeIPv4)
	d.ip6P = mk(layers.LayerTypeIPv6)
	d.mplsP = mk(layers.LayerTypeMPLS)
	return d
}

// Decode fills inf from the packet b captured with link type lt. It returns
// an error for packets that hold no decodable IPv4 or IPv6 header, for
// non-first fragments, and for transport headers cut short; inf keeps no
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
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6, 12, 14: // 12, 14: DLT_RAW on some BSDs
		p = d.rawParser(b)
	case layers.LinkTypePPP, layers.LinkTypePPP_HDLC:
		p = d.pppP
	case layers.LinkTypeC_HDLC:
		p = d.chdlcP
	case LinkTypeLinuxSLL2:
		et, payload, ok := linkPayload(lt, b)
		if !ok {
			return errShortLink
		}
		switch et {
		case layers.EthernetTypeIPv4:
			p = d.ipP
		case layers.EthernetTypeIPv6:
			p = d.ip6P
		case layers.EthernetTypeMPLSUnicast, layers.EthernetTypeMPLSMulticast:
			p = d.mplsP
		case layers.EthernetTypeDot1Q, layers.EthernetTypeQinQ, ethTypeQinQ9100:
			p = d.vlanP
		default:
			return errNoIPv4
		}
		b = payload
	default:
		return errUnknownLink
	}
	if p == nil {
		return errNoIPv4
	}
	d.decoded = d.decoded[:0]
	err := p.DecodeLayers(b, &d.decoded)
	for i := 0; i < 4 && err == nil; i++ {
		// A tag of type 0x9100, which gopacket does not know: the rest
		// is a VLAN tag as 802.1Q's.
		rest := d.tagged9100()
		if rest == nil {
			break
		}
		d.more = d.more[:0]
		err = d.vlanP.DecodeLayers(rest, &d.more)
		d.decoded = append(d.decoded, d.more...)
	}
	var ip4, ip6, haveTransport bool
	for _, t := range d.decoded {
		switch t {
		case layers.LayerTypeIPv4:
			ip4, ip6 = true, false
			d.fillIP(inf)
		case layers.LayerTypeIPv6:
			ip4, ip6 = false, true
			d.fillIP6(inf)
		// The common transports inline: this loop is the replay's hot path.
		case layers.LayerTypeICMPv4:
			haveTransport = true
			inf.Type, inf.Code = d.icmp.TypeCode.Type(), d.icmp.TypeCode.Code()
			inf.ID, inf.Seq, inf.Checksum = d.icmp.Id, d.icmp.Seq, d.icmp.Checksum
			if inf.IsError() {
				parseQuote(d.icmp.Payload, &inf.Quote)
			}
		case layers.LayerTypeUDP:
			haveTransport = true
			inf.SrcPort, inf.DstPort = uint16(d.udp.SrcPort), uint16(d.udp.DstPort)
			inf.Checksum = d.udp.Checksum
			if ip6 {
				inf.UDPSum, inf.UDPLen = d.udp.Checksum, d.udp.Length
			}
			inf.Partial = d.partial(inf, ip6, int(d.udp.Length))
		case layers.LayerTypeTCP:
			haveTransport = true
			inf.SrcPort, inf.DstPort = uint16(d.tcp.SrcPort), uint16(d.tcp.DstPort)
			inf.TCPSeq, inf.TCPAck = d.tcp.Seq, d.tcp.Ack
			inf.SYN, inf.ACK, inf.RST = d.tcp.SYN, d.tcp.ACK, d.tcp.RST
			inf.Checksum = d.tcp.Checksum
			inf.Partial = d.partial(inf, ip6, -1)
		case layers.LayerTypeICMPv6, layers.LayerTypeICMPv6Echo:
			if d.transport(t, inf) {
				haveTransport = true
			}
		}
	}
	switch {
	case ip4:
		if d.ip4.FragOffset != 0 {
			return errFragment
		}
		if !haveTransport && d.ip4.Flags&layers.IPv4MoreFragments != 0 && err == nil {
			// A first fragment carries its transport header, which
			// gopacket does not decode past a fragmented IPv4 header.
			if t := transportLayer(d.ip4.Protocol, layers.IPProtocolICMPv4); t != gopacket.LayerTypeZero {
				if l := d.layer(t); l != nil && l.DecodeFromBytes(d.ip4.Payload, gopacket.NilDecodeFeedback) == nil {
					haveTransport = d.transport(t, inf)
				}
			}
		}
		if !haveTransport && d.ip4.Protocol == layers.IPProtocolTCP && d.cutTCP(d.ip4.Payload, false, inf) {
			haveTransport, err = true, nil
		}
		if err != nil || (!haveTransport && protoOf(d.ip4.Protocol) != 0) {
			// The IPv4 header decoded but its transport header did not
			// (a small snaplen): keep what the IP header says, but do not
			// pass the zeroed transport fields off as a packet.
			return errShortPayload
		}
	case ip6:
		if d.ip6.nonFirst {
			return errFragment
		}
		if !haveTransport && !d.ip6.short && d.ip6.proto == layers.IPProtocolTCP && d.cutTCP(d.ip6.payload, true, inf) {
			haveTransport, err = true, nil
		}
		if err != nil || d.ip6.short || (!haveTransport && protoOf(d.ip6.proto) != 0) {
			return errShortPayload
		}
	default:
		if err != nil {
			return err
		}
		return errNoIPv4
	}
	return nil
}

// cutTCP fills inf from the fixed 20 bytes of the TCP header at the start
// of b, when a capture's snaplen cut the header in its options (a SYN
// carries 20 bytes of them: tcpdump -s 64 keeps 10), so that gopacket
// refused it: ports, sequence and acknowledgment numbers, flags and
// checksum are all there. It reports whether b held them.
func (d *Decoder) cutTCP(b []byte, ip6 bool, inf *Info) bool {
	h := TCPHeader(b)
	if len(h) < 20 || h[12]>>4 < 5 {
		return false
	}
	f := h.Flags()
	inf.SrcPort, inf.DstPort = h.SrcPort(), h.DstPort()
	inf.TCPSeq, inf.TCPAck = h.Seq(), h.Ack()
	inf.SYN, inf.ACK, inf.RST = f&0x02 != 0, f&0x10 != 0, f&0x04 != 0
	inf.Checksum = binary.BigEndian.Uint16(h[16:18])
	inf.Partial = d.partial(inf, ip6, -1)
	return true
}

// ethTypeQinQ9100 is the EtherType of an outer VLAN tag on switches from
// before 802.1ad gave it 0x88a8; the tag is laid out as 802.1Q's.
const ethTypeQinQ9100 layers.EthernetType = 0x9100

// tagged9100 is what follows the last decoded layer when that layer says
// a 0x9100 tag follows (tagged from the tag on), or nil.
func (d *Decoder) tagged9100() []byte {
	n := len(d.decoded)
	if n == 0 {
		return nil
	}
	switch d.decoded[n-1] {
	case layers.LayerTypeEthernet:
		if d.eth.EthernetType == ethTypeQinQ9100 {
			return d.eth.Payload
		}
	case layers.LayerTypeDot1Q:
		if d.dot1q.Type == ethTypeQinQ9100 {
			return d.dot1q.Payload
		}
	case layers.LayerTypeLinuxSLL:
		if d.sll.EthernetType == ethTypeQinQ9100 {
			return d.sll.Payload
		}
	}
	return nil
}

// rawParser is the parser for a packet b that starts with its IP header.
func (d *Decoder) rawParser(b []byte) *gopacket.DecodingLayerParser {
	if len(b) > 0 && b[0]>>4 == 6 {
		return d.ip6P
	}
	return d.ipP
}

// transportLayer is the layer of the transport header that follows an IP
// header whose protocol (or last next header) is p, icmp being the ICMP
// of that IP version; none for another protocol.
func transportLayer(p, icmp layers.IPProtocol) gopacket.LayerType {
	switch p {
	case icmp:
		if icmp == layers.IPProtocolICMPv6 {
			return layers.LayerTypeICMPv6
		}
		return layers.LayerTypeICMPv4
	case layers.IPProtocolUDP:
		return layers.LayerTypeUDP
	case layers.IPProtocolTCP:
		return layers.LayerTypeTCP
	}
	return gopacket.LayerTypeZero
}

// layer is the decoder's transport layer of type t.
func (d *Decoder) layer(t gopacket.LayerType) gopacket.DecodingLayer {
	switch t {
	case layers.LayerTypeICMPv4:
		return &d.icmp
	case layers.LayerTypeUDP:
		return &d.udp
	case layers.LayerTypeTCP:
		return &d.tcp
	}
	return nil
}

// transport copies the decoded transport layer t into inf and reports
// whether t was one.
func (d *Decoder) transport(t gopacket.LayerType, inf *Info) bool {
	switch t {
	case layers.LayerTypeICMPv4:
		inf.Type, inf.Code = d.icmp.TypeCode.Type(), d.icmp.TypeCode.Code()
		inf.ID, inf.Seq, inf.Checksum = d.icmp.Id, d.icmp.Seq, d.icmp.Checksum
		if inf.IsError() {
			parseQuote(d.icmp.Payload, &inf.Quote)
		}
	case layers.LayerTypeICMPv6:
		inf.Type, inf.Code = d.icmp6.TypeCode.Type(), d.icmp6.TypeCode.Code()
		inf.Checksum = d.icmp6.Checksum
		if inf.IsError() && len(d.icmp6.Payload) >= 4 {
			// 4 bytes unused, MTU or pointer, then the invoking packet.
			parseQuote6(d.icmp6.Payload[4:], &inf.Quote)
		}
	case layers.LayerTypeICMPv6Echo:
		inf.ID, inf.Seq = d.echo6.Identifier, d.echo6.SeqNumber
		return false // the ICMPv6 layer before it counted
	case layers.LayerTypeUDP:
		inf.SrcPort, inf.DstPort = uint16(d.udp.SrcPort), uint16(d.udp.DstPort)
		inf.Checksum = d.udp.Checksum
		if inf.Src.Is6() {
			inf.UDPSum, inf.UDPLen = d.udp.Checksum, d.udp.Length
		}
		inf.Partial = d.partial(inf, inf.Src.Is6(), int(d.udp.Length))
	case layers.LayerTypeTCP:
		inf.SrcPort, inf.DstPort = uint16(d.tcp.SrcPort), uint16(d.tcp.DstPort)
		inf.TCPSeq, inf.TCPAck = d.tcp.Seq, d.tcp.Ack
		inf.SYN, inf.ACK, inf.RST = d.tcp.SYN, d.tcp.ACK, d.tcp.RST
		inf.Checksum = d.tcp.Checksum
		inf.Partial = d.partial(inf, inf.Src.Is6(), -1)
	default:
		return false
	}
	return true
}

func (d *Decoder) fillIP(inf *Info) {
	inf.Src = addr4(d.ip4.SrcIP)
	inf.Dst = addr4(d.ip4.DstIP)
	inf.TTL, inf.TOS = d.ip4.TTL, d.ip4.TOS
	inf.IPID = d.ip4.Id
	inf.Proto = d.ip4.Protocol
	inf.Length = int(d.ip4.Length)
}

func (d *Decoder) fillIP6(inf *Info) {
	h := d.ip6.hdr
	inf.Src, inf.Dst = h.Src(), h.Dst()
	inf.TTL, inf.FlowLabel, inf.TOS = h.HopLimit(), h.FlowLabel(), h.TrafficClass()
	inf.Proto = d.ip6.proto
	inf.Length = IPv6HeaderLen + int(h.PayloadLen())
}

func addr4(ip []byte) netip.Addr {
	if len(ip) != 4 {
		return netip.Addr{}
	}
	return netip.AddrFrom4([4]byte(ip))
}

// quoteOK reports whether q holds a whole IPv4 header and at least the 8
// bytes of its transport header an ICMP error quotes back (RFC 792).
func quoteOK(q IPv4Header) bool {
	return len(q) >= IPv4MinLen && q.Version() == 4 && q.HeaderLen() >= IPv4MinLen && len(q) >= q.HeaderLen()+8
}

func parseQuote(b []byte, out *Quoted) {
	q := IPv4Header(b)
	if !quoteOK(q) {
		return
	}
	if q.FragOffset() != 0 {
		out.Fragment = true
		return
	}
	out.OK = true
	out.Src, out.Dst = q.Src(), q.Dst()
	out.TTL, out.IPID, out.Proto = q.TTL(), q.ID(), q.Protocol()
	out.TOS, out.Length = q.TOS(), int(q.TotalLen())
	quotedTransport(b[q.HeaderLen():], layers.IPProtocolICMPv4, out)
}

// quotedTransport reads the first 8 bytes of the transport header t (at
// least 8 long) quoted in an ICMP error into out. icmp is the quoting IP
// version's ICMP; the length and checksum of a quoted UDP header are kept
// for ICMPv6 only.
func quotedTransport(t []byte, icmp layers.IPProtocol, out *Quoted) {
	switch out.Proto {
	case icmp:
		m := ICMPHeader(t)
		out.Type = m.Type()
		out.ID, out.Seq = m.Ident(), m.Seq()
		out.Checksum, out.HasChecksum = binary.BigEndian.Uint16(t[2:4]), true
	case layers.IPProtocolUDP:
		u := UDPHeader(t)
		out.SrcPort, out.DstPort = u.SrcPort(), u.DstPort()
		out.Checksum, out.HasChecksum = u.Checksum(), true
		if icmp == layers.IPProtocolICMPv6 {
			out.UDPLen, out.UDPSum = u.Length(), u.Checksum()
		}
	case layers.IPProtocolTCP:
		c := TCPHeader(t)
		out.SrcPort, out.DstPort = c.SrcPort(), c.DstPort()
		out.TCPSeq = c.Seq()
		// The checksum is at 16, past the 8 bytes RFC 792 promises. A
		// quote of 8 bytes zero-padded to 128 (RFC 4884, to carry an
		// extension such as MPLS labels) reaches it with zeros: a data
		// offset under 5 words, which no TCP header has, says the header
		// was not quoted that far (Wireshark: "Bogus TCP header length").
		if len(t) >= 18 && t[12]>>4 >= 5 {
			out.Checksum, out.HasChecksum = binary.BigEndian.Uint16(t[16:18]), true
		}
	}
}

// parseQuote6 reads the invoking packet an ICMPv6 error quotes (RFC 4443
// section 3): an IPv6 header, its extension headers, and at least 8 bytes
// of the transport header.
func parseQuote6(b []byte, out *Quoted) {
	var w ip6Walk
	if w.walk(b) != nil || w.short {
		return
	}
	if w.nonFirst {
		out.Fragment = true
		return
	}
	t := w.payload
	if len(t) < 8 {
		return
	}
	h := w.hdr
	out.OK = true
	out.Src, out.Dst = h.Src(), h.Dst()
	out.TTL, out.FlowLabel, out.PayloadLen = h.HopLimit(), h.FlowLabel(), h.PayloadLen()
	out.TOS, out.Length = h.TrafficClass(), IPv6HeaderLen+int(h.PayloadLen())
	out.Proto = w.proto
	quotedTransport(t, layers.IPProtocolICMPv6, out)
}

// partial reports whether the UDP or TCP checksum inf.Checksum of the
// packet just decoded (IPv6 when ip6) is what checksum offload leaves for
// the network card to complete: the folded sum of the pseudo-header
// (RFC 768, RFC 9293, RFC 8200 section 8.1), or its complement. ulen is
// the UDP length field, or -1 for TCP, whose length follows from the IP
// header. A complete checksum equals it once in 65536 packets; such a
// probe's checksum is then only not compared.
func (d *Decoder) partial(inf *Info, ip6 bool, ulen int) bool {
	var sum uint32
	if ip6 {
		h := d.ip6.hdr
		if len(h) < IPv6HeaderLen {
			return false
		}
		for i := 8; i < 40; i += 2 {
			sum += uint32(h[i])<<8 | uint32(h[i+1])
		}
		if ulen < 0 {
			// The TCP header follows the extension headers.
			ulen = IPv6HeaderLen + int(h.PayloadLen()) - d.ip6.off
		}
	} else {
		for _, b := range [][]byte{d.ip4.SrcIP, d.ip4.DstIP} {
			if len(b) != 4 {
				return false
			}
			sum += (uint32(b[0])<<8 | uint32(b[1])) + (uint32(b[2])<<8 | uint32(b[3]))
		}
		if ulen < 0 {
			ulen = int(d.ip4.Length) - int(d.ip4.IHL)*4
		}
	}
	sum += uint32(inf.Proto) + uint32(ulen&0xffff)
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	s := uint16(sum)
	return inf.Checksum == s || inf.Checksum == ^s
}
