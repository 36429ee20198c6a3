package docmeta

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// fieldKeys says, per container family, which exiftool-named tags feed each
// typed field of Meta, best first.
var fieldKeys = map[Kind]map[string][]string{
	KindOOXML: {
		"Author": {"XMP-dc:Creator", "XML:CorePropertiesCreator"}, "LastModifiedBy": {"XML:LastModifiedBy", "XML:CorePropertiesLastModifiedBy"},
		"Created": {"XML:CreateDate"}, "Modified": {"XML:ModifyDate"}, "Printed": {"XML:LastPrinted"},
		"Application": {"XML:Application"}, "AppVersion": {"XML:AppVersion"}, "Company": {"XML:Company"},
		"Manager": {"XML:Manager"}, "Template": {"XML:Template"}, "Revision": {"XML:RevisionNumber", "XML:CorePropertiesRevision"},
		"Pages": {"XML:Pages", "XML:Slides"}, "Words": {"XML:Words"}, "Characters": {"XML:Characters"},
		"Title": {"XMP-dc:Title"}, "Subject": {"XMP-dc:Subject"}, "Keywords": {"XML:Keywords"},
		"Comments": {"XMP-dc:Description"}, "Category": {"XML:Category"}, "Language": {"XMP-dc:Language", "XML:Language"},
	},
	KindODF: {
		"Author": {"XMP-meta:Initial-creator"}, "LastModifiedBy": {"XMP-dc:Creator"},
		"Created": {"XMP-meta:Creation-date"}, "Modified": {"XMP-dc:Date"}, "Printed": {"XMP-meta:Print-date"},
		"Application": {"XMP-meta:Generator"}, "Revision": {"XMP-meta:Editing-cycles"},
		"Pages": {"XMP-meta:Document-statisticPage-count"}, "Words": {"XMP-meta:Document-statisticWord-count"},
		"Characters": {"XMP-meta:Document-statisticCharacter-count"},
		"Title":      {"XMP-dc:Title"}, "Subject": {"XMP-dc:Subject"}, "Keywords": {"XMP-meta:Keyword"},
		"Comments": {"XMP-dc:Description"}, "Language": {"XMP-dc:Language"},
	},
	KindOLE: {
		"Author": {"FlashPix:Author"}, "LastModifiedBy": {"FlashPix:LastModifiedBy"},
		"Created": {"FlashPix:CreateDate", "MS-DOC:CreateDate"}, "Modified": {"FlashPix:ModifyDate", "MS-DOC:ModifyDate"},
		"Printed":     {"FlashPix:LastPrinted", "MS-DOC:LastPrinted"},
		"Application": {"FlashPix:Software"}, "AppVersion": {"FlashPix:AppVersion"}, "Company": {"FlashPix:Company"},
		"Manager": {"FlashPix:Manager"}, "Template": {"FlashPix:Template"}, "Revision": {"FlashPix:RevisionNumber", "MS-DOC:RevisionNumber"},
		"Pages": {"FlashPix:Pages", "MS-DOC:Pages", "FlashPix:Slides"}, "Words": {"FlashPix:Words", "MS-DOC:Words"},
		"Characters": {"FlashPix:Characters", "MS-DOC:Characters"},
		"Title":      {"FlashPix:Title"}, "Subject": {"FlashPix:Subject"}, "Keywords": {"FlashPix:Keywords"},
		"Comments": {"FlashPix:Comments"}, "Category": {"FlashPix:Category"}, "Language": {"FlashPix:LanguageCode", "FlashPix:Language"},
		"CurrentUser": {"FlashPix:CurrentUser"},
	},
	KindPDF: {
		"Author": {"PDF:Author", "XMP-dc:Creator"}, "Created": {"PDF:CreateDate", "XMP-xmp:CreateDate"},
		"Modified": {"PDF:ModifyDate", "XMP-xmp:ModifyDate"}, "Application": {"PDF:Creator", "XMP-xmp:CreatorTool", "PDF:Producer", "XMP-pdf:Producer"},
		"Pages": {"PDF:PageCount"}, "Title": {"PDF:Title", "XMP-dc:Title"}, "Subject": {"PDF:Subject", "XMP-dc:Description"},
		"Keywords": {"PDF:Keywords", "XMP-pdf:Keywords"}, "Language": {"PDF:Language", "XMP-dc:Language"}, "Company": {"PDF:Company"},
	},
	KindRTF: {
		"Author": {"RTF:Author"}, "LastModifiedBy": {"RTF:LastModifiedBy"}, "Created": {"RTF:CreateDate"},
		"Modified": {"RTF:ModifyDate"}, "Printed": {"RTF:LastPrinted"}, "Revision": {"RTF:RevisionNumber"},
		"Pages": {"RTF:Pages"}, "Words": {"RTF:Words"}, "Characters": {"RTF:Characters"}, "Title": {"RTF:Title"},
		"Subject": {"RTF:Subject"}, "Keywords": {"RTF:Keywords"}, "Comments": {"RTF:Comments"}, "Company": {"RTF:Company"},
		"Manager": {"RTF:Manager"}, "Category": {"RTF:Category"},
	},
}

// fillTyped copies tag values into the typed fields that the parser did not set.
func (m *Meta) fillTyped() {
	keys := fieldKeys[m.Kind]
	if keys == nil {
		return
	}
	first := func(field string) (string, string) {
		for _, k := range keys[field] {
			g, n, _ := strings.Cut(k, ":")
			if v, ok := m.Get(g, n); ok && strings.TrimSpace(v) != "" {
				return v, k
			}
		}
		return "", ""
	}
	setStr := func(dst *string, field string) {
		if *dst == "" {
			*dst, _ = first(field)
		}
	}
	setStr(&m.Author, "Author")
	setStr(&m.LastModifiedBy, "LastModifiedBy")
	setStr(&m.CurrentUser, "CurrentUser")
	setStr(&m.Application, "Application")
	setStr(&m.AppVersion, "AppVersion")
	setStr(&m.Company, "Company")
	setStr(&m.Manager, "Manager")
	setStr(&m.Template, "Template")
	setStr(&m.Title, "Title")
	setStr(&m.Subject, "Subject")
	setStr(&m.Keywords, "Keywords")
	setStr(&m.Comments, "Comments")
	setStr(&m.Category, "Category")
	setStr(&m.Language, "Language")
	setTime := func(dst *time.Time, local *bool, field string) {
		if !dst.IsZero() {
			return
		}
		v, k := first(field)
		if v == "" {
			return
		}
		t, hasZone, ok := parseExifDate(v)
		if !ok {
			return
		}
		if !hasZone {
			// FlashPix (OLE property set) dates are UTC without a marker;
			// the others without a zone are the author's local time.
			if strings.HasPrefix(k, "FlashPix:") {
				hasZone = true
			}
		}
		*dst = t
		if local != nil {
			*local = !hasZone
		}
	}
	setTime(&m.Created, &m.CreatedLocal, "Created")
	setTime(&m.Modified, &m.ModifiedLocal, "Modified")
	setTime(&m.Printed, nil, "Printed")
	setInt := func(dst **int, field string) {
		if *dst != nil {
			return
		}
		v, _ := first(field)
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
			*dst = intPtr(n)
		}
	}
	setInt(&m.Revision, "Revision")
	setInt(&m.Pages, "Pages")
	setInt(&m.Words, "Words")
	setInt(&m.Characters, "Characters")
}

var exifDateRe = regexp.MustCompile(`^(\d{4}):(\d{2}):(\d{2})(?: (\d{2}):(\d{2})(?::(\d{2}))?(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$`)

// parseExifDate parses a date written as exiftool writes it
// ("2017:05:03 14:02:11Z", "2012:11:22 13:28:00", "2020:01:02 10:00:00+02:00").
// hasZone tells whether the text named a zone; without one the time is
// returned as if it were UTC.
func parseExifDate(s string) (t time.Time, hasZone, ok bool) {
	mm := exifDateRe.FindStringSubmatch(strings.TrimSpace(s))
	if mm == nil {
		return time.Time{}, false, false
	}
	num := func(x string) int { n, _ := strconv.Atoi(x); return n }
	y, mo, d := num(mm[1]), num(mm[2]), num(mm[3])
	if y == 0 || mo < 1 || mo > 12 || d < 1 || d > 31 {
		return time.Time{}, false, false
	}
	ns := 0
	if mm[7] != "" {
		frac := (mm[7][1:] + "000000000")[:9]
		ns = num(frac)
	}
	loc := time.UTC
	if z := mm[8]; z != "" {
		hasZone = true
		if z != "Z" {
			z = strings.ReplaceAll(z, ":", "")
			off := (num(z[1:3])*60 + num(z[3:5])) * 60
			if z[0] == '-' {
				off = -off
			}
			loc = time.FixedZone("", off)
		}
	}
	return time.Date(y, time.Month(mo), d, num(mm[4]), num(mm[5]), num(mm[6]), ns, loc), hasZone, true
}

// zoneOffset returns the explicit offset of an exiftool date, if it has a
// numeric one ("Z" counts as no evidence: tools write Z whatever the zone).
func zoneOffset(s string) (time.Duration, bool) {
	t, has, ok := parseExifDate(s)
	if !ok || !has || strings.HasSuffix(strings.TrimSpace(s), "Z") {
		return 0, false
	}
	_, off := t.Zone()
	return time.Duration(off) * time.Second, true
}
