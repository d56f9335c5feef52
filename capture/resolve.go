package capture

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// resolveTimeout bounds a forward lookup.
const resolveTimeout = 5 * time.Second

// lookuper is the part of *net.Resolver that Resolve needs, faked in tests.
type lookuper interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Resolve returns the address to trace for host, a literal or a name.
// family is 4 or 6 to ask for that family only (-4, -6), or 0 for either:
// as Linux traceroute does, a name with both kinds of address gives its
// IPv4 one, a name with only AAAA records its IPv6 one. A literal of the
// other family than the one asked for is an error; an IPv4-mapped IPv6
// literal (::ffff:a.b.c.d) is the IPv4 address; a zone (fe80::1%eth0) is
// kept.
func Resolve(ctx context.Context, host string, family int) (netip.Addr, error) {
	return resolve(ctx, net.DefaultResolver, host, family)
}

func resolve(ctx context.Context, r lookuper, host string, family int) (netip.Addr, error) {
	network := ""
	switch family {
	case 0:
		network = "ip"
	case 4:
		network = "ip4"
	case 6:
		network = "ip6"
	default:
		return netip.Addr{}, fmt.Errorf("address family %d: want 4, 6 or 0 for either", family)
	}
	if a, err := netip.ParseAddr(host); err == nil {
		a = a.Unmap()
		switch {
		case family == 4 && a.Is6():
			return netip.Addr{}, badHost(fmt.Sprintf("-4 given but %s is an IPv6 address", host))
		case family == 6 && a.Is4():
			return netip.Addr{}, badHost(fmt.Sprintf("-6 given but %s is an IPv4 address", host))
		}
		return a, nil
	}
	ctx, cancel := context.WithTimeout(ctx, resolveTimeout)
	defer cancel()
	addrs, err := r.LookupNetIP(ctx, network, host)
	if err != nil {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			if family != 0 {
				return netip.Addr{}, fmt.Errorf("unknown host %s (or it has no IPv%d address)", host, family)
			}
			return netip.Addr{}, fmt.Errorf("unknown host %s", host)
		}
		return netip.Addr{}, fmt.Errorf("resolve %s: %w", host, err)
	}
	var v6 netip.Addr
	for _, a := range addrs {
		a = a.Unmap()
		switch {
		case a.Is4() && family != 6:
			return a, nil
		case a.Is6() && family != 4 && !v6.IsValid():
			v6 = a
		}
	}
	if v6.IsValid() {
		return v6, nil
	}
	if family != 0 {
		return netip.Addr{}, fmt.Errorf("host %s has no IPv%d address", host, family)
	}
	return netip.Addr{}, fmt.Errorf("host %s has no address", host)
}
