package analyze

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"

	"github.com/tracers/tracers/internal/gencap"
)

// realMix returns n packets of gencap.Mix over the pcap files of
// testdata/captures: real traffic of every tool, both families.
func realMix(tb testing.TB, n int) []Packet {
	tb.Helper()
	names, err := filepath.Glob("../testdata/captures/*.pcap")
	if err != nil || len(names) == 0 {
		tb.Fatalf("no testdata captures: %v", err)
	}
	var srcs []gencap.Source
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		r, err := pcapgo.NewReader(bytes.NewReader(data))
		if err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		src := gencap.Source{Name: name, Link: r.LinkType()}
		for {
			d, ci, err := r.ReadPacketData()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				tb.Fatalf("%s: %v", name, err)
			}
			src.Packets = append(src.Packets, gencap.SourcePacket{At: ci.Timestamp, Data: d, Len: ci.Length})
		}
		srcs = append(srcs, src)
	}
	var buf bytes.Buffer
	if _, err := gencap.Mix(&buf, srcs, gencap.MixOptions{Packets: n}); err != nil {
		tb.Fatal(err)
	}
	r, err := pcapgo.NewReader(&buf)
	if err != nil {
		tb.Fatal(err)
	}
	ps := make([]Packet, 0, n)
	for {
		d, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return ps
		}
		if err != nil {
			tb.Fatal(err)
		}
		ps = append(ps, Packet{Time: ci.Timestamp, Link: r.LinkType(), Data: slices.Clone(d), Len: ci.Length})
	}
}

// BenchmarkAddNotes isolates AddNotes' look-ahead (the index slot of the
// note lookAhead places on is loaded ahead, PREFETCHT0): "ahead" feeds a
// real-traffic mix in batches of 1024 notes through AddNotes as a replay
// does, "plain" through a loop without the look-ahead. Here, with nothing
// else running, the index stays in the cache and the two take the same
// time; in a replay the reader and the renderer push it out, and the
// look-ahead saves a quarter of the analyzer's time (see AddNotes). On a
// shared machine compare the CPU profiles of the two, run in turns:
//
//	go test -c -o an.test ./analyze/ && cd analyze
//	for i in 1 2 3 4 5 6; do for v in ahead plain; do
//		../an.test -test.run - -test.bench "AddNotes/$v\$" -test.benchtime 20x -test.cpuprofile $v-$i.prof
//	done; done
func BenchmarkAddNotes(b *testing.B) {
	ps := realMix(b, 200_000)
	ns := make([]Note, len(ps))
	run := func(b *testing.B, feed func(a *Analyzer, batch []Note)) {
		for b.Loop() {
			b.StopTimer()
			a := New(Options{OnTrace: func(*Trace) {}})
			var inf Info
			for i, p := range ps {
				err := a.dec.Decode(p.Link, p.Data, &inf)
				a.Prepare(&ns[i], p.Time, &inf, err)
			}
			b.StartTimer()
			for i := 0; i < len(ns); i += 1024 {
				feed(a, ns[i:min(i+1024, len(ns))])
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ns)), "ns/packet")
	}
	b.Run("ahead", func(b *testing.B) { run(b, (*Analyzer).AddNotes) })
	b.Run("plain", func(b *testing.B) {
		run(b, func(a *Analyzer, batch []Note) {
			var ev Event
			for i := range batch {
				a.addNote(&batch[i], &ev)
			}
		})
	})
}
