package gencap

// Event kinds, in the order a trace produces them.
const (
	evDNSQuery uint8 = iota // the tool looks up the destination's name
	evDNSReply
	evProbe
	evReply // from the router at the probe's TTL, or from the destination
	evDone  // the tool gives up on its unanswered probes; the slot is free
	evTCP   // a segment of an unrelated TCP flow
)

// event is one packet (or evDone) due at a capture time.
type event struct {
	at   int64  // nanoseconds after Options.Start
	seq  uint64 // push order, to break ties
	slot int32  // trace slot, or flow for evTCP
	kind uint8
	ttl  uint8
	try  uint8
}

// queue is a min-heap of events by (at, seq); a typed heap rather than
// container/heap, whose interface boxing would allocate per push.
type queue []event

func (q queue) less(i, j int) bool {
	return q[i].at < q[j].at || (q[i].at == q[j].at && q[i].seq < q[j].seq)
}

func (q *queue) push(e event) {
	*q = append(*q, e)
	h := *q
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if !h.less(i, p) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func (q *queue) pop() event {
	h := *q
	e := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < n && h.less(l, m) {
			m = l
		}
		if r := l + 1; r < n && h.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	*q = h
	return e
}
