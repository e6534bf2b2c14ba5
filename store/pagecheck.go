package store

import (
	"encoding/binary"
	"fmt"
	"io"
)

// checkPages walks the page tree of a bbolt file (meta m) by reading the file, never
// through bbolt's mmap: bbolt follows a page number without a bounds check, so a
// damaged one faults outside the file, and tx.Check runs on a goroutine of its own
// where that fault cannot be recovered. Check runs tx.Check only on a file this finds
// sound. It returns what it finds wrong, up to limit.
func checkPages(f io.ReaderAt, m boltMeta, limit int) []string {
	c := &pageChecker{f: f, m: m, seen: map[uint64]bool{}, limit: limit}
	c.freelist()
	c.tree(m.root, 0)
	return c.problems
}

type pageChecker struct {
	f        io.ReaderAt
	m        boltMeta
	seen     map[uint64]bool
	problems []string
	limit    int
}

const (
	branchFlag   = 0x01
	leafFlag     = 0x02
	freelistFlag = 0x10
	bucketFlag   = 0x01 // a leaf element that is a bucket
	elemSize     = 16
	maxTreeDepth = 64
)

func (c *pageChecker) add(format string, args ...any) {
	if len(c.problems) < c.limit {
		c.problems = append(c.problems, fmt.Sprintf(format, args...))
	}
}

// page reads page id with its overflow pages, or says why it cannot.
func (c *pageChecker) page(id uint64, want uint16) []byte {
	ps := uint64(c.m.pageSize)
	if id < 2 || id >= c.m.pgid {
		c.add("page %d: referenced, but the file has pages 2 to %d", id, c.m.pgid-1)
		return nil
	}
	var hdr [pageHeaderSize]byte
	if _, err := c.f.ReadAt(hdr[:], int64(id*ps)); err != nil {
		c.add("page %d: unreadable: %v", id, err)
		return nil
	}
	le := binary.NativeEndian
	flags, overflow := le.Uint16(hdr[8:]), uint64(le.Uint32(hdr[12:]))
	switch {
	case le.Uint64(hdr[0:]) != id:
		c.add("page %d: its header says page %d", id, le.Uint64(hdr[0:]))
		return nil
	case flags&want == 0:
		c.add("page %d: type %#x where a page of type %#x belongs", id, flags, want)
		return nil
	case id+overflow >= c.m.pgid:
		c.add("page %d: %d overflow pages run past the end of the file", id, overflow)
		return nil
	}
	buf := make([]byte, (overflow+1)*ps)
	if _, err := c.f.ReadAt(buf, int64(id*ps)); err != nil {
		c.add("page %d: unreadable: %v", id, err)
		return nil
	}
	return buf
}

func (c *pageChecker) freelist() {
	p := c.page(c.m.freelist, freelistFlag)
	if p == nil {
		return
	}
	le := binary.NativeEndian
	idx, count := uint64(0), uint64(le.Uint16(p[10:]))
	if count == 0xFFFF {
		idx, count = 1, le.Uint64(p[pageHeaderSize:])
	}
	if (idx+count)*8 > uint64(len(p)-pageHeaderSize) {
		c.add("freelist page %d: %d entries do not fit in it", c.m.freelist, count)
		return
	}
	for i := idx; i < idx+count; i++ {
		if id := le.Uint64(p[pageHeaderSize+8*i:]); id < 2 || id >= c.m.pgid {
			c.add("freelist page %d: names page %d, past the end of the file", c.m.freelist, id)
			return
		}
	}
}

// tree checks the bucket tree whose root is page id.
func (c *pageChecker) tree(id uint64, depth int) {
	if depth > maxTreeDepth {
		c.add("page %d: the tree is deeper than %d (a cycle?)", id, maxTreeDepth)
		return
	}
	if c.seen[id] {
		c.add("page %d: referenced twice", id)
		return
	}
	c.seen[id] = true
	p := c.page(id, branchFlag|leafFlag)
	if p != nil {
		c.elements(id, p, depth)
	}
}

// elements checks the elements of page p (id; 0: an inline bucket's page).
func (c *pageChecker) elements(id uint64, p []byte, depth int) {
	if len(p) < pageHeaderSize {
		c.add("page %d: shorter than a page header", id)
		return
	}
	le := binary.NativeEndian
	flags, count := le.Uint16(p[8:]), int(le.Uint16(p[10:]))
	if pageHeaderSize+count*elemSize > len(p) {
		c.add("page %d: %d elements do not fit in it", id, count)
		return
	}
	for i := range count {
		at := pageHeaderSize + i*elemSize
		e := p[at : at+elemSize]
		if flags&branchFlag != 0 {
			pos, ksize := int(le.Uint32(e[0:])), int(le.Uint32(e[4:]))
			if at+pos+ksize > len(p) || pos < 0 {
				c.add("page %d: element %d's key lies outside the page", id, i)
				return
			}
			c.tree(le.Uint64(e[8:]), depth+1)
			continue
		}
		eflags, pos, ksize, vsize := le.Uint32(e[0:]), int(le.Uint32(e[4:])), int(le.Uint32(e[8:])), int(le.Uint32(e[12:]))
		if at+pos+ksize+vsize > len(p) || pos < 0 || ksize < 0 || vsize < 0 {
			c.add("page %d: element %d lies outside the page", id, i)
			return
		}
		if eflags&bucketFlag == 0 {
			continue
		}
		v := p[at+pos+ksize : at+pos+ksize+vsize]
		if len(v) < 16 {
			c.add("page %d: element %d is a bucket too short for its header", id, i)
			continue
		}
		if root := le.Uint64(v); root != 0 {
			c.tree(root, depth+1)
		} else {
			c.elements(0, v[16:], depth+1) // an inline bucket: its page is in the value
		}
	}
}
