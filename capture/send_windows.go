package capture

import (
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcap"
)

// Sender sends whole IP packets of one family, header included, as
// Ethernet frames injected through Npcap (what nmap does on Windows, whose
// raw sockets refuse TCP and much else): the IP bytes on the wire are the
// bytes given to Send, behind an Ethernet header from the interface of the
// route to the destination to the next hop's MAC address.
type Sender struct {
	family int
	iface  string
	// toAddr is the destination the handle and the MAC addresses were set
	// up for, kept while the destination stays the same (a trace has one).
	toAddr  netip.Addr
	h       *pcap.Handle
	dev     string
	src, gw net.HardwareAddr
	buf     gopacket.SerializeBuffer
}

// NewSender prepares a sender for family 4 or 6, leaving through iface
// when not empty (a name as Go's net package gives it). The Npcap device
// is opened on the first Send, once the destination's route is known.
func NewSender(iface string, family int) (*Sender, error) {
	if family != 4 && family != 6 {
		return nil, fmt.Errorf("sender: address family %d: want 4 or 6", family)
	}
	return &Sender{family: family, iface: iface, buf: gopacket.NewSerializeBuffer()}, nil
}

// Send injects one IP packet of the sender's family, in an Ethernet frame
// to the next hop towards the destination its header names. It reads only
// the version and the destination address of the header; a packet too
// short to hold them, or of the other family, is an error.
func (s *Sender) Send(pkt []byte) error {
	dst, err := s.dst(pkt)
	if err != nil {
		return fmt.Errorf("send: %w", err)
	}
	if dst != s.toAddr || s.h == nil {
		if err := s.open(dst); err != nil {
			return fmt.Errorf("send to %s: %w", dst, err)
		}
		s.toAddr = dst
	}
	frame, err := ethernetFrame(s.buf, s.src, s.gw, pkt)
	if err != nil {
		return fmt.Errorf("send to %s: %w", dst, err)
	}
	if err := s.h.WritePacketData(frame); err != nil {
		return fmt.Errorf("send to %s: %w", dst, err)
	}
	return nil
}

// open finds the route to dst, opens the Npcap device of its interface
// and resolves the next hop's MAC address.
func (s *Sender) open(dst netip.Addr) error {
	var ifIndex uint32
	if s.iface != "" {
		ifi, err := net.InterfaceByName(s.iface)
		if err != nil {
			return fmt.Errorf("interface %s: %w", s.iface, err)
		}
		ifIndex = uint32(ifi.Index)
	}
	rows, err := routeTable(s.family)
	if err != nil {
		return err
	}
	r, err := bestRoute(rows, dst, ifIndex)
	if err != nil {
		return err
	}
	row, err := ifEntry(r.IfIndex)
	if err != nil {
		return err
	}
	dev, err := npcapName(row, netip.Addr{})
	if err != nil {
		return err
	}
	gw, err := resolveNeighbor(row, r.NextHop)
	if err != nil {
		return err
	}
	if s.h == nil || s.dev != dev {
		h, err := pcap.OpenLive(dev, 128, false, pcap.BlockForever)
		if err != nil {
			if msg := err.Error(); strings.Contains(msg, "ermission") || strings.Contains(msg, "denied") {
				return fmt.Errorf("open %s: %w", dev, ErrPermission)
			}
			return fmt.Errorf("open %s: %w", dev, err)
		}
		if s.h != nil {
			s.h.Close()
		}
		s.h, s.dev = h, dev
	}
	s.src, s.gw = ifMAC(row), gw
	return nil
}

// Close closes the Npcap handle, if one was opened.
func (s *Sender) Close() error {
	if s.h != nil {
		s.h.Close()
		s.h = nil
	}
	return nil
}
