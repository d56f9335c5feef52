//go:build !windows

package capture

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"syscall"
)

// Sender sends whole IP packets of one family, header included, through a
// raw socket: the bytes on the wire are the bytes given to Send.
type Sender struct {
	c      *net.IPConn
	family int
	iface  string
	// to is the last destination's socket address, reused while the
	// destination stays the same (a trace has one).
	to     net.IPAddr
	toAddr netip.Addr
}

// NewSender opens a raw socket of protocol IPPROTO_RAW for family 4 or 6,
// bound to iface when not empty (SO_BINDTODEVICE). On Linux such a socket
// takes the whole packet as given, IP header included: for IPv4,
// IPPROTO_RAW implies IP_HDRINCL (raw(7)); for IPv6, which has no
// IP_HDRINCL (RFC 3542 section 3), Linux sends the IPv6 header given to an
// AF_INET6 raw socket of protocol IPPROTO_RAW as it is, and computes no
// checksum in it. Without privileges the error wraps ErrPermission.
func NewSender(iface string, family int) (*Sender, error) {
	var network, laddr string
	switch family {
	case 4:
		network, laddr = "ip4:255", "0.0.0.0"
	case 6:
		network, laddr = "ip6:255", "::"
	default:
		return nil, fmt.Errorf("raw socket: address family %d: want 4 or 6", family)
	}
	// Protocol 255 (IPPROTO_RAW): send-only, the kernel queues nothing to it.
	pc, err := net.ListenPacket(network, laddr)
	if err != nil {
		if errors.Is(err, os.ErrPermission) || errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
			return nil, fmt.Errorf("open raw socket: %w", ErrPermission)
		}
		return nil, fmt.Errorf("open raw IPv%d socket: %w", family, err)
	}
	c := pc.(*net.IPConn)
	if iface != "" {
		sc, err := c.SyscallConn()
		if err == nil {
			err = bindDevice(sc, iface)
		}
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("bind raw socket to %s: %w", iface, err)
		}
	}
	return &Sender{c: c, family: family, iface: iface}, nil
}

// Send writes one IP packet of the sender's family as it is, to the
// destination its header names. It reads only the version and the
// destination address of the header; a packet too short to hold them, or
// of the other family, is an error. A link-local IPv6 destination leaves
// through the sender's interface.
func (s *Sender) Send(pkt []byte) error {
	dst, err := s.dst(pkt)
	if err != nil {
		return fmt.Errorf("send: %w", err)
	}
	if dst != s.toAddr {
		s.toAddr = dst
		s.to = net.IPAddr{IP: dst.AsSlice()}
		if dst.Is6() && (dst.IsLinkLocalUnicast() || dst.IsLinkLocalMulticast()) {
			s.to.Zone = s.iface
		}
	}
	if _, err := s.c.WriteToIP(wireOrder(pkt), &s.to); err != nil {
		return fmt.Errorf("send to %s: %w", dst, err)
	}
	return nil
}

// Close closes the socket.
func (s *Sender) Close() error { return s.c.Close() }
