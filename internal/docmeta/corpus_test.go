package docmeta

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// comparedKeys are the exiftool Group:Tag names checked against exiftool's
// output: authors, last editors, creation/modification dates, applications
// and revision counts.
var comparedKeys = []string{
	"FlashPix:Author", "XMP-dc:Creator", "PDF:Author", "RTF:Author", "XMP-meta:Initial-creator",
	"FlashPix:LastModifiedBy", "XML:LastModifiedBy", "RTF:LastModifiedBy", "MS-DOC:LastSavedBy",
	"FlashPix:CreateDate", "FlashPix:ModifyDate", "XML:CreateDate", "XML:ModifyDate", "PDF:CreateDate", "PDF:ModifyDate",
	"XMP-xmp:CreateDate", "XMP-xmp:ModifyDate", "XMP-meta:Creation-date", "XMP-dc:Date",
	"MS-DOC:CreateDate", "MS-DOC:ModifyDate", "RTF:CreateDate", "RTF:ModifyDate",
	"FlashPix:Software", "XML:Application", "PDF:Producer", "PDF:Creator", "XMP-pdf:Producer", "XMP-xmp:CreatorTool",
	"XMP-meta:Generator", "XML:AppVersion", "FlashPix:AppVersion",
	"FlashPix:RevisionNumber", "XML:RevisionNumber", "MS-DOC:RevisionNumber", "RTF:RevisionNumber", "XMP-meta:Editing-cycles",
}

// knownExceptions are disagreements with exiftool explained in doc.go,
// keyed by "file|Group:Tag".
var knownExceptions = map[string]string{
	"files/test-data__document__bug65255.doc|FlashPix:Author":         "code page 936 decoded (exiftool prints ???)",
	"files/test-data__document__bug65255.doc|FlashPix:LastModifiedBy": "code page 936 decoded (exiftool prints ???)",
	"files/test-data__spreadsheet__styles.xlsx|XML:Application":       "XML line ends normalised to LF, as XML 1.0 requires",
}

func exifText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = exifText(e)
		}
		return strings.Join(parts, ", ")
	case nil:
		return ""
	default:
		return fmt.Sprint(x)
	}
}

// TestCorpusAgainstExiftool compares with exiftool 12.57's output on the
// shared corpus. Run with VIGIE_CORPUS=/work/shared/corpus.
func TestCorpusAgainstExiftool(t *testing.T) {
	root := os.Getenv("VIGIE_CORPUS")
	if root == "" {
		t.Skip("VIGIE_CORPUS not set")
	}
	dir := filepath.Join(root, "docs")
	raw, err := os.ReadFile(filepath.Join(dir, "exiftool_G1.json"))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var want []map[string]any
	if err := dec.Decode(&want); err != nil {
		t.Fatal(err)
	}
	type stat struct{ agree, disagree, missing int }
	stats := map[string]*stat{}
	total, bad, readErrs := 0, 0, 0
	var lines []string
	for _, w := range want {
		src := w["SourceFile"].(string)
		m, err := Read(filepath.Join(dir, src))
		if err != nil {
			readErrs++
			if w["ExifTool:Error"] == nil {
				lines = append(lines, fmt.Sprintf("READ ERROR (exiftool read it): %s: %v", src, err))
			}
		}
		keysHere := comparedKeys
		if os.Getenv("VIGIE_CORPUS_ALL") != "" {
			keysHere = nil
			for k := range w {
				g, _, _ := strings.Cut(k, ":")
				switch {
				case g == "FlashPix", g == "XML", g == "PDF", g == "RTF", g == "MS-DOC", strings.HasPrefix(g, "XMP"):
					keysHere = append(keysHere, k)
				}
			}
			sort.Strings(keysHere)
		}
		for _, k := range keysHere {
			ev, ok := w[k]
			if !ok {
				continue
			}
			s := stats[k]
			if s == nil {
				s = &stat{}
				stats[k] = s
			}
			total++
			g, n, _ := strings.Cut(k, ":")
			got, found := m.Get(g, n)
			exp := exifText(ev)
			switch {
			case found && got == exp:
				s.agree++
			case knownExceptions[src+"|"+k] != "":
				s.agree++
			default:
				bad++
				if !found {
					s.missing++
				} else {
					s.disagree++
				}
				lines = append(lines, fmt.Sprintf("%s %s: exiftool %q, vigie %q (found=%v)", src, k, exp, got, found))
			}
		}
	}
	keys := make([]string, 0, len(stats))
	for k := range stats {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s := stats[k]
		t.Logf("%-28s agree %4d  differ %3d  missing %3d", k, s.agree, s.disagree, s.missing)
	}
	for _, l := range lines {
		t.Log(l)
	}
	t.Logf("%d files, %d read errors; %d values compared, %d disagreements", len(want), readErrs, total, bad)
	if bad > 0 {
		t.Errorf("%d disagreements with exiftool", bad)
	}
}
