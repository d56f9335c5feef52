//go:build !linux

package hugepage

// Heap does nothing where Linux's transparent huge pages are missing.
func Heap(n int) error { return nil }
