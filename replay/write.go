package replay

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/google/gopacket/layers"

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

var errMixedLinks = errors.New("packets of several link types: write them one interface at a time")

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
	var link layers.LinkType
	frame := 0
	for i := 0; ; i++ {
		if i&1023 == 0 && ctx.Err() != nil {
			err = ctx.Err()
			break
		}
		var p analyze.Packet
		p, err = r.Next()
		if errors.Is(err, io.EOF) {
			err = nil
			break
		}
		if err != nil {
			break // the first pass reported it
		}
		if filter != nil && !filter.Match(p) {
			continue
		}
		frame++
		if !keep.has(frame) {
			continue
		}
		if w == nil {
			link = p.Link
			w, err = capture.Create(o.Write, link, capture.Meta{Application: o.App, Comment: o.Command})
			if err != nil {
				return err
			}
		} else if p.Link != link {
			err = fmt.Errorf("write %s: %w", o.Write, errMixedLinks)
			break
		}
		if err = w.Write(p); err != nil {
			break
		}
	}
	if w == nil {
		// Nothing belonged to a trace: still leave a valid, empty capture.
		if w, err2 := capture.Create(o.Write, layers.LinkTypeRaw, capture.Meta{Application: o.App, Comment: o.Command}); err2 == nil {
			return errors.Join(err, w.Close())
		} else {
			return errors.Join(err, err2)
		}
	}
	return errors.Join(err, w.Close())
}
