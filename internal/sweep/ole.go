package sweep

import (
	"context"
	"errors"
	"fmt"
	"github.com/vigie-project/vigie/internal/cfb"
	"io"
	"strings"
)

// OLE compound files ([MS-CFB]) hold old Office documents (.doc, .xls) and
// the VBA project of new ones (word/vbaProject.bin). The sweep reads only
// what it needs: the directory and the streams of VBA storages.

// maxOLEStream bounds one stream read from a compound file; the sweep's
// container budget bounds what is examined after that.
const maxOLEStream = 256 << 20

// vbaStorages finds the storages named VBA that hold a "dir" stream, with
// their path ("Macros/VBA", "_VBA_PROJECT_CUR/VBA", "VBA").
func vbaStorages(c *cfb.File) []cfbStorage {
	var out []cfbStorage
	seen := map[int]bool{}
	var walk func(i int, p string, depth int)
	walk = func(i int, p string, depth int) {
		if seen[i] || depth > 32 {
			return
		}
		seen[i] = true
		kids := c.Children(i)
		if strings.EqualFold(c.Entry(i).Name, "VBA") {
			st := cfbStorage{path: p, streams: map[string]int{}}
			for _, k := range kids {
				if c.Entry(k).Type == cfb.TypeStream {
					st.streams[strings.ToLower(c.Entry(k).Name)] = k
				}
			}
			if _, ok := st.streams["dir"]; ok {
				out = append(out, st)
			}
		}
		for _, k := range kids {
			if c.Entry(k).Type == cfb.TypeStorage {
				name := c.Entry(k).Name
				if p != "" {
					name = p + "/" + name
				}
				walk(k, name, depth+1)
			}
		}
	}
	walk(0, "", 0)
	return out
}

type cfbStorage struct {
	path    string
	streams map[string]int // lower-case name → entry
}

// openOLE extracts the VBA modules of a compound file, decompressed, and
// examines each as an entry named after its stream ("Macros/VBA/Module1").
func (w *worker) openOLE(ctx context.Context, it item, r io.ReaderAt, size int64, depth int, bud *budget) error {
	c, err := cfb.Open(r, size, cfb.Limits{MaxStream: maxOLEStream})
	if err != nil {
		return err
	}
	for _, st := range vbaStorages(c) {
		dirRaw, err := c.Stream(st.streams["dir"], -1)
		if err != nil {
			w.entryError(it, st.path+"/dir", err, bud)
			continue
		}
		dir, err := decompressVBA(dirRaw, 16<<20)
		if err != nil {
			w.entryError(it, st.path+"/dir", fmt.Errorf("decompressing the VBA dir stream: %w", err), bud)
			continue
		}
		mods, err := parseVBADir(dir)
		if err != nil {
			w.entryError(it, st.path+"/dir", err, bud)
			continue
		}
		for _, m := range mods {
			if bud.hit || ctx.Err() != nil {
				return nil
			}
			name := st.path + "/" + m.stream
			k, ok := st.streams[strings.ToLower(m.stream)]
			if !ok {
				w.entryError(it, name, errors.New("the VBA dir stream names a module stream that is not there"), bud)
				continue
			}
			raw, err := c.Stream(k, -1)
			if err != nil {
				w.entryError(it, name, err, bud)
				continue
			}
			// Reading streams counts against the budget too: a dir stream
			// naming the same big stream many times is a bomb of its own.
			if err := w.s.take(bud, int64(len(raw))); err != nil {
				w.entryError(it, name, err, bud)
				return nil
			}
			if int64(m.offset) > int64(len(raw)) {
				w.entryError(it, name, fmt.Errorf("module source offset %d is beyond the stream (%d bytes)", m.offset, len(raw)), bud)
				continue
			}
			room := w.s.limits.MaxExpanded - bud.expanded
			src, err := decompressVBA(raw[m.offset:], room)
			if err != nil {
				var le *errLimit
				if errors.As(err, &le) {
					w.entryError(it, name, err, bud)
					return nil
				}
				w.entryError(it, name, fmt.Errorf("decompressing the macro source: %w", err), bud)
				continue
			}
			bud.entries++
			if err := w.s.take(bud, int64(len(src))); err != nil {
				w.entryError(it, name, err, bud)
				return nil
			}
			w.examineEntry(ctx, it, name, src, depth, bud)
		}
	}
	return nil
}
