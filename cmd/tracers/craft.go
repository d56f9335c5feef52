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
	craftDefaultSrc = "192.0.2.1" // TEST-NET-1 (RFC 5737): never a real sender
	craftDefaultID  = 0x1234
)

// craftOptions is what tracers craft shows: one probe, not sent.
type craftOptions struct {
	Spec    craft.Spec
	Write   string // one-packet pcap or pcapng file, "" for none
	Format  string // text or json
	Command string // the command line, for a pcapng section header
}

func newCraft() *cobra.Command {
	var (
		o        craftOptions
		src, dst string
		ttl      int
	)
	c := &cobra.Command{
		Use:   "craft --dst ADDR [flags]",
		Short: "Show, field by field, the probe tracers would send (sends nothing, needs no privileges)",
		Long: `craft builds the IPv4 ICMP Echo Request probe tracers run would send for one TTL,
exactly as the live engine builds it (gopacket layers, IPv4 identification = ICMP
sequence), and shows it without sending it: a table of every IPv4 and ICMP field
with its offset, size, value and meaning, a hex dump, and both checksums as
gopacket wrote them and as tracers' own RFC 1071 code computes them.

--write saves the probe as a one-packet capture (link type raw IPv4) that
Wireshark and tshark open.`,
		Example: `  tracers craft --dst 10.77.5.2 --ttl 3
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
			if dst == "" {
				return usageError{fmt.Errorf("craft needs --dst ADDR, an IPv4 address")}
			}
			if o.Spec.Dst, err = parseIPv4("--dst", dst); err != nil {
				return err
			}
			if o.Spec.Src, err = parseIPv4("--src", src); err != nil {
				return err
			}
			if ttl < 1 || ttl > 255 {
				return usageError{fmt.Errorf("--ttl %d: must be in 1..255", ttl)}
			}
			o.Spec.TTL = uint8(ttl)
			if !cmd.Flags().Changed("seq") {
				o.Spec.Seq = craft.SeqFor(o.Spec.TTL, 0)
			}
			o.Spec.IPID = o.Spec.Seq
			if o.Spec.Payload < 0 || o.Spec.Payload > craft.MaxPayload {
				return usageError{fmt.Errorf("--payload %d: must be in 0..%d", o.Spec.Payload, craft.MaxPayload)}
			}
			if o.Format != "text" && o.Format != "json" {
				return usageError{fmt.Errorf("--format %q: must be text or json", o.Format)}
			}
			o.Command = commandLine(os.Args)
			return showProbe(o, cmd.OutOrStdout())
		},
	}
	f := c.Flags()
	f.StringVar(&dst, "dst", "", "destination IPv4 address (required)")
	f.StringVar(&src, "src", craftDefaultSrc, "source IPv4 address; the default is TEST-NET-1 (RFC 5737), where tracers run takes the route's source")
	f.IntVar(&ttl, "ttl", 1, "IPv4 time to live: the hop the probe is for")
	f.Uint16Var(&o.Spec.ID, "id", craftDefaultID, "ICMP identifier, 0x prefix for hex (4660 = 0x1234); tracers run uses its process ID")
	f.Uint16Var(&o.Spec.Seq, "seq", 0, "ICMP sequence, also the IPv4 identification (default TTL<<8, attempt 0, as tracers run numbers probes)")
	f.IntVar(&o.Spec.Payload, "payload", craft.DefaultPayload, "ICMP payload bytes")
	f.StringVar(&o.Write, "write", "", "save the probe to FILE, a pcap (or .pcapng) with link type raw IPv4")
	f.StringVar(&o.Format, "format", "text", "output format: text or json")
	return c
}

func parseIPv4(flag, s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return netip.Addr{}, usageError{fmt.Errorf("%s %q: not an IPv4 address", flag, s)}
	}
	return a, nil
}

// showProbe builds o.Spec, writes it to o.Write if set, and shows it on out.
func showProbe(o craftOptions, out io.Writer) error {
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
