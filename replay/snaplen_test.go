package replay_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/capture"
	"github.com/tracers/tracers/replay"
)

// cut writes the packets of src cut to snaplen bytes, as tcpdump -s or
// editcap -s leaves them, to a new file and returns its name.
func cut(t *testing.T, src string, snaplen int) string {
	t.Helper()
	r, err := capture.OpenFile(src)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	name := filepath.Join(t.TempDir(), "cut.pcap")
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriterNanos(f)
	var p analyze.Packet
	for n := 0; ; n++ {
		if err := r.Read(&p); err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			break
		}
		if n == 0 {
			if err := w.WriteFileHeader(uint32(snaplen), p.Link); err != nil {
				t.Fatal(err)
			}
		}
		data := p.Data[:min(len(p.Data), snaplen)]
		ci := gopacket.CaptureInfo{Timestamp: p.Time, CaptureLength: len(data), Length: p.Len}
		if err := w.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
	}
	return name
}

// TestSnaplenWarns: errors whose quotes a small snaplen cut cannot be
// matched; the replay says so, counting them, rather than let their hops
// pass for silent routers; and a capture cut so short that nothing
// decodes says why no traceroute was found.
func TestSnaplenWarns(t *testing.T) {
	const src = "../testdata/captures/traceroute-icmp.pcap"
	var warn, out bytes.Buffer
	if err := replay.Run(context.Background(), replay.Options{File: src, Format: "text", Warn: &warn}, io.Discard); err != nil {
		t.Fatal(err)
	}
	if warn.Len() != 0 {
		t.Fatalf("whole capture: warned %q", warn.String())
	}
	// Ethernet 14 + IP 20 + ICMP 8 + 18 bytes of the quoted IP header.
	if err := replay.Run(context.Background(), replay.Options{File: cut(t, src, 60), Format: "text", Warn: &warn}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(warn.String(), "warning: 12 ICMP errors quote too little") {
		t.Errorf("cut at 60 bytes: warned %q, want 12 ICMP errors quoting too little", warn.String())
	}
	if !strings.Contains(out.String(), " 1  * * *") {
		t.Errorf("cut at 60 bytes: hop 1 %q, want it unanswered", out.String())
	}
	out.Reset()
	warn.Reset()
	if err := replay.Run(context.Background(), replay.Options{File: cut(t, src, 40), Format: "text", Warn: &warn}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "no traceroute found") || !strings.Contains(out.String(), "cut short or malformed") {
		t.Errorf("cut at 40 bytes: %q, want no traceroute found, packets cut short", out.String())
	}
	if strings.Contains(warn.String(), "cut short") {
		t.Errorf("cut at 40 bytes: warned %q besides the line that says so", warn.String())
	}
	// JSON has no such line: the warning says it.
	warn.Reset()
	if err := replay.Run(context.Background(), replay.Options{File: cut(t, src, 40), Format: "json", Warn: &warn}, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(warn.String(), "warning: 56 packets are cut short or malformed") {
		t.Errorf("cut at 40 bytes, json: warned %q, want its 56 packets cut short", warn.String())
	}
}

// zeroes writes a pcap file of link type lt holding n packets of 40 zero
// bytes and returns its name.
func zeroes(t *testing.T, lt layers.LinkType, n int) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "zeroes.pcap")
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65535, lt); err != nil {
		t.Fatal(err)
	}
	for range n {
		if err := w.WritePacket(gopacket.CaptureInfo{CaptureLength: 40, Length: 40}, make([]byte, 40)); err != nil {
			t.Fatal(err)
		}
	}
	return name
}

// TestFilterForLinkType: an expression the file's link type cannot carry
// (ether host on raw IP) is an error before anything is read, as tcpdump
// -r makes it, not a filter that passes nothing.
func TestFilterForLinkType(t *testing.T) {
	name := zeroes(t, layers.LinkTypeRaw, 0)
	for _, tt := range []struct {
		filter, err string
	}{
		{"ether host 00:00:00:00:00:01", "link type"},
		{"icmp", ""},
	} {
		var out bytes.Buffer
		err := replay.Run(context.Background(), replay.Options{File: name, Format: "text", Filter: tt.filter}, &out)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("--filter %q: %v", tt.filter, err)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("--filter %q: error %v, want one naming the %s; printed %q", tt.filter, err, tt.err, out.String())
		}
	}
}

// TestUnknownLinkSaysSo: a capture of a link type tracers does not decode
// (USB) finds no traceroute and says why, naming the link type.
func TestUnknownLinkSaysSo(t *testing.T) {
	name := zeroes(t, layers.LinkType(189), 3)
	var out bytes.Buffer
	if err := replay.Run(context.Background(), replay.Options{File: name, Format: "text"}, &out); err != nil {
		t.Fatal(err)
	}
	if want := "(3 packets, 3 of link type 189, which tracers does not decode)"; !strings.Contains(out.String(), want) {
		t.Errorf("printed %q, want %q", out.String(), want)
	}
}
