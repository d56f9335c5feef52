package capture

import (
	"bytes"
	"encoding/hex"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcap"
)

func TestBestRoute(t *testing.T) {
	a := netip.MustParseAddr
	p := netip.MustParsePrefix
	rows := []routeRow{
		{Prefix: p("0.0.0.0/0"), NextHop: a("192.168.1.1"), IfIndex: 7, Metric: 25},
		{Prefix: p("0.0.0.0/0"), NextHop: a("10.8.0.1"), IfIndex: 9, Metric: 5},
		{Prefix: p("192.168.1.0/24"), NextHop: a("0.0.0.0"), IfIndex: 7, Metric: 256},
		{Prefix: p("10.77.0.0/16"), NextHop: a("192.168.1.254"), IfIndex: 7, Metric: 10},
		{Prefix: p("10.77.5.0/24"), NextHop: a("192.168.1.253"), IfIndex: 7, Metric: 10},
		{Prefix: p("::/0"), NextHop: a("fe80::1"), IfIndex: 7, Metric: 1},
		{Prefix: p("fd77:5::/64"), NextHop: a("::"), IfIndex: 12, Metric: 1},
	}
	tests := []struct {
		name    string
		dst     string
		ifIndex uint32
		want    routeRow
		wantErr bool
	}{
		{name: "default, lowest metric", dst: "8.8.8.8", want: rows[1]},
		{name: "default on a given interface", dst: "8.8.8.8", ifIndex: 7, want: rows[0]},
		{name: "on link: next hop is the destination", dst: "192.168.1.20", want: routeRow{Prefix: p("192.168.1.0/24"), NextHop: a("192.168.1.20"), IfIndex: 7, Metric: 256}},
		{name: "longest prefix wins over metric", dst: "10.77.5.2", want: rows[4]},
		{name: "shorter prefix", dst: "10.77.3.2", want: rows[3]},
		{name: "IPv6 default", dst: "2001:db8::1", want: rows[5]},
		{name: "IPv6 on link, zone dropped", dst: "fd77:5::2%eth0", want: routeRow{Prefix: p("fd77:5::/64"), NextHop: a("fd77:5::2"), IfIndex: 12, Metric: 1}},
		{name: "no route on that interface", dst: "fd77:5::2", ifIndex: 3, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := bestRoute(rows, a(tt.dst), tt.ifIndex)
			if tt.wantErr {
				if !errors.Is(err, errNoRoute) {
					t.Fatalf("bestRoute = %+v, %v; want errNoRoute", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("bestRoute = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
	if _, err := bestRoute(nil, a("10.0.0.1"), 0); !errors.Is(err, errNoRoute) {
		t.Errorf("empty table: err = %v, want errNoRoute", err)
	}
}

func TestNpcapDevice(t *testing.T) {
	devs := []pcap.Interface{
		{Name: `\Device\NPF_Loopback`, Description: "Adapter for loopback traffic capture"},
		{Name: `\Device\NPF_{4F9C2D1E-1A2B-4C3D-8E9F-0123456789AB}`, Description: "Intel(R) Ethernet",
			Addresses: []pcap.InterfaceAddress{{IP: net.ParseIP("fe80::1c2d:3e4f")}, {IP: net.IPv4(192, 168, 1, 20).To4()}}},
		{Name: `\Device\NPF_{0D3E8B7A-5C6D-4E7F-9A0B-C1D2E3F4A5B6}`, Description: "Wi-Fi",
			Addresses: []pcap.InterfaceAddress{{IP: net.ParseIP("10.8.0.5")}}},
	}
	tests := []struct {
		name, guid string
		src        netip.Addr
		want       string
	}{
		{name: "by GUID", guid: "{0D3E8B7A-5C6D-4E7F-9A0B-C1D2E3F4A5B6}", want: devs[2].Name},
		{name: "GUID in lower case", guid: "{4f9c2d1e-1a2b-4c3d-8e9f-0123456789ab}", want: devs[1].Name},
		{name: "unknown GUID, by address", guid: "{00000000-0000-0000-0000-000000000000}", src: netip.MustParseAddr("192.168.1.20"), want: devs[1].Name},
		{name: "no GUID, by a mapped address", src: netip.MustParseAddr("::ffff:10.8.0.5"), want: devs[2].Name},
		{name: "unknown GUID and address", guid: "{00000000-0000-0000-0000-000000000000}", src: netip.MustParseAddr("10.9.9.9")},
		{name: "not a prefix match", guid: "{4F9C2D1E}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := npcapDevice(devs, tt.guid, tt.src)
			if tt.want == "" {
				if err == nil || !strings.Contains(err.Error(), `\Device\NPF_Loopback`) {
					t.Errorf("npcapDevice = %q, %v; want an error naming the devices", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("npcapDevice = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestEthernetFrame(t *testing.T) {
	unhex := func(s string) []byte {
		b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	src := net.HardwareAddr{0x02, 0, 0, 0, 0, 0x01}
	gw := net.HardwareAddr{0x02, 0, 0, 0, 0, 0xfe}
	// An ICMP Echo Request at TTL 3 (28 bytes) and an ICMPv6 one at hop
	// limit 3 (48 bytes).
	v4 := unhex("4500001c beef0000 0301 0000 0a4d0101 0a4d0502 0800f7ff 0001 0001")
	v6 := unhex("60000000 0008 3a 03 fd770001000000000000000000000001 fd770005000000000000000000000002 8000 0000 0001 0001")
	tests := []struct {
		name string
		pkt  []byte
		want []byte
	}{
		{name: "IPv4, padded to 60 bytes", pkt: v4,
			want: append(append(unhex("0200000000fe 020000000001 0800"), v4...), make([]byte, 60-14-len(v4))...)},
		{name: "IPv6", pkt: v6, want: append(unhex("0200000000fe 020000000001 86dd"), v6...)},
	}
	buf := gopacket.NewSerializeBuffer()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ethernetFrame(buf, src, gw, tt.pkt)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("frame\n% x\nwant\n% x", got, tt.want)
			}
		})
	}
	for _, bad := range []struct {
		name     string
		src, dst net.HardwareAddr
		pkt      []byte
	}{
		{name: "empty packet", src: src, dst: gw},
		{name: "IP version 5", src: src, dst: gw, pkt: []byte{0x50, 0}},
		{name: "no gateway MAC", src: src, pkt: v4},
	} {
		if got, err := ethernetFrame(buf, bad.src, bad.dst, bad.pkt); err == nil {
			t.Errorf("%s: frame % x, want an error", bad.name, got)
		}
	}
}
