package mail

import (
	"strings"
	"unicode/utf8"

	"github.com/vigie-project/vigie/internal/mime"
)

// Forwarded mail. People forward what worries them, and phishing reaches
// a party through forwards too: the sender then is a colleague, and the
// one who wrote the lure is in the forwarded header block of the body
// ("De: Anna <valdivialopes@...>", "-----Original Message-----"). The
// checks on the sender's name and address are run on that original
// sender as well, and what they find is reported as found in the
// forwarded message.

// forwardMarkers are the separators mail clients write above a forwarded
// or quoted message, between runs of dashes ("-----Original Message-----");
// "begin forwarded message" (Apple Mail) and a line of ten underscores or
// more (Outlook) mark it too.
var forwardMarkers = []string{"original message", "forwarded message", "message d'origine", "message transféré",
	"mensagem original", "mensagem encaminhada", "ursprüngliche nachricht", "weitergeleitete nachricht",
	"oorspronkelijk bericht", "doorgestuurd bericht", "messaggio originale", "mensaje original"}

// forwardFromWords are the words for "From" of a forwarded header block.
var forwardFromWords = []string{"from", "de", "von", "van", "da", "od", "från", "fra"}

// forwardedSender returns the sender of the message forwarded in body, if
// the message is a forward: a forward subject or marker, then a From line
// of the forwarded header block within the first 64 KB. Both are found by
// scanning bytes (a regular expression of a dozen case-insensitive
// alternatives cost a quarter of the analysis of a short message).
func forwardedSender(subject, body string) (mime.Address, bool) {
	if len(body) > 64<<10 {
		body = body[:64<<10]
	}
	start := 0
	if end := forwardMarkerEnd(body); end >= 0 {
		start = end
	} else if !forwardSubject().MatchString(subject) {
		return mime.Address{}, false
	}
	v, ok := forwardFromLine(body[start:])
	if !ok {
		return mime.Address{}, false
	}
	v = strings.TrimSpace(v)
	// Outlook writes "Name [mailto:addr]"
	v = outlookMailto.Replace(v)
	l := mime.ParseAddressList(v)
	if len(l) == 0 || !strings.Contains(l[0].Addr, "@") {
		return mime.Address{}, false
	}
	return l[0], true
}

// forwardMarkerEnd returns the end of the first forward marker in body, or
// -1: two dashes or more, blanks, a marker phrase, blanks, two dashes or
// more; "begin forwarded message"; or ten underscores or more.
func forwardMarkerEnd(body string) int {
	for i := 0; i < len(body); i++ {
		switch c := body[i]; c {
		case '-', '_':
			j := i
			for j < len(body) && body[j] == c {
				j++
			}
			n := j - i
			if c == '_' {
				if n >= 10 {
					return j
				}
			} else if n >= 2 {
				if end := dashedMarkerEnd(body[j:]); end >= 0 {
					return j + end
				}
			}
			i = j - 1
		case 'b', 'B':
			if n := foldPrefix(body[i:], "begin forwarded message"); n > 0 {
				return i + n
			}
		}
	}
	return -1
}

// dashedMarkerEnd matches, after a run of dashes, blanks, a marker phrase,
// blanks and two dashes or more; it returns the end of the closing dashes
// in s, or -1.
func dashedMarkerEnd(s string) int {
	k := 0
	for k < len(s) && isSpace(s[k]) {
		k++
	}
	for _, m := range forwardMarkers {
		n := foldPrefix(s[k:], m)
		if n < 0 {
			continue
		}
		e := k + n
		for e < len(s) && isSpace(s[e]) {
			e++
		}
		d := e
		for d < len(s) && s[d] == '-' {
			d++
		}
		if d-e >= 2 {
			return d
		}
	}
	return -1
}

// forwardFromLine finds the first line of s that reads "From: ..." (or its
// translation), after optional quote marks, blanks and stars, and returns
// what follows the colon: 3 to 300 characters.
func forwardFromLine(s string) (string, bool) {
	for len(s) > 0 {
		line := s
		if nl := strings.IndexByte(s, '\n'); nl >= 0 {
			line, s = s[:nl], s[nl+1:]
		} else {
			s = ""
		}
		if v, ok := fromLineValue(line); ok {
			return v, true
		}
	}
	return "", false
}

func fromLineValue(line string) (string, bool) {
	i := 0
	for i < len(line) && (line[i] == ' ' || line[i] == '\t' || line[i] == '>' || line[i] == '*') {
		i++
	}
	for _, w := range forwardFromWords {
		n := foldPrefix(line[i:], w)
		if n < 0 {
			continue
		}
		j := i + n
		for j < len(line) && (line[j] == ' ' || line[j] == '\t' || line[j] == '*') {
			j++
		}
		if j >= len(line) || line[j] != ':' {
			continue
		}
		rest := line[j+1:]
		p := 0
		for p < len(rest) && (rest[p] == ' ' || rest[p] == '\t' || rest[p] == '*') {
			p++
		}
		// the value is 3 to 300 characters; blanks and stars after the
		// colon count when the text alone is shorter than 3
		c := utf8.RuneCountInString(rest[p:])
		switch {
		case c > 300:
			continue
		case c >= 3:
			return rest[p:], true
		case p >= 3-c:
			return rest[p-(3-c):], true
		}
	}
	return "", false
}

// checkForwarded runs the sender checks on the original sender of a
// forwarded message.
func (a *Analyzer) checkForwarded(x *msg) {
	orig, ok := x.forwarded()
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
	if !forwardSubject().MatchString(x.subject) {
		return false
	}
	_, ok := x.forwarded()
	return ok
}

// forwarded is forwardedSender of the message, computed once.
func (x *msg) forwarded() (mime.Address, bool) {
	if !x.fwdDone {
		x.fwd, x.fwdOK = forwardedSender(x.subject, x.body.String())
		x.fwdDone = true
	}
	return x.fwd, x.fwdOK
}

// outlookMailto turns Outlook's "Name [mailto:addr]" into "Name <addr>".
var outlookMailto = strings.NewReplacer("[mailto:", "<", "]", ">")
