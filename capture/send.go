package capture

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"

	"golang.org/x/net/ipv4"
)

// Sender sends whole IPv4 packets, header included, through a raw socket.
type Sender struct {
	c  net.PacketConn
	rc *ipv4.RawConn
}

// NewSender opens a raw IPv4 socket with IP_HDRINCL, bound to iface when not
// empty. Without privileges the error wraps ErrPermission.
func NewSender(iface string) (*Sender, error) {
	// Protocol 255 (IPPROTO_RAW): send-only, the kernel queues nothing to it.
	c, err := net.ListenPacket("ip4:255", "0.0.0.0")
	if err != nil {
		if errors.Is(err, os.ErrPermission) || errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
			return nil, fmt.Errorf("open raw socket: %w", ErrPermission)
		}
		return nil, fmt.Errorf("open raw socket: %w", err)
	}
	rc, err := ipv4.NewRawConn(c)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("raw socket: %w", err)
	}
	if iface != "" {
		sc, err := c.(*net.IPConn).SyscallConn()
		if err == nil {
			err = bindDevice(sc, iface)
		}
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("bind raw socket to %s: %w", iface, err)
		}
	}
	return &Sender{c: c, rc: rc}, nil
}

// Send writes one IPv4 packet as it is.
func (s *Sender) Send(pkt []byte) error {
	h, err := ipv4.ParseHeader(pkt)
	if err != nil {
		return fmt.Errorf("send: %w", err)
	}
	if err := s.rc.WriteTo(h, pkt[h.Len:], nil); err != nil {
		return fmt.Errorf("send to %s: %w", h.Dst, err)
	}
	return nil
}

// Close closes the socket.
func (s *Sender) Close() error { return s.c.Close() }
