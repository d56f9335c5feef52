package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/tracers/tracers/replay"
)

func newReplay() *cobra.Command {
	var o replay.Options
	c := &cobra.Command{
		Use:   "replay [flags] FILE",
		Short: "Reconstruct every traceroute in a pcap or pcapng file (- reads standard input)",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{fmt.Errorf("replay takes exactly one FILE, got %d arguments", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.File = args[0]
			o.App = "tracers " + version
			o.Command = commandLine(os.Args)
			return replay.Run(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f := c.Flags()
	f.StringVar(&o.Format, "format", "text", "output format: text, json or csv")
	f.BoolVar(&o.Stats, "stats", false, "add an mtr-like table per hop")
	f.StringVar(&o.Write, "write", "", "save the packets of the traces found to FILE (.pcap, or .pcapng), dropping unrelated traffic")
	f.BoolVar(&o.Explain, "explain", false, "explain under each hop what its packets show")
	f.StringVar(&o.Filter, "filter", "", "read only packets that match this BPF expression (as tcpdump -r FILE EXPR)")
	return c
}
