package misp

import (
	"crypto/sha1"
	"encoding/hex"
	"regexp"
	"strings"

	"github.com/vigie-project/vigie/internal/indicator"
)

// attrKind says how a MISP attribute type becomes indicators.
type attrKind int

const (
	kindUnsupported attrKind = iota // an observable Vigie cannot match: reported
	kindContext                     // descriptive (text, comment, size-in-bytes ...): counted in Skipped
	kindHash                        // md5, sha1, sha256, sha512
	kindFileHash                    // filename|md5 ... → hash + informational filename
	kindDomain                      // domain, hostname
	kindDomainIP                    // domain|ip → domain + address
	kindURL                         // url, uri
	kindLink                        // link → informational URL
	kindIP                          // ip-src, ip-dst (address or CIDR)
	kindIPPort                      // ip-src|port, ip-dst|port
	kindEmail                       // email-src, email-dst, email, ...
	kindFilename                    // filename
	kindYARA                        // yara
	kindPathRegex                   // filename-pattern
)

// attrKinds maps MISP attribute types to how they are read. A type not
// listed is an unsupported observable (regkey, mutex, ssdeep, AS, ja3 ...).
var attrKinds = map[string]attrKind{
	"md5": kindHash, "sha1": kindHash, "sha256": kindHash, "sha512": kindHash,
	"filename|md5": kindFileHash, "filename|sha1": kindFileHash, "filename|sha256": kindFileHash, "filename|sha512": kindFileHash,
	"domain": kindDomain, "hostname": kindDomain,
	"domain|ip": kindDomainIP,
	"url":       kindURL, "uri": kindURL,
	"link":   kindLink,
	"ip-src": kindIP, "ip-dst": kindIP,
	"ip-src|port": kindIPPort, "ip-dst|port": kindIPPort,
	"email-src": kindEmail, "email-dst": kindEmail, "email": kindEmail, "email-reply-to": kindEmail,
	"whois-registrant-email": kindEmail,
	"filename":               kindFilename,
	"yara":                   kindYARA,
	"filename-pattern":       kindPathRegex,

	// Descriptive attributes: context for an analyst, not observables.
	"text": kindContext, "comment": kindContext, "other": kindContext, "size-in-bytes": kindContext,
	"counter": kindContext, "float": kindContext, "datetime": kindContext, "boolean": kindContext,
	"mime-type": kindContext, "integer": kindContext, "hex": kindContext, "port": kindContext,
	"threat-actor": kindContext, "campaign-name": kindContext, "campaign-id": kindContext,
	"attachment": kindContext, "email-subject": kindContext, "email-body": kindContext,
	"whois-registrar": kindContext, "whois-registrant-name": kindContext, "whois-creation-date": kindContext,
	"vulnerability": kindContext, "weakness": kindContext, "cpe": kindContext, "anonymised": kindContext,
}

// hashTypes maps the MISP hash attribute types to indicator types.
var hashTypes = map[string]indicator.Type{
	"md5": indicator.MD5, "sha1": indicator.SHA1, "sha256": indicator.SHA256, "sha512": indicator.SHA512,
}

// Galaxies. A galaxy cluster tag misp-galaxy:<type>="<name>" names a
// threat when its galaxy type is one of these; the Kind is as in STIX.
var galaxyKinds = map[string]string{
	"threat-actor":                          "threat-actor",
	"mitre-intrusion-set":                   "intrusion-set",
	"mitre-enterprise-attack-intrusion-set": "intrusion-set",
	"mitre-mobile-attack-intrusion-set":     "intrusion-set",
	"mitre-pre-attack-intrusion-set":        "intrusion-set",
	"intrusion-set":                         "intrusion-set",
	"malpedia":                              "malware",
	"mitre-malware":                         "malware",
	"mitre-enterprise-attack-malware":       "malware",
	"mitre-mobile-attack-malware":           "malware",
	"ransomware":                            "malware",
	"android":                               "malware",
	"banker":                                "malware",
	"botnet":                                "malware",
	"rat":                                   "malware",
	"backdoor":                              "malware",
	"stealer":                               "malware",
	"exploit-kit":                           "malware",
	"malware":                               "malware",
	"mitre-tool":                            "tool",
	"mitre-enterprise-attack-tool":          "tool",
	"mitre-mobile-attack-tool":              "tool",
	"tool":                                  "tool",
	"campaign":                              "campaign",
	"mitre-campaign":                        "campaign",
}

// galaxyFor is the galaxy a threat of the given kind is written to.
var galaxyFor = map[string]string{
	"threat-actor":  "threat-actor",
	"intrusion-set": "mitre-intrusion-set",
	"malware":       "mitre-malware",
	"tool":          "mitre-tool",
	"campaign":      "campaign",
}

// threatTag is the tag a threat without a kind is written as; MISP has no
// galaxy for "some threat", and writing one would invent a kind.
const threatTag = "vigie:threat"

// exportTag marks events written by Vigie: for them an attribute without a
// comment has no description (the event info is not used as a fallback),
// so that an empty description survives a round trip.
const exportTag = "vigie:export"

// sourceTag carries an attribute's Source when it differs from the
// event's Orgc (an event exported from a collection of several sources).
const sourceTag = "vigie:source"

// confidenceTag carries Indicator.Confidence (0–100, as in STIX), which
// MISP attributes have no field for.
const confidenceTag = "vigie:confidence"

// portTag records the port of an ip-dst|port attribute on the address
// indicator (the model has no port); it is written back as ip-dst|port.
const portTag = "port:"

// mitreID matches the " - G0007" suffix of MITRE galaxy cluster values.
var mitreID = regexp.MustCompile(` - [GSCM]\d{4}$`)

// parseMachineTag splits `ns:pred="value"` (or ns:pred=value) into its parts.
func parseMachineTag(tag string) (ns, pred, value string, ok bool) {
	colon := strings.IndexByte(tag, ':')
	eq := strings.IndexByte(tag, '=')
	if colon <= 0 || eq < colon {
		return "", "", "", false
	}
	ns, pred, value = tag[:colon], tag[colon+1:eq], tag[eq+1:]
	if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
		value = value[1 : len(value)-1]
	}
	return ns, pred, value, true
}

// galaxyThreat returns the threat a galaxy tag names, if any.
func galaxyThreat(tag string) (indicator.Threat, bool) {
	ns, pred, value, ok := parseMachineTag(tag)
	if !ok || value == "" {
		return indicator.Threat{}, false
	}
	switch {
	case strings.EqualFold(ns, "misp-galaxy"):
		kind, ok := galaxyKinds[strings.ToLower(pred)]
		if !ok {
			return indicator.Threat{}, false
		}
		return indicator.Threat{Name: mitreID.ReplaceAllString(value, ""), Kind: kind}, true
	case strings.EqualFold(ns+":"+pred, threatTag):
		return indicator.Threat{Name: value}, true
	}
	return indicator.Threat{}, false
}

// threatTagFor is the tag Vigie writes for a threat.
func threatTagFor(t indicator.Threat) string {
	name := strings.ReplaceAll(t.Name, `"`, `'`)
	if g, ok := galaxyFor[t.Kind]; ok {
		return `misp-galaxy:` + g + `="` + name + `"`
	}
	return threatTag + `="` + name + `"`
}

// vigieNS is the namespace of the name-based (version 5) UUIDs Vigie makes
// for events, organisations and attributes that have none.
var vigieNS = [16]byte{0x6b, 0x1c, 0x9a, 0x42, 0x3e, 0x57, 0x4d, 0x0b, 0x9f, 0x21, 0x5c, 0x8e, 0x7a, 0x11, 0xd0, 0x4f}

// uuid5 returns the RFC 9562 version 5 UUID of name in Vigie's namespace:
// the same name always gives the same UUID, so re-exports are stable.
func uuid5(name string) string {
	h := sha1.New()
	h.Write(vigieNS[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

// isUUID reports whether s is a UUID in its canonical textual form.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// yaraRuleName finds the name of the first rule in YARA source text.
var yaraRuleName = regexp.MustCompile(`(?m)^\s*(?:(?:private|global)\s+)*rule\s+([A-Za-z_][A-Za-z0-9_]*)`)
