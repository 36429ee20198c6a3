package archive

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/nwaples/rardecode/v2"
)

// openRAR reads a RAR 4 or 5 archive in one pass: the reader is sequential
// (a solid archive decodes each file from the ones before it), so the
// content of each file is read here, within the limits, and kept for Read.
// Once the budget is spent the rest is only listed; listing a file skips
// its packed data without decoding it.
func (a *Archive) openRAR(data []byte) error {
	rr, err := rardecode.NewReader(bytes.NewReader(data), rardecode.MaxDictionarySize(a.lim.MaxDictionary), rardecode.BufferSize(64<<10))
	if err != nil {
		return rarErr(err)
	}
	type content struct {
		b   []byte
		err error
	}
	var got []content
	for {
		if err := a.checkTime(); err != nil {
			return err
		}
		h, err := rr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if len(a.Entries) == 0 || errors.Is(err, rardecode.ErrArchiveEncrypted) {
				return rarErr(err)
			}
			// what was listed stands; the damage is reported on the
			// next entry's read.
			a.Entries = append(a.Entries, Entry{Name: "(damaged part of the archive)"})
			got = append(got, content{err: rarErr(err)})
			break
		}
		if len(a.Entries) >= a.lim.MaxEntries {
			a.Truncated = true
			break
		}
		e := Entry{Name: h.Name, Size: h.UnPackedSize, Dir: h.IsDir, Encrypted: h.Encrypted}
		if h.UnKnownSize {
			e.Size = -1
		}
		a.Entries = append(a.Entries, e)
		var c content
		switch {
		case e.Dir || e.Encrypted:
		case a.budget() <= 0:
			c.err = limitError("more than %d bytes decompressed from the archive", a.lim.MaxTotalBytes)
		default:
			c.b, c.err = a.readBounded(rr, e.Size)
			if c.err != nil && !errors.Is(c.err, ErrLimit) {
				c.err = rarErr(c.err)
			}
		}
		got = append(got, c)
	}
	a.read = func(i int) ([]byte, error) { return got[i].b, got[i].err }
	return nil
}

func rarErr(err error) error {
	switch {
	case errors.Is(err, rardecode.ErrArchiveEncrypted):
		return ErrEncrypted
	case errors.Is(err, rardecode.ErrArchivedFileEncrypted):
		return fmt.Errorf("%w: %v", ErrEntryEncrypted, err)
	case errors.Is(err, rardecode.ErrDictionaryTooLarge):
		return limitError("%v", err)
	case errors.Is(err, rardecode.ErrMultiVolume):
		return fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	return fmt.Errorf("%w: %v", ErrFormat, err)
}
