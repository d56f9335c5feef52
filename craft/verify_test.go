package craft_test

import (
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/craft"
)

// FuzzVerify feeds Verify arbitrary bytes: it must not panic, and whatever
// it accepts must have both checksums sum to zero.
func FuzzVerify(f *testing.F) {
	f.Add(goldenProbe)
	f.Add(capturedIPv4Header)
	f.Add(shortICMP())
	f.Add([]byte{0x4f})
	f.Add(goldenProbe6)
	f.Fuzz(func(t *testing.T, pkt []byte) {
		if err := craft.Verify(pkt); err != nil {
			return
		}
		if pkt[0]>>4 == 6 {
			n := int(pkt[4])<<8 | int(pkt[5])
			ph, err := craft.PseudoHeader(netip.AddrFrom16([16]byte(pkt[8:24])), netip.AddrFrom16([16]byte(pkt[24:40])), uint32(n), layers.IPProtocol(pkt[6]))
			if err == nil && craft.Checksum6(ph, pkt[40:40+n]) != 0 {
				t.Errorf("Verify(% x) = nil with a bad next header %d checksum", pkt, pkt[6])
			}
			return
		}
		ihl := int(pkt[0]&0x0f) * 4
		total := int(pkt[2])<<8 | int(pkt[3])
		msg := pkt[ihl:total]
		bad := craft.Checksum(pkt[:ihl]) != 0
		switch p := layers.IPProtocol(pkt[9]); p {
		case layers.IPProtocolUDP, layers.IPProtocolTCP:
			ph, err := craft.PseudoHeader4(netip.AddrFrom4([4]byte(pkt[12:16])), netip.AddrFrom4([4]byte(pkt[16:20])), uint16(len(msg)), p)
			bad = bad || err != nil || craft.Checksum4(ph, msg) != 0
		default:
			bad = bad || craft.Checksum(msg) != 0
		}
		if bad {
			t.Errorf("Verify(% x) = nil with a bad checksum", pkt)
		}
	})
}

// FuzzBuild builds probes from arbitrary specs: every IPv4 spec with a
// payload in range must build, pass Verify and carry its fields.
func FuzzBuild(f *testing.F) {
	f.Add([]byte{10, 77, 1, 1}, []byte{10, 77, 5, 2}, uint8(3), uint16(0x1234), uint16(0x0301), uint16(0x1234), craft.DefaultPayload)
	f.Add([]byte{255, 255, 255, 255}, []byte{0, 0, 0, 0}, uint8(255), uint16(0xffff), uint16(0xffff), uint16(0xffff), craft.MaxPayload)
	f.Add([]byte{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, []byte{1, 2, 3, 4}, uint8(1), uint16(0), uint16(0), uint16(0), 0)
	f.Add([]byte{0xfd, 0x77, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, []byte{0xfd, 0x77, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}, uint8(3), uint16(0x1234), uint16(0x0301), uint16(0x2345), craft.MaxPayload6)
	b := craft.NewBuilder()
	f.Fuzz(func(t *testing.T, src, dst []byte, ttl uint8, id, seq, ipid uint16, payload int) {
		s := craft.Spec{TTL: ttl, ID: id, Seq: seq, IPID: ipid, Flow: uint32(ipid) << 4, Payload: payload}
		s.Src, _ = netip.AddrFromSlice(src)
		s.Dst, _ = netip.AddrFromSlice(dst)
		pkt, err := b.Build(s)
		if s.Src.Is6() && s.Dst.Is6() {
			valid := !s.Src.Is4In6() && !s.Dst.Is4In6() && !s.Src.IsUnspecified() && !s.Dst.IsUnspecified() &&
				!s.Src.IsMulticast() && payload >= 0 && payload <= craft.MaxPayload6
			switch {
			case !valid && err == nil:
				t.Fatalf("Build(%+v) = % x, nil; want error", s, pkt)
			case valid && err != nil:
				t.Fatalf("Build(%+v) error: %v", s, err)
			case valid && (len(pkt) != 48+payload || pkt[7] != ttl || netip.AddrFrom16([16]byte(pkt[8:24])) != s.Src ||
				netip.AddrFrom16([16]byte(pkt[24:40])) != s.Dst || uint16(pkt[44])<<8|uint16(pkt[45]) != id ||
				uint16(pkt[46])<<8|uint16(pkt[47]) != seq || uint32(pkt[1]&0x0f)<<16|uint32(pkt[2])<<8|uint32(pkt[3]) != s.Flow):
				t.Fatalf("Build(%+v) = % x: fields do not match the spec", s, pkt)
			}
			return
		}
		valid := s.Src.Is4() && s.Dst.Is4() && payload >= 0 && payload <= craft.MaxPayload
		if !valid {
			if err == nil {
				t.Fatalf("Build(%+v) = % x, nil; want error", s, pkt)
			}
			return
		}
		if err != nil {
			t.Fatalf("Build(%+v) error: %v", s, err)
		}
		if err := craft.Verify(pkt); err != nil {
			t.Fatalf("Verify(Build(%+v)) = %v", s, err)
		}
		if len(pkt) != 28+payload || pkt[8] != ttl || netip.AddrFrom4([4]byte(pkt[12:16])) != s.Src ||
			netip.AddrFrom4([4]byte(pkt[16:20])) != s.Dst || uint16(pkt[24])<<8|uint16(pkt[25]) != id ||
			uint16(pkt[26])<<8|uint16(pkt[27]) != seq || uint16(pkt[4])<<8|uint16(pkt[5]) != ipid {
			t.Fatalf("Build(%+v) = % x: fields do not match the spec", s, pkt)
		}
	})
}
