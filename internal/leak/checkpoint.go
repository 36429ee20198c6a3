package leak

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/vigie-project/vigie/internal/docmeta"
)

const checkpointName = "checkpoint.jsonl"

// maxCheckpointLine bounds one line of a checkpoint read back.
const maxCheckpointLine = 64 << 20

// checkpoint records, in Out/checkpoint.jsonl, every item examined and
// every disk file (unit) whose items are all recorded, so that a run
// interrupted on a dump of hundreds of thousands of items continues where
// it stopped. A unit is a file identified by path, size and modification
// time: a file changed since is examined again. The first line holds a
// fingerprint of the run's inputs; a checkpoint made with other inputs is
// set aside (renamed .old) and a new one started.
//
// Inside an mbox file on disk (a leak's mailbox can be gigabytes), the
// checkpoint also records how far the file is done: the last message
// whose items, and those of every message before it, are recorded, and
// the byte offset where the next message starts. A resumed run keeps the
// items of those messages and reads the mbox from that offset; items of
// later messages finished out of order are examined again, so every
// item is reported exactly once.
//
// Lines:
//
//	{"fingerprint":"..."}
//	{"unit":"dump/a.mbox|1234|1700000000","item":{...},"meta":{...},"msg":7}
//	{"unit":"dump/a.mbox|1234|1700000000","upto":{"n":7,"offset":5120}}
//	{"unit":"dump/a.mbox|1234|1700000000","done":3}
type checkpoint struct {
	mu       sync.Mutex
	f        *os.File
	w        *bufio.Writer
	done     map[string]bool
	expected map[string]int // walked items of a unit
	recorded map[string]int // walked items recorded
	lines    map[string]int // all items recorded (attachments too)
	items    []*Item        // items of completed units, from the previous run
	err      error
	// mbox files on disk: how far each is done (messages 1..n, the next
	// at offset), and messages finished after a gap, by number: their
	// end offset.
	upto      map[string]mark
	finished  map[string]map[int]int64
	lastFlush time.Time
}

// mark says an mbox file is done up to message N; the next one starts
// at byte Offset.
type mark struct {
	N      int   `json:"n"`
	Offset int64 `json:"offset"`
}

type cpLine struct {
	Fingerprint string        `json:"fingerprint,omitempty"`
	Unit        string        `json:"unit,omitempty"`
	Item        *Item         `json:"item,omitempty"`
	Meta        *docmeta.Meta `json:"meta,omitempty"`
	Done        *int          `json:"done,omitempty"`
	Msg         int           `json:"msg,omitempty"`
	Upto        *mark         `json:"upto,omitempty"`
}

func openCheckpoint(path, fingerprint string, resume bool) (*checkpoint, error) {
	cp := &checkpoint{done: map[string]bool{}, expected: map[string]int{}, recorded: map[string]int{}, lines: map[string]int{},
		upto: map[string]mark{}, finished: map[string]map[int]int64{}}
	if resume {
		if err := cp.load(path, fingerprint); err != nil {
			return nil, err
		}
	}
	// Rewrite the checkpoint with what is kept, then append.
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	enc.Encode(cpLine{Fingerprint: fingerprint})
	counts := map[string]int{}
	for _, it := range cp.items {
		enc.Encode(cpLine{Unit: it.unit, Item: it, Meta: it.meta, Msg: it.msgN})
		counts[it.unit]++
	}
	for u := range cp.done {
		n := counts[u]
		enc.Encode(cpLine{Unit: u, Done: &n})
	}
	for u, m := range cp.upto {
		enc.Encode(cpLine{Unit: u, Upto: &m})
		// the unit's done line counts the kept items too
		cp.lines[u] = counts[u]
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	f.Close()
	if err := os.Rename(tmp, path); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	cp.f, err = os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	cp.w = bufio.NewWriterSize(cp.f, 256<<10)
	return cp, nil
}

// load reads a previous checkpoint, keeping the items of completed units.
// A damaged line (an interrupted write) ends the reading: what follows
// is examined again.
func (cp *checkpoint) load(path, fingerprint string) error {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	pending := map[string][]*Item{}
	first := true
	for {
		line, err := readLine(r)
		if err != nil {
			break
		}
		var l cpLine
		if json.Unmarshal(line, &l) != nil {
			break
		}
		if first {
			first = false
			if l.Fingerprint != fingerprint {
				f.Close()
				if err := os.Rename(path, path+".old"); err != nil {
					return fmt.Errorf("checkpoint made with other inputs could not be set aside: %w", err)
				}
				return nil
			}
			continue
		}
		switch {
		case l.Item != nil:
			l.Item.unit, l.Item.meta, l.Item.msgN = l.Unit, l.Meta, l.Msg
			if l.Meta != nil && l.Meta.Source == "" {
				l.Meta.Source = l.Item.Path
			}
			pending[l.Unit] = append(pending[l.Unit], l.Item)
		case l.Upto != nil:
			cp.upto[l.Unit] = *l.Upto
		case l.Done != nil:
			if len(pending[l.Unit]) == *l.Done {
				cp.done[l.Unit] = true
				cp.items = append(cp.items, pending[l.Unit]...)
			}
			delete(pending, l.Unit)
			delete(cp.upto, l.Unit)
		}
	}
	// Partly done mbox files: keep the items of the messages up to the
	// mark; the rest is examined again.
	for u, m := range cp.upto {
		for _, it := range pending[u] {
			if it.msgN > 0 && it.msgN <= m.N {
				cp.items = append(cp.items, it)
			}
		}
	}
	return nil
}

// resumeAt says where a partly done mbox file continues.
func (cp *checkpoint) resumeAt(unit string) (int, int64) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	m := cp.upto[unit]
	return m.N, m.Offset
}

func readLine(r *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if len(line)+len(chunk) > maxCheckpointLine {
			return nil, fmt.Errorf("checkpoint line too long")
		}
		line = append(line, chunk...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF && len(line) > 0 && line[len(line)-1] != '\n' {
			return nil, io.ErrUnexpectedEOF // an interrupted write
		}
		return line, err
	}
}

func (cp *checkpoint) unitDone(unit string) bool { return cp.done[unit] }

// record appends one item.
func (cp *checkpoint) record(it *Item) error {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if cp.err != nil {
		return cp.err
	}
	b, err := json.Marshal(cpLine{Unit: it.unit, Item: it, Meta: it.meta, Msg: it.msgN})
	if err != nil {
		return fmt.Errorf("checkpoint: %s: %w", it.Path, err)
	}
	cp.w.Write(b)
	cp.w.WriteByte('\n')
	cp.lines[it.unit]++
	if !it.attached {
		cp.recorded[it.unit]++
		if it.msgN > 0 {
			cp.advance(it)
		}
	}
	return cp.maybeDone(it.unit)
}

// advance records that message it.msgN of an mbox file is done (its
// attached documents are recorded before it) and moves the unit's mark
// over the messages now done without a gap.
func (cp *checkpoint) advance(it *Item) {
	u := it.unit
	fin := cp.finished[u]
	if fin == nil {
		fin = map[int]int64{}
		cp.finished[u] = fin
	}
	fin[it.msgN] = it.msgEnd
	m, moved := cp.upto[u], false
	for {
		end, ok := fin[m.N+1]
		if !ok {
			break
		}
		delete(fin, m.N+1)
		m.N, m.Offset, moved = m.N+1, end, true
	}
	if !moved {
		return
	}
	cp.upto[u] = m
	b, _ := json.Marshal(cpLine{Unit: u, Upto: &m})
	cp.w.Write(b)
	cp.w.WriteByte('\n')
	// Flush now and then inside a big file: an interruption loses at
	// most a second of work.
	if time.Since(cp.lastFlush) >= time.Second {
		cp.lastFlush = time.Now()
		if err := cp.w.Flush(); err != nil {
			cp.err = fmt.Errorf("checkpoint: %w", err)
		}
	}
}

// unitEnd is told by the walker that a unit produced n items.
func (cp *checkpoint) unitEnd(unit string, n int) error {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	cp.expected[unit] = n
	return cp.maybeDone(unit)
}

func (cp *checkpoint) maybeDone(unit string) error {
	n, ok := cp.expected[unit]
	if !ok || cp.recorded[unit] != n {
		return nil
	}
	lines := cp.lines[unit]
	delete(cp.expected, unit)
	delete(cp.recorded, unit)
	delete(cp.lines, unit)
	delete(cp.upto, unit)
	delete(cp.finished, unit)
	b, _ := json.Marshal(cpLine{Unit: unit, Done: &lines})
	cp.w.Write(b)
	cp.w.WriteByte('\n')
	// Flush at unit boundaries: what is on disk is always usable.
	if err := cp.w.Flush(); err != nil {
		cp.err = fmt.Errorf("checkpoint: %w", err)
	}
	return cp.err
}

func (cp *checkpoint) close() error {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	err := cp.w.Flush()
	if cerr := cp.f.Close(); err == nil {
		err = cerr
	}
	return err
}
