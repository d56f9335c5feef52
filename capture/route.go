package capture

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// Route is the kernel's choice for reaching a destination: the source
// address it would use and the interface that holds it.
type Route struct {
	Src   netip.Addr
	Iface string
	// OnLink is set when the kernel's route reaches the destination
	// directly, without a gateway, over an Ethernet-type link (or it is
	// one of the host's own addresses): the destination is then one hop
	// away, but for a proxy-ARP router in between. False when unknown.
	OnLink bool
}

// RouteTo asks the kernel how it reaches dst, of either family: through
// which interface (its route, RTM_GETROUTE on Linux) and from which source
// address (the route's preferred source, or else the one a UDP socket
// connected to dst gets, which sends nothing). iface, when not empty, is
// the interface to leave through; src, when valid, the source to use
// (checked to be one of the host's). A destination CheckTarget refuses, or
// whose route is a broadcast or multicast one, is an error. A link-local
// destination's zone names the interface when iface is empty.
func RouteTo(dst netip.Addr, iface string, src netip.Addr) (Route, error) {
	if err := CheckTarget(dst); err != nil {
		return Route{}, err
	}
	if src.IsValid() && src.Is4() != dst.Is4() {
		return Route{}, fmt.Errorf("source %s and destination %s are of different address families", src, dst)
	}
	if iface == "" && dst.Zone() != "" {
		iface = dst.Zone()
	}
	if iface != "" {
		if _, err := net.InterfaceByName(iface); err != nil {
			return Route{}, fmt.Errorf("interface %s: %w", iface, err)
		}
	}
	var rt Route
	if src.IsValid() || iface != "" {
		// The socket checks that src is the host's, and takes iface.
		s, err := connectedSource(dst, iface, src)
		if err != nil {
			return Route{}, err
		}
		rt = Route{Src: s, Iface: iface}
	}
	if iface == "" {
		k, err := kernelRoute(dst, src)
		switch {
		case errors.Is(err, errBroadcast) || errors.Is(err, errMulticast):
			return Route{}, fmt.Errorf("%s %w", dst, err)
		case err != nil:
			return Route{}, fmt.Errorf("route to %s: %w", dst, err)
		}
		rt.Iface, rt.OnLink = k.Iface, k.OnLink
		if !rt.Src.IsValid() {
			rt.Src = k.Src
		}
	}
	if !rt.Src.IsValid() {
		// The route names no preferred source, as IPv6 routes may not.
		s, err := connectedSource(dst, iface, src)
		if err != nil {
			return Route{}, err
		}
		rt.Src = s
	}
	if rt.Iface == "" {
		// Where the kernel's route cannot be asked: the interface that
		// holds the source.
		name, err := ifaceOf(rt.Src)
		if err != nil {
			return Route{}, fmt.Errorf("route to %s: %w", dst, err)
		}
		rt.Iface = name
	}
	return rt, nil
}

// connectedSource is the source address the kernel gives a UDP socket
// connected to dst (bound to iface when not empty, to src when valid).
// Connecting a UDP socket sends nothing.
func connectedSource(dst netip.Addr, iface string, src netip.Addr) (netip.Addr, error) {
	d := net.Dialer{}
	if src.IsValid() {
		d.LocalAddr = net.UDPAddrFromAddrPort(netip.AddrPortFrom(src, 0))
	}
	if iface != "" {
		d.Control = func(_, _ string, c syscall.RawConn) error { return bindDevice(c, iface) }
		if dst.Is6() && dst.IsLinkLocalUnicast() {
			dst = dst.WithZone(iface)
		}
	}
	network := "udp4"
	if dst.Is6() {
		network = "udp6"
	}
	c, err := d.DialContext(context.Background(), network, netip.AddrPortFrom(dst, 33434).String())
	if errors.Is(err, syscall.EADDRNOTAVAIL) && src.IsValid() {
		return netip.Addr{}, fmt.Errorf("source %s is not an address of this host", src)
	}
	if err != nil {
		return netip.Addr{}, fmt.Errorf("route to %s: %w", dst, err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap().WithZone(""), nil
}

// ifaceOf names the interface that holds address a.
func ifaceOf(a netip.Addr) (string, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return "", err
	}
	for _, ifc := range ifs {
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, ad := range addrs {
			if n, ok := ad.(*net.IPNet); ok {
				if ip, ok := netip.AddrFromSlice(n.IP); ok && ip.Unmap() == a.WithZone("") {
					return ifc.Name, nil
				}
			}
		}
	}
	return "", fmt.Errorf("no interface holds source address %s", a)
}
