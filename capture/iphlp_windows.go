package capture

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"unsafe"

	"github.com/gopacket/gopacket/pcap"
	"golang.org/x/sys/windows"
)

// Windows' IP Helper (iphlpapi.dll) for what Npcap injection needs: the
// routing table, an interface's GUID and MAC address, the next hop's MAC
// address.

// routeTable reads Windows' routing table of family 4 or 6
// (GetIpForwardTable2).
func routeTable(family int) ([]routeRow, error) {
	af := uint16(windows.AF_INET)
	if family == 6 {
		af = windows.AF_INET6
	}
	var t *windows.MibIpForwardTable2
	if err := windows.GetIpForwardTable2(af, &t); err != nil {
		return nil, fmt.Errorf("GetIpForwardTable2: %w", err)
	}
	defer windows.FreeMibTable(unsafe.Pointer(t))
	var rows []routeRow
	for _, r := range t.Rows() {
		a := sockaddrAddr(&r.DestinationPrefix.Prefix)
		p, err := a.Prefix(int(r.DestinationPrefix.PrefixLength))
		if err != nil {
			continue
		}
		rows = append(rows, routeRow{Prefix: p, NextHop: sockaddrAddr(&r.NextHop), IfIndex: r.InterfaceIndex, Metric: r.Metric})
	}
	return rows, nil
}

// sockaddrAddr is the address of a SOCKADDR_INET (invalid when of neither
// family).
func sockaddrAddr(sa *windows.RawSockaddrInet) netip.Addr {
	switch sa.Family {
	case windows.AF_INET:
		return netip.AddrFrom4((*windows.RawSockaddrInet4)(unsafe.Pointer(sa)).Addr)
	case windows.AF_INET6:
		return netip.AddrFrom16((*windows.RawSockaddrInet6)(unsafe.Pointer(sa)).Addr)
	}
	return netip.Addr{}
}

// setSockaddr writes a into the SOCKADDR_INET sa.
func setSockaddr(sa *windows.RawSockaddrInet, a netip.Addr) {
	*sa = windows.RawSockaddrInet{}
	if a.Is4() {
		s4 := (*windows.RawSockaddrInet4)(unsafe.Pointer(sa))
		s4.Family, s4.Addr = windows.AF_INET, a.As4()
		return
	}
	s6 := (*windows.RawSockaddrInet6)(unsafe.Pointer(sa))
	s6.Family, s6.Addr = windows.AF_INET6, a.As16()
}

// ifEntry is Windows' row of the interface of index ifIndex
// (GetIfEntry2Ex): its LUID, GUID, type and MAC address.
func ifEntry(ifIndex uint32) (*windows.MibIfRow2, error) {
	row := &windows.MibIfRow2{InterfaceIndex: ifIndex}
	if err := windows.GetIfEntry2Ex(windows.MibIfEntryNormalWithoutStatistics, row); err != nil {
		return nil, fmt.Errorf("interface %d: GetIfEntry2Ex: %w", ifIndex, err)
	}
	return row, nil
}

// ifMAC is the MAC address of an interface row.
func ifMAC(row *windows.MibIfRow2) net.HardwareAddr {
	n := min(int(row.PhysicalAddressLength), len(row.PhysicalAddress))
	return append(net.HardwareAddr(nil), row.PhysicalAddress[:n]...)
}

// mibIpNetRow2 is netioapi.h's MIB_IPNET_ROW2 (x/sys/windows lacks it).
type mibIpNetRow2 struct {
	Address               windows.RawSockaddrInet
	InterfaceIndex        uint32
	InterfaceLuid         uint64
	PhysicalAddress       [32]byte
	PhysicalAddressLength uint32
	State                 uint32
	Flags                 uint8
	_                     [3]byte
	ReachabilityTime      uint32
}

// resolveNeighbor is the MAC address of ip, a neighbour on the interface
// of row: from the neighbour cache, or asked (ARP, Neighbor Discovery) by
// ResolveIpNetEntry2, which x/sys/windows lacks.
func resolveNeighbor(row *windows.MibIfRow2, ip netip.Addr) (net.HardwareAddr, error) {
	proc := windows.NewLazySystemDLL("iphlpapi.dll").NewProc("ResolveIpNetEntry2")
	if err := proc.Find(); err != nil {
		return nil, fmt.Errorf("resolve %s: %w", ip, err)
	}
	n := mibIpNetRow2{InterfaceIndex: row.InterfaceIndex, InterfaceLuid: row.InterfaceLuid}
	setSockaddr(&n.Address, ip)
	if rc, _, _ := proc.Call(uintptr(unsafe.Pointer(&n)), 0); rc != 0 {
		return nil, fmt.Errorf("resolve %s: ResolveIpNetEntry2: %w", ip, windows.Errno(rc))
	}
	if n.PhysicalAddressLength != 6 {
		return nil, fmt.Errorf("resolve %s: a %d-byte link address, not an Ethernet one", ip, n.PhysicalAddressLength)
	}
	return net.HardwareAddr(append([]byte(nil), n.PhysicalAddress[:6]...)), nil
}

var errLoopback = errors.New("tracing over the loopback interface is not supported on Windows (Npcap's loopback device carries no Ethernet frames)")

// npcapName is the Npcap device of the interface of row.
func npcapName(row *windows.MibIfRow2, src netip.Addr) (string, error) {
	if row.Type == windows.IF_TYPE_SOFTWARE_LOOPBACK {
		return "", errLoopback
	}
	devs, err := pcap.FindAllDevs()
	if err != nil {
		return "", fmt.Errorf("list Npcap devices: %w", err)
	}
	return npcapDevice(devs, row.InterfaceGuid.String(), src)
}

// deviceName is the Npcap device that captures on iface, an interface
// name as Go's net package gives it ("Ethernet"), or already a device
// name (\Device\NPF_...).
func deviceName(iface string) (string, error) {
	if strings.HasPrefix(iface, `\Device\`) {
		return iface, nil
	}
	ifi, err := net.InterfaceByName(iface)
	if err != nil {
		return "", fmt.Errorf("interface %s: %w", iface, err)
	}
	row, err := ifEntry(uint32(ifi.Index))
	if err != nil {
		return "", err
	}
	return npcapName(row, netip.Addr{})
}
