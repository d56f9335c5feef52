package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// kernelRoute asks the kernel for its route to dst from src (ip route get
// DST from SRC): RTM_GETROUTE over netlink, for either family. It gives
// the output interface and the route's preferred source (RTA_PREFSRC),
// invalid when the kernel names none. A destination that is one of the
// host's own addresses goes through lo, whichever interface holds it. A
// route to a broadcast or multicast address is an error: a trace follows
// the path to one host.
func kernelRoute(dst, src netip.Addr) (Route, error) {
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, syscall.NETLINK_ROUTE)
	if err != nil {
		return Route{}, os.NewSyscallError("socket", err)
	}
	defer syscall.Close(fd)
	if err := syscall.Bind(fd, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		return Route{}, os.NewSyscallError("bind", err)
	}
	oif := 0
	if z := dst.Zone(); z != "" {
		ifc, err := net.InterfaceByName(z)
		if err != nil {
			return Route{}, fmt.Errorf("interface %s: %w", z, err)
		}
		oif = ifc.Index
	}
	req := routeRequest(dst, src, oif)
	if err := syscall.Sendto(fd, req, 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		return Route{}, os.NewSyscallError("sendto", err)
	}
	buf := make([]byte, 4096)
	n, _, err := syscall.Recvfrom(fd, buf, 0)
	if err != nil {
		return Route{}, os.NewSyscallError("recvfrom", err)
	}
	r, err := parseRoute(buf[:n])
	if err != nil {
		return Route{}, err
	}
	switch r.typ {
	case syscall.RTN_BROADCAST:
		return Route{}, errBroadcast
	case syscall.RTN_MULTICAST:
		return Route{}, errMulticast
	}
	name, err := ifName(fd, r.oif)
	if err != nil {
		return Route{}, fmt.Errorf("interface %d: %w", r.oif, err)
	}
	onLink := r.typ == syscall.RTN_LOCAL || (!r.gateway && r.typ == syscall.RTN_UNICAST && ethernetLike(fd, name))
	return Route{Src: r.prefsrc, Iface: name, OnLink: onLink}, nil
}

// ethernetLike reports whether interface name has an Ethernet-type link
// (ARPHRD_ETHER: Ethernet, veth, bridges, Wi-Fi) by SIOCGIFHWADDR on the
// socket fd: a host on such a link without a gateway is the next hop
// itself. A tunnel's link (ARPHRD_NONE, a VPN's tun, or IP-in-IP) is not:
// hosts routed "dev tun0" without a gateway may lie many hops beyond it.
func ethernetLike(fd int, name string) bool {
	ifr, err := unix.NewIfreq(name)
	if err != nil || unix.IoctlIfreq(fd, unix.SIOCGIFHWADDR, ifr) != nil {
		return false
	}
	return ifr.Uint16() == unix.ARPHRD_ETHER // sa_family of ifr_hwaddr
}

// ifName names the interface of index i: SIOCGIFNAME on the socket fd, one
// system call where net.InterfaceByIndex reads every interface (a netlink
// dump: 0.3 ms and a dozen page faults at each start here).
func ifName(fd, i int) (string, error) {
	ifr, err := unix.NewIfreq("")
	if err != nil {
		return "", err
	}
	ifr.SetUint32(uint32(i))
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFNAME, ifr); err != nil {
		ifc, err := net.InterfaceByIndex(i)
		if err != nil {
			return "", err
		}
		return ifc.Name, nil
	}
	return ifr.Name(), nil
}

// routeRequest is an RTM_GETROUTE message asking for the route to dst from
// src (src omitted when invalid) through interface index oif (omitted when
// 0), for dst's family:
//
//	struct nlmsghdr  (16 bytes)  len, RTM_GETROUTE, NLM_F_REQUEST, seq 1
//	struct rtmsg     (12 bytes)  family, dst_len 32|128, src_len 0|32|128
//	RTA_DST          (4+4|16)    dst
//	RTA_SRC          (4+4|16)    src, when valid
//	RTA_OIF          (4+4)       oif, when not 0
func routeRequest(dst, src netip.Addr, oif int) []byte {
	attr := func(b []byte, typ uint16, v []byte) []byte {
		b = binary.NativeEndian.AppendUint16(b, uint16(syscall.SizeofRtAttr+len(v)))
		b = binary.NativeEndian.AppendUint16(b, typ)
		return append(b, v...) // 4 or 16 bytes: aligned already
	}
	rt := syscall.RtMsg{Family: syscall.AF_INET, Dst_len: 32}
	if dst.Is6() {
		rt.Family, rt.Dst_len = syscall.AF_INET6, 128
	}
	if src.IsValid() {
		rt.Src_len = rt.Dst_len
	}
	b := make([]byte, syscall.SizeofNlMsghdr, 96)
	b = append(b, unsafe.Slice((*byte)(unsafe.Pointer(&rt)), syscall.SizeofRtMsg)...)
	b = attr(b, syscall.RTA_DST, dst.AsSlice())
	if src.IsValid() {
		b = attr(b, syscall.RTA_SRC, src.AsSlice())
	}
	if oif != 0 {
		b = attr(b, syscall.RTA_OIF, binary.NativeEndian.AppendUint32(nil, uint32(oif)))
	}
	h := (*syscall.NlMsghdr)(unsafe.Pointer(&b[0]))
	*h = syscall.NlMsghdr{Len: uint32(len(b)), Type: syscall.RTM_GETROUTE, Flags: syscall.NLM_F_REQUEST, Seq: 1}
	return b
}

// routeReply is what tracers reads of the kernel's answer to RTM_GETROUTE.
type routeReply struct {
	oif     int        // RTA_OIF: output interface index
	typ     uint8      // rtm_type: RTN_UNICAST, RTN_LOCAL, RTN_BROADCAST...
	prefsrc netip.Addr // RTA_PREFSRC, invalid when absent
	gateway bool       // RTA_GATEWAY, RTA_VIA or RTA_MULTIPATH: reached through a router
}

// errNoOif is a route answer that names no output interface.
var errNoOif = errors.New("netlink: the kernel's answer names no interface")

// parseRoute reads the route in an RTM_NEWROUTE answer, of either family,
// or returns the error an NLMSG_ERROR answer carries.
func parseRoute(b []byte) (routeReply, error) {
	msgs, err := syscall.ParseNetlinkMessage(b)
	if err != nil {
		return routeReply{}, fmt.Errorf("netlink: %w", err)
	}
	for _, m := range msgs {
		switch m.Header.Type {
		case syscall.NLMSG_ERROR:
			if len(m.Data) >= 4 {
				if errno := int32(binary.NativeEndian.Uint32(m.Data)); errno != 0 {
					return routeReply{}, syscall.Errno(-errno)
				}
			}
		case syscall.RTM_NEWROUTE:
			if len(m.Data) < syscall.SizeofRtMsg {
				return routeReply{}, errors.New("netlink: short route message")
			}
			rt := (*syscall.RtMsg)(unsafe.Pointer(&m.Data[0]))
			attrs, err := syscall.ParseNetlinkRouteAttr(&m)
			if err != nil {
				return routeReply{}, fmt.Errorf("netlink: %w", err)
			}
			r := routeReply{typ: rt.Type}
			for _, a := range attrs {
				switch a.Attr.Type {
				case syscall.RTA_OIF:
					if len(a.Value) >= 4 {
						r.oif = int(binary.NativeEndian.Uint32(a.Value))
					}
				case syscall.RTA_PREFSRC:
					if ip, ok := netip.AddrFromSlice(a.Value); ok {
						r.prefsrc = ip
					}
				case syscall.RTA_GATEWAY, unix.RTA_VIA, syscall.RTA_MULTIPATH:
					r.gateway = true
				}
			}
			if r.oif == 0 {
				return routeReply{}, errNoOif
			}
			return r, nil
		}
	}
	return routeReply{}, errNoOif
}
