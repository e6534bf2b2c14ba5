package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// bbolt's on-disk meta page (go.etcd.io/bbolt internal/common: Page then Meta), in
// the machine's byte order. bbolt opens a damaged file without complaint if one meta
// page is intact, then faults (SIGBUS) on pages past the end or rewrites the file, so
// the history is checked read-only before bbolt ever sees it.
const (
	boltMagic        = 0xED0CDAED
	boltVersion      = 2
	pageHeaderSize   = 16
	metaChecksumOff  = 56 // fields before the checksum are what it covers
	metaSize         = 64
	noFreelist       = ^uint64(0)
	minBoltPageBytes = 1024
)

type boltMeta struct {
	pageSize uint32
	root     uint64
	freelist uint64
	pgid     uint64
	txid     uint64
}

// errNotBolt says neither meta page is a valid bbolt meta page.
var errNotBolt = errors.New("not a bbolt database (no valid meta page)")

// checkBoltFile reports why the existing, non-empty file at path cannot be a healthy
// bbolt database (damage), or that it could not read it (err). It never writes.
func checkBoltFile(path string) (damage, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	return checkBoltMeta(f, info.Size()), nil
}

// checkBoltMeta validates the meta pages of a bbolt file of the given size.
func checkBoltMeta(f io.ReaderAt, size int64) error {

	var page0 [pageHeaderSize + metaSize]byte
	m0, err0 := readMeta(f, 0, page0[:])
	var m1 boltMeta
	err1 := errNotBolt
	// The second meta page sits one page in; the page size comes from the first meta
	// page or, if that one is damaged, every size bbolt can use is tried.
	if err0 == nil {
		m1, err1 = readMeta(f, int64(m0.pageSize), page0[:])
	} else {
		for ps := int64(minBoltPageBytes); ps <= 1<<24 && ps < size; ps <<= 1 {
			if m, err := readMeta(f, ps, page0[:]); err == nil && int64(m.pageSize) == ps {
				m1, err1 = m, nil
				break
			}
		}
	}
	var m boltMeta
	switch {
	case err0 == nil && err1 == nil:
		m = m0
		if m1.txid > m0.txid {
			m = m1
		}
	case err0 == nil:
		m = m0
	case err1 == nil:
		m = m1
	default:
		if errors.Is(err0, errVersion) {
			return err0
		}
		return errNotBolt
	}
	if need := int64(m.pgid) * int64(m.pageSize); need > size {
		return fmt.Errorf("file is truncated: %d bytes, its pages need %d", size, need)
	}
	if m.freelist == noFreelist {
		// dexra-tui always syncs the freelist; bbolt would rewrite such a file on open.
		return errors.New("a bbolt file without a stored freelist (not written by dexra-tui)")
	}
	if m.root >= m.pgid || m.freelist >= m.pgid {
		return fmt.Errorf("meta page points past the end of the data (root %d, freelist %d, pages %d)",
			m.root, m.freelist, m.pgid)
	}
	return nil
}

var errVersion = errors.New("bbolt file format version is not 2")

// readMeta reads and validates the meta page at off. buf is scratch space.
func readMeta(r io.ReaderAt, off int64, buf []byte) (boltMeta, error) {
	if _, err := r.ReadAt(buf, off); err != nil {
		return boltMeta{}, errNotBolt
	}
	meta := buf[pageHeaderSize:]
	le := binary.NativeEndian
	if le.Uint32(meta[0:]) != boltMagic {
		return boltMeta{}, errNotBolt
	}
	if le.Uint32(meta[4:]) != boltVersion {
		return boltMeta{}, errVersion
	}
	h := fnv.New64a()
	h.Write(meta[:metaChecksumOff])
	if h.Sum64() != le.Uint64(meta[metaChecksumOff:]) {
		return boltMeta{}, errNotBolt
	}
	m := boltMeta{
		pageSize: le.Uint32(meta[8:]),
		root:     le.Uint64(meta[16:]),
		freelist: le.Uint64(meta[32:]),
		pgid:     le.Uint64(meta[40:]),
		txid:     le.Uint64(meta[48:]),
	}
	if m.pageSize < minBoltPageBytes || m.pageSize&(m.pageSize-1) != 0 {
		return boltMeta{}, errNotBolt
	}
	return m, nil
}
