package gencap

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// sum16 is the ones' complement sum of b's 16-bit words, folded.
func sum16(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s > 0xffff {
		s = s&0xffff + s>>16
	}
	return uint16(s)
}

func TestMoveKeepsSum(t *testing.T) {
	tests := []struct {
		name string
		addr [4]byte
		k    uint16
	}{
		{"lab address", [4]byte{10, 77, 1, 2}, 1},
		{"carry out of the first word", [4]byte{255, 255, 0, 1}, 7},
		{"borrow in the second word", [4]byte{10, 0, 0, 0}, 0x1234},
		{"large move", [4]byte{192, 0, 2, 1}, 0xfffe},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.addr
			move(a[:], tt.k)
			if a == tt.addr {
				t.Errorf("move(%v, %d) left the address as it was", tt.addr, tt.k)
			}
			// 0 and 0xffff are the same number in ones' complement.
			if got, want := sum16(a[:])%0xffff, sum16(tt.addr[:])%0xffff; got != want {
				t.Errorf("sum after move = %#04x, before %#04x", got, want)
			}
		})
	}
}

// readSource reads a testdata capture as a Source.
func readSource(t *testing.T, name string) Source {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "testdata", "captures", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	src := Source{Name: name, Link: r.LinkType()}
	for {
		data, ci, err := r.ReadPacketData()
		if err == io.EOF {
			return src
		}
		if err != nil {
			t.Fatal(err)
		}
		src.Packets = append(src.Packets, SourcePacket{At: ci.Timestamp, Data: data, Len: ci.Length})
	}
}

// TestMix mixes an IPv4 ICMP capture, an IPv6 UDP one and a Linux cooked
// one and checks the packet count, that the bytes are the same for the
// same options, that every IPv4 header and ICMP message still sums to
// 0xffff after the addresses moved (the checksums hold), and that plays
// moved their addresses apart.
func TestMix(t *testing.T) {
	srcs := []Source{readSource(t, "traceroute-icmp.pcap"), readSource(t, "traceroute6-udp.pcap"), readSource(t, "any-sll2.pcap")}
	mix := func() ([]byte, MixSummary) {
		var b bytes.Buffer
		s, err := Mix(&b, srcs, MixOptions{Packets: 3000, Lanes: 8, Pause: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		return b.Bytes(), s
	}
	data, sum := mix()
	if again, _ := mix(); !bytes.Equal(again, data) {
		t.Errorf("two Mix calls with the same options wrote different bytes")
	}
	if sum.Packets != 3000 || sum.Skipped != 0 || sum.Plays < 3000/56 {
		t.Errorf("summary %+v, want 3000 packets from at least %d plays, none skipped", sum, 3000/56)
	}
	r, err := pcapgo.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if r.LinkType() != layers.LinkTypeEthernet {
		t.Errorf("link type %v, want Ethernet", r.LinkType())
	}
	srcAddrs := map[[4]byte]bool{}
	n, v4, v6 := 0, 0, 0
	for {
		b, _, err := r.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		switch binary.BigEndian.Uint16(b[12:]) {
		case uint16(layers.EthernetTypeIPv4):
			v4++
			ip := b[14:]
			hl := int(ip[0]&0xf) * 4
			if s := sum16(ip[:hl]); s != 0xffff {
				t.Fatalf("packet %d: IPv4 header sums to %#04x", n, s)
			}
			if ip[9] == 1 && len(ip) == int(binary.BigEndian.Uint16(ip[2:])) {
				if s := sum16(ip[hl:]); s != 0xffff {
					t.Fatalf("packet %d: ICMP message sums to %#04x", n, s)
				}
			}
			srcAddrs[[4]byte(ip[12:16])] = true
		case uint16(layers.EthernetTypeIPv6):
			v6++
		}
	}
	if n != 3000 || v4 == 0 || v6 == 0 {
		t.Errorf("read %d packets (%d IPv4, %d IPv6), want 3000 of both families", n, v4, v6)
	}
	// Each play of the two IPv4 captures moves its few addresses elsewhere.
	if len(srcAddrs) < sum.Plays/2 {
		t.Errorf("%d distinct IPv4 sources over %d plays: plays share addresses", len(srcAddrs), sum.Plays)
	}
}

func TestScan(t *testing.T) {
	var b bytes.Buffer
	s, err := Scan(&b, ScanOptions{Probes: 16000, Rate: 100000})
	if err != nil {
		t.Fatal(err)
	}
	if s.Probes != 16000 || s.Destinations != 1000 || s.Packets != s.Probes+s.Replies {
		t.Errorf("summary %+v, want 16000 probes to 1000 destinations", s)
	}
	if s.Replies < 16000*6/10 || s.Replies > 16000*8/10 {
		t.Errorf("%d replies to 16000 probes, want about 7 in 10", s.Replies)
	}
	if s.Duration < 160*time.Millisecond || s.Duration > 400*time.Millisecond {
		t.Errorf("capture spans %v, want 160 ms of probes and their last replies", s.Duration)
	}
}
