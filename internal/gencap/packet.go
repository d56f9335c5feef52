package gencap

import (
	"math/rand/v2"
	"net"
	"strconv"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// probeData is the probe payload: 32 bytes, so a probe is 60 bytes of IPv4
// like Linux traceroute's default.
const probeData = 32

// resolver is the DNS server every source asks.
func resolver() [4]byte { return [4]byte{10, 0, 0, 53} }

// builder serializes packets with gopacket layers it reuses, into buffers it
// owns: each method's result is valid until the next call. Layers point at
// the fixed arrays below, so building a packet does not allocate.
type builder struct {
	buf, quote gopacket.SerializeBuffer
	opts       gopacket.SerializeOptions

	eth     layers.Ethernet
	ip      layers.IPv4
	icmp    layers.ICMPv4
	udp     layers.UDP
	tcpL    layers.TCP
	dnsL    layers.DNS
	payload gopacket.Payload

	qip      layers.IPv4 // the probe as a router quotes it
	qicmp    layers.ICMPv4
	qudp     layers.UDP
	qpayload gopacket.Payload

	icmpStack, udpStack, tcpStack, dnsStack []gopacket.SerializableLayer
	qicmpStack, qudpStack                   []gopacket.SerializableLayer

	hostMAC, gwMAC [6]byte
	src, dst       [4]byte // backing for ip.SrcIP, ip.DstIP
	qsrc, qdst     [4]byte
	answer         [4]byte
	data           [1500]byte // probe and TCP payload bytes
	name           []byte     // DNS name
	question       [1]layers.DNSQuestion
	record         [1]layers.DNSResourceRecord
}

func newBuilder() *builder {
	b := &builder{
		buf:   gopacket.NewSerializeBufferExpectedSize(64, 1536),
		quote: gopacket.NewSerializeBufferExpectedSize(0, 128),
		opts:  gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		gwMAC: [6]byte{0x02, 0, 0, 0, 0, 0x01},
		name:  make([]byte, 0, 64),
	}
	for i := range b.data {
		b.data[i] = byte(0x40 + i%64) // '@', 'A', ... as Linux traceroute
	}
	b.ip = layers.IPv4{Version: 4, IHL: 5, SrcIP: b.src[:], DstIP: b.dst[:]}
	b.qip = layers.IPv4{Version: 4, IHL: 5, SrcIP: b.qsrc[:], DstIP: b.qdst[:]}
	_ = b.udp.SetNetworkLayerForChecksum(&b.ip)
	_ = b.qudp.SetNetworkLayerForChecksum(&b.qip)
	b.icmpStack = []gopacket.SerializableLayer{&b.eth, &b.ip, &b.icmp, &b.payload}
	b.udpStack = []gopacket.SerializableLayer{&b.eth, &b.ip, &b.udp, &b.payload}
	b.tcpStack = []gopacket.SerializableLayer{&b.eth, &b.ip, &b.tcpL, &b.payload}
	b.dnsStack = []gopacket.SerializableLayer{&b.eth, &b.ip, &b.udp, &b.dnsL}
	b.qicmpStack = []gopacket.SerializableLayer{&b.qip, &b.qicmp, &b.qpayload}
	b.qudpStack = []gopacket.SerializableLayer{&b.qip, &b.qudp, &b.qpayload}
	return b
}

// frame sets the Ethernet and IPv4 headers of a packet from src to dst; out
// says which way it crosses the capture point (local host to gateway).
func (b *builder) frame(src, dst [4]byte, ttl uint8, proto layers.IPProtocol, id uint16, out bool) {
	local := dst
	if out {
		local = src
	}
	b.hostMAC = [6]byte{0x02, 0x00, local[0], local[1], local[2], local[3]}
	if out {
		b.eth = layers.Ethernet{SrcMAC: b.hostMAC[:], DstMAC: b.gwMAC[:], EthernetType: layers.EthernetTypeIPv4}
	} else {
		b.eth = layers.Ethernet{SrcMAC: b.gwMAC[:], DstMAC: b.hostMAC[:], EthernetType: layers.EthernetTypeIPv4}
	}
	b.src, b.dst = src, dst
	b.ip.TTL, b.ip.Protocol, b.ip.Id, b.ip.Flags = ttl, proto, id, 0
}

func (b *builder) serialize(stack []gopacket.SerializableLayer) []byte {
	if err := gopacket.SerializeLayers(b.buf, b.opts, stack...); err != nil {
		// Only a layer's own validation fails, and every field is in range.
		panic("gencap: " + err.Error())
	}
	return b.buf.Bytes()
}

// seq is the ICMP sequence number of a probe: ttl<<8 | attempt.
func seq(ttl, try int) uint16 { return uint16(ttl)<<8 | uint16(try) }

// probeIPID is the IP ID of a probe: one more per probe of the trace.
func (t *trace) probeIPID(ttl, try int) uint16 { return t.ipid + uint16((ttl-1)*3+try) }

// dport is a UDP probe's destination port: 33434, one more per probe.
func dport(ttl, try int) uint16 { return uint16(33434 + (ttl-1)*3 + try) }

// probe builds the probe of trace t at ttl, attempt try, as sent.
func (b *builder) probe(t *trace, ttl, try int) []byte {
	b.payload = b.data[:probeData]
	if t.udp {
		b.frame(t.src, t.dst, uint8(ttl), layers.IPProtocolUDP, t.probeIPID(ttl, try), true)
		b.udp.SrcPort, b.udp.DstPort = layers.UDPPort(t.id), layers.UDPPort(dport(ttl, try))
		return b.serialize(b.udpStack)
	}
	b.frame(t.src, t.dst, uint8(ttl), layers.IPProtocolICMPv4, t.probeIPID(ttl, try), true)
	b.ip.Flags = layers.IPv4DontFragment
	b.icmp = layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoRequest, 0), Id: t.id, Seq: seq(ttl, try)}
	return b.serialize(b.icmpStack)
}

// quoted builds the probe as it reached the hop that answers, with left
// TTL, and returns its IPv4 header and first 8 transport bytes (RFC 792),
// or all of it when full (RFC 1812 section 4.3.2.3).
func (b *builder) quoted(t *trace, ttl, try int, left uint8, full bool) []byte {
	b.qsrc, b.qdst = t.src, t.dst
	b.qip.TTL, b.qip.Id, b.qip.Flags = left, t.probeIPID(ttl, try), 0
	b.qpayload = b.data[:probeData]
	stack := b.qicmpStack
	if t.udp {
		b.qip.Protocol = layers.IPProtocolUDP
		b.qudp.SrcPort, b.qudp.DstPort = layers.UDPPort(t.id), layers.UDPPort(dport(ttl, try))
		stack = b.qudpStack
	} else {
		b.qip.Protocol = layers.IPProtocolICMPv4
		b.qip.Flags = layers.IPv4DontFragment
		b.qicmp = layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoRequest, 0), Id: t.id, Seq: seq(ttl, try)}
	}
	if err := gopacket.SerializeLayers(b.quote, b.opts, stack...); err != nil {
		panic("gencap: " + err.Error())
	}
	q := b.quote.Bytes()
	if !full {
		q = q[:20+8]
	}
	return q
}

// timeExceeded builds the Time Exceeded that router from sends, with IP TTL
// ttlIn as captured, for the probe of t at ttl, attempt try.
func (b *builder) timeExceeded(t *trace, ttl, try int, from [4]byte, ttlIn uint8, full bool, id uint16) []byte {
	b.payload = b.quoted(t, ttl, try, 1, full)
	b.frame(from, t.src, ttlIn, layers.IPProtocolICMPv4, id, false)
	b.icmp = layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeTimeExceeded, layers.ICMPv4CodeTTLExceeded)}
	return b.serialize(b.icmpStack)
}

// destReply builds the destination's answer to the probe of t at ttl: an
// Echo Reply, or a Port Unreachable quoting the whole UDP probe.
func (b *builder) destReply(t *trace, ttl, try int, ttlIn uint8) []byte {
	id := t.probeIPID(ttl, try) ^ 0x8000
	if t.udp {
		b.payload = b.quoted(t, ttl, try, uint8(ttl-t.hops+1), true)
		b.frame(t.dst, t.src, ttlIn, layers.IPProtocolICMPv4, id, false)
		b.icmp = layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeDestinationUnreachable, layers.ICMPv4CodePort)}
		return b.serialize(b.icmpStack)
	}
	b.payload = b.data[:probeData]
	b.frame(t.dst, t.src, ttlIn, layers.IPProtocolICMPv4, id, false)
	b.icmp = layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoReply, 0), Id: t.id, Seq: seq(ttl, try)}
	return b.serialize(b.icmpStack)
}

// dns builds the tool's lookup of t's destination (an A query to the
// resolver) or the resolver's answer, both at TTL 64.
func (b *builder) dns(t *trace, reply bool) []byte {
	b.name = append(strconv.AppendInt(append(b.name[:0], 'h'), int64(t.dstIndex), 10), ".example.net"...)
	b.question[0] = layers.DNSQuestion{Name: b.name, Type: layers.DNSTypeA, Class: layers.DNSClassIN}
	b.dnsL = layers.DNS{ID: t.dnsID, RD: true, Questions: b.question[:]}
	if reply {
		b.answer = t.dst
		b.record[0] = layers.DNSResourceRecord{Name: b.name, Type: layers.DNSTypeA, Class: layers.DNSClassIN, TTL: 300, IP: net.IP(b.answer[:])}
		b.dnsL.QR, b.dnsL.RA, b.dnsL.Answers = true, true, b.record[:]
		b.frame(resolver(), t.src, 64, layers.IPProtocolUDP, t.dnsID^0x1234, false)
		b.udp.SrcPort, b.udp.DstPort = 53, layers.UDPPort(t.dnsPort)
	} else {
		b.frame(t.src, resolver(), 64, layers.IPProtocolUDP, t.dnsID, true)
		b.udp.SrcPort, b.udp.DstPort = layers.UDPPort(t.dnsPort), 53
	}
	return b.serialize(b.dnsStack)
}

// tcp builds the next segment of flow f, either way, with ACK set and
// sometimes data.
func (b *builder) tcp(f *flow, r *rand.Rand) []byte {
	out := r.IntN(2) == 0
	n := 0
	if r.IntN(3) != 0 {
		n = 1 + r.IntN(512)
	}
	b.payload = b.data[:n]
	if out {
		b.frame(f.local, f.remote, 64, layers.IPProtocolTCP, uint16(f.lseq), true)
		b.tcpL = layers.TCP{SrcPort: layers.TCPPort(f.lport), DstPort: layers.TCPPort(f.rport), Seq: f.lseq, Ack: f.rseq}
		f.lseq += uint32(n)
	} else {
		b.frame(f.remote, f.local, 52, layers.IPProtocolTCP, uint16(f.rseq), false)
		b.tcpL = layers.TCP{SrcPort: layers.TCPPort(f.rport), DstPort: layers.TCPPort(f.lport), Seq: f.rseq, Ack: f.lseq}
		f.rseq += uint32(n)
	}
	b.ip.Flags = layers.IPv4DontFragment
	b.tcpL.ACK, b.tcpL.PSH, b.tcpL.Window = true, n > 0, 501
	_ = b.tcpL.SetNetworkLayerForChecksum(&b.ip) // the literal above cleared it
	return b.serialize(b.tcpStack)
}
