package replay

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/tracers/tracers/analyze"
	"github.com/tracers/tracers/capture"
)

// each reads r to its end and hands every packet to fn, stopping early when
// ctx is done or fn fails. It returns the read error (nil at the clean end
// of the file; an *interrupted when ctx is done) apart from fn's, since
// callers report damage in the file and failures of their output
// differently. The packet's bytes are valid only during fn.
func each(ctx context.Context, r *capture.Reader, fn func(*analyze.Packet) error) (readErr, fnErr error) {
	var p analyze.Packet
	for i := 0; ; i++ {
		if i&1023 == 0 && ctx.Err() != nil {
			return &interrupted{packets: r.Count(), err: context.Cause(ctx)}, nil
		}
		if err := r.Read(&p); err != nil {
			if errors.Is(err, io.EOF) {
				return nil, nil
			}
			if ctx.Err() != nil { // a read of a pipe ended by Ctrl-C
				return &interrupted{packets: r.Count(), err: context.Cause(ctx)}, nil
			}
			return err, nil
		}
		if err := fn(&p); err != nil {
			return nil, err
		}
	}
}

// interrupted says that a replay stopped early (Ctrl-C) and where.
type interrupted struct {
	packets int
	err     error // the context's cause (a run.Signal after Ctrl-C)
}

func (e *interrupted) Error() string { return fmt.Sprintf("interrupted after %d packets", e.packets) }
func (e *interrupted) Unwrap() error { return e.err }

// open compiles filter (none when "") and opens file ("-": standard
// input, whose reads end once ctx is done). The caller closes the reader.
func open(ctx context.Context, file, filter string) (*capture.Reader, *capture.Filter, error) {
	var f *capture.Filter
	if filter != "" {
		var err error
		if f, err = capture.NewFilter(filter); err != nil {
			return nil, nil, err
		}
	}
	r, err := capture.OpenFileContext(ctx, file)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, &interrupted{err: context.Cause(ctx)}
		}
		return nil, nil, err
	}
	if lt, ok := r.LinkType(); ok && f != nil {
		if err := f.Check(lt); err != nil {
			r.Close()
			return nil, nil, err
		}
	}
	return r, f, nil
}
