// Package modeltest gives other packages' tests a small trained mail
// model: what an agency would upload to the hub, in a few milliseconds.
package modeltest

import (
	"testing"

	"github.com/vigie-project/vigie/internal/mail/model"
)

// Trained returns a model trained on one phishing and one legitimate
// example; note tells two such models apart.
func Trained(t testing.TB, note string) *model.Model {
	t.Helper()
	m, err := model.Train([]model.Example{
		{Features: []string{"w:verify", "w:password"}, Phish: true},
		{Features: []string{"w:meeting", "w:agenda"}},
	}, model.TrainOptions{Epochs: 2})
	if err != nil {
		t.Fatal(err)
	}
	m.Note = note
	return m
}
