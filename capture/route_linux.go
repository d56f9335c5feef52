package capture

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"os"
	"syscall"
	"unsafe"
)

// egress names the interface the kernel sends packets for dst from src
// through (ip route get DST from SRC): RTM_GETROUTE over netlink. A
// destination that is one of the host's own addresses goes through lo,
// whichever interface holds it. A route to a broadcast or multicast
// address is an error: a trace follows the path to one host.
func egress(dst, src netip.Addr) (string, error) {
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, syscall.NETLINK_ROUTE)
	if err != nil {
		return "", os.NewSyscallError("socket", err)
	}
	defer syscall.Close(fd)
	if err := syscall.Bind(fd, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		return "", os.NewSyscallError("bind", err)
	}
	req := routeRequest(dst, src)
	if err := syscall.Sendto(fd, req, 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		return "", os.NewSyscallError("sendto", err)
	}
	buf := make([]byte, 4096)
	n, _, err := syscall.Recvfrom(fd, buf, 0)
	if err != nil {
		return "", os.NewSyscallError("recvfrom", err)
	}
	oif, typ, err := parseRoute(buf[:n])
	if err != nil {
		return "", err
	}
	switch typ {
	case syscall.RTN_BROADCAST:
		return "", errBroadcast
	case syscall.RTN_MULTICAST:
		return "", errMulticast
	}
	ifc, err := net.InterfaceByIndex(oif)
	if err != nil {
		return "", fmt.Errorf("interface %d: %w", oif, err)
	}
	return ifc.Name, nil
}

// routeRequest is an RTM_GETROUTE message asking for the IPv4 route to
// dst from src (src omitted when invalid).
func routeRequest(dst, src netip.Addr) []byte {
	attr := func(b []byte, typ uint16, a netip.Addr) []byte {
		v := a.As4()
		b = binary.NativeEndian.AppendUint16(b, syscall.SizeofRtAttr+4)
		b = binary.NativeEndian.AppendUint16(b, typ)
		return append(b, v[:]...)
	}
	b := make([]byte, syscall.SizeofNlMsghdr, 64)
	rt := syscall.RtMsg{Family: syscall.AF_INET, Dst_len: 32}
	if src.IsValid() {
		rt.Src_len = 32
	}
	b = append(b, unsafe.Slice((*byte)(unsafe.Pointer(&rt)), syscall.SizeofRtMsg)...)
	b = attr(b, syscall.RTA_DST, dst)
	if src.IsValid() {
		b = attr(b, syscall.RTA_SRC, src)
	}
	h := (*syscall.NlMsghdr)(unsafe.Pointer(&b[0]))
	*h = syscall.NlMsghdr{Len: uint32(len(b)), Type: syscall.RTM_GETROUTE, Flags: syscall.NLM_F_REQUEST, Seq: 1}
	return b
}

// parseRoute returns the output interface index and the type (unicast,
// local, broadcast...) of the route in an RTM_NEWROUTE answer, or the
// error an NLMSG_ERROR answer carries.
func parseRoute(b []byte) (oif int, typ uint8, err error) {
	msgs, err := syscall.ParseNetlinkMessage(b)
	if err != nil {
		return 0, 0, fmt.Errorf("netlink: %w", err)
	}
	for _, m := range msgs {
		switch m.Header.Type {
		case syscall.NLMSG_ERROR:
			if len(m.Data) >= 4 {
				if errno := int32(binary.NativeEndian.Uint32(m.Data)); errno != 0 {
					return 0, 0, syscall.Errno(-errno)
				}
			}
		case syscall.RTM_NEWROUTE:
			if len(m.Data) < syscall.SizeofRtMsg {
				return 0, 0, fmt.Errorf("netlink: short route message")
			}
			typ := (*syscall.RtMsg)(unsafe.Pointer(&m.Data[0])).Type
			attrs, err := syscall.ParseNetlinkRouteAttr(&m)
			if err != nil {
				return 0, 0, fmt.Errorf("netlink: %w", err)
			}
			for _, a := range attrs {
				if a.Attr.Type == syscall.RTA_OIF && len(a.Value) >= 4 {
					return int(binary.NativeEndian.Uint32(a.Value)), typ, nil
				}
			}
		}
	}
	return 0, 0, fmt.Errorf("netlink: the kernel's answer names no interface")
}
