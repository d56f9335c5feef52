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
