package analyze

// Sentinels exported for the tests in package analyze_test.
var (
	ErrNoIPv4       = errNoIPv4
	ErrShortLink    = errShortLink
	ErrUnknownLink  = errUnknownLink
	ErrFragment     = errFragment
	ErrShortPayload = errShortPayload
)
