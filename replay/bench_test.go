package replay_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/capture"
	"github.com/tracers/tracers/internal/gencap"
	"github.com/tracers/tracers/replay"
)

// benchPackets is the size of the benchmark capture.
const benchPackets = 200_000

type genResult struct {
	data []byte
	sum  gencap.Summary
	err  error
}

// benchCaptures are generated once per test binary, on first use.
var benchCaptures = map[gencap.Format]func() genResult{
	gencap.PCAP:   sync.OnceValue(func() genResult { return genCapture(gencap.Options{Packets: benchPackets}) }),
	gencap.PCAPNG: sync.OnceValue(func() genResult { return genCapture(gencap.Options{Packets: benchPackets, Format: gencap.PCAPNG}) }),
}

func genCapture(o gencap.Options) genResult {
	var buf bytes.Buffer
	s, err := gencap.Write(&buf, o)
	return genResult{buf.Bytes(), s, err}
}

// replayBytes feeds the capture in data to an analyzer as `tracers replay`
// does, calling onTrace for each finished trace, and after every packet
// whose 1-based number is a multiple of every, calls at (when set).
func replayBytes(tb testing.TB, data []byte, onTrace func(*analyze.Trace), every int, at func(n int)) analyze.Stats {
	tb.Helper()
	r, err := capture.NewReader("gen.pcap", bytes.NewReader(data))
	if err != nil {
		tb.Fatalf("NewReader: %v", err)
	}
	an := analyze.New(analyze.Options{OnTrace: onTrace})
	for n := 1; ; n++ {
		p, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			tb.Fatalf("Next: %v", err)
		}
		an.Add(p)
		if at != nil && n%every == 0 {
			at(n)
		}
	}
	an.Close()
	return an.Stats()
}

// BenchmarkReplay replays a generated capture of benchPackets packets
// through capture.Reader and analyze.Analyzer, without rendering: one op is
// the whole capture.
func BenchmarkReplay(b *testing.B) {
	for _, f := range []gencap.Format{gencap.PCAP, gencap.PCAPNG} {
		b.Run(string(f), func(b *testing.B) {
			g := benchCaptures[f]()
			if g.err != nil {
				b.Fatal(g.err)
			}
			traces := 0
			onTrace := func(*analyze.Trace) { traces++ }
			b.ReportAllocs()
			b.SetBytes(int64(len(g.data)))
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for b.Loop() {
				replayBytes(b, g.data, onTrace, 0, nil)
			}
			runtime.ReadMemStats(&after)
			packets := float64(g.sum.Packets) * float64(b.N)
			b.ReportMetric(packets/b.Elapsed().Seconds(), "packets/s")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/packets, "ns/packet")
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/packets, "allocs/packet")
			b.ReportMetric(float64(traces)/float64(b.N), "traces/op")
		})
	}
}

// BenchmarkReplayRun is BenchmarkReplay end to end: replay.Run reading a
// file and rendering every trace, discarded.
func BenchmarkReplayRun(b *testing.B) {
	g := benchCaptures[gencap.PCAP]()
	if g.err != nil {
		b.Fatal(g.err)
	}
	name := filepath.Join(b.TempDir(), "gen.pcap")
	if err := os.WriteFile(name, g.data, 0o644); err != nil {
		b.Fatal(err)
	}
	for _, format := range []string{"json", "text"} {
		b.Run(format, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(g.data)))
			for b.Loop() {
				if err := replay.Run(context.Background(), replay.Options{File: name, Format: format}, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(g.sum.Packets)*float64(b.N)/b.Elapsed().Seconds(), "packets/s")
		})
	}
}

// liveHeap is the heap still reachable after a full collection.
func liveHeap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestReplayMemoryBounded replays a capture spanning many analyzer windows
// (30 s of capture time) and checks that what the analyzer keeps follows
// the probes in flight, not the packets read: the live heap at the end is
// about what it was a quarter of the way in, and few traces are still open
// when the capture ends. Keeping every trace would make the heap grow about
// fourfold between the two and leave every trace open until Close.
func TestReplayMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and replays 320k packets")
	}
	const packets = 320_000
	// 16 traces in flight: about 900 packets per capture second, so the
	// capture spans about 6 minutes and a quarter of it is 3 windows.
	g := genCapture(gencap.Options{Packets: packets, Concurrency: 16, Seed: 3})
	if g.err != nil {
		t.Fatal(g.err)
	}
	t.Logf("capture: %d packets, %d traces over %v; at most %d probes outstanding",
		g.sum.Packets, g.sum.Traces, g.sum.Duration, g.sum.MaxOutstanding)

	streamed, beforeClose := 0, 0
	onTrace := func(*analyze.Trace) { streamed++ }
	base := liveHeap()
	var quarter, peak uint64
	st := replayBytes(t, g.data, onTrace, packets/8, func(n int) {
		h := liveHeap()
		live := h - min(base, h)
		peak = max(peak, live)
		if n == packets/4 {
			quarter = live
		}
		if n < packets {
			return
		}
		beforeClose = streamed
		t.Logf("retained: %d KiB a quarter in, %d KiB at the end, peak %d KiB", quarter>>10, live>>10, peak>>10)
		if live > quarter*3/2 {
			t.Errorf("live heap grew from %d KiB a quarter of the way in to %d KiB at the end: analyzer state grows with the capture",
				quarter>>10, live>>10)
		}
	})
	open := streamed - beforeClose
	t.Logf("analyzer: %+v; %d traces streamed, %d of them still open at the end", st, streamed, open)
	if streamed < g.sum.Traces/2 {
		t.Errorf("%d traces streamed, want about %d", streamed, g.sum.Traces)
	}
	if open > streamed/4 {
		t.Errorf("%d of %d traces were still open at the end of the capture, want at most a quarter: finished traces are kept", open, streamed)
	}
}
