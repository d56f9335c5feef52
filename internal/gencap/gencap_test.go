package gencap_test

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/internal/gencap"
)

func generate(t *testing.T, o gencap.Options) ([]byte, gencap.Summary) {
	t.Helper()
	var buf bytes.Buffer
	s, err := gencap.Write(&buf, o)
	if err != nil {
		t.Fatalf("Write(%+v) = %v", o, err)
	}
	return buf.Bytes(), s
}

type packetReader interface {
	ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
}

func TestWrite(t *testing.T) {
	const n = 30000
	for _, tc := range []struct {
		name   string
		format gencap.Format
		open   func(io.Reader) (packetReader, error)
	}{
		{"pcap", gencap.PCAP, func(r io.Reader) (packetReader, error) { return pcapgo.NewReader(r) }},
		{"pcapng", gencap.PCAPNG, func(r io.Reader) (packetReader, error) {
			return pcapgo.NewNgReader(r, pcapgo.DefaultNgReaderOptions)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, sum := generate(t, gencap.Options{Packets: n, Format: tc.format})
			if sum.Packets != n {
				t.Errorf("Summary.Packets = %d, want %d", sum.Packets, n)
			}
			if got := sum.Probes + sum.Replies + sum.Other; got != n {
				t.Errorf("Probes+Replies+Other = %d, want %d", got, n)
			}
			if sum.MaxOutstanding == 0 || sum.MaxOutstanding > 5000 {
				t.Errorf("MaxOutstanding = %d, want 1..5000", sum.MaxOutstanding)
			}
			r, err := tc.open(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			an := analyze.New(analyze.Options{OnTrace: func(*analyze.Trace) {}})
			var prev time.Time
			got := 0
			for {
				b, ci, err := r.ReadPacketData()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("packet %d: %v", got+1, err)
				}
				got++
				if ci.Timestamp.Before(prev) {
					t.Fatalf("packet %d at %v, before the previous one at %v", got, ci.Timestamp, prev)
				}
				prev = ci.Timestamp
				an.Add(analyze.Packet{Time: ci.Timestamp, Link: layers.LinkTypeEthernet, Data: b, Len: ci.Length})
			}
			an.Close()
			if got != n {
				t.Errorf("read %d packets, want %d", got, n)
			}
			// Every reply quotes or echoes a probe of the capture.
			st := an.Stats()
			if st.Malformed != 0 || st.Unmatched != 0 || st.LateReplies != 0 {
				t.Errorf("analyzer stats %+v: want no malformed, unmatched or late packets", st)
			}
			// The DNS answers too: UDP datagrams back to a query's ports.
			if st.Replies != sum.Replies+sum.DNSAnswers {
				t.Errorf("analyzer matched %d replies, want %d and %d DNS answers", st.Replies, sum.Replies, sum.DNSAnswers)
			}
		})
	}
}

func TestWriteDeterministic(t *testing.T) {
	o := gencap.Options{Packets: 5000, Seed: 7}
	a, _ := generate(t, o)
	b, _ := generate(t, o)
	if !bytes.Equal(a, b) {
		t.Error("two Writes with the same Options differ")
	}
	o.Seed = 8
	if c, _ := generate(t, o); bytes.Equal(a, c) {
		t.Error("Writes with different seeds are equal")
	}
}

func TestWriteErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    gencap.Options
	}{
		{"no packets", gencap.Options{}},
		{"bad format", gencap.Options{Packets: 1, Format: "erf"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := gencap.Write(io.Discard, tc.o); err == nil {
				t.Errorf("Write(%+v) = nil, want an error", tc.o)
			}
		})
	}
}

// TestWriteAllocs pins that generating does not allocate per packet.
func TestWriteAllocs(t *testing.T) {
	const n = 20000
	allocs := testing.AllocsPerRun(1, func() {
		if _, err := gencap.Write(io.Discard, gencap.Options{Packets: n}); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > n/100 {
		t.Errorf("Write of %d packets: %v allocations, want at most %d", n, allocs, n/100)
	}
}
