package mail

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/vigie-project/vigie/internal/mime"
)

// Traits of advance-fee fraud and of bulk scam senders that are not in the
// wording: where replies go, how the sender presents itself, and an
// envelope no real mail server would write.

func (a *Analyzer) checkScamTraits(x *msg) {
	h := x.m.Header
	// Reply-To another webmail mailbox than the sender's own: the reply
	// goes to the fraudster's real account, the From was a throwaway.
	if freemail[x.fromReg] {
		for _, r := range mime.ParseAddressList(h.Get("Reply-To")) {
			rd := registrable(domainOf(r.Addr))
			if !freemail[rd] || rd != x.fromReg || strings.EqualFold(r.Addr, x.from.Addr) {
				continue
			}
			x.res.add(Reason{Check: "reply-to-other-mailbox", Category: CatHeaders, Score: 2.5,
				Evidence: []evidence{ev("Reply-To", r.Addr, ""), ev("From", x.from.Addr, "")},
				Text:     fmt.Sprintf("The message comes from one webmail account (%s) but asks for replies at another (%s), the way advance-fee fraudsters keep their real mailbox out of filters.", x.from.Addr, r.Addr)})
			break
		}
	}
	// A titled name on a webmail account.
	if freemail[x.fromReg] {
		// "Mr. Raymond Leo", "Barrister James": people who write from a
		// personal webmail account seldom title themselves.
		if honorific(x.from.Name) {
			x.res.add(Reason{Check: "titled-webmail-sender", Category: CatImpersonation, Score: 1.5,
				Evidence: []evidence{ev("From", x.res.From, "")},
				Text:     fmt.Sprintf("The sender titles itself (%q) but writes from a personal webmail account, a habit of advance-fee fraud letters.", x.from.Name)})
		}
	}
	// An envelope sender no mail server on the Internet could use: no
	// domain, a local host name, a character no domain can hold.
	// (in the milter, the envelope is known before any Return-Path is added)
	rp := h.Get("Return-Path")
	if x.env != nil && x.env.MailFrom != "" {
		rp = x.env.MailFrom
	}
	if rp = strings.Trim(strings.TrimSpace(rp), "<>"); rp != "" {
		if bad := badMailbox(rp); bad != "" {
			x.res.add(Reason{Check: "envelope-invalid", Category: CatHeaders, Score: 2,
				Evidence: []evidence{ev("Return-Path", rp, bad)},
				Text:     fmt.Sprintf("The envelope sender %s is not a working Internet address (%s): the message was pushed out by a script or a hijacked server, not sent by a real mail system.", rp, bad)})
		}
	}
	if x.from.Addr != "" {
		if bad := badMailbox(x.from.Addr); bad != "" && !x.res.has("malformed-from") {
			x.res.add(Reason{Check: "envelope-invalid", Category: CatHeaders, Score: 2,
				Evidence: []evidence{ev("From", x.from.Addr, bad)},
				Text:     fmt.Sprintf("The sender address %s is not a working Internet address (%s).", x.from.Addr, bad)})
		}
	}
}

// badMailbox says what makes addr unusable on the Internet, or "".
func badMailbox(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return ""
	}
	d := strings.ToLower(strings.TrimSuffix(addr[at+1:], "."))
	if d == "" {
		return "no domain"
	}
	if strings.HasPrefix(d, "[") {
		return "" // address literal
	}
	if !strings.Contains(d, ".") {
		return "a local host name, not a domain"
	}
	for _, r := range d {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r > 0x7f) {
			return fmt.Sprintf("the character %q in the domain", r)
		}
	}
	tld := d[strings.LastIndexByte(d, '.')+1:]
	for _, r := range tld {
		if r >= '0' && r <= '9' || r == '-' {
			return "a domain with no real ending (." + tld + ")"
		}
	}
	return ""
}

// lureChecks find an offer or a demand in the text; anonymousChecks find
// a sender that hides who it is, mails in bulk without the means to stop
// it, or hides its words from filters.
var (
	lureChecks      = setOf("scam-offer", "fraud-wording", "credential-wording", "urgency", "call-to-action")
	anonymousChecks = setOf("bulk-no-unsubscribe", "sender-random", "reply-to-other-mailbox", "undisclosed-recipients",
		"envelope-invalid", "freemail-money", "sender-name-mismatch", "sender-cheap-tld", "sender-free-hosting",
		"emoji-sender", "malformed-from", "no-sender-address", "random-token", "titled-webmail-sender", "recipient-in-subject",
		"hidden-text", "image-only", "reply-elsewhere", "link-compromised-site", "link-shortener", "link-free-hosting", "link-cheap-tld", "obfuscated-text", "mixed-script",
		"impersonation-authority", "forwarded-sender-name-mismatch", "forwarded-sender-random", "forwarded-emoji-sender",
		"forwarded-titled-webmail-sender", "forwarded-sender-cheap-tld", "forwarded-sender-free-hosting", "forwarded-impersonation-authority")
)

// checkCombined scores combinations higher than their parts. A lure and
// an anonymous sender: either alone is common in honest mail (a shop's
// offer, a mailing list's Reply-To), together they are how scams are sent.
// Two or more independent marks of a throwaway bulk sender: each has its
// honest explanation, several at once rarely do. It runs after the checks
// it combines.
func (a *Analyzer) checkCombined(x *msg) {
	var lure, anon, anonLure []string
	for _, r := range x.res.Reasons {
		switch {
		case lureChecks[r.Check]:
			lure = append(lure, r.Check)
		case anonymousChecks[r.Check], r.Check == "reply-to-mismatch" && r.Score > 1:
			anon = append(anon, r.Check)
		}
	}
	// a message "from" its own recipient: sextortion and fake-invoice
	// scams forge the victim's address to look like an insider. People do
	// write notes to themselves, so it counts only beside heavy wording
	// (two families or more), never alone.
	if x.wordingScore() >= 2.5 && selfAddressed(x) {
		anonLure = append(anonLure, "sent-to-itself")
	}
	// a Reply-To elsewhere is how notifications of the providers work
	// (Google Docs replies go to the sharer) and how the party's own
	// services may write: a partner of the lure only on other senders
	if x.res.has("reply-to-mismatch") && !a.ownOrAuthenticated(x) {
		anonLure = append(anonLure, "reply-to-mismatch")
	}
	if len(lure) > 0 && (len(anon) > 0 || len(anonLure) > 0 || x.res.has("return-path-mismatch")) && !a.shopOfferFromBusiness(x, lure, anon, anonLure) {
		evs := []evidence{ev("lure", strings.Join(lure, ", "), "")}
		if m := append(append([]string{}, anon...), anonLure...); len(m) > 0 {
			evs = append(evs, ev("sender", strings.Join(m, ", "), ""))
		}
		x.res.add(Reason{Check: "lure-from-anonymous-sender", Category: CatContent, Score: 2, Evidence: evs,
			Text: "The message makes an offer or a demand, and its sender hides who it is: the two together are how scams are sent."})
	}
	if len(anon) >= 2 {
		x.res.add(Reason{Check: "throwaway-sender", Category: CatHeaders, Score: 1.5,
			Evidence: []evidence{ev("marks", strings.Join(anon, ", "), "")},
			Text:     "Several independent marks of a throwaway bulk sender appear together; each can have an honest explanation, all of them at once rarely do."})
	}
}

// shopOfferFromBusiness reports whether the only lure is one shop's kind
// of offer (a limited-time sale, or "save up to") and the only sign of a
// hiding sender is where replies or bounces go — another ordinary domain,
// a help desk or a mailing provider: that is how businesses send their
// offers, not how scammers hide. A personal webmail sender or replies to
// a webmail account, money-fraud, dating, pill or casino wording, or any
// look-alike or other mark of a throwaway sender, and it is not. The
// sender must be proven (DMARC pass, or a verified DKIM signature of the
// From organisation): anyone can write a shop's From and a help desk's
// Reply-To, and an unproven From is the scammer's word.
func (a *Analyzer) shopOfferFromBusiness(x *msg, lure, anon, anonLure []string) bool {
	if len(anon) > 0 || len(lure) != 1 || lure[0] != "scam-offer" || freemail[x.fromReg] {
		return false
	}
	if x.auth.DMARC != "pass" && !a.signedByFromOrg(x) {
		return false
	}
	for _, m := range anonLure {
		if m != "reply-to-mismatch" {
			return false
		}
	}
	for _, r := range mime.ParseAddressList(x.m.Header.Get("Reply-To")) {
		if freemail[registrable(domainOf(r.Addr))] {
			return false
		}
	}
	for _, r := range x.res.Reasons {
		if r.Category == CatLookalike {
			return false
		}
	}
	// one family of shop offers, not a sale of loans and giveaways at once
	fams, _ := spamWords.match(x.words)
	return fams != 0 && fams&^shopOfferFamilies == 0 && fams&(fams-1) == 0
}

// shopOfferFamilies are the families of spamWords that businesses use
// too: giveaways and limited-time offers (the fifth), loans, insurance and
// "save up to" (the sixth).
const shopOfferFamilies = 1<<4 | 1<<5

// governmentNames are the authorities lures pose as: tax offices, courts,
// police, social security, vehicle registries, in the languages of the
// lures. Matched against the sender's display name.
var governmentNames = mustPhrases(
	`government|gouvernement|governo#|gobierno#|regierung|federal (court|government|agency|police|tax|revenue)|ministry|ministère|ministério|ministerio|bundesministerium|receita federal|irpf|internal revenue|irs#|hmrc|tax (office|authority|department|administration)|impôts|impots|finances publiques|dgfip|fazenda|detran|prefeitura|gov br|gov-br|govbr|bundesamt|bundeszentralamt|bundespolizei|finanzamt|belastingdienst|politie|police|polícia|policía|polizei|gendarmerie|tribunal|court (system|of|notice)|justice department|department of justice|social security|assurance maladie|ameli#|urssaf|inss#|douane|customs (office|department|service)|zoll#|aduana|alfândega`,
)

// governmentDomain reports whether host belongs to a public authority:
// the government endings (.gov, .gouv.fr, .gov.br, .gob.mx, .bund.de ...)
// and a few authorities with ordinary domains.
func governmentDomain(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for _, suf := range []string{".gov", ".mil", ".europa.eu", ".admin.ch", ".bund.de", ".gv.at", ".gc.ca", ".govt.nz", ".overheid.nl", ".rijksoverheid.nl", ".belastingdienst.nl", ".service-public.fr", ".ameli.fr", ".urssaf.fr", ".douane.gouv.fr", ".fgov.be", ".belgium.be", ".gub.uy"} {
		if strings.HasSuffix("."+host, suf) {
			return true
		}
	}
	labels := strings.Split(host, ".")
	for _, l := range labels[max(0, len(labels)-3):max(0, len(labels)-1)] {
		switch l {
		case "gov", "gouv", "gob", "go", "govt", "gv", "government", "jus", "mil":
			return true
		}
	}
	return false
}

// checkGovernment flags a display name that claims a public authority on
// a sender that is not one. Authorities write from their own domains; tax
// refunds, unpaid fines and court notices from elsewhere are lures.
func (a *Analyzer) checkGovernment(x *msg) {
	if x.from.Name == "" || x.res.has("impersonation") {
		return
	}
	if f, _ := governmentNames.match(tokenize(x.from.Name, 50)); f == 0 || governmentDomain(x.fromDom) {
		return
	}
	x.res.add(Reason{Check: "impersonation-authority", Category: CatImpersonation, Score: 5,
		Evidence: []evidence{ev("From", x.res.From, "")},
		Text:     fmt.Sprintf("The sender calls itself %q, a public authority, but writes from %s, which is not a government address. Tax offices, courts and police write from their own domains.", x.from.Name, orNone(x.fromDom))})
}

// replyElsewhere finds a request to write to another address, in the
// languages of the lures: "reply me to jane84@gmail.com", "Write at ...",
// "contactez-moi sur ...".
var replyElsewhere = lazyRegexp(`(?i)\b(reply|write|contact|email|e-mail|respond|reach|whatsapp|écrivez|ecrivez|contactez|répondez|escreva|responda|entre em contato|schreiben sie|schreib|kontaktieren|antworten sie|escríbeme|escribe|contacta)\b(?: me| moi| mir| us)?(?: back)?(?: to| at| on| via| sur| à| a| an| para| em)?:?[ \t(<]{0,3}([\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,5})`)

// checkReplyElsewhere flags a text that asks for replies at a personal
// webmail address other than the sender's: the sender address was a
// throwaway or a hijacked account, the fraudster reads the other one.
func (a *Analyzer) checkReplyElsewhere(x *msg) {
	body := x.body.String()
	if len(body) > 256<<10 {
		body = body[:256<<10]
	}
	own := map[string]bool{strings.ToLower(x.from.Addr): true}
	// the sender's other addresses, and the recipients' own (a receipt
	// that repeats "E-mail: you@example.com" asks for nothing)
	for _, f := range []string{"Reply-To", "To", "Cc"} {
		for _, r := range mime.ParseAddressList(x.m.Header.Get(f)) {
			own[strings.ToLower(r.Addr)] = true
		}
	}
	// look only before each webmail address: the regular expression on a
	// 120-byte window, not on the whole text
	for off, n := 0, 0; n < 50; n++ {
		i := strings.IndexByte(body[off:], '@')
		if i < 0 {
			break
		}
		at := off + i
		off = at + 1
		end := at + 1
		for end < len(body) && end-at < 256 && (isDomainByte(body[end])) {
			end++
		}
		if !freemail[registrable(strings.ToLower(strings.TrimRight(body[at+1:end], ".-")))] {
			continue
		}
		lo := max(0, at-120)
		for lo > 0 && !utf8.RuneStart(body[lo]) {
			lo--
		}
		win := body[lo:end]
		m := replyElsewhere().FindStringSubmatchIndex(win)
		if m == nil || lo+m[4] > at || lo+m[5] <= at {
			continue
		}
		addr := strings.ToLower(strings.TrimRight(win[m[4]:m[5]], "."))
		if own[addr] {
			continue
		}
		// quoted lines of a discussion ("> contact me at ...") are not the
		// sender's request
		start := lo + m[0]
		line := body[strings.LastIndexByte(body[:start], '\n')+1 : start]
		if strings.HasPrefix(strings.TrimSpace(line), ">") {
			continue
		}
		m[0], m[1] = start, lo+m[1]
		x.res.add(Reason{Check: "reply-elsewhere", Category: CatContent, Score: 2.5,
			Evidence: []evidence{ev("text", body[m[0]:m[1]], ""), ev("From", x.from.Addr, "")},
			Text:     fmt.Sprintf("The text asks you to write to %s, a personal webmail address that is not the sender's: fraudsters send from throwaway or stolen accounts and read their replies elsewhere.", addr)})
		return
	}
}

func isDomainByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-'
}

// selfAddressed reports whether the From address is also one of the
// recipients (To, Cc) of a message that is not a reply or a forward.
func selfAddressed(x *msg) bool {
	if x.from.Addr == "" || subjectReply().MatchString(x.subject) || forwardSubject().MatchString(x.subject) {
		return false
	}
	for _, f := range []string{"To", "Cc"} {
		for _, r := range mime.ParseAddressList(x.m.Header.Get(f)) {
			if strings.EqualFold(r.Addr, x.from.Addr) {
				return true
			}
		}
	}
	return false
}
