// Package notify tells people about what happens on the hub when they are
// not looking at it: a new advisory for their party, a campaign alert (the
// same indicator seen at two parties), a sighting at their party, a
// look-alike domain registered against them, a sensor that went silent.
//
// It holds the parts that do not depend on the hub's storage: the event
// model, the wording of a message (in French or English), and the two
// transports — e-mail through an SMTP relay and webhooks (a generic signed
// JSON POST, and the bodies Slack, Mattermost and Matrix (hookshot)
// incoming hooks accept). The hub queues events per recipient, batches and
// rate-limits them, and retries failed deliveries (internal/hub).
//
// Traffic Light Protocol: a notification leaves the hub by e-mail or
// webhook, channels the agency does not control, so nothing above
// TLP:GREEN is ever put in a message: for TLP:AMBER, AMBER+STRICT and RED
// events (and sightings and alerts, which reveal what hit a party) the
// message says only that something is waiting and gives the link to the
// hub, where the reader must log in.
package notify

import (
	"fmt"
	"strings"
	"time"
)

// Event kinds a user can subscribe to.
const (
	KindAdvisory     = "advisory"      // a new or revised advisory for the user's party
	KindAlert        = "alert"         // a campaign alert: one indicator at several parties (agency)
	KindSighting     = "sighting"      // a sensor of the party saw a known indicator
	KindLookalike    = "lookalike"     // a look-alike of a party domain was registered
	KindSensorSilent = "sensor_silent" // a sensor has not reported for more than a day
	KindReminder     = "reminder"      // the agency reminds a party of an advisory to act on
)

// Kinds lists every event kind, in the order the UI shows them.
var Kinds = []string{KindAdvisory, KindAlert, KindSighting, KindLookalike, KindSensorSilent, KindReminder}

// ValidKind reports whether k is an event kind.
func ValidKind(k string) bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Event is one thing worth telling someone.
type Event struct {
	Kind string `json:"kind"`
	// OrgID is the organisation concerned; 0 for agency-wide events
	// (campaign alerts).
	OrgID   int64  `json:"org_id,omitempty"`
	OrgName string `json:"org,omitempty"`
	// TLP of the content: "clear", "green", "amber", "amber+strict",
	// "red". Empty means amber: when in doubt, the content stays on the hub.
	TLP string `json:"tlp,omitempty"`
	// Title is a short line ("Phishing wave against campaign staff").
	Title string `json:"title,omitempty"`
	// Text is a few plain words more.
	Text string `json:"text,omitempty"`
	// Link is the page on the hub, as a path ("/advisories/12").
	Link string    `json:"link"`
	At   time.Time `json:"at"`
}

// Shareable reports whether an event's content may leave the hub: only
// TLP:CLEAR (or the older WHITE) and TLP:GREEN.
func (e Event) Shareable() bool {
	switch strings.ToLower(strings.TrimPrefix(strings.ToLower(e.TLP), "tlp:")) {
	case "clear", "white", "green":
		return true
	}
	return false
}

// tlpLabel is the TLP as printed ("TLP:AMBER").
func (e Event) tlpLabel() string {
	t := strings.TrimPrefix(strings.ToLower(e.TLP), "tlp:")
	if t == "" {
		t = "amber"
	}
	return "TLP:" + strings.ToUpper(t)
}

// Item is one event as it appears in a message: content withheld unless
// shareable.
type Item struct {
	Kind     string    `json:"kind"`
	Org      string    `json:"org,omitempty"`
	TLP      string    `json:"tlp"`
	Title    string    `json:"title,omitempty"`
	Text     string    `json:"text,omitempty"`
	Withheld bool      `json:"withheld,omitempty"`
	URL      string    `json:"url"`
	At       time.Time `json:"at"`
}

// Message is what is delivered to one channel: one or more events (the hub
// batches those that arrive close together).
type Message struct {
	Subject string // one line, no CR/LF
	Text    string // plain text, lines separated by \n
	Items   []Item
	HubURL  string
}

// MaxItems bounds the events listed in one message; the rest are counted.
const MaxItems = 50

// Compose words a message for evs in the language lang ("fr" or English),
// with links made absolute on hubURL. Content above TLP:GREEN is withheld.
func Compose(hubURL, lang string, evs []Event) Message {
	w := words(lang)
	hubURL = strings.TrimRight(hubURL, "/")
	m := Message{HubURL: hubURL}
	for i, e := range evs {
		if i == MaxItems {
			break
		}
		it := Item{Kind: e.Kind, Org: oneLine(e.OrgName, 100), TLP: e.tlpLabel(), URL: hubURL + e.Link, At: e.At.UTC()}
		if e.Shareable() {
			it.Title, it.Text = oneLine(e.Title, 200), clip(e.Text, 2000)
		} else {
			it.Withheld = true
		}
		m.Items = append(m.Items, it)
	}
	// Subject: the one event's title when it may be told, else its kind.
	if len(evs) == 1 {
		it := m.Items[0]
		if it.Title != "" {
			m.Subject = "[Vigie] " + it.Title
		} else {
			m.Subject = fmt.Sprintf("[Vigie] %s (%s)", w.kind(it.Kind), it.TLP)
		}
	} else {
		m.Subject = fmt.Sprintf("[Vigie] "+w.many, len(evs))
	}
	m.Subject = oneLine(m.Subject, 200)

	var b strings.Builder
	for _, it := range m.Items {
		fmt.Fprintf(&b, "%s (%s)", w.kind(it.Kind), it.TLP)
		if it.Org != "" {
			fmt.Fprintf(&b, " · %s", it.Org)
		}
		fmt.Fprintf(&b, " · %s\n", it.At.Format("2006-01-02 15:04 UTC"))
		if it.Withheld {
			b.WriteString(w.withheld + "\n")
		} else {
			if it.Title != "" {
				b.WriteString(it.Title + "\n")
			}
			if it.Text != "" {
				b.WriteString(it.Text + "\n")
			}
		}
		b.WriteString(it.URL + "\n\n")
	}
	if n := len(evs) - len(m.Items); n > 0 {
		fmt.Fprintf(&b, w.more+"\n\n", n, hubURL+"/")
	}
	b.WriteString(w.footer + " " + hubURL + "/notifications\n")
	m.Text = b.String()
	return m
}

type wording struct {
	kinds                        map[string]string
	many, withheld, more, footer string
}

func (w wording) kind(k string) string {
	if s, ok := w.kinds[k]; ok {
		return s
	}
	return k
}

var english = wording{
	kinds: map[string]string{
		KindAdvisory: "New or updated advisory", KindAlert: "Campaign alert",
		KindSighting: "Sighting at your party", KindLookalike: "Look-alike domain registered",
		KindSensorSilent: "Sensor silent", KindReminder: "Reminder: advisory to act on",
	},
	many:     "%d new events on the hub",
	withheld: "The details are on the hub (log in to read them): they are not sent by mail or chat.",
	more:     "… and %d more: %s",
	footer:   "You receive this because you asked to. Change what you receive:",
}

var french = wording{
	kinds: map[string]string{
		KindAdvisory: "Avis nouveau ou mis à jour", KindAlert: "Alerte de campagne",
		KindSighting: "Détection dans votre parti", KindLookalike: "Domaine sosie enregistré",
		KindSensorSilent: "Capteur silencieux", KindReminder: "Rappel : avis à traiter",
	},
	many:     "%d nouveaux événements sur le hub",
	withheld: "Le détail est sur le hub (connectez-vous pour le lire) : il n'est envoyé ni par courriel ni par messagerie.",
	more:     "… et %d autres : %s",
	footer:   "Vous recevez ce message à votre demande. Pour changer ce que vous recevez :",
}

func words(lang string) wording {
	if strings.HasPrefix(strings.ToLower(lang), "fr") {
		return french
	}
	return english
}

// oneLine makes s a single line of at most n runes: control characters
// (CR and LF among them, which could inject mail headers) become spaces,
// and runs of spaces one.
func oneLine(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0x2028 || r == 0x2029 || r == 0x85 {
			return ' '
		}
		return r
	}, s)
	return clip(strings.Join(strings.Fields(s), " "), n)
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
