package capture

import (
	"errors"
	"net/netip"
	"testing"
)

// TestSenderDst reads the destination of IPv4 and IPv6 headers, and
// refuses short packets and packets of the socket's other family, without
// a socket.
func TestSenderDst(t *testing.T) {
	v4 := []byte{
		0x45, 0x00, 0x00, 0x1c, // version 4, IHL 5, TOS, total length 28
		0xbe, 0xef, 0x00, 0x00, // ID, flags, fragment offset
		0x03, 0x01, 0x00, 0x00, // TTL 3, protocol ICMP, checksum
		10, 77, 1, 1, // source
		10, 77, 5, 2, // destination
	}
	v6 := []byte{
		0x60, 0x01, 0x23, 0x45, // version 6, traffic class 0, flow label 0x12345
		0x00, 0x08, 0x3a, 0x03, // payload length 8, next header ICMPv6, hop limit 3
		0xfd, 0x77, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, // source fd77:1::1
		0xfd, 0x77, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, // destination fd77:5::2
	}
	tests := []struct {
		name   string
		family int
		pkt    []byte
		want   string
		err    error
	}{
		{name: "ipv4", family: 4, pkt: v4, want: "10.77.5.2"},
		{name: "ipv6", family: 6, pkt: v6, want: "fd77:5::2"},
		{name: "ipv6 on ipv4", family: 4, pkt: v6, err: errFamily},
		{name: "ipv4 on ipv6", family: 6, pkt: v4, err: errFamily},
		{name: "short ipv4", family: 4, pkt: v4[:19], err: errShortPacket},
		{name: "short ipv6", family: 6, pkt: v6[:39], err: errShortPacket},
		{name: "empty", family: 6, err: errShortPacket},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := (&Sender{family: tt.family}).dst(tt.pkt)
			switch {
			case tt.err != nil && !errors.Is(err, tt.err):
				t.Errorf("dst = %v, %v; want error %v", got, err, tt.err)
			case tt.err == nil && (err != nil || got != netip.MustParseAddr(tt.want)):
				t.Errorf("dst = %v, %v; want %s", got, err, tt.want)
			}
		})
	}
}
