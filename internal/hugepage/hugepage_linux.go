package hugepage

import (
	"bytes"
	"errors"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"unsafe"
)

const hugePage = 2 << 20

// Heap asks Linux to back the memory the Go heap takes for its next n
// bytes with transparent huge pages, so that a program whose heap grows to
// about n bytes takes one page fault per 2 MiB instead of one per 4 KiB.
// It allocates n bytes without touching them, which makes the runtime map
// that much address space, advises that mapping, and lets the collector
// free the bytes for the allocations that follow. Where transparent huge
// pages are off, nothing changes.
func Heap(n int) error {
	_, _, err := heap(n)
	return err
}

func heap(n int) (start, end uintptr, err error) {
	b := make([]byte, n)
	start, end, err = advise(uintptr(unsafe.Pointer(unsafe.SliceData(b))), "the heap")
	runtime.KeepAlive(b)
	return start, end, err
}

// advise asks for huge pages behind the whole 2 MiB pages of the writable
// anonymous mapping that holds addr; what names it in errors.
func advise(addr uintptr, what string) (start, end uintptr, err error) {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return 0, 0, err
	}
	lo, hi, ok := mappingOf(maps, addr)
	if !ok {
		return 0, 0, errors.New("no writable anonymous mapping holds " + what)
	}
	start = (lo + hugePage - 1) &^ (hugePage - 1)
	end = hi &^ (hugePage - 1)
	if end <= start {
		return 0, 0, errors.New(what + " spans no whole huge page")
	}
	if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, start, end-start, 14 /* MADV_HUGEPAGE */); e != 0 {
		return 0, 0, e
	}
	return start, end, nil
}

// mappingOf finds, in the text of /proc/self/maps, the writable private
// anonymous mapping (no file, inode 0) that holds addr.
func mappingOf(maps []byte, addr uintptr) (lo, hi uintptr, ok bool) {
	for line := range bytes.Lines(maps) {
		f := bytes.Fields(line)
		if len(f) != 5 || string(f[1]) != "rw-p" || string(f[4]) != "0" {
			continue // 6 fields: a file or [heap], [stack]...
		}
		a, b, found := bytes.Cut(f[0], []byte("-"))
		if !found {
			continue
		}
		l, err1 := strconv.ParseUint(string(a), 16, 64)
		h, err2 := strconv.ParseUint(string(b), 16, 64)
		if err1 == nil && err2 == nil && uintptr(l) <= addr && addr < uintptr(h) {
			return uintptr(l), uintptr(h), true
		}
	}
	return 0, 0, false
}
