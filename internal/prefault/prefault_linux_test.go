package prefault

import (
	"errors"
	"os"
	"syscall"
	"testing"
	"unsafe"
)

// resident counts the pages of b that are in memory (mincore).
func resident(t *testing.T, b []byte) int {
	t.Helper()
	page := syscall.Getpagesize()
	vec := make([]byte, (len(b)+page-1)/page)
	if _, _, e := syscall.Syscall(syscall.SYS_MINCORE, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), uintptr(unsafe.Pointer(&vec[0]))); e != 0 {
		t.Fatalf("mincore: %v", e)
	}
	n := 0
	for _, v := range vec {
		n += int(v & 1)
	}
	return n
}

// mapping maps size bytes of which the first rw are writable and the rest
// reserved (PROT_NONE), as the Go runtime maps its heap.
func mapping(t *testing.T, size, rw int) []byte {
	t.Helper()
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_NONE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	t.Cleanup(func() { syscall.Munmap(b) })
	if err := syscall.Mprotect(b[:rw], syscall.PROT_READ|syscall.PROT_WRITE); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
	return b
}

// unsupported skips on a kernel without MADV_POPULATE_WRITE (before
// 5.14), except in CI, whose kernel has it.
func unsupported(t *testing.T, err error) {
	if errors.Is(err, syscall.EINVAL) && os.Getenv("CI") == "" {
		t.Skipf("MADV_POPULATE_WRITE refused (%v): Linux before 5.14?", err)
	}
}

func TestPopulateWithin(t *testing.T) {
	page := syscall.Getpagesize()
	b := mapping(t, 64*page, 64*page)
	if n := resident(t, b); n != 0 {
		t.Fatalf("%d pages resident before populate, want 0", n)
	}
	// From the middle of page 3 for 20 pages: pages 3..23 (21 pages).
	addr := uintptr(unsafe.Pointer(&b[3*page+100]))
	if err := populate(addr, uintptr(20*page)); err != nil {
		unsupported(t, err)
		t.Fatalf("populate: %v", err)
	}
	if n := resident(t, b[:3*page]); n != 0 {
		t.Errorf("%d pages resident before addr's page, want 0", n)
	}
	if n := resident(t, b[3*page:24*page]); n != 21 {
		t.Errorf("%d of the 21 pages from addr's to addr+n's resident", n)
	}
	if n := resident(t, b[24*page:]); n != 0 {
		t.Errorf("%d pages resident past addr+n, want 0", n)
	}
}

// The init's case: the span runs past the writable mapping into reserved
// address space. Linux populates up to the mapping's end and then says
// the range was bad; what it populated stays.
func TestPopulatePastMapping(t *testing.T) {
	page := syscall.Getpagesize()
	b := mapping(t, 256*page, 100*page)
	err := populate(uintptr(unsafe.Pointer(&b[90*page])), uintptr(100*page))
	if n := resident(t, b[90*page:100*page]); n != 10 {
		unsupported(t, err)
		t.Errorf("%d of the 10 writable pages from addr resident (populate: %v), want all", n, err)
	}
	if err == nil {
		t.Errorf("populate past the mapping: no error, want one")
	}
	if n := resident(t, b[:90*page]); n != 0 {
		t.Errorf("%d pages resident before addr, want 0", n)
	}
}
