package capture

import (
	"fmt"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcap"

	"github.com/tracers/tracers/analyze"
)

// Filter applies a BPF expression to packets read from a file, as
// `tcpdump -r FILE EXPR` does. It compiles the expression once per link
// type, since a pcapng file may hold several.
type Filter struct {
	expr string
	by   map[layers.LinkType]*pcap.BPF
}

// sll2Len is the Linux cooked v2 header, which gopacket's uint8 link types
// cannot name to libpcap: its packets are filtered as raw IPv4 past it.
const sll2Len = 20

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
	target := lt
	if lt == analyze.LinkTypeLinuxSLL2 {
		target = layers.LinkTypeIPv4
	}
	b, err := pcap.NewBPF(target, MaxPacket, f.expr)
	if err != nil {
		return nil, fmt.Errorf("filter %q: %w", f.expr, err)
	}
	f.by[lt] = b
	return b, nil
}

// Match reports whether p passes the filter. A link type the expression
// cannot be compiled for passes nothing.
func (f *Filter) Match(p analyze.Packet) bool {
	b, err := f.compile(p.Link)
	if err != nil {
		return false
	}
	data := p.Data
	if p.Link == analyze.LinkTypeLinuxSLL2 {
		if len(data) < sll2Len {
			return false
		}
		data = data[sll2Len:]
	}
	ci := gopacket.CaptureInfo{Timestamp: p.Time, CaptureLength: len(data), Length: max(p.Len, len(p.Data)) - (len(p.Data) - len(data))}
	return b.Matches(ci, data)
}
