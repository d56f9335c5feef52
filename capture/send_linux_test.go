package capture

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/sys/unix"
)

// needRoot skips (or, with CI set, fails) a test that needs root, network
// namespaces and raw sockets.
func needRoot(t *testing.T) {
	t.Helper()
	miss := func(why string) {
		t.Helper()
		if os.Getenv("CI") != "" {
			t.Fatal("cannot run in CI: " + why)
		}
		t.Skip(why)
	}
	if testing.Short() {
		miss("needs root and network namespaces: skipped with -short")
	}
	if os.Geteuid() != 0 {
		miss("needs root (network namespaces, raw sockets)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		miss("needs ip (iproute2)")
	}
}

// nsPair is two network namespaces joined by a veth pair: tcA (tcA0,
// fd77:99::1/64, 10.99.0.1/24) and tcB (tcB0, fd77:99::2/64,
// 10.99.0.2/24), without duplicate address detection. Cleanup deletes
// them.
func nsPair(t *testing.T) {
	t.Helper()
	ip := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	for _, ns := range []string{"tcA", "tcB"} {
		_ = exec.Command("ip", "netns", "del", ns).Run() // left over by a killed run
	}
	ip("netns", "add", "tcA")
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", "tcA").Run() })
	ip("netns", "add", "tcB")
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", "tcB").Run() })
	for _, ns := range []string{"tcA", "tcB"} {
		for _, k := range []string{"all", "default"} {
			ip("netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf."+k+".accept_dad=0")
		}
	}
	ip("link", "add", "tcA0", "netns", "tcA", "type", "veth", "peer", "name", "tcB0", "netns", "tcB")
	for _, s := range []struct{ ns, dev, v6, v4 string }{
		{"tcA", "tcA0", "fd77:99::1/64", "10.99.0.1/24"},
		{"tcB", "tcB0", "fd77:99::2/64", "10.99.0.2/24"},
	} {
		ip("-n", s.ns, "addr", "add", s.v6, "dev", s.dev, "nodad")
		ip("-n", s.ns, "addr", "add", s.v4, "dev", s.dev)
		ip("-n", s.ns, "link", "set", s.dev, "up")
		ip("-n", s.ns, "link", "set", "lo", "up")
	}
}

// inNS runs f on a thread that is in network namespace ns, so that the
// sockets f opens belong to ns; they stay there when f returns.
func inNS(t *testing.T, ns string, f func()) {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	self, err := os.Open(fmt.Sprintf("/proc/%d/task/%d/ns/net", os.Getpid(), unix.Gettid()))
	if err != nil {
		t.Fatal(err)
	}
	defer self.Close()
	target, err := os.Open("/run/netns/" + ns)
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		t.Fatalf("setns %s: %v", ns, err)
	}
	defer func() {
		if err := unix.Setns(int(self.Fd()), unix.CLONE_NEWNET); err != nil {
			panic(fmt.Sprintf("setns back: %v", err)) // the thread must not go back to the pool
		}
	}()
	f()
}

// linkLocal is the link-local address of dev in namespace ns.
func linkLocal(t *testing.T, ns, dev string) netip.Addr {
	t.Helper()
	var a netip.Addr
	inNS(t, ns, func() {
		ifc, err := net.InterfaceByName(dev)
		if err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(3 * time.Second); !a.IsValid() && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			as, _ := ifc.Addrs()
			for _, ad := range as {
				if n, ok := ad.(*net.IPNet); ok {
					if ip, ok := netip.AddrFromSlice(n.IP); ok && ip.Is6() && ip.IsLinkLocalUnicast() {
						a = ip
					}
				}
			}
		}
	})
	if !a.IsValid() {
		t.Fatalf("%s in %s has no link-local address", dev, ns)
	}
	return a
}

// echoRequest is an ICMP or ICMPv6 Echo Request from src to dst with
// identifier id and sequence seq, built with gopacket layers.
func echoRequest(t *testing.T, src, dst netip.Addr, id, seq uint16) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	payload := gopacket.Payload([]byte("tracers capture test"))
	var err error
	if src.Is6() {
		ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolICMPv6, FlowLabel: 0x12345,
			SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
		icmp := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(layers.ICMPv6TypeEchoRequest, 0)}
		if err := icmp.SetNetworkLayerForChecksum(ip); err != nil {
			t.Fatal(err)
		}
		err = gopacket.SerializeLayers(buf, opts, ip, icmp, &layers.ICMPv6Echo{Identifier: id, SeqNumber: seq}, payload)
	} else {
		ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Id: 0xbeef, Protocol: layers.IPProtocolICMPv4,
			SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
		icmp := &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoRequest, 0), Id: id, Seq: seq}
		err = gopacket.SerializeLayers(buf, opts, ip, icmp, payload)
	}
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// TestSendEcho sends hand-made Echo Requests of both families from tcA to
// tcB through a Sender bound to tcA0, from the source RouteTo gives, and
// checks with a live capture on tcA0 that the bytes that left are the
// bytes given to Send and that tcB's kernel answered each.
func TestSendEcho(t *testing.T) {
	needRoot(t)
	nsPair(t)
	peerLL := linkLocal(t, "tcB", "tcB0")
	inNS(t, "tcA", func() {
		// A subnet's broadcast address is known only to the kernel's routes.
		want := "10.99.0.255 is a broadcast address: give one host"
		if _, err := RouteTo(netip.MustParseAddr("10.99.0.255"), "", netip.Addr{}); err == nil || err.Error() != want {
			t.Errorf("RouteTo(10.99.0.255) = %v, want %q", err, want)
		}
	})
	tests := []struct {
		name string
		dst  netip.Addr
	}{
		{name: "ipv6", dst: netip.MustParseAddr("fd77:99::2")},
		{name: "ipv6 link-local", dst: peerLL.WithZone("tcA0")},
		{name: "ipv4", dst: netip.MustParseAddr("10.99.0.2")},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			family := 4
			if tt.dst.Is6() {
				family = 6
			}
			id, seq := uint16(0x7100+i), uint16(1)
			var (
				rt  Route
				snd *Sender
				lv  *Live
				err error
			)
			inNS(t, "tcA", func() {
				if rt, err = RouteTo(tt.dst, "", netip.Addr{}); err != nil {
					t.Fatalf("RouteTo(%v): %v", tt.dst, err)
				}
				if snd, err = NewSender(rt.Iface, family); err != nil {
					t.Fatal(err)
				}
				filter := "icmp6 and (icmp6[0] = 128 or icmp6[0] = 129)"
				if family == 4 {
					filter = "icmp and (icmp[0] = 8 or icmp[0] = 0)"
				}
				if lv, err = OpenLive(rt.Iface, filter); err != nil {
					t.Fatal(err)
				}
			})
			defer snd.Close()
			defer lv.Close()
			if rt.Iface != "tcA0" {
				t.Errorf("RouteTo(%v) = %+v, want through tcA0", tt.dst, rt)
			}
			if wantSrc := map[int]string{4: "10.99.0.1", 6: "fd77:99::1"}[family]; tt.name != "ipv6 link-local" && rt.Src != netip.MustParseAddr(wantSrc) {
				t.Errorf("RouteTo(%v) source %v, want %s", tt.dst, rt.Src, wantSrc)
			} else if tt.name == "ipv6 link-local" && !rt.Src.IsLinkLocalUnicast() {
				t.Errorf("RouteTo(%v) source %v, want tcA0's link-local address", tt.dst, rt.Src)
			}
			pkt := echoRequest(t, rt.Src, tt.dst.WithZone(""), id, seq)
			if err := snd.Send(pkt); err != nil {
				t.Fatalf("Send: %v", err)
			}
			var sent, replied bool
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			for !(sent && replied) {
				p, ok, err := lv.Next(ctx, time.Now().Add(3*time.Second))
				if err != nil || !ok {
					t.Fatalf("capture: sent %v, replied %v before %v (ok %v)", sent, replied, err, ok)
				}
				if p.Link != layers.LinkTypeEthernet || len(p.Data) < 14 {
					t.Fatalf("captured link type %d, %d bytes", p.Link, len(p.Data))
				}
				ipb := p.Data[14:]
				g := gopacket.NewPacket(ipb, map[int]gopacket.LayerType{4: layers.LayerTypeIPv4, 6: layers.LayerTypeIPv6}[family], gopacket.Default)
				switch {
				case bytes.Equal(ipb, pkt):
					sent = true
				case family == 6:
					e, ok := g.Layer(layers.LayerTypeICMPv6Echo).(*layers.ICMPv6Echo)
					ic, _ := g.Layer(layers.LayerTypeICMPv6).(*layers.ICMPv6)
					if ok && ic != nil && ic.TypeCode.Type() == layers.ICMPv6TypeEchoReply && e.Identifier == id && e.SeqNumber == seq {
						replied = true
					}
				default:
					ic, ok := g.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4)
					if ok && ic.TypeCode.Type() == layers.ICMPv4TypeEchoReply && ic.Id == id && ic.Seq == seq {
						replied = true
					}
				}
				if !sent && !replied && bytes.Contains(ipb, []byte("tracers capture test")) {
					t.Errorf("captured a request that differs from the one sent:\n got % x\nwant % x", ipb, pkt)
				}
			}
		})
	}
}

// TestSendRefuses checks what Send refuses before anything is sent.
func TestSendRefuses(t *testing.T) {
	needRoot(t)
	s6, err := NewSender("lo", 6)
	if err != nil {
		t.Fatal(err)
	}
	defer s6.Close()
	v4 := echoRequest(t, netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.1"), 1, 1)
	for _, tt := range []struct {
		name string
		pkt  []byte
		want string
	}{
		{"empty", nil, "send: packet shorter than its IP header"},
		{"short ipv6", []byte{0x60, 0, 0, 0}, "send: packet shorter than its IP header"},
		{"ipv4 on ipv6", v4, "send: IPv4 packet of the other address family than the socket's (IPv6)"},
	} {
		if err := s6.Send(tt.pkt); err == nil || err.Error() != tt.want {
			t.Errorf("%s: Send = %v, want %q", tt.name, err, tt.want)
		}
	}
	if _, err := NewSender("", 5); err == nil {
		t.Error("NewSender(family 5) = nil error")
	}
}

// TestSendAllocs pins what one Send costs the heap: the crafted bytes go
// out as they are, with no header parsed or marshalled again (the socket
// address Go builds for sendto is the one allocation left).
func TestSendAllocs(t *testing.T) {
	needRoot(t)
	for _, dst := range []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.IPv6Loopback()} {
		family := 4
		if dst.Is6() {
			family = 6
		}
		s, err := NewSender("lo", family)
		if err != nil {
			t.Fatal(err)
		}
		pkt := echoRequest(t, dst, dst, 0x7f00, 1)
		n := testing.AllocsPerRun(50, func() {
			if err := s.Send(pkt); err != nil {
				t.Fatal(err)
			}
		})
		s.Close()
		if n > 1 {
			t.Errorf("Send over IPv%d: %v allocs, want at most 1", family, n)
		}
		t.Logf("Send over IPv%d: %v allocs", family, n)
	}
}
