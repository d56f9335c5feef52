package craft

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/tracers/tracers/analyze"
)

// Default ports of the methods (Method.Port when it is 0).
const (
	// DefaultUDPPort is where classic UDP probes start (probe n goes to
	// 33434+n, as traceroute's) and where Paris UDP probes all go.
	DefaultUDPPort = 33434
	// DefaultFixedPort is the one destination port of UDP with Fixed set:
	// 53, as traceroute -U, a port firewalls tend to let through.
	DefaultFixedPort = 53
	// DefaultTCPPort is the destination port of TCP SYN probes: 80, as
	// traceroute -T and tcptraceroute.
	DefaultTCPPort = 80
)

// TCP SYN probe settings: the window Linux advertises in its own SYNs
// (RFC 9293 section 3.1), and the one option, a maximum segment size
// (RFC 9293 section 3.7.1) of a 1500-byte path.
const (
	tcpWindow  = 64240
	tcpMSS4    = 1460 // 1500 - 20 (IPv4) - 20 (TCP)
	tcpMSS6    = 1440 // 1500 - 40 (IPv6) - 20 (TCP)
	tcpOptLen  = 4    // kind 2, length 4, 16-bit MSS
	tcpProbeLn = tcpMinLen + tcpOptLen
)

var (
	errProto       = errors.New("unknown probe protocol")
	errSrcPort     = errors.New("source port 0 (choose one per run)")
	errFixedParis  = errors.New("fixed applies to classic udp only (paris keeps both ports fixed already)")
	errFixedTag    = errors.New("fixed-port udp needs a source port below 65535")
	errShortParis  = errors.New("payload too short to hold the two bytes that set the checksum")
	errProbeNumber = errors.New("probe number out of range")
	errIdentity    = errors.New("checksum does not carry the identity")
)

// Method is how a run probes (issue 13): which transport, which fields stay
// constant for the whole run and where each probe's identity goes. The
// identity lets a reply name its probe: routers quote the probe's IP header
// and first 8 transport bytes back in ICMP errors (RFC 792; RFC 4443
// section 3), destinations echo the ICMP identifier and sequence (RFC 792)
// or acknowledge the TCP sequence number plus one (RFC 9293 section 3.5).
//
// Per-flow load balancers hash the addresses, the protocol and the first
// 4 transport bytes: the ports of UDP and TCP, the type, code and checksum
// of ICMP (Augustin et al., "Avoiding traceroute anomalies with Paris
// traceroute", IMC 2006). A Paris method keeps those constant, so every
// probe of a run takes the same path; a classic one varies them, and a
// balanced path may show links that do not exist.
//
// Where each method puts what (n is the probe number, see Prober.Build):
//
//	ICMP classic  id = ID, seq = TTL<<8 | attempt (SeqFor), IPv4 IP ID = seq;
//	              the checksum follows seq (RFC 792).
//	ICMP Paris    as classic, and the first two payload bytes chosen so that
//	              the checksum stays that of seq 0 (scamper's icmp-paris).
//	UDP classic   src port = SrcPort, dst port = Port+n (traceroute's UDP),
//	              IPv4 IP ID = n+1.
//	UDP Paris     src port = SrcPort, dst port = Port for every probe; IPv4
//	              IP ID = n+1 and the UDP checksum = n+1, set through the
//	              first two payload bytes: over IPv6, which has no IP ID,
//	              the checksum is the only field left to tell probes apart
//	              (scamper's udp-paris).
//	UDP Fixed     dst port = Port for every probe (traceroute -U -p 53), src
//	              port = SrcPort+n; the UDP checksum and the IPv4 IP ID hold
//	              SrcPort, the run's tag, so that runs whose source port
//	              ranges overlap still tell their probes apart.
//	TCP SYN       src port = SrcPort, dst port = Port, sequence number = n+1,
//	              IPv4 IP ID = n+1; SYN only, window 64240, an MSS option,
//	              no payload. Paris by construction. A SYN-ACK (open port)
//	              or RST (closed) acknowledges sequence+1.
//
// IPv6 probes of every method carry Flow as their flow label (RFC 8200
// section 6 and RFC 6437: a flow is one label from one source to one
// destination, which IPv6 load balancers may hash), constant for the run.
// No UDP checksum is ever 0: it would mean "none" over IPv4 (RFC 768) and
// is illegal over IPv6 (RFC 8200 section 8.1).
type Method struct {
	Proto analyze.Proto // analyze.ICMP, analyze.UDP or analyze.TCP; 0 means ICMP
	// Paris keeps every field a load balancer hashes constant (TCP:
	// always).
	Paris bool
	// Fixed (UDP, not Paris) sends every probe to Port and numbers the
	// probes by source port instead, as traceroute -U does.
	Fixed bool
	// Port is the UDP destination port (classic: the base port, default
	// 33434, probe n goes to Port+n; Paris: the fixed port, default 33434;
	// Fixed: the fixed port, default 53) or the TCP destination port
	// (default 80). ICMP ignores it.
	Port uint16
	// SrcPort is the UDP or TCP source port of the run (Fixed: the first);
	// callers choose one per run, e.g. from the pid, so that two runs never
	// take each other's replies. ICMP ignores it.
	SrcPort uint16
	ID      uint16 // ICMP echo identifier of the run; UDP and TCP ignore it
	Flow    uint32 // IPv6 flow label of the run, 0..0xfffff; IPv4 ignores it
	// Payload is the number of bytes after the UDP or ICMP header
	// (callers default to DefaultPayload); TCP SYN probes carry none.
	// Paris ICMP, Paris UDP and Fixed UDP need at least 2.
	Payload int
}

// String names the method as the command line does: "icmp", "icmp-paris",
// "udp", "udp-paris", "udp-fixed" or "tcp".
func (m Method) String() string {
	switch {
	case m.Proto == analyze.TCP:
		return "tcp"
	case m.Proto == analyze.UDP && m.Paris:
		return "udp-paris"
	case m.Proto == analyze.UDP && m.Fixed:
		return "udp-fixed"
	case m.Proto == analyze.UDP:
		return "udp"
	case m.Paris:
		return "icmp-paris"
	}
	return "icmp"
}

// withDefaults is m completed with its defaults, or an error when it
// makes no sense for dst.
func (m Method) withDefaults(dst netip.Addr) (Method, error) {
	if m.Proto == 0 {
		m.Proto = analyze.ICMP
	}
	switch m.Proto {
	case analyze.ICMP:
		if m.Fixed {
			return m, fmt.Errorf("icmp: %w", errFixedParis)
		}
	case analyze.UDP:
		switch {
		case m.Fixed && m.Paris:
			return m, errFixedParis
		case m.Port == 0 && m.Fixed:
			m.Port = DefaultFixedPort
		case m.Port == 0:
			m.Port = DefaultUDPPort
		}
		if m.SrcPort == 0 {
			return m, fmt.Errorf("udp: %w", errSrcPort)
		}
		if m.Fixed && m.SrcPort == 0xffff {
			return m, errFixedTag
		}
	case analyze.TCP:
		if m.Fixed {
			return m, fmt.Errorf("tcp: %w", errFixedParis)
		}
		m.Paris = true
		if m.Port == 0 {
			m.Port = DefaultTCPPort
		}
		if m.SrcPort == 0 {
			return m, fmt.Errorf("tcp: %w", errSrcPort)
		}
	default:
		return m, fmt.Errorf("%w: %d", errProto, m.Proto)
	}
	if limit := MaxPayloadTo(dst); m.Payload < 0 || m.Payload > limit {
		return m, fmt.Errorf("%w: %d not in 0..%d", errPayloadLen, m.Payload, limit)
	}
	if m.Payload < 2 && (m.Paris || m.Fixed) && m.Proto != analyze.TCP {
		return m, fmt.Errorf("%s: %w: %d bytes", m, errShortParis, m.Payload)
	}
	if m.Flow > flowMax {
		return m, fmt.Errorf("%w: %#x not in 0..0xfffff", errFlowLabel, m.Flow)
	}
	return m, nil
}

// Probes is how many probes a run of m can number, and the rule that
// bounds them: Build takes probe numbers 0..Probes-1 (for ICMP, which
// numbers the attempts at each TTL, 0..255 at one TTL). A Port of 0 is the
// method's default; for UDP to one port (Fixed), SrcPort is where its
// count starts.
func (m Method) Probes() (n int, rule string) {
	switch {
	case m.Proto == analyze.ICMP:
		return 256, "ICMP numbers the attempts at one TTL 0..255"
	case m.Proto == analyze.UDP && m.Paris:
		return 0xfffe, "Paris UDP numbers probes 0..65533"
	case m.Proto == analyze.UDP && m.Fixed:
		return 0x10000 - int(m.SrcPort), fmt.Sprintf("UDP to one port counts source ports up from %d to 65535", m.SrcPort)
	case m.Proto == analyze.UDP:
		port := cmp.Or(m.Port, DefaultUDPPort)
		return 0x10000 - int(port), fmt.Sprintf("classic UDP counts destination ports up from %d to 65535", port)
	}
	return 1<<32 - 1, "TCP numbers probes 0..2^32-2"
}

// Prober builds the probes of one run, of one Method from one source to
// one destination, into reused buffers: Build does not allocate. A Prober
// is not safe for concurrent use.
type Prober struct {
	m        Method
	src, dst netip.Addr // without zone, as decoded packets carry them
	v6       bool

	icmp  *Builder   // ICMP probes
	first [256]int32 // ICMP: 1 + the number n of the first probe built at each TTL, 0 if none yet

	buf        gopacket.SerializeBuffer
	ip         layers.IPv4
	ip6        layers.IPv6
	udp        layers.UDP
	tcp        layers.TCP
	tcpOpts    [1]layers.TCPOption
	mss        [2]byte
	payload    gopacket.Payload
	src4, dst4 [4]byte
	src6, dst6 [16]byte
	// udpSum is the unfolded one's complement sum of what a UDP
	// checksum covers that Build never changes: the pseudo-header, the
	// UDP length and the payload after its first two bytes.
	udpSum uint64
	data   [MaxPayload]byte // payload: the pattern 0x40 + i%64, the first two bytes set per probe (Paris, Fixed)
}

// NewProber checks m against src and dst (both IPv4, or both IPv6 neither
// IPv4-mapped nor unspecified) and returns the run's probe builder. A zone
// on an address is dropped: packets carry none.
func NewProber(m Method, src, dst netip.Addr) (*Prober, error) {
	src, dst = src.WithZone(""), dst.WithZone("")
	if err := checkAddrs(src, dst); err != nil {
		return nil, fmt.Errorf("craft: new prober: %w", err)
	}
	m, err := m.withDefaults(dst)
	if err != nil {
		return nil, fmt.Errorf("craft: new prober: %w", err)
	}
	p := &Prober{m: m, src: src, dst: dst, v6: dst.Is6()}
	for i := range p.data {
		p.data[i] = byte(0x40 + i%64)
	}
	if m.Proto == analyze.ICMP {
		p.icmp = NewBuilder()
		return p, nil
	}
	p.buf = gopacket.NewSerializeBufferExpectedSize(ipv6HeaderLen+udpHeaderLen+MaxPayload, 0)
	proto := layers.IPProtocolUDP
	if m.Proto == analyze.TCP {
		proto = layers.IPProtocolTCP
	}
	var nl gopacket.NetworkLayer
	if p.v6 {
		p.src6, p.dst6 = src.As16(), dst.As16()
		p.ip6 = layers.IPv6{Version: ipv6Version, FlowLabel: m.Flow, NextHeader: proto, SrcIP: p.src6[:], DstIP: p.dst6[:]}
		nl = &p.ip6
	} else {
		p.src4, p.dst4 = src.As4(), dst.As4()
		p.ip = layers.IPv4{Version: ipv4Version, IHL: 5, Protocol: proto, SrcIP: p.src4[:], DstIP: p.dst4[:]}
		nl = &p.ip
	}
	if err := p.udp.SetNetworkLayerForChecksum(nl); err != nil {
		return nil, fmt.Errorf("craft: new prober: %w", err)
	}
	if err := p.tcp.SetNetworkLayerForChecksum(nl); err != nil {
		return nil, fmt.Errorf("craft: new prober: %w", err)
	}
	mss := uint16(tcpMSS4)
	if p.v6 {
		mss = tcpMSS6
	}
	p.mss = [2]byte{byte(mss >> 8), byte(mss)}
	p.tcpOpts[0] = layers.TCPOption{OptionType: layers.TCPOptionKindMSS, OptionLength: tcpOptLen, OptionData: p.mss[:]}
	// The UDP length counts twice: once in the pseudo-header, once in
	// the header itself.
	ulen := uint64(udpHeaderLen + m.Payload)
	if p.v6 {
		p.udpSum = sum(sum(0, p.src6[:]), p.dst6[:])
	} else {
		p.udpSum = sum(sum(0, p.src4[:]), p.dst4[:])
	}
	p.udpSum += uint64(layers.IPProtocolUDP) + 2*ulen + sum(0, p.data[min(2, m.Payload):m.Payload])
	return p, nil
}

// Method returns the run's Method as completed with defaults: Port set,
// Paris true for TCP, Proto ICMP for 0.
func (p *Prober) Method() Method { return p.m }

// Len returns the length of every probe the Prober builds, IP header
// included: what traceroute's header line calls the packet size.
func (p *Prober) Len() int {
	ip := ipv4MinLen
	if p.v6 {
		ip = ipv6HeaderLen
	}
	switch p.m.Proto {
	case analyze.UDP:
		return ip + udpHeaderLen + p.m.Payload
	case analyze.TCP:
		return ip + tcpProbeLn
	}
	return ip + icmpHeaderLen + p.m.Payload
}

// Build returns probe number n of the run (n = 0, 1, 2, ... in send
// order), with ttl as its IPv4 TTL or IPv6 hop limit. Each n maps to
// exactly one wire identity (see Method for where it goes); two different
// n never share one. The probe is built with gopacket's layers
// (FixLengths, ComputeChecksums) and its checksums cross-checked by the
// hand-written RFC 1071 code (Verify) before Build returns it.
//
// ICMP probes number attempts per TTL as tracers always has: the first n
// built at a TTL is attempt 0 there, n+1 attempt 1, and so on (send order
// is TTL-major); an attempt past 255 is an error.
//
// The returned slice is owned by p and valid until the next Build. Build
// does not allocate unless it fails.
func (p *Prober) Build(ttl uint8, n int) ([]byte, error) {
	if n < 0 {
		return nil, fmt.Errorf("craft: build probe %d: %w", n, errProbeNumber)
	}
	var pkt []byte
	var err error
	switch p.m.Proto {
	case analyze.ICMP:
		pkt, err = p.buildICMP(ttl, n)
	case analyze.UDP:
		pkt, err = p.buildUDP(ttl, n)
	default:
		pkt, err = p.buildTCP(ttl, n)
	}
	if err != nil {
		return nil, fmt.Errorf("craft: build probe %d (ttl %d, %s): %w", n, ttl, p.m, err)
	}
	return pkt, nil
}

// buildICMP builds an ICMP or ICMPv6 Echo Request with Builder.
func (p *Prober) buildICMP(ttl uint8, n int) ([]byte, error) {
	if p.first[ttl] == 0 {
		p.first[ttl] = int32(min(n, 1<<30)) + 1
	}
	attempt := n - int(p.first[ttl]-1)
	if attempt < 0 || attempt > 0xff {
		return nil, fmt.Errorf("%w: attempt %d at this ttl not in 0..255", errProbeNumber, attempt)
	}
	seq := SeqFor(ttl, uint8(attempt))
	payload := p.data[:p.m.Payload]
	if p.m.Paris {
		// Subtract seq from the first payload word, in one's
		// complement: the sum, and so the checksum, stays that of seq 0.
		w := fold(uint64(0x40<<8|0x41) + uint64(^seq))
		p.data[0], p.data[1] = byte(w>>8), byte(w)
	}
	s := Spec{Src: p.src, Dst: p.dst, TTL: ttl, ID: p.m.ID, Seq: seq, IPID: seq, Flow: p.m.Flow, Payload: p.m.Payload}
	return p.icmp.build(s, payload)
}

// buildUDP builds a UDP probe.
func (p *Prober) buildUDP(ttl uint8, n int) ([]byte, error) {
	sport, dport := p.m.SrcPort, p.m.Port
	ipid, want := uint16(n+1), uint16(0) // want: the UDP checksum to set, 0 for whatever it comes to
	switch {
	case p.m.Paris:
		if n+1 > 0xfffe {
			return nil, fmt.Errorf("%w: paris udp numbers probes 0..65533", errProbeNumber)
		}
		want = ipid
	case p.m.Fixed:
		if int(sport)+n > 0xffff {
			return nil, fmt.Errorf("%w: source port %d+%d past 65535", errProbeNumber, sport, n)
		}
		sport += uint16(n)
		ipid, want = p.m.SrcPort, p.m.SrcPort
	default:
		if int(dport)+n > 0xffff {
			return nil, fmt.Errorf("%w: destination port %d+%d past 65535", errProbeNumber, dport, n)
		}
		dport += uint16(n)
	}
	if want != 0 {
		// The checksum field comes to ^(rest + w) (RFC 1071), rest the
		// sum of all it covers but the first payload word w: so
		// w = ^want - rest, in one's complement.
		rest := p.udpSum + uint64(sport) + uint64(dport)
		w := fold(uint64(^want) + uint64(^fold(rest)))
		p.data[0], p.data[1] = byte(w>>8), byte(w)
	}
	p.payload = p.data[:p.m.Payload]
	p.udp.SrcPort, p.udp.DstPort = layers.UDPPort(sport), layers.UDPPort(dport)
	pkt, err := p.serialize(ttl, ipid, &p.udp, &p.payload)
	if err != nil {
		return nil, err
	}
	if got := analyze.UDPHeader(pkt[len(pkt)-udpHeaderLen-p.m.Payload:]).Checksum(); want != 0 && got != want {
		return nil, fmt.Errorf("%w: udp checksum 0x%04x, want 0x%04x", errIdentity, got, want)
	}
	return pkt, nil
}

// buildTCP builds a TCP SYN probe.
func (p *Prober) buildTCP(ttl uint8, n int) ([]byte, error) {
	if uint64(n)+1 > 0xffffffff {
		return nil, fmt.Errorf("%w: tcp numbers probes 0..2^32-2", errProbeNumber)
	}
	// Set field by field: the layer keeps the network layer its
	// checksum covers (NewProber set it).
	p.tcp.SrcPort, p.tcp.DstPort = layers.TCPPort(p.m.SrcPort), layers.TCPPort(p.m.Port)
	p.tcp.Seq, p.tcp.SYN, p.tcp.Window, p.tcp.Options = uint32(n+1), true, tcpWindow, p.tcpOpts[:]
	return p.serialize(ttl, uint16(n+1), &p.tcp)
}

// serialize puts the IP header (TTL or hop limit ttl, IPv4 IP ID ipid)
// before the transport layers, serializes them into p.buf and verifies
// the result.
func (p *Prober) serialize(ttl uint8, ipid uint16, transport ...gopacket.SerializableLayer) ([]byte, error) {
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	var net gopacket.SerializableLayer = &p.ip
	if p.v6 {
		p.ip6.HopLimit = ttl
		net = &p.ip6
	} else {
		p.ip.TTL, p.ip.Id = ttl, ipid
	}
	var ls [3]gopacket.SerializableLayer
	all := append(append(ls[:0], net), transport...)
	if err := gopacket.SerializeLayers(p.buf, opts, all...); err != nil {
		return nil, fmt.Errorf("serialize: %w", err)
	}
	pkt := p.buf.Bytes()
	if err := verify(pkt); err != nil {
		return nil, fmt.Errorf("self-check: %w", err)
	}
	return pkt, nil
}

// IsProbe reports whether inf, a decoded packet, is one of this run's
// probes: from the run's source to its destination, of its protocol, with
// the fields the run keeps constant (see Method): the ICMP Echo Request
// (ICMPv6 type 128) identifier; the UDP source port, and the destination
// port from Port on (classic) or Port itself (Paris); for Fixed the
// destination port, a source port from SrcPort on, and the run's tag in
// the IPv4 IP ID or the IPv6 UDP checksum; the TCP ports of a SYN without
// ACK or RST. It is the analyzer's IsProbe option for a live run.
func (p *Prober) IsProbe(inf *analyze.Info) bool {
	if inf.Src != p.src || inf.Dst != p.dst {
		return false
	}
	m := &p.m
	switch m.Proto {
	case analyze.ICMP:
		if p.v6 {
			return inf.Proto == layers.IPProtocolICMPv6 && inf.Type == layers.ICMPv6TypeEchoRequest && inf.ID == m.ID
		}
		return inf.Proto == layers.IPProtocolICMPv4 && inf.Type == layers.ICMPv4TypeEchoRequest && inf.ID == m.ID
	case analyze.UDP:
		if inf.Proto != layers.IPProtocolUDP {
			return false
		}
		switch {
		case m.Paris:
			return inf.SrcPort == m.SrcPort && inf.DstPort == m.Port
		case m.Fixed:
			tag := inf.IPID
			if p.v6 {
				tag = inf.UDPSum
			}
			return inf.DstPort == m.Port && inf.SrcPort >= m.SrcPort && tag == m.SrcPort
		}
		return inf.SrcPort == m.SrcPort && inf.DstPort >= m.Port
	}
	return inf.Proto == layers.IPProtocolTCP && inf.SYN && !inf.ACK && !inf.RST &&
		inf.SrcPort == m.SrcPort && inf.DstPort == m.Port
}
