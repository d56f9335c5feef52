package craft_test

import (
	"net/netip"
	"testing"

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
