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
// traceroute -I.
const DefaultPayload = 32

// MaxPayload is the largest ICMP payload Build accepts: 1500 (Ethernet MTU)
// - 20 (IPv4 header) - 8 (ICMP header), so a probe never fragments on a
// 1500-byte path.
const MaxPayload = 1472

const ipv4Version = 4

var (
	errAddrNotIPv4 = errors.New("not an ipv4 address")
	errPayloadLen  = errors.New("payload length out of range")
)

// Spec describes one IPv4 ICMP Echo Request probe (RFC 792).
type Spec struct {
	Src, Dst netip.Addr // IPv4 only (not even IPv4-mapped IPv6); Build fails otherwise
	TTL      uint8
	ID       uint16 // ICMP identifier
	Seq      uint16 // ICMP sequence number, see SeqFor
	IPID     uint16 // IPv4 identification
	Payload  int    // ICMP payload length in bytes, 0..MaxPayload; callers default to DefaultPayload
}

// Builder builds probes into a reused gopacket.SerializeBuffer. Its layers,
// addresses and payload bytes are scratch kept in the Builder, so Build does
// not allocate once the Builder exists. A Builder is not safe for concurrent
// use.
type Builder struct {
	buf      gopacket.SerializeBuffer
	ip       layers.IPv4
	icmp     layers.ICMPv4
	payload  gopacket.Payload
	src, dst [4]byte
	pattern  [MaxPayload]byte // pattern[i] = 0x40 + i%64
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

// Build serializes s as an IPv4 packet (RFC 791: version 4, IHL 5, TOS 0,
// no flags, protocol ICMP) carrying an ICMP Echo Request (RFC 792: type 8,
// code 0) whose payload is Payload bytes of the pattern 0x40 + i%64. It
// uses gopacket's layers with FixLengths and ComputeChecksums, then checks
// the result with Verify.
//
// The returned slice is owned by b and valid until the next call to Build.
// Build does not allocate unless it fails.
func (b *Builder) Build(s Spec) ([]byte, error) {
	src, ok := as4(s.Src)
	if !ok {
		return nil, fmt.Errorf("craft: build: source %v: %w", s.Src, errAddrNotIPv4)
	}
	dst, ok := as4(s.Dst)
	if !ok {
		return nil, fmt.Errorf("craft: build: destination %v: %w", s.Dst, errAddrNotIPv4)
	}
	if s.Payload < 0 || s.Payload > MaxPayload {
		return nil, fmt.Errorf("craft: build: %w: %d not in 0..%d", errPayloadLen, s.Payload, MaxPayload)
	}
	b.src, b.dst = src, dst

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
	b.payload = b.pattern[:s.Payload]

	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(b.buf, opts, &b.ip, &b.icmp, &b.payload); err != nil {
		return nil, fmt.Errorf("craft: build: serialize: %w", err)
	}
	pkt := b.buf.Bytes()
	if err := verify(pkt); err != nil {
		return nil, fmt.Errorf("craft: build: self-check: %w", err)
	}
	return pkt, nil
}

// as4 returns the 4 bytes of an IPv4 address. IPv4-mapped IPv6 addresses
// are refused like any IPv6 address: callers Unmap them if they mean IPv4.
func as4(a netip.Addr) ([4]byte, bool) {
	if !a.Is4() {
		return [4]byte{}, false
	}
	return a.As4(), true
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
