package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/gopacket/gopacket/pcap"
	"github.com/spf13/cobra"
)

// devVersion is version's value when no -ldflags set it.
const devVersion = "0.1.0-dev"

// commit is set at build time with -ldflags "-X main.commit=..."; when
// empty, the VCS revision Go recorded in the build info is shown.
var commit string

// buildInfo is what tracers version prints.
type buildInfo struct {
	Version  string // the tag (git describe), or the module version of a go install
	Commit   string // VCS revision, "+dirty" when the tree was modified; "unknown" when not recorded
	Go       string // runtime.Version()
	Platform string // GOOS/GOARCH
	Gopacket string // module version of github.com/gopacket/gopacket
	Libpcap  string // pcap.Version(): the libpcap linked at run time
}

// readBuildInfo gathers buildInfo from the -ldflags values ver and rev, Go's
// build info bi (nil when unavailable), and libpcap's version string.
func readBuildInfo(ver, rev string, bi *debug.BuildInfo, libpcap string) buildInfo {
	b := buildInfo{
		Version: ver, Commit: rev, Go: runtime.Version(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH, Gopacket: "unknown", Libpcap: libpcap,
	}
	if bi != nil {
		// go install github.com/tracers/tracers/cmd/tracers@v1.2.3 records
		// v1.2.3 as the main module's version; go build records "(devel)"
		// (or a pseudo-version from the VCS since Go 1.24).
		if (b.Version == "" || b.Version == devVersion) && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			b.Version = bi.Main.Version
		}
		for _, d := range bi.Deps {
			if d.Path == "github.com/gopacket/gopacket" {
				b.Gopacket = d.Version
				if d.Replace != nil {
					b.Gopacket += " => " + d.Replace.Path + " " + d.Replace.Version
				}
			}
		}
		if b.Commit == "" {
			var modified bool
			for _, s := range bi.Settings {
				switch s.Key {
				case "vcs.revision":
					b.Commit = s.Value
				case "vcs.modified":
					modified = s.Value == "true"
				}
			}
			if b.Commit != "" && modified {
				b.Commit += "+dirty"
			}
		}
	}
	if b.Version == "" {
		b.Version = devVersion
	}
	if b.Commit == "" {
		b.Commit = "unknown"
	}
	if b.Libpcap == "" {
		b.Libpcap = "unknown"
	}
	return b
}

// String is the text of tracers version and tracers --version.
func (b buildInfo) String() string {
	var s strings.Builder
	fmt.Fprintf(&s, "tracers %s\n", b.Version)
	fmt.Fprintf(&s, "commit:   %s\n", b.Commit)
	fmt.Fprintf(&s, "go:       %s %s\n", b.Go, b.Platform)
	fmt.Fprintf(&s, "gopacket: %s\n", b.Gopacket)
	fmt.Fprintf(&s, "libpcap:  %s\n", b.Libpcap)
	return s.String()
}

// currentBuildInfo is this binary's buildInfo. libpcap's version is read
// with pcap.Version (gopacket/pcap) directly: capture, the one package
// that otherwise talks to libpcap, exposes no version.
func currentBuildInfo() buildInfo {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return readBuildInfo(version, commit, bi, pcap.Version())
}

func newVersion() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, the commit, and the Go, gopacket and libpcap versions",
		Long: `version prints what tracers was built from: its version (the git tag it was
built at, or the module version when installed with go install), the commit,
the Go toolchain and platform, the gopacket module, and the libpcap library
it runs with. tracers --version prints the same.`,
		Example: `  tracers version
  tracers --version`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprint(cmd.OutOrStdout(), currentBuildInfo())
			return err
		},
	}
}
