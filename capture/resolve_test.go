package capture

import (
	"context"
	"net"
	"net/netip"
	"testing"
)

// fakeDNS answers LookupNetIP from a table of names, as a resolver
// filtering by network does.
type fakeDNS map[string][]string

func (f fakeDNS) LookupNetIP(_ context.Context, network, host string) ([]netip.Addr, error) {
	var out []netip.Addr
	for _, s := range f[host] {
		a := netip.MustParseAddr(s)
		if (network == "ip4" && !a.Is4()) || (network == "ip6" && !a.Is6()) {
			continue
		}
		out = append(out, a)
	}
	if len(out) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return out, nil
}

func TestResolve(t *testing.T) {
	dns := fakeDNS{
		"both":  {"2001:db8::5", "192.0.2.5"}, // AAAA first: IPv4 still wins
		"only6": {"2001:db8::6"},
		"only4": {"192.0.2.4"},
	}
	tests := []struct {
		name   string
		host   string
		family int
		want   string
		err    string
	}{
		{name: "v4 literal", host: "10.77.5.2", want: "10.77.5.2"},
		{name: "v4 literal -4", host: "10.77.5.2", family: 4, want: "10.77.5.2"},
		{name: "v4 literal -6", host: "10.77.5.2", family: 6, err: "-6 given but 10.77.5.2 is an IPv4 address"},
		{name: "mapped literal", host: "::ffff:10.0.0.1", want: "10.0.0.1"},
		{name: "v6 literal", host: "::1", want: "::1"},
		{name: "v6 literal -6", host: "2001:db8::1", family: 6, want: "2001:db8::1"},
		{name: "v6 literal -4", host: "2001:db8::1", family: 4, err: "-4 given but 2001:db8::1 is an IPv6 address"},
		{name: "zoned literal", host: "fe80::1%eth0", family: 6, want: "fe80::1%eth0"},
		{name: "both names IPv4", host: "both", want: "192.0.2.5"},
		{name: "both -4", host: "both", family: 4, want: "192.0.2.5"},
		{name: "both -6", host: "both", family: 6, want: "2001:db8::5"},
		{name: "AAAA only", host: "only6", want: "2001:db8::6"},
		{name: "AAAA only -4", host: "only6", family: 4, err: "unknown host only6 (or it has no IPv4 address)"},
		{name: "A only -6", host: "only4", family: 6, err: "unknown host only4 (or it has no IPv6 address)"},
		{name: "unknown", host: "nowhere", err: "unknown host nowhere"},
		{name: "bad family", host: "10.0.0.1", family: 5, err: "address family 5: want 4, 6 or 0 for either"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := resolve(context.Background(), dns, tt.host, tt.family)
			switch {
			case tt.err != "" && (err == nil || err.Error() != tt.err):
				t.Errorf("Resolve(%q, %d) = %v, %v; want error %q", tt.host, tt.family, got, err, tt.err)
			case tt.err == "" && (err != nil || got != netip.MustParseAddr(tt.want)):
				t.Errorf("Resolve(%q, %d) = %v, %v; want %s", tt.host, tt.family, got, err, tt.want)
			}
		})
	}
}

// TestResolveLocalhost goes through the real resolver, which answers
// localhost from /etc/hosts or by itself (RFC 6761), never the network.
func TestResolveLocalhost(t *testing.T) {
	got, err := Resolve(context.Background(), "localhost", 4)
	if err != nil || got != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("Resolve(localhost, 4) = %v, %v; want 127.0.0.1", got, err)
	}
}

func TestCheckTarget(t *testing.T) {
	tests := []struct {
		dst, err string
	}{
		{dst: "10.77.5.2"},
		{dst: "127.0.0.1"},
		{dst: "169.254.1.1"},
		{dst: "::1"},
		{dst: "fd77:5::2"},
		{dst: "fe80::1%eth0"},
		{dst: "0.0.0.0", err: "0.0.0.0 is no host address: give one host"},
		{dst: "::", err: ":: is no host address: give one host"},
		{dst: "255.255.255.255", err: "255.255.255.255 is a broadcast address: give one host"},
		{dst: "224.0.0.1", err: "224.0.0.1 is a multicast address: give one host"},
		{dst: "239.255.255.250", err: "239.255.255.250 is a multicast address: give one host"},
		{dst: "ff02::1", err: "ff02::1 is a multicast address: give one host"},
		{dst: "ff05::1:3", err: "ff05::1:3 is a multicast address: give one host"},
		{dst: "fe80::1", err: "fe80::1 is a link-local address: name its interface, as fe80::1%eth0"},
	}
	for _, tt := range tests {
		t.Run(tt.dst, func(t *testing.T) {
			err := CheckTarget(netip.MustParseAddr(tt.dst))
			switch {
			case tt.err == "" && err != nil:
				t.Errorf("CheckTarget(%s) = %v, want nil", tt.dst, err)
			case tt.err != "" && (err == nil || err.Error() != tt.err):
				t.Errorf("CheckTarget(%s) = %v, want %q", tt.dst, err, tt.err)
			}
		})
	}
	if err := CheckTarget(netip.Addr{}); err == nil {
		t.Error("CheckTarget(invalid address) = nil")
	}
}
