package mail

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vigie-project/vigie/internal/report"
)

// Verdict is the overall judgement on a message.
type Verdict string

// Verdicts, least to most severe.
const (
	Clean      Verdict = "clean"
	Suspicious Verdict = "suspicious"
	Phishing   Verdict = "phishing"
	Malicious  Verdict = "malicious" // carries malware or a known-bad indicator of malware
)

// Score thresholds of the verdicts.
const (
	SuspiciousScore = 3.0
	PhishingScore   = 5.0
	// CorroborationScore is what the other reasons must add up to, beside
	// the heaviest one, for a message to be called phishing when that
	// heaviest reason is not Strong: no single weak check — a brand named
	// by a newsletter, a shortened link, a sender name unlike its address
	// — can make a message phishing on its own.
	CorroborationScore = 1.5
)

// Categories of reasons.
const (
	CatAuth          = "authentication"
	CatLookalike     = "look-alike"
	CatLinks         = "links"
	CatImpersonation = "impersonation"
	CatAttachment    = "attachment"
	CatIndicator     = "indicator"
	CatHeaders       = "headers"
	CatContent       = "content"
	CatStructure     = "structure"
)

// Reason is one named, explained result of a check that counts against a
// message.
type Reason struct {
	Check    string  `json:"check"`    // stable name: "lookalike-from", "link-mismatch" ...
	Category string  `json:"category"` // one of the Cat* constants
	Score    float64 `json:"score"`
	// Malware marks reasons that mean the message carries something
	// harmful itself (an executable, a macro, an exploit, a known-bad
	// hash), which makes the verdict malicious.
	Malware bool `json:"malware,omitempty"`
	// Text is the reason in plain words.
	Text     string            `json:"text"`
	Evidence []report.Evidence `json:"evidence,omitempty"`
	// Match is set when an indicator or rule fired.
	Match *report.Match `json:"match,omitempty"`
	// Strong marks a reason that is by itself good evidence of phishing
	// (a confident look-alike, a known-bad indicator, a confident content
	// model). A message whose score rests on one reason that is not
	// strong stays suspicious: see finish.
	Strong bool `json:"strong,omitempty"`
}

// Result is the analysis of one message.
type Result struct {
	File      string      `json:"file"`
	MessageID string      `json:"message_id,omitempty"`
	From      string      `json:"from,omitempty"`
	Subject   string      `json:"subject,omitempty"`
	Verdict   Verdict     `json:"verdict"`
	Score     float64     `json:"score"`
	Reasons   []Reason    `json:"reasons"`
	Advice    string      `json:"advice,omitempty"`
	Auth      AuthResults `json:"auth"`
	// Error is set when the message could not be read or parsed; the
	// verdict is then at least suspicious, never clean.
	Error   string   `json:"error,omitempty"`
	Defects []string `json:"defects,omitempty"`
	Links   int      `json:"links"`
	Parts   int      `json:"parts"`
	// ModelP is the learned content model's probability that the message
	// is phishing or a scam (0 when no model ran).
	ModelP float64 `json:"model_p,omitempty"`

	// observed values reported to the hub for phishing and malicious
	// messages (see Sightings)
	senderDomain string
	linkHosts    []string
}

func (r *Result) add(reason Reason) {
	for i := range r.Reasons {
		if r.Reasons[i].Check == reason.Check {
			// the same check fires once, with its highest score
			if reason.Score > r.Reasons[i].Score {
				r.Reasons[i] = reason
			}
			return
		}
	}
	r.Reasons = append(r.Reasons, reason)
}

func (r *Result) has(check string) bool {
	for i := range r.Reasons {
		if r.Reasons[i].Check == check {
			return true
		}
	}
	return false
}

// finish computes the score, verdict and advice.
func (r *Result) finish(forwardTo string) {
	sort.SliceStable(r.Reasons, func(i, j int) bool { return r.Reasons[i].Score > r.Reasons[j].Score })
	var s float64
	malware := false
	for _, x := range r.Reasons {
		s += x.Score
		if x.Malware {
			malware = true
		}
	}
	if s < 0 {
		s = 0
	}
	if malware && s < PhishingScore {
		s = PhishingScore // carrying malware is never less than phishing
	}
	if !malware && s >= PhishingScore && len(r.Reasons) > 0 && !r.Reasons[0].Strong && s-r.Reasons[0].Score < CorroborationScore {
		// one weak check alone: suspicious at most (the reasons are sorted,
		// the heaviest first)
		s = PhishingScore - 0.1
	}
	r.Score = float64(int(s*10+0.5)) / 10
	switch {
	case malware:
		r.Verdict = Malicious
	case r.Score >= PhishingScore:
		r.Verdict = Phishing
	case r.Score >= SuspiciousScore || r.Error != "":
		r.Verdict = Suspicious
	default:
		r.Verdict = Clean
	}
	if r.Reasons == nil {
		r.Reasons = []Reason{}
	}
	r.Advice = advice(r.Verdict, forwardTo, r.Error != "")
}

func advice(v Verdict, forwardTo string, broken bool) string {
	fwd := "your IT lead"
	if forwardTo != "" {
		fwd = forwardTo
	}
	switch v {
	case Malicious:
		return fmt.Sprintf("Do not open the attachments or click the links. Do not reply. Forward the message as an attachment to %s, then delete it. If you already opened an attachment, disconnect the computer from the network and call %s now.", fwd, fwd)
	case Phishing:
		return fmt.Sprintf("Do not click the links, do not enter any password, do not reply. Forward the message as an attachment to %s, then delete it. If you already typed a password, change it now from the real site (type its address yourself) and tell %s.", fwd, fwd)
	case Suspicious:
		if broken {
			return fmt.Sprintf("This message could not be fully read, so it could not be checked. Do not open attachments or links in it; ask %s.", fwd)
		}
		return fmt.Sprintf("Be careful: do not click links or open attachments unless you expected this message. If in doubt, check with the sender by another channel (phone), or forward it to %s.", fwd)
	}
	return ""
}

// Findings turns the result into the shared report model, one Finding per
// reason, for hub sightings and JSON reports. Clean messages give none.
func (r *Result) Findings(host string) []report.Finding {
	if r.Verdict == Clean {
		return nil
	}
	var out []report.Finding
	for _, x := range r.Reasons {
		m := report.Match{Kind: "check", Type: x.Category, Value: x.Check}
		if x.Match != nil {
			m = *x.Match
		}
		ev := append([]report.Evidence{}, x.Evidence...)
		ev = append(ev, report.Evidence{Name: "verdict", Data: fmt.Sprintf("%s (score %.1f)", r.Verdict, r.Score)})
		if r.Subject != "" {
			ev = append(ev, report.Evidence{Name: "Subject", Data: shorten(r.Subject, 120)})
		}
		if r.From != "" {
			ev = append(ev, report.Evidence{Name: "From", Data: shorten(r.From, 120)})
		}
		name := r.MessageID
		out = append(out, report.Finding{
			Schema:   report.SchemaVersion,
			Sensor:   "mail",
			Host:     host,
			Severity: severity(r.Verdict, x),
			Title:    x.Text,
			Subject:  report.Subject{Kind: "mail", Path: r.File, Name: name},
			Match:    m,
			Evidence: ev,
			Advice:   r.Advice,
			ID:       findingID(r, x),
		})
	}
	return out
}

func severity(v Verdict, x Reason) report.Severity {
	switch {
	case x.Malware || v == Malicious:
		return report.Critical
	case v == Phishing && x.Score >= 3:
		return report.High
	case v == Phishing:
		return report.Medium
	case v == Suspicious:
		return report.Low
	}
	return report.Info
}

func findingID(r *Result, x Reason) string {
	key := r.MessageID
	if key == "" {
		key = r.File
	}
	return "mail:" + shorten(key, 200) + ":" + x.Check
}

func shorten(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
