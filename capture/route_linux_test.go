package capture

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"unsafe"
)

// TestEgressOwnAddress asks the kernel's route for loopback and for the
// host's own addresses: the packets go through lo, whichever interface
// holds the address (tracing one's own address once captured on the wrong
// interface and saw nothing).
func TestEgressOwnAddress(t *testing.T) {
	addrs := []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	ifs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, ifc := range ifs {
		as, _ := ifc.Addrs()
		for _, a := range as {
			if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && ifc.Flags&net.FlagLoopback == 0 {
				ip, _ := netip.AddrFromSlice(n.IP.To4())
				addrs = append(addrs, ip)
			}
		}
	}
	for _, a := range addrs {
		name, err := egress(a, netip.Addr{})
		if err != nil {
			t.Fatalf("egress(%v): %v", a, err)
		}
		lo, err := net.InterfaceByName(name)
		if err != nil || lo.Flags&net.FlagLoopback == 0 {
			t.Errorf("egress(%v) = %s, want the loopback interface", a, name)
		}
	}
	if len(addrs) == 1 {
		t.Log("no non-loopback IPv4 address here: only 127.0.0.1 checked")
	}
}

func TestRouteRequest(t *testing.T) {
	dst, src := netip.MustParseAddr("10.77.5.2"), netip.MustParseAddr("10.77.1.1")
	b := routeRequest(dst, src)
	h := (*syscall.NlMsghdr)(unsafe.Pointer(&b[0]))
	if int(h.Len) != len(b) || h.Type != syscall.RTM_GETROUTE || h.Flags != syscall.NLM_F_REQUEST {
		t.Fatalf("header %+v for %d bytes", *h, len(b))
	}
	rt := (*syscall.RtMsg)(unsafe.Pointer(&b[syscall.SizeofNlMsghdr]))
	if rt.Family != syscall.AF_INET || rt.Dst_len != 32 || rt.Src_len != 32 {
		t.Errorf("rtmsg %+v", *rt)
	}
	m := syscall.NetlinkMessage{Header: *h, Data: b[syscall.SizeofNlMsghdr:]}
	m.Header.Type = syscall.RTM_NEWROUTE // ParseNetlinkRouteAttr reads route messages
	attrs, err := syscall.ParseNetlinkRouteAttr(&m)
	if err != nil {
		t.Fatal(err)
	}
	got := map[uint16]netip.Addr{}
	for _, a := range attrs {
		got[a.Attr.Type], _ = netip.AddrFromSlice(a.Value)
	}
	if got[syscall.RTA_DST] != dst || got[syscall.RTA_SRC] != src || len(got) != 2 {
		t.Errorf("attributes %v, want RTA_DST %v and RTA_SRC %v", got, dst, src)
	}
}

func TestParseRoute(t *testing.T) {
	msg := func(typ uint16, data []byte) []byte {
		b := make([]byte, syscall.SizeofNlMsghdr, 64)
		b = append(b, data...)
		*(*syscall.NlMsghdr)(unsafe.Pointer(&b[0])) = syscall.NlMsghdr{Len: uint32(len(b)), Type: typ}
		return b
	}
	rt := syscall.RtMsg{Family: syscall.AF_INET, Dst_len: 32}
	body := append([]byte(nil), unsafe.Slice((*byte)(unsafe.Pointer(&rt)), syscall.SizeofRtMsg)...)
	body = binary.NativeEndian.AppendUint16(body, 8)
	body = binary.NativeEndian.AppendUint16(body, syscall.RTA_OIF)
	body = binary.NativeEndian.AppendUint32(body, 7)
	if oif, typ, err := parseRoute(msg(syscall.RTM_NEWROUTE, body)); err != nil || oif != 7 || typ != 0 {
		t.Errorf("parseRoute(route via 7) = %d, %d, %v", oif, typ, err)
	}
	bcast := append([]byte(nil), body...)
	bcast[7] = syscall.RTN_BROADCAST // rtm_type
	if _, typ, err := parseRoute(msg(syscall.RTM_NEWROUTE, bcast)); err != nil || typ != syscall.RTN_BROADCAST {
		t.Errorf("parseRoute(broadcast route) type %d, %v", typ, err)
	}
	errno := -int32(syscall.ENETUNREACH)
	errMsg := binary.NativeEndian.AppendUint32(nil, uint32(errno))
	if _, _, err := parseRoute(msg(syscall.NLMSG_ERROR, append(errMsg, make([]byte, 16)...))); !errors.Is(err, syscall.ENETUNREACH) {
		t.Errorf("parseRoute(error ENETUNREACH) = %v", err)
	}
	if _, _, err := parseRoute(msg(syscall.RTM_NEWROUTE, body[:syscall.SizeofRtMsg])); err == nil {
		t.Error("parseRoute(route without RTA_OIF) = nil error")
	}
}

// TestRouteToNotOneHost checks that broadcast, multicast and unspecified
// destinations are refused with a sentence, before anything is sent.
func TestRouteToNotOneHost(t *testing.T) {
	for dst, want := range map[string]string{
		"255.255.255.255": "255.255.255.255 is a broadcast address: give one host",
		"224.0.0.1":       "224.0.0.1 is a multicast address: give one host",
		"0.0.0.0":         "0.0.0.0 is no host address: give one host",
	} {
		_, err := RouteTo(netip.MustParseAddr(dst), "", netip.Addr{})
		if err == nil || err.Error() != want {
			t.Errorf("RouteTo(%s) = %v, want %q", dst, err, want)
		}
	}
}
