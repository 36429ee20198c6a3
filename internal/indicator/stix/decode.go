package stix

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/safejson"
)

var sniffRE = regexp.MustCompile(`"type"\s*:\s*"bundle"|"spec_version"\s*:|"pattern_type"\s*:`)

// Sniff reports whether head, the first bytes of an input, looks like a
// STIX bundle or object.
func Sniff(head []byte) bool {
	t := bytes.TrimLeft(head, " \t\r\n\ufeff")
	if len(t) == 0 || (t[0] != '{' && t[0] != '[') {
		return false
	}
	return sniffRE.Match(head)
}

// rawObject holds the properties of a STIX object that Vigie uses, for all
// object types at once: one small struct decoded per object, no maps.
type rawObject struct {
	Type              string          `json:"type"`
	ID                string          `json:"id"`
	Created           string          `json:"created"`
	Modified          string          `json:"modified"`
	CreatedByRef      string          `json:"created_by_ref"`
	Name              string          `json:"name"`
	Description       string          `json:"description"`
	Labels            []string        `json:"labels"`
	Aliases           []string        `json:"aliases"`
	XMitreAliases     []string        `json:"x_mitre_aliases"`
	Confidence        *int            `json:"confidence"`
	Pattern           string          `json:"pattern"`
	PatternType       string          `json:"pattern_type"`
	ValidFrom         string          `json:"valid_from"`
	ValidUntil        string          `json:"valid_until"`
	ObjectMarkingRefs []string        `json:"object_marking_refs"`
	Revoked           bool            `json:"revoked"`
	RelationshipType  string          `json:"relationship_type"`
	SourceRef         string          `json:"source_ref"`
	TargetRef         string          `json:"target_ref"`
	SightingOfRef     string          `json:"sighting_of_ref"`
	DefinitionType    string          `json:"definition_type"`
	Definition        json.RawMessage `json:"definition"`
	Extensions        json.RawMessage `json:"extensions"`
	XOpenCTIDefType   string          `json:"x_opencti_definition_type"`
	XOpenCTIDef       string          `json:"x_opencti_definition"`
	XVigieExclude     string          `json:"x_vigie_exclude"`
}

// threatKinds are the object types Vigie keeps as threats.
var threatKinds = map[string]bool{"malware": true, "intrusion-set": true, "campaign": true, "threat-actor": true, "tool": true}

// informationalLabel is the label Vigie writes on, and reads from,
// indicators that are context rather than a detection signal (MISP's
// to_ids=false, Indicator.Informational).
const informationalLabel = "informational"

type decoder struct {
	opts indicator.ReadOptions
	c    *indicator.Collection

	objects   int // objects applied
	emitted   int // objects cut from the input (read by the splitter only)
	objStart  int // d.n when the object being applied started
	chunks    [][]indicator.Indicator
	n         int                      // indicators in chunks
	identity  map[string]string        // identity id → name
	markings  map[string]indicator.TLP // marking ids defined in the bundle
	threats   map[string]string        // threat object id → canonical threat name
	indicates [][2]string              // indicator id → threat id
	pending   []pendingTLP             // indicators marked with a marking not yet known
	p         *objParser               // for objects decoded on this goroutine
	pipe      *pipeline                // once the bundle is large enough, see pipeline.go
	pipeAfter int                      // objects read before the pipeline starts (< 0: never)
	batch     int                      // objects per batch of the pipeline
}

// pendingTLP is a marking reference of indicators [start, end) that is
// not a well-known TLP id: it is resolved after the whole bundle is read,
// since the marking-definition may come after the indicator.
type pendingTLP struct {
	start, end int
	ref        string
}

// Decode reads a STIX 2.0 or 2.1 bundle, a single STIX object, a bare JSON
// array of objects or a TAXII envelope ({"objects": [...]}) and returns its
// indicators. Objects are decoded one at a time from the "objects" array, so
// memory grows with the indicators kept, not with the input. See the package
// documentation for what becomes an indicator.
func Decode(r io.Reader, opts indicator.ReadOptions) (*indicator.Collection, error) {
	after := pipelineAfter
	if runtime.GOMAXPROCS(0) < 2 {
		after = -1
	}
	return decode(r, opts, after, batchSize)
}

// decode is Decode, with the pipeline of pipeline.go started after the
// first after objects (never if after < 0), in batches of batch objects.
func decode(r io.Reader, opts indicator.ReadOptions, after, batch int) (*indicator.Collection, error) {
	opts = opts.Limits()
	d := &decoder{
		opts:      opts,
		c:         &indicator.Collection{},
		identity:  map[string]string{},
		markings:  map[string]indicator.TLP{},
		threats:   map[string]string{},
		p:         newParser(opts),
		pipeAfter: after,
		batch:     batch,
	}
	lr := &limitReader{r: r, left: opts.MaxBytes}
	err := d.top(newStream(lr, opts.Name, opts.MaxDepth-1))
	if d.pipe != nil {
		err = d.pipe.finish(err)
	}
	if err != nil {
		if errors.Is(err, errTooBig) {
			return nil, fmt.Errorf("%s: larger than the limit of %d bytes", opts.Name, opts.MaxBytes)
		}
		return nil, err
	}
	if err := d.resolve(); err != nil {
		return nil, err
	}
	return d.c, nil
}

var errTooBig = errors.New("input too large")

// limitReader fails once more than left bytes were read, so that a huge
// input is refused instead of read to the end.
type limitReader struct {
	r    io.Reader
	left int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, errTooBig
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n, errTooBig
	}
	return n, err
}

func (d *decoder) top(s *stream) error {
	if s.next() == 0xEF { // a UTF-8 byte order mark, as some Windows tools write
		if s.end-s.pos < 3 {
			s.fill(s.pos)
		}
		if s.end-s.pos >= 3 && string(s.buf[s.pos:s.pos+3]) == "\ufeff" {
			s.pos += 3
		}
	}
	switch s.next() {
	case 0:
		if s.err != nil && !errors.Is(s.err, io.EOF) {
			return s.readErr()
		}
		return fmt.Errorf("%s: empty input, not a STIX bundle", d.opts.Name)
	case '[':
		s.pos++
		if err := d.elements(s); err != nil {
			return err
		}
	case '{':
		s.pos++
		if err := d.members(s); err != nil {
			return err
		}
	default:
		return fmt.Errorf("%s: not a STIX bundle: the input does not start with a JSON object or array", d.opts.Name)
	}
	if s.next() != 0 {
		return s.errorf("data after the end of the JSON document")
	}
	if s.err != nil && !errors.Is(s.err, io.EOF) {
		return s.readErr()
	}
	return nil
}

// elements reads the objects of an array, after its '['.
func (d *decoder) elements(s *stream) error {
	if s.next() == ']' {
		s.pos++
		return nil
	}
	for {
		off := s.offset()
		v, err := s.value()
		if err != nil {
			return err
		}
		if err := d.emit(v, off); err != nil {
			return err
		}
		switch s.next() {
		case ',':
			s.pos++
		case ']':
			s.pos++
			return nil
		case 0:
			return s.readErr()
		default:
			return s.errorf("expected ',' or ']' after an object of the array")
		}
	}
}

// members reads the members of a top-level object, after its '{': a
// bundle or TAXII envelope (with "objects") or a single STIX object.
func (d *decoder) members(s *stream) error {
	members := map[string]json.RawMessage{}
	sawObjects := false
	if s.next() == '}' {
		s.pos++
	} else {
		for {
			kv, err := s.value()
			if err != nil {
				return err
			}
			var key string
			if err := json.Unmarshal(kv, &key); err != nil {
				return s.errorf("expected a member name, found %s", short(string(kv)))
			}
			if err := s.expect(':', "':' after a member name"); err != nil {
				return err
			}
			if key == "objects" && s.next() == '[' {
				s.pos++
				sawObjects = true
				if err := d.elements(s); err != nil {
					return err
				}
			} else {
				v, err := s.value()
				if err != nil {
					return err
				}
				if key == "objects" && string(v) != "null" {
					return s.errorf("\"objects\" is not an array")
				}
				sawObjects = sawObjects || key == "objects"
				if len(members) >= 10_000 {
					return s.errorf("more than 10000 members in the top-level object")
				}
				members[key] = json.RawMessage(append([]byte(nil), v...))
			}
			c := s.next()
			if c == ',' {
				s.pos++
				continue
			}
			if c == '}' {
				s.pos++
				break
			}
			if c == 0 {
				return s.readErr()
			}
			return s.errorf("expected ',' or '}' in the top-level object")
		}
	}
	if sawObjects {
		return nil
	}
	var typ string
	_ = json.Unmarshal(members["type"], &typ)
	if typ == "bundle" {
		return nil // an empty bundle
	}
	if typ == "" {
		return fmt.Errorf("%s: not a STIX bundle or object: no \"type\" and no \"objects\"", d.opts.Name)
	}
	raw, err := json.Marshal(members)
	if err != nil {
		return fmt.Errorf("%s: %w", d.opts.Name, err)
	}
	return d.emit(raw, 0)
}

func (p *objParser) where(o *rawObject) string {
	if o.ID != "" {
		return "object " + indicator.Shorten(o.ID)
	}
	return fmt.Sprintf("object #%d (byte %d)", p.index, p.offset)
}

// Problems listed at most, in all and per object: a hostile bundle of
// patterns with thousands of unusable comparisons each must not turn into
// gigabytes of messages. Problems beyond are counted in Skipped.
const (
	maxProblems          = 100_000
	maxProblemsPerObject = 20
)

func (d *decoder) malformed(where, value, reason string) error {
	p := indicator.Problem{Where: where, Kind: indicator.ProblemMalformed, Value: value, Reason: reason}
	if d.opts.Lenient && len(d.c.Problems) >= maxProblems {
		d.c.Skip("malformed (over the problem limit, not listed)")
		return nil
	}
	return d.opts.Report(d.c, p)
}

func (d *decoder) unsupported(where, value, reason string) {
	if len(d.c.Problems) >= maxProblems {
		d.c.Skip("unsupported (over the problem limit, not listed)")
		return
	}
	_ = d.opts.Report(d.c, indicator.Problem{Where: where, Kind: indicator.ProblemUnsupported, Value: value, Reason: reason})
}

// object handles one STIX object of the bundle.
func (p *objParser) object(raw json.RawMessage) error {
	// One rawObject per parser, reset for each object: it is large and
	// would otherwise be a heap allocation per object.
	o := &p.obj
	*o = rawObject{}
	if len(raw) == 0 || raw[0] != '{' {
		return p.malformed(o, short(string(raw)), "not a JSON object")
	}
	if !fastObject(raw, o, p.opts.MaxDepth-1) {
		// Something the fast path does not take: let encoding/json decode
		// it or say what is wrong.
		*o = rawObject{}
		if err := safejson.CheckDepth(raw, p.opts.Name, p.opts.MaxDepth-1); err != nil {
			return err
		}
		if err := json.Unmarshal(raw, o); err != nil {
			// A property of the wrong type (o holds what decoded) or broken
			// JSON inside the object.
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return p.malformed(o, "", fmt.Sprintf("property %q has a JSON %s, not the expected %s", te.Field, te.Value, jsonKind(te.Type.Kind().String())))
			}
			return p.malformed(o, "", "bad JSON: "+safejson.Describe(raw, err).Error())
		}
	}
	if o.Type == "" {
		return p.malformed(o, "", "object has no \"type\"")
	}
	if o.ID == "" {
		return p.malformed(o, "", "object of type "+short(o.Type)+" has no \"id\"")
	}
	if !validID(o.ID, o.Type) {
		return p.malformed(o, o.ID, "id is not \""+short(o.Type)+"--\" followed by a UUID")
	}
	switch o.Type {
	case "indicator":
		return p.indicator(o)
	case "identity":
		p.record(op{kind: opIdentity, a: o.ID, b: o.Name})
	case "marking-definition":
		p.marking(o)
	case "relationship":
		if o.SourceRef == "" || o.TargetRef == "" || o.RelationshipType == "" {
			return p.malformed(o, "", "relationship without relationship_type, source_ref or target_ref")
		}
		if o.RelationshipType == "indicates" && strings.HasPrefix(o.SourceRef, "indicator--") {
			p.record(op{kind: opIndicates, a: p.internS(o.SourceRef), b: o.TargetRef})
		} else {
			p.skip("relationship/" + short(o.RelationshipType))
		}
	case "sighting":
		if o.SightingOfRef == "" {
			return p.malformed(o, "", "sighting without sighting_of_ref")
		}
		p.skip("sighting")
	default:
		if threatKinds[o.Type] {
			return p.threat(o)
		}
		p.skip(short(o.Type))
	}
	return nil
}

func jsonKind(k string) string {
	switch k {
	case "int", "int64":
		return "integer"
	case "slice":
		return "array"
	case "struct":
		return "object"
	}
	return k
}

// internS returns a shared copy of s for strings repeated across objects
// (identity and marking references), up to a bounded number of them.
func (p *objParser) internS(s string) string {
	if v, ok := p.intern[s]; ok {
		return v
	}
	if len(p.intern) < 4096 {
		p.intern[s] = s
	}
	return s
}

func (p *objParser) marking(o *rawObject) {
	if t, ok := knownMarkings[o.ID]; ok {
		p.record(op{kind: opMarking, a: o.ID, b: string(t)})
		return
	}
	if t, ok := markingLevel(o); ok {
		p.record(op{kind: opMarking, a: o.ID, b: string(t)})
		return
	}
	// A marking that is not a TLP level (a statement, a copyright): known,
	// so that references to it are not taken for unknown ones.
	p.record(op{kind: opMarking, a: o.ID, b: ""})
	p.skip("marking-definition/" + short(o.DefinitionType))
}

// markingLevel finds the TLP level of a marking-definition that is not one
// of the well-known ids: a TLP 1.0 definition ({"tlp": "amber"}), the TLP
// 2.0 extension, OpenCTI's x_opencti_definition or a name such as
// "TLP:AMBER+STRICT".
func markingLevel(o *rawObject) (indicator.TLP, bool) {
	if o.DefinitionType == "tlp" && len(o.Definition) > 0 {
		var def struct {
			TLP string `json:"tlp"`
		}
		if json.Unmarshal(o.Definition, &def) == nil {
			if t, err := indicator.ParseTLP(def.TLP); err == nil && t != "" {
				return t, true
			}
		}
	}
	if len(o.Extensions) > 0 {
		var ext map[string]struct {
			TLP string `json:"tlp_2_0"`
		}
		if json.Unmarshal(o.Extensions, &ext) == nil {
			if e, ok := ext[TLP2Extension]; ok {
				if t, err := indicator.ParseTLP(e.TLP); err == nil && t != "" {
					return t, true
				}
			}
		}
	}
	for _, s := range []string{o.XOpenCTIDef, o.Name} {
		if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(s)), "TLP:") {
			if t, err := indicator.ParseTLP(s); err == nil && t != "" {
				return t, true
			}
		}
	}
	return "", false
}

func (p *objParser) threat(o *rawObject) error {
	name := strings.TrimSpace(o.Name)
	if name == "" {
		return p.malformed(o, "", o.Type+" without a name")
	}
	var aliases []string
	for _, a := range append(o.Aliases, o.XMitreAliases...) {
		a = strings.TrimSpace(a)
		if a != "" && !strings.EqualFold(a, name) && !containsFold(aliases, a) {
			aliases = append(aliases, a)
		}
	}
	p.record(op{kind: opThreat, a: o.ID, th: &indicator.Threat{Name: name, Kind: o.Type, Aliases: aliases}})
	return nil
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// parseTime reads a STIX timestamp (RFC 3339, normally in UTC with "Z").
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad timestamp %q (want RFC 3339, e.g. 2024-05-01T12:00:00Z)", short(s))
	}
	return t.UTC(), nil
}

var yaraRuleName = regexp.MustCompile(`(?m)^\s*(?:(?:private|global)\s+)*rule\s+([A-Za-z_][A-Za-z0-9_]*)`)

func (p *objParser) indicator(o *rawObject) error {
	if o.Revoked {
		p.skip("indicator/revoked")
		return nil
	}
	base := &p.base // reused, like p.obj
	*base = indicator.Indicator{ID: o.ID, Description: o.Description}
	if base.Description == "" {
		base.Description = o.Name
	}
	if o.Confidence != nil {
		if *o.Confidence < 0 || *o.Confidence > 100 {
			return p.malformed(o, fmt.Sprint(*o.Confidence), "confidence is not between 0 and 100")
		}
		base.Confidence = *o.Confidence
	}
	for _, f := range []struct {
		name string
		s    string
		t    *time.Time
	}{{"created", o.Created, &base.Created}, {"modified", o.Modified, &base.Modified}, {"valid_from", o.ValidFrom, &base.ValidFrom}, {"valid_until", o.ValidUntil, &base.ValidUntil}} {
		if f.s == "" {
			continue
		}
		t, err := parseTime(f.s)
		if err != nil {
			return p.malformed(o, "", f.name+": "+err.Error())
		}
		*f.t = t
	}
	if !base.ValidUntil.IsZero() && !base.ValidFrom.IsZero() && !base.ValidUntil.After(base.ValidFrom) {
		return p.malformed(o, o.ValidUntil, "valid_until is not after valid_from")
	}
	for _, l := range o.Labels {
		if strings.EqualFold(l, informationalLabel) {
			base.Informational = true
			continue
		}
		base.Tags = append(base.Tags, p.internS(l))
	}
	if o.CreatedByRef != "" {
		base.Source = p.internS(o.CreatedByRef)
	}
	var unknownRefs []string
	for _, ref := range o.ObjectMarkingRefs {
		if t, ok := knownMarkings[ref]; ok {
			if base.TLP == "" || t.Rank() > base.TLP.Rank() {
				base.TLP = t
			}
			continue
		}
		if strings.HasPrefix(ref, "marking-definition--") {
			unknownRefs = append(unknownRefs, ref)
		}
	}
	if o.Pattern == "" {
		return p.malformed(o, "", "indicator without a pattern")
	}

	start := len(p.inds)
	switch pt := strings.ToLower(o.PatternType); pt {
	case "", "stix":
		if err := p.stixPattern(o, base); err != nil {
			return err
		}
	case "yara":
		m := yaraRuleName.FindStringSubmatch(o.Pattern)
		if m == nil {
			return p.malformed(o, o.Pattern, "YARA pattern without a \"rule NAME\"")
		}
		ind := *base
		ind.Type, ind.Value, ind.Rule = indicator.YARA, m[1], o.Pattern
		if o.Description == "" && o.Name == m[1] {
			ind.Description = ""
		}
		if err := p.add(ind); err != nil {
			return err
		}
	default:
		p.unsupported(o, o.Pattern, "Vigie cannot turn a pattern of type "+short(o.PatternType)+" into indicators (only stix and yara)")
		return nil
	}
	if len(p.inds) > start {
		for _, ref := range unknownRefs {
			p.record(op{kind: opPending, a: p.internS(ref)})
		}
	}
	return nil
}

// chunkSize is the number of indicators per chunk while reading
// sequentially: the indicators are gathered in fixed chunks and copied
// once into a slice of the exact size at the end, instead of growing one
// slice (which copies the large Indicator structs again and again and
// holds two copies at each growth).
const chunkSize = 8192

// add appends the indicators of the objects applied on this goroutine to
// the chunks (p.n already counts them).
func (d *decoder) add(inds []indicator.Indicator) {
	for len(inds) > 0 {
		if len(d.chunks) == 0 || len(d.chunks[len(d.chunks)-1]) == chunkSize {
			size := chunkSize
			if len(d.chunks) == 0 {
				size = 64 // most bundles are small
			}
			d.chunks = append(d.chunks, make([]indicator.Indicator, 0, size))
		}
		last := &d.chunks[len(d.chunks)-1]
		if len(*last) == cap(*last) { // the small first chunk
			grown := make([]indicator.Indicator, len(*last), min(chunkSize, 4*cap(*last)))
			copy(grown, *last)
			*last = grown
		}
		k := min(len(inds), cap(*last)-len(*last))
		*last = append(*last, inds[:k]...)
		inds = inds[k:]
	}
}

// gather moves the chunks into Collection.Indicators.
func (d *decoder) gather() {
	if len(d.chunks) == 1 {
		d.c.Indicators = d.chunks[0]
	} else if d.n > 0 {
		all := make([]indicator.Indicator, d.n)
		// Where each chunk goes; the copies are shared among the cores
		// (a million indicators are 300 MB to move).
		at := make([]int, len(d.chunks)+1)
		for i, ch := range d.chunks {
			at[i+1] = at[i] + len(ch)
		}
		split(len(d.chunks), d.n, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				copy(all[at[i]:], d.chunks[i])
				d.chunks[i] = nil
			}
		})
		d.c.Indicators = all
	}
	d.chunks = nil
}

// split calls f on parts [lo, hi) of [0, n), at once on every core when the
// work (size, in indicators) is large enough to be worth it.
func split(n, size int, f func(lo, hi int)) {
	parts := runtime.GOMAXPROCS(0)
	if size < 1<<16 || parts < 2 || n < parts {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	for k := range parts {
		lo, hi := n*k/parts, n*(k+1)/parts
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(lo, hi)
		}()
	}
	wg.Wait()
}

func (p *objParser) stixPattern(o *rawObject, base *indicator.Indicator) error {
	var values []Value
	if v, ok := simplePattern(o.Pattern); ok {
		values = append(p.one[:0], v)
	} else {
		pat, err := ParsePattern(o.Pattern)
		if err != nil {
			return p.malformed(o, o.Pattern, err.Error())
		}
		var issues []Issue
		values, issues = Extract(pat)
		for i, is := range issues {
			if i == maxProblemsPerObject {
				p.unsupported(o, "", fmt.Sprintf("and %d more parts of the pattern that cannot be indicators", len(issues)-i))
				break
			}
			p.unsupported(o, is.Text, is.Reason)
		}
	}
	bad := 0
	for _, v := range values {
		n, err := indicator.Normalize(v.Type, v.Value)
		if err != nil {
			bad++
			if bad > maxProblemsPerObject {
				continue
			}
			if rerr := p.malformed(o, v.Value, "bad "+string(v.Type)+" in "+short(v.Comparison)+": "+err.Error()); rerr != nil {
				return rerr
			}
			continue
		}
		ind := *base
		ind.Type = v.Type
		ind.Value = n
		if o.Description == "" && (o.Name == v.Value || o.Name == n) {
			ind.Description = "" // the name is only the value (Vigie and OpenCTI write it so)
		}
		if v.Type == indicator.PathRegex {
			ind.Exclude = o.XVigieExclude
		}
		if err := p.add(ind); err != nil {
			return err
		}
	}
	if bad > maxProblemsPerObject {
		return p.malformed(o, "", fmt.Sprintf("and %d more bad values in the pattern", bad-maxProblemsPerObject))
	}
	return nil
}

// resolve applies what needs the whole bundle: identity names, TLP of
// markings defined in the bundle, the defaults of the options, and the
// "indicates" relationships to threats.
func (d *decoder) resolve() error {
	d.gather()
	var unmarked map[int]bool // indicators marked with an unknown marking
	for _, p := range d.pending {
		t, ok := d.markings[p.ref]
		if !ok {
			// A marking the bundle does not define and Vigie does not
			// know: its restriction cannot be honoured, so the object
			// is not taken (a TLP:RED object must not go out unmarked).
			where := "object"
			if p.start < p.end {
				where = "object " + indicator.Shorten(d.c.Indicators[p.start].ID)
			}
			if err := d.malformed(where, p.ref, "marked with "+p.ref+", a marking-definition this bundle does not define and Vigie does not know: its handling restrictions cannot be honoured"); err != nil {
				return err
			}
			if unmarked == nil {
				unmarked = map[int]bool{}
			}
			for i := p.start; i < p.end; i++ {
				unmarked[i] = true
			}
			continue
		}
		for i := p.start; i < p.end; i++ {
			ind := &d.c.Indicators[i]
			if ind.TLP == "" || t.Rank() > ind.TLP.Rank() {
				ind.TLP = t
			}
		}
	}
	split(len(d.c.Indicators), len(d.c.Indicators), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			ind := &d.c.Indicators[i]
			if ind.Source != "" {
				if name, ok := d.identity[ind.Source]; ok && name != "" {
					ind.Source = name
				} else if d.opts.Source != "" {
					ind.Source = d.opts.Source
				}
			} else {
				ind.Source = d.opts.Source
			}
			if ind.TLP == "" {
				ind.TLP = d.opts.TLP
			}
		}
	})
	if len(unmarked) > 0 {
		kept := d.c.Indicators[:0]
		for i, ind := range d.c.Indicators {
			if !unmarked[i] {
				kept = append(kept, ind)
			}
		}
		clear(d.c.Indicators[len(kept):])
		d.c.Indicators = kept
	}
	if len(d.indicates) == 0 {
		return nil
	}
	// Indicators from one STIX indicator are consecutive.
	ranges := make(map[string][2]int, len(d.c.Indicators))
	for i := 0; i < len(d.c.Indicators); {
		j := i + 1
		for j < len(d.c.Indicators) && d.c.Indicators[j].ID == d.c.Indicators[i].ID {
			j++
		}
		if _, dup := ranges[d.c.Indicators[i].ID]; !dup {
			ranges[d.c.Indicators[i].ID] = [2]int{i, j}
		}
		i = j
	}
	for _, rel := range d.indicates {
		r, ok := ranges[rel[0]]
		if !ok {
			d.c.Skip("relationship/indicates (indicator not kept)")
			continue
		}
		name, ok := d.threats[rel[1]]
		if !ok {
			kind, _, _ := strings.Cut(rel[1], "--")
			d.c.Skip("relationship/indicates (target " + short(kind) + " not a threat in the bundle)")
			continue
		}
		for i := r[0]; i < r[1]; i++ {
			ind := &d.c.Indicators[i]
			if !containsFold(ind.Threats, name) {
				ind.Threats = append(ind.Threats, name)
			}
		}
	}
	return nil
}
