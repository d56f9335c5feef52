// Command gencap writes a synthetic capture of traceroute traffic, for
// benchmarking `tracers replay`:
//
//	go run ./scripts/gencap -o /tmp/replay.pcap -packets 2000000 [-format pcap|pcapng]
//
// The same flags give the same bytes. See package internal/gencap for what
// the capture holds.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/tracers/tracers/internal/gencap"
)

func main() {
	var (
		out    = flag.String("o", "", "output `file` (- for standard output)")
		format = flag.String("format", "pcap", "capture format: pcap or pcapng")
		o      gencap.Options
	)
	flag.IntVar(&o.Packets, "packets", 1000000, "number of packets to write")
	flag.Uint64Var(&o.Seed, "seed", 1, "random seed")
	flag.IntVar(&o.Concurrency, "concurrency", 64, "traces in flight at once")
	flag.Parse()
	o.Format = gencap.Format(*format)
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: gencap -o FILE [-packets N] [-format pcap|pcapng] [-seed S] [-concurrency C]")
		os.Exit(2)
	}
	if err := run(*out, o); err != nil {
		fmt.Fprintf(os.Stderr, "gencap: %v\n", err)
		os.Exit(1)
	}
}

func run(name string, o gencap.Options) error {
	w := os.Stdout
	if name != "-" {
		f, err := os.Create(name)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	s, err := gencap.Write(w, o)
	if err != nil {
		return err
	}
	if name != "-" {
		if err := w.Close(); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "gencap: %s: %d packets (%d probes, %d replies, %d other) in %d traces over %v of capture time (%.0f packets/s), at most %d probes outstanding\n",
		name, s.Packets, s.Probes, s.Replies, s.Other, s.Traces, s.Duration.Round(time.Millisecond), s.PacketsPerSecond(), s.MaxOutstanding)
	return nil
}
