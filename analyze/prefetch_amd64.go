package analyze

// prefetch asks the CPU to start loading the cache line at addr without
// waiting for it.
//
//go:noescape
func prefetch(addr uintptr)
