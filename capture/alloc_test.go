package capture_test

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/tracers/tracers/capture"
)

// ngBytes is a pcapng file of n packets on one Ethernet interface with the
// given snaplen; packet i is 60 bytes of the value i.
func ngBytes(t *testing.T, snaplen uint32, n int) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := pcapgo.NewNgWriterInterface(&b,
		pcapgo.NgInterface{Name: "eth0", LinkType: layers.LinkTypeEthernet, SnapLength: snaplen, TimestampResolution: 9},
		pcapgo.DefaultNgWriterOptions)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		data := bytes.Repeat([]byte{byte(i)}, 60)
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(1700000000, int64(i)), CaptureLength: 60, Length: 60}
		if err := w.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestReadNgAllocs checks that reading pcapng reuses one buffer for the
// packet bytes, as reading pcap does, unless an interface's snaplen is
// beyond MaxPacket (pcapgo would size that buffer by it); the bytes read
// are right either way.
func TestReadNgAllocs(t *testing.T) {
	for _, c := range []struct {
		name    string
		snaplen uint32
		allocs  float64 // per packet, at most
	}{
		{"snaplen 65535", 65535, 0},
		{"no snaplen", 0, 0},
		{"snaplen 2^31", 1 << 31, 2}, // the data and its link type
	} {
		t.Run(c.name, func(t *testing.T) {
			const n = 300
			r, err := capture.NewReader("x.pcapng", bytes.NewReader(ngBytes(t, c.snaplen, n)))
			if err != nil {
				t.Fatal(err)
			}
			i := 0
			next := func() {
				p, err := r.Next()
				if err != nil {
					t.Fatalf("Next() = %v at packet %d", err, i+1)
				}
				if len(p.Data) != 60 || p.Data[0] != byte(i) || p.Data[59] != byte(i) || p.Link != layers.LinkTypeEthernet {
					t.Fatalf("packet %d = %d bytes of %d (link %v), want 60 of %d", i+1, len(p.Data), p.Data[0], p.Link, byte(i))
				}
				i++
			}
			next() // the first read sizes the buffer
			if allocs := testing.AllocsPerRun(n-2, next); allocs > c.allocs {
				t.Errorf("Next allocates %v times per packet, want at most %v", allocs, c.allocs)
			}
			if _, err := r.Next(); !errors.Is(err, io.EOF) {
				t.Errorf("Next() after %d packets = %v, want io.EOF", i, err)
			}
		})
	}
}
