package replay_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/tracers/tracers/replay"
)

// TestReplayWrite exports the packets of the traces in a capture, then
// checks the file (count, link type, the application in a pcapng section
// header; with tshark and capinfos in the full suite, nothing malformed
// too) and that replaying it gives the same traces as the original.
func TestReplayWrite(t *testing.T) {
	if !testing.Short() {
		needTshark(t)
	}
	dir := t.TempDir()
	tests := []struct {
		in         string
		dropped    int    // packets of the input that belong to no trace
		wantLink   string // as capinfos names it
		wantGoLink string // as gopacket names it
		outSuffix  string
	}{
		{in: "ping-and-trace.pcap", dropped: 6, wantLink: "Ethernet", wantGoLink: "Ethernet", outSuffix: ".pcapng"},
		{in: "tracers-ng.pcapng", wantLink: "Ethernet", wantGoLink: "Ethernet", outSuffix: ".pcap"},
		{in: "any-sll2.pcap", wantLink: "Linux cooked-mode capture v2", wantGoLink: "Linux SLL2", outSuffix: ".pcapng"},
		{in: "scamper-tcp.pcap", wantLink: "Ethernet", wantGoLink: "Ethernet", outSuffix: ".pcap"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			in := filepath.Join(capturesDir, tt.in)
			out := filepath.Join(dir, strings.TrimSuffix(tt.in, filepath.Ext(tt.in))+tt.outSuffix)
			var text bytes.Buffer
			o := replay.Options{File: in, Format: "json", Write: out, App: "tracers test", Command: "tracers replay --write"}
			if err := replay.Run(context.Background(), o, &text); err != nil {
				t.Fatal(err)
			}
			if testing.Short() {
				// gopacket's readers instead of tshark and capinfos.
				n, link := readCapture(t, in)
				m, outLink := readCapture(t, out)
				if m != n-tt.dropped {
					t.Errorf("written %d packets, want %d", m, n-tt.dropped)
				}
				if outLink != link || outLink.String() != tt.wantGoLink {
					t.Errorf("written link type %v, want %v (the input's)", outLink, tt.wantGoLink)
				}
				b, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				if tt.outSuffix == ".pcapng" && !bytes.Contains(b, []byte("tracers test")) {
					t.Errorf("pcapng section header does not name the application")
				}
			} else {
				count := func(file string) int {
					cmd := exec.Command("tshark", "-r", file, "-T", "fields", "-e", "frame.number", "-e", "_ws.malformed")
					b, err := cmd.Output()
					if err != nil {
						t.Fatalf("tshark -r %s: %v", file, err)
					}
					lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
					for _, l := range lines {
						if f := strings.Split(l, "\t"); len(f) > 1 && f[1] != "" {
							t.Errorf("%s: tshark marks frame %s malformed", file, f[0])
						}
					}
					return len(lines)
				}
				if got, want := count(out), count(in)-tt.dropped; got != want {
					t.Errorf("written %d packets, want %d", got, want)
				}
				info, err := exec.Command("capinfos", out).CombinedOutput()
				if err == nil && !strings.Contains(string(info), tt.wantLink) {
					t.Errorf("capinfos %s: want link type %q:\n%s", out, tt.wantLink, info)
				}
				if tt.outSuffix == ".pcapng" && err == nil && !strings.Contains(string(info), "tracers test") {
					t.Errorf("pcapng section header does not name the application:\n%s", info)
				}
			}
			var again bytes.Buffer
			if err := replay.Run(context.Background(), replay.Options{File: out, Format: "json"}, &again); err != nil {
				t.Fatal(err)
			}
			if again.String() != text.String() {
				t.Errorf("replay of the written file differs:\n%s\nwant:\n%s", again.String(), text.String())
			}
		})
	}
	if err := replay.Run(context.Background(), replay.Options{File: "-", Format: "text", Write: filepath.Join(dir, "x.pcap")}, &bytes.Buffer{}); err == nil {
		t.Error("--write with standard input: want an error")
	}
}

// readCapture counts the packets of a pcap or pcapng file with gopacket's
// readers and returns its link type.
func readCapture(t *testing.T, file string) (int, layers.LinkType) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		r interface {
			ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
		}
		link layers.LinkType
	)
	if strings.HasSuffix(file, ".pcapng") {
		nr, err := pcapgo.NewNgReader(f, pcapgo.DefaultNgReaderOptions)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		r, link = nr, nr.LinkType()
	} else {
		pr, err := pcapgo.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		r, link = pr, pr.LinkType()
	}
	n := 0
	for {
		_, _, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return n, link
		}
		if err != nil {
			t.Fatalf("%s: packet %d: %v", file, n+1, err)
		}
		n++
	}
}
