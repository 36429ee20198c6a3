package misp

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
)

// EncodeOptions set what the writer cannot take from the indicators.
type EncodeOptions struct {
	// Org names the creating organisation (Orgc) of events whose
	// indicators have no Source; default "Vigie".
	Org string
	// Info is the event title (EncodeEvent); default "Vigie export".
	Info string
	// EventUUID is the event's uuid (EncodeEvent); default a name-based
	// UUID of Namespace, Org and Info, so that re-exports keep it.
	EventUUID string
	// Namespace is mixed into derived event UUIDs, so that two hubs
	// exporting the same grouping do not publish the same event uuid.
	Namespace string
	// ThreatLevel is the event's threat_level_id: 1 high, 2 medium, 3
	// low, 4 undefined (the default).
	ThreatLevel int
	// Now is the clock for event dates and timestamps when no indicator
	// carries one; zero means time.Now(). Tests fix it.
	Now time.Time
}

func (o EncodeOptions) withDefaults() EncodeOptions {
	if o.Org == "" {
		o.Org = "Vigie"
	}
	if o.Info == "" {
		o.Info = "Vigie export"
	}
	if o.ThreatLevel < 1 || o.ThreatLevel > 4 {
		o.ThreatLevel = 4
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	o.Now = o.Now.UTC()
	return o
}

// EncodeEvent writes c as one MISP event, {"Event": {...}}, indented as
// Python's json.dump(..., indent=2). Every indicator becomes one attribute;
// see the package documentation for the mapping.
func EncodeEvent(w io.Writer, c *indicator.Collection, opts EncodeOptions) error {
	opts = opts.withDefaults()
	inds := make([]*indicator.Indicator, len(c.Indicators))
	for i := range c.Indicators {
		inds[i] = &c.Indicators[i]
	}
	uuid := strings.ToLower(opts.EventUUID)
	if uuid == "" {
		uuid = uuid5("event|" + opts.Namespace + "|" + opts.Org + "|" + opts.Info)
	} else if !isUUID(uuid) {
		return fmt.Errorf("MISP event: %q is not a UUID", opts.EventUUID)
	}
	org := opts.Org
	if len(inds) > 0 && inds[0].Source != "" {
		org = inds[0].Source
		for _, ind := range inds[1:] {
			if ind.Source != org {
				org = opts.Org
				break
			}
		}
	}
	ev, err := buildEvent(c, inds, eventMeta{uuid: uuid, info: opts.Info, org: org}, opts)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.Grow(512 + 400*len(inds))
	writePy(&buf, obj{{"Event", ev.event}}, 2, 0)
	buf.WriteByte('\n')
	_, err = w.Write(buf.Bytes())
	return err
}

type eventMeta struct {
	uuid, info, org string
}

type builtEvent struct {
	uuid     string
	event    obj
	manifest obj
	hashes   []string // MD5 of each attribute value, as in hashes.csv
}

var tlpColour = map[indicator.TLP]string{
	indicator.TLPWhite: "#ffffff", indicator.TLPClear: "#ffffff", indicator.TLPGreen: "#33ff00",
	indicator.TLPAmber: "#ffc000", indicator.TLPAmberStrict: "#ffc000", indicator.TLPRed: "#ff0000",
}

func tagObj(name string) obj {
	if l, err := indicator.ParseTLP(name); err == nil && strings.HasPrefix(strings.ToLower(name), "tlp:") {
		if c, ok := tlpColour[l]; ok {
			return obj{{"colour", c}, {"name", name}}
		}
	}
	return obj{{"name", name}}
}

// misp attribute type and category for each indicator type.
var attrTypeOf = map[indicator.Type][2]string{
	indicator.MD5:       {"md5", "Payload delivery"},
	indicator.SHA1:      {"sha1", "Payload delivery"},
	indicator.SHA256:    {"sha256", "Payload delivery"},
	indicator.SHA512:    {"sha512", "Payload delivery"},
	indicator.Domain:    {"domain", "Network activity"},
	indicator.URL:       {"url", "Network activity"},
	indicator.IPv4:      {"ip-dst", "Network activity"},
	indicator.IPv6:      {"ip-dst", "Network activity"},
	indicator.Email:     {"email-src", "Payload delivery"},
	indicator.Filename:  {"filename", "Payload delivery"},
	indicator.PathRegex: {"filename-pattern", "Artifacts dropped"},
	indicator.YARA:      {"yara", "Payload installation"},
}

// seenLayout is how MISP writes first_seen and last_seen.
const seenLayout = "2006-01-02T15:04:05.000000-07:00"

func buildEvent(c *indicator.Collection, inds []*indicator.Indicator, m eventMeta, opts EncodeOptions) (*builtEvent, error) {
	// TLP and threats shared by every indicator go on the event.
	var common indicator.TLP
	if len(inds) > 0 {
		common = inds[0].TLP
		for _, ind := range inds[1:] {
			if ind.TLP != common {
				common = ""
				break
			}
		}
	}
	var commonThreats []string
	if len(inds) > 0 {
		for _, t := range inds[0].Threats {
			all := true
			for _, ind := range inds[1:] {
				if !containsFold(ind.Threats, t) {
					all = false
					break
				}
			}
			if all {
				commonThreats = appendFold(commonThreats, t)
			}
		}
	}
	threatOf := func(name string) indicator.Threat {
		if t, ok := c.Threat(name); ok {
			t.Name = name
			return t
		}
		return indicator.Threat{Name: name}
	}

	var created time.Time
	var modified time.Time
	for _, ind := range inds {
		if !ind.Created.IsZero() && (created.IsZero() || ind.Created.Before(created)) {
			created = ind.Created
		}
		if ind.Modified.After(modified) {
			modified = ind.Modified
		}
	}
	if created.IsZero() {
		created = opts.Now
	}
	if modified.IsZero() {
		modified = opts.Now
	}
	ts := strconv.FormatInt(modified.Unix(), 10)

	evTags := []any{}
	if common != "" {
		evTags = append(evTags, tagObj(common.Tag()))
	}
	var evGalaxy []any
	for _, name := range commonThreats {
		t := threatOf(name)
		evTags = append(evTags, tagObj(threatTagFor(t)))
		if g := galaxyObj(t); g != nil {
			evGalaxy = append(evGalaxy, g)
		}
	}
	evTags = append(evTags, tagObj(exportTag))

	b := &builtEvent{uuid: m.uuid}
	attrs := make([]any, 0, len(inds))
	used := make(map[string]bool, len(inds))
	for _, ind := range inds {
		at, ok := attrTypeOf[ind.Type]
		if !ok {
			return nil, fmt.Errorf("MISP event: indicator %q has type %q, which has no MISP attribute type", indicator.Shorten(ind.Value), ind.Type)
		}
		typ, value := at[0], ind.Value
		tags := ind.Tags
		if ind.Type == indicator.IPv4 || ind.Type == indicator.IPv6 {
			if port, rest, ok := onePort(ind.Tags); ok {
				typ, value, tags = "ip-dst|port", value+"|"+port, rest
			}
		}
		if ind.Type == indicator.YARA && ind.Rule != "" {
			value = ind.Rule
		}
		uuid := attrUUID(ind, used)
		a := obj{{"category", at[1]}, {"comment", ind.Description}}
		if !ind.ValidFrom.IsZero() {
			a = a.add("first_seen", ind.ValidFrom.UTC().Format(seenLayout))
		}
		if !ind.ValidUntil.IsZero() {
			a = a.add("last_seen", ind.ValidUntil.UTC().Format(seenLayout))
		}
		if !ind.Modified.IsZero() {
			a = a.add("timestamp", strconv.FormatInt(ind.Modified.Unix(), 10))
		}
		a = a.add("to_ids", !ind.Informational).add("type", typ).add("uuid", uuid).add("value", value)
		var aTags []any
		if common == "" && ind.TLP != "" {
			aTags = append(aTags, tagObj(ind.TLP.Tag()))
		}
		var aGalaxy []any
		for _, name := range ind.Threats {
			if containsFold(commonThreats, name) {
				continue
			}
			t := threatOf(name)
			aTags = append(aTags, tagObj(threatTagFor(t)))
			if g := galaxyObj(t); g != nil {
				aGalaxy = append(aGalaxy, g)
			}
		}
		if ind.Source != "" && ind.Source != m.org {
			aTags = append(aTags, tagObj(sourceTag+`="`+strings.ReplaceAll(ind.Source, `"`, `'`)+`"`))
		}
		if ind.Confidence > 0 && ind.Confidence <= 100 {
			aTags = append(aTags, tagObj(confidenceTag+`="`+strconv.Itoa(ind.Confidence)+`"`))
		}
		for _, t := range tags {
			aTags = append(aTags, tagObj(t))
		}
		if len(aTags) > 0 {
			a = a.add("Tag", aTags)
		}
		if len(aGalaxy) > 0 {
			a = a.add("Galaxy", aGalaxy)
		}
		attrs = append(attrs, a)
		for _, v := range splitValue(typ, value) {
			b.hashes = append(b.hashes, md5hex(v))
		}
	}

	orgc := obj{{"name", m.org}, {"uuid", uuid5("org|" + m.org)}}
	b.event = obj{
		{"analysis", "2"},
		{"date", created.UTC().Format("2006-01-02")},
		{"info", m.info},
		{"publish_timestamp", ts},
		{"published", true},
		{"threat_level_id", strconv.Itoa(opts.ThreatLevel)},
		{"timestamp", ts},
		{"uuid", m.uuid},
		{"Orgc", orgc},
		{"Tag", evTags},
		{"Attribute", attrs},
	}
	if len(evGalaxy) > 0 {
		b.event = b.event.add("Galaxy", evGalaxy)
	}
	b.manifest = obj{
		{"Orgc", orgc},
		{"Tag", evTags},
		{"info", m.info},
		{"date", created.UTC().Format("2006-01-02")},
		{"analysis", "2"},
		{"threat_level_id", strconv.Itoa(opts.ThreatLevel)},
		{"timestamp", ts},
	}
	return b, nil
}

// galaxyObj is the Galaxy block that carries a threat's aliases (MISP
// galaxy clusters keep them in meta.synonyms); nil when there are none.
func galaxyObj(t indicator.Threat) obj {
	g, ok := galaxyFor[t.Kind]
	if !ok || len(t.Aliases) == 0 {
		return nil
	}
	return obj{
		{"name", g},
		{"type", g},
		{"GalaxyCluster", []any{obj{
			{"meta", obj{{"synonyms", t.Aliases}}},
			{"tag_name", threatTagFor(t)},
			{"type", g},
			{"value", t.Name},
		}}},
	}
}

// onePort finds a single "port:N" tag, as the reader records the port of
// an ip-dst|port attribute, and returns the other tags.
func onePort(tags []string) (port string, rest []string, ok bool) {
	n := 0
	for _, t := range tags {
		if strings.HasPrefix(t, portTag) {
			if _, err := strconv.ParseUint(t[len(portTag):], 10, 16); err == nil {
				n++
				port = t[len(portTag):]
				continue
			}
		}
		rest = append(rest, t)
	}
	return port, rest, n == 1
}

// attrUUID is the attribute's uuid: its ID when that is a UUID (or a
// STIX id ending in one), else a name-based UUID of its type and value.
func attrUUID(ind *indicator.Indicator, used map[string]bool) string {
	id := ind.ID
	if i := strings.LastIndex(id, "--"); i >= 0 {
		id = id[i+2:]
	}
	u := strings.ToLower(id)
	if !isUUID(u) || used[u] {
		u = uuid5("attribute|" + ind.Key())
		for n := 2; used[u]; n++ {
			u = uuid5("attribute|" + ind.Key() + "|" + strconv.Itoa(n))
		}
	}
	used[u] = true
	return u
}

func md5hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
