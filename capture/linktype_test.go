package capture_test

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/capture"
	"github.com/tracers/tracers/packet"
)

// TestReadLinkTypes checks that the reader hands every link type a
// traceroute capture comes in to the analyzer as the file names it, in
// pcap and in pcapng: IPv6-only and IPv4-only raw links, raw IP, PPP in
// both framings, Cisco HDLC, Linux cooked v1 and v2. The reader refuses
// none: what a link type means is the decoder's business.
func TestReadLinkTypes(t *testing.T) {
	data := []byte{0x60, 0x00, 0x00, 0x00} // the first bytes of an IPv6 header
	for _, tt := range []struct {
		name string
		lt   uint32 // as written in the file
		want layers.LinkType
	}{
		{"ethernet", 1, layers.LinkTypeEthernet},
		{"ppp", 9, layers.LinkTypePPP},
		{"ppp hdlc", 50, layers.LinkTypePPP_HDLC},
		{"raw", 101, layers.LinkTypeRaw},
		{"c hdlc", 104, layers.LinkTypeC_HDLC},
		{"linux sll", 113, layers.LinkTypeLinuxSLL},
		{"ipv4", 228, layers.LinkTypeIPv4},
		{"ipv6", 229, layers.LinkTypeIPv6},
		{"linux sll2", 276, layers.LinkTypeLinuxSLL2},
		{"ethernet with fcs bits", 0x14000001, layers.LinkTypeEthernet}, // FCS length 4 in bits 28-31, F bit 26
	} {
		files := map[string][]byte{
			"pcap":   cat(pcapLE(0xa1b2c3d4, tt.lt), recLE(1700000000, 5, 4, 4, data)),
			"pcapng": cat(shb(), idb(uint16(tt.lt), 262144, tsresol9), epb(0, 1700000000e9, 4, 4, data)),
		}
		for format, file := range files {
			t.Run(tt.name+"/"+format, func(t *testing.T) {
				r, err := capture.NewReader("t", bytes.NewReader(file))
				if err != nil {
					t.Fatal(err)
				}
				p, err := r.Next()
				if err != nil {
					t.Fatal(err)
				}
				if p.Link != tt.want || string(p.Data) != string(data) {
					t.Errorf("Next() = link %d, % x; want link %d, % x", p.Link, p.Data, tt.want, data)
				}
			})
		}
	}
}

// TestReadMixedLinkTypes reads a pcapng file whose interfaces are of
// several link types, IPv6 ones among them: each packet keeps its own.
func TestReadMixedLinkTypes(t *testing.T) {
	ts := uint64(1700000000e9)
	file := cat(shb(),
		idb(276, 262144, tsresol9), // 0: Linux cooked v2
		idb(229, 262144, tsresol9), // 1: raw IPv6
		idb(9, 262144, tsresol9),   // 2: PPP
		epb(0, ts, 1, 1, []byte{0}),
		epb(1, ts+1, 1, 1, []byte{1}),
		epb(2, ts+2, 1, 1, []byte{2}),
		epb(0, ts+3, 1, 1, []byte{3}),
	)
	r, err := capture.NewReader("t", bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	ps, _ := readAll(r)
	want := []layers.LinkType{276, 229, 9, 276}
	if len(ps) != len(want) {
		t.Fatalf("read %d packets, want %d", len(ps), len(want))
	}
	for i, p := range ps {
		if p.Link != want[i] || p.Data[0] != byte(i) {
			t.Errorf("packet %d: link %d, data % x; want link %d, data %02x", i, p.Link, p.Data, want[i], i)
		}
	}
}

// TestRingBytes checks the capture ring sizes a run asks for: a packet's
// frame each plus the slack, never under 128 KiB nor over BufferSize.
func TestRingBytes(t *testing.T) {
	for _, tt := range []struct {
		name    string
		packets int
		want    int
	}{
		{"none", 0, 128 << 10},
		{"negative", -5, 128 << 10},
		{"default trace", 2 * 30 * 3, 180*384 + 256*384},
		{"largest trace", 2 * 255 * 10, 5100*384 + 256*384},
		{"at the cap", 8<<20/384 - 256, 8 << 20 / 384 * 384},
		{"over the cap", 100000, capture.BufferSize},
		{"overflow", int(^uint(0) >> 1), capture.BufferSize},
	} {
		if got := capture.RingBytes(tt.packets); got != tt.want {
			t.Errorf("%s: RingBytes(%d) = %d, want %d", tt.name, tt.packets, got, tt.want)
		}
	}
}

// TestWriteMixedLinkTypes writes packets of three link types: a pcapng
// file gets an interface for each, and reads back with every packet's own
// link type; a pcap file refuses the second link type (ErrMixedLinks).
func TestWriteMixedLinkTypes(t *testing.T) {
	dir := t.TempDir()
	links := []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeRaw, layers.LinkTypePPP, layers.LinkTypeEthernet, layers.LinkTypeRaw}
	at := time.Unix(1700000000, 0)
	for _, name := range []string{"mixed.pcapng", "mixed.pcap"} {
		path := filepath.Join(dir, name)
		w, err := capture.Create(path, links[0], capture.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		var werr error
		for i, lt := range links {
			if werr = w.Write(packet.Packet{Time: at.Add(time.Duration(i)), Link: lt, Data: []byte{byte(i), 0, 0, 0}, Len: 4}); werr != nil {
				break
			}
		}
		if err := w.Close(); err != nil && werr == nil {
			t.Fatal(err)
		}
		if name == "mixed.pcap" {
			if !errors.Is(werr, capture.ErrMixedLinks) {
				t.Errorf("%s: write error %v, want ErrMixedLinks", name, werr)
			}
			continue
		}
		if werr != nil {
			t.Fatalf("%s: %v", name, werr)
		}
		r, err := capture.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		ps, err := readAll(r)
		r.Close()
		if !errors.Is(err, io.EOF) || len(ps) != len(links) {
			t.Fatalf("%s: read %d packets, %v; want %d", name, len(ps), err, len(links))
		}
		for i, p := range ps {
			if p.Link != links[i] || p.Data[0] != byte(i) {
				t.Errorf("%s: packet %d: link %d, data % x; want link %d", name, i, p.Link, p.Data, links[i])
			}
		}
	}
}

// TestReadBinaryResolution: an interface whose if_tsresol is binary
// (2^-20 s a tick) has its ticks scaled exactly (pcapgo's integer scale
// put 1000.1 s + 2 ms 0.2 ms early); a decimal one and a second interface
// of microseconds keep theirs.
func TestReadBinaryResolution(t *testing.T) {
	bin20 := cat(
		[]byte{0x09, 0x00, 0x01, 0x00}, // if_tsresol, length 1
		[]byte{0x94, 0x00, 0x00, 0x00}, // 2^-20, padding
		[]byte{0x00, 0x00, 0x00, 0x00}, // opt_endofopt
	)
	const tick = 1 << 20
	file := cat(shb(),
		idb(101, 262144, bin20),                         // 0: binary
		idb(101, 262144, tsresol9),                      // 1: nanoseconds
		epb(0, 1000*tick+tick/10, 1, 1, []byte{0}),      // 1000.1 s, to the tick
		epb(0, 1000*tick+tick/10+2097, 1, 1, []byte{1}), // 2097 ticks later: 1.99985 ms
		epb(1, 1000_100_000_000, 1, 1, []byte{2}),       // 1000.1 s
	)
	r, err := capture.NewReader("t", bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	ps, _ := readAll(r)
	if len(ps) != 3 {
		t.Fatalf("read %d packets, want 3", len(ps))
	}
	ns := func(ticks int64) int64 { return ticks * 1_000_000_000 / tick }
	want := []time.Time{
		time.Unix(1000, ns(tick/10)),
		time.Unix(1000, ns(tick/10+2097)),
		time.Unix(1000, 100_000_000),
	}
	for i, p := range ps {
		if !p.Time.Equal(want[i]) {
			t.Errorf("packet %d at %s, want %s", i, p.Time.Format(time.RFC3339Nano), want[i].Format(time.RFC3339Nano))
		}
	}
}
