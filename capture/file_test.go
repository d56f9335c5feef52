package capture_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/capture"
)

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 123456789, time.UTC)

// samplePackets are packets of several sizes with nanosecond timestamps;
// the second was cut by a snaplen (Len > len(Data)). The reader does not
// decode them, so their bytes are a pattern.
func samplePackets(lt layers.LinkType) []analyze.Packet {
	var ps []analyze.Packet
	for i, n := range []int{60, 98, 1, 1514, 0, 3} {
		data := make([]byte, n)
		for j := range data {
			data[j] = byte(i*31 + j)
		}
		p := analyze.Packet{Time: t0.Add(time.Duration(i)*time.Millisecond + time.Duration(i)), Link: lt, Data: data, Len: n}
		if i == 1 {
			p.Len = 1500
		}
		ps = append(ps, p)
	}
	return ps
}

// readAll reads packets until an error, copying their bytes.
func readAll(r *capture.Reader) ([]analyze.Packet, error) {
	var ps []analyze.Packet
	for {
		p, err := r.Next()
		if err != nil {
			return ps, err
		}
		p.Data = append([]byte{}, p.Data...)
		ps = append(ps, p)
	}
}

func writeFile(t *testing.T, name string, lt layers.LinkType, ps []analyze.Packet) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	w, err := capture.Create(path, lt, capture.Meta{Application: "tracers test", Comment: "tracers run 198.51.100.9", Iface: "eth0", Filter: "icmp"})
	if err != nil {
		t.Fatalf("Create(%s) = %v", name, err)
	}
	for i, p := range ps {
		if err := w.Write(p); err != nil {
			t.Fatalf("Write(packet %d) = %v", i+1, err)
		}
	}
	if w.Count() != len(ps) {
		t.Errorf("Writer.Count() = %d, want %d", w.Count(), len(ps))
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	return path
}

func TestWriteRead(t *testing.T) {
	tests := []struct {
		file  string
		magic []byte // the file's first bytes
	}{
		{"t.pcap", []byte{0x4d, 0x3c, 0xb2, 0xa1}},   // pcap, nanoseconds, little-endian
		{"t.pcapng", []byte{0x0a, 0x0d, 0x0d, 0x0a}}, // pcapng section header
		{"T.PCAPNG", []byte{0x0a, 0x0d, 0x0d, 0x0a}},
	}
	for _, tt := range tests {
		for _, lt := range []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeRaw, layers.LinkTypeLinuxSLL, layers.LinkTypeNull} {
			t.Run(tt.file+"/"+lt.String(), func(t *testing.T) {
				want := samplePackets(lt)
				path := writeFile(t, tt.file, lt, want)
				raw, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.HasPrefix(raw, tt.magic) {
					t.Errorf("%s starts % x, want % x", tt.file, raw[:4], tt.magic)
				}
				r, err := capture.OpenFile(path)
				if err != nil {
					t.Fatalf("OpenFile(%s) = %v", tt.file, err)
				}
				defer r.Close()
				got, err := readAll(r)
				if err != io.EOF {
					t.Errorf("Next() at the end = %v, want io.EOF", err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("packets read back mismatch (-want +got):\n%s", diff)
				}
				if r.Count() != len(want) {
					t.Errorf("Reader.Count() = %d, want %d", r.Count(), len(want))
				}
				if _, err := r.Next(); err != io.EOF {
					t.Errorf("Next() after the end = %v, want io.EOF", err)
				}
			})
		}
	}
}

// TestWriteReadEmpty checks that a capture of no packets reads back as one.
func TestWriteReadEmpty(t *testing.T) {
	for _, file := range []string{"empty.pcap", "empty.pcapng"} {
		t.Run(file, func(t *testing.T) {
			path := writeFile(t, file, layers.LinkTypeEthernet, nil)
			r, err := capture.OpenFile(path)
			if err != nil {
				t.Fatalf("OpenFile(%s) = %v", file, err)
			}
			defer r.Close()
			if p, err := r.Next(); err != io.EOF {
				t.Errorf("Next() = %v, %v, want io.EOF", p, err)
			}
		})
	}
}

func TestOpenFileMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing.pcap")
	if _, err := capture.OpenFile(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("OpenFile(missing) = %v, want os.ErrNotExist", err)
	}
}

// Little builders for hand-made files. The layouts are spelled out in the
// tests that use them.

func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

func cat(bs ...[]byte) []byte { return bytes.Join(bs, nil) }

// pcapLE is a little-endian microsecond pcap header for link type lt.
func pcapLE(magic uint32, lt uint32) []byte {
	return cat(
		le32(magic),        // magic
		[]byte{0x02, 0x00}, // version major 2
		[]byte{0x04, 0x00}, // version minor 4
		le32(0),            // time zone
		le32(0),            // sigfigs
		le32(65535),        // snaplen
		le32(lt),           // link type
	)
}

// recLE is a little-endian pcap record.
func recLE(sec, frac, capLen, origLen uint32, data []byte) []byte {
	return cat(le32(sec), le32(frac), le32(capLen), le32(origLen), data)
}

func TestReadHandMade(t *testing.T) {
	data1 := []byte{0x45, 0x00, 0x00, 0x14} // the first bytes of an IPv4 header
	data2 := []byte{0xde, 0xad, 0xbe, 0xef, 0x01}
	bigMicro := cat(
		[]byte{0xa1, 0xb2, 0xc3, 0xd4}, // magic: microseconds, big-endian
		[]byte{0x00, 0x02},             // version major 2
		[]byte{0x00, 0x04},             // version minor 4
		be32(0),                        // time zone
		be32(0),                        // sigfigs
		be32(65535),                    // snaplen
		be32(101),                      // link type: raw IP
		// record 1
		be32(1700000000), // seconds
		be32(999999),     // microseconds
		be32(4),          // captured length
		be32(40),         // original length
		data1,
		// record 2
		be32(1700000001), // seconds
		be32(1),          // microseconds
		be32(5),          // captured length
		be32(5),          // original length
		data2,
	)
	bigNano := cat(
		[]byte{0xa1, 0xb2, 0x3c, 0x4d}, // magic: nanoseconds, big-endian
		[]byte{0x00, 0x02, 0x00, 0x04}, // version 2.4
		be32(0), be32(0),               // time zone, sigfigs
		be32(65535), // snaplen
		be32(1),     // link type: Ethernet
		be32(1700000000), be32(999999999), be32(4), be32(4), data1,
	)
	littleMicro := cat(
		pcapLE(0xa1b2c3d4, 113), // microseconds, Linux SLL
		recLE(1700000000, 500000, 4, 4, data1),
	)
	tests := []struct {
		name string
		b    []byte
		want []analyze.Packet
	}{
		{"big-endian microseconds", bigMicro, []analyze.Packet{
			{Time: time.Unix(1700000000, 999999000), Link: layers.LinkTypeRaw, Data: data1, Len: 40},
			{Time: time.Unix(1700000001, 1000), Link: layers.LinkTypeRaw, Data: data2, Len: 5},
		}},
		{"big-endian nanoseconds", bigNano, []analyze.Packet{
			{Time: time.Unix(1700000000, 999999999), Link: layers.LinkTypeEthernet, Data: data1, Len: 4},
		}},
		{"little-endian microseconds", littleMicro, []analyze.Packet{
			{Time: time.Unix(1700000000, 500000000), Link: layers.LinkTypeLinuxSLL, Data: data1, Len: 4},
		}},
		{"pcapng", pcapngFile(), []analyze.Packet{
			{Time: time.Unix(1700000000, 1), Link: layers.LinkTypeEthernet, Data: data1, Len: 60},
			{Time: time.Unix(1700000000, 2), Link: layers.LinkTypeRaw, Data: data2, Len: 5},
		}},
		{"pcapng ending with interface statistics", cat(pcapngFile(), isb(0)), []analyze.Packet{
			{Time: time.Unix(1700000000, 1), Link: layers.LinkTypeEthernet, Data: data1, Len: 60},
			{Time: time.Unix(1700000000, 2), Link: layers.LinkTypeRaw, Data: data2, Len: 5},
		}},
		{"pcapng with no packets", cat(shb(), idb(1, 0, nil)), nil},
		{"pcapng with no interface", shb(), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := capture.NewReader(tt.name, bytes.NewReader(tt.b))
			if err != nil {
				t.Fatalf("NewReader(%s) = %v", tt.name, err)
			}
			got, err := readAll(r)
			if err != io.EOF {
				t.Errorf("Next() at the end = %v, want io.EOF", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("packets mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// pcapng blocks, little-endian.

// block frames body as a pcapng block of type typ, padding it to 32 bits.
func block(typ uint32, body ...[]byte) []byte {
	b := cat(body...)
	b = append(b, make([]byte, (4-len(b)%4)%4)...)
	n := uint32(12 + len(b))
	return cat(le32(typ), le32(n), b, le32(n))
}

// shb is a section header block.
func shb() []byte {
	return block(0x0A0D0D0A,
		le32(0x1A2B3C4D),              // byte-order magic
		[]byte{0x01, 0x00},            // version major 1
		[]byte{0x00, 0x00},            // version minor 0
		bytes.Repeat([]byte{0xff}, 8), // section length: unknown
	)
}

// idb is an interface description block; opts are its raw options.
func idb(lt uint16, snaplen uint32, opts []byte) []byte {
	return block(1,
		binary.LittleEndian.AppendUint16(nil, lt), // link type
		[]byte{0x00, 0x00},                        // reserved
		le32(snaplen),                             // snaplen
		opts,
	)
}

// tsresol9 is the if_tsresol option for nanoseconds, and the end of options.
var tsresol9 = cat(
	[]byte{0x09, 0x00, 0x01, 0x00}, // if_tsresol, length 1
	[]byte{0x09, 0x00, 0x00, 0x00}, // 10^-9, padding
	[]byte{0x00, 0x00, 0x00, 0x00}, // opt_endofopt
)

// epb is an enhanced packet block.
func epb(iface uint32, ts uint64, capLen, origLen uint32, data []byte) []byte {
	return block(6,
		le32(iface),          // interface id
		le32(uint32(ts>>32)), // timestamp, high
		le32(uint32(ts)),     // timestamp, low
		le32(capLen),         // captured length
		le32(origLen),        // original length
		data,
	)
}

// isb is an interface statistics block.
func isb(iface uint32) []byte {
	return block(5, le32(iface), le32(0), le32(0))
}

// pcapngFile has two interfaces (Ethernet, raw IP, nanoseconds) and a
// packet on each.
func pcapngFile() []byte {
	ts := uint64(1700000000) * 1e9
	return cat(
		shb(),
		idb(1, 262144, tsresol9),
		idb(101, 262144, tsresol9),
		epb(0, ts+1, 4, 60, []byte{0x45, 0x00, 0x00, 0x14}),
		epb(1, ts+2, 5, 5, []byte{0xde, 0xad, 0xbe, 0xef, 0x01}),
	)
}

// pcapBytes is a capture of three Ethernet packets written by
// capture.Create (pcap or pcapng by file's extension), and the offset of
// each record or packet block.
func pcapBytes(t *testing.T, file string) ([]byte, []int64) {
	ps := samplePackets(layers.LinkTypeEthernet)[:3]
	raw, err := os.ReadFile(writeFile(t, file, layers.LinkTypeEthernet, ps))
	if err != nil {
		t.Fatal(err)
	}
	var offs []int64
	if file == "t.pcap" {
		off := int64(24)
		for _, p := range ps {
			offs = append(offs, off)
			off += 16 + int64(len(p.Data))
		}
		return raw, offs
	}
	// pcapng: walk the blocks to the enhanced packet blocks.
	for off := 0; off+8 <= len(raw); {
		if binary.LittleEndian.Uint32(raw[off:]) == 6 {
			offs = append(offs, int64(off))
		}
		off += int(binary.LittleEndian.Uint32(raw[off+4:]))
	}
	if len(offs) != 3 {
		t.Fatalf("found %d packet blocks in the pcapng, want 3", len(offs))
	}
	return raw, offs
}

func TestReadDamaged(t *testing.T) {
	pc, pcOff := pcapBytes(t, "t.pcap")
	ng, ngOff := pcapBytes(t, "t.pcapng")
	absurd := cat(
		pcapLE(0xa1b2c3d4, 1),
		recLE(1700000000, 0, 4, 4, []byte{1, 2, 3, 4}),
		recLE(1700000001, 0, 0x7fffffff, 0x7fffffff, []byte{1, 2, 3, 4}), // absurd length
	)
	capOverOrig := cat(
		pcapLE(0xa1b2c3d4, 1),
		recLE(1700000001, 0, 8, 4, make([]byte, 8)), // captured more than sent
	)
	ts := uint64(1700000000) * 1e9
	tests := []struct {
		name      string
		b         []byte
		packets   int   // read before the error
		errPacket int   // FileError.Packet; -1: not checked
		offset    int64 // FileError.Offset (when errPacket > 0)
		is        error // when not nil, errors.Is(err, is)
	}{
		{"empty", nil, 0, 0, 0, capture.ErrEmpty},
		{"not a capture", []byte("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"), 0, 0, 0, capture.ErrNotCapture},
		{"three bytes", []byte{0xd4, 0xc3, 0xb2}, 0, 0, 0, capture.ErrNotCapture},
		{"pcap header cut", pc[:10], 0, 0, 0, capture.ErrTruncated},
		{"pcap bad version", cat(le32(0xa1b2c3d4), []byte{9, 0, 4, 0}, make([]byte, 16)), 0, 0, 0, nil},
		{"pcap cut in a record header", pc[:pcOff[2]+8], 2, 3, pcOff[2], capture.ErrTruncated},
		{"pcap cut after a record header", pc[:pcOff[2]+16], 2, 3, pcOff[2], capture.ErrTruncated},
		{"pcap cut in record data", pc[:len(pc)-1], 2, 3, pcOff[2], capture.ErrTruncated},
		{"pcap absurd record length", absurd, 1, 2, 24 + 16 + 4, nil},
		{"pcap captured length over original", capOverOrig, 0, 1, 24, nil},
		{"pcapng cut in the section header", ng[:20], 0, -1, 0, nil},
		{"pcapng cut in a block header", ng[:ngOff[1]+4], 1, 2, ngOff[1], nil},
		{"pcapng cut in a packet block", ng[:ngOff[1]+30], 1, 2, ngOff[1], nil},
		{"pcapng cut before the trailer", ng[:len(ng)-2], 2, 3, ngOff[2], nil},
		{"pcapng absurd captured length", cat(shb(), idb(1, 0, nil), epb(0, ts, 0x7fffffff, 0x7fffffff, []byte{1, 2, 3, 4})), 0, 1, int64(len(shb()) + len(idb(1, 0, nil))), nil},
		{"pcapng absurd block length", cat(shb(), idb(1, 0, nil), le32(6), le32(0x7ffffff0), make([]byte, 64)), 0, 1, int64(len(shb()) + len(idb(1, 0, nil))), nil},
		{"pcapng block length not a multiple of 4", cat(shb(), idb(1, 0, nil), le32(6), le32(33), make([]byte, 64)), 0, 1, int64(len(shb()) + len(idb(1, 0, nil))), nil},
		// pcapgo reads the interface and the packet block in one go: the
		// offset is where that read began.
		{"pcapng packet for a missing interface", cat(shb(), idb(1, 0, nil), epb(7, ts, 4, 4, []byte{1, 2, 3, 4})), 0, 1, int64(len(shb())), nil},
		{"pcapng packet before any interface", cat(shb(), epb(0, ts, 4, 4, []byte{1, 2, 3, 4})), 0, 1, int64(len(shb())), nil},
		{"pcapng timestamp resolution 2^-64", cat(shb(), idb(1, 0, cat(
			[]byte{0x09, 0x00, 0x01, 0x00}, // if_tsresol, length 1
			[]byte{0xc0, 0x00, 0x00, 0x00}, // 2^-64: pcapgo divides by zero
			[]byte{0x00, 0x00, 0x00, 0x00}, // opt_endofopt
		)), epb(0, ts, 4, 4, []byte{1, 2, 3, 4})), 0, 1, int64(len(shb())), nil},
		{"pcapng simple packet of absurd length", cat(shb(), idb(1, 0, nil), block(3,
			le32(0x7fffffff), // original length: pcapgo would allocate it (snaplen 0)
			[]byte{1, 2, 3, 4},
		)), 0, 1, int64(len(shb()) + len(idb(1, 0, nil))), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []analyze.Packet
			r, err := capture.NewReader(tt.name, bytes.NewReader(tt.b))
			if err == nil {
				got, err = readAll(r)
			}
			if len(got) != tt.packets {
				t.Errorf("read %d packets before the error, want %d", len(got), tt.packets)
			}
			var fe *capture.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error = %v (%T), want a *capture.FileError", err, err)
			}
			if fe.Name != tt.name || (tt.errPacket >= 0 && fe.Packet != tt.errPacket) || (tt.errPacket > 0 && fe.Offset != tt.offset) {
				t.Errorf("error = %q: name %q packet %d offset %d, want %q packet %d offset %d", err, fe.Name, fe.Packet, fe.Offset, tt.name, tt.errPacket, tt.offset)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error = %v, want %v", err, tt.is)
			}
		})
	}
}

// TestReadAbsurdLengthAllocates checks that a length field of 2 GiB is
// rejected, not allocated, even in a block larger than the reader's
// look-ahead.
func TestReadAbsurdLengthAllocates(t *testing.T) {
	ts := uint64(1700000000) * 1e9
	big := make([]byte, 2<<20) // a block larger than the 1 MiB look-ahead
	tests := []struct {
		name string
		b    []byte
	}{
		{"pcap", cat(pcapLE(0xa1b2c3d4, 1), recLE(1, 0, 0x7fffffff, 0x7fffffff, big))},
		{"pcapng", cat(shb(), idb(1, 0, nil), epb(0, ts, 4, 4, []byte{1, 2, 3, 4}), epb(0, ts, 0x7fffffff, 0x7fffffff, big))},
		{"pcapng simple packet", cat(shb(), idb(1, 0, nil), epb(0, ts, 4, 4, []byte{1, 2, 3, 4}), block(3, le32(0x7fffffff), big))},
		// Blocks that claim more than the look-ahead in a file that ends
		// first (found by FuzzReader).
		{"pcapng cut simple packet", cat(shb(), idb(1, 0, nil),
			le32(3),          // simple packet block
			le32(0x00240000), // block length: 2.25 MiB
			le32(0x7fffffff), // original length
			[]byte{1, 2, 3, 4},
		)},
		{"pcapng cut enhanced packet", cat(shb(), idb(1, 0, nil),
			le32(6),          // enhanced packet block
			le32(0x00240000), // block length: 2.25 MiB
			le32(0),          // interface id
			le32(0), le32(0), // timestamp
			le32(0x7fffffff), // captured length
			le32(0x7fffffff), // original length
		)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			r, err := capture.NewReader(tt.name, bytes.NewReader(tt.b)) // 1 MiB of look-ahead
			if err == nil {
				_, err = readAll(r)
			}
			runtime.ReadMemStats(&after)
			var fe *capture.FileError
			if !errors.As(err, &fe) {
				t.Errorf("error = %v, want a *capture.FileError", err)
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > 8<<20 {
				t.Errorf("reading allocated %d bytes, want well under the 2 GiB the length field claims", n)
			}
		})
	}
}

func FuzzReader(f *testing.F) {
	ts := uint64(1700000000) * 1e9
	f.Add(cat(pcapLE(0xa1b2c3d4, 1), recLE(1700000000, 1, 4, 4, []byte{1, 2, 3, 4}), recLE(1700000000, 2, 2, 9, []byte{5, 6})))
	f.Add(cat(pcapLE(0xa1b23c4d, 101), recLE(1700000000, 1, 4, 4, []byte{0x45, 0, 0, 4})))
	f.Add(cat(
		[]byte{0xa1, 0xb2, 0xc3, 0xd4, 0x00, 0x02, 0x00, 0x04}, be32(0), be32(0), be32(65535), be32(1),
		be32(1700000000), be32(999999), be32(2), be32(2), []byte{1, 2},
	))
	f.Add(pcapngFile())
	f.Add(cat(shb(), idb(1, 65535, tsresol9), epb(0, ts, 4, 4, []byte{1, 2, 3, 4}), isb(0)))
	f.Add(cat(shb(), idb(113, 0, nil), block(3, le32(4), []byte{1, 2, 3, 4})))
	for _, seed := range [][]byte{shb(), []byte("not a capture"), nil} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := capture.NewReader("fuzz", bytes.NewReader(b))
		if err != nil {
			var fe *capture.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("NewReader = %v (%T), want a *capture.FileError", err, err)
			}
			return
		}
		// Every packet takes at least 12 bytes of the file.
		for i := 0; ; i++ {
			if i > len(b)/12+1 {
				t.Fatalf("read %d packets from %d bytes", i, len(b))
			}
			p, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				var fe *capture.FileError
				if !errors.As(err, &fe) {
					t.Fatalf("Next = %v (%T), want io.EOF or a *capture.FileError", err, err)
				}
				return
			}
			if len(p.Data) > capture.MaxPacket || len(p.Data) > len(b) {
				t.Fatalf("Next returned %d bytes from a %d-byte file", len(p.Data), len(b))
			}
		}
	})
}
