package leak

import (
	"fmt"
	"html/template"
	"io"
	"path/filepath"
	"strings"
)

// htmlPageSize is the number of items per page of the HTML report: a
// dump of up to that many items is one report.html; a larger one gets
// report.html (summary, glossary, method, the list of pages) and
// items-0001.html, items-0002.html ... each with its items' table and
// evidence. Every item has an anchor (#item-N, N its rank in the report)
// wherever it is.
const htmlPageSize = 1000

// verdictInfo is how each verdict is named and explained to the public.
var verdictInfo = map[Verdict]struct {
	Label, Colour, Meaning string
}{
	Authentic:            {"Authentic", "#1b7a3d", "A valid DKIM signature of the sending domain covers the whole body (attachments included) and every header field a reader sees (From, To, Cc, Subject, Date). The message is what that domain's mail server sent."},
	AuthenticWithCaveats: {"Authentic, with caveats", "#6f9a1f", "A signature is valid, but something limits what it proves; each caveat is named (for instance a field the signature does not cover)."},
	Altered:              {"Altered", "#b3261e", "The message no longer matches what was signed, or differs from the party's own copy: the parts that changed are named."},
	Forged:               {"Forged", "#5c0a06", "Evidence that the message is not what the sending domain sent: it was signed with another key than the domain's archived key, or it carries no signature from a domain that signed all its other mail in the dump. The evidence is given for each message."},
	Reformatted:          {"Reformatted, text unchanged", "#2f7f95", "The signature no longer verifies because the bytes were rewritten (whitespace, line wrapping, transfer encoding), but the text is unchanged: the signature matches once the rewriting is undone, or the party's own copy shows the same text, header fields and attachments."},
	Unverifiable:         {"Unverifiable", "#6b6b6b", "Nothing could be proven either way: no signature, no key, or no original to compare with. This is not evidence of forgery."},
	IdenticalToOriginal:  {"Identical to an original", "#0d5c2b", "The file is byte for byte the same as a file in the party's own records."},
	ModifiedCopy:         {"Modified copy", "#c25b00", "The file is a copy of one of the party's files with changes: the differences are shown."},
	Suspicious:           {"Suspicious metadata", "#8a6d00", "No original was found, and the document's metadata does not fit the party's genuine documents. Metadata can be wrong for innocent reasons; this is a reason to doubt, not a proof of forgery."},
	NoOriginal:           {"No original found", "#8a8a8a", "Nothing similar was found in the party's records, and the metadata shows no anomaly. The item can be neither confirmed nor refuted."},
	Error:                {"Could not be examined", "#4a4a8a", "The item is damaged, encrypted, over a safety limit, cut short, or not what its name says; the reason is given."},
}

type htmlBar struct {
	Label, Colour string
	Count         int
	Y, W          int
}

type htmlLegend struct {
	Verdict       Verdict
	Label, Colour string
	Mark, Meaning string
	Count         int
}

// htmlRow is one item as the report shows it.
type htmlRow struct {
	*Item
	N       int    // rank, 1-based: the anchor is item-N
	Href    string // link to its evidence ("#item-N" or "items-0002.html#item-N")
	Reasons []string
}

type htmlPage struct {
	File      string
	From, To  int
	Attention int
}

type htmlView struct {
	R        *Report
	Lang     string
	T        map[string]string
	Total    int
	Bars     []htmlBar
	ChartH   int
	Legend   []htmlLegend
	Glossary [][2]string
	Kinds    map[string]int
	Rows     []htmlRow // the items of this page
	Pages    []htmlPage
	Main     bool // report.html (summary, glossary, method)
	Page     *htmlPage
	PageSize int
	Groups   []htmlGroup
}

// htmlGroup is a forgery group as the report shows it.
type htmlGroup struct {
	ID          int
	Explanation string
	Members     []htmlLink
}

type htmlLink struct{ Path, Href string }

func pageFile(i int) string { return fmt.Sprintf("items-%04d.html", i+1) }

// htmlPages splits the report's items into pages (none when they fit in
// report.html).
func htmlPages(rep *Report) []htmlPage {
	if len(rep.Items) <= htmlPageSize {
		return nil
	}
	var pages []htmlPage
	for i := 0; i*htmlPageSize < len(rep.Items); i++ {
		p := htmlPage{File: pageFile(i), From: i*htmlPageSize + 1, To: min((i+1)*htmlPageSize, len(rep.Items))}
		for _, it := range rep.Items[p.From-1 : p.To] {
			if it.Verdict.Needs() {
				p.Attention++
			}
		}
		pages = append(pages, p)
	}
	return pages
}

func (v *htmlView) rows(rep *Report, from, to int, file string) {
	for i := from; i < to; i++ {
		it := rep.Items[i]
		v.Rows = append(v.Rows, htmlRow{Item: it, N: i + 1, Href: file + fmt.Sprintf("#item-%d", i+1), Reasons: reasonsIn(it, v.Lang)})
	}
}

func newView(rep *Report) *htmlView {
	lang := normLang(rep.Lang)
	v := &htmlView{R: rep, Lang: lang, T: uiText[lang], Total: len(rep.Items), Kinds: map[string]int{}, Glossary: glossary[lang], PageSize: htmlPageSize}
	max := 1
	for _, c := range rep.Counts {
		if c > max {
			max = c
		}
	}
	y := 0
	for _, vd := range VerdictOrder {
		n := rep.Counts[string(vd)]
		info := verdictInfo[vd]
		label := verdictLabel(vd, lang)
		v.Legend = append(v.Legend, htmlLegend{vd, label, info.Colour, badgeMark[vd], verdictMeaning(vd, lang), n})
		if n == 0 {
			continue
		}
		v.Bars = append(v.Bars, htmlBar{Label: badgeMark[vd] + " " + label, Colour: info.Colour, Count: n, Y: y, W: max1(n*330/max, 2)})
		y += 34
	}
	v.ChartH = max1(y, 34)
	for _, it := range rep.Items {
		v.Kinds[it.Kind]++
	}
	if len(rep.Groups) > 0 {
		href := map[string]string{}
		split := len(rep.Items) > htmlPageSize
		for i, it := range rep.Items {
			h := fmt.Sprintf("#item-%d", i+1)
			if split {
				h = pageFile(i/htmlPageSize) + h
			}
			href[it.Path] = h
		}
		for _, g := range rep.Groups {
			hg := htmlGroup{ID: g.ID, Explanation: g.Explanation}
			if lang == LangFR {
				hg.Explanation = g.ExplanationFR
			}
			for _, p := range g.Items {
				hg.Members = append(hg.Members, htmlLink{Path: p, Href: href[p]})
			}
			v.Groups = append(v.Groups, hg)
		}
	}
	return v
}

// WriteHTML writes report.html, self-contained for publication: inline
// CSS, an inline SVG chart, no script, no external resource. When the
// report has more than htmlPageSize items, report.html lists the pages
// and WriteHTMLPage writes each of them (WriteFiles does both).
func WriteHTML(w io.Writer, rep *Report) error {
	v := newView(rep)
	v.Main = true
	v.Pages = htmlPages(rep)
	if v.Pages == nil {
		v.rows(rep, 0, len(rep.Items), "")
	}
	return reportTmpl.Execute(w, v)
}

// WriteHTMLPage writes page i (0-based) of a report split in pages.
func WriteHTMLPage(w io.Writer, rep *Report, i int) error {
	v := newView(rep)
	v.Pages = htmlPages(rep)
	if i < 0 || i >= len(v.Pages) {
		return fmt.Errorf("report page %d: no such page", i+1)
	}
	v.Page = &v.Pages[i]
	v.rows(rep, v.Page.From-1, v.Page.To, "")
	return reportTmpl.Execute(w, v)
}

func max1(a, b int) int {
	if a > b {
		return a
	}
	return b
}

var reportTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"label":   func(lang string, v Verdict) string { return verdictLabel(v, lang) },
	"mark":    func(v Verdict) string { return badgeMark[v] },
	"colour":  func(v Verdict) template.CSS { return template.CSS(verdictInfo[v].Colour) },
	"bcolour": func(s string) template.CSS { return template.CSS(s) },
	"pct":     func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
	"date":    func(r *Report) string { return r.Generated.Format("2006-01-02 15:04 MST") },
	"tf":      func(format string, a ...any) string { return fmt.Sprintf(format, a...) },
	"diffclass": func(line string) string {
		switch {
		case strings.HasPrefix(line, "+++"), strings.HasPrefix(line, "---"):
			return "dh"
		case strings.HasPrefix(line, "+"):
			return "da"
		case strings.HasPrefix(line, "-"):
			return "dr"
		case strings.HasPrefix(line, "@@"):
			return "dh"
		}
		return ""
	},
	"lines": func(s string) []string { return strings.Split(strings.TrimSuffix(s, "\n"), "\n") },
	"add":   func(a, b int) int { return a + b },
	"base":  func(p string) string { return filepath.Base(p) },
	// keynames names the key archives by file name: the report is
	// published and must not show the analyst's disk
	"keynames": func(r *Report) string {
		var n []string
		for _, k := range r.KeyArchives {
			n = append(n, filepath.Base(k.Path))
		}
		if len(n) == 0 {
			for _, k := range strings.Split(r.Keys, ", ") {
				n = append(n, filepath.Base(k))
			}
		}
		return strings.Join(n, ", ")
	},
	"kind": func(lang, k string) string {
		if lang == LangFR {
			return map[string]string{KindMail: "courrier", KindDocument: "document", KindOther: "autre"}[k]
		}
		return k
	},
}).Parse(reportHTML))

const reportHTML = `<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.T.title}}{{with .Page}} — {{tf $.T.page .From .To}}{{end}}</title>
<style>
body{font-family:Georgia,"Times New Roman",serif;color:#1a1a1a;background:#fff;margin:0;line-height:1.5}
main{max-width:62rem;margin:0 auto;padding:2rem 1.5rem 4rem}
h1{font-size:2rem;margin:0 0 .3rem}h2{font-size:1.4rem;margin:2.2rem 0 .6rem;border-bottom:1px solid #ccc;padding-bottom:.2rem}
h3{font-size:1.05rem;margin:0 0 .3rem;font-family:Helvetica,Arial,sans-serif;word-break:break-all}
h3 a{color:inherit;text-decoration:none}
.meta{color:#444;font-size:.9rem;font-family:Helvetica,Arial,sans-serif}
.meta td{padding:.1rem .6rem .1rem 0;border:none;word-break:break-all}.meta td:first-child{white-space:nowrap;word-break:normal}
.meta code{font-size:.8rem}
.summary{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start}
table{border-collapse:collapse;font-family:Helvetica,Arial,sans-serif;font-size:.9rem}
td,th{padding:.25rem .6rem;border-bottom:1px solid #e3e3e3;text-align:left;vertical-align:top}
th{background:#f4f4f4}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;color:#fff;border-radius:3px;padding:0 .45rem;font-family:Helvetica,Arial,sans-serif;font-size:.8rem;white-space:nowrap}
.v-forged{border:2px solid #000;font-weight:bold}.v-altered{font-weight:bold}.v-authentic-with-caveats{border:1px dashed #fff;outline:1px solid #6f9a1f}.v-unverifiable,.v-no-original{color:#fff}.v-error{font-style:italic}
.item{border:1px solid #ddd;border-left-width:6px;border-radius:3px;padding:.8rem 1rem;margin:1rem 0}
.item:target{box-shadow:0 0 0 3px #f0c000}
.item ul{margin:.3rem 0;padding-left:1.3rem}
.kv{font-family:Helvetica,Arial,sans-serif;font-size:.85rem;color:#333}
.kv b{color:#000}
pre{background:#f7f7f7;border:1px solid #e0e0e0;padding:.5rem;overflow-x:auto;font-size:.8rem;line-height:1.35;white-space:pre-wrap;word-break:break-word}
pre span{display:block;min-height:1.2em}.da{background:#e6f4ea}.dr{background:#fce8e6}.dh{color:#555}
.method p,.method li{max-width:48rem}
.small{font-size:.85rem;color:#555}
.list td{font-size:.8rem;word-break:break-word}.list td.n{word-break:normal;white-space:nowrap}
dl.gloss dt{font-family:Helvetica,Arial,sans-serif;font-weight:bold;margin-top:.5rem}dl.gloss dd{margin-left:1.5rem;max-width:46rem}
</style>
</head>
<body><main>
<h1>{{.T.title}}{{with .Page}} — {{tf $.T.page .From .To}}{{end}}</h1>
{{if .Page}}<p class="meta"><a href="report.html">{{.T.back}}</a></p>{{end}}
<table class="meta">
<tr><td colspan="2">{{.Total}} {{.T.items}}{{if .R.Originals}}, {{tf .T.compared .R.OriginalCount}}{{end}}. {{.T.generated}} {{date .R}} {{.T.by}} {{if .R.Tool}}{{.R.Tool}}{{else}}Vigie{{end}}.</td></tr>
{{if .R.CommandLine}}<tr><td>{{.T.command}}</td><td><code>{{.R.CommandLine}}</code></td></tr>{{end}}
{{range .R.KeyArchives}}<tr><td>{{$.T.keys}}</td><td>{{base .Path}}{{if .Records}} ({{.Records}} {{$.T.records}}){{end}}<br>{{$.T.sha}} <code>{{.SHA256}}</code></td></tr>{{end}}
{{if .R.OriginalsSHA256}}<tr><td>{{.T.originals}}</td><td>{{base .R.Originals}}<br>{{.T.sha}} <code>{{.R.OriginalsSHA256}}</code><br><span class="small">{{.T.originalsnote}}</span></td></tr>{{end}}
<tr><td colspan="2">{{if .R.LiveDNS}}{{.T.livedns}}{{else}}{{.T.nodns}}{{end}}</td></tr>
</table>
{{if .Main}}
<h2>{{.T.summary}}</h2>
<div class="summary">
<table>
<tr><th>{{.T.verdict}}</th><th>{{.T.count}}</th></tr>
{{range .Legend}}{{if .Count}}<tr><td><span class="badge v-{{.Verdict}}" style="background:{{bcolour .Colour}}">{{.Mark}} {{.Label}}</span></td><td class="n">{{.Count}}</td></tr>{{end}}{{end}}
<tr><th>{{.T.total}}</th><th class="n">{{.Total}}</th></tr>
</table>
<svg xmlns="http://www.w3.org/2000/svg" width="600" height="{{.ChartH}}" viewBox="0 0 600 {{.ChartH}}" role="img" aria-label="{{.T.summary}}">
{{range .Bars}}<g transform="translate(0,{{.Y}})"><text x="200" y="20" text-anchor="end" font-family="Helvetica,Arial,sans-serif" font-size="13" fill="#333">{{.Label}}</text><rect x="210" y="4" width="{{.W}}" height="22" fill="{{bcolour .Colour}}"></rect><text x="{{add 216 .W}}" y="20" font-family="Helvetica,Arial,sans-serif" font-size="13" fill="#333">{{.Count}}</text></g>
{{end}}</svg>
</div>
<p class="small">{{.T.bykind}}: {{range $k, $n := .Kinds}}{{$n}} {{kind $.Lang $k}} &nbsp; {{end}}</p>

{{if .Groups}}<h2>{{.T.groups}}</h2>
<p>{{.T.groupsintro}}</p>
{{range .Groups}}<div class="item" id="group-{{.ID}}"><h3><a href="#group-{{.ID}}">{{$.T.group}} {{.ID}}</a></h3><p>{{.Explanation}}</p>
<ul>{{range .Members}}<li><a href="{{.Href}}">{{.Path}}</a></li>{{end}}</ul></div>
{{end}}{{end}}

<h2>{{.T.meaning}}</h2>
<table>
{{range .Legend}}<tr><td><span class="badge v-{{.Verdict}}" style="background:{{bcolour .Colour}}">{{.Mark}} {{.Label}}</span></td><td>{{.Meaning}}</td></tr>
{{end}}</table>
{{end}}

{{if .Pages}}{{if .Main}}<h2>{{.T.all}}</h2>
<p>{{tf .T.pages .PageSize}}</p>
<ul>{{range .Pages}}<li><a href="{{.File}}">{{tf $.T.page .From .To}}</a>{{if .Attention}} ({{.Attention}} {{$.T.attention}}){{end}}</li>
{{end}}</ul>{{end}}{{end}}

{{if .Rows}}
<h2>{{.T.all}}</h2>
<table class="list">
<tr><th>#</th><th>{{.T.item}}</th><th>{{.T.from}}</th><th>{{.T.subject}}</th><th>{{.T.verdict}}</th></tr>
{{range .Rows}}<tr><td class="n"><a href="{{.Href}}">{{.N}}</a></td><td><a href="{{.Href}}">{{.Path}}</a></td><td>{{with .Mail}}{{.From}}{{end}}</td><td>{{with .Mail}}{{.Subject}}{{end}}{{with .Document}}{{.Title}}{{end}}</td><td><span class="badge v-{{.Verdict}}" style="background:{{colour .Verdict}}">{{mark .Verdict}} {{label $.Lang .Verdict}}</span></td></tr>
{{end}}</table>

<h2>{{.T.evidence}}</h2>
{{range .Rows}}<div class="item" id="item-{{.N}}" style="border-left-color:{{colour .Verdict}}">
<h3><a href="#item-{{.N}}">{{.N}}. {{.Path}}</a></h3>
<p><span class="badge v-{{.Verdict}}" style="background:{{colour .Verdict}}">{{mark .Verdict}} {{label $.Lang .Verdict}}</span> <span class="kv">{{kind $.Lang .Kind}}, {{.Format}}, {{.Size}} {{$.T.bytes}}{{if .SHA256}}, SHA-256 {{.SHA256}}{{end}}</span></p>
{{with .Mail}}<p class="kv">{{if .From}}<b>{{$.T.from}}</b> {{.From}} {{end}}{{if .To}}<b>{{$.T.to}}</b> {{.To}} {{end}}{{if .Cc}}<b>Cc</b> {{.Cc}} {{end}}{{if .Date}}<b>{{$.T.date}}</b> {{.Date}} {{end}}{{if .Subject}}<br><b>{{$.T.subject}}</b> {{.Subject}}{{end}}</p>
{{if .Signatures}}<p class="kv">{{range .Signatures}}<b>DKIM</b> d={{.Domain}} s={{.Selector}} {{.Algorithm}}{{if .Canon}} c={{.Canon}}{{end}}{{if .Limited}} l={{.BodyLength}}{{end}}: {{.Result}}{{if .Reason}} ({{.Reason}}){{end}}{{if .KeySource}}, {{$.T.keyfrom}} {{.KeySource}}{{end}}{{if .KeyBits}}, {{.KeyBits}} {{$.T.bits}}{{end}}{{if .Signed}}<br><span class="small">h={{range $i, $h := .Signed}}{{if $i}}:{{end}}{{$h}}{{end}}</span>{{end}}<br>{{end}}</p>{{end}}{{end}}
{{with .Document}}<p class="kv">{{if .Type}}<b>{{$.T.type}}</b> {{.Type}} {{end}}{{if .Author}}<b>{{$.T.author}}</b> {{.Author}} {{end}}{{if .LastModifiedBy}}<b>{{$.T.lastsaved}}</b> {{.LastModifiedBy}} {{end}}{{if .Application}}<b>{{$.T.software}}</b> {{.Application}} {{end}}{{if .Created}}<br><b>{{$.T.created}}</b> {{.Created}} {{end}}{{if .Modified}}<b>{{$.T.modified}}</b> {{.Modified}} {{end}}{{if .Revision}}<b>{{$.T.revision}}</b> {{.Revision}} {{end}}{{if .EditTime}}<b>{{$.T.edittime}}</b> {{.EditTime}}{{end}}</p>{{end}}
{{if .Reasons}}<ul>{{range .Reasons}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{with .Original}}{{if .Headers}}<table><tr><th>{{$.T.headerfield}}</th><th>{{$.T.partycopy}}</th><th>{{$.T.leaked}}</th></tr>{{range .Headers}}<tr><td>{{.Field}}</td><td>{{.Original}}</td><td>{{.Leaked}}</td></tr>{{end}}</table>{{end}}
{{if .Metadata}}<table><tr><th>{{$.T.metadata}}</th><th>{{$.T.original}}</th><th>{{$.T.leaked}}</th></tr>{{range .Metadata}}<tr><td>{{.Field}}</td><td>{{.Original}}</td><td>{{.Leaked}}</td></tr>{{end}}</table>{{end}}
{{if .TextDiff}}<p class="kv"><b>{{$.T.textchanges}}</b></p><pre>{{range lines .TextDiff}}<span class="{{diffclass .}}">{{.}}</span>{{end}}</pre>{{end}}{{end}}
{{if ne .Verdict "error"}}{{with .Document}}{{if .TextNote}}<p class="small">{{.TextNote}}</p>{{end}}{{end}}{{end}}
</div>
{{end}}
{{else}}{{if not .Pages}}<p>{{.T.none}}</p>{{end}}{{end}}

{{if .Main}}
<h2>{{.T.glossary}}</h2>
<dl class="gloss">
{{range .Glossary}}<dt>{{index . 0}}</dt><dd>{{index . 1}}</dd>
{{end}}</dl>
{{if eq .Lang "fr"}}` + methodFR + `{{else}}` + methodEN + `{{end}}
{{end}}
</main></body></html>
`

const methodEN = `<h2>Method and limits</h2>
<div class="method">
<p><b>Mail.</b> Many mail servers sign the messages they send with DKIM: a cryptographic signature over the body and chosen header fields, checked with a public key the sending domain publishes in the DNS. A valid signature shows that the signed parts are exactly what that domain's server sent. Keys are taken {{if .R.Keys}}from an archive of past keys ({{keynames .R}}, SHA-256 above){{end}}{{if and .R.Keys .R.LiveDNS}} and {{end}}{{if .R.LiveDNS}}from the DNS as it is today{{end}}{{if and (not .R.Keys) (not .R.LiveDNS)}}from nowhere (no key archive and no DNS were used, so no signature could be checked){{end}}. Each message is judged at its own date: a key replaced since, or a signature whose validity period has since ended, is not a sign of forgery.</p>
<ul>
<li>"Authentic" means a valid signature covers the whole body (attachments included) and every header field a reader sees (From, To, Cc, Subject, Date). "Authentic, with caveats" names what the signature does not prove: a field it does not cover (which could have been changed), a weak algorithm, a signing domain other than the sender's.</li>
<li>"Altered" means a change is proven: the message no longer matches its signature, content was added after the signed length (<code>l=</code>), a header field was added above a signed one, a second signature shows a field changed, or the party's own copy differs in a field a reader sees. The parts that changed are named.</li>
<li>"Reformatted, text unchanged": the signature breaks when a relay or a mail client rewrites bytes (spaces at line ends, re-wrapped lines, 8bit text re-encoded as quoted-printable). When undoing the rewriting makes the body match the signature again, or when the party's copy shows the text, fields and attachments are the same, the report says so instead of "altered".</li>
<li>"Forged" rests on evidence, given for each message: a signature made with another key than the archived key of its selector at the message's date (an RSA signature made with the right key over changed data still decodes under it; one made with another key does not); or a message that passed through mail servers claiming a domain that validly signed at least 20 of its other relayed messages in the dump, with at most 5% unsigned, within a month of this one. With n signed messages and none unsigned, the 95% upper bound of the share of mail such a domain sends unsigned is about 3/n (15% at 20, 2% at 140). Copies from a Sent folder (no Received field) are never judged this way: signing happens at the outgoing server, after the copy is saved.</li>
<li>A signature proves what a domain's server sent, not that what was written is true, nor who typed it. "Unverifiable" proves nothing either way.</li>
<li>RSA-SHA1 signatures and short keys are accepted but marked weak: they can be forged by a well-funded attacker.</li>
</ul>
<p><b>Comparison with the party's originals.</b> Each leaked item is compared with the party's own files: first byte for byte (SHA-256), then for mail by Message-ID, then by text similarity (word shingles and MinHash). For mail, the header fields, the decoded text (mbox "&gt;From" quoting set aside) and each attachment (by name and SHA-256) are compared. For documents, the text and the metadata. A missing original does not make an item false: the party may not have kept it.</p>
<p><b>Document metadata.</b> Office and PDF files record who wrote and last saved them, when, with which software, in which language and time zone. Vigie checks these against what the party's genuine documents look like{{if .R.Staff}} (a staff list of {{.R.Staff}} names was given){{end}}. Metadata is easy to change and often wrong for innocent reasons: an anomaly is a reason to doubt, never proof of forgery on its own.</p>
<p><b>Bad input.</b> Every file of the dump is listed. Archives (zip, 7-Zip, tar, tar.gz, tar.xz, tar.bz2, nested) are opened within limits; damaged, encrypted, truncated or oversized items are listed as "could not be examined" with the reason; they were not judged.</p>
</div>`

const methodFR = `<h2>Méthode et limites</h2>
<div class="method">
<p><b>Courrier.</b> Beaucoup de serveurs de messagerie signent les messages qu'ils envoient avec DKIM : une signature cryptographique du corps et de champs d'en-tête choisis, vérifiée avec une clé publique que le domaine expéditeur publie dans le DNS. Une signature valide montre que les parties signées sont exactement ce que le serveur de ce domaine a envoyé. Les clés viennent {{if .R.Keys}}d'une archive de clés passées ({{keynames .R}}, SHA-256 ci-dessus){{end}}{{if and .R.Keys .R.LiveDNS}} et {{end}}{{if .R.LiveDNS}}du DNS tel qu'il est aujourd'hui{{end}}{{if and (not .R.Keys) (not .R.LiveDNS)}}de nulle part (ni archive de clés ni DNS : aucune signature n'a pu être vérifiée){{end}}. Chaque message est jugé à sa propre date : une clé remplacée depuis, ou une signature expirée depuis, n'est pas un signe de falsification.</p>
<ul>
<li>« Authentique » : une signature valide couvre tout le corps (pièces jointes comprises) et chaque champ d'en-tête qu'un lecteur voit (De, À, Cc, Objet, Date). « Authentique, avec réserves » nomme ce que la signature ne prouve pas : un champ qu'elle ne couvre pas (qui a pu être modifié), un algorithme faible, un domaine signataire autre que celui de l'expéditeur.</li>
<li>« Modifié » : un changement est prouvé : le message ne correspond plus à sa signature, du contenu a été ajouté après la longueur signée (<code>l=</code>), un champ a été ajouté au-dessus d'un champ signé, une seconde signature montre qu'un champ a changé, ou la copie du parti diffère dans un champ qu'un lecteur voit. Ce qui a changé est nommé.</li>
<li>« Reformaté, texte inchangé » : la signature casse quand un relais ou un logiciel de messagerie réécrit des octets (espaces en fin de ligne, lignes recoupées, texte 8bit réencodé en quoted-printable). Quand défaire cette réécriture rend le corps conforme à la signature, ou quand la copie du parti montre le même texte, les mêmes champs et les mêmes pièces jointes, le rapport le dit au lieu de « modifié ».</li>
<li>« Falsifié » repose sur des preuves, données pour chaque message : une signature faite avec une autre clé que la clé archivée de son sélecteur à la date du message (une signature RSA faite avec la bonne clé sur des données modifiées se décode encore avec elle ; une signature faite avec une autre clé, non) ; ou un message passé par des serveurs qui se réclame d'un domaine ayant signé valablement au moins 20 de ses autres messages relayés dans la fuite, avec au plus 5 % non signés, à moins d'un mois de celui-ci. Avec n messages signés et aucun non signé, la borne supérieure à 95 % de la part de courrier non signé d'un tel domaine est d'environ 3/n (15 % pour 20, 2 % pour 140). Les copies d'un dossier « Envoyés » (sans champ Received) ne sont jamais jugées ainsi : la signature est apposée par le serveur sortant, après l'enregistrement de la copie.</li>
<li>Une signature prouve ce que le serveur d'un domaine a envoyé, pas que ce qui est écrit est vrai, ni qui l'a tapé. « Invérifiable » ne prouve rien dans un sens ou dans l'autre.</li>
<li>Les signatures RSA-SHA1 et les clés courtes sont acceptées mais signalées comme faibles : un attaquant disposant de moyens peut les contrefaire.</li>
</ul>
<p><b>Comparaison avec les originaux du parti.</b> Chaque élément est comparé aux fichiers du parti : d'abord octet pour octet (SHA-256), puis pour le courrier par Message-ID, puis par similarité de texte (fragments de mots et MinHash). Pour le courrier sont comparés les champs d'en-tête, le texte décodé (hors protection mbox « &gt;From ») et chaque pièce jointe (par nom et SHA-256) ; pour les documents, le texte et les métadonnées. L'absence d'original ne rend pas un élément faux : le parti ne l'a peut-être pas gardé.</p>
<p><b>Métadonnées des documents.</b> Les fichiers Office et PDF enregistrent qui les a écrits et enregistrés, quand, avec quel logiciel, dans quelle langue et quel fuseau horaire. Vigie les compare à ce à quoi ressemblent les documents authentiques du parti{{if .R.Staff}} (une liste de {{.R.Staff}} personnes a été fournie){{end}}. Les métadonnées se modifient facilement et sont souvent fausses pour des raisons innocentes : une anomalie est une raison de douter, jamais à elle seule une preuve de falsification.</p>
<p><b>Entrées défectueuses.</b> Chaque fichier de la fuite est listé. Les archives (zip, 7-Zip, tar, tar.gz, tar.xz, tar.bz2, imbriquées) sont ouvertes dans des limites ; les éléments endommagés, chiffrés, tronqués ou trop grands sont listés « non examiné » avec la raison ; ils n'ont pas été jugés.</p>
</div>`
