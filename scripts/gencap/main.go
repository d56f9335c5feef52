// Command gencap writes a capture of traceroute traffic, for benchmarking
// `tracers replay`:
//
//	go run ./scripts/gencap -o /tmp/replay.pcap -packets 2000000 [-format pcap|pcapng]
//	go run ./scripts/gencap -o /tmp/real.pcap -packets 2000000 -from testdata/captures
//	go run ./scripts/gencap -o /tmp/scan.pcap -scan -probes 1000000
//
// Without -from or -scan it writes synthetic traces (package
// internal/gencap). With -from DIR it plays the real captures of DIR
// (*.pcap, *.pcapng: every tool's, IPv4 and IPv6) again and again, shifted
// in time and moved to other addresses (gencap.Mix). With -scan it writes a
// yarrp-like scan: -probes probes at -rate per second, each destination
// probed at every TTL in random order (gencap.Scan). The same flags give
// the same bytes.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/capture"
	"github.com/tracers/tracers/internal/gencap"
)

func main() {
	var (
		out    = flag.String("o", "", "output `file` (- for standard output)")
		format = flag.String("format", "pcap", "capture format: pcap or pcapng (synthetic traces only)")
		from   = flag.String("from", "", "play the real captures of this `directory` (*.pcap, *.pcapng) instead of synthetic traces")
		scan   = flag.Bool("scan", false, "write a yarrp-like scan instead of traces")
		o      gencap.Options
		mo     gencap.MixOptions
		so     gencap.ScanOptions
	)
	flag.IntVar(&o.Packets, "packets", 1000000, "number of packets to write")
	flag.Uint64Var(&o.Seed, "seed", 1, "random seed")
	flag.IntVar(&o.Concurrency, "concurrency", 64, "traces in flight at once (synthetic), captures playing at once (-from)")
	flag.DurationVar(&mo.Pause, "pause", 0, "-from: mean pause between two captures in one lane (default 500ms)")
	flag.IntVar(&so.Probes, "probes", 1000000, "-scan: number of probes")
	flag.IntVar(&so.Rate, "rate", 0, "-scan: probes per second (default 100000)")
	flag.Parse()
	o.Format = gencap.Format(*format)
	if *out == "" || flag.NArg() > 0 || (*from != "" && *scan) {
		fmt.Fprintln(os.Stderr, "usage: gencap -o FILE [-packets N] [-format pcap|pcapng] [-seed S] [-concurrency C] [-from DIR [-pause D] | -scan [-probes N] [-rate R]]")
		os.Exit(2)
	}
	mo.Packets, mo.Seed, mo.Lanes = o.Packets, o.Seed, o.Concurrency
	so.Seed = o.Seed
	var err error
	switch {
	case *from != "":
		err = create(*out, func(w io.Writer) (string, error) { return mix(w, *from, mo) })
	case *scan:
		err = create(*out, func(w io.Writer) (string, error) {
			s, err := gencap.Scan(w, so)
			return fmt.Sprintf("%d packets (%d probes, %d replies) to %d destinations over %v of capture time",
				s.Packets, s.Probes, s.Replies, s.Destinations, s.Duration.Round(time.Millisecond)), err
		})
	default:
		err = create(*out, func(w io.Writer) (string, error) {
			s, err := gencap.Write(w, o)
			return fmt.Sprintf("%d packets (%d probes, %d replies, %d other) in %d traces over %v of capture time (%.0f packets/s), at most %d probes outstanding",
				s.Packets, s.Probes, s.Replies, s.Other, s.Traces, s.Duration.Round(time.Millisecond), s.PacketsPerSecond(), s.MaxOutstanding), err
		})
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "gencap: %v\n", err)
		os.Exit(1)
	}
}

// create writes name (- for standard output) with gen and prints gen's
// summary on standard error.
func create(name string, gen func(io.Writer) (string, error)) error {
	w := os.Stdout
	if name != "-" {
		f, err := os.Create(name)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	s, err := gen(w)
	if err != nil {
		return err
	}
	if name != "-" {
		if err := w.Close(); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "gencap: %s: %s\n", name, s)
	return nil
}

// mix plays the captures of dir into w.
func mix(w io.Writer, dir string, o gencap.MixOptions) (string, error) {
	var names []string
	for _, pat := range []string{"*.pcap", "*.pcapng"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			return "", err
		}
		names = append(names, m...)
	}
	slices.Sort(names)
	if len(names) == 0 {
		return "", fmt.Errorf("no *.pcap or *.pcapng in %s", dir)
	}
	srcs := make([]gencap.Source, 0, len(names))
	for _, name := range names {
		src, err := read(name)
		if err != nil {
			return "", err
		}
		srcs = append(srcs, src)
	}
	s, err := gencap.Mix(w, srcs, o)
	return fmt.Sprintf("%d packets from %d plays of %d captures over %v of capture time (%.0f packets/s), %d packets left out",
		s.Packets, s.Plays, len(srcs), s.Duration.Round(time.Millisecond), float64(s.Packets)/max(s.Duration.Seconds(), 1e-9), s.Skipped), err
}

// read reads a whole capture file.
func read(name string) (gencap.Source, error) {
	r, err := capture.OpenFile(name)
	if err != nil {
		return gencap.Source{}, err
	}
	defer r.Close()
	src := gencap.Source{Name: filepath.Base(name)}
	var p analyze.Packet
	for {
		if err := r.Read(&p); err != nil {
			if errors.Is(err, io.EOF) {
				return src, nil
			}
			return src, fmt.Errorf("%s: %w", name, err)
		}
		src.Link = p.Link // one interface in every capture of the project
		src.Packets = append(src.Packets, gencap.SourcePacket{At: p.Time, Data: slices.Clone(p.Data), Len: p.Len})
	}
}
