package sweep

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/report"
)

// Sensor is how findings of the sweep name their sensor.
const Sensor = "scan"

const (
	adviceKnownFile = "Do not open this file. Disconnect the computer from the network if you can, do not delete anything, " +
		"and contact your party's IT lead or the agency's help line: they will tell you how to keep evidence and clean the machine."
	adviceName = "A file with this name was used in attacks. It may be harmless software with the same name: " +
		"ask your IT lead to check where it comes from before you open it. Do not delete it yourself."
	advicePath = "A file in this place and with this name was used in attacks. Ask your IT lead to check it; do not open or delete it yourself."
	adviceRule = "The file's content looks like attacker software or a malicious document. Do not open it; " +
		"ask your IT lead to check it and keep the file as evidence."
	adviceLimit = "This archive expands to far more than its size (a \"zip bomb\") or has too many entries, so its content could not be fully checked. " +
		"Such files are made to crash security tools: do not open it, and ask your IT lead to check where it came from."
)

func (s *Scanner) base(it item) report.Finding {
	return report.Finding{
		Schema:  report.SchemaVersion,
		Time:    s.opts.Now().UTC(),
		Sensor:  Sensor,
		Host:    s.opts.Host,
		Subject: report.Subject{Kind: "file", Path: it.vpath, Size: it.size},
	}
}

func indMatch(ind *indicator.Indicator) report.Match {
	return report.Match{
		Kind: "indicator", Type: string(ind.Type), Value: ind.Value, Source: ind.Source,
		Threats: ind.Threats, TLP: string(ind.TLP), Tags: ind.Tags,
	}
}

// threatText names the threats of an indicator for a title: "APT28, X-Agent".
func threatText(threats []string) string {
	if len(threats) == 0 {
		return ""
	}
	return " (" + strings.Join(threats, ", ") + ")"
}

// threatKinds say in plain words what a STIX threat kind is.
var threatKinds = map[string]string{
	"malware": "malicious software", "intrusion-set": "an attacker group", "campaign": "an attack campaign",
	"threat-actor": "an attacker", "tool": "an attack tool",
}

// threatEvidence explains the threats a match names, from the threats the
// indicators came with: what each is and its other names.
func (s *Scanner) threatEvidence(names []string) []report.Evidence {
	var out []report.Evidence
	for _, n := range names {
		for _, t := range s.threats {
			if !strings.EqualFold(t.Name, n) {
				continue
			}
			var d []string
			if k := threatKinds[t.Kind]; k != "" {
				d = append(d, k)
			}
			if len(t.Aliases) > 0 {
				al := t.Aliases[:min(len(t.Aliases), 4)]
				d = append(d, "also known as "+strings.Join(al, ", "))
			}
			if len(d) > 0 {
				out = append(out, report.Evidence{Name: "threat", Data: t.Name, Detail: strings.Join(d, "; ")})
			}
			break
		}
	}
	return out
}

func (s *Scanner) finish(f *report.Finding) *report.Finding {
	f.Evidence = append(f.Evidence, s.threatEvidence(f.Match.Threats)...)
	h := sha256.New()
	for _, p := range []string{f.Sensor, f.Host, f.Subject.Path, f.Match.Kind, f.Match.Type, f.Match.Value} {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	f.ID = "scan-" + hex.EncodeToString(h.Sum(nil)[:16])
	return f
}

func (s *Scanner) hashFinding(it item, sha string, hits []hashHit) *report.Finding {
	f := s.base(it)
	f.Subject.SHA256 = sha
	ind := hits[0].ind
	f.Severity = report.Critical
	f.Title = "Known attacker file" + threatText(ind.Threats)
	f.Match = indMatch(ind)
	for _, h := range hits {
		detail := "the file's " + strings.ToUpper(h.algo) + " is on the indicator list"
		if h.ind.Description != "" {
			detail += ": " + h.ind.Description
		}
		f.Evidence = append(f.Evidence, report.Evidence{Name: h.algo, Data: h.hex, Detail: detail})
	}
	f.Advice = adviceKnownFile
	return s.finish(&f)
}

func (s *Scanner) nameFinding(it item, ind *indicator.Indicator) *report.Finding {
	f := s.base(it)
	f.Severity = report.Medium
	if ind.Confidence >= 80 {
		f.Severity = report.High
	}
	f.Title = "File named like a known attacker tool" + threatText(ind.Threats)
	f.Match = indMatch(ind)
	detail := "the file name is on the indicator list"
	if ind.Description != "" {
		detail += ": " + ind.Description
	}
	f.Evidence = []report.Evidence{{Name: "filename", Data: it.base, Detail: detail}}
	f.Advice = adviceName
	return s.finish(&f)
}

func (s *Scanner) pathFinding(it item, ind *indicator.Indicator) *report.Finding {
	f := s.base(it)
	f.Severity = report.Medium
	if ind.Confidence >= 80 {
		f.Severity = report.High
	}
	f.Title = "File at a path used by attackers" + threatText(ind.Threats)
	f.Match = indMatch(ind)
	detail := "the path matches the pattern " + ind.Value
	if ind.Description != "" {
		detail += ": " + ind.Description
	}
	f.Evidence = []report.Evidence{{Name: "path", Data: it.vpath, Detail: detail}}
	f.Advice = advicePath
	return s.finish(&f)
}

// ruleSeverity maps a Loki/THOR score to a severity: Loki alerts at 75+,
// warns at 40+, notices below.
func ruleSeverity(score int) report.Severity {
	switch {
	case score == 0:
		return report.High
	case score >= 90:
		return report.Critical
	case score >= 75:
		return report.High
	case score >= 40:
		return report.Medium
	}
	return report.Low
}

func (s *Scanner) ruleFinding(it item, m *RuleMatch) *report.Finding {
	f := s.base(it)
	f.Severity = ruleSeverity(m.Score)
	f.Title = "Matches YARA rule " + m.Rule + threatText(m.Threats)
	if m.Description != "" {
		f.Title += ": " + m.Description
	}
	f.Match = report.Match{Kind: "yara", Type: "rule", Value: m.Rule, Source: m.Source, Threats: m.Threats, TLP: m.TLP, Tags: m.Tags}
	f.Evidence = append(f.Evidence, m.Strings...)
	if m.Reference != "" || m.Author != "" {
		var d []string
		if m.Author != "" {
			d = append(d, "author: "+m.Author)
		}
		if m.Reference != "" {
			d = append(d, "reference: "+m.Reference)
		}
		f.Evidence = append(f.Evidence, report.Evidence{Name: "rule", Data: m.Rule, Detail: strings.Join(d, "; ")})
	}
	f.Advice = adviceRule
	return s.finish(&f)
}

func (s *Scanner) limitFinding(it item, what string) *report.Finding {
	f := s.base(it)
	f.Severity = report.Medium
	f.Title = "Archive not fully checked: it " + what + " (possible zip bomb)"
	f.Match = report.Match{Kind: "check", Type: "container-limit", Value: "container-limit"}
	f.Evidence = []report.Evidence{{Name: "limit", Data: what, Detail: fmt.Sprintf(
		"limits: %d container levels, %s expanded, %d× the file's size, %d entries",
		s.limits.MaxDepth, sizeString(s.limits.MaxExpanded), s.limits.MaxRatio, s.limits.MaxEntries)}}
	f.Advice = adviceLimit
	return s.finish(&f)
}

const (
	adviceUnreadable = "Vigie could not read this file, so it could not check what is inside: the scan was partial here " +
		"(its name and location were still checked). It may be open in another program that locks it, or reserved to an administrator. " +
		"Close your programs and run the scan again, as an administrator if you can. If the file stays unreadable and you do not know what it is, ask your IT lead."
	adviceUnreadableDir = "Vigie could not open this folder, so none of the files in it were checked: the scan was partial here. " +
		"It is probably reserved to an administrator: run the scan again as an administrator if you can, or ask your IT lead."
)

// unreadableFile reports a file whose content could not be examined: the
// volunteer must know the scan was partial, never read "nothing found".
func (s *Scanner) unreadableFile(it item, err error) {
	s.stats.unreadable.Add(1)
	f := s.base(it)
	f.Severity = report.Low
	f.Title = "File could not be read: its content was not checked"
	f.Match = report.Match{Kind: "check", Type: "unreadable", Value: "could-not-be-read"}
	f.Evidence = []report.Evidence{{Name: "error", Data: err.Error(), Detail: "the name and path were checked against the indicators; the content (hashes, rules, archive entries) was not"}}
	f.Advice = adviceUnreadable
	s.emit(s.finish(&f))
}

// unreadableDir reports a folder that could not be walked.
func (s *Scanner) unreadableDir(path string, err error) {
	s.stats.unreadable.Add(1)
	f := s.base(item{vpath: path})
	f.Subject.Kind = "directory"
	f.Severity = report.Low
	f.Title = "Folder could not be read: the files in it were not checked"
	f.Match = report.Match{Kind: "check", Type: "unreadable", Value: "could-not-be-read"}
	f.Evidence = []report.Evidence{{Name: "error", Data: err.Error()}}
	f.Advice = adviceUnreadableDir
	s.emit(s.finish(&f))
}

const adviceTimeout = "Checking this file against the rules took longer than the time allowed for one file, so some rules were not checked on it: " +
	"the scan was partial here. Files made to slow scanners down exist, but large ordinary files can do it too. " +
	"Scan it again alone, when the computer is not busy (vigie scan FILE), or ask your IT lead."

// timeoutFinding reports a file whose rule scan was cut short.
func (s *Scanner) timeoutFinding(it item, limit time.Duration) *report.Finding {
	f := s.base(it)
	f.Severity = report.Low
	f.Title = "File not fully scanned: the rules ran out of time on it"
	f.Match = report.Match{Kind: "check", Type: "rule-timeout", Value: "not-fully-scanned"}
	detail := "the engine's own limit per file was reached"
	if limit > 0 {
		detail = "the limit per file is " + limit.String() + " (--timeout)"
	}
	f.Evidence = []report.Evidence{{Name: "timeout", Data: sizeString(it.size), Detail: detail}}
	f.Advice = adviceTimeout
	return s.finish(&f)
}
