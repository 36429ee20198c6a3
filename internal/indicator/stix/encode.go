package stix

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
)

// EncodeOptions tell Encode and Objects how to write a bundle.
type EncodeOptions struct {
	// Identity is the name of the producer, written as an "identity"
	// object that is the created_by_ref of indicators without a Source.
	// Empty means "Vigie".
	Identity string
	// Now is the time written where the collection gives none (created and
	// valid_from of indicators without dates). Zero means the current time;
	// set it for reproducible output.
	Now time.Time
	// TLP2 writes the TLP 2.0 marking ids for GREEN, AMBER and RED instead
	// of the TLP 1.0 ones (CLEAR and AMBER+STRICT are always TLP 2.0, WHITE
	// always TLP 1.0).
	TLP2 bool
}

func (o EncodeOptions) identity() string {
	if o.Identity == "" {
		return "Vigie"
	}
	return o.Identity
}

// indicatorObject is the STIX 2.1 indicator Vigie writes.
type indicatorObject struct {
	Type              string   `json:"type"`
	SpecVersion       string   `json:"spec_version"`
	ID                string   `json:"id"`
	CreatedByRef      string   `json:"created_by_ref,omitempty"`
	Created           string   `json:"created"`
	Modified          string   `json:"modified"`
	Name              string   `json:"name,omitempty"`
	Description       string   `json:"description,omitempty"`
	Pattern           string   `json:"pattern"`
	PatternType       string   `json:"pattern_type"`
	PatternVersion    string   `json:"pattern_version,omitempty"`
	ValidFrom         string   `json:"valid_from"`
	ValidUntil        string   `json:"valid_until,omitempty"`
	Labels            []string `json:"labels,omitempty"`
	Confidence        int      `json:"confidence,omitempty"`
	ObjectMarkingRefs []string `json:"object_marking_refs,omitempty"`
	XVigieExclude     string   `json:"x_vigie_exclude,omitempty"`
}

type identityObject struct {
	Type        string `json:"type"`
	SpecVersion string `json:"spec_version"`
	ID          string `json:"id"`
	Created     string `json:"created"`
	Modified    string `json:"modified"`
	Name        string `json:"name"`
}

type threatObject struct {
	Type         string   `json:"type"`
	SpecVersion  string   `json:"spec_version"`
	ID           string   `json:"id"`
	CreatedByRef string   `json:"created_by_ref,omitempty"`
	Created      string   `json:"created"`
	Modified     string   `json:"modified"`
	Name         string   `json:"name"`
	Aliases      []string `json:"aliases,omitempty"`
	IsFamily     *bool    `json:"is_family,omitempty"`
}

type relationshipObject struct {
	Type             string `json:"type"`
	SpecVersion      string `json:"spec_version"`
	ID               string `json:"id"`
	CreatedByRef     string `json:"created_by_ref,omitempty"`
	Created          string `json:"created"`
	Modified         string `json:"modified"`
	RelationshipType string `json:"relationship_type"`
	SourceRef        string `json:"source_ref"`
	TargetRef        string `json:"target_ref"`
}

// FormatTime writes a STIX timestamp: UTC, "Z", milliseconds at least (the
// precision STIX requires of created and modified), more when the time has
// them.
func FormatTime(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()%int(time.Millisecond) == 0 {
		return t.Format("2006-01-02T15:04:05.000Z")
	}
	return t.Format(time.RFC3339Nano)
}

// BuildPattern returns the STIX pattern and pattern_type of an indicator:
// "[domain-name:value = 'evil.example']" and "stix", or the rule text and
// "yara" for a YARA rule.
func BuildPattern(ind *indicator.Indicator) (pattern, patternType string, err error) {
	var path string
	switch ind.Type {
	case indicator.MD5:
		path = "file:hashes.MD5"
	case indicator.SHA1:
		path = "file:hashes.'SHA-1'"
	case indicator.SHA256:
		path = "file:hashes.'SHA-256'"
	case indicator.SHA512:
		path = "file:hashes.'SHA-512'"
	case indicator.Domain:
		path = "domain-name:value"
	case indicator.URL:
		path = "url:value"
	case indicator.IPv4:
		path = "ipv4-addr:value"
	case indicator.IPv6:
		path = "ipv6-addr:value"
	case indicator.Email:
		path = "email-addr:value"
	case indicator.Filename:
		path = "file:name"
	case indicator.PathRegex:
		return "[" + pathFullRegex + " MATCHES " + quote(ind.Value) + "]", "stix", nil
	case indicator.YARA:
		if strings.TrimSpace(ind.Rule) == "" {
			return "", "", fmt.Errorf("YARA indicator %q has no rule text", ind.Value)
		}
		return ind.Rule, "yara", nil
	default:
		return "", "", fmt.Errorf("indicator type %q has no STIX pattern", ind.Type)
	}
	if ind.Value == "" {
		return "", "", fmt.Errorf("%s indicator with an empty value", ind.Type)
	}
	return "[" + path + " = " + quote(ind.Value) + "]", "stix", nil
}

// plan is what Encode works out before writing: ids of identities,
// markings and threats, so that objects are written once, before the
// indicators that refer to them.
type plan struct {
	opts      EncodeOptions
	now       time.Time
	epoch     string // created of the derived objects
	producer  string // identity id
	sources   map[string]string
	srcOrder  []string
	markings  []string
	threatIDs map[string]string // lower-cased threat name → id
	threats   []indicator.Threat
	bundleID  string
}

func newPlan(c *indicator.Collection, opts EncodeOptions) *plan {
	p := &plan{opts: opts, now: opts.Now, sources: map[string]string{}, threatIDs: map[string]string{}}
	if p.now.IsZero() {
		p.now = time.Now().UTC().Truncate(time.Millisecond)
	}
	p.producer = DeriveID("identity", opts.identity())
	usedMarking := map[string]bool{}
	var earliest time.Time
	h := sha256.New()
	for _, t := range c.Threats {
		p.addThreat(t)
	}
	for i := range c.Indicators {
		ind := &c.Indicators[i]
		h.Write([]byte(ind.Key()))
		h.Write([]byte{0})
		if ind.Source != "" && ind.Source != opts.identity() {
			if _, ok := p.sources[ind.Source]; !ok {
				p.sources[ind.Source] = DeriveID("identity", ind.Source)
				p.srcOrder = append(p.srcOrder, ind.Source)
			}
		}
		if m := MarkingID(ind.TLP, opts.TLP2); m != "" {
			usedMarking[m] = true
		}
		for _, name := range ind.Threats {
			if _, ok := p.threatIDs[strings.ToLower(name)]; !ok {
				t, found := c.Threat(name)
				if !found {
					t = indicator.Threat{Name: name}
				}
				p.addThreat(t)
				p.threatIDs[strings.ToLower(name)] = p.threatIDs[strings.ToLower(t.Name)]
			}
		}
		for _, t := range []time.Time{ind.Created, ind.ValidFrom} {
			if !t.IsZero() && (earliest.IsZero() || t.Before(earliest)) {
				earliest = t
			}
		}
	}
	sort.Strings(p.srcOrder)
	for _, m := range []string{TLP1White, TLP1Green, TLP1Amber, TLP1Red, TLP2Clear, TLP2Green, TLP2Amber, TLP2AmberStrict, TLP2Red} {
		if usedMarking[m] {
			p.markings = append(p.markings, m)
		}
	}
	if earliest.IsZero() {
		earliest = p.now
	}
	p.epoch = FormatTime(earliest)
	p.bundleID = DeriveID("bundle", hex.EncodeToString(h.Sum(nil)))
	return p
}

// threatKind is the STIX type written for a threat; a threat of no stated
// kind is written as "malware" (MISP galaxies without a kind are mostly
// malware families).
func threatKind(t indicator.Threat) string {
	if threatKinds[t.Kind] {
		return t.Kind
	}
	return "malware"
}

func (p *plan) addThreat(t indicator.Threat) {
	k := strings.ToLower(t.Name)
	if _, ok := p.threatIDs[k]; ok || t.Name == "" {
		return
	}
	kind := threatKind(t)
	p.threatIDs[k] = DeriveID(kind, k)
	p.threats = append(p.threats, t)
}

// walk emits the objects of the bundle in order: identities, markings,
// threats, then each indicator followed by its relationships.
func walk(c *indicator.Collection, p *plan, emit func(v any) error) error {
	opts := p.opts
	if err := emit(identityObject{Type: "identity", SpecVersion: "2.1", ID: p.producer, Created: p.epoch, Modified: p.epoch, Name: opts.identity()}); err != nil {
		return err
	}
	for _, s := range p.srcOrder {
		if err := emit(identityObject{Type: "identity", SpecVersion: "2.1", ID: p.sources[s], Created: p.epoch, Modified: p.epoch, Name: s}); err != nil {
			return err
		}
	}
	for _, m := range p.markings {
		raw, _ := MarkingDefinition(m)
		if err := emit(raw); err != nil {
			return err
		}
	}
	yes := true
	for _, t := range p.threats {
		o := threatObject{Type: threatKind(t), SpecVersion: "2.1", ID: p.threatIDs[strings.ToLower(t.Name)], CreatedByRef: p.producer,
			Created: p.epoch, Modified: p.epoch, Name: t.Name, Aliases: t.Aliases}
		if o.Type == "malware" {
			o.IsFamily = &yes
		}
		if err := emit(o); err != nil {
			return err
		}
	}
	used := make(map[string]struct{}, len(c.Indicators))
	for i := range c.Indicators {
		ind := &c.Indicators[i]
		o, err := p.indicator(ind, used)
		if err != nil {
			return fmt.Errorf("indicator %d (%s): %w", i+1, indicator.Shorten(ind.Key()), err)
		}
		if err := emit(o); err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, name := range ind.Threats {
			tid := p.threatIDs[strings.ToLower(name)]
			if tid == "" || seen[tid] {
				continue
			}
			seen[tid] = true
			r := relationshipObject{Type: "relationship", SpecVersion: "2.1", ID: DeriveID("relationship", o.ID+" indicates "+tid),
				CreatedByRef: o.CreatedByRef, Created: o.Created, Modified: o.Modified, RelationshipType: "indicates", SourceRef: o.ID, TargetRef: tid}
			if err := emit(r); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *plan) indicator(ind *indicator.Indicator, used map[string]struct{}) (*indicatorObject, error) {
	pattern, ptype, err := BuildPattern(ind)
	if err != nil {
		return nil, err
	}
	o := &indicatorObject{Type: "indicator", SpecVersion: "2.1", Pattern: pattern, PatternType: ptype, Name: ind.Value,
		Description: ind.Description, Confidence: ind.Confidence, XVigieExclude: ind.Exclude}
	if ptype == "stix" {
		o.PatternVersion = "2.1"
	}
	// The id: the source's own STIX id (or MISP uuid) when there is one and
	// it is not taken yet (a STIX indicator with an OR pattern becomes
	// several Vigie indicators sharing one id); otherwise a UUIDv5 of the
	// type and value, so that the same indicator always gets the same id.
	id := ""
	switch {
	case validID(ind.ID, "indicator"):
		id = ind.ID
	case ind.ID != "":
		if _, ok := parseUUID(ind.ID); ok {
			id = "indicator--" + strings.ToLower(ind.ID)
		}
	}
	if _, taken := used[id]; id == "" || taken {
		id = DeriveID("indicator", ind.Key())
		for n := 2; ; n++ {
			if _, taken := used[id]; !taken {
				break
			}
			id = DeriveID("indicator", ind.Key()+"#"+strconv.Itoa(n))
		}
	}
	used[id] = struct{}{}
	o.ID = id

	o.CreatedByRef = p.producer
	if ind.Source != "" && ind.Source != p.opts.identity() {
		o.CreatedByRef = p.sources[ind.Source]
	}
	created := ind.Created
	if created.IsZero() {
		created = ind.ValidFrom
	}
	if created.IsZero() {
		created = p.now
	}
	modified := ind.Modified
	if modified.IsZero() || modified.Before(created) {
		modified = created
	}
	validFrom := ind.ValidFrom
	if validFrom.IsZero() {
		validFrom = created
	}
	o.Created, o.Modified, o.ValidFrom = FormatTime(created), FormatTime(modified), FormatTime(validFrom)
	if !ind.ValidUntil.IsZero() && ind.ValidUntil.After(validFrom) {
		o.ValidUntil = FormatTime(ind.ValidUntil)
	}
	if len(ind.Tags) > 0 || ind.Informational {
		o.Labels = make([]string, 0, len(ind.Tags)+1)
		o.Labels = append(o.Labels, ind.Tags...)
		// Informational indicators (MISP to_ids=false) stay indicators,
		// marked with the label "informational", which Decode turns back
		// into Indicator.Informational.
		if ind.Informational {
			o.Labels = append(o.Labels, informationalLabel)
		}
	}
	if m := MarkingID(ind.TLP, p.opts.TLP2); m != "" {
		o.ObjectMarkingRefs = []string{m}
	}
	return o, nil
}

// Objects returns the STIX objects of a collection, in the order Encode
// writes them, for a TAXII server that serves objects one by one.
func Objects(c *indicator.Collection, opts EncodeOptions) ([]json.RawMessage, error) {
	var out []json.RawMessage
	err := walk(c, newPlan(c, opts), func(v any) error {
		b, err := marshal(v)
		if err != nil {
			return err
		}
		out = append(out, b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("STIX objects: %w", err)
	}
	return out, nil
}

// marshal writes v as compact JSON without HTML escaping (patterns and
// URLs keep their < > &).
func marshal(v any) (json.RawMessage, error) {
	if raw, ok := v.(json.RawMessage); ok {
		return raw, nil
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Encode writes c as a STIX 2.1 bundle, one object per line. It streams:
// memory does not grow with the number of indicators beyond a set of ids.
func Encode(w io.Writer, c *indicator.Collection, opts EncodeOptions) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	p := newPlan(c, opts)
	if _, err := fmt.Fprintf(bw, "{\"type\":\"bundle\",\"id\":%q,\"objects\":[", p.bundleID); err != nil {
		return fmt.Errorf("writing STIX bundle: %w", err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	first := true
	err := walk(c, p, func(v any) error {
		buf.Reset()
		if raw, ok := v.(json.RawMessage); ok {
			buf.Write(raw)
			buf.WriteByte('\n')
		} else if err := enc.Encode(v); err != nil {
			return err
		}
		if !first {
			bw.WriteByte(',')
		}
		first = false
		bw.WriteByte('\n')
		_, err := bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		return err
	})
	if err != nil {
		return fmt.Errorf("writing STIX bundle: %w", err)
	}
	if _, err := bw.WriteString("\n]}\n"); err != nil {
		return fmt.Errorf("writing STIX bundle: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing STIX bundle: %w", err)
	}
	return nil
}
