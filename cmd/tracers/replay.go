package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tracers/tracers/internal/hugepage"
	"github.com/tracers/tracers/replay"
	"github.com/tracers/tracers/report"
	runs "github.com/tracers/tracers/run" // named apart from the lab tests' run helper
)

// replayMemoryLimit is the soft memory limit of tracers replay.
const replayMemoryLimit = 48 << 20

// replayHugeHeap is how much of the heap replay backs with huge pages:
// about what a busy replay's heap keeps in use. More would add to the peak
// RSS in 2 MiB steps for no gain.
const replayHugeHeap = 32 << 20

// replayHugeFile is the size of capture from which replay asks for huge
// pages under its heap (a pipe always does: its size is unknown).
const replayHugeFile = 16 << 20

func newReplay() *cobra.Command {
	var o replay.Options
	var packets bool
	var fields []string
	c := &cobra.Command{
		Use:   "replay [flags] FILE",
		Short: "Reconstruct every traceroute in a pcap or pcapng file (- reads standard input)",
		Example: `  tracers replay trace.pcapng
  tracers replay --stats --explain trace.pcap
  tracers replay --format json - < trace.pcap
  tracers replay --filter 'not host 10.0.0.9' --write traces.pcapng trace.pcap
  tracers replay --format fields -e ip.src -e ip.ttl -e icmp.type trace.pcap`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{fmt.Errorf("replay takes exactly one FILE, got %d arguments", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.File = args[0]
			switch o.Format {
			case "text", "json", "csv", "fields":
			default:
				return usageError{fmt.Errorf("--format %q: want text, json, csv or fields", o.Format)}
			}
			// Flags that would otherwise be ignored: --stats and --explain
			// add to the text output, --packets lists packets as text or
			// as --format fields does.
			for _, c := range []struct {
				flag string
				on   bool
				with []string // the formats it goes with
			}{
				{"--stats", o.Stats, []string{"text"}},
				{"--explain", o.Explain, []string{"text"}},
				{"--packets", packets, []string{"text", "fields"}},
			} {
				if c.on && !slices.Contains(c.with, o.Format) {
					return usageError{fmt.Errorf("%s does not go with --format %s (only with %s)", c.flag, o.Format, strings.Join(c.with, " or "))}
				}
			}
			if packets && (o.Stats || o.Explain) {
				return usageError{fmt.Errorf("--packets lists packets: --stats and --explain go with the traces")}
			}
			if (packets || o.Format == "fields") && o.Write != "" {
				return usageError{fmt.Errorf("--write keeps the packets of traces: it does not go with --packets or --format fields")}
			}
			// A soft memory limit keeps the peak RSS of a replay under 64 MB
			// (the analyzer holds ~20 MB on a busy capture; the collector
			// would let the heap double). GOMEMLIMIT, when set, wins.
			if os.Getenv("GOMEMLIMIT") == "" {
				debug.SetMemoryLimit(replayMemoryLimit)
			}
			// On machines where a page fault is dear (virtual machines),
			// 2 MiB pages under the heap take an eighth off a big replay's
			// CPU time (internal/hugepage has the figures). A small capture
			// does without: the 32 MiB allocation that maps them starts a
			// collection at once, which faults in gopacket's tables (about
			// 5 MB), and costs a small replay more than its whole work:
			// replay of a 13 KB capture in testdata took 49.6/43.2 ms with
			// them and 28.4/27.3 ms without (2,040 against 670 page
			// faults; perf stat -r 30, in turns, 2026-12-02).
			// Nothing changes when that fails.
			if st, err := os.Stat(o.File); err != nil || !st.Mode().IsRegular() || st.Size() >= replayHugeFile {
				_ = hugepage.Heap(replayHugeHeap)
			}
			if packets || o.Format == "fields" {
				if len(fields) > 0 && o.Format != "fields" {
					return usageError{fmt.Errorf("-e needs --format fields")}
				}
				format := "text"
				if o.Format == "fields" {
					format = "fields"
					// No field, or one tracers does not print, is a bad
					// command line, found before the file is read.
					if _, err := report.NewFieldWriter(io.Discard, fields); err != nil {
						return usageError{err}
					}
				}
				po := replay.PacketOptions{File: o.File, Filter: o.Filter, Format: format, Fields: fields, Warn: cmd.ErrOrStderr()}
				ctx, stop := runs.Interruptible(cmd.Context())
				defer stop()
				return replay.Packets(ctx, po, cmd.OutOrStdout())
			}
			if len(fields) > 0 {
				return usageError{fmt.Errorf("-e needs --format fields")}
			}
			o.App = "tracers " + version
			o.Command = commandLine(os.Args)
			o.Warn = cmd.ErrOrStderr()
			ctx, stop := runs.Interruptible(cmd.Context())
			defer stop()
			return replay.Run(ctx, o, cmd.OutOrStdout())
		},
	}
	f := c.Flags()
	f.StringVar(&o.Format, "format", "text", "output format: text, json, csv, or fields (one line per packet, as tshark -T fields)")
	f.BoolVar(&packets, "packets", false, "one line per packet, as a lab asks for, with the probe or reply each packet is")
	f.StringArrayVarP(&fields, "field", "e", nil, "with --format fields: a tshark field to print (repeat for several), e.g. -e ip.src -e ip.ttl")
	f.BoolVar(&o.Stats, "stats", false, "add an mtr-like table per trace, up to the hop where it ended")
	f.StringVar(&o.Write, "write", "", "save the packets of the traces found to FILE (.pcap, or .pcapng), dropping unrelated traffic")
	f.BoolVar(&o.Explain, "explain", false, "explain under each hop what its packets show")
	f.StringVar(&o.Filter, "filter", "", "read only packets that match this BPF expression (as tcpdump -r FILE EXPR)")
	f.BoolP("numeric", "n", false, "accepted out of habit (traceroute -n, tcpdump -n): replay never resolves names anyway")
	return c
}
