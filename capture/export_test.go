package capture

// Sentinels exported for the tests in package capture_test.
var (
	ErrNotCapture = errNotCapture
	ErrEmpty      = errEmpty
	ErrTruncated  = errTruncated
)
