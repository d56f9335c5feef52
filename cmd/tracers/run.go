package main

import (
	"cmp"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/craft"

	runs "github.com/tracers/tracers/run" // named apart from the lab tests' run helper
	"github.com/tracers/tracers/trace"
)

func newRun() *cobra.Command {
	var o runs.Options
	var v4, v6 bool
	var wait, tailWait float64
	var mf methodFlags
	var gapLimit int
	c := &cobra.Command{
		Use:   "run [flags] HOST",
		Short: "Trace the path to HOST with ICMP Echo, UDP or TCP SYN probes (needs root or CAP_NET_RAW)",
		Long: "Trace the path to HOST with ICMP Echo probes (ICMPv6 Echo for an IPv6 address), UDP\n" +
			"datagrams (-P udp) or TCP SYNs (-P tcp, -T), over IPv4 or IPv6 (needs root or CAP_NET_RAW).\n" +
			"A name with both address kinds is traced over IPv4 unless -6, as Linux traceroute.\n\n" +
			"Probes are Paris by default: every field a per-flow load balancer hashes (the ports of UDP\n" +
			"and TCP, the checksum of ICMP) stays the same for the whole run, so that every probe takes\n" +
			"one path and the hops printed are a path that exists. --classic varies them as traceroute\n" +
			"does (UDP: destination port 33434 + probe number). TCP probes are Paris by construction.\n" +
			"A host reached by TCP is marked [open] when it answered SYN-ACK, [closed] when it answered RST.",
		Example: `  sudo tracers run -n 10.77.5.2
  sudo tracers run -6 -n fd77:5::2
  sudo tracers run -T -p 443 -n 10.77.5.2
  sudo tracers run -P udp --classic -n 10.77.5.2
  sudo tracers run --write trace.pcapng --format json example.net`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{fmt.Errorf("run takes exactly one HOST, got %d arguments", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Host = args[0]
			if strings.TrimSpace(o.Host) == "" {
				return usageError{fmt.Errorf("empty HOST")}
			}
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
			if o.Explain && o.Format != "text" {
				return usageError{fmt.Errorf("--explain does not go with --format %s (only with text)", o.Format)}
			}
			if !(wait > 0 && wait <= 60) { // NaN too
				return usageError{fmt.Errorf("-w %g: wait must be in (0, 60] seconds", wait)}
			}
			o.Wait = time.Duration(wait * float64(time.Second))
			if !cmd.Flags().Changed("tail-wait") {
				tailWait = min(tailWait, wait) // the engine's rule too
			}
			if !(tailWait > 0 && tailWait <= wait) {
				return usageError{fmt.Errorf("--tail-wait %g: want more than 0 and at most -w (%g) seconds", tailWait, wait)}
			}
			o.TailWait = time.Duration(tailWait * float64(time.Second))
			if gapLimit < 0 || gapLimit > 255 {
				return usageError{fmt.Errorf("--gap-limit %d: want 0 (none) to 255", gapLimit)}
			}
			o.GapLimit = gapLimit
			if gapLimit == 0 {
				o.GapLimit = -1 // trace.Options: negative is no limit
			}
			for _, c := range []struct {
				flag string
				v    int
			}{{"-f", o.FirstHop}, {"-m", o.MaxHops}, {"-q", o.Queries}, {"-N", o.InFlight}} {
				if c.v < 1 {
					return usageError{fmt.Errorf("%s %d: must be at least 1", c.flag, c.v)}
				}
			}
			if !(o.Rate > 0 && o.Rate <= 100000) { // NaN too
				return usageError{fmt.Errorf("--rate %g: want more than 0 and at most 100000 probes per second", o.Rate)}
			}
			if cmd.Flags().Changed("sim-queries") {
				// -N given: traceroute's window is that size too, as
				// with traceroute -N (README, "How long tracers waits").
				o.Window = o.InFlight
			}
			m, err := mf.method(cmd)
			if err != nil {
				return usageError{err}
			}
			o.Method = m
			if err := checkPorts(m, o.Options); err != nil {
				return usageError{err}
			}
			if err := o.Check(); err != nil {
				return usageError{err}
			}
			o.App = "tracers " + version
			o.Command = commandLine(os.Args)
			o.Stderr = cmd.ErrOrStderr()
			o.Exiting = exiting
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
	f.IntVarP(&o.InFlight, "sim-queries", "N", trace.DefaultInFlight, "probes awaiting an answer at once, at most; given, also the window the sending keeps past the first burst, as traceroute -N (default 16 there; see README)")
	f.Float64Var(&o.Rate, "rate", trace.DefaultRate, "probes per second at most (up to 10 ms worth may leave at once)")
	f.Float64Var(&tailWait, "tail-wait", trace.DefaultTailWait.Seconds(), "least wait, in seconds, for a probe past the last hop that answered (raise it, e.g. to 4, to see a last router's !H for a host that is down: ARP gives up after 3 s)")
	f.IntVar(&gapLimit, "gap-limit", trace.DefaultGapLimit, "stop after N silent TTLs past the last answer, as mtr --max-unknown (0: probe on to --max-hops)")
	f.StringVar(&o.Write, "write", "", "save every captured packet to FILE (.pcap, or .pcapng)")
	f.StringVar(&o.Format, "format", "text", "output format: text or json")
	f.BoolVar(&o.Explain, "explain", false, "explain under each hop what its packets show (hops print when the trace ends)")
	f.StringVarP(&mf.proto, "protocol", "P", "icmp", "probe protocol: icmp, udp or tcp")
	f.BoolVarP(&mf.icmp, "icmp", "I", false, "ICMP Echo probes (-P icmp), as traceroute -I")
	f.BoolVarP(&mf.tcp, "tcp", "T", false, "TCP SYN probes (-P tcp), to port 80 unless -p, as traceroute -T")
	f.BoolVarP(&mf.udp, "udp", "U", false, "UDP probes to one destination port, 53 unless -p, the source port counting up, as traceroute -U")
	f.Uint16VarP(&mf.port, "port", "p", 0, "destination port: UDP classic the first (default 33434, +1 per probe), UDP Paris and -U the one port (default 33434, -U 53), TCP the one port (default 80)")
	f.BoolVar(&mf.paris, "paris", false, "keep every field a load balancer hashes constant for the run (the default)")
	f.BoolVar(&mf.classic, "classic", false, "vary the ports (UDP) or the checksum (ICMP) per probe, as classic traceroute")
	return c
}

// checkPorts refuses a classic UDP run whose destination ports, one more
// per probe from -p, would pass 65535 before its last probe: the run
// would otherwise stop at that probe. (Paris UDP and TCP number more
// probes than a run sends; UDP to one port counts from a source port run
// chooses low enough.)
func checkPorts(m craft.Method, o trace.Options) error {
	if m.Proto != analyze.UDP || m.Paris || m.Fixed {
		return nil
	}
	first := max(o.FirstHop, 1)
	probes := (o.MaxHopsOr() - first + 1) * max(o.Queries, 1)
	if n, rule := m.Probes(); probes > n {
		port := cmp.Or(int(m.Port), craft.DefaultUDPPort)
		return fmt.Errorf("-p %d: %s, and this run sends %d probes (-f %d -m %d -q %d): want -p at most %d",
			port, rule, probes, first, o.MaxHopsOr(), max(o.Queries, 1), port+n-probes)
	}
	return nil
}

// methodFlags are run's flags that choose the probe method.
type methodFlags struct {
	proto          string
	icmp, tcp, udp bool
	port           uint16
	paris, classic bool
}

// method turns the flags into a craft.Method: Paris unless --classic or -U;
// the source port, identifier and payload are left for run to fill in.
func (mf methodFlags) method(cmd *cobra.Command) (craft.Method, error) {
	var m craft.Method
	n := 0
	for _, b := range []bool{mf.icmp, mf.tcp, mf.udp} {
		if b {
			n++
		}
	}
	if n > 1 {
		return m, fmt.Errorf("-I, -T and -U exclude each other")
	}
	proto := strings.ToLower(mf.proto)
	short := proto
	switch {
	case mf.icmp:
		short = "icmp"
	case mf.tcp:
		short = "tcp"
	case mf.udp:
		short = "udp"
	}
	if short != proto && cmd.Flags().Changed("protocol") {
		return m, fmt.Errorf("-P %s and -I, -T or -U disagree", mf.proto)
	}
	var ok bool
	if m.Proto, ok = analyze.ParseProto(short); !ok {
		return m, fmt.Errorf("-P %q: want icmp, udp or tcp", mf.proto)
	}
	if mf.paris && mf.classic {
		return m, fmt.Errorf("--paris and --classic exclude each other")
	}
	switch {
	case m.Proto == analyze.TCP && mf.classic:
		return m, fmt.Errorf("--classic: TCP probes keep their ports, Paris by construction")
	case mf.udp && mf.paris:
		return m, fmt.Errorf("-U varies the source port per probe: not Paris (-P udp is Paris UDP to one port pair)")
	case m.Proto == analyze.ICMP && cmd.Flags().Changed("port"):
		return m, fmt.Errorf("-p: ICMP probes have no port (use -P udp or -P tcp)")
	case cmd.Flags().Changed("port") && mf.port == 0:
		return m, fmt.Errorf("-p 0: want a port 1..65535")
	}
	m.Fixed = mf.udp
	m.Paris = !mf.classic && !mf.udp
	m.Port = mf.port
	return m, nil
}
