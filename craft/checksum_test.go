package craft_test

import (
	"encoding/binary"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/craft"
)

// capturedIPv4Header is the IPv4 header of a UDP packet from 192.168.0.1 to
// 192.168.0.199 as captured on the wire, checksum field (0xb861) filled in.
var capturedIPv4Header = []byte{
	0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
	0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
}

func TestChecksum(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want uint16
	}{
		{name: "empty", in: nil, want: 0xffff},
		{name: "zero word", in: []byte{0x00, 0x00}, want: 0xffff},
		{name: "single byte padded", in: []byte{0x01}, want: 0xfeff},
		{name: "all ones", in: []byte{0xff, 0xff}, want: 0x0000},
		{name: "end-around carry", in: []byte{0xff, 0xff, 0x00, 0x01}, want: 0xfffe},
		// RFC 1071 style: an ICMP echo header with a zero checksum field.
		{name: "rfc1071 even", in: []byte{0x08, 0x00, 0x00, 0x00, 0x12, 0x34, 0x00, 0x01}, want: 0xe5ca},
		{name: "rfc1071 odd", in: []byte{0x08, 0x00, 0x00, 0x00, 0x12, 0x34, 0x00, 0x01, 0x23}, want: 0xc2ca},
		// The RFC 1071 section 3 example words 0001 f203 f4f5 f6f7:
		// sum 0xddf2, checksum 0x220d.
		{name: "rfc1071 section 3", in: []byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}, want: 0x220d},
		{name: "captured ipv4 header", in: capturedIPv4Header, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := craft.Checksum(tt.in); got != tt.want {
				t.Errorf("Checksum(% x) = %#04x, want %#04x", tt.in, got, tt.want)
			}
		})
	}
}

func TestChecksumFillsField(t *testing.T) {
	hdr := append([]byte(nil), capturedIPv4Header...)
	hdr[10], hdr[11] = 0, 0
	if got, want := craft.Checksum(hdr), uint16(0xb861); got != want {
		t.Fatalf("Checksum(header with zero field) = %#04x, want %#04x", got, want)
	}
}

func TestChecksumDoesNotAllocate(t *testing.T) {
	b := make([]byte, 1501)
	allocs := testing.AllocsPerRun(100, func() { _ = craft.Checksum(b) })
	if allocs != 0 {
		t.Errorf("Checksum allocs = %v, want 0", allocs)
	}
}

// FuzzChecksum checks Checksum against gopacket's checksums: an ICMPv4
// message over a payload of any length, odd included, and an IPv4 header
// with random fields and options.
func FuzzChecksum(f *testing.F) {
	f.Add(uint8(8), uint8(0), uint16(0x1234), uint16(0x0001), uint8(64), uint16(0), []byte{}, []byte{})
	f.Add(uint8(8), uint8(0), uint16(0x1234), uint16(0x0301), uint8(3), uint16(0x1234), []byte{0x23}, []byte{0x01})
	f.Add(uint8(0), uint8(0), uint16(0xffff), uint16(0xffff), uint8(255), uint16(0xffff), []byte{0xff, 0xff, 0xff}, []byte{0x01, 0x01, 0x01, 0x00})
	f.Add(uint8(11), uint8(0), uint16(0), uint16(0), uint8(1), uint16(0), []byte("@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz"), []byte{0x07, 0x07, 0x04, 0x00, 0x00, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, typ, code uint8, id, seq uint16, ttl uint8, ipid uint16, payload, opts []byte) {
		if len(payload) > 65535-60-8 {
			payload = payload[:65535-60-8]
		}
		ip := &layers.IPv4{
			Version:  4,
			TOS:      ttl ^ typ,
			TTL:      ttl,
			Id:       ipid,
			Flags:    layers.IPv4Flag(code & 0x7),
			Protocol: layers.IPProtocolICMPv4,
			SrcIP:    []byte{10, byte(id), byte(seq), ttl},
			DstIP:    []byte{192, byte(ipid), byte(ipid >> 8), code},
			Options:  ipv4Options(opts),
		}
		icmp := &layers.ICMPv4{
			TypeCode: layers.CreateICMPv4TypeCode(typ, code),
			Id:       id,
			Seq:      seq,
		}
		buf := gopacket.NewSerializeBuffer()
		so := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
		if err := gopacket.SerializeLayers(buf, so, ip, icmp, gopacket.Payload(payload)); err != nil {
			t.Skipf("gopacket refuses: %v", err)
		}
		pkt := buf.Bytes()
		ihl := int(pkt[0]&0x0f) * 4
		hdr, msg := pkt[:ihl], pkt[ihl:]

		if got := craft.Checksum(hdr); got != 0 {
			t.Errorf("Checksum(ipv4 header % x) = %#04x, want 0", hdr, got)
		}
		if got := craft.Checksum(msg); got != 0 {
			t.Errorf("Checksum(icmp, %d bytes) = %#04x, want 0", len(msg), got)
		}
		if err := craft.Verify(pkt); err != nil {
			t.Errorf("Verify(gopacket packet) = %v, want nil", err)
		}

		// With its field zeroed, Checksum yields the field gopacket wrote.
		// In one's complement 0x0000 and 0xffff are both zero; gopacket
		// never writes 0xffff for a nonzero sum, and neither do we.
		msg = append([]byte(nil), msg...)
		want := binary.BigEndian.Uint16(msg[2:])
		msg[2], msg[3] = 0, 0
		if got := craft.Checksum(msg); got != want {
			t.Errorf("Checksum(icmp, field zeroed, %d bytes) = %#04x, gopacket wrote %#04x", len(msg), got, want)
		}
		hdr = append([]byte(nil), hdr...)
		want = binary.BigEndian.Uint16(hdr[10:])
		hdr[10], hdr[11] = 0, 0
		if got := craft.Checksum(hdr); got != want {
			t.Errorf("Checksum(ipv4 header, field zeroed) = %#04x, gopacket wrote %#04x", got, want)
		}
	})
}

// ipv4Options turns fuzz bytes into up to 40 bytes of IPv4 options, each
// one byte of No Operation (type 1) or a 3-byte option carrying one data
// byte, padded to a 4-byte boundary as gopacket expects.
func ipv4Options(b []byte) []layers.IPv4Option {
	var opts []layers.IPv4Option
	n := 0
	for _, c := range b {
		if c&1 == 1 {
			if n+1 > 36 {
				break
			}
			opts = append(opts, layers.IPv4Option{OptionType: 1, OptionLength: 1})
			n++
			continue
		}
		if n+3 > 36 {
			break
		}
		opts = append(opts, layers.IPv4Option{OptionType: 0x44 | c&0x80, OptionLength: 3, OptionData: []byte{c}})
		n += 3
	}
	for n%4 != 0 {
		opts = append(opts, layers.IPv4Option{OptionType: 1, OptionLength: 1})
		n++
	}
	return opts
}
