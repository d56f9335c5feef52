package capture

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// Names looks up responders' names (reverse DNS) in the background, so
// that a hop line waits for a name at most a short bound.
type Names struct {
	mu    sync.Mutex
	r     *net.Resolver
	bound time.Duration
	m     map[netip.Addr]*lookup
}

type lookup struct {
	done     chan struct{}
	deadline time.Time // when a line stops waiting for this name
	name     string
}

// NewNames returns a Names whose lines wait at most bound for a name.
func NewNames(bound time.Duration) *Names {
	return &Names{r: net.DefaultResolver, bound: bound, m: make(map[netip.Addr]*lookup)}
}

// Start begins a lookup of a unless one is under way.
func (n *Names) Start(a netip.Addr) { n.start(a) }

func (n *Names) start(a netip.Addr) *lookup {
	n.mu.Lock()
	defer n.mu.Unlock()
	if l, ok := n.m[a]; ok {
		return l
	}
	l := &lookup{done: make(chan struct{}), deadline: time.Now().Add(n.bound)}
	n.m[a] = l
	go func() {
		defer close(l.done)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if hs, err := n.r.LookupAddr(ctx, a.String()); err == nil && len(hs) > 0 {
			l.name = strings.TrimSuffix(hs[0], ".")
		}
	}()
	return l
}

// Get returns a's name, waiting at most until the bound after its lookup
// started: lookups run in parallel, so a line waits at most one bound.
func (n *Names) Get(a netip.Addr) string {
	l := n.start(a)
	select {
	case <-l.done: // done already: never lost to a deadline also past
		return l.name
	default:
	}
	t := time.NewTimer(time.Until(l.deadline))
	defer t.Stop()
	select {
	case <-l.done:
		return l.name
	case <-t.C:
		return ""
	}
}
