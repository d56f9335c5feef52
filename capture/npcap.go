package capture

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcap"
)

// What Windows needs (send_windows.go, live_windows.go), written here as
// pure functions over lists so that they are tested on every system: the
// route to a destination out of the routing table, the Npcap device of an
// interface, and the Ethernet frame that carries a probe to the next hop.
// Windows refuses much of what a raw socket with IP_HDRINCL would send
// (TCP, spoofed or odd headers), so probes are injected as whole frames
// through Npcap, as nmap does.

// routeRow is one row of a routing table (Windows: MIB_IPFORWARD_ROW2):
// the destinations it covers, the next hop (unspecified when they are on
// the link), the interface and the route's metric.
type routeRow struct {
	Prefix  netip.Prefix
	NextHop netip.Addr
	IfIndex uint32
	Metric  uint32
}

var errNoRoute = errors.New("no route")

// bestRoute picks the row of rows that routes dst: the longest prefix that
// holds it, then the lowest metric, then the first. ifIndex, when not 0,
// keeps only that interface's rows. The next hop of the result is dst
// itself when the row's is unspecified (an on-link destination).
func bestRoute(rows []routeRow, dst netip.Addr, ifIndex uint32) (routeRow, error) {
	dst = dst.WithZone("")
	best, found := routeRow{}, false
	for _, r := range rows {
		if !r.Prefix.IsValid() || r.Prefix.Addr().Is4() != dst.Is4() || !r.Prefix.Contains(dst) {
			continue
		}
		if ifIndex != 0 && r.IfIndex != ifIndex {
			continue
		}
		if !found || r.Prefix.Bits() > best.Prefix.Bits() ||
			r.Prefix.Bits() == best.Prefix.Bits() && r.Metric < best.Metric {
			best, found = r, true
		}
	}
	if !found {
		return routeRow{}, fmt.Errorf("%w to %s", errNoRoute, dst)
	}
	if !best.NextHop.IsValid() || best.NextHop.IsUnspecified() {
		best.NextHop = dst.WithZone("")
	}
	return best, nil
}

// npcapPrefix begins the name of every Npcap device but its loopback one:
// \Device\NPF_{GUID}, the GUID of the interface in braces.
const npcapPrefix = `\Device\NPF_`

// npcapDevice is the name of the device of devs (pcap.FindAllDevs) that
// captures on the interface whose GUID is guid, written as Windows does,
// "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}" (case does not matter). When no
// device has that GUID in its name, the device holding the address src
// (when valid) is taken; otherwise it is an error naming the devices.
func npcapDevice(devs []pcap.Interface, guid string, src netip.Addr) (string, error) {
	for _, d := range devs {
		if guid != "" && strings.EqualFold(d.Name, npcapPrefix+guid) {
			return d.Name, nil
		}
	}
	if src.IsValid() {
		for _, d := range devs {
			for _, a := range d.Addresses {
				if ip, ok := netip.AddrFromSlice(a.IP); ok && ip.Unmap() == src.Unmap().WithZone("") {
					return d.Name, nil
				}
			}
		}
	}
	names := make([]string, 0, len(devs))
	for _, d := range devs {
		names = append(names, d.Name)
	}
	return "", fmt.Errorf("no Npcap device for interface %s (source %v) among %v: is Npcap installed?", guid, src, names)
}

// ethernetFrame builds in buf the Ethernet II frame from src to dst (MAC
// addresses) that carries pkt, an IPv4 or IPv6 packet as crafted, its
// EtherType taken from the header's version; the frame is only valid
// until buf is used again.
func ethernetFrame(buf gopacket.SerializeBuffer, src, dst net.HardwareAddr, pkt []byte) ([]byte, error) {
	if len(pkt) == 0 {
		return nil, errShortPacket
	}
	eth := layers.Ethernet{SrcMAC: src, DstMAC: dst}
	switch pkt[0] >> 4 {
	case 4:
		eth.EthernetType = layers.EthernetTypeIPv4
	case 6:
		eth.EthernetType = layers.EthernetTypeIPv6
	default:
		return nil, fmt.Errorf("frame: IP version %d: want 4 or 6", pkt[0]>>4)
	}
	if len(src) != 6 || len(dst) != 6 {
		return nil, fmt.Errorf("frame: MAC addresses %v and %v: want 6 bytes each", src, dst)
	}
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{}, &eth, gopacket.Payload(pkt)); err != nil {
		return nil, fmt.Errorf("frame: %w", err)
	}
	return buf.Bytes(), nil
}
