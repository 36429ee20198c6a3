package web

import (
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/store"
)

// TestTemplatesTranslated fails when a template holds visible text that
// the French catalog lacks: add the line "English<TAB>French" to
// catalog_fr.tsv.
func TestTemplatesTranslated(t *testing.T) {
	cat, err := loadCatalog(catalogFR)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := templatesFS.ReadDir("templates")
	if err != nil {
		t.Fatal(err)
	}
	missing := map[string][]string{}
	for _, e := range entries {
		tp, err := template.New(e.Name()).Funcs(funcs).ParseFS(templatesFS, "templates/"+e.Name())
		if err != nil {
			t.Fatal(err)
		}
		cat.translateTemplate(tp, func(s string) { missing[s] = append(missing[s], e.Name()) })
	}
	var lines []string
	for s, files := range missing {
		lines = append(lines, s+"\t(in "+strings.Join(files, ", ")+")")
	}
	sort.Strings(lines)
	if len(lines) > 0 {
		t.Fatalf("%d template strings lack a French translation in catalog_fr.tsv:\n%s", len(lines), strings.Join(lines, "\n"))
	}
}

func TestCatalogMessages(t *testing.T) {
	cat, err := loadCatalog(catalogFR)
	if err != nil {
		t.Fatal(err)
	}
	for en, fr := range map[string]string{
		"Dashboard": "Tableau de bord",
		"Too many failed attempts for this account. Wait 31 seconds and try again, or ask your administrator.": "Trop d'échecs pour ce compte. Attendez 31 secondes puis réessayez, ou demandez à votre administrateur.",
		"Token 7 created for Parti Exemple (role sensor).":                                                     "Jeton 7 créé pour Parti Exemple (rôle sensor).",
		"Something nobody translated.":                                                                         "Something nobody translated.",
		"Done: 3 new, 0 updated. 2 known-good values (warning lists) left out.":                                "Fait : 3 nouveaux, 0 mis à jour. 2 valeurs connues pour être sûres (listes d'avertissement) laissées de côté.",
		"Expired: evil.example. Sensors drop it at their next pull.":                                           "Expiré : evil.example. Les capteurs le retirent à leur prochain relevé.",
	} {
		if got := cat.message(en); got != fr {
			t.Errorf("%q: %q, want %q", en, got, fr)
		}
	}
	if _, err := loadCatalog("no tab here\n"); err == nil {
		t.Error("a line without a tab accepted")
	}
	if _, err := loadCatalog("a\tb\na\tc\n"); err == nil {
		t.Error("a duplicate entry accepted")
	}
}

// TestFrenchUI: a browser that prefers French gets the login page in
// French; a user who chose French sees every page in French, and one who
// chose English sees English whatever the browser says.
func TestFrenchUI(t *testing.T) {
	s := newSite(t)
	s.user("Party A", "ann", store.RoleAdmin)
	fr := func(b *browser, path string) string {
		req, _ := http.NewRequest("GET", s.ts.URL+path, nil)
		req.Header.Set("Accept-Language", "fr-FR,fr;q=0.9,en;q=0.5")
		res, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var sb strings.Builder
		buf := make([]byte, 32<<10)
		for {
			n, err := res.Body.Read(buf)
			sb.Write(buf[:n])
			if err != nil {
				break
			}
		}
		b.last = sb.String()
		return b.last
	}
	b := s.browser()
	if body := fr(b, "/login"); !strings.Contains(body, `<html lang="fr">`) || !strings.Contains(body, "Nom d'utilisateur") || !strings.Contains(body, "Se connecter avec une clé d'accès") {
		t.Fatalf("French login page: %s", body)
	}
	if _, body := b.get("/login"); !strings.Contains(body, "User name") {
		t.Fatal("English login page")
	}
	b.login("ann", pw)
	for path, want := range map[string]string{"/": "Tableau de bord", "/users": "Ajouter un utilisateur", "/tokens": "Nouveau jeton", "/account": "Clés d'accès", "/indicators": "Indicateurs"} {
		if body := fr(b, path); !strings.Contains(body, want) || strings.Contains(body, ">Log out<") {
			t.Errorf("%s in French lacks %q", path, want)
		}
	}
	// Choosing English on the account page wins over the browser.
	b.get("/account")
	if code, body := b.post("/account/language", url.Values{"csrf": {b.csrf()}, "lang": {"en"}}, ""); code != 200 || !strings.Contains(body, "Language saved") {
		t.Fatalf("language: %d", code)
	}
	if body := fr(b, "/"); !strings.Contains(body, "<h1>Dashboard") {
		t.Fatal("the chosen English is not kept")
	}
	b.post("/account/language", url.Values{"csrf": {b.csrf()}, "lang": {"fr"}}, "")
	if _, body := b.get("/tokens"); !strings.Contains(body, "Jetons d'API") {
		t.Fatal("the chosen French is not used with an English browser")
	}
	if code, _ := b.post("/account/language", url.Values{"csrf": {b.csrf()}, "lang": {"de"}}, ""); code != http.StatusUnprocessableEntity {
		t.Fatalf("unknown language: %d", code)
	}
}

// TestPasskeyErrorsInFrench: the passkey script's error messages follow
// the page's language.
func TestPasskeyErrorsInFrench(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	b.get("/login")
	req, _ := http.NewRequest("POST", s.ts.URL+"/login/passkey/discover/finish", strings.NewReader("{}"))
	req.Header.Set("Origin", s.ts.URL)
	req.Header.Set("X-CSRF-Token", b.csrf())
	req.Header.Set("Accept-Language", "fr")
	res, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var got map[string]string
	json.NewDecoder(res.Body).Decode(&got)
	if res.StatusCode != http.StatusForbidden || got["error"] != "Le formulaire de connexion a expiré. Rechargez la page et réessayez." {
		t.Fatalf("%d %v", res.StatusCode, got)
	}
}
