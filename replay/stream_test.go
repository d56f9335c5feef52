package replay_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tracers/tracers/replay"
)

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestReplayStreams feeds a capture through a pipe on standard input, as
// `tcpdump -w - | tracers replay -` does, and checks that a trace is
// printed once a packet a minute later shows it finished, while the pipe
// is still open: replay must not wait for a batch to fill or for the end
// of the input.
func TestReplayStreams(t *testing.T) {
	data, err := os.ReadFile("../testdata/captures/traceroute-icmp.pcap")
	if err != nil {
		t.Fatal(err)
	}
	// A copy of the last record, a minute later: the trace is then idle
	// for longer than the analyzer's Gap and Window.
	last := lastRecord(t, data)
	later := append([]byte(nil), last...)
	order := binary.ByteOrder(binary.LittleEndian)
	if binary.BigEndian.Uint32(data) == 0xa1b2c3d4 {
		order = binary.BigEndian
	}
	order.PutUint32(later, order.Uint32(later)+60)

	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin := os.Stdin
	os.Stdin = pr
	defer func() { os.Stdin = stdin }()

	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- replay.Run(context.Background(), replay.Options{File: "-", Format: "text"}, &out)
	}()
	if _, err := pw.Write(append(data, later...)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "destination") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	got := out.String()
	pw.Close()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	pr.Close()
	if !strings.Contains(got, "trace 10.77.") || !strings.Contains(got, "destination") {
		t.Fatalf("with the pipe still open, replay printed %q; want the finished trace", got)
	}
}

// lastRecord returns the last packet record (16-byte header and data) of
// a pcap file.
func lastRecord(t *testing.T, data []byte) []byte {
	t.Helper()
	order := binary.ByteOrder(binary.LittleEndian)
	if binary.BigEndian.Uint32(data) == 0xa1b2c3d4 || binary.BigEndian.Uint32(data) == 0xa1b23c4d {
		order = binary.BigEndian
	}
	var rec []byte
	for off := 24; off+16 <= len(data); {
		n := int(order.Uint32(data[off+8:]))
		rec = data[off : off+16+n]
		off += 16 + n
	}
	if rec == nil {
		t.Fatal("no packet in the capture")
	}
	return rec
}

// TestReplayInterrupted cancels a replay part way, as Ctrl-C does: the
// error says so in words and how far it got, and still wraps the
// context's error; the JSON document is complete.
func TestReplayInterrupted(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("../testdata/captures/traceroute-icmp.pcap")
	if err != nil {
		t.Fatal(err)
	}
	name := dir + "/x.pcap"
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	err = replay.Run(ctx, replay.Options{File: name, Format: "json"}, &out)
	if err == nil || err.Error() != "interrupted after 0 packets" || !errors.Is(err, context.Canceled) {
		t.Fatalf("Run with a cancelled context: %v; want \"interrupted after 0 packets\" wrapping context.Canceled", err)
	}
	if got := out.String(); got != "{\n  \"schema_version\": 1,\n  \"traces\": []\n}\n" {
		t.Errorf("output %q, want an empty but complete JSON document", got)
	}
}
