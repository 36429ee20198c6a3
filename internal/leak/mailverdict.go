package leak

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigie-project/vigie/internal/mailauth/dkim"
)

// visibleFields are the header fields a reader of a message sees. A
// message is "authentic" only when all of those present, and the whole
// body (attachments included), are covered by a valid signature.
var visibleFields = []string{"From", "To", "Cc", "Subject", "Date"}

// judgeMail turns the DKIM report of a message into the leak verdict.
// It starts from dkim.Forensic and sorts what that calls caveats:
//
//   - proof of a change (content after the l= signed length; an instance
//     of a signed field outside the signature, i.e. added above it; a
//     second signature that covers a visible field the valid one does not
//     and fails over its header fields) makes the message altered;
//   - a visible field that is not signed at all stays a caveat naming the
//     field: the signature cannot say whether it changed;
//   - facts that do not touch what a reader sees and do not weaken the
//     proof (key taken from the archive, x= passed after the message's
//     date, mbox ">From " quoting) are notes, not caveats: otherwise every
//     clean message would wear a caveat;
//   - a signature that fails because it was made with another key than the
//     archived key of its selector at the message's date is evidence of a
//     forgery (Forged).
func judgeMail(rep *dkim.Report) (Verdict, dkim.Verdict) {
	v := dkim.Forensic(rep)
	switch v.Kind {
	case dkim.Authentic, dkim.AuthenticWithCaveats:
		return judgeValid(rep, v)
	case dkim.Altered:
		if why := reformattedOnly(rep); why != "" {
			v.Kind = dkim.VerdictKind(Reformatted)
			v.Summary = "reformatted, text unchanged: the signature no longer verifies over the body bytes, but " + why + ": the signature itself proves the text a reader sees is what was signed"
			for i, a := range v.Altered {
				v.Altered[i] = strings.Replace(a, "headers intact, but the body does not match the signed body hash", "headers intact; the body bytes do not match the signed body hash as they are", 1)
			}
			v.Reasons = append(v.Reasons, v.Altered...)
			v.Altered, v.AlteredParts = nil, nil
			return Reformatted, v
		}
		for i := range rep.Signatures {
			s := &rep.Signatures[i]
			if s.OtherKey && strings.Contains(s.KeySource, "archive") && !s.SignatureOK {
				v.Kind = dkim.VerdictKind(Forged)
				at := s.JudgedAt.UTC().Format("2006-01-02")
				v.Summary = fmt.Sprintf("forged signature: signature #%d claims d=%s s=%s, but it was made with another key than the archived key of that selector valid on %s (the signature does not even decode under it, which a changed header field would not cause)", s.Index, s.Domain, s.Selector, at)
				v.Altered = nil
				v.AlteredParts = nil
				return Forged, v
			}
		}
	}
	return Verdict(v.Kind), v
}

// reformattedOnly says why a message whose only proven change is in its
// body bytes kept its text: every signature that fails verifies over its
// header fields and matches bh= once line-end whitespace is removed or
// the transfer encoding undone. "" otherwise.
func reformattedOnly(rep *dkim.Report) string {
	why := ""
	for i := range rep.Signatures {
		s := &rep.Signatures[i]
		if s.KeyBits == 0 || s.CryptoValid {
			continue
		}
		switch {
		case !s.SignatureOK || s.BodyHashOK:
			return ""
		case s.BodyWhitespaceOnly:
			why = fmt.Sprintf("signature #%d (d=%s) matches once spaces and tabs at line ends are removed (they were added after signing, by a mail client or a relay)", s.Index, s.Domain)
		case s.BodyReencoded != "":
			why = fmt.Sprintf("signature #%d (d=%s) matches once the body is decoded from %s (a relay re-encoded the 8bit text after signing)", s.Index, s.Domain, s.BodyReencoded)
		default:
			return ""
		}
	}
	return why
}

func judgeValid(rep *dkim.Report, v dkim.Verdict) (Verdict, dkim.Verdict) {
	var b *dkim.SignatureResult
	for i := range rep.Signatures {
		if rep.Signatures[i].Index == v.Basis {
			b = &rep.Signatures[i]
		}
	}
	if b == nil {
		return Verdict(v.Kind), v
	}
	var caveats, altered []string
	for _, c := range v.Caveats {
		switch {
		case strings.Contains(c, "comes from the archive, not from live DNS"):
			v.Notes = append(v.Notes, "the key was taken from the key archive (its SHA-256 is in the report's header): the proof rests on the archive's provenance")
		case strings.Contains(c, "but the signature was valid at the message's time"):
			v.Notes = append(v.Notes, c)
		case strings.Contains(c, "mbox \">From \" quoting"):
			v.Notes = append(v.Notes, c)
		case strings.HasPrefix(c, fmt.Sprintf("l=%d:", b.BodyLength)) && b.UnsignedBodyBytes > 0:
			altered = append(altered, fmt.Sprintf("%d bytes were appended to the body after the signed length (l=%d): the first %d bytes are as d=%s signed them; what follows was added after signing and is covered by no signature", b.UnsignedBodyBytes, b.BodyLength, b.BodyLength, b.Domain))
		case strings.Contains(c, " fails (") && strings.Contains(c, "were appended after the l="):
			// said by the l= line above
		default:
			caveats = append(caveats, c)
		}
	}
	// Instances of signed visible fields outside the signature: added
	// above the signed one after signing (a reader sees the added one).
	for _, u := range b.Uncovered {
		name := strings.Fields(u)[0]
		if strings.Contains(u, "#") && slices.Contains(visibleFields, name) {
			altered = append(altered, fmt.Sprintf("%s is not covered by the signature: a %s field was added above the signed one after signing", u, name))
			caveats = slices.DeleteFunc(caveats, func(c string) bool { return strings.HasPrefix(c, u+" ") })
		}
	}
	// A second signature over a visible field the valid one leaves out,
	// failing over its header fields although it decodes under its key:
	// that field changed.
	for i := range rep.Signatures {
		o := &rep.Signatures[i]
		if o.Index == b.Index || o.KeyBits == 0 || o.CryptoValid || o.SignatureOK || o.OtherKey {
			continue
		}
		var vis []string
		for _, c := range o.ChangedHeaderCandidates {
			name := strings.Fields(c)[0]
			if slices.Contains(visibleFields, name) && !slices.Contains(b.SignedHeaders, strings.ToLower(name)) {
				vis = append(vis, name)
			}
		}
		if len(vis) > 0 {
			altered = append(altered, fmt.Sprintf("signature #%d (d=%s) covers %s, which the valid signature #%d does not, and fails over its header fields while its body hash matches: %s was changed after signing", o.Index, o.Domain, strings.Join(vis, ", "), b.Index, strings.Join(vis, " or ")))
			caveats = slices.DeleteFunc(caveats, func(c string) bool {
				return strings.Contains(c, fmt.Sprintf("signature #%d ", o.Index)) && strings.Contains(c, " fails (")
			})
		}
	}
	v.Caveats = caveats
	switch {
	case len(altered) > 0:
		v.Kind = dkim.Altered
		v.Altered = altered
		v.AlteredParts = nil
		for _, a := range altered {
			if strings.Contains(a, "appended to the body") {
				addAlteredPart(&v, "body")
			} else {
				addAlteredPart(&v, "headers")
			}
		}
		v.Summary = fmt.Sprintf("signature #%d (d=%s) is valid for what it covers, but what a reader sees was changed after signing: %s", b.Index, b.Domain, strings.Join(v.AlteredParts, " and "))
		return Altered, v
	case len(caveats) > 0:
		v.Kind = dkim.AuthenticWithCaveats
		v.Summary = fmt.Sprintf("signature #%d (d=%s s=%s) is valid, with %d caveat(s)", b.Index, b.Domain, b.Selector, len(caveats))
		return AuthenticWithCaveats, v
	}
	v.Kind = dkim.Authentic
	v.Summary = fmt.Sprintf("signature #%d (d=%s s=%s) is valid and covers the whole body and every header field a reader sees (%s)", b.Index, b.Domain, b.Selector, strings.Join(presentVisible(b), ", "))
	return Authentic, v
}

func presentVisible(b *dkim.SignatureResult) []string {
	var out []string
	for _, f := range visibleFields {
		if slices.Contains(b.SignedHeaders, strings.ToLower(f)) {
			out = append(out, f)
		}
	}
	return out
}

func addAlteredPart(v *dkim.Verdict, p string) {
	if !slices.Contains(v.AlteredParts, p) {
		v.AlteredParts = append(v.AlteredParts, p)
	}
}

// Signing practice: a message that claims a domain which, in this very
// dump, validly signed nearly all of the relayed mail it sent, and that
// carries no valid signature of that domain, is called forged.
//
// Thresholds, and why: minPractice validly signed messages of the domain
// and at most maxUnsignedShare of its relayed messages without a valid
// signature. With n signed messages and none unsigned, the 95 % upper
// bound of the share of mail the domain sends unsigned is about 3/n (the
// "rule of three"): 3/20 = 15 % at the threshold, 2 % for 140 messages.
// Only messages that passed through mail servers (a Received field) count
// on either side: copies kept by the sender's client (a Sent folder) are
// never signed, since signing happens at the outgoing server. The message
// judged must be dated within the period the signed ones span (a month
// either side): a domain may have started signing at some date.
const (
	minPractice      = 20
	maxUnsignedShare = 0.05
	practiceMargin   = 31 * 24 * time.Hour
)

type practice struct {
	signed, unsigned int
	first, last      time.Time
}

// applyPractice sets the verdict Forged on unsigned relayed messages whose
// From domain's signing practice is established in the dump.
func applyPractice(items []*Item) {
	byDomain := map[string]*practice{}
	for _, it := range items {
		m := it.Mail
		if m == nil || m.FromDomain == "" || !m.Relayed {
			continue
		}
		p := byDomain[m.FromDomain]
		if p == nil {
			p = &practice{}
			byDomain[m.FromDomain] = p
		}
		if slices.Contains(m.SignedBy, m.FromDomain) {
			p.signed++
			if t := m.Sent; !t.IsZero() {
				if p.first.IsZero() || t.Before(p.first) {
					p.first = t
				}
				if t.After(p.last) {
					p.last = t
				}
			}
		} else if it.Verdict == Unverifiable && !claimsSignature(m) {
			p.unsigned++
		}
	}
	for _, it := range items {
		m := it.Mail
		// A signature of the domain that could not be checked (a key
		// not archived, a DNS failure) is no evidence either way: only
		// a message without any signature of its domain is judged.
		if m == nil || it.Verdict != Unverifiable || !m.Relayed || m.FromDomain == "" || slices.Contains(m.SignedBy, m.FromDomain) || claimsSignature(m) {
			continue
		}
		p := byDomain[m.FromDomain]
		if p == nil || p.signed < minPractice || float64(p.unsigned) > maxUnsignedShare*float64(p.signed+p.unsigned) {
			continue
		}
		if m.Sent.IsZero() || m.Sent.Before(p.first.Add(-practiceMargin)) || m.Sent.After(p.last.Add(practiceMargin)) {
			continue
		}
		it.Verdict = Forged
		it.Reasons = slices.DeleteFunc(it.Reasons, func(r string) bool {
			return strings.Contains(r, "nothing can be proven either way") || strings.Contains(r, "this says nothing about authenticity either way")
		})
		period := "between " + p.first.Format("2006-01-02") + " and " + p.last.Format("2006-01-02")
		if p.first.Format("2006-01-02") == p.last.Format("2006-01-02") {
			period = "on " + p.first.Format("2006-01-02")
		}
		it.Reasons = append([]string{fmt.Sprintf("forged sender: the message claims to come from %s and passed through mail servers, but carries no valid signature of %s, while %s validly signed %d of the %d relayed messages it sent in this dump %s (a domain that signs its mail signs every message its servers send; see the method for the threshold)",
			m.FromDomain, m.FromDomain, m.FromDomain, p.signed, p.signed+p.unsigned, period)}, it.Reasons...)
	}
}

// claimsSignature reports whether a message carries a DKIM signature of
// its From domain (valid or not).
func claimsSignature(m *MailEvidence) bool {
	for _, s := range m.Signatures {
		if strings.EqualFold(s.Domain, m.FromDomain) {
			return true
		}
	}
	return false
}
