package analyze

import (
	"bytes"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

func TestLinkPayloads(t *testing.T) {
	ip := []byte{0x45, 0, 0, 20}
	tests := []struct {
		name    string
		find    func([]byte) (layers.EthernetType, []byte, bool)
		b       []byte
		et      layers.EthernetType
		payload []byte
		ok      bool
	}{
		{"sll2 IPv6", sll2Payload, append([]byte{0x86, 0xdd, 18: 0, 19: 0}, ip...), layers.EthernetTypeIPv6, ip, true},
		{"sll2 short", sll2Payload, make([]byte, 19), 0, nil, false},
		{"cisco hdlc IPv4", chdlcPayload, append([]byte{0x0f, 0, 0x08, 0x00}, ip...), layers.EthernetTypeIPv4, ip, true},
		{"cisco hdlc short", chdlcPayload, []byte{0x0f, 0, 0x08}, 0, nil, false},
		{"ppp in hdlc framing, IPv4", pppPayload, append([]byte{0xff, 0x03, 0x00, 0x21}, ip...), layers.EthernetTypeIPv4, ip, true},
		{"ppp, IPv6", pppPayload, append([]byte{0x00, 0x57}, ip...), layers.EthernetTypeIPv6, ip, true},
		{"ppp, compressed protocol", pppPayload, append([]byte{0x21}, ip...), layers.EthernetTypeIPv4, ip, true},
		{"ppp, MPLS multicast", pppPayload, append([]byte{0x02, 0x83}, ip...), layers.EthernetTypeMPLSUnicast, ip, true},
		{"ppp, LCP", pppPayload, append([]byte{0xc0, 0x21}, ip...), 0, ip, true},
		{"ppp, cut in the protocol", pppPayload, []byte{0xff, 0x03, 0x00}, 0, nil, false},
		{"ppp, framing alone", pppPayload, []byte{0xff, 0x03}, 0, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			et, p, ok := tt.find(tt.b)
			if et != tt.et || !bytes.Equal(p, tt.payload) || ok != tt.ok {
				t.Errorf("= %v, %x, %v, want %v, %x, %v", et, p, ok, tt.et, tt.payload, tt.ok)
			}
		})
	}
}

func TestMPLSLen(t *testing.T) {
	label := func(bottom bool) []byte {
		if bottom {
			return []byte{0, 0x01, 0x01, 64}
		}
		return []byte{0, 0x01, 0x00, 64}
	}
	deep := bytes.Repeat(label(false), maxLabels)
	tests := []struct {
		name string
		b    []byte
		n    int
		ok   bool
	}{
		{"one label", append(label(true), 0x45), 4, true},
		{"two labels", append(append(label(false), label(true)...), 0x60), 8, true},
		{"no bottom of stack", append(label(false), 0, 1), 0, false},
		{"cut short", label(true)[:3], 0, false},
		{"deeper than the bound", append(deep, label(true)...), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n, ok := mplsLen(tt.b); n != tt.n || ok != tt.ok {
				t.Errorf("mplsLen = %d, %v, want %d, %v", n, ok, tt.n, tt.ok)
			}
		})
	}
}

func TestLinkPayload(t *testing.T) {
	ip := []byte{0x45, 0, 0, 20}
	eth := append([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x81, 0x00}, ip...)
	sll := append(make([]byte, 14), 0x86, 0xdd)
	tests := []struct {
		name    string
		lt      layers.LinkType
		b       []byte
		et      layers.EthernetType
		payload []byte
		ok      bool
	}{
		{"ethernet, VLAN tag left to walk", layers.LinkTypeEthernet, eth, layers.EthernetTypeDot1Q, ip, true},
		{"ethernet short", layers.LinkTypeEthernet, eth[:13], 0, nil, false},
		{"linux cooked", layers.LinkTypeLinuxSLL, append(sll, ip...), layers.EthernetTypeIPv6, ip, true},
		{"linux cooked short", layers.LinkTypeLinuxSLL, sll[:15], 0, nil, false},
		{"linux cooked v2", LinkTypeLinuxSLL2, append([]byte{0x08, 0x00, 19: 0}, ip...), layers.EthernetTypeIPv4, ip, true},
		{"null, little-endian AF_INET6 of macOS", layers.LinkTypeNull, append([]byte{30, 0, 0, 0}, ip...), layers.EthernetTypeIPv6, ip, true},
		{"loop, AF_INET in network order", layers.LinkTypeLoop, append([]byte{0, 0, 0, 2}, ip...), layers.EthernetTypeIPv4, ip, true},
		{"null, AF_UNIX", layers.LinkTypeNull, append([]byte{1, 0, 0, 0}, ip...), 0, ip, true},
		{"ppp", layers.LinkTypePPP, append([]byte{0x00, 0x21}, ip...), layers.EthernetTypeIPv4, ip, true},
		{"cisco hdlc on a PPP link", layers.LinkTypePPP, append([]byte{0x0f, 0x00, 0x86, 0xdd}, ip...), layers.EthernetTypeIPv6, ip, true},
		{"ppp in hdlc framing", layers.LinkTypePPP_HDLC, append([]byte{0xff, 0x03, 0x00, 0x57}, ip...), layers.EthernetTypeIPv6, ip, true},
		{"cisco hdlc", layers.LinkTypeC_HDLC, append([]byte{0x8f, 0x00, 0x08, 0x00}, ip...), layers.EthernetTypeIPv4, ip, true},
		{"cisco hdlc link, other address", layers.LinkTypeC_HDLC, append([]byte{0xff, 0x03, 0x00, 0x21}, ip...), 0, nil, false},
		{"raw IP: no link header", layers.LinkTypeRaw, ip, 0, nil, false},
		{"unknown link type", layers.LinkType(147), ip, 0, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			et, p, ok := linkPayload(tt.lt, tt.b)
			if et != tt.et || !bytes.Equal(p, tt.payload) || ok != tt.ok {
				t.Errorf("linkPayload = %v, %x, %v, want %v, %x, %v", et, p, ok, tt.et, tt.payload, tt.ok)
			}
		})
	}
}
