package model

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Input is what the model reads of a message. The mail analyzer fills it
// from the parsed message; the caller is responsible for leaving out what
// describes the sample rather than phishing (see the package doc):
// quoted replies, mailing-list footers, the recipient's own address.
type Input struct {
	Subject  string
	FromName string // the sender's display name
	Text     string // the visible text of the body
	// LinkHosts are the host names of the clickable links (lower case).
	LinkHosts []string
	// Traits are structural facts the analyzer computed, as short names
	// ("html-only", "links-many", "att-zip"); see traitText.
	Traits []string
	// Drop are words to leave out (the recipient's name and address
	// parts), lower case.
	Drop []string
}

// Limits of the features of one message.
const (
	maxWords     = 1500 // body words read
	maxLinkHosts = 30
	minWordLen   = 2
	maxWordLen   = 24
)

// traitText gives the traits' sentences for people.
var traitText = map[string]string{
	"html-only":       "a message in HTML only, without a plain-text version",
	"text-only":       "a plain-text message",
	"no-text":         "a message with almost no text",
	"short-text":      "a short message",
	"links-none":      "no links",
	"links-one":       "a single link",
	"links-few":       "a few links",
	"links-many":      "many links",
	"links-foreign":   "links that all lead away from the sender's domain",
	"links-own":       "links to the sender's own domain",
	"images-many":     "many pictures",
	"images-some":     "some pictures",
	"form":            "a form in the message",
	"hidden-text":     "hidden text",
	"from-freemail":   "a sender on a free webmail service",
	"reply-elsewhere": "a reply address on another domain",
	"no-display-name": "a sender without a name",
	"attachment":      "an attachment",
	"link-shortener":  "a shortened link",
	"link-ip":         "a link to a bare IP address",
}

// TraitNames lists the traits the model knows (for the analyzer's tests).
func TraitNames() []string {
	out := make([]string, 0, len(traitText))
	for k := range traitText {
		out = append(out, k)
	}
	return out
}

// Features turns a message into the model's features: "s:" subject
// words, "n:" display-name words, "w:" body words, "b:" body word pairs,
// "d:" character trigrams of link domains (registrable part), "tld:"
// link endings, "t:" traits, "att:" attachment types. Each appears once.
func Features(in Input) []string {
	drop := map[string]bool{}
	for _, d := range in.Drop {
		drop[strings.ToLower(d)] = true
	}
	ws := words(in.Text, maxWords, drop)
	seen := map[string]bool{}
	var out []string
	add := func(f string) {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	// addKey is add for a feature written in key: its string is made
	// only when it is new (a repeated word or pair costs no allocation)
	var key []byte
	addKey := func() {
		if !seen[string(key)] {
			f := string(key)
			seen[f] = true
			out = append(out, f)
		}
	}
	for _, w := range words(in.Subject, 60, drop) {
		add("s:" + w)
		add("w:" + w)
	}
	for _, w := range words(in.FromName, 12, drop) {
		add("n:" + w)
	}
	for i, w := range ws {
		key = append(append(key[:0], "w:"...), w...)
		addKey()
		if i > 0 {
			key = append(append(append(append(key[:0], "b:"...), ws[i-1]...), ' '), w...)
			addKey()
		}
	}
	n := 0
	for _, h := range in.LinkHosts {
		if n == maxLinkHosts {
			break
		}
		h = strings.TrimSuffix(strings.ToLower(h), ".")
		if h == "" || seen["h:"+h] {
			continue
		}
		seen["h:"+h] = true
		n++
		labels := strings.Split(h, ".")
		if len(labels) < 2 {
			continue
		}
		tld := labels[len(labels)-1]
		if _, err := strconv.Atoi(tld); err == nil {
			continue // an IP address: a trait, not a name
		}
		add("tld:" + tld)
		name := labels[len(labels)-2]
		if len(labels) >= 3 && len(name) <= 3 { // co.uk, com.br
			name = labels[len(labels)-3]
		}
		name = "^" + name + "$"
		for i := 0; i+3 <= len(name); i++ {
			add("d:" + name[i:i+3])
		}
	}
	for _, t := range in.Traits {
		add("t:" + t)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// words splits s into lower-case words of letters (no digits: years,
// times and numbers describe when a sample was taken, not phishing),
// leaving out those in drop.
func words(s string, max int, drop map[string]bool) []string {
	var out []string
	start := -1
	digit := false
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := s[start:end]
		start = -1
		if digit || len(w) < minWordLen || len(w) > maxWordLen*2 {
			digit = false
			return
		}
		w = strings.ToLower(w)
		if n := utf8.RuneCountInString(w); n < minWordLen || n > maxWordLen || drop[w] || stopWords[w] {
			return
		}
		out = append(out, w)
	}
	for i, r := range s {
		if len(out) >= max {
			return out
		}
		switch {
		case unicode.IsLetter(r) || r == '\'':
			if start < 0 {
				start = i
				digit = false
			}
		case unicode.IsDigit(r):
			if start < 0 {
				start = i
			}
			digit = true
		default:
			flush(i)
			digit = false
		}
	}
	flush(len(s))
	return out
}

// stopWords are the commonest function words of the languages of the
// lures. They say which language a message is in, not whether it is
// honest — and the training sample's legitimate mail is all in English,
// so leaving them in would teach the model that French is phishing.
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
the a an and or of to in on at for from by with as is are was were be been it its this that these those you your yours we our us i me my he she his her they them their
not no do does did have has had will would can could should may if but so than then there here what which who whom when where how all any some
le la les un une des du de d l et ou à au aux en dans sur pour par avec ce cet cette ces vous votre vos nous notre nos je me mon ma mes il elle ils elles leur leurs
est sont été être a ont avez avons pas ne qui que quoi dont où se sa son ses y plus très si mais donc
der die das ein eine einen dem den des und oder zu im in auf für von mit ist sind war sie ihr ihre ihren wir unser uns ich mich mein es nicht kein auch als wie
el los las uno una unos unas y o de del al en con por para es son su sus usted ustedes nosotros nuestro yo mi no se lo que como
o os as um uma uns umas e ou do da dos das no na nos nas em com por para é são seu sua seus suas você vocês nós nosso eu meu não se que como
il lo gli i una uno e o di del della dei delle nel nella con per è sono suo sua tuo tua noi io mio non che come
de het een en of van in op voor met is zijn uw je jij wij ons ik mijn niet dat die wat als
`) {
		m[w] = true
	}
	return m
}()
