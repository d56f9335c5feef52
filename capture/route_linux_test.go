package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// ne16 and ne32 are v in the host's byte order, netlink's.
func ne16(v uint16) []byte { return binary.NativeEndian.AppendUint16(nil, v) }
func ne32(v uint32) []byte { return binary.NativeEndian.AppendUint32(nil, v) }

// cat joins byte slices.
func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// TestKernelRouteOwnAddress asks the kernel's route for loopback and for
// the host's own addresses, of both families: the packets go through lo,
// whichever interface holds the address (tracing one's own address once
// captured on the wrong interface and saw nothing), from that address.
func TestKernelRouteOwnAddress(t *testing.T) {
	addrs := []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	if hasAddr(t, netip.IPv6Loopback()) {
		addrs = append(addrs, netip.IPv6Loopback())
	}
	ifs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, ifc := range ifs {
		as, _ := ifc.Addrs()
		for _, a := range as {
			n, ok := a.(*net.IPNet)
			if !ok || ifc.Flags&net.FlagLoopback != 0 {
				continue
			}
			if ip, ok := netip.AddrFromSlice(n.IP); ok && !ip.Unmap().IsLinkLocalUnicast() {
				addrs = append(addrs, ip.Unmap())
			}
		}
	}
	for _, a := range addrs {
		rt, err := kernelRoute(a, netip.Addr{})
		if err != nil {
			t.Fatalf("kernelRoute(%v): %v", a, err)
		}
		lo, err := net.InterfaceByName(rt.Iface)
		if err != nil || lo.Flags&net.FlagLoopback == 0 {
			t.Errorf("kernelRoute(%v) leaves through %s, want the loopback interface", a, rt.Iface)
		}
		if rt.Src != a {
			t.Errorf("kernelRoute(%v) source %v, want %v", a, rt.Src, a)
		}
	}
	t.Logf("checked %v", addrs)
}

// hasAddr reports whether an interface of this host holds a.
func hasAddr(t *testing.T, a netip.Addr) bool {
	t.Helper()
	_, err := ifaceOf(a)
	return err == nil
}

func TestRouteRequest(t *testing.T) {
	hdr := func(n uint32) []byte { // struct nlmsghdr
		return cat(ne32(n), ne16(syscall.RTM_GETROUTE), ne16(syscall.NLM_F_REQUEST), ne32(1) /* seq */, ne32(0) /* pid */)
	}
	tests := []struct {
		name     string
		dst, src string
		oif      int
		want     []byte
	}{{
		name: "ipv4 from src",
		dst:  "10.77.5.2", src: "10.77.1.1",
		want: cat(hdr(16+12+8+8),
			[]byte{syscall.AF_INET, 32, 32, 0}, // family, dst_len, src_len, tos
			[]byte{0, 0, 0, 0},                 // table, protocol, scope, type
			ne32(0),                            // flags
			ne16(8), ne16(syscall.RTA_DST), []byte{10, 77, 5, 2},
			ne16(8), ne16(syscall.RTA_SRC), []byte{10, 77, 1, 1}),
	}, {
		name: "ipv4",
		dst:  "10.77.5.2",
		want: cat(hdr(16+12+8),
			[]byte{syscall.AF_INET, 32, 0, 0}, []byte{0, 0, 0, 0}, ne32(0),
			ne16(8), ne16(syscall.RTA_DST), []byte{10, 77, 5, 2}),
	}, {
		name: "ipv6 from src",
		dst:  "fd77:5::2", src: "fd77:1::1",
		want: cat(hdr(16+12+20+20),
			[]byte{syscall.AF_INET6, 128, 128, 0}, []byte{0, 0, 0, 0}, ne32(0),
			ne16(20), ne16(syscall.RTA_DST), []byte{0xfd, 0x77, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2},
			ne16(20), ne16(syscall.RTA_SRC), []byte{0xfd, 0x77, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}),
	}, {
		name: "ipv6 link-local through interface 3",
		dst:  "fe80::1", oif: 3,
		want: cat(hdr(16+12+20+8),
			[]byte{syscall.AF_INET6, 128, 0, 0}, []byte{0, 0, 0, 0}, ne32(0),
			ne16(20), ne16(syscall.RTA_DST), []byte{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
			ne16(8), ne16(syscall.RTA_OIF), ne32(3)),
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var src netip.Addr
			if tt.src != "" {
				src = netip.MustParseAddr(tt.src)
			}
			got := routeRequest(netip.MustParseAddr(tt.dst), src, tt.oif)
			if !bytes.Equal(got, tt.want) {
				t.Errorf("routeRequest(%s, %v, %d) =\n% x\nwant\n% x", tt.dst, src, tt.oif, got, tt.want)
			}
		})
	}
}

func TestParseRoute(t *testing.T) {
	msg := func(typ uint16, body ...[]byte) []byte { // nlmsghdr + body
		b := cat(body...)
		return cat(ne32(uint32(16+len(b))), ne16(typ), ne16(0), ne32(1), ne32(0), b)
	}
	rtmsg := func(family, dstLen, typ byte) []byte {
		return cat([]byte{family, dstLen, 0, 0}, []byte{syscall.RT_TABLE_MAIN, 0, 0, typ}, ne32(0))
	}
	oif7 := cat(ne16(8), ne16(syscall.RTA_OIF), ne32(7))
	prefsrc4 := cat(ne16(8), ne16(syscall.RTA_PREFSRC), []byte{10, 77, 1, 1})
	prefsrc6 := cat(ne16(20), ne16(syscall.RTA_PREFSRC), netip.MustParseAddr("fd77:1::1").AsSlice())
	table := cat(ne16(8), ne16(syscall.RTA_TABLE), ne32(254))
	gw4 := cat(ne16(8), ne16(syscall.RTA_GATEWAY), []byte{10, 77, 1, 2})
	gw6 := cat(ne16(20), ne16(syscall.RTA_GATEWAY), netip.MustParseAddr("fe80::1").AsSlice())
	tests := []struct {
		name string
		in   []byte
		want routeReply
		err  error
	}{
		{name: "ipv4 with source", in: msg(syscall.RTM_NEWROUTE, rtmsg(syscall.AF_INET, 32, syscall.RTN_UNICAST), table, oif7, prefsrc4),
			want: routeReply{oif: 7, typ: syscall.RTN_UNICAST, prefsrc: netip.MustParseAddr("10.77.1.1")}},
		{name: "ipv4 without source", in: msg(syscall.RTM_NEWROUTE, rtmsg(syscall.AF_INET, 32, syscall.RTN_UNICAST), oif7),
			want: routeReply{oif: 7, typ: syscall.RTN_UNICAST}},
		{name: "ipv4 through a gateway", in: msg(syscall.RTM_NEWROUTE, rtmsg(syscall.AF_INET, 32, syscall.RTN_UNICAST), table, gw4, oif7, prefsrc4),
			want: routeReply{oif: 7, typ: syscall.RTN_UNICAST, prefsrc: netip.MustParseAddr("10.77.1.1"), gateway: true}},
		{name: "ipv6 through a gateway", in: msg(syscall.RTM_NEWROUTE, rtmsg(syscall.AF_INET6, 128, syscall.RTN_UNICAST), gw6, oif7),
			want: routeReply{oif: 7, typ: syscall.RTN_UNICAST, gateway: true}},
		{name: "ipv4 broadcast", in: msg(syscall.RTM_NEWROUTE, rtmsg(syscall.AF_INET, 32, syscall.RTN_BROADCAST), oif7),
			want: routeReply{oif: 7, typ: syscall.RTN_BROADCAST}},
		{name: "ipv6 with source", in: msg(syscall.RTM_NEWROUTE, rtmsg(syscall.AF_INET6, 128, syscall.RTN_UNICAST), prefsrc6, oif7),
			want: routeReply{oif: 7, typ: syscall.RTN_UNICAST, prefsrc: netip.MustParseAddr("fd77:1::1")}},
		{name: "ipv6 without source", in: msg(syscall.RTM_NEWROUTE, rtmsg(syscall.AF_INET6, 128, syscall.RTN_UNICAST), oif7),
			want: routeReply{oif: 7, typ: syscall.RTN_UNICAST}},
		{name: "error ENETUNREACH", in: msg(syscall.NLMSG_ERROR, ne32(^uint32(syscall.ENETUNREACH)+1) /* -ENETUNREACH */, make([]byte, 16)),
			err: syscall.ENETUNREACH},
		{name: "no RTA_OIF", in: msg(syscall.RTM_NEWROUTE, rtmsg(syscall.AF_INET6, 128, syscall.RTN_UNICAST), prefsrc6),
			err: errNoOif},
		{name: "short rtmsg", in: msg(syscall.RTM_NEWROUTE, []byte{syscall.AF_INET6, 128, 0, 0}),
			err: errors.New("netlink: short route message")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseRoute(tt.in)
			switch {
			case tt.err != nil && (err == nil || (!errors.Is(err, tt.err) && err.Error() != tt.err.Error())):
				t.Errorf("parseRoute = %+v, %v; want error %v", got, err, tt.err)
			case tt.err == nil && (err != nil || got != tt.want):
				t.Errorf("parseRoute = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

// TestRouteToNotOneHost checks that broadcast, multicast, unspecified and
// zoneless link-local destinations are refused with a sentence, before
// anything is sent.
func TestRouteToNotOneHost(t *testing.T) {
	for dst, want := range map[string]string{
		"255.255.255.255": "255.255.255.255 is a broadcast address: give one host",
		"224.0.0.1":       "224.0.0.1 is a multicast address: give one host",
		"0.0.0.0":         "0.0.0.0 is no host address: give one host",
		"::":              ":: is no host address: give one host",
		"ff02::1":         "ff02::1 is a multicast address: give one host",
		"fe80::1":         "fe80::1 is a link-local address: name its interface, as fe80::1%eth0",
	} {
		_, err := RouteTo(netip.MustParseAddr(dst), "", netip.Addr{})
		if err == nil || err.Error() != want {
			t.Errorf("RouteTo(%s) = %v, want %q", dst, err, want)
		}
	}
}

// TestRouteToLoopback6 routes to ::1 through the kernel: lo, from ::1.
func TestRouteToLoopback6(t *testing.T) {
	if !hasAddr(t, netip.IPv6Loopback()) {
		if os.Getenv("CI") != "" {
			t.Fatal("no ::1 in CI: IPv6 is disabled, and the IPv6 tests cannot run")
		}
		t.Skip("no ::1 here (IPv6 disabled)")
	}
	for _, tt := range []struct {
		name  string
		iface string
		src   netip.Addr
	}{
		{name: "kernel's choice"},
		{name: "from ::1", src: netip.IPv6Loopback()},
		{name: "through lo", iface: "lo"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rt, err := RouteTo(netip.IPv6Loopback(), tt.iface, tt.src)
			if err != nil || rt.Src != netip.IPv6Loopback() || rt.Iface != "lo" {
				t.Errorf("RouteTo(::1, %q, %v) = %+v, %v; want from ::1 through lo", tt.iface, tt.src, rt, err)
			}
		})
	}
	for _, tt := range []struct{ src, want string }{
		{"127.0.0.1", "source 127.0.0.1 and destination ::1 are of different address families"},
		{"fd77:dead::1", "source fd77:dead::1 is not an address of this host"},
	} {
		if _, err := RouteTo(netip.IPv6Loopback(), "", netip.MustParseAddr(tt.src)); err == nil || err.Error() != tt.want {
			t.Errorf("RouteTo(::1 from %s) = %v, want %q", tt.src, err, tt.want)
		}
	}
}

// TestIfName: SIOCGIFNAME names every interface as net.Interfaces does,
// and an index no interface has is an error.
func TestIfName(t *testing.T) {
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, syscall.NETLINK_ROUTE)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	ifs, err := net.Interfaces()
	if err != nil || len(ifs) == 0 {
		t.Fatalf("net.Interfaces: %v, %d interfaces", err, len(ifs))
	}
	top := 0
	for _, ifc := range ifs {
		got, err := ifName(fd, ifc.Index)
		if err != nil || got != ifc.Name {
			t.Errorf("ifName(%d) = %q, %v; want %q", ifc.Index, got, err, ifc.Name)
		}
		top = max(top, ifc.Index)
	}
	if got, err := ifName(fd, top+1000); err == nil {
		t.Errorf("ifName(%d) = %q, want an error", top+1000, got)
	}
}

// TestRouteOnLink: a neighbour on a veth link and the host's own address
// are on-link; a host reached through a gateway, and one on a link with no
// link-layer header (a VPN's tun device), are not.
func TestRouteOnLink(t *testing.T) {
	needRoot(t)
	nsPair(t)
	for _, args := range [][]string{
		{"-n", "tcA", "route", "add", "10.98.0.0/24", "via", "10.99.0.2"},
		{"-n", "tcA", "-6", "route", "add", "fd77:98::/64", "via", "fd77:99::2"},
		{"-n", "tcA", "tuntap", "add", "dev", "tcT0", "mode", "tun"},
		{"-n", "tcA", "link", "set", "tcT0", "up"},
		{"-n", "tcA", "route", "add", "10.97.0.0/24", "dev", "tcT0"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	for dst, want := range map[string]bool{
		"10.99.0.2":  true,  // the veth neighbour
		"fd77:99::2": true,  // the same, over IPv6
		"10.99.0.1":  true,  // this host
		"10.98.0.7":  false, // through the gateway 10.99.0.2
		"fd77:98::7": false,
		"10.97.0.7":  false, // routed "dev tcT0", a tun device
	} {
		var rt Route
		var err error
		inNS(t, "tcA", func() { rt, err = RouteTo(netip.MustParseAddr(dst), "", netip.Addr{}) })
		if err != nil || rt.OnLink != want {
			t.Errorf("RouteTo(%s) = %+v, %v; want OnLink %v", dst, rt, err, want)
		}
	}
}
