package replay_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/tracers/tracers/analyze"
)

// endlessCapture is an mtr left running: probes at TTL 1..10 in turn under
// one ICMP identifier, one every 3ms, each answered 1ms later (Time
// Exceeded from one router, the destination's Echo Reply at TTL 10),
// in raw IPv4.
func endlessCapture(tb testing.TB, probes int) []byte {
	tb.Helper()
	var out bytes.Buffer
	w := pcapgo.NewWriter(&out)
	if err := w.WriteFileHeader(256, layers.LinkTypeRaw); err != nil {
		tb.Fatal(err)
	}
	src, dst, hop := []byte{10, 77, 1, 1}, []byte{10, 77, 9, 2}, []byte{10, 77, 1, 2}
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	write := func(at time.Time, ls ...gopacket.SerializableLayer) []byte {
		if err := gopacket.SerializeLayers(buf, opts, ls...); err != nil {
			tb.Fatal(err)
		}
		b := append([]byte(nil), buf.Bytes()...)
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: at, CaptureLength: len(b), Length: len(b)}, b); err != nil {
			tb.Fatal(err)
		}
		return b
	}
	pad := gopacket.Payload(make([]byte, 32))
	for i := range probes {
		ttl := uint8(i%10 + 1)
		at := t0.Add(time.Duration(i) * 3 * time.Millisecond)
		probe := write(at,
			&layers.IPv4{Version: 4, TTL: ttl, Id: uint16(i), Protocol: layers.IPProtocolICMPv4, SrcIP: src, DstIP: dst},
			&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoRequest, 0), Id: 0x77, Seq: uint16(i)}, pad)
		if ttl == 10 {
			write(at.Add(time.Millisecond),
				&layers.IPv4{Version: 4, TTL: 60, Protocol: layers.IPProtocolICMPv4, SrcIP: dst, DstIP: src},
				&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoReply, 0), Id: 0x77, Seq: uint16(i)}, pad)
			continue
		}
		write(at.Add(time.Millisecond),
			&layers.IPv4{Version: 4, TTL: 250, Protocol: layers.IPProtocolICMPv4, SrcIP: hop, DstIP: src},
			&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeTimeExceeded, 0)}, gopacket.Payload(probe[:28]))
	}
	return out.Bytes()
}

// TestReplayEndlessTraceBounded replays one trace that never ends, as an
// mtr left running gives: the analyzer cuts it into parts and hands each
// over, so the live heap a quarter of the way in is about what it is at
// the end; kept whole, the trace would make it grow fourfold.
func TestReplayEndlessTraceBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and replays 240k packets")
	}
	const probes = 120_000
	data := endlessCapture(t, probes)
	parts, got := 0, 0
	onTrace := func(tr *analyze.Trace) { parts++; got += len(tr.Probes) }
	base := liveHeap()
	var quarter uint64
	replayBytes(t, data, onTrace, probes/2, func(n int) {
		live := liveHeap()
		live -= min(base, live)
		switch n {
		case probes / 2: // a quarter of the packets
			quarter = live
		case 2 * probes:
			t.Logf("retained: %d KiB a quarter in, %d KiB at the end; %d parts so far", quarter>>10, live>>10, parts)
			if live > quarter*3/2 {
				t.Errorf("live heap grew from %d KiB a quarter of the way in to %d KiB at the end: the trace is kept whole",
					quarter>>10, live>>10)
			}
		}
	})
	if got != probes || parts < probes/16384 {
		t.Errorf("%d parts holding %d probes, want every one of %d probes in parts of at most 16384", parts, got, probes)
	}
}
