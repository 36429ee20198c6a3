package mail

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/vigie-project/vigie/internal/archive"
	"github.com/vigie-project/vigie/internal/lookalike"
	"github.com/vigie-project/vigie/internal/mime"
	"github.com/vigie-project/vigie/internal/report"
)

// Limits of archive inspection: a zip bomb or a deep nest of archives
// gets a bounded look and a reason saying so.
const (
	maxArchiveEntries = 1000
	maxEntryBytes     = 16 << 20 // read at most this much of one entry
	maxArchiveDepth   = 3
	maxExpandedBytes  = 64 << 20 // all entries of one attachment together
)

// dangerousExt are file types that run code when opened on Windows or
// macOS, or containers that hide such files from filters.
var dangerousExt = setOf("exe", "scr", "pif", "com", "bat", "cmd", "vbs", "vbe", "js", "jse", "wsf", "wsh", "hta", "ps1", "psm1", "msi",
	"msp", "lnk", "jar", "cpl", "reg", "dll", "xll", "appx", "appxbundle", "msix", "application", "gadget", "msc", "scf", "url", "inf",
	"sct", "chm", "iso", "img", "vhd", "vhdx", "apk", "app", "command", "sh", "ps2", "wsc", "ws", "jnlp", "library-ms", "settingcontent-ms",
	"one", "svg", "iqy", "slk", "xlam", "ppam", "docm", "xlsm", "pptm", "dotm", "xltm", "potm", "ppsm", "sldm", "accde", "mde", "ade", "adp")

// scriptExt are the dangerous types that are text (scripts, shortcuts,
// query files): judged by what they contain (dangerousScript). Binary
// programs (.exe, .dll, .lnk ...) are harmful by type.
var scriptExt = setOf("bat", "cmd", "vbs", "vbe", "js", "jse", "wsf", "wsh", "hta", "ps1", "psm1", "ps2", "reg", "inf", "sct", "wsc", "ws",
	"command", "sh", "url", "scf", "iqy", "slk", "jnlp", "library-ms", "settingcontent-ms")

// scriptDanger are the marks of a script that downloads, decodes or runs
// something, or of a shortcut that reaches into a network share.
var scriptDanger = []struct {
	re   func() *regexp.Regexp
	what string
}{
	{lazyRegexp(`(?i)\b(curl|wget|invoke-webrequest|iwr|downloadstring|downloadfile|net\.webclient|bitsadmin|start-bitstransfer|msxml2\.(server)?xmlhttp|winhttp\.winhttprequest|certutil(\.exe)?\s+-urlcache)\b`), "downloads from the Internet"},
	{lazyRegexp(`(?i)\b(wscript\.shell|shell\.application|activexobject|createobject\s*\(|mshta|rundll32|regsvr32|invoke-expression|iex\s*\(|frombase64string|-enc(odedcommand)?\s+[a-z0-9+/=]{20}|start-process|schtasks|launchctl|osascript|string\.fromcharcode|eval\s*\()`), "starts other programs or decodes hidden code"},
	{lazyRegexp(`(?i)(\|\s*(ba|z|da)?sh\b|/dev/tcp/|\bnc\s+-e\b|base64\s+(-d|--decode)|chmod\s+\+x|\bpowershell\b|\bcmd(\.exe)?\s+/[ck]\b)`), "runs commands it builds or fetches"},
	{lazyRegexp(`(?im)^\s*(url|iconfile|workingdirectory)\s*=\s*(file:|\\\\|smb:|search-ms:|ms-|[^\r\n]*\.(exe|scr|hta|js|vbs|bat|cmd|ps1|lnk|msi|dll|cpl)\s*$)`), "points to a program or a network share"},
	{lazyRegexp(`(?i)^\s*(WEB|1)\s*[\r\n]+\s*https?://`), "fetches its content from a web address when opened (a web query)"},
}

// dangerousScript says what a script or shortcut does that is harmful,
// or "" when nothing harmful is seen. Very long unbroken runs (packed or
// encoded code) count as hiding something.
func dangerousScript(ext string, b []byte) string {
	if len(b) > 1<<20 {
		b = b[:1<<20]
	}
	for _, d := range scriptDanger {
		if d.re().Match(b) {
			return d.what
		}
	}
	run := 0
	for _, c := range b {
		if c == '\n' || c == '\r' || c == ' ' || c == '\t' {
			run = 0
			continue
		}
		if run++; run > 2000 {
			return "holds a long packed or encoded block that hides its code"
		}
	}
	return ""
}

// macroExt are Office types that may carry macros (scored by content).
var macroExt = setOf("docm", "xlsm", "pptm", "dotm", "xltm", "potm", "ppsm", "sldm", "xlam", "ppam")

// containerExt open as disk images: Windows mounts them and their files
// lose the "downloaded from the Internet" mark.
var containerExt = setOf("iso", "img", "vhd", "vhdx")

var docExt = setOf("pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "rtf", "txt", "jpg", "jpeg", "png", "gif", "zip", "odt", "html", "htm", "mp3", "wav", "csv")

type attCtx struct {
	ctx      context.Context
	a        *Analyzer
	x        *msg
	expanded int
	notes    map[string]bool
}

func (a *Analyzer) checkAttachments(ctx context.Context, x *msg) {
	ac := &attCtx{ctx: ctx, a: a, x: x, notes: map[string]bool{}}
	for _, p := range x.atts {
		if ctx.Err() != nil {
			return
		}
		name := p.Filename
		if name == "" {
			name = "part " + p.Path
		}
		ac.inspect(name, name, p.MediaType, p.Body, 0)
	}
	// scanners and hash indicators on every part
	x.m.Walk(func(p *mime.Part) {
		if p.IsMultipart() || len(p.Body) == 0 || ctx.Err() != nil {
			return
		}
		name := p.Filename
		if name == "" {
			name = "part " + p.Path
		}
		a.hashIndicators(x, name, p.Body)
		a.runScanners(ctx, x, name, p.Body)
	})
}

// runScanners runs the AttachmentScanners on one part or archive entry
// (name says which). A match is a reason named "rule:NAME"; it marks
// malware when the rule's score is at least RuleMalwareScore or absent,
// and adds RuleWeakPoints otherwise.
func (a *Analyzer) runScanners(ctx context.Context, x *msg, name string, data []byte) {
	for _, s := range a.opts.Scanners {
		if ctx.Err() != nil {
			return
		}
		ms, err := s.ScanAttachment(ctx, name, data)
		if err != nil {
			x.res.add(Reason{Check: "scan-error", Category: CatAttachment, Score: 0.5,
				Text: fmt.Sprintf("The content scanner could not scan %s: %v", name, err)})
			continue
		}
		for _, m := range ms {
			what := m.Rule
			if m.Description != "" {
				what += " (" + m.Description + ")"
			}
			r := Reason{Check: "rule:" + m.Rule, Category: CatAttachment, Score: 8, Malware: true,
				Evidence: []evidence{ev(name, m.Detail, "")},
				Match:    &report.Match{Kind: "yara", Value: m.Rule, Source: m.Source, Threats: m.Threats, Tags: m.Tags},
				Text:     fmt.Sprintf("%s matches the detection rule %s.", name, what)}
			if m.Score > 0 && m.Score < RuleMalwareScore {
				r.Score, r.Malware = RuleWeakPoints, false
				r.Text = fmt.Sprintf("%s matches the detection rule %s, a weak sign of something harmful (rule score %d).", name, what, m.Score)
			}
			x.res.add(r)
		}
	}
}

func (a *Analyzer) hashIndicators(x *msg, name string, b []byte) {
	if a.opts.Indicators == nil {
		return
	}
	s256 := sha256.Sum256(b)
	s1 := sha1.Sum(b)
	m5 := md5.Sum(b)
	for _, d := range [][]byte{s256[:], s1[:], m5[:]} {
		if ind, ok := a.opts.Indicators.Digest(d); ok {
			x.res.add(Reason{Check: "indicator-hash", Category: CatIndicator, Score: 10, Malware: true,
				Evidence: []evidence{ev(name, hex.EncodeToString(d), "")},
				Match:    indMatch(ind),
				Text:     fmt.Sprintf("The attachment %s is a known malicious file (%s).", name, indDesc(ind))})
			return
		}
	}
}

func (ac *attCtx) add(r Reason) {
	ac.x.res.add(r)
}

func extOf(name string) string {
	e := strings.ToLower(path.Ext(strings.TrimRight(name, ". ")))
	return strings.TrimPrefix(e, ".")
}

// inspect looks at one file: its name, its real type, and what it
// contains.
func (ac *attCtx) inspect(name, where, mediaType string, b []byte, depth int) {
	lname := strings.ToLower(strings.TrimSpace(name))
	ext := extOf(lname)
	display := name
	if depth > 0 {
		display = where
	}
	evd := []evidence{ev("attachment", display, fmt.Sprintf("%d bytes", len(b)))}
	if depth > 0 {
		// archive entries: the parts themselves are scanned in checkAttachments
		ac.a.runScanners(ac.ctx, ac.x, where, b)
	}
	// double extension: "invoice.pdf.exe", "scan.pdf   .js"
	ac.doubleExt(lname, display, evd)
	if strings.ContainsRune(name, '\u202e') {
		ac.add(Reason{Check: "rtlo-filename", Category: CatAttachment, Score: 5, Malware: true, Evidence: evd,
			Text: fmt.Sprintf("The file name %q uses a right-to-left character to disguise its extension.", name)})
	}
	kind := sniff(b)
	switch {
	case containerExt[ext] || kind == "iso":
		r := Reason{Check: "disk-image", Category: CatAttachment, Score: 6, Malware: true, Evidence: evd,
			Text: fmt.Sprintf("%s is a disk image (.%s): opening it mounts a drive whose programs escape Windows' warnings. Legitimate senders do not mail these.", display, ext)}
		if kind == "iso" || archive.Sniff(b) == archive.KindISO {
			if progs := ac.archive(display, where, archive.KindISO, b, depth, evd); len(progs) > 0 {
				r.Text += fmt.Sprintf(" It holds %s.", listNames(progs, 5))
				for _, p := range progs[:min(len(progs), 5)] {
					r.Evidence = append(r.Evidence, ev("program in the image", where+"!"+p, ""))
				}
			}
		}
		ac.add(r)
		return
	case kind == "pe" || kind == "elf" || kind == "macho":
		ac.add(Reason{Check: "executable", Category: CatAttachment, Score: 8, Malware: true, Evidence: evd,
			Text: fmt.Sprintf("%s is a program (%s executable). Opening it would run it on your computer.", display, strings.ToUpper(kind))})
		return
	case scriptExt[ext]:
		// a script is text: what it does decides, not its name. A shell
		// script sent to a developers' list is honest; one that fetches
		// and runs a program is not.
		if what := dangerousScript(ext, b); what != "" {
			ac.add(Reason{Check: "executable", Category: CatAttachment, Score: 8, Malware: true, Evidence: evd,
				Text: fmt.Sprintf("%s is a .%s script that runs as soon as it is opened, and it %s.", display, ext, what)})
			return
		}
		ac.add(Reason{Check: "script-attachment", Category: CatAttachment, Score: 3.5, Evidence: evd,
			Text: fmt.Sprintf("%s is a .%s file, a script or shortcut that acts as soon as it is opened; nothing harmful was seen in it, but do not open it unless you expected it.", display, ext)})
		return
	case dangerousExt[ext] && !macroExt[ext] && ext != "svg" && ext != "url" && ext != "one":
		ac.add(Reason{Check: "executable", Category: CatAttachment, Score: 8, Malware: true, Evidence: evd,
			Text: fmt.Sprintf("%s is a .%s file: a program or script that runs as soon as it is opened.", display, ext)})
		return
	case ext == "one" || kind == "onenote":
		ac.add(Reason{Check: "onenote", Category: CatAttachment, Score: 5, Malware: true, Evidence: evd,
			Text: fmt.Sprintf("%s is a OneNote notebook, a format used to hide scripts behind a fake \"click to view\" button.", display)})
	}
	switch kind {
	case "zip":
		ac.zip(name, where, ext, b, depth, evd)
	case "ole":
		ac.ole(display, b, evd)
	case "rtf":
		ac.rtf(display, b, evd)
	case "rar", "7z":
		ac.archive(display, where, kind, b, depth, evd)
	case "html", "svg":
		ac.html(display, b, evd, kind)
	case "eps":
		ac.add(Reason{Check: "eps", Category: CatAttachment, Score: 5, Malware: true, Evidence: evd,
			Text: fmt.Sprintf("%s is an Encapsulated PostScript file, a format whose Office filter has been exploited (CVE-2017-0261/0262, used against campaigns).", display)})
	}
	if mediaType == "text/html" || ext == "htm" || ext == "html" || ext == "shtml" || ext == "xhtml" || ext == "mht" || ext == "svg" {
		if kind != "html" && kind != "svg" {
			ac.html(display, b, evd, "html")
		}
	}
}

// sniff tells the real type of content from its first bytes.
func sniff(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("MZ")) && len(b) > 64:
		return "pe"
	case bytes.HasPrefix(b, []byte("\x7fELF")):
		return "elf"
	case bytes.HasPrefix(b, []byte{0xcf, 0xfa, 0xed, 0xfe}), bytes.HasPrefix(b, []byte{0xfe, 0xed, 0xfa, 0xce}):
		return "macho"
	case bytes.HasPrefix(b, []byte("PK\x03\x04")), bytes.HasPrefix(b, []byte("PK\x05\x06")):
		return "zip"
	case bytes.HasPrefix(b, []byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}):
		return "ole"
	case bytes.HasPrefix(b, []byte("{\\rt")):
		return "rtf"
	case bytes.HasPrefix(b, []byte("Rar!\x1a\x07")):
		return "rar"
	case bytes.HasPrefix(b, []byte{'7', 'z', 0xbc, 0xaf, 0x27, 0x1c}):
		return "7z"
	case bytes.HasPrefix(b, []byte{0xe4, 0x52, 0x5c, 0x7b, 0x8c, 0xd8, 0xa7, 0x4d}):
		return "onenote"
	case bytes.HasPrefix(b, []byte("%!PS-Adobe")) && bytes.Contains(b[:min(len(b), 64)], []byte("EPSF")),
		bytes.HasPrefix(b, []byte{0xc5, 0xd0, 0xd3, 0xc6}):
		return "eps"
	case len(b) > 0x8006 && bytes.Equal(b[0x8001:0x8006], []byte("CD001")):
		return "iso"
	}
	head := bytes.ToLower(b[:min(len(b), 1024)])
	head = bytes.TrimLeft(head, " \t\r\n\xef\xbb\xbf")
	switch {
	case bytes.HasPrefix(head, []byte("<!doctype html")), bytes.HasPrefix(head, []byte("<html")), bytes.Contains(head, []byte("<script")),
		bytes.HasPrefix(head, []byte("<head")), bytes.HasPrefix(head, []byte("<body")), bytes.Contains(head, []byte("<form")):
		return "html"
	case bytes.Contains(head, []byte("<svg")):
		return "svg"
	}
	return ""
}

func (ac *attCtx) zip(name, where, ext string, b []byte, depth int, evd []evidence) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		ac.add(Reason{Check: "broken-archive", Category: CatAttachment, Score: 1, Evidence: evd,
			Text: fmt.Sprintf("%s is a damaged zip archive that could not be inspected: %v", name, err)})
		return
	}
	if len(zr.File) > maxArchiveEntries {
		ac.add(Reason{Check: "archive-limits", Category: CatAttachment, Score: 2, Evidence: evd,
			Text: fmt.Sprintf("%s holds %d files, more than the %d inspected.", name, len(zr.File), maxArchiveEntries)})
	}
	office := false
	for _, f := range zr.File {
		if f.Name == "[Content_Types].xml" {
			office = true
		}
	}
	var declared uint64
	for i, f := range zr.File {
		if i >= maxArchiveEntries {
			break
		}
		declared += f.UncompressedSize64
		ename := f.Name
		lower := strings.ToLower(ename)
		inner := where + "!" + ename
		if f.Flags&1 != 0 {
			ac.add(Reason{Check: "encrypted-archive", Category: CatAttachment, Score: 4, Evidence: evd,
				Text: fmt.Sprintf("%s is protected by a password, which stops filters from looking inside; attackers send the password in the message.", name)})
			if e := extOf(lower); dangerousExt[e] && !macroExt[e] {
				ac.add(Reason{Check: "executable", Category: CatAttachment, Score: 8, Malware: true, Evidence: []evidence{ev("archive entry", inner, "")},
					Text: fmt.Sprintf("The protected archive %s contains %s, a program or script.", name, ename)})
			}
			continue
		}
		if office {
			switch {
			case strings.HasSuffix(lower, "vbaproject.bin"):
				ac.add(Reason{Check: "office-macro", Category: CatAttachment, Score: 6, Malware: true, Evidence: []evidence{ev("macro", inner, "")},
					Text: fmt.Sprintf("%s contains macros (programs inside the document). Do not enable content when Office asks.", name)})
			case strings.Contains(lower, "embeddings/") && (strings.Contains(lower, "oleobject") || strings.HasSuffix(lower, ".bin")):
				ac.add(Reason{Check: "ole-object", Category: CatAttachment, Score: 3, Evidence: []evidence{ev("object", inner, "")},
					Text: fmt.Sprintf("%s embeds an OLE object, a way to hide a program or exploit inside a document.", name)})
			case strings.HasSuffix(lower, ".eps") || strings.HasSuffix(lower, ".ps"):
				ac.add(Reason{Check: "eps", Category: CatAttachment, Score: 5, Malware: true, Evidence: []evidence{ev("image", inner, "")},
					Text: fmt.Sprintf("%s embeds an EPS image, the format of the Office exploits CVE-2017-0261/0262 used against campaigns.", name)})
			case strings.Contains(lower, "activex"):
				ac.add(Reason{Check: "activex", Category: CatAttachment, Score: 3, Evidence: []evidence{ev("control", inner, "")},
					Text: fmt.Sprintf("%s contains ActiveX controls, which can run code.", name)})
			case strings.HasSuffix(lower, ".rels") && f.UncompressedSize64 < 1<<20:
				if data := ac.read(f); bytes.Contains(data, []byte(`TargetMode="External"`)) && (bytes.Contains(data, []byte("attachedTemplate")) || bytes.Contains(data, []byte("oleObject"))) {
					ac.add(Reason{Check: "remote-template", Category: CatAttachment, Score: 6, Malware: true, Evidence: []evidence{ev("relationship", inner, "")},
						Text: fmt.Sprintf("%s loads a template or object from the Internet when opened (template injection), a way to fetch an exploit or macros later.", name)})
				}
			}
			continue
		}
		e := extOf(lower)
		if strings.HasSuffix(lower, "/") {
			continue
		}
		dangerous := dangerousExt[e]
		if dangerous {
			s, mal := 8.0, true
			check := "executable"
			text := fmt.Sprintf("The archive %s contains %s, a program or script that runs when opened.", name, ename)
			if macroExt[e] {
				s, mal, check = 3, false, "archive-macro-doc"
				text = fmt.Sprintf("The archive %s contains %s, an Office file type made for macros.", name, ename)
			}
			ac.add(Reason{Check: check, Category: CatAttachment, Score: s, Malware: mal, Evidence: []evidence{ev("archive entry", inner, "")}, Text: text})
		}
		// every entry: hash indicators and scanners; nested archives and
		// documents looked into, within the depth and expansion budget
		data := ac.read(f)
		if data == nil {
			continue
		}
		ac.entry(name, ename, inner, data, dangerous, depth, evd)
	}
	if !office && declared > 1<<30 || (len(b) > 0 && declared/uint64(len(b)) > 1000 && declared > 100<<20) {
		ac.add(Reason{Check: "zip-bomb", Category: CatAttachment, Score: 3, Evidence: evd,
			Text: fmt.Sprintf("%s declares %d MB once unpacked from %d KB: a decompression bomb meant to overwhelm filters.", name, declared>>20, len(b)>>10)})
	}
}

// read returns at most maxEntryBytes of an archive entry, within the
// attachment's expansion budget; nil when over budget or unreadable.
func (ac *attCtx) read(f *zip.File) []byte {
	left := maxExpandedBytes - ac.expanded
	if left <= 0 {
		if !ac.notes["budget"] {
			ac.notes["budget"] = true
			ac.add(Reason{Check: "archive-limits", Category: CatAttachment, Score: 2,
				Text: "The attachments unpack to more data than is inspected; the rest was not examined."})
		}
		return nil
	}
	rc, err := f.Open()
	if err != nil {
		return nil
	}
	defer rc.Close()
	data, _ := io.ReadAll(io.LimitReader(rc, int64(min(left, maxEntryBytes))))
	ac.expanded += len(data)
	return data
}

func utf16le(s string) []byte {
	out := make([]byte, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		out = append(out, s[i], 0)
	}
	return out
}

var (
	oleVBA      = [][]byte{utf16le("_VBA_PROJECT"), utf16le("VBA"), []byte("Attribute VB_")}
	oleEquation = [][]byte{utf16le("Equation Native"), []byte("Equation.3"), []byte("Microsoft Equation 3.0")}
	oleNative   = [][]byte{utf16le("Ole10Native"), []byte("Package\x00")}
)

func containsAny(b []byte, subs [][]byte) bool {
	for _, s := range subs {
		if bytes.Contains(b, s) {
			return true
		}
	}
	return false
}

// ole inspects a compound file (legacy .doc/.xls/.ppt, .msg) by the names
// of its streams: macros, Equation Editor objects, packaged files.
func (ac *attCtx) ole(name string, b []byte, evd []evidence) {
	if bytes.Contains(b, utf16le("_VBA_PROJECT")) || (bytes.Contains(b, utf16le("VBA")) && bytes.Contains(b, []byte("Attribute VB_"))) {
		ac.add(Reason{Check: "office-macro", Category: CatAttachment, Score: 6, Malware: true, Evidence: evd,
			Text: fmt.Sprintf("%s contains macros (programs inside the document). Do not enable content when Office asks.", name)})
	}
	if containsAny(b, oleEquation) {
		ac.add(Reason{Check: "equation-exploit", Category: CatAttachment, Score: 8, Malware: true, Evidence: evd,
			Text: fmt.Sprintf("%s embeds an Equation Editor object, the component exploited by CVE-2017-11882 and CVE-2018-0802.", name)})
	}
	if containsAny(b, oleNative) {
		ac.add(Reason{Check: "ole-object", Category: CatAttachment, Score: 3, Evidence: evd,
			Text: fmt.Sprintf("%s carries a packaged file (OLE object) that can be a program in disguise.", name)})
	}
}

var rtfObj = lazyRegexp(`(?i)\\objdata|\\objupdate|\\objemb|\\objlink|\\objautlink|\\objocx`)

// rtf inspects an RTF document for embedded objects and the exploit
// patterns of CVE-2017-0199/11882.
func (ac *attCtx) rtf(name string, b []byte, evd []evidence) {
	lb := bytes.ToLower(b[:min(len(b), 8<<20)])
	if rtfObj().Match(lb) {
		s, mal := 3.0, false
		text := fmt.Sprintf("%s is an RTF document with an embedded object.", name)
		if bytes.Contains(lb, []byte(`\objupdate`)) || bytes.Contains(lb, []byte("equation")) || bytes.Contains(lb, []byte("0002ce02")) ||
			bytes.Contains(lb, []byte("urlmoniker")) || bytes.Contains(lb, []byte("e0c9ea79f9bace118c8200aa004ba90b")) {
			s, mal = 8, true
			text = fmt.Sprintf("%s is an RTF document built like the exploits of CVE-2017-0199 and CVE-2017-11882 (an object that updates itself on opening or an Equation Editor object).", name)
		}
		ac.add(Reason{Check: "rtf-exploit", Category: CatAttachment, Score: s, Malware: mal, Evidence: evd, Text: text})
	}
}

// doubleExt flags a name that hides its real type behind a second
// extension: "invoice.pdf.exe", "scan.pdf   .js".
func (ac *attCtx) doubleExt(lname, display string, evd []evidence) {
	ext := extOf(lname)
	base := strings.TrimSuffix(lname, "."+ext)
	if inner := extOf(strings.TrimSpace(base)); inner != "" && docExt[inner] && dangerousExt[ext] && !macroExt[ext] {
		ac.add(Reason{Check: "double-extension", Category: CatAttachment, Score: 3, Evidence: evd,
			Text: fmt.Sprintf("The file %s hides its real type behind a second extension: it looks like a .%s but is a .%s.", display, inner, ext)})
	}
}

func listNames(names []string, n int) string {
	s := strings.Join(names[:min(len(names), n)], ", ")
	if len(names) > n {
		s += fmt.Sprintf(" and %d more", len(names)-n)
	}
	return s
}

var kindNames = map[string]string{archive.Kind7z: "7-Zip archive", archive.KindRAR: "RAR archive", archive.KindISO: "disk image"}

// archive inspects a 7-Zip or RAR archive or an ISO disk image like a zip:
// the names of its entries (programs and scripts, double extensions,
// password protection), then the content of each entry within the
// attachment's expansion budget: scanners and hash indicators on every
// entry, nested archives and documents inspected in turn. It returns the
// programs and scripts it found inside.
func (ac *attCtx) archive(name, where, kind string, b []byte, depth int, evd []evidence) []string {
	what := kindNames[kind]
	timeout := 20 * time.Second
	if dl, ok := ac.ctx.Deadline(); ok {
		timeout = max(time.Until(dl), time.Millisecond)
	}
	// at least one byte: a spent budget still lists the names
	budget := int64(max(maxExpandedBytes-ac.expanded, 1))
	a, err := archive.Open(b, kind, archive.Limits{MaxEntries: maxArchiveEntries, MaxEntryBytes: maxEntryBytes,
		MaxTotalBytes: budget, Timeout: timeout})
	switch {
	case errors.Is(err, archive.ErrEncrypted):
		ac.add(Reason{Check: "encrypted-archive", Category: CatAttachment, Score: 4, Evidence: evd,
			Text: fmt.Sprintf("%s is protected by a password that also hides the names of its files, which stops filters from looking inside; attackers send the password in the message.", name)})
		return nil
	case errors.Is(err, archive.ErrLimit):
		ac.add(Reason{Check: "archive-limits", Category: CatAttachment, Score: 2, Evidence: evd,
			Text: fmt.Sprintf("%s is a %s beyond what is inspected: %v.", name, what, err)})
		return nil
	case errors.Is(err, archive.ErrUnsupported):
		ac.add(Reason{Check: "opaque-archive", Category: CatAttachment, Score: 1.5, Evidence: evd,
			Text: fmt.Sprintf("%s is a %s whose content could not be inspected (%v); open it only if you expected it.", name, what, err)})
		return nil
	case err != nil:
		ac.add(Reason{Check: "broken-archive", Category: CatAttachment, Score: 1, Evidence: evd,
			Text: fmt.Sprintf("%s is a damaged %s that could not be inspected: %v", name, what, err)})
		return nil
	}
	defer func() { ac.expanded += int(a.Expanded()) }()
	if a.Truncated {
		ac.add(Reason{Check: "archive-limits", Category: CatAttachment, Score: 2, Evidence: evd,
			Text: fmt.Sprintf("%s holds more than the %d files inspected.", name, maxArchiveEntries)})
	}
	container := "archive"
	if kind == archive.KindISO {
		container = "disk image"
	}
	var progs []string
	broken := false
	for i, e := range a.Entries {
		if ac.ctx.Err() != nil {
			return progs
		}
		if e.Dir {
			continue
		}
		inner := where + "!" + e.Name
		lower := strings.ToLower(e.Name)
		ext := extOf(lower)
		entryEv := []evidence{ev("archive entry", inner, fmt.Sprintf("%d bytes", e.Size))}
		dangerous := dangerousExt[ext] && !macroExt[ext]
		ac.doubleExt(lower, inner, entryEv)
		if e.Encrypted {
			ac.add(Reason{Check: "encrypted-archive", Category: CatAttachment, Score: 4, Evidence: evd,
				Text: fmt.Sprintf("%s is protected by a password, which stops filters from looking inside; attackers send the password in the message.", name)})
		}
		switch {
		case dangerous:
			progs = append(progs, e.Name)
			text := fmt.Sprintf("The %s %s contains %s, a program or script that runs when opened.", container, name, e.Name)
			if e.Encrypted {
				text = fmt.Sprintf("The protected %s %s contains %s, a program or script.", container, name, e.Name)
			}
			ac.add(Reason{Check: "executable", Category: CatAttachment, Score: 8, Malware: true, Evidence: entryEv, Text: text})
		case macroExt[ext]:
			ac.add(Reason{Check: "archive-macro-doc", Category: CatAttachment, Score: 3, Evidence: entryEv,
				Text: fmt.Sprintf("The %s %s contains %s, an Office file type made for macros.", container, name, e.Name)})
		}
		if e.Encrypted {
			continue
		}
		data, err := a.Read(i)
		switch {
		case errors.Is(err, archive.ErrLimit):
			switch {
			case a.Expanded() >= budget:
				if !ac.notes["budget"] {
					ac.notes["budget"] = true
					ac.add(Reason{Check: "archive-limits", Category: CatAttachment, Score: 2,
						Text: "The attachments unpack to more data than is inspected; the rest was not examined."})
				}
			case len(data) == 0: // not an entry cut at maxEntryBytes: a decoder limit
				ac.add(Reason{Check: "archive-limits", Category: CatAttachment, Score: 2, Evidence: entryEv,
					Text: fmt.Sprintf("%s could not be inspected whole: %v.", name, err)})
			}
		case err != nil:
			if !broken {
				broken = true
				ac.add(Reason{Check: "broken-archive", Category: CatAttachment, Score: 1, Evidence: entryEv,
					Text: fmt.Sprintf("%s is a damaged %s: %s could not be read: %v", name, what, e.Name, err)})
			}
		}
		if len(data) == 0 {
			continue
		}
		ac.entry(name, e.Name, inner, data, dangerous, depth, evd)
	}
	if d := a.Declared(); kind != archive.KindISO && (d > 1<<30 || (len(b) > 0 && d/int64(len(b)) > 1000 && d > 100<<20)) {
		ac.add(Reason{Check: "zip-bomb", Category: CatAttachment, Score: 3, Evidence: evd,
			Text: fmt.Sprintf("%s declares %d MB once unpacked from %d KB: a decompression bomb meant to overwhelm filters.", name, d>>20, len(b)>>10)})
	}
	return progs
}

// entry examines the content of one archive entry (inner is its full
// name, "mail.zip!dir/file.exe"): hash indicators and scanners always;
// what it is and what it holds (inspect) unless it is a program, already
// reported, or nested deeper than maxArchiveDepth.
func (ac *attCtx) entry(archiveName, name, inner string, data []byte, dangerous bool, depth int, evd []evidence) {
	ac.a.hashIndicators(ac.x, inner, data)
	if dangerous || depth+1 > maxArchiveDepth {
		ac.a.runScanners(ac.ctx, ac.x, inner, data)
		if !dangerous && isArchive(data) && !ac.notes["depth"] {
			ac.notes["depth"] = true
			ac.add(Reason{Check: "archive-limits", Category: CatAttachment, Score: 2, Evidence: evd,
				Text: fmt.Sprintf("%s nests archives more than %d deep; the inner ones were not inspected.", archiveName, maxArchiveDepth)})
		}
		return
	}
	// inspect runs the scanners, names the type and recurses into nested
	// archives and documents
	ac.inspect(name, inner, "", data, depth+1)
}

func isArchive(b []byte) bool {
	switch sniff(b) {
	case "zip", "rar", "7z", "iso":
		return true
	}
	return false
}

var smuggling = lazyRegexp(`(?i)atob\(|unescape\(|fromcharcode|document\.write\(|window\.location|location\.href|eval\(|msSaveOrOpenBlob|createObjectURL`)

var smuggledDownload = lazyRegexp(`(?i)(createObjectURL|msSaveOrOpenBlob|\.download\s*=)`)

// html inspects an HTML or SVG attachment: a local page opened from the
// attachment escapes every URL filter.
func (ac *attCtx) html(name string, b []byte, evd []evidence, kind string) {
	var d htmlDoc
	s := string(b[:min(len(b), 4<<20)])
	parseHTML(s, "", &d)
	sc := 2.0
	text := fmt.Sprintf("%s is a web page sent as an attachment; opened, it runs in your browser outside any link filter.", name)
	if kind == "svg" {
		text = fmt.Sprintf("%s is an SVG image with scripts or links, which opens in the browser like a web page.", name)
		if d.scripts == 0 && len(d.links) == 0 && !smuggling().MatchString(s) {
			return
		}
	}
	strong := false
	switch {
	case d.forms > 0 || d.passwords > 0:
		// a local page asking for a password is a fake login page and
		// nothing else; a form alone (an order form) may be honest
		sc, strong = 6, d.passwords > 0
		text = fmt.Sprintf("%s is a web page with a form to type credentials into, sent as an attachment: a fake login page.", name)
	case smuggling().MatchString(s):
		// a page that builds a file from hidden data and hands it to the
		// browser is HTML smuggling and nothing honest
		sc, strong = 5, smuggledDownload().MatchString(s)
		text = fmt.Sprintf("%s is a web page whose script decodes and opens hidden content or redirects you (HTML smuggling).", name)
	}
	ac.add(Reason{Check: "html-attachment", Category: CatAttachment, Score: sc, Strong: strong, Evidence: evd, Text: text})
	for _, l := range d.links {
		if li, ok := parseLink(l); ok && li.host != "" {
			if m, ok := ac.a.det.Check(li.host); ok && m.Score >= lookalike.StrongScore {
				ac.add(Reason{Check: "lookalike-link", Category: CatLookalike, Score: 5.5, Strong: true, Evidence: []evidence{ev("link", li.Href, m.Detail)},
					Text: fmt.Sprintf("The attached page %s sends to %s, which imitates %s (%s).", name, li.host, m.Protected, m.Technique)})
			}
		}
	}
}
