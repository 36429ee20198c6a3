package mail

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// orgWords mark a display name as an organisation or a service rather
// than a person.
var orgWords = setOf("support", "service", "services", "team", "customer", "customers", "security", "account", "accounts", "billing",
	"notification", "notifications", "notice", "department", "dept", "bank", "banking", "casino", "shop", "store", "official", "admin",
	"administrator", "delivery", "rewards", "reward", "inc", "ltd", "llc", "gmbh", "center", "centre", "help", "helpdesk", "payment",
	"payments", "wallet", "finance", "insurance", "desk", "online", "alert", "alerts", "verification", "mailbox", "webmail", "office",
	"it", "system", "systems", "info", "no-reply", "noreply", "express", "logistics", "post", "tracking", "club", "prize", "bonus",
	"exchange", "crypto", "pharmacy", "group", "corp", "company", "secure", "cloud", "storage", "apps", "app", "hr", "payroll", "audit",
	"compliance", "legal", "invoice", "invoices", "orders", "order", "sales", "marketing", "newsletter", "suporte", "serviço", "atendimento",
	"kundenservice", "kundendienst", "clientèle", "assistance", "compte", "conta", "konto", "equipe", "équipe", "affiliate",
	"offer", "offers", "savings", "deals", "partner", "partners", "promo", "promotions", "giveaway", "winner", "lottery",
	"discount", "discounts", "loan", "loans", "credit", "dating", "singles", "quote", "quotes", "coverage", "wellness", "health", "benefits",
	"member", "members", "membership", "energy", "solar", "court", "federal", "government", "ministry", "ministère", "ministério", "receita",
	"tax", "taxes", "refund", "notifica", "notificação", "comunicado", "aviso", "avisos", "recompensas", "pontos", "brasil", "correios",
	"detran", "gerencia", "gerência", "mortgage", "pharma", "medical", "clinic", "prints", "pass", "voucher", "kundenkonto", "versand",
	"paket", "parcel", "shipping", "courier", "nft", "airdrop", "token", "bitcoin", "trading", "invest", "investment", "investments")

// checkSender looks at the sender as the reader sees it: the display
// name against the address.
func (a *Analyzer) checkSender(x *msg) {
	name := strings.TrimSpace(x.from.Name)
	if name == "" || x.from.Addr == "" {
		return
	}
	addr := strings.ToLower(x.from.Addr)
	if n := emojiCount(name); n > 0 {
		x.res.add(Reason{Check: "emoji-sender", Category: CatImpersonation, Score: 2,
			Evidence: []evidence{ev("From", x.res.From, "")},
			Text:     "The sender's name is decorated with emoji or symbols to catch the eye, as bulk senders do; people and real services do not."})
	}
	// in the text, a few mixed words are enough; in running Russian or
	// Greek prose a stray Latin letter can happen once
	if n := mixedScriptWords(name + " " + x.subject); n > 0 || mixedScriptWords(firstBytes(x.body.String(), 64<<10)) >= 3 {
		x.res.add(Reason{Check: "mixed-script", Category: CatContent, Score: 3.5,
			Evidence: []evidence{ev("Subject", x.subject, "")},
			Text:     "The subject, sender name or text mixes look-alike letters from other alphabets (Cyrillic \"о\" in a Latin word), a trick to get past word filters."})
	}
	if _, free := isFreeHosting(linkInfo{host: x.fromDom}); free {
		x.res.add(Reason{Check: "sender-free-hosting", Category: CatImpersonation, Score: 2,
			Evidence: []evidence{ev("From", x.from.Addr, "")},
			Text:     fmt.Sprintf("The message comes from an address on a free app-hosting platform (%s), which anyone can send from.", x.fromDom)})
	}
	if t := tldOf(x.fromDom); cheapTLDs[t] || cheapSenderTLDs[t] {
		x.res.add(Reason{Check: "sender-cheap-tld", Category: CatHeaders, Score: 1.5,
			Evidence: []evidence{ev("From", x.from.Addr, "")},
			Text:     fmt.Sprintf("The sender's domain ends in .%s, an ending sold for almost nothing and used mostly for bulk and abusive mail.", t)})
	}
	toks := tokenize(name, 50)
	var sig []string
	org := false
	for _, t := range toks {
		if orgWords[t] {
			org = true
			continue
		}
		if len([]rune(t)) >= 3 && !isDigitsOnly(t) {
			sig = append(sig, t)
		}
	}
	if len(sig) == 0 {
		return
	}
	related := false
	compact := dropSeparators.Replace(addr)
	for _, t := range sig {
		if strings.Contains(compact, t) || strings.Contains(compact, foldASCII(t)) {
			related = true
			break
		}
	}
	if related {
		return
	}
	// a person's name ("Gordon Mohr") or a nickname need not appear in
	// the address; an organisation's name normally does — except at the
	// party itself ("Service informatique") or at an authenticated
	// provider ("Google Docs" at google.com)
	if !org || a.ownOrAuthenticated(x) {
		return
	}
	s := 2.5
	text := fmt.Sprintf("The sender calls itself %q but its address, %s, has nothing to do with that name.", name, x.from.Addr)
	if freemail[x.fromReg] && org {
		s = 3
		text = fmt.Sprintf("The sender calls itself %q, an organisation, but writes from a free webmail account (%s).", name, x.from.Addr)
	}
	if _, free := isFreeHosting(linkInfo{host: x.fromDom}); free {
		s = 3
		text = fmt.Sprintf("The sender calls itself %q but writes from a free hosting service (%s).", name, x.fromDom)
	}
	x.res.add(Reason{Check: "sender-name-mismatch", Category: CatImpersonation, Score: s,
		Evidence: []evidence{ev("From", x.res.From, "")}, Text: text})
}

func isDigitsOnly(s string) bool {
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// foldASCII drops diacritics of common Latin letters.
func foldASCII(s string) string {
	if isASCII(s) {
		return s
	}
	return accentFolder.Replace(s)
}

// dropSeparators removes the dots, hyphens and underscores of an address
// (built once: a Replacer builds its tables on first use).
var dropSeparators = strings.NewReplacer(".", "", "-", "", "_", "")

var accentFolder = strings.NewReplacer("é", "e", "è", "e", "ê", "e", "ë", "e", "à", "a", "â", "a", "ä", "a", "á", "a", "ã", "a", "ç", "c",
	"î", "i", "ï", "i", "í", "i", "ô", "o", "ö", "o", "ó", "o", "õ", "o", "ù", "u", "û", "u", "ü", "u", "ú", "u", "ñ", "n", "ß", "ss")

// isASCII reports whether s has no byte above 0x7F.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func emojiCount(s string) int {
	n := 0
	for _, r := range s {
		if (r >= 0x1F300 && r <= 0x1FAFF) || (r >= 0x2600 && r <= 0x27BF) || (r >= 0x1F000 && r <= 0x1F2FF) {
			n++
		}
	}
	return n
}

// cheapSenderTLDs are endings much abused by bulk senders, in addition to
// cheapTLDs (which also count for links).
var cheapSenderTLDs = setOf("shop", "online", "site", "store", "website", "space", "fun", "club", "live", "today", "pro", "digital", "life", "world", "email", "services", "network", "solutions", "ltd", "biz", "info", "icu", "vip", "asia", "in.net")

// mixedScriptWords counts words that mix Latin letters with Cyrillic or
// Greek ones.
func mixedScriptWords(s string) int {
	if isASCII(s) { // Latin letters only
		return 0
	}
	n := 0
	var lat, other bool
	for _, r := range s {
		if !unicode.IsLetter(r) { // the end of a word
			if lat && other {
				n++
			}
			lat, other = false, false
			continue
		}
		switch {
		case r < 0x250:
			lat = true
		case unicode.Is(unicode.Cyrillic, r) || unicode.Is(unicode.Greek, r) || unicode.Is(unicode.Armenian, r):
			other = true
		}
	}
	if lat && other {
		n++
	}
	return n
}

// firstBytes returns at most the first n bytes of s, cut at a character
// boundary.
func firstBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
