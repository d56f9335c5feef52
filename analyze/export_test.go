package analyze

// Sentinels exported for the tests in package analyze_test.
var (
	ErrNoIPv4       = errNoIPv4
	ErrShortLink    = errShortLink
	ErrUnknownLink  = errUnknownLink
	ErrFragment     = errFragment
	ErrShortPayload = errShortPayload
)

// WindowLen is how many probes the window holds.
func (a *Analyzer) WindowLen() int { return int(a.win.next - a.win.oldest) }

// Holding is how many probes the open traces hold.
func (a *Analyzer) Holding() int { return a.holding }
