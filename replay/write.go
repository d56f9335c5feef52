package replay

import (
	"context"
	"errors"

	"github.com/gopacket/gopacket/layers"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/capture"
)

// frames is a set of 1-based frame numbers, as a bitset: 2 million packets
// take 250 KB.
type frames []uint64

func (f *frames) add(n int) {
	for n/64 >= len(*f) {
		*f = append(*f, 0)
	}
	(*f)[n/64] |= 1 << (n % 64)
}

func (f frames) has(n int) bool { return n/64 < len(f) && f[n/64]&(1<<(n%64)) != 0 }

// addTrace marks the frames of every probe of tr and of its reply.
func (f *frames) addTrace(tr *analyze.Trace) {
	for _, p := range tr.Probes {
		f.add(p.Frame)
		if p.Reply != nil {
			f.add(p.Reply.Frame)
		}
	}
}

// export reads o.File again and writes the frames in keep to o.Write, pcap
// or pcapng by its extension. Frames are numbered as the analyzer numbered
// them: packets that pass o.Filter, from 1.
func export(ctx context.Context, o Options, filter *capture.Filter, keep frames) error {
	r, err := capture.OpenFile(o.File)
	if err != nil {
		return err
	}
	defer r.Close()
	var w *capture.Writer
	frame := 0
	_, err = each(ctx, r, func(p *analyze.Packet) error {
		// A read error was reported by the first pass: export what came
		// before it.
		if filter != nil && !filter.Match(*p) {
			return nil
		}
		frame++
		if !keep.has(frame) {
			return nil
		}
		if w == nil {
			nw, err := capture.Create(o.Write, p.Link, capture.Meta{Application: o.App, Comment: o.Command})
			if err != nil {
				return err
			}
			w = nw
		}
		return w.Write(*p)
	})
	if w == nil && err == nil {
		// Nothing belonged to a trace: still leave a valid, empty capture.
		w, err = capture.Create(o.Write, layers.LinkTypeRaw, capture.Meta{Application: o.App, Comment: o.Command})
	}
	if w == nil {
		return err
	}
	return errors.Join(err, w.Close())
}
