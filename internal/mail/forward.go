package mail

import (
	"regexp"
	"strings"

	"github.com/vigie-project/vigie/internal/mime"
)

// Forwarded mail. People forward what worries them, and phishing reaches
// a party through forwards too: the sender then is a colleague, and the
// one who wrote the lure is in the forwarded header block of the body
// ("De: Anna <valdivialopes@...>", "-----Original Message-----"). The
// checks on the sender's name and address are run on that original
// sender as well, and what they find is reported as found in the
// forwarded message.

var (
	forwardMarker = regexp.MustCompile(`(?i)(-{2,}\s*(original message|forwarded message|message d'origine|message transféré|mensagem original|mensagem encaminhada|ursprüngliche nachricht|weitergeleitete nachricht|oorspronkelijk bericht|doorgestuurd bericht|messaggio originale|mensaje original)\s*-{2,}|begin forwarded message|_{10,})`)
	forwardFrom   = regexp.MustCompile(`(?im)^[ \t>*]*(from|de|von|van|da|od|från|fra)[ \t*]*:[ \t*]*(.{3,300})$`)
)

// forwardedSender returns the sender of the message forwarded in body, if
// the message is a forward: a forward subject or marker, then a From line
// of the forwarded header block within the first 64 KB.
func forwardedSender(subject, body string) (mime.Address, bool) {
	if len(body) > 64<<10 {
		body = body[:64<<10]
	}
	start := 0
	if m := forwardMarker.FindStringIndex(body); m != nil {
		start = m[1]
	} else if !forwardSubject.MatchString(subject) {
		return mime.Address{}, false
	}
	m := forwardFrom.FindStringSubmatch(body[start:])
	if m == nil {
		return mime.Address{}, false
	}
	v := strings.TrimSpace(m[2])
	// Outlook writes "Name [mailto:addr]"
	v = strings.NewReplacer("[mailto:", "<", "]", ">").Replace(v)
	l := mime.ParseAddressList(v)
	if len(l) == 0 || !strings.Contains(l[0].Addr, "@") {
		return mime.Address{}, false
	}
	return l[0], true
}

// checkForwarded runs the sender checks on the original sender of a
// forwarded message.
func (a *Analyzer) checkForwarded(x *msg) {
	orig, ok := forwardedSender(x.subject, x.body.String())
	if !ok || strings.EqualFold(orig.Addr, x.from.Addr) {
		return
	}
	y := *x
	y.res = &Result{}
	y.from = orig
	y.fromDom = orig.Domain()
	y.fromReg = registrable(y.fromDom)
	y.fromSplit = false
	a.checkSender(&y)
	a.checkImpersonation(&y)
	a.checkGovernment(&y)
	a.checkRandomSender(&y)
	if freemail[y.fromReg] && honorific(orig.Name) {
		y.res.add(Reason{Check: "titled-webmail-sender", Category: CatImpersonation, Score: 1.5,
			Text: "The sender titles itself but writes from a personal webmail account, a habit of advance-fee fraud letters."})
	}
	for _, r := range y.res.Reasons {
		r.Check = "forwarded-" + r.Check
		r.Text = "In the forwarded message: " + r.Text
		r.Evidence = append([]evidence{ev("forwarded From", strings.TrimSpace(orig.Name+" <"+orig.Addr+">"), "")}, r.Evidence...)
		x.res.add(r)
	}
}

// forwardsMessage reports whether the message is a forward carrying the
// forwarded message in its body (forwards have no In-Reply-To: the
// subject's "Fwd:" is then honest).
func (x *msg) forwardsMessage() bool {
	if !forwardSubject.MatchString(x.subject) {
		return false
	}
	_, ok := forwardedSender(x.subject, x.body.String())
	return ok
}
