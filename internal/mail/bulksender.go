package mail

import (
	"strings"
)

// Legitimate bulk senders — a shop's newsletter, a service's notices —
// look like phishing to wording: offers, deadlines, "sign in to your
// account". What tells them apart is not their words but how they name
// themselves: the organisation in From signs the message with its own
// domain, offers the one-click unsubscribe (RFC 8058) that the big
// mailbox providers require of bulk senders since 2024, on its own
// domain, and sends the reader only to its own sites. A phisher who
// imitates a brand can do none of this for the brand's domain; one who
// mails from a domain of its own is then judged as that domain (look-alike
// checks, links, attachments), not excused.

// identifiedBulkSender reports whether the message is a mailing whose
// sender identifies itself as its From organisation: a DKIM signature of
// that organisation (verified when authentication ran; offline, the
// signature's d= tag), a one-click unsubscribe address on it, at least one
// link to it and no link to an unrelated site. A webmail or free-hosting
// sender never qualifies: its domain is anyone's.
func (a *Analyzer) identifiedBulkSender(x *msg) bool {
	if x.fromReg == "" || freemail[x.fromReg] {
		return false
	}
	if _, free := isFreeHosting(linkInfo{host: x.fromDom}); free {
		return false
	}
	if !a.signedByFromOrg(x) || !oneClickUnsubscribeAt(x, x.fromReg) {
		return false
	}
	if x.foreign > 0 {
		return false
	}
	for _, li := range x.infos {
		if li.reg == x.fromReg && (li.Kind == "a" || li.Kind == "area") {
			return true
		}
	}
	return false
}

// signedByFromOrg reports whether a DKIM signature of the From domain's
// organisation verified. Offline (no authentication ran) nothing is
// believed: a DKIM-Signature field's d= tag is the sender's word, and a
// phisher writes d=paypal.com as easily as From: paypal.com.
func (a *Analyzer) signedByFromOrg(x *msg) bool {
	if x.auth.Source == "" {
		return false
	}
	for _, d := range x.auth.DKIMDomains {
		if registrable(d) == x.fromReg {
			return true
		}
	}
	return false
}

// dkimTag returns the value of tag name in a DKIM-Signature field
// ("v=1; a=rsa-sha256; d=example.com; ..."), folding whitespace removed.
func dkimTag(field, name string) string {
	for _, kv := range strings.Split(field, ";") {
		k, v, ok := strings.Cut(kv, "=")
		if ok && strings.TrimSpace(k) == name {
			return strings.Join(strings.Fields(v), "")
		}
	}
	return ""
}

// oneClickUnsubscribeAt reports whether the message offers RFC 8058
// one-click unsubscribe (List-Unsubscribe-Post: List-Unsubscribe=One-Click)
// with an https address of List-Unsubscribe on the organisation org.
func oneClickUnsubscribeAt(x *msg, org string) bool {
	post := strings.ToLower(strings.Join(strings.Fields(x.m.Header.Get("List-Unsubscribe-Post")), ""))
	if post != "list-unsubscribe=one-click" {
		return false
	}
	for _, part := range strings.Split(x.m.Header.Get("List-Unsubscribe"), ",") {
		u := strings.Trim(strings.TrimSpace(part), "<>")
		rest, ok := strings.CutPrefix(strings.ToLower(u), "https://")
		if !ok {
			continue
		}
		host := rest
		if i := strings.IndexAny(host, "/?#"); i >= 0 {
			host = host[:i]
		}
		if i := strings.LastIndexByte(host, '@'); i >= 0 {
			host = host[i+1:]
		}
		if i := strings.IndexByte(host, ':'); i >= 0 {
			host = host[:i]
		}
		if host != "" && registrable(host) == org {
			return true
		}
	}
	return false
}
