package leak

import (
	"fmt"
	"html/template"
	"io"
	"strings"
)

// HTML report limits: beyond them the report says to read items.csv.
const (
	maxHTMLDetails = 3000  // items shown with their evidence
	maxHTMLRows    = 20000 // items listed in the table
)

// verdictInfo is how each verdict is named and explained to the public.
var verdictInfo = map[Verdict]struct {
	Label, Colour, Meaning string
}{
	Authentic:            {"Authentic", "#1b7a3d", "A valid DKIM signature of the sending domain covers the whole body and the header fields that matter. The message is what that domain's mail server sent."},
	AuthenticWithCaveats: {"Authentic, with caveats", "#5a9a3a", "A signature is mathematically valid, but something limits what it proves (the caveats are listed for each message)."},
	Altered:              {"Altered", "#b3261e", "The message does not match what was signed (or differs from the party's own copy): the parts that changed are named."},
	Forged:               {"Forged", "#6d0f0a", "Evidence that the message is not what the sending domain sent: it was signed with another key than the domain's archived key, or it carries no signature from a domain that signed all its other mail in the dump. The evidence is given for each message."},
	Reformatted:          {"Reformatted, text unchanged", "#3d7a8a", "The signature no longer verifies because the bytes were rewritten (whitespace, line wrapping, transfer encoding), but the party's own copy shows the same text, header fields and attachments."},
	Unverifiable:         {"Unverifiable", "#6b6b6b", "Nothing could be proven either way: no signature, no key, or no original to compare with. This is not evidence of forgery."},
	IdenticalToOriginal:  {"Identical to an original", "#1b7a3d", "The file is byte for byte the same as a file in the party's own records."},
	ModifiedCopy:         {"Modified copy", "#c25b00", "The file is a copy of one of the party's files with changes: the differences are shown."},
	Suspicious:           {"Suspicious metadata", "#a08000", "No original was found, and the document's metadata does not fit the party's genuine documents. Metadata can be wrong for innocent reasons; this is a reason to doubt, not a proof of forgery."},
	NoOriginal:           {"No original found", "#8a8a8a", "Nothing similar was found in the party's records, and the metadata shows no anomaly. The item can be neither confirmed nor refuted."},
	Error:                {"Could not be examined", "#4a4a8a", "The item is damaged, encrypted, over a safety limit or in a format not yet read; the reason is given."},
}

type htmlBar struct {
	Label, Colour string
	Count         int
	Y, W          int
}

type htmlView struct {
	R        *Report
	Total    int
	Bars     []htmlBar
	ChartH   int
	Legend   []htmlLegend
	Details  []*Item
	Rows     []*Item
	MoreDet  int
	MoreRows int
	Kinds    map[string]int
}

type htmlLegend struct {
	Verdict       Verdict
	Label, Colour string
	Meaning       string
	Count         int
}

// WriteHTML writes the self-contained report for publication: inline CSS,
// an inline SVG chart, no script, no external resource.
func WriteHTML(w io.Writer, rep *Report) error {
	v := htmlView{R: rep, Total: len(rep.Items), Kinds: map[string]int{}}
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
		v.Legend = append(v.Legend, htmlLegend{vd, info.Label, info.Colour, info.Meaning, n})
		if n == 0 {
			continue
		}
		v.Bars = append(v.Bars, htmlBar{Label: info.Label, Colour: info.Colour, Count: n, Y: y, W: max1(n*330/max, 2)})
		y += 34
	}
	v.ChartH = max1(y, 34)
	for _, it := range rep.Items {
		v.Kinds[it.Kind]++
	}
	// Details: what needs attention first, then mail verdicts.
	for _, vd := range VerdictOrder {
		for _, it := range rep.Items {
			if it.Verdict != vd || (vd == Unverifiable || vd == NoOriginal) && it.Mail == nil && it.Document == nil && it.Error == "" {
				continue
			}
			if len(v.Details) >= maxHTMLDetails {
				v.MoreDet++
				continue
			}
			v.Details = append(v.Details, it)
		}
	}
	v.Rows = rep.Items
	if len(v.Rows) > maxHTMLRows {
		v.MoreRows = len(v.Rows) - maxHTMLRows
		v.Rows = v.Rows[:maxHTMLRows]
	}
	return reportTmpl.Execute(w, v)
}

func max1(a, b int) int {
	if a > b {
		return a
	}
	return b
}

var reportTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"label":   func(v Verdict) string { return verdictInfo[v].Label },
	"colour":  func(v Verdict) template.CSS { return template.CSS(verdictInfo[v].Colour) },
	"bcolour": func(s string) template.CSS { return template.CSS(s) },
	"pct":     func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
	"date":    func(r *Report) string { return r.Generated.Format("2 January 2006, 15:04 MST") },
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
}).Parse(reportHTML))

const reportHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Leak verification report</title>
<style>
body{font-family:Georgia,"Times New Roman",serif;color:#1a1a1a;background:#fff;margin:0;line-height:1.5}
main{max-width:60rem;margin:0 auto;padding:2rem 1.5rem 4rem}
h1{font-size:2rem;margin:0 0 .3rem}h2{font-size:1.4rem;margin:2.2rem 0 .6rem;border-bottom:1px solid #ccc;padding-bottom:.2rem}
h3{font-size:1.05rem;margin:0 0 .3rem;font-family:Helvetica,Arial,sans-serif;word-break:break-all}
.meta{color:#555;font-size:.95rem}
.summary{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start}
table{border-collapse:collapse;font-family:Helvetica,Arial,sans-serif;font-size:.9rem}
td,th{padding:.25rem .6rem;border-bottom:1px solid #e3e3e3;text-align:left;vertical-align:top}
th{background:#f4f4f4}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;color:#fff;border-radius:3px;padding:0 .45rem;font-family:Helvetica,Arial,sans-serif;font-size:.8rem;white-space:nowrap}
.item{border:1px solid #ddd;border-left-width:6px;border-radius:3px;padding:.8rem 1rem;margin:1rem 0}
.item ul{margin:.3rem 0;padding-left:1.3rem}
.kv{font-family:Helvetica,Arial,sans-serif;font-size:.85rem;color:#333}
.kv b{color:#000}
pre{background:#f7f7f7;border:1px solid #e0e0e0;padding:.5rem;overflow-x:auto;font-size:.8rem;line-height:1.35;white-space:pre-wrap;word-break:break-word}
pre span{display:block;min-height:1.2em}.da{background:#e6f4ea}.dr{background:#fce8e6}.dh{color:#555}
.method p,.method li{max-width:46rem}
.small{font-size:.85rem;color:#555}
.list td{font-size:.8rem;word-break:break-all}
</style>
</head>
<body><main>
<h1>Leak verification report</h1>
<p class="meta">{{.Total}} items examined{{if .R.Originals}}, compared with {{.R.OriginalCount}} original items of the party{{end}}. Generated {{date .R}} by {{if .R.Tool}}{{.R.Tool}}{{else}}Vigie{{end}}.</p>

<h2>Summary</h2>
<div class="summary">
<table>
<tr><th>Verdict</th><th>Items</th></tr>
{{range .Legend}}{{if .Count}}<tr><td><span class="badge" style="background:{{bcolour .Colour}}">{{.Label}}</span></td><td class="n">{{.Count}}</td></tr>{{end}}{{end}}
<tr><th>Total</th><th class="n">{{.Total}}</th></tr>
</table>
<svg xmlns="http://www.w3.org/2000/svg" width="580" height="{{.ChartH}}" viewBox="0 0 580 {{.ChartH}}" role="img" aria-label="Items by verdict">
{{range .Bars}}<g transform="translate(0,{{.Y}})"><text x="170" y="20" text-anchor="end" font-family="Helvetica,Arial,sans-serif" font-size="13" fill="#333">{{.Label}}</text><rect x="180" y="4" width="{{.W}}" height="22" fill="{{bcolour .Colour}}"></rect><text x="{{add 186 .W}}" y="20" font-family="Helvetica,Arial,sans-serif" font-size="13" fill="#333">{{.Count}}</text></g>
{{end}}</svg>
</div>
<p class="small">By kind: {{range $k, $n := .Kinds}}{{$n}} {{$k}} &nbsp; {{end}}</p>

<h2>What each verdict means</h2>
<table>
{{range .Legend}}<tr><td><span class="badge" style="background:{{bcolour .Colour}}">{{.Label}}</span></td><td>{{.Meaning}}</td></tr>
{{end}}</table>

<h2>Items, with their evidence</h2>
{{if not .Details}}<p>No item to detail.</p>{{end}}
{{range .Details}}<div class="item" style="border-left-color:{{colour .Verdict}}">
<h3>{{.Path}}</h3>
<p><span class="badge" style="background:{{colour .Verdict}}">{{label .Verdict}}</span> <span class="kv">{{.Kind}}, {{.Format}}, {{.Size}} bytes{{if .SHA256}}, SHA-256 {{.SHA256}}{{end}}</span></p>
{{with .Mail}}<p class="kv">{{if .From}}<b>From</b> {{.From}} {{end}}{{if .To}}<b>To</b> {{.To}} {{end}}{{if .Date}}<b>Date</b> {{.Date}} {{end}}{{if .Subject}}<br><b>Subject</b> {{.Subject}}{{end}}</p>
{{if .Signatures}}<p class="kv">{{range .Signatures}}<b>DKIM</b> d={{.Domain}} s={{.Selector}} {{.Algorithm}}: {{.Result}}{{if .Reason}} ({{.Reason}}){{end}}{{if .KeySource}}, key from {{.KeySource}}{{end}}{{if .KeyBits}}, {{.KeyBits}} bits{{end}}<br>{{end}}</p>{{end}}{{end}}
{{with .Document}}<p class="kv">{{if .Type}}<b>Type</b> {{.Type}} {{end}}{{if .Author}}<b>Author</b> {{.Author}} {{end}}{{if .LastModifiedBy}}<b>Last saved by</b> {{.LastModifiedBy}} {{end}}{{if .Application}}<b>Software</b> {{.Application}} {{end}}{{if .Created}}<br><b>Created</b> {{.Created}} {{end}}{{if .Modified}}<b>Modified</b> {{.Modified}} {{end}}{{if .Revision}}<b>Revision</b> {{.Revision}} {{end}}{{if .EditTime}}<b>Edit time</b> {{.EditTime}}{{end}}</p>{{end}}
{{if .Reasons}}<ul>{{range .Reasons}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{with .Original}}{{if .Headers}}<table><tr><th>Header field</th><th>Party's copy</th><th>Leaked copy</th></tr>{{range .Headers}}<tr><td>{{.Field}}</td><td>{{.Original}}</td><td>{{.Leaked}}</td></tr>{{end}}</table>{{end}}
{{if .Metadata}}<table><tr><th>Metadata</th><th>Original</th><th>Leaked copy</th></tr>{{range .Metadata}}<tr><td>{{.Field}}</td><td>{{.Original}}</td><td>{{.Leaked}}</td></tr>{{end}}</table>{{end}}
{{if .TextDiff}}<p class="kv"><b>Text changes</b> (lines starting with − were removed from the original, + were added):</p><pre>{{range lines .TextDiff}}<span class="{{diffclass .}}">{{.}}</span>{{end}}</pre>{{end}}{{end}}
{{if ne .Verdict "error"}}{{with .Document}}{{if .TextNote}}<p class="small">{{.TextNote}}</p>{{end}}{{end}}{{end}}
</div>
{{end}}
{{if .MoreDet}}<p>{{.MoreDet}} more items are not detailed here: see report.json and items.csv.</p>{{end}}

<h2>All items</h2>
<table class="list">
<tr><th>Item</th><th>Kind</th><th>Verdict</th></tr>
{{range .Rows}}<tr><td>{{.Path}}</td><td>{{.Kind}}</td><td><span class="badge" style="background:{{colour .Verdict}}">{{label .Verdict}}</span></td></tr>
{{end}}</table>
{{if .MoreRows}}<p>{{.MoreRows}} more items are listed in items.csv and report.json.</p>{{end}}

<h2>Method and limits</h2>
<div class="method">
<p><b>Mail.</b> Many mail servers sign the messages they send with DKIM: a cryptographic signature over the body and chosen header fields, checked with a public key the sending domain publishes in the DNS. A valid signature shows that the signed parts are exactly what that domain's server sent. Keys are taken {{if .R.Keys}}from an archive of past keys ({{.R.Keys}}){{end}}{{if and .R.Keys .R.LiveDNS}} and {{end}}{{if .R.LiveDNS}}from the DNS as it is today{{end}}{{if and (not .R.Keys) (not .R.LiveDNS)}}from nowhere (no key archive and no DNS were used, so no signature could be checked){{end}}. Each message is judged at its own date, not today's: a key that has since been replaced, or a signature whose validity period has since ended, is not a sign of forgery.</p>
<ul>
<li>A signature only vouches for what it covers. When it covers only part of the body (the <code>l=</code> tag), or leaves header fields unsigned so that another copy could be added, the report says so as a caveat.</li>
<li>A signature proves what a domain's server sent, not that what was written is true, nor who typed it.</li>
<li>"Altered" means the message no longer matches its signature (or the party's own copy): body, header fields or both are named. Harmless changes in transit (a mailing list adding a footer) also break signatures; the details say what changed.</li>
<li>"Unverifiable" proves nothing either way: most mail is unsigned or signed with keys nobody kept.</li>
<li>RSA-SHA1 signatures and short keys are accepted but marked weak: they can be forged by a well-funded attacker.</li>
</ul>
<p><b>Comparison with the party's originals.</b> Each leaked item is compared with the party's own files: first byte for byte (SHA-256), then for mail by Message-ID, then by text similarity (word shingles and MinHash, which finds re-saved and lightly edited copies among many files). When a copy is found, the differences in the text, the header fields and the metadata are shown. A missing original does not make an item false: the party may not have kept it. Outlook .msg files hold a message as Outlook converted it, not as it was received: their signatures can rarely be checked, but their text is compared. Text is extracted from Word, Excel and PowerPoint files (old and new), OpenDocument, PDF and RTF files. The text of a PDF is read in the order it is drawn: columns may come out interleaved, the same way in the original and in its copy. Encrypted or damaged files whose text cannot be read are compared by content hash, and by name and creation date.</p>
<p><b>Document metadata.</b> Office and PDF files record who wrote and last saved them, when, with which software, in which language and time zone. Vigie checks these against what the party's genuine documents look like{{if .R.Staff}} (a staff list of {{.R.Staff}} names was given){{end}}: unknown authors, a foreign writing system or software language, a time zone the staff do not use, a save after the theft, many files saved within minutes. Metadata is easy to change and often wrong for innocent reasons (borrowed computers, templates): an anomaly is a reason to doubt, never proof of forgery on its own.</p>
<p><b>Bad input.</b> Damaged, encrypted or oversized files, and archives that expand beyond safe limits, are listed as "could not be examined" with the reason; they were not judged.</p>
</div>
</main></body></html>
`
