package hub

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/vigie-project/vigie/internal/indicator"
)

// An import job never holds its file in memory: a splitter cuts it into
// items (STIX objects, MISP attributes and objects, CSV records, lines)
// and hands them over in order, and the job puts batches of items back
// into small documents of the same format that the ordinary readers
// decode. What every batch needs from the rest of the file — a STIX
// bundle's marking definitions, identities, threats and "indicates"
// relationships, a MISP event's tags and galaxies — is gathered by a
// first pass (count) and bounded by maxJobContext.

// Bounds of an import job's reading.
const (
	// maxJobItemBytes bounds one item (a STIX object, a MISP attribute,
	// a CSV record).
	maxJobItemBytes = 16 << 20
	// maxJobContext bounds what every batch carries from the rest of the
	// file.
	maxJobContext = 64 << 20
)

// splitter cuts one format into items.
type splitter interface {
	// count reads the whole file once: the number of items, and what
	// every batch needs.
	count(r io.Reader) (int64, error)
	// each calls fn with every item in order, with the input offset after
	// it.
	each(r io.Reader, fn func(item []byte, end int64) error) error
	// doc makes a document of the format from a batch of items.
	doc(items [][]byte) []byte
	// locate finds the item a problem of the batch doc(items) is about:
	// its index in the batch, or -1; and where it is in the file.
	locate(p indicator.Problem, items [][]byte, first int64) (int, string)
}

// guard bounds how much a JSON decoder reads for one item.
type guard struct {
	r    io.Reader
	left int64
}

func (g *guard) Read(p []byte) (int, error) {
	if g.left <= 0 {
		return 0, fmt.Errorf("an item is larger than %d bytes", maxJobItemBytes)
	}
	if int64(len(p)) > g.left {
		p = p[:g.left]
	}
	n, err := g.r.Read(p)
	g.left -= int64(n)
	return n, err
}

// jsonWalk reads a JSON document with a token decoder: at the paths where
// items says an array of items is, each element goes to item; other
// members of the objects along descend go to member. Nothing else is
// kept.
type jsonWalk struct {
	items   func(path string) bool
	descend func(path string) bool
	item    func(raw json.RawMessage, end int64) error
	member  func(path string, raw json.RawMessage) error
}

func (w *jsonWalk) run(r io.Reader, name string) error {
	g := &guard{r: r, left: maxJobItemBytes}
	dec := json.NewDecoder(g)
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	switch tok {
	case json.Delim('['):
		if !w.items("") {
			return fmt.Errorf("%s: a JSON array is not a document of this format", name)
		}
		err = w.array(dec, g, "")
	case json.Delim('{'):
		err = w.object(dec, g, "", 0)
	default:
		return fmt.Errorf("%s: not a JSON object or array", name)
	}
	if err != nil {
		return fmt.Errorf("%s: byte %d: %w", name, dec.InputOffset(), err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: byte %d: data after the document", name, dec.InputOffset())
	}
	return nil
}

func (w *jsonWalk) array(dec *json.Decoder, g *guard, path string) error {
	for dec.More() {
		g.left = maxJobItemBytes
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		if err := w.item(raw, dec.InputOffset()); err != nil {
			return err
		}
	}
	_, err := dec.Token() // ]
	return err
}

func (w *jsonWalk) object(dec *json.Decoder, g *guard, path string, depth int) error {
	if depth > 4 {
		return errors.New("nested too deep")
	}
	for dec.More() {
		g.left = maxJobItemBytes
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		p := path + "/" + key
		switch {
		case w.items(p):
			t, err := dec.Token()
			if err != nil {
				return err
			}
			if t == nil { // "objects": null
				continue
			}
			if t != json.Delim('[') {
				return fmt.Errorf("%q is not an array", key)
			}
			if err := w.array(dec, g, p); err != nil {
				return err
			}
		case w.descend(p):
			t, err := dec.Token()
			if err != nil {
				return err
			}
			if t != json.Delim('{') {
				return fmt.Errorf("%q is not an object", key)
			}
			if err := w.object(dec, g, p, depth+1); err != nil {
				return err
			}
		default:
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return err
			}
			if err := w.member(p, raw); err != nil {
				return err
			}
		}
	}
	_, err := dec.Token() // }
	return err
}

// context collects members and objects every batch carries, bounded.
type jobContext struct {
	size int
}

func (c *jobContext) add(n int) error {
	c.size += n
	if c.size > maxJobContext {
		return fmt.Errorf("more than %d bytes of shared context (markings, identities, threats, relationships, event tags): import it in parts", maxJobContext)
	}
	return nil
}

// stixSplit cuts a STIX bundle (or a bare array of objects) into objects.
type stixSplit struct {
	name    string
	ctx     jobContext
	members []string          // "key":value of the bundle besides objects
	shared  []json.RawMessage // markings, identities, threats
	ctxIdx  map[string]int64  // their ids → index in the file
	rels    map[string][]json.RawMessage
	memo    batchMemo[stixHead] // heads of the batch being located
}

// batchMemo keeps what locate decoded of a batch's items, so that a batch
// with many problems is decoded once, not once per problem.
type batchMemo[T any] struct {
	first, last *byte // the batch: its first and last items' bytes
	n           int
	heads       []T
}

func (m *batchMemo[T]) get(items [][]byte, decode func([]byte) T) []T {
	if len(items) == 0 {
		return nil
	}
	first, last := firstByte(items[0]), firstByte(items[len(items)-1])
	if first == nil || m.first != first || m.last != last || m.n != len(items) {
		m.first, m.last, m.n, m.heads = first, last, len(items), make([]T, len(items))
		for i, it := range items {
			m.heads[i] = decode(it)
		}
	}
	return m.heads
}

func firstByte(b []byte) *byte {
	if len(b) == 0 {
		return nil
	}
	return &b[0]
}

func decodeStixHead(it []byte) stixHead {
	var h stixHead
	_ = json.Unmarshal(it, &h)
	return h
}

// stixHead is what the splitter needs of a STIX object.
type stixHead struct {
	Type             string `json:"type"`
	ID               string `json:"id"`
	RelationshipType string `json:"relationship_type"`
	SourceRef        string `json:"source_ref"`
}

// stixShared are the object types every batch carries.
var stixShared = map[string]bool{"marking-definition": true, "identity": true, "malware": true, "intrusion-set": true, "campaign": true, "threat-actor": true, "tool": true}

func (s *stixSplit) walk(item func(raw json.RawMessage, end int64) error, member func(path string, raw json.RawMessage) error) *jsonWalk {
	return &jsonWalk{
		items:   func(p string) bool { return p == "" || p == "/objects" },
		descend: func(string) bool { return false },
		item:    item, member: member,
	}
}

func (s *stixSplit) count(r io.Reader) (int64, error) {
	var n int64
	s.ctxIdx, s.rels, s.members, s.shared = map[string]int64{}, map[string][]json.RawMessage{}, nil, nil
	w := s.walk(func(raw json.RawMessage, _ int64) error {
		var h stixHead
		if json.Unmarshal(raw, &h) == nil {
			switch {
			case stixShared[h.Type]:
				if err := s.ctx.add(len(raw)); err != nil {
					return err
				}
				s.shared = append(s.shared, raw)
				s.ctxIdx[h.ID] = n
			case h.Type == "relationship" && h.RelationshipType == "indicates" && h.SourceRef != "":
				if err := s.ctx.add(len(raw)); err != nil {
					return err
				}
				s.rels[h.SourceRef] = append(s.rels[h.SourceRef], raw)
				s.ctxIdx[h.ID] = n
			}
		}
		n++
		return nil
	}, func(path string, raw json.RawMessage) error {
		if err := s.ctx.add(len(raw)); err != nil {
			return err
		}
		k, _ := json.Marshal(strings.TrimPrefix(path, "/"))
		s.members = append(s.members, string(k)+":"+string(raw))
		return nil
	})
	return n, w.run(r, s.name)
}

func (s *stixSplit) each(r io.Reader, fn func([]byte, int64) error) error {
	return s.walk(func(raw json.RawMessage, end int64) error { return fn(raw, end) },
		func(string, json.RawMessage) error { return nil }).run(r, s.name)
}

func (s *stixSplit) doc(items [][]byte) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for _, m := range s.members {
		b.WriteString(m)
		b.WriteByte(',')
	}
	if len(s.members) == 0 {
		b.WriteString(`"type":"bundle","id":"bundle--6a1e7d4e-3c1b-4f6e-9a51-000000000000",`)
	}
	b.WriteString(`"objects":[`)
	n := 0
	sep := func() {
		if n > 0 {
			b.WriteByte(',')
		}
		n++
	}
	for _, raw := range s.shared {
		sep()
		b.Write(raw)
	}
	for _, it := range items {
		var h stixHead
		_ = json.Unmarshal(it, &h)
		if stixShared[h.Type] || (h.Type == "relationship" && h.RelationshipType == "indicates") {
			continue // carried by every batch, or with its indicator below
		}
		sep()
		b.Write(it)
		for _, rel := range s.rels[h.ID] {
			sep()
			b.Write(rel)
		}
	}
	b.WriteString("]}")
	return b.Bytes()
}

func (s *stixSplit) locate(p indicator.Problem, items [][]byte, first int64) (int, string) {
	w := p.Where
	if rest, ok := strings.CutPrefix(w, "object #"); ok {
		// the n-th object of the batch document (1-based), after the
		// shared objects and next to their relationships: find it again.
		num, _, _ := strings.Cut(rest, " ")
		k, err := strconv.Atoi(num)
		if err != nil {
			return -1, w
		}
		k -= len(s.shared) + 1
		for i, h := range s.memo.get(items, decodeStixHead) {
			if stixShared[h.Type] || (h.Type == "relationship" && h.RelationshipType == "indicates") {
				continue
			}
			if k == 0 {
				return i, fmt.Sprintf("object #%d", first+int64(i)+1)
			}
			k -= 1 + len(s.rels[h.ID])
		}
		return -1, w
	}
	if id, ok := strings.CutPrefix(w, "object "); ok {
		for i, h := range s.memo.get(items, decodeStixHead) {
			if h.ID != "" && indicator.Shorten(h.ID) == id {
				return i, fmt.Sprintf("object #%d (%s)", first+int64(i)+1, id)
			}
		}
		for full, idx := range s.ctxIdx {
			if indicator.Shorten(full) == id {
				return -2 - int(idx), fmt.Sprintf("object #%d (%s)", idx+1, id)
			}
		}
	}
	return -1, w
}

// mispSplit cuts a MISP event into its attributes and objects.
type mispSplit struct {
	name    string
	ctx     jobContext
	members []string          // of the event, besides Attribute and Object
	top     string            // "Event" or "" (a bare event)
	memo    batchMemo[string] // uuids of the batch being located
}

func (s *mispSplit) walk(item func(raw json.RawMessage, end int64) error, member func(path string, raw json.RawMessage) error) *jsonWalk {
	return &jsonWalk{
		items: func(p string) bool {
			return p == "/Event/Attribute" || p == "/Event/Object" || p == "/Attribute" || p == "/Object"
		},
		descend: func(p string) bool { return p == "/Event" },
		item:    item, member: member,
	}
}

// mispItem marks an object (as opposed to an attribute) in a batch: the
// splitter prefixes the kind to the raw item.
const (
	mispAttr = 'a'
	mispObj  = 'o'
)

func (s *mispSplit) count(r io.Reader) (int64, error) {
	var n int64
	s.members, s.top = nil, ""
	w := s.walk(func(json.RawMessage, int64) error { n++; return nil }, func(path string, raw json.RawMessage) error {
		if path == "/response" {
			return errors.New("a MISP search response (several events) cannot be imported as a job: import each event")
		}
		if strings.HasPrefix(path, "/Event/") {
			s.top = "Event"
		}
		if err := s.ctx.add(len(raw)); err != nil {
			return err
		}
		k, _ := json.Marshal(path[strings.LastIndexByte(path, '/')+1:])
		s.members = append(s.members, string(k)+":"+string(raw))
		return nil
	})
	items := w.items
	w.items = func(p string) bool {
		ok := items(p)
		if ok && strings.HasPrefix(p, "/Event/") {
			s.top = "Event"
		}
		return ok
	}
	return n, w.run(r, s.name)
}

func (s *mispSplit) each(r io.Reader, fn func([]byte, int64) error) error {
	var kind byte = mispAttr
	w := s.walk(func(raw json.RawMessage, end int64) error {
		return fn(append([]byte{kind}, raw...), end)
	}, func(string, json.RawMessage) error { return nil })
	items := w.items
	w.items = func(p string) bool {
		ok := items(p)
		if ok {
			kind = mispAttr
			if strings.HasSuffix(p, "/Object") {
				kind = mispObj
			}
		}
		return ok
	}
	return w.run(r, s.name)
}

func (s *mispSplit) doc(items [][]byte) []byte {
	var b bytes.Buffer
	if s.top != "" {
		b.WriteString(`{"Event":`)
	}
	b.WriteByte('{')
	for _, m := range s.members {
		b.WriteString(m)
		b.WriteByte(',')
	}
	for i, kind := range []byte{mispAttr, mispObj} {
		if i == 0 {
			b.WriteString(`"Attribute":[`)
		} else {
			b.WriteString(`],"Object":[`)
		}
		n := 0
		for _, it := range items {
			if it[0] != kind {
				continue
			}
			if n > 0 {
				b.WriteByte(',')
			}
			n++
			b.Write(it[1:])
		}
	}
	b.WriteString("]}")
	if s.top != "" {
		b.WriteByte('}')
	}
	return b.Bytes()
}

func (s *mispSplit) locate(p indicator.Problem, items [][]byte, first int64) (int, string) {
	w := p.Where
	kind, ref := byte(mispAttr), ""
	if _, after, ok := strings.Cut(w, " object "); ok {
		kind, ref = mispObj, after
	} else if _, after, ok := strings.Cut(w, " attribute "); ok {
		ref = after
	} else {
		return -1, w
	}
	ref, _, _ = strings.Cut(ref, " ")
	k := -1
	if num, ok := strings.CutPrefix(ref, "#"); ok {
		k, _ = strconv.Atoi(num)
	}
	seen := 0
	uuids := s.memo.get(items, func(it []byte) string {
		var u struct {
			UUID string `json:"uuid"`
		}
		_ = json.Unmarshal(it[1:], &u)
		return u.UUID
	})
	for i, it := range items {
		if it[0] != kind {
			continue
		}
		seen++
		if k > 0 && seen == k {
			return i, fmt.Sprintf("item #%d: %s", first+int64(i)+1, w)
		}
		if k < 0 && ref != "" {
			if uuids[i] == ref {
				return i, fmt.Sprintf("item #%d: %s", first+int64(i)+1, w)
			}
		}
	}
	return -1, w
}

// lineSplit cuts a CSV file (header: its first record is repeated in every
// batch) or a list into records; a quoted CSV field may hold newlines.
type lineSplit struct {
	name   string
	header []byte
	csv    bool
}

// records reads the file record by record: fn gets the record (with its
// newline), its first line and the offset after it.
func (s *lineSplit) records(r io.Reader, fn func(rec []byte, line, end int64) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var off, line int64
	var rec []byte
	quotes := 0
	startLine := int64(1)
	for {
		chunk, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			err = nil
		} else {
			line++
		}
		off += int64(len(chunk))
		rec = append(rec, chunk...)
		if len(rec) > maxJobItemBytes {
			return fmt.Errorf("%s: line %d: a record is longer than %d bytes", s.name, startLine, maxJobItemBytes)
		}
		if s.csv {
			quotes += bytes.Count(chunk, []byte{'"'})
		}
		complete := len(chunk) > 0 && chunk[len(chunk)-1] == '\n' && quotes%2 == 0
		if complete || (errors.Is(err, io.EOF) && len(rec) > 0) {
			if !errors.Is(err, io.EOF) || len(bytes.TrimSpace(rec)) > 0 {
				if e := fn(rec, startLine, off); e != nil {
					return e
				}
			}
			rec, quotes, startLine = rec[:0], 0, line+1
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
}

func (s *lineSplit) count(r io.Reader) (int64, error) {
	var n int64
	s.header = nil
	err := s.records(r, func(rec []byte, _, _ int64) error {
		if s.csv && s.header == nil {
			s.header = append([]byte(nil), rec...)
			return nil
		}
		n++
		return nil
	})
	return n, err
}

func (s *lineSplit) each(r io.Reader, fn func([]byte, int64) error) error {
	first := true
	return s.records(r, func(rec []byte, line, end int64) error {
		if s.csv && first {
			first = false
			return nil
		}
		// the line travels with the record: "line\x00record"
		it := append(strconv.AppendInt(nil, line, 10), 0)
		return fn(append(it, rec...), end)
	})
}

func (s *lineSplit) doc(items [][]byte) []byte {
	var b bytes.Buffer
	if s.csv {
		b.Write(s.header)
		if !bytes.HasSuffix(s.header, []byte("\n")) {
			b.WriteByte('\n')
		}
	}
	for _, it := range items {
		_, rec, _ := bytes.Cut(it, []byte{0})
		b.Write(rec)
		if !bytes.HasSuffix(rec, []byte("\n")) {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

func (s *lineSplit) locate(p indicator.Problem, items [][]byte, first int64) (int, string) {
	rest, ok := strings.CutPrefix(p.Where, "line ")
	if !ok {
		return -1, p.Where
	}
	num, _, _ := strings.Cut(rest, " ")
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return -1, p.Where
	}
	// the batch document's line n: find the record holding it
	docLine := int64(1)
	if s.csv {
		docLine = 1 + int64(bytes.Count(s.header, []byte("\n")))
		if !bytes.HasSuffix(s.header, []byte("\n")) {
			docLine++
		}
	}
	for i, it := range items {
		lineB, rec, _ := bytes.Cut(it, []byte{0})
		lines := int64(bytes.Count(rec, []byte("\n")))
		if !bytes.HasSuffix(rec, []byte("\n")) {
			lines++
		}
		if n >= docLine && n < docLine+max(lines, 1) {
			orig, _ := strconv.ParseInt(string(lineB), 10, 64)
			return i, fmt.Sprintf("line %d", orig+(n-docLine))
		}
		docLine += lines
	}
	return -1, p.Where
}
