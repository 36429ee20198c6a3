package mail

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/vigie-project/vigie/internal/mime"
)

// Bulk scams and fraud: most phishing that reaches people carries no
// look-alike domain, no brand name and no credential page. It is a bulk
// lure — a prize, points to redeem, a pill, a date, a loan — sent from a
// throw-away domain or a webmail account to links on yet another domain.
// No single property of such mail is proof; each check below is a weak,
// independent signal with a small score, and the verdict comes from
// several of them agreeing.

// checkBulk runs the weak signals of bulk scams. It reads what
// checkLinks, checkContent and checkHeaders found, so it runs after them.
func (a *Analyzer) checkBulk(x *msg) {
	a.checkRandomSender(x)
	a.checkRecipients(x)
	a.checkNameDomain(x)
	a.checkLinkObfuscation(x)
	a.checkFreemailMoney(x)
	a.checkCallToAction(x)
	a.checkReturnPath(x)
}

// checkRandomSender flags a sender address whose user part is a random
// string ("VaauWgVZ@", "renew_AHRKqwPiCXF@"): bulk tools make one per
// message so that filters cannot learn it; people and services choose
// readable names.
func (a *Analyzer) checkRandomSender(x *msg) {
	at := strings.LastIndexByte(x.from.Addr, '@')
	if at <= 0 {
		return
	}
	if tok := randomLocal(x.from.Addr[:at]); tok != "" {
		x.res.add(Reason{Check: "sender-random", Category: CatHeaders, Score: 1.5,
			Evidence: []evidence{ev("From", x.from.Addr, "random part "+tok)},
			Text:     fmt.Sprintf("The sender's address (%s) is made of random letters, the way bulk-mailing tools make a new address for each message.", x.from.Addr)})
	}
}

// randomLocal returns the random-looking segment of an address's user
// part, or "". A segment of six letters or more without a vowel
// ("Qsfxjtwk", "FXNQXC") is random in every language the lures use. The user part is split on . _ - +; addresses with more
// than two segments are bounce addresses of mailing software (VERP), whose
// random codes are not chosen to deceive. A segment is random when it
// mixes case in a way words do not: two or more letter groups of one or
// two letters ("Wg", "Kk", "q") between other groups, as in "QKkCpXCMd";
// CamelCase words ("NewsLetter", "DoNotReply") have long groups.
func randomLocal(local string) string {
	segs := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' || r == '-' || r == '+' })
	if len(segs) == 0 || len(segs) > 2 {
		return ""
	}
	for _, s := range segs {
		if len(s) < 5 || len(s) > 40 {
			continue
		}
		if noVowels(s) {
			return s
		}
		var lo, up bool
		ok := true
		for _, c := range s {
			switch {
			case c >= 'a' && c <= 'z':
				lo = true
			case c >= 'A' && c <= 'Z':
				up = true
			case c >= '0' && c <= '9':
			default:
				ok = false
			}
		}
		if !ok || !lo || !up {
			continue
		}
		if short := shortHumps(s); short >= 2 {
			return s
		}
	}
	return ""
}

// shortHumps splits an ASCII word into CamelCase groups (an upper-case
// letter with the lower-case ones after it, a run of lower-case letters, a
// run of capitals, a run of digits) and counts the odd ones: letter groups
// of one or two letters, runs of capitals glued to a lower-case letter
// ("AHRKqw"), and runs of capitals right after an odd group ("WgVZ"). A
// trailing acronym after a word ("JohnDoeUK") is not odd.
func shortHumps(s string) int {
	n := 0
	prevOdd := false
	i := 0
	for i < len(s) {
		j := i + 1
		c := s[i]
		odd := false
		switch {
		case c >= '0' && c <= '9':
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
		case c >= 'a' && c <= 'z':
			for j < len(s) && s[j] >= 'a' && s[j] <= 'z' {
				j++
			}
			odd = j-i <= 2
		default: // capital
			if j < len(s) && s[j] >= 'A' && s[j] <= 'Z' {
				// a run of capitals; its last one starts the next
				// group when lower case follows ("XCMd" is "XC", "Md")
				for j < len(s) && s[j] >= 'A' && s[j] <= 'Z' {
					j++
				}
				if j < len(s) && s[j] >= 'a' && s[j] <= 'z' {
					j--
					odd = true
				} else {
					odd = prevOdd
				}
			} else {
				for j < len(s) && s[j] >= 'a' && s[j] <= 'z' {
					j++
				}
				odd = j-i <= 2
			}
		}
		if odd {
			n++
		}
		prevOdd = odd
		i = j
	}
	return n
}

// checkRecipients flags mail sent to hidden recipients: the To line says
// "undisclosed recipients" or is an empty group, so each reader believes
// the message is for them alone while it went to a list bought in bulk.
func (a *Analyzer) checkRecipients(x *msg) {
	to := strings.ToLower(x.m.Header.Get("To"))
	if to == "" {
		return
	}
	undisclosed := strings.Contains(to, "undisclosed") || strings.Contains(to, "destinataires inconnus") ||
		strings.Contains(to, "destinatários ocultos") || strings.Contains(to, "destinatarios ocultos") || strings.Contains(to, "nicht offengelegt")
	if !undisclosed {
		// "list:;" — a group with nobody in it
		if i := strings.IndexByte(to, ':'); i > 0 && strings.HasSuffix(strings.TrimSpace(to), ";") && strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(to[i+1:]), ";")) == "" {
			undisclosed = true
		}
	}
	if undisclosed {
		x.res.add(Reason{Check: "undisclosed-recipients", Category: CatHeaders, Score: 1,
			Evidence: []evidence{ev("To", x.m.Header.Get("To"), "")},
			Text:     "The message hides its recipients (\"undisclosed recipients\"): it was sent to many people at once, though it reads as if written to you."})
	}
}

// checkNameDomain flags a display name that is the web address of a
// protected brand ("Amazon.de <renew@staroflife.de>"): the reader sees a
// famous domain, the mail comes from an unrelated one.
func (a *Analyzer) checkNameDomain(x *msg) {
	if x.fromReg == "" || x.res.has("display-name-address") {
		return
	}
	for _, f := range strings.FieldsFunc(strings.ToLower(x.from.Name), func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(`<>"'()[]|,:;!`, r)
	}) {
		f = strings.Trim(f, ".-")
		if strings.Contains(f, "@") || strings.Count(f, ".") == 0 || len(f) > 100 {
			continue
		}
		m := hostInText().FindStringSubmatch(f)
		if m == nil || !knownSuffix(m[1]) {
			continue
		}
		d := registrable(m[1])
		if d == "" || d == x.fromReg || strings.Contains(x.fromReg, strings.TrimSuffix(d, "."+tldOf(d))) {
			continue
		}
		// companies send from other domains of their own ("CNET News.com"
		// from online.com); only a protected brand's site is claimed
		owner, own := a.det.Owned(d)
		if !own || a.ownedBy(x.fromDom, owner) {
			continue
		}
		x.res.add(Reason{Check: "sender-name-domain", Category: CatImpersonation, Score: 3.5,
			Evidence: []evidence{ev("From", x.res.From, "")},
			Text:     fmt.Sprintf("The sender's name shows the site %s, but the message comes from %s, which has nothing to do with it.", m[1], x.fromDom)})
		return
	}
}

// checkLinkObfuscation flags links built to hide where they go: a user
// name before the host ("https://paypal.com@evil.example/"), a host
// written with %-escapes, a host of many labels or a very long random
// label. (Redirect parameters are not counted: newsletters' click
// trackers and mail gateways' link rewriting carry them too.)
func (a *Analyzer) checkLinkObfuscation(x *msg) {
	seen := map[string]bool{}
	for _, li := range x.infos {
		if li.u == nil || seen[li.Href] {
			continue
		}
		seen[li.Href] = true
		if len(seen) > 300 {
			break
		}
		var why string
		s := 2.0
		raw := li.Href
		if i := strings.Index(raw, "://"); i >= 0 {
			auth := raw[i+3:]
			if j := strings.IndexAny(auth, "/?#"); j >= 0 {
				auth = auth[:j]
			}
			switch {
			case strings.Contains(auth, "@") && strings.Contains(auth[:strings.LastIndexByte(auth, '@')], "."):
				why = fmt.Sprintf("puts a web address before an @ (%s), so the reader sees one site while the browser goes to %s", shorten(auth, 80), li.host)
				s = 3
			case strings.Contains(auth, "%"):
				why = "writes its host with %-escapes, so that it cannot be read"
			}
		}
		if why == "" && !li.ip {
			labels := strings.Split(li.host, ".")
			if _, own := a.det.Owned(li.host); !own && len(labels) >= 6 {
				why = fmt.Sprintf("goes to a host of %d parts (%s), piling up sub-domains so that the real domain is lost at the end", len(labels), shorten(li.host, 80))
				s = 1.5
			}
			for _, l := range labels {
				if why == "" && len(l) >= 30 && !strings.HasPrefix(l, "xn--") && digitsAndLetters(l) {
					why = fmt.Sprintf("goes to a host with a long random name (%s)", shorten(l, 64))
					s = 1.5
				}
			}
		}
		if why != "" {
			x.res.add(Reason{Check: "link-obfuscated", Category: CatLinks, Score: s,
				Evidence: []evidence{ev("link", li.Href, "")},
				Text:     "A link " + why + "."})
		}
	}
}

func digitsAndLetters(s string) bool {
	var d, l int
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			d++
		case c >= 'a' && c <= 'z':
			l++
		}
	}
	return d >= 3 && l >= 3
}

// checkFreemailMoney flags money talk from a free webmail account under a
// name that has nothing to do with the address: "Mr. Raymond Leo
// <kate102benjamin@gmail.com>" offering funds. Banks, lotteries and
// lawyers do not write from webmail.
func (a *Analyzer) checkFreemailMoney(x *msg) {
	if !freemail[x.fromReg] {
		return
	}
	if x.wordingScore() < 2.5 {
		return
	}
	name := strings.ToLower(strings.TrimSpace(x.from.Name))
	at := strings.LastIndexByte(x.from.Addr, '@')
	local := ""
	if at > 0 {
		local = strings.ToLower(x.from.Addr[:at])
	}
	stranger := name != ""
	for _, t := range tokenize(name, 20) {
		if len(t) >= 3 && (strings.Contains(local, t) || strings.Contains(local, foldASCII(t))) {
			stranger = false
		}
	}
	s := 1.0
	text := fmt.Sprintf("The message talks money but comes from a free webmail account (%s), which banks, lotteries and lawyers do not use.", x.from.Addr)
	if honorific(x.from.Name) {
		s = 2
		text = fmt.Sprintf("The message talks money, from a free webmail account (%s) under a title (%q), the way advance-fee fraudsters sign.", x.from.Addr, x.from.Name)
	} else if stranger {
		s = 2
		text = fmt.Sprintf("The message talks money, from a free webmail account (%s) whose address has nothing to do with the sender's name (%q).", x.from.Addr, x.from.Name)
	}
	x.res.add(Reason{Check: "freemail-money", Category: CatHeaders, Score: s,
		Evidence: []evidence{ev("From", x.res.From, "")}, Text: text})
}

// honorific matches a display name opening with a title ("Mr.", "Mrs",
// "Barrister", "Dr"), as advance-fee fraudsters sign.
func honorific(name string) bool {
	t := tokenize(name, 3)
	if len(t) < 2 {
		return false
	}
	switch t[0] {
	case "mr", "mrs", "ms", "miss", "dr", "barrister", "barr", "prince", "princess", "sir", "madam", "engr", "rev", "capt", "gen", "hon", "chief":
		return true
	}
	return false
}

// checkReturnPath flags money or account talk from a message whose
// bounce address (Return-Path) belongs to another organisation than the
// From address: the visible sender is borrowed. Mailing services bounce
// to their own domains too, so it only counts beside the wording.
func (a *Analyzer) checkReturnPath(x *msg) {
	if x.fromReg == "" || x.wordingScore() < 2.5 {
		return
	}
	rp := x.m.Header.Get("Return-Path")
	if x.env != nil && x.env.MailFrom != "" {
		rp = x.env.MailFrom
	}
	l := mime.ParseAddressList(rp)
	if len(l) == 0 {
		return
	}
	d := domainOf(l[0].Addr)
	if d == "" || !strings.Contains(d, ".") || orgOf(registrable(d)) == orgOf(x.fromReg) {
		return
	}
	x.res.add(Reason{Check: "return-path-mismatch", Category: CatHeaders, Score: 1,
		Evidence: []evidence{ev("Return-Path", l[0].Addr, ""), ev("From", x.from.Addr, "")},
		Text:     fmt.Sprintf("The message talks money or accounts, and its bounces go to %s, another organisation than the sender %s.", registrable(d), x.fromReg)})
}

// wordingScore sums the points of the money, offer and account wording
// found in the message: 2.5 and more means two families at least, where
// one alone ("kindly", "congratulations", "verify") is ordinary.
func (x *msg) wordingScore() float64 {
	var s float64
	for _, r := range x.res.Reasons {
		switch r.Check {
		case "fraud-wording", "scam-offer", "credential-wording":
			s += r.Score
		}
	}
	return s
}

// orgOf reduces a registrable domain to its name without the ending, so
// that "brand.de" and "brand.com" count as one organisation.
func orgOf(reg string) string {
	if i := strings.IndexByte(reg, '.'); i > 0 {
		return reg[:i]
	}
	return reg
}

// ctaWords are the words of a button or link that asks the reader to
// claim, redeem, win or act now, in the languages of the lures. A bare
// "click here" is not among them: newsletters use it as much as scams.
var ctaWords = mustPhrases(
	`claim|redeem|get (it|yours|started|my|your|access|offer)|order now|buy now|shop now|apply now|start now|join now|sign up now|download now|open now|unlock|activate|confirm (now|here|my)|check (eligibility|now)|watch now|try (it|now)|submit claim|play now|` +
		`resgat|acesse aqui|acessar (sua|seu|site|portal)|confira|ver oferta|quero|participe|aproveite|regularizar|` +
		`réclamer|profitez|j'en profite|je confirme|voir l'offre|` +
		`jetzt|einlösen|anfordern|zum angebot|teilnehmen|sichern|gewinnen|mitmachen|` +
		`reclam|canjea|obtener|` +
		`ontvang|aanvragen|doe mee|ik doe mee`,
)

// checkCallToAction flags a message whose only business is to get the
// reader to click an offer button leading to a site that is neither the
// sender's nor any brand's, in a message with no unsubscribe header.
func (a *Analyzer) checkCallToAction(x *msg) {
	if x.foreign == 0 || x.m.Header.Get("List-Unsubscribe") != "" {
		return
	}
	for _, li := range x.infos {
		if li.Kind != "a" && li.Kind != "area" {
			continue
		}
		if li.reg == x.fromReg {
			continue
		}
		if _, own := a.det.Owned(li.host); own {
			continue
		}
		t := strings.TrimSpace(li.Text)
		if t == "" || len(t) > 60 {
			continue
		}
		if f, _ := ctaWords.match(tokenize(t, 12)); f != 0 {
			x.res.add(Reason{Check: "call-to-action", Category: CatLinks, Score: 1.5,
				Evidence: []evidence{ev("link", li.Href, "shown as "+shorten(t, 60))}, Text: fmt.Sprintf("A button (%q) pushes you to %s, a site unrelated to the sender %s.", shorten(t, 60), li.host, orNone(x.fromDom))})
			return
		}
	}
}

// invisibleInHeader counts the invisible format characters (zero-width
// spaces, soft hyphens, word joiners, Unicode tags and variation
// selectors outside emoji) in a sender name or subject: "M\u200bicrosoft"
// reads as Microsoft but matches no filter.
func invisibleInHeader(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case r == 0x200B || r == 0x200C || r == 0x2060 || r == 0x00AD || r == 0xFEFF || r == 0x180E || r == 0x2061 || r == 0x2062 || r == 0x2063 || r == 0x2064:
			n++
		case r >= 0xE0000 && r <= 0xE007F: // tags
			n++
		case r >= 0xE0100 && r <= 0xE01EF: // variation selectors supplement
			n++
		}
	}
	return n
}

// noVowels reports whether s is six ASCII letters or more, none of them a
// vowel (y counts as one).
func noVowels(s string) bool {
	if len(s) < 6 {
		return false
	}
	for _, c := range strings.ToLower(s) {
		if c < 'a' || c > 'z' || strings.ContainsRune("aeiouy", c) {
			return false
		}
	}
	return true
}
