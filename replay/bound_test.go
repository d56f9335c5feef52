package replay_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/internal/gencap"
	"github.com/tracers/tracers/replay"
)

// TestScanWarns replays a yarrp-like scan with more probes in one window
// than the analyzer holds (analyze.DefaultMaxWindow) in every mode that
// analyzes, and checks that each warns once that probes were forgotten
// early, and that a capture of ordinary traces does not warn.
func TestScanWarns(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and replays a scan of 300k probes")
	}
	dir := t.TempDir()
	write := func(name string, gen func(io.Writer) error) string {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := gen(f); err != nil {
			t.Fatal(err)
		}
		return f.Name()
	}
	scan := write("scan.pcap", func(w io.Writer) error {
		_, err := gencap.Scan(w, gencap.ScanOptions{Probes: analyze.DefaultMaxWindow + 40000})
		return err
	})
	traces := write("traces.pcap", func(w io.Writer) error {
		_, err := gencap.Write(w, gencap.Options{Packets: 50000})
		return err
	})
	for _, tt := range []struct {
		name string
		file string
		warn bool
	}{
		{"scan", scan, true},
		{"traces", traces, false},
	} {
		for _, mode := range []string{"json", "packets"} {
			t.Run(tt.name+"/"+mode, func(t *testing.T) {
				var warn bytes.Buffer
				var err error
				if mode == "packets" {
					err = replay.Packets(context.Background(), replay.PacketOptions{File: tt.file, Warn: &warn}, io.Discard)
				} else {
					err = replay.Run(context.Background(), replay.Options{File: tt.file, Format: mode, Warn: &warn}, io.Discard)
				}
				if err != nil {
					t.Fatal(err)
				}
				got := warn.String()
				t.Logf("%q", got)
				if n := strings.Count(got, "warning:"); (n == 1) != tt.warn || n > 1 {
					t.Errorf("%d warnings, want %v: %q", n, tt.warn, got)
				}
				if tt.warn && !strings.Contains(got, "probes forgotten early") {
					t.Errorf("warning %q does not say that probes were forgotten early", got)
				}
			})
		}
	}
}
