package hugepage

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"
)

func TestMappingOf(t *testing.T) {
	maps := []byte(`00400000-00402000 r--p 00000000 fe:00 10011556                           /tmp/rb/tracers
00916000-00938000 rw-p 00515000 fe:00 10011556                           /tmp/rb/tracers
00938000-0109e000 rw-p 00000000 00:00 0 
15a9c000-15abd000 rw-p 00000000 00:00 0                                  [heap]
7f9870000000-7f9870021000 r--p 00000000 00:00 0 
`)
	for _, c := range []struct {
		addr   uintptr
		lo, hi uintptr
		ok     bool
	}{
		{0x00938000, 0x00938000, 0x0109e000, true},
		{0x0109dfff, 0x00938000, 0x0109e000, true},
		{0x0109e000, 0, 0, false}, // just past it
		{0x00920000, 0, 0, false}, // the file's own data
		{0x15a9c100, 0, 0, false}, // the C heap
		{0x7f9870000010, 0, 0, false},
	} {
		lo, hi, ok := mappingOf(maps, c.addr)
		if lo != c.lo || hi != c.hi || ok != c.ok {
			t.Errorf("mappingOf(%#x) = %#x, %#x, %v; want %#x, %#x, %v", c.addr, lo, hi, ok, c.lo, c.hi, c.ok)
		}
	}
}

// vmFlags is the VmFlags line /proc/self/smaps gives the mapping that
// starts at start and ends at end: an advised range is a mapping of its own.
func vmFlags(t *testing.T, start, end uintptr) []byte {
	t.Helper()
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	head := fmt.Sprintf("%08x-%08x ", start, end)
	i := bytes.Index(smaps, []byte(head))
	if i < 0 {
		t.Fatalf("/proc/self/smaps lists no mapping %s", head)
	}
	rest := smaps[i:]
	j := bytes.Index(rest, []byte("VmFlags:"))
	if j < 0 {
		t.Fatal("no VmFlags for the mapping")
	}
	flags := rest[j:]
	return flags[:bytes.IndexByte(flags, '\n')]
}

// TestHeap checks that Heap advised huge pages for the mapping the heap
// grew into: whole 2 MiB pages covering at least the bytes asked for,
// listed with the "hg" flag.
func TestHeap(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil {
		t.Skipf("no transparent huge pages here: %v", err)
	}
	const n = 16 << 20
	start, end, err := heap(n)
	if errors.Is(err, syscall.EINVAL) {
		t.Skipf("the kernel takes no MADV_HUGEPAGE here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("advised %#x-%#x (%d huge pages)", start, end, (end-start)/hugePage)
	if start%hugePage != 0 || end%hugePage != 0 || end-start < n-2*hugePage {
		t.Fatalf("advised range %#x-%#x: want whole huge pages covering about %d bytes", start, end, n)
	}
	if flags := vmFlags(t, start, end); !bytes.Contains(flags, []byte(" hg")) {
		t.Errorf("mapping %#x-%#x: %s, want the hg (MADV_HUGEPAGE) flag", start, end, flags)
	}
}
