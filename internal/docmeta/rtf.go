package docmeta

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// rtfInfoNames maps RTF \info destinations to exiftool's tag names.
var rtfInfoNames = map[string]string{
	"title": "Title", "subject": "Subject", "author": "Author", "manager": "Manager", "company": "Company",
	"copyright": "Copyright", "operator": "LastModifiedBy", "category": "Category", "keywords": "Keywords",
	"comment": "Comment", "doccomm": "Comments", "hlinkbase": "HyperlinkBase",
	"creatim": "CreateDate", "revtim": "ModifyDate", "printim": "LastPrinted", "buptim": "BackupTime",
	"edmins": "TotalEditTime", "nofpages": "Pages", "nofwords": "Words", "nofchars": "Characters",
	"nofcharsws": "CharactersWithSpaces", "id": "InternalIDNumber", "version": "RevisionNumber", "vern": "InternalVersionNumber",
}

// rtfMaxScan is how much of an RTF file is searched for the \info group
// (it comes right after the font and style tables).
const rtfMaxScan = 4 << 20

// readRTF reads the \info group of an RTF document.
func readRTF(m *Meta, r io.ReaderAt, size int64, l Limits) error {
	m.Type = "RTF"
	n := min(size, rtfMaxScan)
	buf := make([]byte, n)
	k, err := r.ReadAt(buf, 0)
	if err != nil && err != io.EOF {
		return err
	}
	buf = buf[:k]
	cp := 1252
	if i := bytes.Index(buf[:min(len(buf), 4096)], []byte(`\ansicpg`)); i >= 0 {
		j := i + 8
		for j < len(buf) && buf[j] >= '0' && buf[j] <= '9' {
			j++
		}
		if v, err := strconv.Atoi(string(buf[i+8 : j])); err == nil {
			cp = v
		}
	} else if bytes.Contains(buf[:min(len(buf), 64)], []byte(`\mac`)) {
		cp = 10000
	} else {
		m.warnf("Unspecified RTF encoding. Will assume Latin")
	}
	i := bytes.Index(buf, []byte(`{\info`))
	if i < 0 {
		if int64(len(buf)) < size {
			m.warnf("no \\info group in the first %d bytes", len(buf))
		}
		return nil
	}
	// Find the end of the info group.
	depth := 0
	end := -1
	for j := i; j < len(buf); j++ {
		switch buf[j] {
		case '\\':
			j++
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				end = j
			}
		}
		if end >= 0 {
			break
		}
	}
	if end < 0 {
		return errors.New("RTF \\info group is not closed")
	}
	info := buf[i+6 : end]
	// Each sub-group: {\word text} or {\*\word text} or {\creatim\yr..}.
	for p := 0; p < len(info); p++ {
		if info[p] != '{' {
			continue
		}
		// Find the matching close brace.
		d, q := 0, p
		for ; q < len(info); q++ {
			if info[q] == '\\' {
				q++
				continue
			}
			if info[q] == '{' {
				d++
			} else if info[q] == '}' {
				d--
				if d == 0 {
					break
				}
			}
		}
		if q >= len(info) {
			break
		}
		g := info[p+1 : q]
		p = q
		g = bytes.TrimPrefix(g, []byte(`\*`))
		if len(g) < 2 || g[0] != '\\' {
			continue
		}
		w := 1
		for w < len(g) && (g[w] >= 'a' && g[w] <= 'z') {
			w++
		}
		word := string(g[1:w])
		name, ok := rtfInfoNames[word]
		if !ok {
			continue
		}
		rest := g[w:]
		switch word {
		case "creatim", "revtim", "printim", "buptim":
			if s, ok := rtfDate(rest); ok {
				m.add("RTF", name, s)
			}
			continue
		case "edmins", "nofpages", "nofwords", "nofchars", "nofcharsws", "id", "version", "vern":
			num := strings.TrimSpace(string(rest))
			if _, err := strconv.Atoi(num); err != nil {
				continue
			}
			if word == "edmins" {
				v, _ := strconv.Atoi(num)
				d := time.Duration(v) * time.Minute
				m.TotalEditTime = &d
				num = convertTimeSpan(num, 60)
			}
			m.add("RTF", name, num)
			continue
		}
		if len(rest) > 0 && rest[0] == ' ' {
			rest = rest[1:]
		}
		m.add("RTF", name, rtfText(rest, cp))
	}
	var authors []string
	for _, t := range m.Tags {
		if t.Group == "RTF" && t.Name == "Author" {
			if v, ok := t.Value.(string); ok {
				authors = append(authors, v)
			}
		}
	}
	if len(authors) > 1 {
		m.warnf("the RTF \\info group holds %d \\author entries (%s): a word processor writes one, the others were added by another program or by hand; \\author names an author, not the last editor (\\operator)", len(authors), strings.Join(authors, "; "))
	}
	return nil
}

// rtfDate reads "\yr2010\mo3\dy10\hr15\min11\sec2" in exiftool's format.
func rtfDate(b []byte) (string, bool) {
	var v [6]int
	idx := map[string]int{"yr": 0, "mo": 1, "dy": 2, "hr": 3, "min": 4, "sec": 5}
	found := false
	for _, part := range strings.Split(string(b), `\`) {
		j := 0
		for j < len(part) && part[j] >= 'a' && part[j] <= 'z' {
			j++
		}
		k, ok := idx[part[:j]]
		if !ok {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(part[j:]))
		if err != nil {
			continue
		}
		v[k] = n
		found = true
	}
	if !found {
		return "", false
	}
	return fmt.Sprintf("%04d:%02d:%02d %02d:%02d:%02d", v[0], v[1], v[2], v[3], v[4], v[5]), true
}

// rtfText decodes RTF text: \'hh bytes in the document code page, \uN
// Unicode characters (skipping the \ucN fallback characters), escapes.
func rtfText(b []byte, cp int) string {
	var out strings.Builder
	var pending []byte
	flush := func() {
		if len(pending) > 0 {
			out.WriteString(decodeCP(pending, cp))
			pending = pending[:0]
		}
	}
	skip := 1
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == '{' || c == '}' || c == '\r' || c == '\n' {
			continue
		}
		if c != '\\' {
			pending = append(pending, c)
			continue
		}
		if i+1 >= len(b) {
			break
		}
		nx := b[i+1]
		if nx == '\'' && i+3 < len(b) {
			if v, err := strconv.ParseUint(string(b[i+2:i+4]), 16, 8); err == nil {
				pending = append(pending, byte(v))
			}
			i += 3
			continue
		}
		if !(nx >= 'a' && nx <= 'z') {
			flush()
			out.WriteByte(nx)
			i++
			continue
		}
		j := i + 1
		for j < len(b) && b[j] >= 'a' && b[j] <= 'z' {
			j++
		}
		word := string(b[i+1 : j])
		k := j
		if k < len(b) && (b[k] == '-' || (b[k] >= '0' && b[k] <= '9')) {
			k++
			for k < len(b) && b[k] >= '0' && b[k] <= '9' {
				k++
			}
		}
		num, _ := strconv.Atoi(string(b[j:k]))
		if k < len(b) && b[k] == ' ' {
			k++
		}
		i = k - 1
		switch word {
		case "uc":
			skip = num
		case "u":
			flush()
			if num < 0 {
				num += 65536
			}
			out.WriteRune(rune(num))
			// Skip the fallback characters.
			for s := 0; s < skip && i+1 < len(b); s++ {
				if b[i+1] == '\\' && i+2 < len(b) && b[i+2] == '\'' {
					i += 4
				} else {
					i++
				}
			}
		case "par", "line":
			flush()
			out.WriteByte('\n')
		case "tab":
			flush()
			out.WriteByte('\t')
		case "endash":
			flush()
			out.WriteRune('–')
		case "emdash":
			flush()
			out.WriteRune('—')
		case "lquote":
			flush()
			out.WriteRune('‘')
		case "rquote":
			flush()
			out.WriteRune('’')
		case "ldblquote":
			flush()
			out.WriteRune('“')
		case "rdblquote":
			flush()
			out.WriteRune('”')
		case "bullet":
			flush()
			out.WriteRune('•')
		}
	}
	flush()
	return out.String()
}
