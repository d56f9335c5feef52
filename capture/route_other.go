//go:build !linux

package capture

import (
	"fmt"
	"net"
	"net/netip"
)

// egress names the interface that holds src, where the kernel's route
// cannot be asked for it.
func egress(_, src netip.Addr) (string, error) { return ifaceOf(src) }

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
