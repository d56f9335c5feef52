package craft

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"github.com/gopacket/gopacket/layers"
)

// PseudoHeaderLen is the size of the IPv6 pseudo-header (RFC 8200 section
// 8.1).
const PseudoHeaderLen = 40

// Offsets in the IPv6 pseudo-header (RFC 8200 section 8.1):
//
//	+--------------------------------------------+
//	|            Source Address (128 bits)       |  0
//	+--------------------------------------------+
//	|         Destination Address (128 bits)     | 16
//	+--------------------------------------------+
//	|      Upper-Layer Packet Length (32 bits)   | 32
//	+------------------------------+-------------+
//	|      zero (24 bits)          | Next Header | 36, 39
//	+------------------------------+-------------+
const (
	pseudoSrc    = 0
	pseudoDst    = 16
	pseudoLength = 32
	pseudoZero   = 36
	pseudoNext   = 39
)

var errPseudoAddr = errors.New("pseudo-header needs two ipv6 addresses")

// PseudoHeader returns the IPv6 pseudo-header (RFC 8200 section 8.1) that
// an upper-layer checksum (ICMPv6, RFC 4443 section 2.3; UDP; TCP) covers
// before the upper-layer message: src, dst, the message length as 32 bits,
// three zero bytes and next, the upper-layer protocol (58 for ICMPv6).
// src and dst must be IPv6 (not IPv4-mapped). It does not allocate.
func PseudoHeader(src, dst netip.Addr, length uint32, next layers.IPProtocol) ([PseudoHeaderLen]byte, error) {
	if !src.Is6() || !dst.Is6() || src.Is4In6() || dst.Is4In6() {
		return [PseudoHeaderLen]byte{}, fmt.Errorf("craft: %w: %v, %v", errPseudoAddr, src, dst)
	}
	return pseudoHeader6(src.As16(), dst.As16(), length, next), nil
}

func pseudoHeader6(src, dst [16]byte, length uint32, next layers.IPProtocol) [PseudoHeaderLen]byte {
	var ph [PseudoHeaderLen]byte
	copy(ph[pseudoSrc:], src[:])
	copy(ph[pseudoDst:], dst[:])
	binary.BigEndian.PutUint32(ph[pseudoLength:], length)
	ph[pseudoNext] = uint8(next)
	return ph
}

// Checksum6 returns the Internet checksum (RFC 1071) of msg, an upper-layer
// message, under the IPv6 pseudo-header ph: the one's complement of the
// one's complement sum of ph and msg. Over a message whose checksum field
// is right it returns 0. It does not allocate and does not modify msg.
func Checksum6(ph [PseudoHeaderLen]byte, msg []byte) uint16 {
	return ^fold(sum(sum(0, ph[:]), msg))
}

// PseudoHeader4Len is the size of the IPv4 pseudo-header that UDP (RFC
// 768) and TCP (RFC 9293 section 3.1) checksums cover.
const PseudoHeader4Len = 12

// Offsets in the IPv4 pseudo-header (RFC 768, RFC 9293 section 3.1):
//
//	+--------+--------+--------+--------+
//	|          Source Address           |  0
//	+--------+--------+--------+--------+
//	|        Destination Address        |  4
//	+--------+--------+--------+--------+
//	|  zero  |  PTCL  |  UDP/TCP Length |  8, 9, 10
//	+--------+--------+--------+--------+
const (
	pseudo4Src    = 0
	pseudo4Dst    = 4
	pseudo4Proto  = 9
	pseudo4Length = 10
)

var errPseudoAddr4 = errors.New("pseudo-header needs two ipv4 addresses")

// PseudoHeader4 returns the IPv4 pseudo-header (RFC 768; RFC 9293 section
// 3.1) that a UDP or TCP checksum covers before the datagram or segment:
// src, dst, a zero byte, proto (17 for UDP, 6 for TCP) and the length of
// the UDP datagram or TCP segment, header included. It is summed, never
// sent. src and dst must be IPv4. It does not allocate.
func PseudoHeader4(src, dst netip.Addr, length uint16, proto layers.IPProtocol) ([PseudoHeader4Len]byte, error) {
	if !src.Is4() || !dst.Is4() {
		return [PseudoHeader4Len]byte{}, fmt.Errorf("craft: %w: %v, %v", errPseudoAddr4, src, dst)
	}
	var ph [PseudoHeader4Len]byte
	s, d := src.As4(), dst.As4()
	copy(ph[pseudo4Src:], s[:])
	copy(ph[pseudo4Dst:], d[:])
	ph[pseudo4Proto] = uint8(proto)
	binary.BigEndian.PutUint16(ph[pseudo4Length:], length)
	return ph, nil
}

// Checksum4 returns the Internet checksum (RFC 1071) of msg, a UDP
// datagram or TCP segment, under the IPv4 pseudo-header ph. Over a message
// whose checksum field is right it returns 0. It does not allocate and
// does not modify msg.
func Checksum4(ph [PseudoHeader4Len]byte, msg []byte) uint16 {
	return ^fold(sum(sum(0, ph[:]), msg))
}
