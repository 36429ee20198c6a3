package dkim

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"fmt"
	"io"
	"mime/quotedprintable"
	"slices"
	"strings"
)

// Localisation limits: extra work done only for failing signatures.
const (
	maxPrefixChecks  = 20000
	maxRemovalTrials = 16
)

// localize adds hints saying what changed, using only what extra hashing
// can prove.
func (v *verifier) localize(r *SignatureResult, s *parsedSig, key *Key) {
	if v.opts.NoLocalize {
		return
	}
	if !r.BodyHashOK && r.SignatureOK && key != nil {
		v.reformatted(r, s)
	}
	if !r.BodyHashOK && key != nil {
		if n, ok := v.signedPrefix(s); ok {
			body := v.canonBody(s.bc)
			r.Hints = append(r.Hints, fmt.Sprintf("the first %d bytes of the canonical body match bh=: %d bytes were appended after the signed body", n, len(body)-n))
		}
	}
	if r.BodyHashOK && !r.SignatureOK && key != nil {
		// Try removing one duplicate instance: if the signature then
		// verifies, that instance was added.
		trials := 0
		for i, f := range v.m.Fields {
			if i == s.field || v.m.Count(f.Name) < 2 || !slices.Contains(s.headers, f.Key()) {
				continue
			}
			if trials++; trials > maxRemovalTrials {
				break
			}
			mm := &Message{Fields: slices.Delete(slices.Clone(v.m.Fields), i, i+1), Body: v.m.Body}
			field := s.field
			if i < field {
				field--
			}
			if checkSignature(key.Public, s.hash, HeaderHashInput(mm, s.headers, field, s.hc), s.b) {
				nth, total := 0, v.m.Count(f.Name)
				for j := 0; j <= i; j++ {
					if strings.EqualFold(v.m.Fields[j].Name, f.Name) {
						nth++
					}
				}
				r.Hints = append(r.Hints, fmt.Sprintf("without the %s field #%d of %d the signature verifies: that field was added after signing", f.Name, nth, total))
				r.ChangedHeaderCandidates = []string{f.Name + " (added instance)"}
				return
			}
		}
		seen := map[string]bool{}
		for _, h := range s.headers {
			if seen[h] {
				continue
			}
			seen[h] = true
			name := canonicalName(h)
			if v.m.Count(h) == 0 {
				name += " (absent now: removed, or absent when signed)"
			}
			r.ChangedHeaderCandidates = append(r.ChangedHeaderCandidates, name)
		}
		r.ChangedHeaderCandidates = append(r.ChangedHeaderCandidates, "DKIM-Signature (its own tags or b=)")
	}
}

// reformatted tries the changes that rewrite a body's bytes without
// changing its text: spaces or tabs appended to lines (some clients and
// relays do), and 8bit text re-encoded as quoted-printable or base64 by a
// relay. When undoing one makes the body match bh=, the text is proven
// unchanged.
func (v *verifier) reformatted(r *SignatureResult, s *parsedSig) {
	matches := func(body []byte) bool {
		c := CanonicalizeBody(body, s.bc)
		if s.hasLen {
			if s.length > int64(len(c)) {
				return false
			}
			c = c[:s.length]
		}
		h := newHash(s.hash)
		h.Write(c)
		return bytes.Equal(h.Sum(nil), s.bh)
	}
	if trimmed := trimLineEnds(v.m.Body); !bytes.Equal(trimmed, v.m.Body) && matches(trimmed) {
		r.BodyWhitespaceOnly = true
		r.Hints = append(r.Hints, "the body matches the signed body hash once spaces and tabs at line ends are removed: only whitespace was added after signing, the text is unchanged")
		return
	}
	cte := ""
	for _, f := range v.m.Fields {
		if strings.EqualFold(f.Name, "Content-Transfer-Encoding") {
			_, val, _ := bytes.Cut(f.Raw, []byte(":"))
			cte = strings.ToLower(strings.TrimSpace(string(val)))
		}
	}
	if cte != "quoted-printable" && cte != "base64" {
		return
	}
	dec, err := decodeCTE(v.m.Body, cte)
	if err != nil {
		return
	}
	if matches(dec) {
		r.BodyReencoded = cte
		r.Hints = append(r.Hints, fmt.Sprintf("the body matches the signed body hash once decoded from %s: a relay re-encoded the text after signing, the text is unchanged", cte))
	}
}

// trimLineEnds removes spaces and tabs before each line end.
func trimLineEnds(body []byte) []byte {
	out := make([]byte, 0, len(body))
	for line := range bytes.SplitAfterSeq(body, []byte("\n")) {
		end := len(line)
		nl := bytes.HasSuffix(line, []byte("\n"))
		cr := bytes.HasSuffix(line, []byte("\r\n"))
		switch {
		case cr:
			end -= 2
		case nl:
			end--
		}
		out = append(out, bytes.TrimRight(line[:end], " \t")...)
		out = append(out, line[end:]...)
	}
	return out
}

// decodeCTE decodes a body in a transfer encoding, keeping CRLF line
// ends (as the signer saw them).
func decodeCTE(body []byte, cte string) ([]byte, error) {
	var dec []byte
	var err error
	switch cte {
	case "quoted-printable":
		dec, err = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
	case "base64":
		dec, err = io.ReadAll(base64.NewDecoder(base64.StdEncoding, bytes.NewReader(bytes.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, body))))
	}
	if err != nil {
		return nil, err
	}
	// quotedprintable turns CRLF into LF
	dec = bytes.ReplaceAll(dec, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(dec, []byte("\n"), []byte("\r\n")), nil
}

// signedPrefix looks for a line boundary of the canonical body whose
// prefix hashes to bh=: proof that the signed body is intact and content
// was appended.
func (v *verifier) signedPrefix(s *parsedSig) (int, bool) {
	body := v.canonBody(s.bc)
	h := newHash(s.hash)
	m, ok := h.(encoding.BinaryMarshaler)
	if !ok {
		return 0, false
	}
	checks := 0
	pos := 0
	for pos < len(body) {
		i := bytes.Index(body[pos:], []byte("\r\n"))
		if i < 0 {
			break
		}
		lineEmpty := i == 0
		h.Write(body[pos : pos+i+2])
		pos += i + 2
		if lineEmpty || pos == len(body) {
			continue
		}
		if checks++; checks > maxPrefixChecks {
			return 0, false
		}
		state, err := m.MarshalBinary()
		if err != nil {
			return 0, false
		}
		c := newHash(s.hash)
		if err := c.(encoding.BinaryUnmarshaler).UnmarshalBinary(state); err != nil {
			return 0, false
		}
		if sum := c.Sum(nil); bytes.Equal(sum, s.bh) {
			return pos, true
		}
	}
	return 0, false
}

func canonicalName(h string) string {
	for _, n := range append(slices.Clone(ImportantHeaders), "Content-Transfer-Encoding", "In-Reply-To", "References", "Sender", "List-Id", "List-Unsubscribe") {
		if strings.EqualFold(n, h) {
			return n
		}
	}
	return h
}

// narrowCandidates removes from a header-failing signature's candidates
// the fields covered by another signature that verifies with a
// canonicalization at least as strict.
func narrowCandidates(rs []SignatureResult) {
	for i := range rs {
		r := &rs[i]
		if len(r.ChangedHeaderCandidates) < 2 {
			continue
		}
		for j := range rs {
			p := &rs[j]
			if i == j || !p.SignatureOK || !(p.HeaderCanon == Simple || r.HeaderCanon == Relaxed) {
				continue
			}
			var keep []string
			for _, c := range r.ChangedHeaderCandidates {
				name := strings.Fields(c)[0]
				if slices.Contains(p.SignedHeaders, strings.ToLower(name)) && !strings.Contains(c, "absent") {
					continue
				}
				keep = append(keep, c)
			}
			if len(keep) < len(r.ChangedHeaderCandidates) {
				r.Hints = append(r.Hints, fmt.Sprintf("signature #%d (d=%s, c=%s) verifies and covers %d of the candidate fields, so they are unchanged", p.Index, p.Domain, p.HeaderCanon, len(r.ChangedHeaderCandidates)-len(keep)))
				r.ChangedHeaderCandidates = keep
			}
		}
		if r.HeaderCanon == Simple {
			for j := range rs {
				p := &rs[j]
				if i != j && p.SignatureOK && p.HeaderCanon == Relaxed && sameNames(p.SignedHeaders, r.SignedHeaders) {
					r.Hints = append(r.Hints, fmt.Sprintf("signature #%d over the same fields with relaxed canonicalization verifies: only whitespace, folding or name case of header fields changed", p.Index))
				}
			}
		}
	}
}

func sameNames(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}

// VerdictKind is the forensic conclusion on one message.
type VerdictKind string

// Forensic verdicts.
const (
	// Authentic: a valid signature covers the whole body and the header
	// fields that matter, with no caveat.
	Authentic VerdictKind = "authentic"
	// AuthenticWithCaveats: a signature is cryptographically valid, but
	// something limits what it proves (see Caveats).
	AuthenticWithCaveats VerdictKind = "authentic-with-caveats"
	// Altered: a key was found and the message does not match what was
	// signed (see Altered).
	Altered VerdictKind = "altered"
	// Unverifiable: nothing can be concluded (unsigned, no key, revoked
	// key, DNS failure, unsupported or broken signature).
	Unverifiable VerdictKind = "unverifiable"
)

// Verdict is the leak authenticator's conclusion, worded to claim no
// more than the cryptography shows.
type Verdict struct {
	Kind    VerdictKind `json:"kind"`
	Summary string      `json:"summary"`
	// Basis is the index of the signature the verdict rests on (-1: none).
	Basis   int      `json:"basis"`
	Caveats []string `json:"caveats,omitempty"`
	// AlteredParts is "body", "headers" or both; Altered says what is
	// known of the change.
	AlteredParts []string `json:"altered_parts,omitempty"`
	Altered      []string `json:"altered,omitempty"`
	Reasons      []string `json:"reasons,omitempty"`
	Notes        []string `json:"notes,omitempty"`
}

// mattersForAuthentic are the fields whose absence from the signature
// turns "authentic" into "authentic with caveats" when present.
var mattersForAuthentic = []string{"From", "To", "Cc", "Subject", "Date", "Reply-To"}

func sigLabel(r *SignatureResult) string {
	return fmt.Sprintf("signature #%d (d=%s s=%s a=%s c=%s/%s)", r.Index, r.Domain, r.Selector, r.Algorithm, r.HeaderCanon, r.BodyCanon)
}

// score ranks cryptographically valid signatures: the verdict rests on
// the one that proves the most.
func score(r *SignatureResult) int {
	s := 0
	if r.FromAligned {
		s += 100
	}
	if r.UnsignedBodyBytes == 0 {
		s += 50
	}
	s -= 10 * len(r.Uncovered)
	if !r.WeakHash {
		s += 20
	}
	if !r.WeakKey {
		s += 40
	}
	if !r.Expired {
		s += 5
	}
	if strings.Contains(r.KeySource, "dns") {
		s += 2
	}
	return s
}

// Forensic turns a verification report into a verdict for the leak
// authenticator.
func Forensic(rep *Report) Verdict {
	v := Verdict{Basis: -1}
	if rep.NormalizedLF {
		v.Notes = append(v.Notes, "the message was stored with LF line endings; it was verified after conversion to CRLF, as mail servers see it")
	}
	if rep.MboxFromLine != "" {
		v.Notes = append(v.Notes, "a leading mbox \"From \" line was removed before verification")
	}
	if rep.ParseError != "" {
		v.Kind, v.Summary = Unverifiable, "the message cannot be parsed: "+rep.ParseError
		return v
	}
	best := -1
	for i := range rep.Signatures {
		r := &rep.Signatures[i]
		if r.CryptoValid && (best < 0 || score(r) > score(&rep.Signatures[best])) {
			best = i
		}
	}
	if best >= 0 {
		b := &rep.Signatures[best]
		v.Basis = b.Index
		v.Caveats = caveats(rep, b)
		if len(v.Caveats) == 0 {
			v.Kind = Authentic
			v.Summary = fmt.Sprintf("%s is valid and covers the whole body and the header fields that matter", sigLabel(b))
		} else {
			v.Kind = AuthenticWithCaveats
			v.Summary = fmt.Sprintf("%s is cryptographically valid, with %d caveat(s)", sigLabel(b), len(v.Caveats))
		}
		if b.BodyLengthLimited && b.UnsignedBodyBytes == 0 {
			v.Notes = append(v.Notes, fmt.Sprintf("l=%d is used; no content follows the signed length", b.BodyLength))
		}
		var unsigned []string
		for _, u := range b.Uncovered {
			if name, ok := strings.CutSuffix(u, " (not signed)"); ok && !slices.Contains(mattersForAuthentic, name) {
				unsigned = append(unsigned, name)
			}
		}
		if len(unsigned) > 0 {
			v.Notes = append(v.Notes, "present but not signed (they could have been changed): "+strings.Join(unsigned, ", "))
		}
		if len(b.NotOverSigned) > 0 {
			v.Notes = append(v.Notes, "not over-signed (another instance could be added above without breaking the signature): "+strings.Join(b.NotOverSigned, ", "))
		}
		return v
	}
	// No valid signature: altered if a key was found and the message
	// does not match, else unverifiable.
	for i := range rep.Signatures {
		r := &rep.Signatures[i]
		keyFound := r.KeyBits > 0 && r.Reason != ReasonKeyTypeMismatch
		switch {
		case keyFound && r.SignatureOK && !r.BodyHashOK:
			// The header signature verifies, so bh= is what the signer
			// hashed: the body provably changed.
			addPart(&v, "body")
			msg := fmt.Sprintf("%s: headers intact, but the body does not match the signed body hash", sigLabel(r))
			if r.Reason == ReasonBodyTooShort {
				msg = fmt.Sprintf("%s: headers intact, but %s: body content was removed", sigLabel(r), r.Detail)
			} else if r.BodyLengthLimited {
				msg = fmt.Sprintf("%s: headers intact, but the first l=%d body bytes do not match the signed body hash", sigLabel(r), r.BodyLength)
			}
			v.Altered = append(v.Altered, msg)
			v.Altered = append(v.Altered, prefixed(r.Hints)...)
		case keyFound && !r.SignatureOK:
			addPart(&v, "headers")
			msg := fmt.Sprintf("%s: the signature does not verify over the signed header fields: one of them or the signature itself was changed (or the published key is not the one that signed)", sigLabel(r))
			v.Altered = append(v.Altered, msg)
			if len(r.ChangedHeaderCandidates) > 0 {
				v.Altered = append(v.Altered, "  a signed field among: "+strings.Join(r.ChangedHeaderCandidates, ", ")+" was changed")
			}
			if r.HeaderCanon == Simple {
				v.Altered = append(v.Altered, "  with c=simple headers, a change of whitespace, folding or name case is enough (mail servers sometimes refold)")
			}
			if r.BodyHashOK {
				v.Altered = append(v.Altered, "  the body matches the signed body hash")
			} else {
				v.Altered = append(v.Altered, "  the body does not match bh= either, but bh= is only trustworthy when the signature verifies: whether the body changed cannot be told")
			}
			v.Altered = append(v.Altered, prefixed(r.Hints)...)
		default:
			v.Reasons = append(v.Reasons, fmt.Sprintf("%s: %s (%s)", sigLabel(r), r.Result, describe(r)))
		}
	}
	if len(v.AlteredParts) > 0 {
		v.Kind = Altered
		v.Summary = "the message does not match what was signed: " + strings.Join(v.AlteredParts, " and ") + " changed"
		return v
	}
	v.Kind = Unverifiable
	if len(rep.Signatures) == 1 && rep.Signatures[0].Result == None {
		v.Summary = "the message carries no DKIM signature: nothing can be proven either way"
		v.Reasons = nil
		return v
	}
	v.Summary = "no signature could be checked: this says nothing about authenticity either way"
	return v
}

func prefixed(h []string) []string {
	out := make([]string, len(h))
	for i, s := range h {
		out[i] = "  " + s
	}
	return out
}

func addPart(v *Verdict, p string) {
	if !slices.Contains(v.AlteredParts, p) {
		v.AlteredParts = append(v.AlteredParts, p)
	}
}

func describe(r *SignatureResult) string {
	switch r.Reason {
	case ReasonKeyNotFound:
		return "no key published or archived for this selector: cannot verify, which is not evidence of forgery"
	case ReasonKeyRevoked:
		return "the key is revoked (empty p=) and no archived copy was given"
	case ReasonKeyTemp:
		return "key lookup failed temporarily: " + r.Detail
	}
	if r.Detail != "" {
		return string(r.Reason) + ": " + r.Detail
	}
	return string(r.Reason)
}

func caveats(rep *Report, b *SignatureResult) []string {
	var c []string
	if b.BodyLengthLimited && b.UnsignedBodyBytes > 0 {
		c = append(c, fmt.Sprintf("l=%d: %d canonical body bytes after the signed length are not covered: anyone could have appended them", b.BodyLength, b.UnsignedBodyBytes))
	}
	for _, u := range b.Uncovered {
		name := strings.Fields(u)[0]
		if slices.Contains(mattersForAuthentic, name) || strings.Contains(u, "#") {
			c = append(c, u+" is not covered by the signature: it may have been added or changed")
		}
	}
	for _, d := range rep.DuplicateSingletons {
		name := strings.Fields(d)[0]
		if !slices.Contains(ImportantHeaders, name) {
			c = append(c, fmt.Sprintf("%s: a field RFC 5322 allows once occurs several times", d))
		}
	}
	if b.MboxUnquoted {
		c = append(c, "verified after undoing mbox \">From \" quoting of body lines (an artefact of mbox storage)")
	}
	if b.WeakHash {
		c = append(c, "rsa-sha1 signature: SHA-1 is broken for collisions (RFC 8301 forbids relying on it)")
	}
	if b.WeakKey {
		c = append(c, fmt.Sprintf("RSA key of %d bits: such keys are factored cheaply, so the signature proves little", b.KeyBits))
	}
	if b.Reason == ReasonKeyHashNotAllowed {
		c = append(c, "the key's h= tag does not allow this signature's hash algorithm: "+b.Detail)
	}
	if b.Expired || b.ExpiredNow {
		if b.ExpiredAtSigning {
			c = append(c, fmt.Sprintf("x= (%s) had already passed at the message's own date", b.ExpiresAt.Format("2006-01-02 15:04Z07:00")))
		} else {
			c = append(c, fmt.Sprintf("x= expired (%s) before the verification time, but the signature was valid at the message's time", b.ExpiresAt.Format("2006-01-02 15:04Z07:00")))
		}
	}
	if b.KeyTesting {
		c = append(c, "the key is in testing mode (t=y)")
	}
	if b.KeySource == "archive" {
		c = append(c, "the key comes from the archive, not from live DNS: the proof rests on the archive's provenance")
	}
	if !b.FromAligned {
		c = append(c, fmt.Sprintf("d=%s does not align with the From domain(s) %s: it proves the message passed through %s, not that the author's domain sent it", b.Domain, strings.Join(b.FromDomains, ", "), b.Domain))
	}
	for i := range rep.Signatures {
		o := &rep.Signatures[i]
		if o.Index == b.Index || o.KeyBits == 0 || o.CryptoValid {
			continue
		}
		what := "the body changed in a way the valid signature's canonicalization tolerates"
		switch {
		case o.OtherKey:
			what = "it was made with another key than the one found for its selector"
		case o.BodyHashOK:
			what = "a header field or that signature changed in a way the valid signature tolerates or does not cover"
		case b.BodyLengthLimited && b.UnsignedBodyBytes > 0:
			what = fmt.Sprintf("%d body bytes were appended after the l=%d signed length of the valid signature", b.UnsignedBodyBytes, b.BodyLength)
		case o.BodyCanon == Simple && b.BodyCanon == Relaxed:
			what = "the body changed only in whitespace (the valid signature's relaxed canonicalization ignores it, the failing one's simple canonicalization does not)"
		}
		c = append(c, fmt.Sprintf("%s fails (%s): %s", sigLabel(o), o.Reason, what))
	}
	return c
}
