package report

import (
	"fmt"
	"net/netip"
	"testing"
)

// TestAddrCache checks that the cache of address texts appends exactly
// what appendAddr does, for every kind of address, whether the address is
// in the cache, was pushed out by another with the same hash, or is new.
func TestAddrCache(t *testing.T) {
	addrs := []netip.Addr{
		netip.MustParseAddr("192.0.2.1"),
		netip.MustParseAddr("2001:db8::1"),
		netip.MustParseAddr("::ffff:192.0.2.1"),
		netip.MustParseAddr("::192.0.2.1"),
		netip.MustParseAddr("::"),
		netip.MustParseAddr("::1"),
		netip.MustParseAddr("fe80::1%eth0"),
		netip.MustParseAddr("2001:db8:1234:5678:9abc:def0:1234:5678"),
	}
	// Far more addresses than entries, so that they push each other out.
	for i := range 300 {
		addrs = append(addrs, netip.MustParseAddr(fmt.Sprintf("2001:db8:%x::%x", i%7, i)))
	}
	var c addrCache
	for round := range 3 {
		for _, a := range addrs {
			want := string(appendAddr([]byte("x "), a))
			if got := string(c.append([]byte("x "), a)); got != want {
				t.Fatalf("round %d: append(%v) = %q, want %q", round, a, got, want)
			}
		}
	}
}
