package run

import (
	"net/netip"
	"testing"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/craft"
)

// TestNewProber checks how run completes a method: the run's source port
// from the pid, the echo identifier and payload from the options, the
// header line's packet size from the Prober, and the JSON "paris" from the
// method.
func TestNewProber(t *testing.T) {
	src4, dst4 := netip.MustParseAddr("10.77.1.1"), netip.MustParseAddr("10.77.5.2")
	src6, dst6 := netip.MustParseAddr("fd77:1::1"), netip.MustParseAddr("fd77:5::2")
	tests := []struct {
		name     string
		m        craft.Method
		src, dst netip.Addr
		port     uint16 // the completed destination port
		paris    bool
		size     int
	}{
		{name: "icmp paris", m: craft.Method{Proto: analyze.ICMP, Paris: true}, src: src4, dst: dst4, paris: true, size: 60},
		{name: "icmp classic v6", m: craft.Method{Proto: analyze.ICMP}, src: src6, dst: dst6, size: 80},
		{name: "udp paris", m: craft.Method{Proto: analyze.UDP, Paris: true}, src: src4, dst: dst4, port: 33434, paris: true, size: 60},
		{name: "udp classic v6", m: craft.Method{Proto: analyze.UDP}, src: src6, dst: dst6, port: 33434, size: 80},
		{name: "udp fixed", m: craft.Method{Proto: analyze.UDP, Fixed: true}, src: src4, dst: dst4, port: 53, size: 60},
		{name: "tcp", m: craft.Method{Proto: analyze.TCP, Paris: true, Port: 443}, src: src4, dst: dst4, port: 443, paris: true, size: 44},
		{name: "tcp v6 default port", m: craft.Method{Proto: analyze.TCP}, src: src6, dst: dst6, port: 80, paris: true, size: 64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := Options{Method: tt.m}
			o.Src, o.Dst, o.ID, o.Payload = tt.src, tt.dst, 0x4242, craft.DefaultPayload
			p, err := newProber(&o, 123456)
			if err != nil {
				t.Fatal(err)
			}
			got := p.Method()
			if o.method == nil || *o.method != got {
				t.Errorf("o.method = %v, want the Prober's %+v", o.method, got)
			}
			if got.SrcPort != SourcePort(123456) || got.ID != 0x4242 || got.Port != tt.port || got.Paris != tt.paris {
				t.Errorf("method %+v: want source port %d, id 0x4242, port %d, paris %v", got, SourcePort(123456), tt.port, tt.paris)
			}
			if o.pktLen != tt.size {
				t.Errorf("packet size %d, want %d", o.pktLen, tt.size)
			}
			if ro := reportOptions(o, nil); ro.Paris == nil || ro.Paris(nil) != tt.paris {
				t.Errorf("report's paris is not the method's %v", tt.paris)
			}
			if p.Filter() == "" {
				t.Error("empty capture filter")
			}
		})
	}
	o := Options{Method: craft.Method{Proto: analyze.UDP, Fixed: true, Paris: true}}
	o.Src, o.Dst, o.Payload = src4, dst4, craft.DefaultPayload
	if _, err := newProber(&o, 1); err == nil {
		t.Error("newProber accepts fixed-port UDP with Paris")
	}
}

// TestSourcePort: a run's source port stays in 32768..57343 and follows
// the pid.
func TestSourcePort(t *testing.T) {
	tests := []struct {
		pid  int
		want uint16
	}{
		{0, 32768}, {1, 32769}, {24575, 57343}, {24576, 32768}, {4194304, 32768 + 4194304%24576},
	}
	for _, tt := range tests {
		if got := SourcePort(tt.pid); got != tt.want {
			t.Errorf("SourcePort(%d) = %d, want %d", tt.pid, got, tt.want)
		}
	}
}
