package assess_test

import (
	"fmt"
	"time"

	"github.com/vigie-project/vigie/internal/assess"
)

// A party declares its mail domain protected, but vigie posture finds no
// DMARC record: the measurement wins. The plan starts with what reduces
// the most risk for the least effort: two-factor login on mail, then
// finding out about essential measures left unanswered (ties between
// equal find-outs go by group order).
func ExampleAssess() {
	q := assess.Current()
	answers := assess.Answers{
		QuestionnaireVersion: q.Version,
		AnsweredBy:           "it-lead@example.fr",
		AnsweredAt:           time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC),
		Items: []assess.Answer{
			{Question: "acc-mfa-mail", Value: "password"},
			{Question: "mail-antispoof", Value: "yes"},
			{Question: "resp-contact", Value: "dontknow"},
		},
	}
	facts := assess.Facts{
		Posture: []assess.PostureCheck{
			{ID: "mail.spf", Domain: "example.fr", Status: "pass"},
			{ID: "mail.dmarc", Domain: "example.fr", Status: "fail"},
		},
	}
	a := assess.Assess(q, answers, facts, time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	for _, g := range a.Groups {
		if g.Group == assess.GroupMail {
			for _, e := range g.Evidence {
				if e.Item == "mail-antispoof" {
					fmt.Println(e.Note.EN)
				}
			}
		}
	}
	for _, x := range a.Plan[:assess.TopActions] {
		fmt.Printf("%d. [%s, %s] %s\n", x.Rank, x.Kind, x.Effort.Time, x.Text.FR)
	}
	// Output:
	// Answer: Yes (100%). Measured: mail.spf=pass (example.fr), mail.dmarc=fail (example.fr). The measurement wins over the declared answer (0%).
	// 1. [do, hours] Activez dès aujourd'hui la double authentification sur chaque boîte avec une application (gratuite), puis passez les personnes les plus exposées aux clés de sécurité (environ 25 € l'une).
	// 2. [find-out, minutes] Renseignez-vous : Les systèmes, navigateurs et applications des appareils de campagne se mettent-ils à jour automatiquement ?
	// 3. [find-out, minutes] Renseignez-vous : Les fichiers importants sont-ils sauvegardés régulièrement sur une copie hors ligne ou non modifiable ?
}
