package main

import (
	"strings"

	"github.com/spf13/cobra"
)

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "tracers",
		Short:         "A traceroute that shows its work",
		Long:          "tracers crafts ICMP, UDP and TCP probes over IPv4 and IPv6 with gopacket, sends\nthem through a raw socket, captures the replies with libpcap, and writes or\nreplays pcap files.",
		Example:       rootExample,
		Version:       version, // non-empty: cobra then has --version
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	// tracers --version prints what tracers version prints, read only
	// when asked for: the build information and the libpcap version cost
	// every start 0.1-0.2 ms here.
	cobra.AddTemplateFunc("tracersBuildInfo", func() string { return currentBuildInfo().String() })
	root.SetVersionTemplate("{{tracersBuildInfo}}")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newRun(), newReplay(), newCraft(), newChecksum(), newVersion())
	if g := newGendoc(); g != nil {
		root.AddCommand(g)
	}
	completeArgs(root)
	return root
}

// rootExample is tracers' own Example, shown by tracers --help and in tracers(1).
const rootExample = `  sudo tracers run -n 10.77.5.2
  tracers replay --format json trace.pcapng
  tracers craft --dst 10.77.5.2 --ttl 3
  tracers checksum 08 00 00 00 12 34 00 01
  tracers version`

// captureExts are the file name extensions the shells offer for capture
// files.
func captureExts() []string { return []string{"pcap", "pcapng", "cap"} }

// completeArgs registers what the shell completions offer beyond flag
// names: --format values, capture files for replay's argument and for
// --write, and nothing (no file names) for commands whose arguments are
// not files.
func completeArgs(root *cobra.Command) {
	// The --format values of each command that has the flag.
	formats := map[string][]string{
		"run":    {"text", "json"},
		"replay": {"text", "json", "csv", "fields"},
		"craft":  {"text", "json"},
	}
	for _, c := range root.Commands() {
		if values, ok := formats[c.Name()]; ok && c.Flags().Lookup("format") != nil {
			values := values
			_ = c.RegisterFlagCompletionFunc("format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
				return values, cobra.ShellCompDirectiveNoFileComp
			})
		}
		if c.Flags().Lookup("write") != nil {
			_ = c.MarkFlagFilename("write", captureExts()...)
		}
		if c.ValidArgsFunction != nil {
			continue
		}
		switch c.Name() {
		case "replay":
			c.ValidArgsFunction = func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
				if len(args) > 0 {
					return nil, cobra.ShellCompDirectiveNoFileComp
				}
				return captureExts(), cobra.ShellCompDirectiveFilterFileExt
			}
		case "run", "craft", "checksum", "version":
			c.ValidArgsFunction = cobra.NoFileCompletions
		}
	}
}

// commandLine is the command as typed, for pcapng section headers.
func commandLine(args []string) string { return strings.Join(args, " ") }
