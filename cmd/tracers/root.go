package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// commands builds tracers' commands, by name.
var commands = []struct {
	name string
	new  func() *cobra.Command
}{
	{"run", newRun}, {"replay", newReplay}, {"craft", newCraft}, {"checksum", newChecksum}, {"version", newVersion},
}

// newRoot builds the command tree for a command line whose arguments
// (without the program name) are args. When args starts with a command's
// name, only that command is built, and no completion command (cobra's
// own): a cold start of tracers run then builds 0.6 ms less of a tree it
// never uses (bench-startup.sh, 3 x 100 runs in turns: 25.82/25.83/27.01
// against 24.98/25.64/26.25 ms). Help, completion and anything else get
// the whole tree.
func newRoot(args []string) *cobra.Command {
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
	only := ""
	if len(args) > 0 {
		only = args[0]
	}
	for _, c := range commands {
		if c.name == only {
			root.AddCommand(c.new())
			root.CompletionOptions.DisableDefaultCmd = true
			completeArgs(root)
			return root
		}
	}
	for _, c := range commands {
		root.AddCommand(c.new())
	}
	if g := newGendoc(); g != nil {
		root.AddCommand(g)
	}
	strictHelp(root)
	completeArgs(root)
	return root
}

// strictHelp makes an unknown help topic (tracers help bogus) and an
// unknown shell (tracers completion tcsh) usage errors, where cobra's own
// commands print help and exit 0.
func strictHelp(root *cobra.Command) {
	root.SetHelpCommand(&cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		RunE: func(c *cobra.Command, args []string) error {
			cmd, rest, err := c.Root().Find(args)
			if err != nil || cmd == nil || len(rest) > 0 {
				return usageError{fmt.Errorf("unknown help topic %q (try tracers --help)", strings.Join(args, " "))}
			}
			return cmd.Help()
		},
		ValidArgsFunction: func(c *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			var names []string
			for _, sub := range c.Root().Commands() {
				if sub.IsAvailableCommand() {
					names = append(names, sub.Name())
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
	})
	// cobra's completion command is not runnable, so an unknown shell
	// printed its help and exited 0; runnable, it has cobra reject an
	// unknown shell as an unknown command (exitCode: a usage error).
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.RunE = func(cmd *cobra.Command, args []string) error {
				return cmd.Help()
			}
		}
	}
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
