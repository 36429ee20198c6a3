package misp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/safejson"
)

// The MISP JSON shapes read here. Only the fields Vigie uses are declared;
// everything else (ShadowAttribute, Sighting, RelatedEvent ...) is ignored.

type rawTag struct {
	Name string
}

func (t *rawTag) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &t.Name)
	}
	var v struct {
		Name flexString `json:"name"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	t.Name = string(v.Name)
	return nil
}

type rawCluster struct {
	Type    flexString      `json:"type"`
	Value   flexString      `json:"value"`
	TagName flexString      `json:"tag_name"`
	Meta    json.RawMessage `json:"meta"`
}

type rawGalaxy struct {
	Type          flexString   `json:"type"`
	Name          flexString   `json:"name"`
	GalaxyCluster []rawCluster `json:"GalaxyCluster"`
}

type rawEvent struct {
	UUID      flexString             `json:"uuid"`
	Info      *flexString            `json:"info"`
	Timestamp flexString             `json:"timestamp"`
	Orgc      org                    `json:"Orgc"`
	Org       org                    `json:"Org"`
	Tag       []rawTag               `json:"Tag"`
	EventTag  []struct{ Tag rawTag } `json:"EventTag"`
	Galaxy    []rawGalaxy            `json:"Galaxy"`
	Attribute []json.RawMessage      `json:"Attribute"`
	Object    []json.RawMessage      `json:"Object"`
}

type rawAttribute struct {
	UUID      flexString             `json:"uuid"`
	Type      flexString             `json:"type"`
	Value     flexString             `json:"value"`
	Comment   flexString             `json:"comment"`
	ToIDs     flexBool               `json:"to_ids"`
	Deleted   flexBool               `json:"deleted"`
	Timestamp flexString             `json:"timestamp"`
	FirstSeen flexString             `json:"first_seen"`
	LastSeen  flexString             `json:"last_seen"`
	Tag       []rawTag               `json:"Tag"`
	Galaxy    []rawGalaxy            `json:"Galaxy"`
	AttrTag   []struct{ Tag rawTag } `json:"AttributeTag"`
}

type rawObject struct {
	UUID      flexString        `json:"uuid"`
	Name      flexString        `json:"name"`
	Comment   flexString        `json:"comment"`
	Deleted   flexBool          `json:"deleted"`
	FirstSeen flexString        `json:"first_seen"`
	LastSeen  flexString        `json:"last_seen"`
	Attribute []json.RawMessage `json:"Attribute"`
}

// envelope is any top-level MISP JSON object: {"Event": ...}, a bare
// event, {"response": ...}, a galaxy with its clusters, or a cluster file
// of the misp-galaxy repository ({"type": ..., "values": [...]}).
type envelope struct {
	Event    *rawEvent       `json:"Event"`
	Response json.RawMessage `json:"response"`
	rawEvent
	Type          flexString      `json:"type"`
	GalaxyCluster []rawCluster    `json:"GalaxyCluster"`
	Values        []clusterValue  `json:"values"`
	SharingGroup  json.RawMessage `json:"SharingGroup"`
}

type clusterValue struct {
	Value flexString      `json:"value"`
	Meta  json.RawMessage `json:"meta"`
}

// Sniff reports whether head, the first bytes of an input, looks like MISP
// JSON: {"Event": {...}}, a bare event with "Attribute" or "Object", or a
// REST search response {"response": [...]}.
func Sniff(head []byte) bool {
	h := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(h) == 0 || (h[0] != '{' && h[0] != '[') {
		return false
	}
	if bytes.Contains(h, []byte(`"type": "bundle"`)) || bytes.Contains(h, []byte(`"type":"bundle"`)) {
		return false
	}
	for _, k := range []string{`"Event"`, `"Attribute"`, `"Object"`, `"EventTag"`} {
		if bytes.Contains(h, []byte(k)) {
			return true
		}
	}
	return bytes.Contains(h, []byte(`"response"`)) && (bytes.Contains(h, []byte(`"Orgc"`)) || bytes.Contains(h, []byte(`"info"`)))
}

// DecodeEvent reads MISP JSON from r: one event ({"Event": {...}} or a
// bare event), a JSON array of events, a REST search response
// ({"response": [...]}), or a galaxy with clusters (which gives threats and
// no indicators). See the package documentation for the mapping.
func DecodeEvent(r io.Reader, opts indicator.ReadOptions) (*indicator.Collection, error) {
	opts = opts.Limits()
	data, err := safejson.ReadAll(r, opts.Name, opts.MaxBytes)
	if err != nil {
		return nil, err
	}
	return decodeBytes(data, opts)
}

func decodeBytes(data []byte, opts indicator.ReadOptions) (*indicator.Collection, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if err := safejson.CheckDepth(data, opts.Name, opts.MaxDepth); err != nil {
		return nil, err
	}
	d := &decoder{opts: opts, c: &indicator.Collection{}}
	if err := d.document(data, 0); err != nil {
		return nil, err
	}
	return d.c, nil
}

type decoder struct {
	opts  indicator.ReadOptions
	c     *indicator.Collection
	items int // attributes and clusters seen, against MaxItems
	// hashes collects, per event uuid, the MD5 of every attribute value as
	// PyMISP's feed generator computes them (for hashes.csv checks).
	hashes     map[string][]string
	eventUUIDs []string
}

func (d *decoder) document(data []byte, level int) error {
	t := bytes.TrimSpace(data)
	if len(t) == 0 {
		return fmt.Errorf("%s: empty input, not MISP JSON", d.opts.Name)
	}
	if t[0] == '[' {
		var items []json.RawMessage
		if err := json.Unmarshal(t, &items); err != nil {
			return fmt.Errorf("%s: %w", d.opts.Name, safejson.Describe(t, err))
		}
		for i, it := range items {
			if err := d.envelope(it, fmt.Sprintf("item %d", i+1), level); err != nil {
				return err
			}
		}
		return nil
	}
	if t[0] != '{' {
		return fmt.Errorf("%s: not MISP JSON: want an object or an array, found %q", d.opts.Name, indicator.Shorten(string(t[:min(len(t), 20)])))
	}
	return d.envelope(t, "", level)
}

func (d *decoder) envelope(data []byte, where string, level int) error {
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		err = safejson.Describe(data, err)
		if where == "" {
			return fmt.Errorf("%s: %w", d.opts.Name, err)
		}
		return d.opts.Report(d.c, indicator.Problem{Where: where, Reason: "not a valid MISP event: " + err.Error()})
	}
	prefix := d.opts.Name + ": "
	if where != "" {
		prefix += where + ": "
	}
	switch {
	case env.Event != nil:
		return d.event(env.Event)
	case len(env.Response) > 0:
		if level > 0 {
			return fmt.Errorf("%sa search response inside a search response", prefix)
		}
		return d.document(env.Response, level+1)
	case env.Attribute != nil || env.Object != nil || env.Info != nil:
		return d.event(&env.rawEvent)
	case env.GalaxyCluster != nil:
		d.clusters(string(env.Type), env.GalaxyCluster)
		return nil
	case env.Values != nil && env.Type != "":
		cs := make([]rawCluster, len(env.Values))
		for i, v := range env.Values {
			cs[i] = rawCluster{Type: env.Type, Value: v.Value, Meta: v.Meta}
		}
		d.clusters(string(env.Type), cs)
		return nil
	case env.SharingGroup != nil:
		return fmt.Errorf("%snot a MISP event but a MISP sharing group", prefix)
	case env.Type != "":
		return fmt.Errorf("%snot a MISP event: an object of type %q without clusters (a galaxy or taxonomy definition?)", prefix, indicator.Shorten(string(env.Type)))
	}
	return fmt.Errorf("%snot a MISP event: no \"Event\", \"Attribute\", \"Object\" or \"info\"", prefix)
}

// clusters turns galaxy clusters into threats.
func (d *decoder) clusters(galaxyType string, cs []rawCluster) {
	for _, cl := range cs {
		d.items++
		t, ok := clusterThreat(galaxyType, cl)
		if !ok {
			d.c.Skip("misp galaxy cluster")
			continue
		}
		d.c.AddThreat(t)
	}
}

func clusterThreat(galaxyType string, cl rawCluster) (indicator.Threat, bool) {
	gt := strings.ToLower(string(cl.Type))
	if gt == "" {
		gt = strings.ToLower(galaxyType)
	}
	kind, ok := galaxyKinds[gt]
	name := strings.TrimSpace(mitreID.ReplaceAllString(string(cl.Value), ""))
	if !ok || name == "" {
		if t, ok := galaxyThreat(string(cl.TagName)); ok {
			return t, true
		}
		return indicator.Threat{}, false
	}
	t := indicator.Threat{Name: name, Kind: kind}
	if len(cl.Meta) > 0 {
		var m struct {
			Synonyms []flexString `json:"synonyms"`
		}
		if json.Unmarshal(cl.Meta, &m) == nil {
			for _, s := range m.Synonyms {
				if s != "" && !strings.EqualFold(string(s), name) {
					t.Aliases = append(t.Aliases, string(s))
				}
			}
		}
	}
	return t, true
}

// context is what an attribute inherits from its event and object.
type context struct {
	event     string
	source    string
	info      string
	exported  bool
	tlp       indicator.TLP
	threats   []string
	tags      []string
	object    *rawObject
	firstSeen string
	lastSeen  string
}

func (d *decoder) event(e *rawEvent) error {
	ctx := context{event: string(e.UUID), source: e.Orgc.Name}
	if ctx.source == "" {
		ctx.source = e.Org.Name
	}
	if ctx.source == "" {
		ctx.source = d.opts.Source
	}
	if e.Info != nil {
		ctx.info = string(*e.Info)
	}
	tags := make([]string, 0, len(e.Tag)+len(e.EventTag))
	for _, t := range e.Tag {
		tags = append(tags, t.Name)
	}
	for _, t := range e.EventTag {
		tags = append(tags, t.Tag.Name)
	}
	cl := d.classify(tags, e.Galaxy)
	if cl.source != "" {
		ctx.source = cl.source
	}
	ctx.tlp, ctx.threats, ctx.tags, ctx.exported = cl.tlp, cl.threats, cl.tags, cl.exported
	if ctx.tlp == "" {
		ctx.tlp = d.opts.TLP
	}
	if d.hashes != nil {
		if _, seen := d.hashes[ctx.event]; !seen {
			d.eventUUIDs = append(d.eventUUIDs, ctx.event)
		}
		if d.hashes[ctx.event] == nil {
			d.hashes[ctx.event] = []string{}
		}
	}
	where := "event " + ctx.event
	if ctx.event == "" {
		where = "event"
	}
	for i, raw := range e.Attribute {
		if err := d.attributeRaw(raw, i, where, &ctx); err != nil {
			return err
		}
	}
	for i, raw := range e.Object {
		var o rawObject
		if err := json.Unmarshal(raw, &o); err != nil {
			if err := d.opts.Report(d.c, indicator.Problem{Where: fmt.Sprintf("%s object #%d", where, i+1), Reason: "bad MISP object: " + safejson.Describe(raw, err).Error()}); err != nil {
				return err
			}
			continue
		}
		if o.Deleted.V {
			d.c.Skip("misp deleted object")
			continue
		}
		octx := ctx
		octx.object = &o
		octx.firstSeen, octx.lastSeen = string(o.FirstSeen), string(o.LastSeen)
		owhere := fmt.Sprintf("%s object %s", where, o.UUID)
		if o.UUID == "" {
			owhere = fmt.Sprintf("%s object #%d", where, i+1)
		}
		for j, raw := range o.Attribute {
			if err := d.attributeRaw(raw, j, owhere, &octx); err != nil {
				return err
			}
		}
	}
	return nil
}

type classified struct {
	source     string
	confidence int
	tlp        indicator.TLP
	threats    []string
	tags       []string
	exported   bool
}

// classify sorts tags (and galaxy clusters) into TLP, threats and the rest.
// With several TLP tags the most restrictive wins.
func (d *decoder) classify(tags []string, galaxies []rawGalaxy) classified {
	var out classified
	addThreat := func(t indicator.Threat) {
		name := d.c.AddThreat(t)
		for _, x := range out.threats {
			if strings.EqualFold(x, name) {
				return
			}
		}
		out.threats = append(out.threats, name)
	}
	for _, tag := range tags {
		tag = strings.TrimSpace(tag)
		if tag == "" {
			continue
		}
		if len(tag) > 4 && strings.EqualFold(tag[:4], "tlp:") {
			if l, err := indicator.ParseTLP(tag); err == nil {
				if out.tlp == "" || l.Rank() > out.tlp.Rank() {
					out.tlp = l
				}
				continue
			}
		}
		if t, ok := galaxyThreat(tag); ok {
			addThreat(t)
			continue
		}
		if strings.EqualFold(tag, exportTag) {
			out.exported = true
			continue
		}
		if ns, pred, v, ok := parseMachineTag(tag); ok {
			switch k := strings.ToLower(ns + ":" + pred); {
			case k == sourceTag && v != "":
				out.source = v
				continue
			case k == confidenceTag:
				if n, err := strconv.Atoi(v); err == nil && n >= 0 && n <= 100 {
					out.confidence = n
					continue
				}
			}
		}
		out.tags = appendFold(out.tags, tag)
	}
	for _, g := range galaxies {
		for _, cl := range g.GalaxyCluster {
			if t, ok := clusterThreat(string(g.Type), cl); ok {
				addThreat(t)
			}
		}
	}
	return out
}

func appendFold(list []string, s string) []string {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return list
		}
	}
	return append(list, s)
}

func (d *decoder) attributeRaw(raw json.RawMessage, i int, where string, ctx *context) error {
	var a rawAttribute
	if err := json.Unmarshal(raw, &a); err != nil {
		return d.opts.Report(d.c, indicator.Problem{Where: fmt.Sprintf("%s attribute #%d", where, i+1), Reason: "bad MISP attribute: " + safejson.Describe(raw, err).Error()})
	}
	d.items++
	if d.items > d.opts.MaxItems {
		return d.opts.TooMany("MISP attributes")
	}
	if d.hashes != nil {
		for _, v := range splitValue(string(a.Type), string(a.Value)) {
			d.hashes[ctx.event] = append(d.hashes[ctx.event], md5hex(v))
		}
	}
	aw := fmt.Sprintf("%s attribute %s", where, a.UUID)
	if a.UUID == "" {
		aw = fmt.Sprintf("%s attribute #%d", where, i+1)
	}
	return d.attribute(&a, aw, ctx)
}

// splitValue splits a composite attribute value (filename|md5 ...) as
// PyMISP does for feed hashes.
func splitValue(typ, value string) []string {
	if strings.Contains(typ, "|") || typ == "malware-sample" {
		return strings.Split(value, "|")
	}
	return []string{value}
}

func (d *decoder) attribute(a *rawAttribute, where string, ctx *context) error {
	if a.Deleted.V {
		d.c.Skip("misp deleted attribute")
		return nil
	}
	typ := strings.ToLower(strings.TrimSpace(string(a.Type)))
	value := string(a.Value)
	kind, known := attrKinds[typ]
	if !known {
		return d.opts.Report(d.c, indicator.Problem{Where: where, Kind: indicator.ProblemUnsupported, Value: value,
			Reason: fmt.Sprintf("MISP attribute type %q has no Vigie indicator type", indicator.Shorten(string(a.Type)))})
	}
	if kind == kindContext {
		d.c.Skip("misp attribute " + typ)
		return nil
	}
	base := indicator.Indicator{
		ID:            string(a.UUID),
		Source:        ctx.source,
		Description:   string(a.Comment),
		TLP:           ctx.tlp,
		Informational: a.ToIDs.Set && !a.ToIDs.V,
	}
	if base.Description == "" && ctx.object != nil {
		base.Description = string(ctx.object.Comment)
	}
	if base.Description == "" && !ctx.exported {
		base.Description = ctx.info
	}
	attrTags := make([]string, 0, len(a.Tag)+len(a.AttrTag))
	for _, t := range a.Tag {
		attrTags = append(attrTags, t.Name)
	}
	for _, t := range a.AttrTag {
		attrTags = append(attrTags, t.Tag.Name)
	}
	cl := d.classify(attrTags, a.Galaxy)
	if cl.source != "" {
		base.Source = cl.source
	}
	base.Confidence = cl.confidence
	if cl.tlp != "" {
		base.TLP = cl.tlp
	}
	base.Threats = append(append([]string(nil), ctx.threats...), nil...)
	for _, t := range cl.threats {
		base.Threats = appendFold(base.Threats, t)
	}
	base.Tags = append([]string(nil), ctx.tags...)
	for _, t := range cl.tags {
		base.Tags = appendFold(base.Tags, t)
	}
	if len(base.Threats) == 0 {
		base.Threats = nil
	}
	if len(base.Tags) == 0 {
		base.Tags = nil
	}
	var err error
	if base.Modified, err = parseTimestamp(string(a.Timestamp)); err != nil {
		return d.opts.Report(d.c, indicator.Problem{Where: where, Value: string(a.Timestamp), Reason: "bad timestamp: " + err.Error()})
	}
	fs, ls := string(a.FirstSeen), string(a.LastSeen)
	if fs == "" {
		fs = ctx.firstSeen
	}
	if ls == "" {
		ls = ctx.lastSeen
	}
	if base.ValidFrom, err = parseSeen(fs); err != nil {
		return d.opts.Report(d.c, indicator.Problem{Where: where, Value: fs, Reason: "bad first_seen: " + err.Error()})
	}
	if base.ValidUntil, err = parseSeen(ls); err != nil {
		return d.opts.Report(d.c, indicator.Problem{Where: where, Value: ls, Reason: "bad last_seen: " + err.Error()})
	}

	add := func(t indicator.Type, v string, id string, informational bool) error {
		n, err := indicator.Normalize(t, v)
		if err != nil {
			return d.opts.Report(d.c, indicator.Problem{Where: where, Value: v, Reason: fmt.Sprintf("bad %s value: %v", typ, err)})
		}
		ind := base
		ind.Type, ind.Value, ind.ID = t, n, id
		ind.Informational = ind.Informational || informational
		ind.Threats = append([]string(nil), base.Threats...)
		ind.Tags = append([]string(nil), base.Tags...)
		if len(ind.Threats) == 0 {
			ind.Threats = nil
		}
		if len(ind.Tags) == 0 {
			ind.Tags = nil
		}
		d.c.Indicators = append(d.c.Indicators, ind)
		return nil
	}
	id := base.ID
	second := func(t indicator.Type) string {
		if id == "" {
			return ""
		}
		return uuid5(id + "|" + string(t))
	}
	switch kind {
	case kindHash:
		return add(hashTypes[typ], value, id, false)
	case kindFileHash:
		name, h, ok := cutLast(value)
		if !ok {
			return d.opts.Report(d.c, indicator.Problem{Where: where, Value: value, Reason: typ + " value has no '|' between file name and hash"})
		}
		if err := add(hashTypes[strings.TrimPrefix(typ, "filename|")], h, id, false); err != nil {
			return err
		}
		// The file name qualifies the hash; alone it would flag every
		// file so named, so it is kept as context.
		return add(indicator.Filename, name, second(indicator.Filename), true)
	case kindDomain:
		return add(indicator.Domain, value, id, false)
	case kindDomainIP:
		dom, ip, ok := cutLast(value)
		if !ok {
			return d.opts.Report(d.c, indicator.Problem{Where: where, Value: value, Reason: "domain|ip value has no '|' between domain and address"})
		}
		if err := add(indicator.Domain, dom, id, false); err != nil {
			return err
		}
		t := ipType(ip)
		return add(t, ip, second(t), false)
	case kindURL:
		if typ == "uri" && strings.HasPrefix(strings.TrimSpace(value), "/") {
			return d.opts.Report(d.c, indicator.Problem{Where: where, Kind: indicator.ProblemUnsupported, Value: value, Reason: "uri attribute without a host: Vigie matches whole URLs"})
		}
		return add(indicator.URL, value, id, false)
	case kindLink:
		return add(indicator.URL, value, id, true)
	case kindIP:
		return add(ipType(value), value, id, false)
	case kindIPPort:
		ip, port, ok := cutLast(value)
		if !ok {
			return d.opts.Report(d.c, indicator.Problem{Where: where, Value: value, Reason: typ + " value has no '|' between address and port"})
		}
		port = strings.TrimSpace(port)
		if p, err := strconv.ParseUint(port, 10, 16); err != nil || p == 0 {
			return d.opts.Report(d.c, indicator.Problem{Where: where, Value: value, Reason: "bad port " + strconv.Quote(indicator.Shorten(port))})
		}
		base.Tags = appendFold(base.Tags, portTag+port)
		return add(ipType(ip), ip, id, false)
	case kindEmail:
		return add(indicator.Email, value, id, false)
	case kindFilename:
		return add(indicator.Filename, value, id, false)
	case kindYARA:
		return d.yara(base, value, where)
	case kindPathRegex:
		return add(indicator.PathRegex, value, id, false)
	}
	return nil
}

func (d *decoder) yara(base indicator.Indicator, value, where string) error {
	src := strings.TrimSpace(value)
	var name string
	if m := yaraRuleName.FindStringSubmatch(src); m != nil {
		name = m[1]
		base.Rule = src
	} else {
		name = src // a bare rule name
	}
	n, err := indicator.Normalize(indicator.YARA, name)
	if err != nil {
		return d.opts.Report(d.c, indicator.Problem{Where: where, Value: value, Reason: "yara attribute holds no rule: " + err.Error()})
	}
	base.Type, base.Value = indicator.YARA, n
	d.c.Indicators = append(d.c.Indicators, base)
	return nil
}

// cutLast splits "a|b" at its last '|'.
func cutLast(s string) (string, string, bool) {
	i := strings.LastIndexByte(s, '|')
	if i < 0 {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

// ipType tells an IPv6 value from an IPv4 one; Normalize then checks it.
func ipType(v string) indicator.Type {
	v = strings.TrimSpace(indicator.Refang(v))
	if p, err := netip.ParsePrefix(v); err == nil {
		if p.Addr().Is4() || p.Addr().Is4In6() {
			return indicator.IPv4
		}
		return indicator.IPv6
	}
	if a, err := netip.ParseAddr(v); err == nil && a.Is6() && !a.Is4In6() {
		return indicator.IPv6
	}
	if strings.Count(v, ":") >= 2 {
		return indicator.IPv6
	}
	return indicator.IPv4
}

// parseTimestamp reads MISP's Unix-seconds timestamp ("1465681304"); an
// ISO 8601 time is accepted too. Empty or "0" is no time.
func parseTimestamp(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return time.Time{}, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 || n > 253402300799 {
			return time.Time{}, errors.New("out of range")
		}
		return time.Unix(n, 0).UTC(), nil
	}
	return parseSeen(s)
}

var seenLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

// parseSeen reads first_seen/last_seen (ISO 8601, microseconds in MISP).
func parseSeen(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, l := range seenLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an ISO 8601 time", indicator.Shorten(s))
}
