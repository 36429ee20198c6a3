package doctest_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/cfb/cfbtest"
	"github.com/vigie-project/vigie/internal/docmeta"
	"github.com/vigie-project/vigie/internal/docmeta/doctest"
)

func TestXLSText(t *testing.T) {
	// Enough distinct strings that the shared string table goes on in
	// CONTINUE records.
	var long [][]any
	var longWant []string
	for i := 0; i < 600; i++ {
		s := fmt.Sprintf("ligne numéro %d du grand tableau", i)
		long = append(long, []any{s, i})
		longWant = append(longWant, fmt.Sprintf("%s\t%d", s, i))
	}
	tests := []struct {
		name   string
		sheets []doctest.Sheet
		want   string
	}{
		{
			name: "strings, numbers, booleans and gaps",
			sheets: []doctest.Sheet{
				{Name: "Dépenses", Rows: [][]any{
					{"Poste", "Montant"},
					{"Salle à Lyon", 12500},
					{"Affiches", 3400.75},
					{"Salle à Lyon", -1},
					{nil, true, "fin"},
				}},
				{Name: "Пусто"},
				{Name: "Греция", Rows: [][]any{{"Ελλάδα", 0.5}}},
			},
			want: "Dépenses\nPoste\tMontant\nSalle à Lyon\t12500\nAffiches\t3400.75\nSalle à Lyon\t-1\n\tTRUE\tfin\n\nПусто\n\nГреция\nΕλλάδα\t0.5",
		},
		{
			name:   "shared strings across CONTINUE records",
			sheets: []doctest.Sheet{{Name: "Long", Rows: long}},
			want:   "Long\n" + strings.Join(longWant, "\n"),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := doctest.XLS(tc.sheets...)
			got, ok, err := docmeta.Text("xls", bytes.NewReader(data), int64(len(data)))
			if !ok || err != nil {
				t.Fatalf("Text: ok %v, error %v", ok, err)
			}
			if got != tc.want {
				t.Errorf("text\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestXLSProps(t *testing.T) {
	created := time.Date(2017, 4, 10, 9, 0, 0, 0, time.UTC)
	modified := time.Date(2017, 4, 28, 17, 45, 30, 0, time.UTC)
	p := doctest.Props{Title: "Dépenses d'avril", Author: "Jean Dupont", LastAuthor: "Marie Martin", Application: "Microsoft Excel", Created: created, Modified: modified}
	data := doctest.XLSWithProps(p, doctest.Sheet{Name: "Feuil1", Rows: [][]any{{"a", 1}}})
	m, err := docmeta.ReadBytes("depenses.xls", data)
	if err != nil {
		t.Fatal(err)
	}
	if m.Type != "XLS" || m.Title != p.Title || m.Author != p.Author || m.LastModifiedBy != p.LastAuthor || m.Application != p.Application ||
		!m.Created.Equal(created) || !m.Modified.Equal(modified) || m.CodePage != 1252 {
		t.Errorf("metadata: type %q title %q author %q last %q app %q created %v modified %v code page %d",
			m.Type, m.Title, m.Author, m.LastModifiedBy, m.Application, m.Created, m.Modified, m.CodePage)
	}
	// Without Props, no property set: the reader finds no author.
	m, err = docmeta.ReadBytes("bare.xls", doctest.XLS(doctest.Sheet{Name: "Feuil1"}))
	if err != nil {
		t.Fatal(err)
	}
	if m.Author != "" || !m.Created.IsZero() {
		t.Errorf("bare workbook: author %q created %v", m.Author, m.Created)
	}
}

func TestPropertySet(t *testing.T) {
	// Cyrillic in code page 1251, as a Russian Office writes it.
	ps := doctest.PropertySet(doctest.FMTIDSummary, 1251, []doctest.Prop{
		{ID: doctest.PIDAuthor, Type: doctest.VTLPSTR, Value: "Роман Сидоров"},
		{ID: doctest.PIDEditTime, Type: doctest.VTFiletime, Value: 90 * time.Minute},
	})
	m, err := docmeta.ReadBytes("x.xls", cfbtest.BuildFiles(cfbtest.File{Path: "\x05SummaryInformation", Data: ps}))
	if err != nil {
		t.Fatal(err)
	}
	if m.Author != "Роман Сидоров" || m.TotalEditTime == nil || *m.TotalEditTime != 90*time.Minute || m.CodePage != 1251 {
		t.Errorf("author %q edit time %v code page %d", m.Author, m.TotalEditTime, m.CodePage)
	}
}
