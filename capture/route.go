package capture

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// A trace follows the path to one host.
var (
	errBroadcast = errors.New("is a broadcast address: give one host")
	errMulticast = errors.New("is a multicast address: give one host")
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
	switch {
	case dst.IsUnspecified():
		return Route{}, fmt.Errorf("%s is no host address: give one host", dst)
	case dst.IsMulticast():
		return Route{}, fmt.Errorf("%s %w", dst, errMulticast)
	case dst == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return Route{}, fmt.Errorf("%s %w", dst, errBroadcast)
	}
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
	if errors.Is(err, syscall.EADDRNOTAVAIL) && src.IsValid() {
		return Route{}, fmt.Errorf("source %s is not an address of this host", src)
	}
	if err != nil {
		return Route{}, fmt.Errorf("route to %s: %w", dst, err)
	}
	defer c.Close()
	src = c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap()
	if iface != "" {
		return Route{Src: src, Iface: iface}, nil
	}
	name, err := egress(dst, src)
	if errors.Is(err, errBroadcast) || errors.Is(err, errMulticast) {
		return Route{}, fmt.Errorf("%s %w", dst, err)
	}
	if err != nil {
		return Route{}, fmt.Errorf("route to %s: %w", dst, err)
	}
	return Route{Src: src, Iface: name}, nil
}
