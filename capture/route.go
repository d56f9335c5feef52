package capture

import (
	"context"
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
}

// RouteTo asks the kernel which source address it uses to reach dst (through
// iface when not empty, from src when valid), by connecting a UDP socket,
// which sends nothing, and through which interface (its route to dst).
func RouteTo(dst netip.Addr, iface string, src netip.Addr) (Route, error) {
	d := net.Dialer{}
	if src.IsValid() {
		d.LocalAddr = net.UDPAddrFromAddrPort(netip.AddrPortFrom(src, 0))
	}
	if iface != "" {
		if _, err := net.InterfaceByName(iface); err != nil {
			return Route{}, fmt.Errorf("interface %s: %w", iface, err)
		}
		d.Control = func(_, _ string, c syscall.RawConn) error { return bindDevice(c, iface) }
	}
	c, err := d.DialContext(context.Background(), "udp4", netip.AddrPortFrom(dst, 33434).String())
	if err != nil {
		return Route{}, fmt.Errorf("route to %s: %w", dst, err)
	}
	defer c.Close()
	src = c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap()
	if iface != "" {
		return Route{Src: src, Iface: iface}, nil
	}
	name, err := egress(dst, src)
	if err != nil {
		return Route{}, fmt.Errorf("route to %s: %w", dst, err)
	}
	return Route{Src: src, Iface: name}, nil
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
				if ip, ok := netip.AddrFromSlice(n.IP); ok && ip.Unmap() == a {
					return ifc.Name, nil
				}
			}
		}
	}
	return "", fmt.Errorf("no interface holds source address %s", a)
}
