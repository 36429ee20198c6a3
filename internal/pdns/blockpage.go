package pdns

import (
	"html/template"
	"net"
	"net/http"
	"strings"
)

// BlockPage serves the page a blocked user sees when --sinkhole points
// blocked names at this resolver's address: in plain words, that the site
// was blocked, why, and whom to call. Only plain HTTP can show it: for an
// https:// link the browser shows a certificate warning instead, which
// stops the user as well.
func (s *Server) BlockPage(contact string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = trimDot(strings.ToLower(host))
		d := s.Check(host)
		data := struct {
			Host, Reason, Contact string
			Blocked               bool
		}{Host: host, Contact: contact, Blocked: d.Action.Blocked()}
		if data.Blocked {
			data.Reason = d.Reason()
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusForbidden)
		blockPageTmpl.Execute(w, data)
	})
}

var blockPageTmpl = template.Must(template.New("block").Parse(`<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Site bloqué — Site blocked</title>
<style>body{font:17px/1.5 system-ui,sans-serif;max-width:40em;margin:3em auto;padding:0 1em;color:#222}
h1{font-size:1.5em;color:#a40000}code{background:#f3f3f3;padding:.1em .3em}.en{color:#555;border-top:1px solid #ddd;margin-top:2em;padding-top:1em}</style>
</head><body>
{{if .Blocked}}
<h1>Ce site a été bloqué pour vous protéger</h1>
<p>L'adresse <code>{{.Host}}</code> est connue ou soupçonnée de servir à une attaque (fausse page de connexion, logiciel espion).
Ne saisissez aucun mot de passe et ne téléchargez rien depuis un lien qui vous y a mené.</p>
<p><strong>Raison :</strong> {{.Reason}}</p>
{{if .Contact}}<p><strong>Si vous pensez que c'est une erreur, ou si vous avez déjà saisi un mot de passe :</strong> {{.Contact}}</p>{{end}}
<div class="en" lang="en"><h2>This site was blocked to protect you</h2>
<p><code>{{.Host}}</code> is known or suspected to be used in an attack (a fake login page, spyware). Do not type a password or download anything from a link that led you here.</p>
<p><strong>Why:</strong> {{.Reason}}</p>
{{if .Contact}}<p><strong>If you think this is a mistake, or you already typed a password:</strong> {{.Contact}}</p>{{end}}</div>
{{else}}
<h1>Vigie DNS</h1><p>This address serves the page shown for blocked sites. <code>{{.Host}}</code> is not blocked.</p>
{{end}}
</body></html>
`))
