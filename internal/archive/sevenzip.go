package archive

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/bodgit/sevenzip"
)

// open7z checks the header (szCheck), then lets the 7-Zip reader list it.
func (a *Archive) open7z(data []byte) error {
	info, err := szCheck(data, a.lim)
	if err != nil {
		return err
	}
	zr, err := sevenzip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		var re *sevenzip.ReadError
		if errors.As(err, &re) && re.Encrypted {
			return ErrEncrypted
		}
		return fmt.Errorf("%w: %v", ErrFormat, err)
	}
	// offsets of each file in its folder: reading a file of a solid folder
	// decompresses all that comes before it.
	type pos struct {
		f      *sevenzip.File
		offset int64
	}
	files := make([]pos, 0, len(zr.File))
	folderPos := map[int]int64{}
	for _, f := range zr.File {
		size := int64(min(f.UncompressedSize, 1<<62))
		dir := f.FileInfo().IsDir()
		empty := size == 0 || dir
		enc := false
		if !empty && f.Stream >= 0 && f.Stream < len(info.folders) {
			enc = info.folders[f.Stream].encrypted
		}
		a.Entries = append(a.Entries, Entry{Name: strings.TrimSuffix(f.Name, "/"), Size: size, Dir: dir, Encrypted: enc})
		p := pos{f: f}
		if !empty {
			p.offset = folderPos[f.Stream]
			folderPos[f.Stream] = min(p.offset+size, 1<<62)
		}
		files = append(files, p)
	}
	at := map[int]int64{} // where each folder's decoder stands
	a.read = func(i int) ([]byte, error) {
		p := files[i]
		if a.Entries[i].Size == 0 {
			return nil, nil
		}
		skip := p.offset
		if cur, ok := at[p.f.Stream]; ok && cur <= p.offset {
			skip = p.offset - cur
		}
		if skip > a.budget() {
			return nil, limitError("reaching this entry decompresses %d bytes, more than the %d left", skip, a.budget())
		}
		rc, err := p.f.Open()
		if err != nil {
			return nil, szErr(err)
		}
		defer rc.Close()
		a.used += skip
		b, err := a.readBounded(rc, a.Entries[i].Size)
		at[p.f.Stream] = p.offset + int64(len(b))
		if err != nil && !errors.Is(err, ErrLimit) {
			err = szErr(err)
		}
		return b, err
	}
	a.stream = func(i int) (io.ReadCloser, error) {
		p := files[i]
		if a.Entries[i].Size == 0 {
			return io.NopCloser(bytes.NewReader(nil)), nil
		}
		// the library decompresses what comes before the entry in its
		// solid block: count it against the budget
		if p.offset > a.budget() {
			return nil, limitError("reaching this entry decompresses %d bytes, more than the %d left", p.offset, a.budget())
		}
		rc, err := p.f.Open()
		if err != nil {
			return nil, szErr(err)
		}
		a.used += p.offset
		delete(at, p.f.Stream) // the folder's decoder position is no longer known
		return rc, nil
	}
	return nil
}

func szErr(err error) error {
	var re *sevenzip.ReadError
	if errors.As(err, &re) && re.Encrypted {
		return fmt.Errorf("%w: %v", ErrEntryEncrypted, err)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: data ends early: %v", ErrFormat, err)
	}
	return fmt.Errorf("%w: %v", ErrFormat, err)
}
