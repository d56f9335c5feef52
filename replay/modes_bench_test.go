package replay_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/capture"
	"github.com/tracers/tracers/internal/gencap"
	"github.com/tracers/tracers/replay"
)

// realPackets is the size of the real-traffic benchmark capture.
const realPackets = 200_000

// realCapture is a capture of realPackets packets that gencap.Mix makes
// from the real captures of testdata/captures, written once per test
// binary into a temporary file; REPLAY_BENCH_FILE names another file to
// use instead (the 2M-packet file of scripts/bench-replay.sh).
var realCapture = sync.OnceValues(func() (string, error) {
	if f := os.Getenv("REPLAY_BENCH_FILE"); f != "" {
		return f, nil
	}
	names, err := filepath.Glob("../testdata/captures/*.pcap*")
	if err != nil {
		return "", err
	}
	var srcs []gencap.Source
	for _, name := range names {
		r, err := capture.OpenFile(name)
		if err != nil {
			return "", err
		}
		src := gencap.Source{Name: name}
		var p analyze.Packet
		for {
			if err := r.Read(&p); err != nil {
				if !errors.Is(err, io.EOF) {
					return "", err
				}
				break
			}
			src.Link = p.Link
			src.Packets = append(src.Packets, gencap.SourcePacket{At: p.Time, Data: slices.Clone(p.Data), Len: p.Len})
		}
		r.Close()
		srcs = append(srcs, src)
	}
	f, err := os.CreateTemp("", "replay-real-*.pcap")
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := gencap.Mix(f, srcs, gencap.MixOptions{Packets: realPackets}); err != nil {
		return "", err
	}
	return f.Name(), f.Close()
})

// BenchmarkModes replays the real-traffic capture in every output mode of
// tracers replay, output discarded: one op is the whole capture.
//
//	go test -run - -bench Modes/csv -cpuprofile cpu.out ./replay/
func BenchmarkModes(b *testing.B) {
	name, err := realCapture()
	if err != nil {
		b.Fatal(err)
	}
	modes := []struct {
		name string
		o    replay.Options
	}{
		{"text", replay.Options{Format: "text"}},
		{"json", replay.Options{Format: "json"}},
		{"csv", replay.Options{Format: "csv"}},
		{"stats", replay.Options{Format: "text", Stats: true}},
		{"explain", replay.Options{Format: "text", Explain: true}},
	}
	for _, m := range modes {
		b.Run(m.name, func(b *testing.B) {
			b.ReportAllocs()
			o := m.o
			o.File = name
			for b.Loop() {
				if err := replay.Run(context.Background(), o, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("packets", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := replay.Packets(context.Background(), replay.PacketOptions{File: name}, io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkReadPath is the work of a replay's reading goroutine alone on
// the real-traffic capture: capture.Reader, analyze.Decoder and
// Analyzer.Prepare, one op the whole capture. That goroutine bounds a
// replay's speed (the analyzer's and the renderer's run beside it), so
// this is where a change to the read path shows, undiluted.
//
//	go test -run - -bench ReadPath -count 6 ./replay/
func BenchmarkReadPath(b *testing.B) {
	name, err := realCapture()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	packets := 0
	for b.Loop() {
		r, err := capture.OpenFile(name)
		if err != nil {
			b.Fatal(err)
		}
		an := analyze.New(analyze.Options{})
		dec := analyze.NewDecoder()
		var (
			p    analyze.Packet
			inf  analyze.Info
			note analyze.Note
		)
		for {
			if err := r.Read(&p); err != nil {
				if !errors.Is(err, io.EOF) {
					b.Fatal(err)
				}
				break
			}
			err := dec.Decode(p.Link, p.Data, &inf)
			an.Prepare(&note, p.Time, &inf, err)
			packets++
		}
		r.Close()
	}
	b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(packets), "ns/packet")
}
