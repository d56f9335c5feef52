package main

import (
	"fmt"
	"io"
	"net/netip"
	"os"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/spf13/cobra"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/capture"
	"github.com/tracers/tracers/craft"
	"github.com/tracers/tracers/report"
)

// Defaults of tracers craft, stated in its help.
const (
	craftDefaultSrc  = "192.0.2.1"   // TEST-NET-1 (RFC 5737): never a real sender
	craftDefaultSrc6 = "2001:db8::1" // the IPv6 documentation prefix (RFC 3849): never a real sender either
	craftDefaultID   = 0x1234
	craftDefaultPort = 40000 // --sport: tracers run picks one per run
)

// craftOptions is what tracers craft shows: one probe, not sent.
type craftOptions struct {
	Spec craft.Spec // ICMP Echo, classic: the probe as it always was
	// Method, when its Proto is set, asks for probe Probe of a run of
	// that method instead (-P udp, -P tcp, --paris).
	Method  craft.Method
	Probe   int
	Write   string // one-packet pcap or pcapng file, "" for none
	Format  string // text or json
	Command string // the command line, for a pcapng section header
}

func newCraft() *cobra.Command {
	var (
		o            craftOptions
		src, dst     string
		ttl          int
		only4, only6 bool
		proto        string
		paris, fixed bool
		port, sport  uint16
	)
	c := &cobra.Command{
		Use:   "craft --dst ADDR [flags]",
		Short: "Show, field by field, the probe tracers would send (sends nothing, needs no privileges)",
		Long: `craft builds a probe for one TTL (hop limit) exactly as the live engine
builds it (gopacket layers), and shows it without sending it: a table of
every header field with its offset, size, value and meaning, a hex dump,
and the checksums as gopacket wrote them and as tracers' own RFC 1071
code computes them.

The family follows --dst: an IPv4 address gives IPv4 + ICMP Echo (IPv4
identification = ICMP sequence); an IPv6 address gives IPv6 + ICMPv6 Echo
(type 128), whose checksum covers the IPv6 pseudo-header (source, destination,
length, next header; RFC 8200 section 8.1), shown too. IPv6 has no header
checksum. -4 or -6 insists on a family.

-P/--protocol picks the method, as tracers run does: icmp (the default),
udp or tcp. craft's default is classic: its probe changes from one to the
next, as a plain traceroute's. tracers run sends Paris probes unless given
--classic, so craft --paris shows what tracers run sends, and craft alone
what tracers run --classic sends. -P icmp --paris holds the ICMP checksum
constant for the run through two payload bytes (scamper's icmp-paris). -P
udp sends classic traceroute UDP (destination port -p, 33434 by default, +
the probe number); with --paris both
ports stay fixed and the probe's identity goes into the UDP checksum (and the
IPv4 IP ID); with --fixed the destination port stays -p (default 53) and the
source port counts the probes (traceroute -U). -P tcp sends a SYN to -p
(default 80) from --sport, its identity in the sequence number. For UDP and
TCP the table shows the pseudo-header their checksum covers (IPv4: RFC 768,
RFC 9293; IPv6: RFC 8200 section 8.1). --probe N shows the run's probe N.

--write saves the probe as a one-packet capture (link type raw IP) that
Wireshark and tshark open.`,
		Example: `  tracers craft --dst 10.77.5.2 --ttl 3
  tracers craft -6 --dst fd77:5::2 --ttl 3
  tracers craft --dst 10.77.5.2 --ttl 3 -P udp --paris
  tracers craft -6 --dst fd77:5::2 --ttl 3 -P tcp -p 443
  tracers craft --dst 10.77.5.2 --ttl 3 --src 10.77.1.1 --id 0xbeef --write probe.pcap
  tshark -r probe.pcap -o ip.check_checksum:TRUE -V`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 0 {
				return usageError{fmt.Errorf("craft takes no arguments, got %q (use --dst ADDR)", args)}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if only4 && only6 {
				return usageError{fmt.Errorf("-4 and -6 exclude each other")}
			}
			if dst == "" {
				return usageError{fmt.Errorf("craft needs --dst ADDR, an IPv4 or IPv6 address")}
			}
			family := 0
			switch {
			case only4:
				family = 4
			case only6:
				family = 6
			}
			if o.Spec.Dst, err = parseAddr("--dst", dst, family); err != nil {
				return err
			}
			family = 4
			if o.Spec.Dst.Is6() {
				family = 6
			}
			if !cmd.Flags().Changed("src") && family == 6 {
				src = craftDefaultSrc6
			}
			if o.Spec.Src, err = parseAddr("--src", src, family); err != nil {
				return err
			}
			if ttl < 1 || ttl > 255 {
				return usageError{fmt.Errorf("--ttl %d: must be in 1..255", ttl)}
			}
			o.Spec.TTL = uint8(ttl)
			if err := craftMethod(cmd, &o, proto, paris, fixed, port, sport); err != nil {
				return err
			}
			if !cmd.Flags().Changed("seq") {
				o.Spec.Seq = craft.SeqFor(o.Spec.TTL, 0)
			}
			switch {
			case family == 4 && cmd.Flags().Changed("flow"):
				return usageError{fmt.Errorf("--flow: IPv4 has no flow label (it is an IPv6 field)")}
			case family == 6 && o.Spec.Flow > 0xfffff:
				return usageError{fmt.Errorf("--flow %#x: must be in 0..0xfffff (20 bits)", o.Spec.Flow)}
			case family == 4:
				o.Spec.IPID = o.Spec.Seq
			}
			if limit := craft.MaxPayloadTo(o.Spec.Dst); o.Spec.Payload < 0 || o.Spec.Payload > limit {
				return usageError{fmt.Errorf("--payload %d: must be in 0..%d", o.Spec.Payload, limit)}
			}
			if o.Format != "text" && o.Format != "json" {
				return usageError{fmt.Errorf("--format %q: must be text or json", o.Format)}
			}
			o.Command = commandLine(os.Args)
			return showProbe(o, cmd.OutOrStdout())
		},
	}
	f := c.Flags()
	f.BoolVarP(&only4, "ipv4", "4", false, "insist on IPv4: --dst must be an IPv4 address")
	f.BoolVarP(&only6, "ipv6", "6", false, "insist on IPv6: --dst must be an IPv6 address")
	f.StringVar(&dst, "dst", "", "destination IPv4 or IPv6 address (required); its family is the probe's")
	f.StringVar(&src, "src", craftDefaultSrc, "source address, of --dst's family; the default is TEST-NET-1 (RFC 5737), or 2001:db8::1 (RFC 3849) for IPv6, where tracers run takes the route's source")
	f.IntVar(&ttl, "ttl", 1, "IPv4 time to live or IPv6 hop limit: the hop the probe is for")
	f.Uint16Var(&o.Spec.ID, "id", craftDefaultID, "ICMP identifier, 0x prefix for hex (4660 = 0x1234); tracers run uses its process ID")
	f.Uint16Var(&o.Spec.Seq, "seq", 0, "ICMP sequence, also the IPv4 identification (default TTL<<8, attempt 0, as tracers run numbers probes)")
	f.Uint32Var(&o.Spec.Flow, "flow", 0, "IPv6 flow label, 0..0xfffff (IPv6 only)")
	f.IntVar(&o.Spec.Payload, "payload", craft.DefaultPayload, "ICMP payload bytes")
	f.StringVarP(&proto, "protocol", "P", "icmp", "probe method: icmp, udp or tcp")
	f.BoolVar(&paris, "paris", false, "Paris: keep every field a load balancer hashes constant for the run (tcp always is)")
	f.BoolVar(&fixed, "fixed", false, "udp: one destination port (-p, default 53) for every probe, the source port counting them (traceroute -U)")
	f.Uint16VarP(&port, "port", "p", 0, "udp: base port (classic, default 33434) or the fixed port (--paris 33434, --fixed 53); tcp: destination port (default 80)")
	f.Uint16Var(&sport, "sport", craftDefaultPort, "udp and tcp: the run's source port (tracers run picks one per run)")
	f.IntVar(&o.Probe, "probe", 0, "with -P udp, -P tcp or --paris: show the run's probe N (0 the first), as the engine numbers them")
	f.StringVar(&o.Write, "write", "", "save the probe to FILE, a pcap (or .pcapng) with link type raw IP")
	f.StringVar(&o.Format, "format", "text", "output format: text or json")
	return c
}

// parseAddr parses an address given to flag: IPv4 or IPv6 (family 0), or
// only family 4 or 6. An IPv4-mapped IPv6 address is refused: write the
// IPv4 address.
func parseAddr(flag, s string, family int) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	switch {
	case err != nil && family == 4:
		return netip.Addr{}, usageError{fmt.Errorf("%s %q: not an IPv4 address", flag, s)}
	case err != nil && family == 6:
		return netip.Addr{}, usageError{fmt.Errorf("%s %q: not an IPv6 address", flag, s)}
	case err != nil:
		return netip.Addr{}, usageError{fmt.Errorf("%s %q: not an IPv4 or IPv6 address", flag, s)}
	case a.Is4In6():
		return netip.Addr{}, usageError{fmt.Errorf("%s %q: an IPv4-mapped IPv6 address; write %v for IPv4", flag, s, a.Unmap())}
	case family == 4 && !a.Is4():
		return netip.Addr{}, usageError{fmt.Errorf("%s %q: not an IPv4 address", flag, s)}
	case family == 6 && !a.Is6():
		return netip.Addr{}, usageError{fmt.Errorf("%s %q: not an IPv6 address", flag, s)}
	}
	return a, nil
}

// craftMethod fills o.Method from the method flags, leaving it zero for
// classic ICMP, whose probe o.Spec describes as it always has.
func craftMethod(cmd *cobra.Command, o *craftOptions, proto string, paris, fixed bool, port, sport uint16) error {
	changed := cmd.Flags().Changed
	p, ok := analyze.ParseProto(proto)
	if !ok {
		return usageError{fmt.Errorf("-P/--protocol %q: must be icmp, udp or tcp", proto)}
	}
	switch {
	case fixed && p != analyze.UDP:
		return usageError{fmt.Errorf("--fixed: for -P udp only")}
	case fixed && paris:
		return usageError{fmt.Errorf("--fixed and --paris exclude each other (Paris keeps both ports fixed already)")}
	case p == analyze.ICMP && (changed("port") || changed("sport")):
		return usageError{fmt.Errorf("-p/--port and --sport: for -P udp and -P tcp only")}
	case p == analyze.ICMP && !paris:
		if changed("probe") {
			return usageError{fmt.Errorf("--probe: with -P udp, -P tcp or --paris (classic ICMP takes --seq)")}
		}
		return nil
	case changed("seq"):
		return usageError{fmt.Errorf("--seq: for classic ICMP only (the method numbers its probes; use --probe N)")}
	case o.Probe < 0 || o.Probe > 65533:
		return usageError{fmt.Errorf("--probe %d: must be in 0..65533", o.Probe)}
	}
	o.Method = craft.Method{Proto: p, Paris: paris, Fixed: fixed, Port: port, SrcPort: sport, ID: o.Spec.ID, Flow: o.Spec.Flow, Payload: o.Spec.Payload}
	return nil
}

// showProbe builds o.Spec, or probe o.Probe of a run of o.Method, writes
// it to o.Write if set, and shows it on out.
func showProbe(o craftOptions, out io.Writer) error {
	if o.Method.Proto != 0 {
		return showMethodProbe(o, out)
	}
	pkt, err := craft.NewBuilder().Build(o.Spec)
	if err != nil {
		return err
	}
	if o.Write != "" {
		if err := writeProbe(o, pkt); err != nil {
			return err
		}
	}
	if o.Format == "json" {
		return report.ProbeJSON(out, o.Spec, pkt, o.Write)
	}
	return report.Probe(out, o.Spec, pkt, o.Write)
}

// writeProbe saves pkt as a one-packet capture stamped with the time now.
func writeProbe(o craftOptions, pkt []byte) error {
	w, err := capture.Create(o.Write, layers.LinkTypeRaw, capture.Meta{
		Application: "tracers " + version, Comment: o.Command,
	})
	if err != nil {
		return err
	}
	werr := w.Write(analyze.Packet{Time: time.Now(), Link: layers.LinkTypeRaw, Data: pkt})
	if cerr := w.Close(); werr == nil {
		werr = cerr
	}
	return werr
}

// showMethodProbe builds probe o.Probe at o.Spec.TTL of a run of o.Method
// and shows it. The probes before it are built too, so that ICMP numbers
// its attempt as the engine would.
func showMethodProbe(o craftOptions, out io.Writer) error {
	p, err := craft.NewProber(o.Method, o.Spec.Src, o.Spec.Dst)
	if err != nil {
		return usageError{err}
	}
	if n, rule := p.Method().Probes(); o.Probe >= n {
		return usageError{fmt.Errorf("--probe %d: %s, so probes 0..%d here", o.Probe, rule, n-1)}
	}
	var pkt []byte
	for n := 0; n <= o.Probe; n++ {
		if pkt, err = p.Build(o.Spec.TTL, n); err != nil {
			return err
		}
	}
	if o.Write != "" {
		if err := writeProbe(o, pkt); err != nil {
			return err
		}
	}
	if o.Format == "json" {
		return report.MethodProbeJSON(out, p.Method(), o.Spec.Src, o.Spec.Dst, o.Spec.TTL, o.Probe, pkt, o.Write)
	}
	return report.MethodProbe(out, p.Method(), o.Spec.Src, o.Spec.Dst, o.Spec.TTL, o.Probe, pkt, o.Write)
}
