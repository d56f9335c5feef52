package analyze_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/tracers/tracers/analyze"
	capfile "github.com/tracers/tracers/capture"
	"github.com/tracers/tracers/internal/gencap"
)

// TestMaxWindow replays a yarrp-like scan (every probe within one window)
// and a capture of ordinary traces through analyzers with a small
// MaxWindow, and checks that the scan never makes the window or the open
// traces hold more probes than the bound, that what was forgotten early
// is counted, that every probe of the scan still reaches OnTrace exactly once, and
// that the ordinary traces forget nothing.
func TestMaxWindow(t *testing.T) {
	scan := func() []byte {
		var b bytes.Buffer
		if _, err := gencap.Scan(&b, gencap.ScanOptions{Probes: 4000, Rate: 10000}); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	traces := func() []byte {
		var b bytes.Buffer
		if _, err := gencap.Write(&b, gencap.Options{Packets: 4000, Concurrency: 4}); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	tests := []struct {
		name      string
		data      []byte
		max       int
		forgotten bool // some probes must be forgotten early
		all       bool // every probe is in a traceroute trace (handed over)
	}{
		{"scan, bound 256", scan(), 256, true, true},
		{"scan, bound 1000", scan(), 1000, true, true},
		{"scan, default bound", scan(), 0, false, true},
		// About 900 probes within any 30 s of this capture.
		{"traces, bound 2000", traces(), 2000, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := capfile.NewReader("t.pcap", bytes.NewReader(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			handed := 0
			an := analyze.New(analyze.Options{MaxWindow: tt.max, OnTrace: func(tr *analyze.Trace) { handed += len(tr.Probes) }})
			bound := tt.max
			if bound == 0 {
				bound = analyze.DefaultMaxWindow
			}
			peakWin, peakHeld := 0, 0
			for {
				p, err := r.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				an.Add(p)
				peakWin, peakHeld = max(peakWin, an.WindowLen()), max(peakHeld, an.Holding())
			}
			an.Close()
			st := an.Stats()
			t.Logf("%+v; at most %d probes in the window, %d in open traces", st, peakWin, peakHeld)
			if peakWin > bound || peakHeld > bound {
				t.Errorf("held %d probes in the window and %d in open traces, bound %d", peakWin, peakHeld, bound)
			}
			if got := st.Forgotten > 0 && st.Shed > 0; got != tt.forgotten {
				t.Errorf("Forgotten = %d, Shed = %d: forgot early = %v, want %v", st.Forgotten, st.Shed, got, tt.forgotten)
			}
			if tt.all && handed != st.Probes {
				t.Errorf("OnTrace got %d probes, the analyzer saw %d", handed, st.Probes)
			}
		})
	}
}
