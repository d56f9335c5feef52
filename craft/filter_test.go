package craft_test

import (
	"net/netip"
	"testing"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/craft"
)

func TestFilterText(t *testing.T) {
	tests := []struct {
		name     string
		src, dst string
		id       uint16
		want     string
	}{
		{name: "ipv4, as trace.Filter", src: "10.77.1.1", dst: "10.77.5.2", id: 0x1234,
			want: "icmp and (" +
				"(src host 10.77.1.1 and dst host 10.77.5.2 and icmp[0] = 8 and icmp[4:2] = 4660) or " +
				"(src host 10.77.5.2 and dst host 10.77.1.1 and icmp[0] = 0 and icmp[4:2] = 4660) or " +
				"(dst host 10.77.1.1 and (icmp[0] = 3 or icmp[0] = 11 or icmp[0] = 12) and " +
				"icmp[17] = 1 and icmp[20:4] = 172818689 and icmp[24:4] = 172819714 and " +
				"icmp[8 + ((icmp[8] & 15) << 2)] = 8 and icmp[8 + ((icmp[8] & 15) << 2) + 4:2] = 4660))"},
		{name: "ipv6", src: "fd77:1::1", dst: "fd77:5::2", id: 0x1234,
			want: "icmp6 and (" +
				"(src host fd77:1::1 and dst host fd77:5::2 and icmp6[0] = 128 and icmp6[4:2] = 4660) or " +
				"(src host fd77:5::2 and dst host fd77:1::1 and icmp6[0] = 129 and icmp6[4:2] = 4660) or " +
				"(dst host fd77:1::1 and (icmp6[0] = 1 or icmp6[0] = 2 or icmp6[0] = 3 or icmp6[0] = 4) and icmp6[14] = 58 and " +
				"icmp6[16:4] = 0xfd770001 and icmp6[20:4] = 0x00000000 and icmp6[24:4] = 0x00000000 and icmp6[28:4] = 0x00000001 and " +
				"icmp6[32:4] = 0xfd770005 and icmp6[36:4] = 0x00000000 and icmp6[40:4] = 0x00000000 and icmp6[44:4] = 0x00000002 and " +
				"icmp6[48] = 128 and icmp6[52:2] = 4660))"},
		{name: "ipv6 zone dropped", src: "fe80::1%eth0", dst: "fe80::2%eth0", id: 1,
			want: "icmp6 and (" +
				"(src host fe80::1 and dst host fe80::2 and icmp6[0] = 128 and icmp6[4:2] = 1) or " +
				"(src host fe80::2 and dst host fe80::1 and icmp6[0] = 129 and icmp6[4:2] = 1) or " +
				"(dst host fe80::1 and (icmp6[0] = 1 or icmp6[0] = 2 or icmp6[0] = 3 or icmp6[0] = 4) and icmp6[14] = 58 and " +
				"icmp6[16:4] = 0xfe800000 and icmp6[20:4] = 0x00000000 and icmp6[24:4] = 0x00000000 and icmp6[28:4] = 0x00000001 and " +
				"icmp6[32:4] = 0xfe800000 and icmp6[36:4] = 0x00000000 and icmp6[40:4] = 0x00000000 and icmp6[44:4] = 0x00000002 and " +
				"icmp6[48] = 128 and icmp6[52:2] = 1))"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := craft.Filter(netip.MustParseAddr(tt.src), netip.MustParseAddr(tt.dst), tt.id); got != tt.want {
				t.Errorf("Filter(%s, %s, %d) =\n%s\nwant\n%s", tt.src, tt.dst, tt.id, got, tt.want)
			}
		})
	}
}

func TestProberFilterText(t *testing.T) {
	v4src, v4dst := netip.MustParseAddr("10.77.1.1"), netip.MustParseAddr("10.77.5.2")
	v6src, v6dst := netip.MustParseAddr("fd77:1::1"), netip.MustParseAddr("fd77:5::2")
	quoted6 := "icmp6[16:4] = 0xfd770001 and icmp6[20:4] = 0x00000000 and icmp6[24:4] = 0x00000000 and icmp6[28:4] = 0x00000001 and " +
		"icmp6[32:4] = 0xfd770005 and icmp6[36:4] = 0x00000000 and icmp6[40:4] = 0x00000000 and icmp6[44:4] = 0x00000002"
	errors4 := "icmp and dst host 10.77.1.1 and (icmp[0] = 3 or icmp[0] = 11 or icmp[0] = 12) and "
	errors6 := "icmp6 and dst host fd77:1::1 and (icmp6[0] = 1 or icmp6[0] = 2 or icmp6[0] = 3 or icmp6[0] = 4) and "
	q4 := "icmp[8 + ((icmp[8] & 15) << 2)"
	tests := []struct {
		name     string
		m        craft.Method
		src, dst netip.Addr
		want     string
	}{
		{name: "icmp is Filter", m: craft.Method{ID: 0x1234, Payload: 32}, src: v4src, dst: v4dst, want: craft.Filter(v4src, v4dst, 0x1234)},
		{name: "icmp paris is Filter", m: craft.Method{Paris: true, ID: 0x1234, Payload: 32}, src: v6src, dst: v6dst, want: craft.Filter(v6src, v6dst, 0x1234)},
		{name: "udp classic ipv4", m: craft.Method{Proto: analyze.UDP, SrcPort: 40000, Payload: 32}, src: v4src, dst: v4dst,
			want: "(udp and src host 10.77.1.1 and dst host 10.77.5.2 and udp src port 40000) or " +
				"(udp and src host 10.77.5.2 and dst host 10.77.1.1 and udp dst port 40000) or (" + errors4 +
				"icmp[17] = 17 and icmp[20:4] = 172818689 and icmp[24:4] = 172819714 and " + q4 + ":2] = 40000)"},
		{name: "udp paris ipv4", m: craft.Method{Proto: analyze.UDP, Paris: true, SrcPort: 40000, Payload: 32}, src: v4src, dst: v4dst,
			want: "(udp and src host 10.77.1.1 and dst host 10.77.5.2 and udp src port 40000 and udp dst port 33434) or " +
				"(udp and src host 10.77.5.2 and dst host 10.77.1.1 and udp src port 33434 and udp dst port 40000) or (" + errors4 +
				"icmp[17] = 17 and icmp[20:4] = 172818689 and icmp[24:4] = 172819714 and " + q4 + ":2] = 40000 and " + q4 + " + 2:2] = 33434)"},
		{name: "udp fixed ipv6", m: craft.Method{Proto: analyze.UDP, Fixed: true, SrcPort: 40000, Payload: 32}, src: v6src, dst: v6dst,
			want: "(udp and src host fd77:1::1 and dst host fd77:5::2 and udp dst port 53 and ip6[46:2] = 40000) or " +
				"(udp and src host fd77:5::2 and dst host fd77:1::1 and udp src port 53 and udp dst portrange 40000-65535) or (" + errors6 +
				"icmp6[14] = 17 and " + quoted6 + " and icmp6[50:2] = 53 and icmp6[54:2] = 40000)"},
		{name: "tcp ipv6", m: craft.Method{Proto: analyze.TCP, SrcPort: 40000, Port: 443}, src: v6src, dst: v6dst,
			want: "(tcp and src host fd77:1::1 and dst host fd77:5::2 and tcp src port 40000 and tcp dst port 443) or " +
				"(tcp and src host fd77:5::2 and dst host fd77:1::1 and tcp src port 443 and tcp dst port 40000 and ip6[53] & 6 != 0) or (" + errors6 +
				"icmp6[14] = 6 and " + quoted6 + " and icmp6[48:2] = 40000 and icmp6[50:2] = 443)"},
		{name: "tcp ipv4", m: craft.Method{Proto: analyze.TCP, SrcPort: 40000}, src: v4src, dst: v4dst,
			want: "(tcp and src host 10.77.1.1 and dst host 10.77.5.2 and tcp src port 40000 and tcp dst port 80) or " +
				"(tcp and src host 10.77.5.2 and dst host 10.77.1.1 and tcp src port 80 and tcp dst port 40000 and tcp[13] & 6 != 0) or (" + errors4 +
				"icmp[17] = 6 and icmp[20:4] = 172818689 and icmp[24:4] = 172819714 and " + q4 + ":2] = 40000 and " + q4 + " + 2:2] = 80)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := craft.NewProber(tt.m, tt.src, tt.dst)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Filter(); got != tt.want {
				t.Errorf("NewProber(%+v).Filter() =\n%s\nwant\n%s", tt.m, got, tt.want)
			}
		})
	}
}
