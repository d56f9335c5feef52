package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	runs "github.com/tracers/tracers/run" // named apart from the lab tests' run helper
	"github.com/tracers/tracers/trace"
)

func newRun() *cobra.Command {
	var o runs.Options
	var v4, v6 bool
	var wait float64
	var gapLimit int
	c := &cobra.Command{
		Use:   "run [flags] HOST",
		Short: "Trace the path to HOST with ICMP Echo probes (needs root or CAP_NET_RAW)",
		Long: "Trace the path to HOST with ICMP Echo probes, or ICMPv6 Echo probes for an IPv6 address\n" +
			"(needs root or CAP_NET_RAW). A name with both address kinds is traced over IPv4 unless -6,\n" +
			"as Linux traceroute.",
		Example: `  sudo tracers run -n 10.77.5.2
  sudo tracers run -6 -n fd77:5::2
  sudo tracers run --write trace.pcapng --format json example.net`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{fmt.Errorf("run takes exactly one HOST, got %d arguments", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Host = args[0]
			switch {
			case v4 && v6:
				return usageError{fmt.Errorf("-4 and -6 exclude each other")}
			case v4:
				o.Family = 4
			case v6:
				o.Family = 6
			}
			if o.Format != "text" && o.Format != "json" {
				return usageError{fmt.Errorf("--format %q: want text or json", o.Format)}
			}
			if wait <= 0 || wait > 60 {
				return usageError{fmt.Errorf("-w %g: wait must be in (0, 60] seconds", wait)}
			}
			o.Wait = time.Duration(wait * float64(time.Second))
			if gapLimit < 0 || gapLimit > 255 {
				return usageError{fmt.Errorf("--gap-limit %d: want 0 (none) to 255", gapLimit)}
			}
			o.GapLimit = gapLimit
			if gapLimit == 0 {
				o.GapLimit = -1 // trace.Options: negative is no limit
			}
			if o.FirstHop < 1 || o.MaxHops < 1 || o.Queries < 1 || o.InFlight < 1 || o.Rate <= 0 {
				return usageError{fmt.Errorf("-f, -m, -q, -N and --rate must be positive")}
			}
			if err := o.Check(); err != nil {
				return usageError{err}
			}
			o.App = "tracers " + version
			o.Command = commandLine(os.Args)
			o.Stderr = cmd.ErrOrStderr()
			return runs.Live(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f := c.Flags()
	f.BoolVarP(&v4, "ipv4", "4", false, "trace over IPv4 only")
	f.BoolVarP(&v6, "ipv6", "6", false, "trace over IPv6 only (a name with both kinds of address: IPv4 unless -6)")
	f.IntVarP(&o.MaxHops, "max-hops", "m", trace.DefaultMaxHops, "highest TTL to probe")
	f.IntVarP(&o.FirstHop, "first-hop", "f", 1, "TTL of the first hop to probe")
	f.IntVarP(&o.Queries, "queries", "q", trace.DefaultQueries, "probes per hop")
	f.Float64VarP(&wait, "wait", "w", trace.DefaultWait.Seconds(), "longest wait for a reply, in seconds (the wait adapts to RTTs seen, up to this)")
	f.BoolVarP(&o.Numeric, "numeric", "n", false, "print addresses only, no reverse DNS")
	f.StringVarP(&o.Iface, "interface", "i", "", "interface to send and capture on (default: the route's)")
	f.StringVarP(&o.Source, "source", "s", "", "source address (default: the kernel's choice for the route)")
	f.IntVarP(&o.InFlight, "sim-queries", "N", trace.DefaultInFlight, "probes awaiting an answer at once, at most (traceroute -N; the sending follows the path, see README)")
	f.Float64Var(&o.Rate, "rate", trace.DefaultRate, "probes per second at most")
	f.IntVar(&gapLimit, "gap-limit", trace.DefaultGapLimit, "stop after N silent TTLs past the last answer, as mtr --max-unknown (0: probe on to --max-hops)")
	f.StringVar(&o.Write, "write", "", "save every captured packet to FILE (.pcap, or .pcapng)")
	f.StringVar(&o.Format, "format", "text", "output format: text or json")
	f.BoolVar(&o.Explain, "explain", false, "explain under each hop what its packets show (hops print when the trace ends)")
	return c
}
