package capture

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"strings"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/tracers/tracers/packet"
)

// Meta describes a written capture: what made it and on which interface.
// pcapng keeps it in its section header and interface description.
type Meta struct {
	Application string // e.g. "tracers 0.1.0"
	Comment     string // e.g. the command line
	Iface       string
	Filter      string
}

// Writer saves packets to a pcap file, or pcapng when the name ends in
// .pcapng, with nanosecond timestamps.
type Writer struct {
	name string
	f    *os.File
	bw   *bufio.Writer
	pw   *pcapgo.Writer
	nw   *pcapgo.NgWriter
	link layers.LinkType // the file's (pcap) or the first interface's (pcapng)
	// pcapng: the first interface's description, and the interface added
	// for each other link type written.
	intf  pcapgo.NgInterface
	links map[layers.LinkType]int
	n     int
	err   error
}

// ErrMixedLinks is Write's error for a packet whose link type differs from
// a pcap file's: pcap holds one link type, pcapng one per interface.
var ErrMixedLinks = errors.New("packets of several link types: a pcap file holds one (write .pcapng)")

// Create creates the file name for packets of link type lt.
func Create(name string, lt layers.LinkType, m Meta) (*Writer, error) {
	f, err := os.Create(name)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", name, err)
	}
	w := &Writer{name: name, f: f, bw: bufio.NewWriterSize(f, 64<<10), link: lt}
	if strings.HasSuffix(strings.ToLower(name), ".pcapng") {
		intf := pcapgo.NgInterface{
			Name: m.Iface, Description: m.Iface, Filter: m.Filter, OS: runtime.GOOS,
			LinkType: lt, TimestampResolution: 9, SnapLength: MaxPacket,
		}
		w.intf = intf
		opts := pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{
			Hardware: runtime.GOARCH, OS: runtime.GOOS, Application: m.Application, Comment: m.Comment,
		}}
		w.nw, err = pcapgo.NewNgWriterInterface(w.bw, intf, opts)
	} else {
		w.pw = pcapgo.NewWriterNanos(w.bw)
		err = w.pw.WriteFileHeader(MaxPacket, lt)
	}
	if err != nil {
		f.Close()
		return nil, w.wrap(err)
	}
	return w, nil
}

// wrap names the file in err, unless err already does (the file's own
// errors are *fs.PathError: "write NAME: no space left on device").
func (w *Writer) wrap(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path == w.name {
		return err
	}
	return fmt.Errorf("write %s: %w", w.name, err)
}

// Write appends one packet. A pcapng file gets an interface for each link
// type it is given (a capture of several interfaces, replayed); a pcap
// file refuses a packet of another link type than its own
// (ErrMixedLinks). After a failure (a full disk) every later call returns
// the same error.
func (w *Writer) Write(p packet.Packet) error {
	if w.err != nil {
		return w.err
	}
	ci := gopacket.CaptureInfo{Timestamp: p.Time, CaptureLength: len(p.Data), Length: max(p.Len, len(p.Data))}
	var err error
	switch {
	case p.Link != w.link && w.nw == nil:
		return fmt.Errorf("write %s: %w", w.name, ErrMixedLinks)
	case p.Link != w.link:
		id, ok := w.links[p.Link]
		if !ok {
			intf := w.intf
			intf.LinkType = p.Link
			if id, err = w.nw.AddInterface(intf); err != nil {
				w.err = w.wrap(err)
				return w.err
			}
			if w.links == nil {
				w.links = make(map[layers.LinkType]int)
			}
			w.links[p.Link] = id
		}
		ci.InterfaceIndex = id
	}
	if w.nw != nil {
		err = w.nw.WritePacket(ci, p.Data)
	} else {
		err = w.pw.WritePacket(ci, p.Data)
	}
	if err != nil {
		w.err = w.wrap(err)
		return w.err
	}
	w.n++
	return nil
}

// Count is the number of packets written.
func (w *Writer) Count() int { return w.n }

// Close flushes and closes the file.
func (w *Writer) Close() error {
	var err error
	if w.nw != nil {
		err = w.nw.Flush()
	}
	if ferr := w.bw.Flush(); err == nil {
		err = ferr
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if w.err != nil {
		return w.err
	}
	if err != nil {
		return w.wrap(err)
	}
	return nil
}
