package leak

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Forgeries are planted in batches: in May 2017 the forged documents of
// the leak shared the same program, the same Russian-language settings
// and a handful of evenings. One forged item can pass for genuine; a
// batch made by the same hand leaves the same traces on all its members.
// groupForgeries finds such batches: items that share a trait of origin
// seen on few other items of the dump (the program that made them, the
// language or code page of the computer, its time zone, the host that
// named the message), and, across the batch, a second sign: another such
// trait, times outside the hours the claimed author's ordinary items are
// saved or sent, or metadata anomalies. Items whose authenticity is
// proven (a valid signature, the same bytes as the party's original, the
// party's copy showing the same text) are never grouped: what proves
// them is stronger than a resemblance.

// ForgeryGroup is a set of items that look made by the same hand.
type ForgeryGroup struct {
	ID   int    `json:"id"`
	Kind string `json:"kind"` // mail or document
	// Items are the paths of the members (report order).
	Items []string `json:"items"`
	// Traits are the shared traits of origin that are rare in the dump.
	Traits []GroupTrait `json:"traits"`
	// OffHours counts the members saved or sent outside their claimed
	// author's habits (Hours says when, Habit what is usual), in UTC.
	OffHours int    `json:"off_hours,omitempty"`
	Hours    string `json:"hours,omitempty"`
	Habit    string `json:"habit,omitempty"`
	// Anomalies counts the members with metadata anomalies or a mail
	// verdict of forged or altered.
	Anomalies     int    `json:"anomalies,omitempty"`
	Explanation   string `json:"explanation"`
	ExplanationFR string `json:"explanation_fr"`
}

// GroupTrait is one trait shared by a group: Count of the Total items of
// the same kind in the dump that show this trait carry this value.
type GroupTrait struct {
	Trait string `json:"trait"` // tool, language, code-page, time-zone, message-id-host
	Value string `json:"value"`
	Count int    `json:"count"`
	Total int    `json:"total"`
}

// Bounds of the rule. A value is rare when at most rareShare of the
// items showing the trait carry it; habits need habitMin ordinary items
// and an hour is habitual when it holds at least habitShare of them.
const (
	rareShare  = 0.2
	habitMin   = 10
	habitShare = 0.02
	// minSigns is the number of distinct signs a group must show;
	// minGroup the fewest items that make a batch (two documents of a
	// rarely used program are too common to be worth a group).
	minSigns = 2
	minGroup = 3
)

var traitLabel = map[string][2]string{
	"tool":            {"made with", "fait avec"},
	"language":        {"language", "langue"},
	"code-page":       {"code page", "page de code"},
	"time-zone":       {"time zone", "fuseau horaire"},
	"message-id-host": {"Message-ID named by the host", "Message-ID nommé par l'hôte"},
	"mailer":          {"sent with", "envoyé avec"},
}

// groupTraits are an item's traits of origin, by trait name; when is
// when it was saved or sent; author whom it claims as its author.
type groupTraits struct {
	it     *Item
	traits map[string]string
	when   time.Time
	author string
}

// proven reports whether an item's authenticity is established.
func proven(v Verdict) bool {
	return v == Authentic || v == AuthenticWithCaveats || v == IdenticalToOriginal || v == Reformatted
}

func traitsOf(it *Item) *groupTraits {
	g := &groupTraits{it: it, traits: map[string]string{}}
	set := func(k, v string) {
		if v = strings.TrimSpace(v); v != "" {
			g.traits[k] = v
		}
	}
	switch {
	case it.Mail != nil && it.Kind == KindMail:
		m := it.Mail
		set("mailer", m.Mailer)
		if i := strings.LastIndexByte(m.MessageID, '@'); i >= 0 {
			set("message-id-host", strings.ToLower(strings.Trim(m.MessageID[i+1:], "<> \t")))
		}
		if !m.Sent.IsZero() {
			g.when = m.Sent
			_, off := m.Sent.Zone()
			set("time-zone", fmtZone(off))
		}
		g.author = strings.ToLower(m.From)
		if a := addressOf(m.From); a != "" {
			g.author = a
		}
	case it.meta != nil:
		m := it.meta
		tool := strings.TrimSpace(m.Application + " " + m.AppVersion)
		if m.PDF != nil && m.PDF.Producer != "" {
			tool = strings.TrimSpace(tool + " / " + m.PDF.Producer)
		}
		set("tool", tool)
		set("language", m.Language)
		if m.CodePage != 0 {
			set("code-page", fmt.Sprint(m.CodePage))
		}
		for _, tz := range m.TZ {
			set("time-zone", fmtZone(int(tz.Offset.Seconds())))
			break
		}
		g.when = m.Modified
		if g.when.IsZero() {
			g.when = m.Created
		}
		g.author = cmp.Or(m.LastModifiedBy, m.Author)
	}
	return g
}

func fmtZone(sec int) string {
	sign := "+"
	if sec < 0 {
		sign, sec = "-", -sec
	}
	return fmt.Sprintf("UTC%s%02d:%02d", sign, sec/3600, sec/60%60)
}

// addressOf returns the lower-case address in a From field.
func addressOf(from string) string {
	if i := strings.LastIndexByte(from, '<'); i >= 0 {
		if j := strings.IndexByte(from[i:], '>'); j > 0 {
			return strings.ToLower(strings.TrimSpace(from[i+1 : i+j]))
		}
	}
	if strings.Contains(from, "@") {
		return strings.ToLower(strings.TrimSpace(from))
	}
	return ""
}

// groupForgeries finds the groups (see above), adds a reason to each
// member and returns them. Copies of one document (same SHA-256) count
// once.
func groupForgeries(items []*Item) []ForgeryGroup {
	var groups []ForgeryGroup
	for _, kind := range []string{KindDocument, KindMail} {
		groups = append(groups, groupKind(items, kind)...)
	}
	for i := range groups {
		groups[i].ID = i + 1
		g := &groups[i]
		g.Explanation, g.ExplanationFR = explainGroup(g)
		members := map[string]bool{}
		for _, p := range g.Items {
			members[p] = true
		}
		for _, it := range items {
			if members[it.Path] {
				it.Reasons = append(it.Reasons, fmt.Sprintf("forgery group %d: made like %d other item(s) of the dump: %s", g.ID, len(g.Items)-1, g.Explanation))
				it.ReasonsFR = append(it.ReasonsFR, fmt.Sprintf("groupe de faux possibles n° %d : fait comme %d autre(s) élément(s) de la fuite : %s", g.ID, len(g.Items)-1, g.ExplanationFR))
			}
		}
	}
	return groups
}

func groupKind(items []*Item, kind string) []ForgeryGroup {
	var all []*groupTraits
	seen := map[string]bool{}
	for _, it := range items {
		if it.Kind != kind || it.Verdict == Error {
			continue
		}
		if kind == KindDocument && it.SHA256 != "" {
			if seen[it.SHA256] {
				continue // a copy: the same file counts once
			}
			seen[it.SHA256] = true
		}
		all = append(all, traitsOf(it))
	}
	// How many items show each trait, and each value.
	shown := map[string]int{}
	values := map[[2]string]int{}
	for _, g := range all {
		for k, v := range g.traits {
			shown[k]++
			values[[2]string{k, v}]++
		}
	}
	// A value is rare among the items recording the trait, or, for a
	// trait few items record (a language), among all the items.
	rare := func(k, v string) bool {
		n := values[[2]string{k, v}]
		if n < 2 {
			return false
		}
		return float64(n) <= rareShare*float64(shown[k]) || float64(n) <= rareShare/2*float64(len(all))
	}
	// Habits: hours of the items that carry no rare trait, per author,
	// and over the whole kind for authors with too few of them.
	ordinary := func(g *groupTraits) bool {
		for k, v := range g.traits {
			if rare(k, v) {
				return false
			}
		}
		return true
	}
	perAuthor := map[string]*[24]int{}
	var everyone [24]int
	for _, g := range all {
		if g.when.IsZero() || !ordinary(g) {
			continue
		}
		h := g.when.UTC().Hour()
		everyone[h]++
		if perAuthor[g.author] == nil {
			perAuthor[g.author] = &[24]int{}
		}
		perAuthor[g.author][h]++
	}
	// Habits are judged only where there are some: enough items, and
	// hours of rest (a run of habitNight hours without any).
	habitOf := func(g *groupTraits) *[24]int {
		if a := perAuthor[g.author]; a != nil && sum24(a) >= habitMin && restful(a) {
			return a
		}
		if sum24(&everyone) >= habitMin && restful(&everyone) {
			return &everyone
		}
		return nil
	}
	offHours := func(g *groupTraits) bool {
		h := habitOf(g)
		if h == nil || g.when.IsZero() {
			return false
		}
		return float64(h[g.when.UTC().Hour()]) < habitShare*float64(sum24(h))
	}

	// Unproven items with the same rare values form a candidate group:
	// a batch made the same way shares all of them, while an ordinary
	// item made with a rare program alone does not join it.
	comps := map[string][]*groupTraits{}
	for _, g := range all {
		if proven(g.it.Verdict) {
			continue
		}
		var key []string
		for k, v := range g.traits {
			if rare(k, v) {
				key = append(key, k+"\x00"+v)
			}
		}
		if len(key) == 0 {
			continue
		}
		sort.Strings(key)
		comps[strings.Join(key, "\x01")] = append(comps[strings.Join(key, "\x01")], g)
	}
	var out []ForgeryGroup
	for _, members := range comps {
		if len(members) < minGroup {
			continue
		}
		fg := ForgeryGroup{Kind: kind}
		// Rare values held by at least half of the members.
		held := map[[2]string]int{}
		for _, g := range members {
			for k, v := range g.traits {
				if rare(k, v) {
					held[[2]string{k, v}]++
				}
			}
		}
		for kv, n := range held {
			if 2*n >= len(members) {
				fg.Traits = append(fg.Traits, GroupTrait{Trait: kv[0], Value: kv[1], Count: values[kv], Total: shown[kv[0]]})
			}
		}
		sort.Slice(fg.Traits, func(i, j int) bool { return fg.Traits[i].Trait < fg.Traits[j].Trait })
		var hours []int
		var habit *[24]int
		for _, g := range members {
			if offHours(g) {
				fg.OffHours++
				hours = append(hours, g.when.UTC().Hour())
				habit = habitOf(g)
			}
			if (g.it.Document != nil && len(g.it.Document.Anomalies) > 0) || g.it.Verdict == Forged || g.it.Verdict == Altered {
				fg.Anomalies++
			}
		}
		signs := len(fg.Traits)
		if 2*fg.OffHours >= len(members) {
			signs++
			fg.Hours = hourRange(hours)
			fg.Habit = habitRange(habit)
		} else {
			fg.OffHours = 0
		}
		if 2*fg.Anomalies >= len(members) {
			signs++
		} else {
			fg.Anomalies = 0
		}
		if len(fg.Traits) == 0 || signs < minSigns {
			continue
		}
		for _, g := range members {
			fg.Items = append(fg.Items, g.it.Path)
		}
		out = append(out, fg)
	}
	// Largest groups first, then by their first item.
	for i := range out {
		slices.SortFunc(out[i].Items, func(a, b string) int {
			if naturalLess(a, b) {
				return -1
			}
			return 1
		})
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i].Items) != len(out[j].Items) {
			return len(out[i].Items) > len(out[j].Items)
		}
		return naturalLess(out[i].Items[0], out[j].Items[0])
	})
	return out
}

// habitNight is the rest a habit needs: that many hours in a row
// without any item.
const habitNight = 6

// restful reports whether the habitual hours of h leave habitNight
// hours in a row free.
func restful(h *[24]int) bool {
	total := sum24(h)
	for s := range 24 {
		n := 0
		for n < habitNight && float64(h[(s+n)%24]) < habitShare*float64(total) {
			n++
		}
		if n == habitNight {
			return true
		}
	}
	return false
}

func sum24(h *[24]int) int {
	n := 0
	for _, c := range h {
		n += c
	}
	return n
}

// hourRange writes the span of hours, e.g. "between 23:00 and 02:59",
// taking the night into account (the shortest arc of the clock holding
// them all).
func hourRange(hours []int) string {
	var on [24]bool
	for _, h := range hours {
		on[h] = true
	}
	// the longest run of hours without any: the span is its complement
	bestStart, bestLen := 0, 0
	for s := range 24 {
		n := 0
		for n < 24 && !on[(s+n)%24] {
			n++
		}
		if n > bestLen {
			bestStart, bestLen = s, n
		}
	}
	from := (bestStart + bestLen) % 24
	to := (bestStart + 23) % 24
	return fmt.Sprintf("%02d:00–%02d:59", from, to)
}

// habitRange writes the habitual hours (those holding at least
// habitShare of the items) as one span.
func habitRange(h *[24]int) string {
	if h == nil {
		return ""
	}
	var hours []int
	total := sum24(h)
	for i, c := range h {
		if float64(c) >= habitShare*float64(total) {
			hours = append(hours, i)
		}
	}
	if len(hours) == 0 {
		return ""
	}
	return hourRange(hours)
}

// explainGroup says in plain words, in English and French, why the
// members were put together.
func explainGroup(g *ForgeryGroup) (string, string) {
	what := map[string][2]string{KindDocument: {"documents", "documents"}, KindMail: {"messages", "messages"}}[g.Kind]
	var en, fr []string
	for _, t := range g.Traits {
		l := traitLabel[t.Trait]
		en = append(en, fmt.Sprintf("%s %q (%d of the %d %s that record it)", l[0], t.Value, t.Count, t.Total, what[0]))
		fr = append(fr, fmt.Sprintf("%s « %s » (%d des %d %s qui l'indiquent)", l[1], t.Value, t.Count, t.Total, what[1]))
	}
	if g.OffHours > 0 {
		verb := map[string][2]string{KindDocument: {"saved", "enregistrés"}, KindMail: {"sent", "envoyés"}}[g.Kind]
		en = append(en, fmt.Sprintf("%d of them %s at %s UTC, outside the hours their author's other %s are %s (%s UTC)", g.OffHours, verb[0], g.Hours, what[0], verb[0], g.Habit))
		fr = append(fr, fmt.Sprintf("%d d'entre eux %s à %s UTC, en dehors des heures où les autres %s de leur auteur sont %s (%s UTC)", g.OffHours, verb[1], g.Hours, what[1], verb[1], g.Habit))
	}
	if g.Anomalies > 0 {
		en = append(en, fmt.Sprintf("%d of them with metadata anomalies or a forged or altered verdict", g.Anomalies))
		fr = append(fr, fmt.Sprintf("%d d'entre eux avec des anomalies de métadonnées ou un verdict falsifié ou modifié", g.Anomalies))
	}
	return fmt.Sprintf("%d %s look made by the same hand, unlike the rest of the dump: %s. Forgeries are planted in batches made the same way: examine these together. Sharing these traits does not by itself prove a forgery.",
			len(g.Items), what[0], strings.Join(en, "; ")),
		fmt.Sprintf("%d %s semblent faits de la même main, à la différence du reste de la fuite : %s. Les faux sont glissés par lots faits de la même façon : examinez-les ensemble. Partager ces traits ne prouve pas à lui seul une falsification.",
			len(g.Items), what[1], strings.Join(fr, " ; "))
}
