package hugepage

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"syscall"
	"unsafe"
)

// anchor lies in the program's zero-initialised data, whose mapping is
// the one to advise.
var anchor byte

// advised is the range given MADV_HUGEPAGE, or why none was.
var (
	advisedStart, advisedEnd uintptr
	advisedErr               error
)

func init() {
	advisedStart, advisedEnd, advisedErr = advise()
}

const hugePage = 2 << 20

func advise() (start, end uintptr, err error) {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return 0, 0, err
	}
	lo, hi, ok := mappingOf(maps, uintptr(unsafe.Pointer(&anchor)))
	if !ok {
		return 0, 0, errors.New("no writable anonymous mapping holds the program's data")
	}
	start = (lo + hugePage - 1) &^ (hugePage - 1)
	end = hi &^ (hugePage - 1)
	if end <= start {
		return 0, 0, errors.New("the program's data spans no whole huge page")
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
