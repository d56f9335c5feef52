package main

import (
	"strings"

	"github.com/spf13/cobra"
)

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "tracers",
		Short:         "A traceroute that shows its work",
		Long:          "tracers crafts IPv4/ICMP probes with gopacket, sends them through a raw socket,\ncaptures the replies with libpcap, and writes or replays pcap files.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newRun(), newReplay(), newCraft(), newChecksum(), newVersion())
	return root
}

// commandLine is the command as typed, for pcapng section headers.
func commandLine(args []string) string { return strings.Join(args, " ") }
