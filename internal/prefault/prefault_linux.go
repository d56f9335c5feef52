package prefault

import (
	"syscall"
	"unsafe"
)

// span is how far past the heap's first allocation the init populates;
// the runtime's current mapping of the heap ends sooner (a few hundred
// KiB to 1.3 MiB past it, in 4 MiB mappings), and Linux stops there.
const span = 4 << 20

// madvPopulateWrite is Linux's MADV_POPULATE_WRITE (5.14).
const madvPopulateWrite = 23

// start is the heap allocation the init populates from: a package
// variable, so that the compiler cannot keep it on the stack.
var start *[64]byte

func init() {
	start = new([64]byte)
	_ = populate(uintptr(unsafe.Pointer(start)), span)
}

// populate maps in, writable, the pages from the one holding addr to the
// end of its mapping or addr+n, whichever comes first. Linux populates
// the range in order and stops at the first page it cannot map (the end
// of the mapping), so the error it then returns says only that the range
// ran past the mapping.
func populate(addr, n uintptr) error {
	lo := addr &^ uintptr(syscall.Getpagesize()-1)
	_, _, e := syscall.RawSyscall(syscall.SYS_MADVISE, lo, addr+n-lo, madvPopulateWrite)
	if e != 0 {
		return e
	}
	return nil
}
