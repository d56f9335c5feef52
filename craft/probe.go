package craft

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// DefaultPayload is the ICMP payload length callers use unless told
// otherwise: 20 (IPv4) + 8 (ICMP) + 32 makes 60-byte packets, like
// traceroute -I, and 40 (IPv6) + 8 (ICMPv6) + 32 makes 80-byte packets,
// like traceroute -6 -I.
const DefaultPayload = 32

// MaxPayload is the largest ICMP payload Build accepts for IPv4: 1500
// (Ethernet MTU) - 20 (IPv4 header) - 8 (ICMP header), so a probe never
// fragments on a 1500-byte path.
const MaxPayload = 1472

// MaxPayload6 is the largest ICMPv6 payload Build accepts for IPv6: 1500
// (Ethernet MTU) - 40 (IPv6 header) - 8 (ICMPv6 header).
const MaxPayload6 = 1452

// MaxPayloadTo returns the largest payload Build accepts for a probe to
// dst: MaxPayload6 when dst is IPv6 (IPv4-mapped included), else
// MaxPayload.
func MaxPayloadTo(dst netip.Addr) int {
	if dst.Is6() {
		return MaxPayload6
	}
	return MaxPayload
}

// Len returns the length of the probe Build makes to dst with payload
// bytes of payload: IP header (20, or 40 for IPv6), echo header (8) and
// payload, the size traceroute's header line gives.
func Len(dst netip.Addr, payload int) int {
	if dst.Is6() {
		return ipv6HeaderLen + icmpHeaderLen + payload
	}
	return ipv4MinLen + icmpHeaderLen + payload
}

const (
	ipv4Version = 4
	ipv6Version = 6
	flowMax     = 1<<20 - 1 // the IPv6 flow label is 20 bits (RFC 8200 section 3)
)

var (
	errAddrInvalid     = errors.New("not an ip address")
	errAddrMapped      = errors.New("ipv4-mapped ipv6 address (Unmap it to send IPv4)")
	errAddrUnspecified = errors.New("unspecified address")
	errSrcMulticast    = errors.New("multicast source address")
	errMixedFamilies   = errors.New("mixed address families")
	errPayloadLen      = errors.New("payload length out of range")
	errFlowLabel       = errors.New("flow label out of range")
)

// Spec describes one ICMP Echo Request probe: IPv4 + ICMP Echo (RFC 792)
// when Src and Dst are IPv4, IPv6 + ICMPv6 Echo (RFC 4443 section 4.1)
// when both are IPv6.
type Spec struct {
	Src, Dst netip.Addr // both IPv4 or both IPv6 (not IPv4-mapped, not unspecified); Build fails otherwise
	TTL      uint8      // IPv4 time to live, or IPv6 hop limit
	ID       uint16     // ICMP or ICMPv6 echo identifier
	Seq      uint16     // ICMP or ICMPv6 echo sequence number, see SeqFor
	IPID     uint16     // IPv4 identification; ignored for IPv6, which has none
	Flow     uint32     // IPv6 flow label, 0..0xfffff; ignored for IPv4, which has none
	Payload  int        // echo payload length in bytes, 0..MaxPayloadTo(Dst); callers default to DefaultPayload
}

// Builder builds probes into a reused gopacket.SerializeBuffer. Its layers,
// addresses and payload bytes are scratch kept in the Builder, so Build does
// not allocate once the Builder exists. A Builder is not safe for concurrent
// use.
type Builder struct {
	buf        gopacket.SerializeBuffer
	ip         layers.IPv4
	icmp       layers.ICMPv4
	ip6        layers.IPv6
	icmp6      layers.ICMPv6
	echo6      layers.ICMPv6Echo
	payload    gopacket.Payload
	src, dst   [4]byte
	src6, dst6 [16]byte
	pattern    [MaxPayload]byte // pattern[i] = 0x40 + i%64
}

// NewBuilder returns a Builder whose buffer is sized for the largest probe.
func NewBuilder() *Builder {
	b := &Builder{
		buf: gopacket.NewSerializeBufferExpectedSize(ipv4MinLen+icmpHeaderLen+MaxPayload, 0),
	}
	for i := range b.pattern {
		b.pattern[i] = byte(0x40 + i%64)
	}
	return b
}

// Build serializes s with gopacket's layers, FixLengths and
// ComputeChecksums, then checks the result with Verify.
//
// For IPv4 it builds an IPv4 packet (RFC 791: version 4, IHL 5, TOS 0, no
// flags, protocol ICMP) carrying an ICMP Echo Request (RFC 792: type 8,
// code 0). For IPv6 it builds an IPv6 packet (RFC 8200: traffic class 0,
// flow label Flow, hop limit TTL, next header ICMPv6, no extension
// headers) carrying an ICMPv6 Echo Request (RFC 4443 section 4.1: type
// 128, code 0), whose checksum covers the IPv6 pseudo-header (RFC 8200
// section 8.1). Either way the payload is Payload bytes of the pattern
// 0x40 + i%64.
//
// The returned slice is owned by b and valid until the next call to Build.
// Build does not allocate unless it fails.
func (b *Builder) Build(s Spec) ([]byte, error) {
	if err := checkAddrs(s.Src, s.Dst); err != nil {
		return nil, fmt.Errorf("craft: build: %w", err)
	}
	if limit := MaxPayloadTo(s.Dst); s.Payload < 0 || s.Payload > limit {
		return nil, fmt.Errorf("craft: build: %w: %d not in 0..%d", errPayloadLen, s.Payload, limit)
	}
	return b.build(s, b.pattern[:s.Payload])
}

// build is Build once s is checked, with payload as the echo data
// (s.Payload is not read). payload must outlive the call only.
func (b *Builder) build(s Spec, payload []byte) ([]byte, error) {
	b.payload = payload
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	var err error
	if s.Dst.Is4() {
		b.src, b.dst = s.Src.As4(), s.Dst.As4()
		b.ip = layers.IPv4{
			Version:  ipv4Version,
			IHL:      5,
			TTL:      s.TTL,
			Id:       s.IPID,
			Protocol: layers.IPProtocolICMPv4,
			SrcIP:    b.src[:],
			DstIP:    b.dst[:],
		}
		b.icmp = layers.ICMPv4{
			TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoRequest, 0),
			Id:       s.ID,
			Seq:      s.Seq,
		}
		err = gopacket.SerializeLayers(b.buf, opts, &b.ip, &b.icmp, &b.payload)
	} else {
		if s.Flow > flowMax {
			return nil, fmt.Errorf("craft: build: %w: %#x not in 0..0xfffff", errFlowLabel, s.Flow)
		}
		b.src6, b.dst6 = s.Src.As16(), s.Dst.As16()
		b.ip6 = layers.IPv6{
			Version:    ipv6Version,
			FlowLabel:  s.Flow,
			NextHeader: layers.IPProtocolICMPv6,
			HopLimit:   s.TTL,
			SrcIP:      b.src6[:],
			DstIP:      b.dst6[:],
		}
		b.icmp6 = layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(layers.ICMPv6TypeEchoRequest, 0)}
		// A pointer in an interface: no allocation.
		if err := b.icmp6.SetNetworkLayerForChecksum(&b.ip6); err != nil {
			return nil, fmt.Errorf("craft: build: %w", err)
		}
		b.echo6 = layers.ICMPv6Echo{Identifier: s.ID, SeqNumber: s.Seq}
		err = gopacket.SerializeLayers(b.buf, opts, &b.ip6, &b.icmp6, &b.echo6, &b.payload)
	}
	if err != nil {
		return nil, fmt.Errorf("craft: build: serialize: %w", err)
	}
	pkt := b.buf.Bytes()
	if err := verify(pkt); err != nil {
		return nil, fmt.Errorf("craft: build: self-check: %w", err)
	}
	return pkt, nil
}

// checkAddrs accepts two IPv4 addresses, or two IPv6 addresses that are
// neither IPv4-mapped nor unspecified, the source not multicast. IPv4
// addresses are taken as they are, as before IPv6 came.
func checkAddrs(src, dst netip.Addr) error {
	for _, a := range [...]struct {
		what string
		addr netip.Addr
	}{{"source", src}, {"destination", dst}} {
		switch {
		case !a.addr.IsValid():
			return fmt.Errorf("%s %v: %w", a.what, a.addr, errAddrInvalid)
		case a.addr.Is4In6():
			return fmt.Errorf("%s %v: %w", a.what, a.addr, errAddrMapped)
		case a.addr.Is6() && a.addr.IsUnspecified():
			return fmt.Errorf("%s %v: %w", a.what, a.addr, errAddrUnspecified)
		}
	}
	if src.Is4() != dst.Is4() {
		return fmt.Errorf("source %v is %s, destination %v is %s: %w", src, family(src), dst, family(dst), errMixedFamilies)
	}
	if src.Is6() && src.IsMulticast() {
		return fmt.Errorf("source %v: %w", src, errSrcMulticast)
	}
	return nil
}

func family(a netip.Addr) string {
	if a.Is4() {
		return "ipv4"
	}
	return "ipv6"
}

// SeqFor encodes a hop's TTL and the attempt number at that TTL into an
// ICMP Echo sequence number (RFC 792) as ttl<<8 | attempt, so a reply names
// its probe. SplitSeq inverts it.
func SeqFor(ttl, attempt uint8) uint16 {
	return uint16(ttl)<<8 | uint16(attempt)
}

// SplitSeq returns the TTL and attempt that SeqFor encoded into seq.
func SplitSeq(seq uint16) (ttl, attempt uint8) {
	return uint8(seq >> 8), uint8(seq)
}
