package capture

import (
	"fmt"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcap"

	"github.com/tracers/tracers/packet"
)

// Filter applies a BPF expression to packets read from a file, as
// `tcpdump -r FILE EXPR` does. It compiles the expression once per link
// type, since a pcapng file may hold several; libpcap (1.10 and later)
// compiles for every link type tracers reads, Linux cooked v2 included,
// so an expression means what it means to tcpdump on each.
type Filter struct {
	expr string
	by   map[layers.LinkType]*pcap.BPF
}

// NewFilter checks expr by compiling it for Ethernet and returns a Filter.
func NewFilter(expr string) (*Filter, error) {
	f := &Filter{expr: expr, by: make(map[layers.LinkType]*pcap.BPF)}
	if _, err := f.compile(layers.LinkTypeEthernet); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *Filter) compile(lt layers.LinkType) (*pcap.BPF, error) {
	if b, ok := f.by[lt]; ok {
		return b, nil
	}
	b, err := pcap.NewBPF(dlt(lt), MaxPacket, f.expr)
	if err != nil {
		return nil, fmt.Errorf("filter %q for link type %s: %w", f.expr, lt, err)
	}
	f.by[lt] = b
	return b, nil
}

// Check compiles the filter for link type lt, as tcpdump does for its
// input before reading: an expression that means nothing there (`ether
// host` on raw IP) is an error rather than a filter that passes nothing.
func (f *Filter) Check(lt layers.LinkType) error {
	_, err := f.compile(lt)
	return err
}

// Match reports whether p passes the filter. A link type the expression
// cannot be compiled for passes nothing.
func (f *Filter) Match(p packet.Packet) bool {
	b, err := f.compile(p.Link)
	if err != nil {
		return false
	}
	ci := gopacket.CaptureInfo{Timestamp: p.Time, CaptureLength: len(p.Data), Length: max(p.Len, len(p.Data))}
	return b.Matches(ci, p.Data)
}

// dlt is the libpcap DLT_ value for the link type lt of a capture file
// (a LINKTYPE_ value): the two differ only where a file's number had to
// be kept apart from the DLT_ numbers systems disagree on (libpcap's
// pcap-common.c). Of those, tracers reads LINKTYPE_RAW (101), raw IPv4 or
// IPv6, which libpcap's pcap_open_dead knows as DLT_RAW.
func dlt(lt layers.LinkType) layers.LinkType {
	if lt == layers.LinkTypeRaw {
		return dltRaw
	}
	return lt
}
