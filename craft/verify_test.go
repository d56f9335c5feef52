package craft_test

import (
	"net/netip"
	"testing"

	"github.com/tracers/tracers/craft"
)

// FuzzVerify feeds Verify arbitrary bytes: it must not panic, and whatever
// it accepts must have both checksums sum to zero.
func FuzzVerify(f *testing.F) {
	f.Add(goldenProbe)
	f.Add(capturedIPv4Header)
	f.Add(shortICMP())
	f.Add([]byte{0x4f})
	f.Fuzz(func(t *testing.T, pkt []byte) {
		if err := craft.Verify(pkt); err != nil {
			return
		}
		ihl := int(pkt[0]&0x0f) * 4
		total := int(pkt[2])<<8 | int(pkt[3])
		if craft.Checksum(pkt[:ihl]) != 0 || craft.Checksum(pkt[ihl:total]) != 0 {
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
	b := craft.NewBuilder()
	f.Fuzz(func(t *testing.T, src, dst []byte, ttl uint8, id, seq, ipid uint16, payload int) {
		s := craft.Spec{TTL: ttl, ID: id, Seq: seq, IPID: ipid, Payload: payload}
		s.Src, _ = netip.AddrFromSlice(src)
		s.Dst, _ = netip.AddrFromSlice(dst)
		pkt, err := b.Build(s)
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
